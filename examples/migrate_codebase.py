"""Migrate a small Keras 1 codebase to Keras 3 in two steps, keeping Keras 1's predictions.

    python examples/migrate_codebase.py

The codebase is examples/migrate_codebase/ (two model files written for Keras 1.2.2). It is
copied to a temporary folder, then:

1. `legacy-conv migrate DIR --to legacy --write --keras1-backend tensorflow
   --image-dim-ordering tf`: the Keras 1 imports now name the Keras 1 namespace,
   legacy_conv.keras1, and the backend and keras.json's ordering are set after them;
   nothing changes meaning, so the models predict what Keras 1 did (on any machine).
2. `legacy-conv migrate DIR --to native --write --keras1-backend tensorflow
   --image-dim-ordering tf`: every call whose
   meaning a Keras 3 built-in has exactly becomes that call; the report says why each other
   call stays on legacy_conv's layer. The models still predict what Keras 1 did.

After each step the models are built from the rewritten files, given the weights Keras 1
had (examples/migrate_codebase/*_tensorflow.npz, written by
tests/fixtures/migrate/make_migrate_fixtures.py inside the real Keras 1.2.2), and their
predictions compared with Keras 1's.
"""

import importlib.util
import io
import os
import pathlib
import shutil
import sys
import tempfile
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

import legacy_conv  # noqa: E402
from legacy_conv.cli import migrate as cli  # noqa: E402

HERE = pathlib.Path(__file__).parent / "migrate_codebase"
BACKEND = "tensorflow"  # the Keras 1 backend the codebase was trained with


def migrate(folder, *options):
    """Runs `legacy-conv migrate` (here in this process) and prints its report."""
    argv = ["migrate", str(folder), "--write", "--keras1-backend", BACKEND, *options]
    print("$ legacy-conv", " ".join(argv).replace(str(folder), "CODEBASE"))
    report = io.StringIO()
    status = cli.main(argv, stderr=report)
    print(report.getvalue().replace(str(folder) + os.sep, ""))
    if status != 0:
        sys.exit(f"migrate failed with exit status {status}")


def load(path):
    spec = importlib.util.spec_from_file_location(f"migrated_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def keras1_data(stem):
    data = np.load(HERE / f"{stem}_{BACKEND}.npz")
    weights = {}
    for key in sorted(k for k in data.files if k.startswith("weights/")):
        _, layer, _ = key.split("/")
        weights.setdefault(layer, []).append(data[key])
    return weights, data["input_0"], data["output_0"]


def check(folder, step):
    """Builds each model from the migrated files and compares with Keras 1's predictions."""
    for path in sorted(folder.glob("*.py")):
        weights, x, expected = keras1_data(path.stem)
        model = load(path).build_model()
        # The Keras 1 weights, in the layout of each layer: a legacy_conv layer takes Keras
        # 1's layout; modernize() gives the Keras 3 layout of the others.
        reference = load(folder.parent / "step1" / path.name).build_model()
        for layer in reference.layers:
            if layer.name in weights:
                layer.set_weights(weights[layer.name])
        keras3 = legacy_conv.modernize(reference, keep_legacy=True)
        for layer in model.layers:
            if layer.weights:
                ours = type(layer).__module__.startswith("legacy_conv")
                layer.set_weights(weights[layer.name] if ours else
                                  keras3.get_layer(layer.name).get_weights())
        predicted = model.predict(x, verbose=0)
        np.testing.assert_allclose(predicted, expected, rtol=1e-5, atol=1e-5)
        print(f"{step}: {path.name}: predictions match Keras 1 "
              f"(max difference {np.abs(predicted - expected).max():.1e})")


def main():
    # Keras 3 suggests keras.Input over input_shape=; Keras 1 code states input_shape.
    warnings.filterwarnings("ignore", message="Do not pass an `input_shape`")
    with tempfile.TemporaryDirectory() as tmp:
        codebase = pathlib.Path(tmp) / "codebase"
        codebase.mkdir()
        for path in HERE.glob("*.py"):
            shutil.copy(path, codebase)
        migrate(codebase, "--to", "legacy", "--image-dim-ordering", "tf")
        shutil.copytree(codebase, pathlib.Path(tmp) / "step1")
        check(codebase, "step 1")
        migrate(codebase, "--to", "native", "--image-dim-ordering", "tf")
        check(codebase, "step 2")
        print("\nThe migrated convnet.py:\n")
        print((codebase / "convnet.py").read_text())


if __name__ == "__main__":
    main()
