"""Keras 1 models exported for TF Serving, and run as TF Serving runs them.

Every Keras 1.2.2 model of tests/fixtures/keras1_models/ (both backends) is exported with
`model.export(DIR)`; its native twin (`legacy_conv.modernize`) with
`legacy_conv.serving.export_for_serving` (see NATIVE); one model per backend with
`legacy-conv convert ... --serving-name`. ONE fresh process that can import TensorFlow but
neither Keras nor legacy_conv (an import hook refuses them, and the test checks that nothing
tried after TensorFlow's own optional probe) loads each SavedModel as soon as it is written,
with `tf.saved_model.load` and with the TF1 session loader that TF Serving uses, runs
`serving_default`, lists the graph's ops, and writes what it got; the tests compare that with
Keras 1's own predictions. `saved_model_cli show` reads one of them as TF Serving would.
"""

import contextlib
import io
import json
import os
import pathlib
import re
import runpy
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

import legacy_conv
from _fixtures import CUSTOM_OBJECTS, MODELS, manifest, model_io
from legacy_conv import cli
from legacy_conv import serving
from legacy_conv.errors import ConversionError

ROOT = pathlib.Path(__file__).parent.parent
TAGS = ("k122_theano", "k122_tensorflow")
ATOL = 1e-5
# Models with no exact native form: modernize refuses them, naming the layer and why.
NO_NATIVE = {"bn_net": "mode=2", "nested_basic": "mode=2", "two_input": "mode='cos'",
             "nested": "activity_regularizer", "highway_maxout": "activity_regularizer",
             "tdd_actreg": "activity_regularizer", "embedding_dropout": "dropout=0.3",
             "local2d_th": "a kernel per output position",
             "local2d_tf": "a kernel per output position",
             "local1d": "a kernel per output position",
             "srelu_psoftplus": "its two thresholds and slopes"}
# One model per backend also goes through `legacy-conv convert --serving-name`; the first
# is also read by `saved_model_cli show` (a process of ~4 s, so only one).
CLI_MODELS = {"k122_theano": "two_input", "k122_tensorflow": "text_cnn"}
SHOWN = "k122_theano-two_input-cli"
PY_FUNC_OPS = {"PyFunc", "PyFuncStateless", "EagerPyFunc"}
DTYPES = {"float32": "DT_FLOAT", "int32": "DT_INT32"}
SIGNATURE = "serving_default"


def _specs():
    for tag in TAGS:
        for spec in manifest(MODELS / tag)["models"]:
            yield tag, manifest(MODELS / tag)["backend"], spec


SPECS = {(tag, spec["name"]): (backend, spec) for tag, backend, spec in _specs()}
# Exports take ~0.3 s each, so the native twins (whose numbers test_native.py checks on
# both backends) are served from the Theano files, which need the kernel flips and
# paddings, and from the TensorFlow-only models.
NATIVE = {(tag, name) for tag, name in SPECS
          if tag == "k122_theano" or ("k122_theano", name) not in SPECS}
CASES = [f"{tag}-{name}-legacy" for tag, name in SPECS]
CASES += [f"{tag}-{name}-native" for tag, name in SPECS if (tag, name) in NATIVE]
CASES += [f"{tag}-{name}-cli" for tag, name in CLI_MODELS.items()]


def _case(case_id):
    tag, rest = case_id.split("-", 1)
    name, target = rest.rsplit("-", 1)
    backend, spec = SPECS[(tag, name)]
    return tag, backend, spec, target


def expected_input_names(spec):
    """Functional models: Keras 1's input names. Sequential models (whose files do not
    name the input): '<first layer>_input', for each branch of a first Merge."""
    if spec["kind"] == "Model":  # '/' renamed '_', as the converter renames layers
        return [name.replace("/", "_") for name in spec["input_names"]]
    layers = spec["layers"]

    def input_name(layer):  # a Sequential's first layer: an InputLayer names the input
        name = layer["path"].split("/")[-1]
        return name if layer["class_name"] == "InputLayer" else name + "_input"

    if layers[0]["class_name"] != "Merge":
        return [input_name(layers[0])]
    branches = [layer["path"] for layer in layers if layer["path"].count("/") == 1]
    return [input_name(next(layer for layer in layers if layer["path"].startswith(b + "/")))
            for b in branches]


# -- the process that plays TF Serving ---------------------------------------------------------
CHILD = r'''
import importlib.abc
import importlib.machinery
import json
import sys

BLOCKED = ("keras", "legacy_conv")
attempts = []


class Refused(importlib.abc.Loader):
    def create_module(self, spec):
        attempts.append([spec.name, phase])
        raise ImportError(f"{spec.name} is not available where the model is served")

    def exec_module(self, module):
        raise ImportError(module.__name__)


class Refuse(importlib.abc.MetaPathFinder):
    """TF Serving has neither Keras nor legacy_conv: importing them fails, and is noted.

    (`import tensorflow` itself tries `import keras.src.optimizers`, and carries on
    without it; that attempt is noted as made during the import of TensorFlow.)"""

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            return importlib.machinery.ModuleSpec(name, Refused())
        return None


phase = "import tensorflow"
sys.meta_path.insert(0, Refuse())

import numpy as np
import tensorflow as tf
from tensorflow.core.protobuf import saved_model_pb2
from tensorflow.python.framework import op_def_registry

phase = "serving"


def graph_ops(path):
    model = saved_model_pb2.SavedModel()
    with open(f"{path}/saved_model.pb", "rb") as f:
        model.ParseFromString(f.read())
    ops, tags = set(), []
    for meta in model.meta_graphs:
        tags.append(sorted(meta.meta_info_def.tags))
        ops.update(node.op for node in meta.graph_def.node)
        for function in meta.graph_def.library.function:
            ops.update(node.op for node in function.node_def)
    return sorted(ops), tags


def tensor_info(info):
    dims = [d.size for d in info.tensor_shape.dim]
    return [tf.dtypes.DType(info.dtype).name, dims]


def run(entry):
    data = np.load(entry["npz"])
    feeds = {name: data[key] for name, key in entry["inputs"].items()}
    signature = tf.saved_model.load(entry["path"]).signatures["serving_default"]
    served = signature(**{k: tf.constant(v) for k, v in feeds.items()})
    v2 = {k: v.numpy() for k, v in served.items()}
    with tf.Graph().as_default(), tf.compat.v1.Session() as sess:  # TF Serving's loader
        meta = tf.compat.v1.saved_model.loader.load(sess, ["serve"], entry["path"])
        sig = meta.signature_def["serving_default"]
        names = sorted(sig.outputs)
        values = sess.run([sig.outputs[n].name for n in names],
                          {sig.inputs[k].name: v for k, v in feeds.items()})
        v1 = dict(zip(names, values))
        described = {"method": sig.method_name,
                     "inputs": {k: tensor_info(v) for k, v in sig.inputs.items()},
                     "outputs": {k: tensor_info(v) for k, v in sig.outputs.items()}}
    ops, tags = graph_ops(entry["path"])
    arrays = {f"v2/{k}": v for k, v in v2.items()}
    arrays.update({f"v1/{k}": v for k, v in v1.items()})
    np.savez(entry["out"], **arrays)
    return {"signature": described, "tags": tags, "ops": ops,
            "unregistered": [op for op in ops if op_def_registry.get(op) is None]}


def main():
    """Reads one JSON entry a line from stdin (as the exports are written), then reports."""
    report = {}
    for line in sys.stdin:
        entry = json.loads(line)
        try:
            report[entry["id"]] = run(entry)
        except Exception as error:  # report it with the case, go on
            report[entry["id"]] = {"error": f"{type(error).__name__}: {error}"}
    report["_modules"] = sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED)
    report["_attempts"] = attempts
    report["_sys_path"] = sys.path
    with open(sys.argv[1], "w") as f:
        json.dump(report, f)


main()
'''


def child_env():
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.update(TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="")
    return env


def saved_model_cli():
    """The `saved_model_cli` command next to this Python, else its module."""
    exe = pathlib.Path(sys.executable).with_name("saved_model_cli")
    if exe.is_file():
        return [str(exe)]
    return [sys.executable, "-m", "tensorflow.python.tools.saved_model_cli"]


class Served:
    """Everything the TF-only process saw, by case id."""

    def __init__(self, root, entries, report, refused, cli_lines, cli_shows):
        self.root = root
        self.entries = {e["id"]: e for e in entries}
        self.report = report
        self.refused = refused
        self.cli_lines = cli_lines
        self.cli_shows = cli_shows

    def outputs(self, case_id, loader):
        data = np.load(self.entries[case_id]["out"])
        prefix = f"{loader}/"
        return {k[len(prefix):]: data[k] for k in data.files if k.startswith(prefix)}


def _entry(case_id, path, inputs, spec, tag, out):
    return {"id": case_id, "path": str(path), "npz": str(MODELS / tag / f"{spec['name']}.npz"),
            "inputs": {name: f"x{i}" for i, name in enumerate(inputs)},
            "out": str(out / f"{case_id}.npz")}


def _show(path, root):
    return subprocess.Popen(saved_model_cli() + ["show", "--dir", str(path), "--tag_set",
                                                 "serve", "--signature_def", SIGNATURE],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            env=child_env(), cwd=root)


@pytest.fixture(scope="session")
def served(tmp_path_factory):
    """Exports every case and streams it to the TF-only process as soon as it is written
    (its work overlaps the exports); returns what that process saw."""
    root = tmp_path_factory.mktemp("serving")
    out = root / "outputs"
    out.mkdir()
    (root / "child.py").write_text(CHILD)
    # -I: no PYTHONPATH, no user site, not the current folder; cwd outside the repository.
    with open(root / "child.log", "w") as log:
        child = subprocess.Popen([sys.executable, "-I", str(root / "child.py"),
                                  str(root / "report.json")], stdin=subprocess.PIPE,
                                 stdout=log, stderr=log, text=True, env=child_env(), cwd=root)
    entries, refused, cli_lines, shows = [], {}, {}, {}

    def send(entry):
        entries.append(entry)
        child.stdin.write(json.dumps(entry) + "\n")
        child.stdin.flush()

    try:
        for tag, name in CLI_MODELS.items():
            backend, spec = SPECS[(tag, name)]
            case_id = f"{tag}-{name}-cli"
            stdout = io.StringIO()
            with contextlib.redirect_stdout(stdout):
                status = cli.main(["convert", str(MODELS / tag / f"{name}.h5"),
                                   str(root / case_id), "--serving-name", name,
                                   "--keras1-backend", backend, "-q"])
            assert status == 0
            cli_lines[case_id] = stdout.getvalue()
            path = root / case_id / name / "1"
            if case_id == SHOWN:
                shows[case_id] = _show(path, root)
            send(_entry(case_id, path, expected_input_names(spec), spec, tag, out))
        for (tag, name), (backend, spec) in SPECS.items():
            custom = CUSTOM_OBJECTS.get(name)
            model = legacy_conv.load_model(MODELS / tag / f"{name}.h5", keras1_backend=backend,
                                           custom_objects=custom, compile=False)
            path = root / f"{tag}-{name}-legacy"
            model.export(str(path), verbose=False)
            send(_entry(path.name, path, [t.name for t in model.inputs], spec, tag, out))
            if (tag, name) not in NATIVE:
                continue
            try:
                with keras.saving.custom_object_scope(custom or {}):
                    native = legacy_conv.modernize(model)
            except ConversionError as error:
                refused[f"{tag}-{name}-native"] = str(error)
                continue
            exported = serving.export_for_serving(native, root / f"{tag}-{name}-native")
            send(_entry(f"{tag}-{name}-native", exported.path, exported.inputs, spec, tag,
                        out))
    finally:
        child.stdin.close()
    assert child.wait(timeout=300) == 0, (root / "child.log").read_text()[-3000:]
    cli_shows = {}
    for case_id, process in shows.items():
        stdout, _ = process.communicate(timeout=120)
        assert process.returncode == 0
        cli_shows[case_id] = stdout
    report = json.loads((root / "report.json").read_text())
    keras.backend.clear_session()  # the layer-name counters, for the tests that follow
    return Served(root, entries, report, refused, cli_lines, cli_shows)


# -- the TF-only process -------------------------------------------------------------------------
@pytest.mark.subprocess
def test_the_serving_process_had_neither_keras_nor_legacy_conv(served):
    assert served.report["_modules"] == []
    # Only TensorFlow's own optional `import keras.src.optimizers` (TF Serving has none).
    assert {phase for _, phase in served.report["_attempts"]} <= {"import tensorflow"}
    assert not any(str(ROOT) == p for p in served.report["_sys_path"])


@pytest.mark.subprocess
@pytest.mark.parametrize("case_id", CASES)
def test_serving_default_gives_keras1_predictions(served, case_id):
    tag, backend, spec, target = _case(case_id)
    if case_id in served.refused:
        assert spec["name"] in NO_NATIVE and target == "native"
        assert NO_NATIVE[spec["name"]] in served.refused[case_id]
        return
    assert spec["name"] not in NO_NATIVE or target != "native"
    result = served.report[case_id]
    assert "error" not in result, result.get("error")
    _, ys, _ = model_io(MODELS / tag, spec["name"])
    assert len(ys) == len(spec["output_shapes"])
    for loader in ("v2", "v1"):  # tf.saved_model.load, and TF Serving's session loader
        outputs = served.outputs(case_id, loader)
        assert sorted(outputs) == [f"output_{i}" for i in range(len(ys))]
        for i, y in enumerate(ys):
            np.testing.assert_allclose(outputs[f"output_{i}"], y, atol=ATOL,
                                       err_msg=f"{loader} output_{i}")


@pytest.mark.subprocess
@pytest.mark.parametrize("case_id", CASES)
def test_signature_names_dtypes_and_shapes(served, case_id):
    tag, backend, spec, target = _case(case_id)
    if case_id in served.refused:
        pytest.skip("no native form")
    signature = served.report[case_id]["signature"]
    assert signature["method"] == "tensorflow/serving/predict"
    names = expected_input_names(spec)
    assert sorted(signature["inputs"]) == sorted(names)
    for name, dtype, shape in zip(names, spec["input_dtypes"], spec["input_shapes"]):
        assert signature["inputs"][name] == [dtype, [-1] + shape[1:]]
    assert signature["outputs"] == {
        f"output_{i}": ["float32", [-1] + shape[1:]]
        for i, shape in enumerate(spec["output_shapes"])}


@pytest.mark.subprocess
@pytest.mark.parametrize("case_id", CASES)
def test_graph_holds_only_standard_ops(served, case_id):
    if case_id in served.refused:
        pytest.skip("no native form")
    result = served.report[case_id]
    assert result["tags"] == [["serve"]]
    assert result["unregistered"] == []
    assert not PY_FUNC_OPS & set(result["ops"])
    assert "StatefulPartitionedCall" in result["ops"]


SHOW_TENSOR = re.compile(r"(inputs|outputs)\['([^']+)'\] tensor_info:\s+dtype: (\w+)\s+"
                         r"shape: \(([^)]*)\)")


@pytest.mark.subprocess
def test_saved_model_cli_show(served):
    tag, backend, spec, _ = _case(SHOWN)
    text = served.cli_shows[SHOWN]
    shown = {(kind, name): (dtype, [int(d) for d in shape.split(",") if d.strip()])
             for kind, name, dtype, shape in SHOW_TENSOR.findall(text)}
    expected = {("inputs", name): (DTYPES[dtype], [-1] + shape[1:])
                for name, dtype, shape in zip(expected_input_names(spec), spec["input_dtypes"],
                                              spec["input_shapes"])}
    expected.update({("outputs", f"output_{i}"): ("DT_FLOAT", [-1] + shape[1:])
                     for i, shape in enumerate(spec["output_shapes"])})
    assert shown == expected
    assert "Method name is: tensorflow/serving/predict" in text


def _shape_text(shape):
    return ",".join("None" if d is None else str(d) for d in shape)


SUMMARY = re.compile(r"wrote (.+): SavedModel, signature serving_default \((.*)\) -> "
                     r"\((.*)\); ")


@pytest.mark.subprocess
@pytest.mark.parametrize("case_id", [c for c in CASES if c.endswith("-cli")])
def test_cli_prints_the_signature(served, case_id):
    tag, backend, spec, _ = _case(case_id)
    path, inputs, outputs = SUMMARY.match(served.cli_lines[case_id]).groups()
    assert path == str(served.root / case_id / spec["name"] / "1")
    assert set(inputs.split(", ")) == {
        f"{n}: {d}[{_shape_text(s)}]" for n, d, s in zip(
            expected_input_names(spec), spec["input_dtypes"], spec["input_shapes"])}
    assert set(outputs.split(", ")) == {f"output_{i}: float32[{_shape_text(s)}]"
                                        for i, s in enumerate(spec["output_shapes"])}


# -- export_for_serving ---------------------------------------------------------------------------
def small_model(**conv):
    """A Keras 1 style Sequential built in code (its input tensor is never named)."""
    return keras.Sequential([
        legacy_conv.Convolution2D(3, 2, 2, input_shape=(2, 5, 5), dim_ordering="th",
                                  keras1_backend="theano", **conv),
        keras.layers.Flatten(), keras.layers.Dense(2)])


def test_unnamed_inputs_get_stable_names(tmp_path):
    first = small_model()
    small_model()  # another model: Keras's automatic tensor names move on
    second = small_model()
    assert first.inputs[0].name != second.inputs[0].name
    for model in (first, second):
        inputs, outputs = serving.serving_signature(model)
        assert {n: (s.dtype, tuple(s.shape)) for n, s in inputs.items()} == {
            "input_0": (tf.float32, (None, 2, 5, 5))}
        assert {n: tuple(s.shape) for n, s in outputs.items()} == {"output_0": (None, 2)}
    a = keras.Input((3,), name="a")
    named = keras.Model([a, keras.Input((4,))], [keras.layers.Dense(2)(a)])
    assert list(serving.serving_signature(named)[0]) == ["a", "input_1"]


def test_export_versions_and_names(tmp_path):
    model = small_model()
    x = np.random.RandomState(0).rand(3, 2, 5, 5).astype("float32")
    first = serving.export_for_serving(model, tmp_path, name="net")
    second = serving.export_for_serving(model, tmp_path, name="net", input_names=["image"],
                                        output_names=["scores"])
    assert (first.path, second.path) == (str(tmp_path / "net" / "1"), str(tmp_path / "net" / "2"))
    assert sorted(os.listdir(tmp_path / "net")) == ["1", "2"]  # no temporary folder left
    signature = tf.saved_model.load(second.path).signatures[SIGNATURE]
    (out,) = signature(image=tf.constant(x)).values()
    np.testing.assert_allclose(out.numpy(), model.predict(x, verbose=0), atol=ATOL)
    assert list(signature.structured_outputs) == ["scores"]
    with pytest.raises(ConversionError, match=r"`path` already exists \(pass overwrite=True"):
        serving.export_for_serving(model, tmp_path, name="net", version=2)
    again = serving.export_for_serving(model, tmp_path, name="net", version=2, overwrite=True)
    assert list(tf.saved_model.load(again.path).signatures[SIGNATURE].structured_outputs) == [
        "output_0"]
    assert sorted(os.listdir(tmp_path / "net")) == ["1", "2"]


def test_write_saved_model_in_place(tmp_path):
    """The writer `legacy-conv convert` can use inside its own temporary folder."""
    b, a = keras.Input((3,), name="b"), keras.Input((2,), name="a")
    model = keras.Model([b, a], [keras.layers.Dense(1)(b), keras.layers.Dense(2)(a)])
    inputs, outputs = serving.write_saved_model(model, tmp_path)
    assert (list(inputs), list(outputs)) == (["b", "a"], ["output_0", "output_1"])  # model order
    signature = tf.saved_model.load(str(tmp_path)).signatures[SIGNATURE]
    served = signature(a=tf.ones((4, 2)), b=tf.ones((4, 3)))
    assert {k: tuple(v.shape) for k, v in served.items()} == {"output_0": (4, 1),
                                                              "output_1": (4, 2)}
    with pytest.raises(ConversionError, match="cannot be served"):
        serving.write_saved_model(deconvolution((4, 5, 5), 8), tmp_path / "never")
    assert not (tmp_path / "never").exists()


def test_failed_export_leaves_nothing(tmp_path, monkeypatch):
    def fail(model, tmp, inputs, outputs):
        (pathlib.Path(tmp) / "saved_model.pb").write_bytes(b"half")
        raise RuntimeError("disk full")
    monkeypatch.setattr(serving, "_write", fail)
    with pytest.raises(RuntimeError, match="disk full"):
        serving.export_for_serving(small_model(), tmp_path / "models", name="net", version=1)
    assert os.listdir(tmp_path) == []  # neither the temporary folder nor models/net/


@pytest.mark.parametrize("kwargs, message", [
    pytest.param(dict(input_names=["an image"]),
                 "`input_names` must be TensorFlow node names for TF Serving's signature "
                 "(letters, digits and . _ - / \\ >, starting with a letter, a digit or .); "
                 "pass input_names=[...] to choose others. Received: input_names=['an image']",
                 id="bad-name"),
    pytest.param(dict(output_names=["a", "b"]),
                 "`output_names` must be a list of 1 names, one per model output. Received: "
                 "output_names=['a', 'b']", id="count"),
    pytest.param(dict(name="a/b"), "`name` must be a plain folder name. Received: name='a/b'",
                 id="name"),
    pytest.param(dict(version=2), "`version` needs name= (the versioned layout "
                 "path/<name>/<version>). Received: version=2", id="version-alone"),
    pytest.param(dict(name="n", version=0),
                 "`version` must be a positive integer. Received: version=0", id="version"),
])
def test_bad_arguments(tmp_path, kwargs, message):
    with pytest.raises(ConversionError) as raised:
        serving.export_for_serving(small_model(), tmp_path / "out", **kwargs)
    assert str(raised.value) == message
    assert not (tmp_path / "out").exists()


def test_unbuilt_model():
    with pytest.raises(ConversionError, match='layer "seq" \\(Sequential\\): must be built'):
        serving.export_for_serving(keras.Sequential([keras.layers.Dense(2)], name="seq"), "x")


def deconvolution(input_shape, batch):
    return keras.Sequential([
        keras.Input(input_shape),
        legacy_conv.Deconvolution2D(3, 3, 3, output_shape=(batch, 3, 11, 11), subsample=(2, 2),
                                    dim_ordering="th", keras1_backend="tensorflow",
                                    name="up")])


FIXED_BATCH = ('layer "up" (Deconvolution2D): cannot be served: output_shape=(8, 3, 11, 11) '
               "fixes the batch size to 8 (Keras 1's TensorFlow backend required exactly that "
               "many samples per call), but TF Serving batches requests of any size. Set the "
               "batch of its output_shape to None (the numbers are the same for every batch), "
               "or modernize the model (legacy_conv.modernize, target='native'): "
               "Conv2DTranspose takes any batch")
UNKNOWN_SIZE = ('layer "up" (Deconvolution2D): cannot be served: output_shape=(None, 3, 11, '
                "11) fixes the output's rows and columns, so only inputs of matching sizes work, "
                "but its input shape (None, 4, None, None) leaves them unknown: the "
                "signature would accept any size and fail inside the graph. Build the model "
                "with a fixed input shape (in a Keras 1 file: the input's batch_input_shape)")


@pytest.mark.parametrize("input_shape, batch, message", [
    pytest.param((4, 5, 5), 8, FIXED_BATCH, id="fixed-batch"),
    pytest.param((4, None, None), None, UNKNOWN_SIZE, id="unknown-size"),
])
def test_layers_that_cannot_be_served(tmp_path, input_shape, batch, message):
    """Keras 1 (TensorFlow) ran these only for one batch / input size; `model.export`
    writes a signature that accepts any, which then fails deep inside the graph."""
    with pytest.raises(ConversionError) as raised:
        serving.export_for_serving(deconvolution(input_shape, batch), tmp_path / "out")
    assert str(raised.value) == message
    assert os.listdir(tmp_path) == []


def test_every_problem_is_listed():
    rnn = keras.layers.SimpleRNN(2, stateful=True, name="rnn")
    model = keras.Sequential([keras.Input(batch_shape=(8, 4, 5, 5)), deconvolution((4, 5, 5), 8),
                              keras.layers.Reshape((3, 121)), rnn])
    with pytest.raises(ConversionError) as raised:
        serving.check_servable(model)
    text = str(raised.value)
    assert text.startswith('`model` has layers that cannot be served: layer "up" '
                           "(Deconvolution2D): output_shape=(8, 3, 11, 11) fixes the batch")
    assert text.endswith('; layer "rnn" (SimpleRNN): is stateful: it carries state from one '
                         "call to the next and needs a fixed batch, but TF Serving shares one "
                         "model between all requests. Rebuild it with stateful=False")


def test_fixed_batch_modernized_serves_any_batch(tmp_path):
    legacy = deconvolution((4, 5, 5), 8)
    x = np.random.RandomState(1).rand(8, 4, 5, 5).astype("float32")
    native = legacy_conv.modernize(legacy)
    exported = serving.export_for_serving(native, tmp_path / "out")
    signature = tf.saved_model.load(exported.path).signatures[SIGNATURE]
    expected = legacy.predict(x, verbose=0, batch_size=8)
    for batch in (8, 3):
        (out,) = signature(input_0=tf.constant(x[:batch])).values()
        np.testing.assert_allclose(out.numpy(), expected[:batch], atol=ATOL)


# -- the example -----------------------------------------------------------------------------------
def test_export_for_serving_example(tmp_path, capsys):
    """examples/export_for_serving.py, run in this process (TensorFlow is imported already)."""
    example = runpy.run_path(str(ROOT / "examples" / "export_for_serving.py"))
    request = tmp_path / "request.json"
    status = example["main"]([str(tmp_path / "models"), "--request", str(request)])
    stdout = capsys.readouterr().out
    assert status == 0, stdout
    assert "the served predictions match Keras 1" in stdout
    assert (tmp_path / "models" / "keras1_model" / "1" / "saved_model.pb").is_file()
    # The committed request body is the one the example writes.
    assert request.read_text() == (ROOT / "examples" / "serving_request.json").read_text()
    body = json.loads(request.read_text())
    assert body["signature_name"] == SIGNATURE and len(body["instances"]) == 2
