"""Keras 1 scripts run end to end after `legacy-conv migrate`, with Keras 1's numbers.

Keras 1.2.2's own examples and real 2016 scripts (tests/fixtures/keras1_scripts/, adapted only
to small synthetic data and to the harness: README.md there) ran in Keras 1.2.2 on Theano
and on TensorFlow (make_scripts.py), which recorded their initial weights, history, final
weights and predictions. Here each script is migrated `--to legacy` and run with the same
initial weights and batch order, then the original and that output are migrated `--to
native` and run again; each run must give Keras 1's history (keys included), final weights
and predictions. Scripts that save files reload them with their own Keras 1 load calls.
"""

import importlib.util
import sys

import keras
import numpy as np
import pytest

from _fixtures import SCRIPTS, npz, read_json
from legacy_conv.migration import migrate_source
from test_migrate_keras1 import package_defaults

sys.path.insert(0, str(SCRIPTS))  # the scripts `import harness`
import harness  # noqa: E402  (tests/fixtures/keras1_scripts/harness.py)

_spec = importlib.util.spec_from_file_location("keras1_scripts_cases", SCRIPTS / "cases.py")
cases = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cases)

# Theano's runs are exact; Keras 1 on TensorFlow races its updates against the gradients'
# reads (tests/fixtures/keras1_training/README.md): its losses within that race, no more.
TOL = {"theano": {"rtol": 1e-5, "atol": 1e-5}, "tensorflow": {"rtol": 3e-2, "atol": 3e-2}}
PRED_TOL = {"rtol": 1e-5, "atol": 1e-5}


def fixture(backend, name, variant):
    return SCRIPTS / backend / f"{name}.{variant}"


def run(texts, name, backend, variant, tmp_path):
    """The migrated script's files run, in order, with the harness replaying Keras 1's
    recording."""
    keras.backend.clear_session()
    results = harness.configure("replay", str(tmp_path), fixture=str(
        fixture(backend, name, variant)), keras1_backend=backend)
    with package_defaults(backend, cases.SCRIPTS[name]["dim_ordering"]):
        for filename, text in zip(cases.files(name), texts, strict=True):
            exec(compile(text, f"<migrated {filename}.py>", "exec"), {"__name__": "__main__"})
    return results


def check(results, backend, name, variant):
    folder = fixture(backend, name, variant)
    record, arrays = read_json(folder / "record.json"), npz(folder / "arrays.npz")
    for i, pred in enumerate(results["initial_pred"]):
        np.testing.assert_allclose(pred, arrays[f"initial_pred_{i}"], **PRED_TOL)
    assert sorted(results["history"]) == sorted(record["history"])
    if variant == "as_written" and cases.SCRIPTS[name]["dropout"]:
        return  # Keras 1's dropout masks: compared without dropout
    for key, values in record["history"].items():
        if backend == "tensorflow" and not key.endswith("loss"):
            continue  # the race can move a prediction across a rounding: accuracies jump
        np.testing.assert_allclose(results["history"][key], values, err_msg=key,
                                   **TOL[backend])
    if backend == "tensorflow":
        return
    for ours, theirs in zip(results["weights"], results["keras1_weights"], strict=True):
        np.testing.assert_allclose(ours, theirs, **TOL[backend])
    outputs = sorted(k.rsplit("_", 1)[0] for k in arrays if k.endswith("_0"))
    assert sorted(k for k in results if k not in ("history", "weights", "keras1_weights")) \
        == outputs
    for key in outputs:
        for i, pred in enumerate(results[key]):
            np.testing.assert_allclose(pred, arrays[f"{key}_{i}"], err_msg=key,
                                       **TOL[backend])


def migrate(text, to, backend, name):
    return migrate_source(text, to=to, keras1_backend=backend, path=f"{name}.py",
                          image_dim_ordering=cases.SCRIPTS[name]["dim_ordering"]).new_source


def originals(name, variant):
    return [cases.source((SCRIPTS / "scripts" / f"{f}.py").read_text(), variant)
            for f in cases.files(name)]


CASES = [pytest.param(name, variant, backend, id=f"{name}-{variant}-{backend}")
         for name in sorted(cases.SCRIPTS) for variant in cases.variants(name)
         for backend in ("theano", "tensorflow")
         if fixture(backend, name, variant).is_dir()]


@pytest.mark.slow(quick=1)
@pytest.mark.parametrize("name, variant, backend", CASES)
def test_to_legacy_runs_as_keras1_did(name, variant, backend, tmp_path):
    texts = [migrate(text, "legacy", backend, name) for text in originals(name, variant)]
    check(run(texts, name, backend, variant, tmp_path), backend, name, variant)


@pytest.mark.slow(quick=1)
@pytest.mark.parametrize("name, variant, backend", CASES)
@pytest.mark.parametrize("start", ["original", "legacy"])
def test_to_native_runs_as_keras1_did(name, variant, backend, start, tmp_path):
    texts = originals(name, variant)
    if start == "legacy":
        texts = [migrate(text, "legacy", backend, name) for text in texts]
    texts = [migrate(text, "native", backend, name) for text in texts]
    check(run(texts, name, backend, variant, tmp_path), backend, name, variant)
