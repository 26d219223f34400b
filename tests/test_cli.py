"""The `legacy-conv` command line: convert, inspect, errors, --force and atomic writes.

Inputs are the Keras 1.2.2 files in tests/fixtures/cli/<backend>/ (written by the real
Keras 1 with make_cli_fixtures.py there); predictions are checked against the ones Keras 1
made. The cases call `cli.main([...])` in-process, except two that run the installed command
in a fresh process (its stderr) and one that loads an exported SavedModel with TF Serving's
loaders in a fresh process that has neither Keras nor us.
"""

import json
import os
import runpy
import shlex
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

import legacy_conv
from _fixtures import CLI, manifest, npz
from legacy_conv import cli
from legacy_conv import serving
from legacy_conv.convert import model_config

REPO = Path(__file__).parent.parent
ATOL = 1e-5


@pytest.fixture(autouse=True)
def no_slow_stage_lines(monkeypatch):
    """Stage timings depend on the machine; `test_progress` checks them."""
    monkeypatch.setattr(cli.progress, "SLOW_STAGE_S", float("inf"))


def fixture(backend, name):
    return CLI / backend / name


def keras1_io(backend, model):
    data = npz(fixture(backend, f"{model}.npz"))
    return data["x"], data["y"]


def run(capsys, *argv):
    status = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


def only_error(err):
    """The one stderr line of a failure (no traceback, no other line)."""
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("legacy-conv: error: "), err
    return lines[0]


def leftovers(folder, expected):
    return sorted(set(os.listdir(folder)) - set(expected))


# -- help and version -----------------------------------------------------------------------
@pytest.mark.parametrize("argv, expected", [
    pytest.param(["--help"], ["convert", "inspect", "--version"], id="tool"),
    pytest.param(["convert", "--help"], ["IN", "OUT", "--target", "--keras1-backend",
                                         "--image-dim-ordering", "--weights", "--force",
                                         "--keep-legacy", "--serving-name",
                                         "--serving-version", "--debug"], id="convert"),
    pytest.param(["inspect", "--help"], ["IN", "--json", "--target", "--keras1-backend",
                                         "--image-dim-ordering"], id="inspect"),
])
def test_help(capsys, argv, expected):
    status, out, err = run(capsys, *argv)
    assert status == 0 and err == ""
    assert out.startswith("usage: legacy-conv")
    for word in expected:
        assert word in out


def test_version(capsys):
    status, out, _ = run(capsys, "--version")
    assert status == 0
    assert out.strip() == (f"legacy-conv {legacy_conv.__version__} (Keras "
                           f"{keras.__version__}, TensorFlow {tf.__version__})")


def test_readme_commands(capsys, tmp_path, monkeypatch):
    text = (REPO / "README.md").read_text()
    section = text[text.index("## Command line"):text.index("<!-- end of section: command line")]
    commands = [shlex.split(line, comments=True) for line in section.splitlines()
                if line.startswith("legacy-conv ")]
    assert [c[1] for c in commands] == ["inspect", "convert", "convert", "convert"]
    monkeypatch.chdir(tmp_path)
    for command in commands:
        argv = [str(REPO / a) if a.startswith("tests/") else a for a in command[1:]]
        status, _, err = run(capsys, *argv)
        assert status == 0 and err == "", (command, err)
    assert (tmp_path / "serving" / "func" / "1" / "saved_model.pb").is_file()


def test_console_script_entry():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert project["project"]["scripts"] == {"legacy-conv": "legacy_conv.cli:main"}


# -- convert ----------------------------------------------------------------------------------
@pytest.mark.parametrize("source", ["seq.json", "seq_twice.json", "seq.h5"])
def test_convert_to_json(capsys, tmp_path, source):
    out = tmp_path / "model.json"
    status, stdout, err = run(capsys, "convert", fixture("theano", source), out,
                              "--keras1-backend", "theano")
    assert status == 0 and err == "", err
    assert stdout.startswith(f"wrote {out}: Keras 3 model config")
    config = json.loads(out.read_text())
    assert config["class_name"] == "Sequential"
    model = keras.models.model_from_json(out.read_text())
    legacy_conv.load_weights(model, fixture("theano", "seq_weights.h5"), "theano")
    x, y = keras1_io("theano", "seq")
    np.testing.assert_allclose(model.predict(x, verbose=0), y, atol=ATOL)
    assert leftovers(tmp_path, ["model.json"]) == []


def test_hdf5_whatever_its_name(capsys, tmp_path):
    source = tmp_path / "model.bin"
    source.write_bytes(fixture("tensorflow", "seq.h5").read_bytes())
    status, _, err = run(capsys, "convert", source, tmp_path / "m.json", "--keras1-backend",
                         "tensorflow")
    assert status == 0 and err == "", err


@pytest.mark.parametrize("backend", ["theano", "tensorflow"])
def test_convert_h5_to_keras(capsys, tmp_path, backend):
    out = tmp_path / "model.keras"
    status, stdout, err = run(capsys, "convert", fixture(backend, "seq.h5"), out,
                              "--keras1-backend", backend)
    assert status == 0 and err == "", err
    assert "109 parameters" in stdout
    model = keras.models.load_model(out)
    x, y = keras1_io(backend, "seq")
    np.testing.assert_allclose(model.predict(x, verbose=0), y, atol=ATOL)
    assert type(model.optimizer).__name__ == "SGD"  # the file's training config (Keras 1's)


def test_convert_json_with_weights(capsys, tmp_path):
    out = tmp_path / "func.keras"
    status, _, err = run(capsys, "convert", fixture("tensorflow", "func.json"), out,
                         "--weights", fixture("tensorflow", "func_weights.h5"),
                         "--keras1-backend", "tensorflow")
    assert status == 0 and err == "", err
    x, y = keras1_io("tensorflow", "func")
    np.testing.assert_allclose(keras.models.load_model(out).predict(x, verbose=0), y,
                               atol=ATOL)


def test_convert_yaml(capsys, tmp_path):
    if not hasattr(model_config, "parse_yaml"):
        pytest.skip("this legacy_conv has no YAML reader yet")
    out = tmp_path / "func.keras"
    status, _, err = run(capsys, "convert", fixture("theano", "func.yaml"), out,
                         "--weights", fixture("theano", "func_weights.h5"),
                         "--keras1-backend", "theano")
    assert status == 0 and err == "", err
    x, y = keras1_io("theano", "func")
    np.testing.assert_allclose(keras.models.load_model(out).predict(x, verbose=0), y,
                               atol=ATOL)


def test_convert_yaml_with_numpy_scalar(capsys, tmp_path):
    """Keras 1's to_yaml wrote Dense's input_dim after Flatten as a numpy scalar tag."""
    out = tmp_path / "seq.keras"
    status, _, err = run(capsys, "convert", fixture("theano", "seq.yaml"), out,
                         "--weights", fixture("theano", "seq_weights.h5"),
                         "--keras1-backend", "theano")
    assert status == 0 and err == "", err
    x, y = keras1_io("theano", "seq")
    np.testing.assert_allclose(keras.models.load_model(out).predict(x, verbose=0), y,
                               atol=ATOL)


def test_convert_to_saved_model(capsys, tmp_path):
    out = tmp_path / "exported"
    status, stdout, err = run(capsys, "convert", fixture("theano", "seq.h5"), out,
                              "--keras1-backend", "theano")
    assert status == 0 and err == "", err
    assert "signature serving_default (conv_input: float32[None,2,5,5]) -> " \
           "(output_0: float32[None,4])" in stdout
    loaded = tf.saved_model.load(str(out))
    serve = loaded.signatures["serving_default"]
    x, y = keras1_io("theano", "seq")
    np.testing.assert_allclose(serve(conv_input=tf.constant(x))["output_0"], y, atol=ATOL)
    np.testing.assert_allclose(serve(conv_input=tf.constant(x[:1]))["output_0"], y[:1],
                               atol=ATOL)
    assert leftovers(tmp_path, ["exported"]) == []


def _native_or_skip():
    pytest.importorskip("legacy_conv.native", reason="no --target native yet")


@pytest.mark.parametrize("backend", ["theano", "tensorflow"])
def test_convert_native(capsys, tmp_path, backend):
    _native_or_skip()
    out = tmp_path / "seq.keras"
    status, stdout, err = run(capsys, "convert", fixture(backend, "seq.h5"), out, "--target",
                              "native", "--keras1-backend", backend)
    # Keras 3's relu trains otherwise at 0 than Theano's (spec.activations.KINKS)
    kink = "gradient 0.5 at 0" in err and "not exact: training" in err
    assert status == 0 and (kink if backend == "theano" else err == ""), err
    assert "(keras.models.load_model)" in stdout  # needs nothing of ours
    with zipfile.ZipFile(out) as archive:
        assert "legacy_conv" not in archive.read("config.json").decode()
    x, y = keras1_io(backend, "seq")  # 'th' in and out, channels-last inside
    np.testing.assert_allclose(keras.models.load_model(out).predict(x, verbose=0), y,
                               atol=ATOL)


def test_native_refusal_and_keep_legacy(capsys, tmp_path):
    _native_or_skip()
    out = tmp_path / "keep.keras"
    argv = ["convert", fixture("theano", "keep.h5"), out, "--target", "native",
            "--keras1-backend", "theano"]
    status, _, err = run(capsys, *argv)
    assert status == 1
    line = only_error(err)
    assert line.startswith(f"legacy-conv: error: {fixture('theano', 'keep.h5')}: layer "
                           '"pool" (AveragePooling2D): has no exact Keras 3 built-in form: ')
    assert line.endswith("Pass --keep-legacy to keep legacy_conv's exact layer there")
    assert not out.exists()
    status, stdout, err = run(capsys, *argv, "--keep-legacy")
    assert status == 0 and err == "", err
    assert "after import legacy_conv" in stdout
    model = keras.models.load_model(out)
    assert type(model.optimizer).__name__ == "Adam"
    x, y = keras1_io("theano", "keep")
    np.testing.assert_allclose(model.predict(x, verbose=0), y, atol=ATOL)


def test_serving_layout(capsys, tmp_path):
    source = fixture("tensorflow", "func.h5")
    status, stdout, err = run(capsys, "convert", source, tmp_path, "--serving-name", "net",
                              "--keras1-backend", "tensorflow")
    assert status == 0 and err == "", err
    assert (tmp_path / "net" / "1" / "saved_model.pb").is_file()
    assert stdout.startswith(f"wrote {tmp_path / 'net' / '1'}: SavedModel")
    status, _, err = run(capsys, "convert", source, tmp_path, "--serving-name", "net",
                         "--keras1-backend", "tensorflow")
    assert status == 1 and "net/1: already exists (pass --force" in only_error(err)
    status, _, err = run(capsys, "convert", source, tmp_path, "--serving-name", "net",
                         "--serving-version", "2", "--keras1-backend", "tensorflow")
    assert status == 0, err
    assert sorted(os.listdir(tmp_path / "net")) == ["1", "2"]


def test_backend_warning(capsys, tmp_path):
    status, _, err = run(capsys, "convert", fixture("theano", "seq.json"),
                         tmp_path / "m.json")
    assert status == 0
    assert err.startswith("legacy-conv: warning: ") and "--keras1-backend theano" in err
    assert len(err.strip().splitlines()) == 1


# -- --force and atomic writes ----------------------------------------------------------------
@pytest.mark.parametrize("name", ["out.json", "out.keras", "out_dir"])
def test_force(capsys, tmp_path, name):
    out = tmp_path / name
    if name == "out_dir":  # a SavedModel folder (a folder of other files is refused)
        out.mkdir()
        (out / "saved_model.pb").write_text("old")
    else:
        out.write_text("old")
    argv = ["convert", fixture("tensorflow", "func.h5"), out, "--keras1-backend",
            "tensorflow", "-q"]
    status, _, err = run(capsys, *argv)
    assert status == 1
    assert only_error(err) == f"legacy-conv: error: {out}: already exists (pass --force " \
                              "to replace it)"
    assert (out / "saved_model.pb" if name == "out_dir" else out).read_text() == "old"
    status, _, err = run(capsys, *argv, "--force")
    assert status == 0, err
    if name == "out_dir":
        assert (out / "saved_model.pb").read_bytes() != b"old"
    elif name == "out.json":
        assert json.loads(out.read_text())["class_name"] == "Functional"
    else:
        keras.models.load_model(out)
    assert leftovers(tmp_path, [name]) == []


def _failing(method):
    """A stand-in for Model.save/export that writes part of its output, then fails."""
    def fail(self, filepath, *args, **kwargs):
        if method == "export":
            os.makedirs(os.path.join(filepath, "variables"), exist_ok=True)
        with open(os.path.join(filepath, "partial") if method == "export" else filepath,
                  "w") as f:
            f.write("half")
        raise RuntimeError("disk full")
    return fail


def _failing_export(model, tmp, inputs, outputs):
    _failing("export")(model, tmp)


@pytest.mark.parametrize("name, method", [("out.keras", "save"), ("out_dir", "export")])
@pytest.mark.parametrize("existing", [False, True], ids=["new", "force"])
def test_failed_write_leaves_nothing(capsys, tmp_path, monkeypatch, name, method, existing):
    if method == "save":
        monkeypatch.setattr(keras.Model, "save", _failing(method))
    else:
        monkeypatch.setattr(serving, "_write", _failing_export)
    out = tmp_path / name
    if existing:
        out.write_text("old") if method == "save" else out.mkdir()
    status, _, err = run(capsys, "convert", fixture("tensorflow", "func.h5"), out,
                         "--keras1-backend", "tensorflow", "--force", "-q")
    assert status == 1
    assert "disk full" in only_error(err)
    assert leftovers(tmp_path, [name] if existing else []) == []
    if existing:
        assert out.read_text() == "old" if method == "save" else os.listdir(out) == []
    else:
        assert not out.exists()


def test_failed_serving_export_removes_new_folders(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(serving, "_write", _failing_export)
    status, _, err = run(capsys, "convert", fixture("tensorflow", "func.h5"),
                         tmp_path / "serving", "--serving-name", "net", "-q")
    assert status == 1 and "disk full" in only_error(err)
    assert os.listdir(tmp_path) == []


# -- bad inputs and arguments -----------------------------------------------------------------
def _bad_inputs(tmp_path):
    (tmp_path / "text.h5").write_text("not an HDF5 file\n")
    (tmp_path / "broken.json").write_text('{"class_name": "Sequential", "config": [')
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "folder.h5").mkdir()
    return {
        "missing": (tmp_path / "missing.h5", "no such file"),
        "not-hdf5": (tmp_path / "text.h5", "is not a readable HDF5 file"),
        "malformed-json": (tmp_path / "broken.json", "is not valid JSON"),
        "weights-only": (fixture("theano", "seq_weights.h5"),
                         "is a Keras 1 weights file (model.save_weights) with no model "
                         "config: pass the model's JSON or YAML (model.to_json()) as IN and "
                         "this file with --weights"),
        "unknown-kind": (tmp_path / "notes.txt", "unknown kind of file"),
        "folder": (tmp_path / "folder.h5", "is a folder"),
    }


@pytest.mark.parametrize("command", ["convert", "inspect"])
@pytest.mark.parametrize("case", ["missing", "not-hdf5", "malformed-json", "weights-only",
                                  "unknown-kind", "folder"])
def test_bad_input(capsys, tmp_path, command, case):
    if (command, case) == ("inspect", "weights-only"):
        pytest.skip("inspect lists a weights file alone (test_cli_files.py)")
    if (command, case) == ("convert", "folder"):
        pytest.skip("convert takes a folder of Keras 1 files (test_cli_batch.py)")
    path, expected = _bad_inputs(tmp_path)[case]
    out = tmp_path / "out.keras"
    argv = [command, path] + ([out] if command == "convert" else [])
    status, stdout, err = run(capsys, *argv)
    assert status == 1 and stdout == ""
    line = only_error(err)
    assert line.startswith(f"legacy-conv: error: {path}: ")
    assert expected in line
    assert not out.exists()


def test_bad_weights_file(capsys, tmp_path):
    status, _, err = run(capsys, "convert", fixture("theano", "seq.json"),
                         tmp_path / "m.keras", "--weights", tmp_path / "nope.h5")
    assert status == 1
    assert only_error(err) == f"legacy-conv: error: {tmp_path / 'nope.h5'}: no such file " \
                              "(--weights)"


def test_weights_that_do_not_fit(capsys, tmp_path):
    status, _, err = run(capsys, "convert", fixture("theano", "seq.json"),
                         tmp_path / "m.keras", "--weights",
                         fixture("theano", "func_weights.h5"), "-q")
    assert status == 1
    assert f"{fixture('theano', 'func_weights.h5')}: " in only_error(err)
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("argv, expected", [
    pytest.param([], "the following arguments are required: COMMAND", id="no-command"),
    pytest.param(["convert", "IN"], "required: OUT", id="no-out"),
    pytest.param(["convert", "a.json", "b.keras", "--keras1-backend", "cntk"],
                 "argument --keras1-backend: invalid choice: 'cntk'", id="backend"),
    pytest.param(["convert", "a.json", "b.keras", "--target", "keras2"],
                 "argument --target: invalid choice: 'keras2'", id="target"),
    pytest.param(["convert", "{seq}", "out.h5"], "out.h5: OUT cannot be a .h5 file",
                 id="h5-out"),
    pytest.param(["convert", "{seq}", "out.json", "--weights", "w.h5"],
                 "--weights needs a .keras or SavedModel OUT", id="weights-json"),
    pytest.param(["convert", "{seq}", "out.keras", "--keep-legacy"],
                 "--keep-legacy applies only with --target native", id="keep-legacy"),
    pytest.param(["convert", "{seq}", "out.keras", "--serving-name", "net"],
                 "--serving-name needs a SavedModel folder as OUT", id="serving-keras"),
    pytest.param(["convert", "{seq}", "out", "--serving-name", "a/b"],
                 "--serving-name must be a plain folder name", id="serving-path"),
    pytest.param(["convert", "{seq}", "out", "--serving-version", "2"],
                 "--serving-version needs --serving-name", id="version-alone"),
    pytest.param(["convert", "{seq}", "out", "--serving-name", "n", "--serving-version", "0"],
                 "must be a positive integer, not '0'", id="version-zero"),
    pytest.param(["convert", "{seq}", "{seq}"], "OUT is IN", id="out-is-in"),
])
def test_bad_arguments(capsys, tmp_path, monkeypatch, argv, expected):
    monkeypatch.chdir(tmp_path)
    seq = str(fixture("theano", "seq.json"))
    status, _, err = run(capsys, *[a.replace("{seq}", seq) for a in argv])
    assert status == 2
    assert expected in only_error(err)
    assert os.listdir(tmp_path) == []


def test_unexpected_failure_is_one_line_and_debug_shows_traceback(capsys, monkeypatch):
    def broken(*args):
        raise KeyError("surprise")
    monkeypatch.setattr(cli.inspection, "inspection", broken)
    argv = ["inspect", fixture("theano", "func.json"), "--keras1-backend", "theano"]
    status, _, err = run(capsys, *argv)
    assert status == 1
    assert only_error(err) == "legacy-conv: error: unexpected KeyError: 'surprise' (run " \
                              "with --debug for the traceback)"
    status, _, err = run(capsys, *argv, "--debug")
    assert status == 1
    assert err.startswith("Traceback") and err.splitlines()[-1].startswith(
        "legacy-conv: error: unexpected KeyError")


# -- inspect ----------------------------------------------------------------------------------
def test_inspect_table(capsys):
    status, out, err = run(capsys, "inspect", fixture("theano", "seq.h5"), "--keras1-backend",
                           "theano")
    assert status == 0 and err == "", err
    lines = out.splitlines()
    assert "Keras version    1.2.2" in lines
    assert "training config  optimizer SGD; loss categorical_crossentropy; metrics " \
           "accuracy" in lines
    assert "weights          2 layers with weights (4 arrays) in the file" in lines
    assert "Keras 1 backend  theano" in lines
    assert "parameters       109" in lines
    table = lines[lines.index("") + 1:]
    assert table[0].split() == ["layer", "Keras", "1", "class", "converts", "to", "exact",
                                "params", "note"]
    assert [row.split() for row in table[1:]] == [
        ["conv_input", "InputLayer", "InputLayer", "yes", "0"],
        ["conv", "Convolution2D", "legacy_conv.Convolution2D", "yes", "57"],
        ["pool", "MaxPooling2D", "MaxPooling2D", "yes", "0"],
        ["flat", "Flatten", "Flatten", "yes", "0"],
        ["dense", "Dense", "Dense", "yes", "52"],
    ]


@pytest.mark.parametrize("source", ["func.h5", "func.json", "func.yaml"])
def test_inspect_json(capsys, source):
    if source.endswith(".yaml") and not hasattr(model_config, "parse_yaml"):
        pytest.skip("this legacy_conv has no YAML reader yet")
    status, out, err = run(capsys, "inspect", fixture("theano", source), "--json")
    assert status == 0 and err == "", err
    info = json.loads(out)
    expected = manifest(CLI / "theano")["models"]["func"]
    assert [layer["name"] for layer in info["layers"]] == expected["layers"]
    assert info["total_params"] == expected["params"]
    assert sum(layer["params"] for layer in info["layers"]) == expected["params"]
    found = source.endswith(".h5")  # its weight names: Theano's (test_cli_files.py)
    assert info["keras1_backend"] == ("theano" if found else "tensorflow")
    assert not info["keras1_backend_given"] and info["uses_keras1_backend"]
    pad = info["layers"][1]
    assert pad["keras3_class"] == "legacy_conv.ZeroPadding2D" and pad["exact"]
    assert pad["note"].startswith("dim_ordering 'tf': ")
    if source.endswith(".h5"):
        assert info["keras_version"] == "1.2.2"
        assert info["training_config"] is expected["training_config"] is False
        assert info["weight_layers"] == expected["weighted_layers"]
    else:
        assert "keras_version" not in info and "weight_layers" not in info


def test_inspect_native(capsys):
    _native_or_skip()
    status, out, err = run(capsys, "inspect", fixture("theano", "keep.h5"), "--json",
                           "--target", "native", "--keep-legacy", "--keras1-backend", "theano")
    assert status == 0 and err == "", err
    rows = {row["name"]: row for row in json.loads(out)["layers"]}
    assert list(rows) == ["pool_input", "pool", "flat", "dense"]
    assert rows["pool"]["keras3_class"] == "legacy_conv.AveragePooling2D"
    assert rows["pool"]["note"].startswith("kept: Theano's 'same' average pooling")
    assert rows["dense"]["keras3_class"] == "Dense + Rescaling + ReLU"  # Keras 1 hard_sigmoid
    assert rows["dense"]["params"] == 10
    status, out, _ = run(capsys, "inspect", fixture("theano", "seq.h5"), "--target", "native",
                         "--keras1-backend", "theano")
    assert status == 0
    assert ["conv_input_to_channels_last", "-", "Permute", "yes", "0", "added", "by",
            "--target", "native"] in [line.split() for line in out.splitlines()]


def test_inspect_image_dim_ordering(capsys):
    status, out, _ = run(capsys, "inspect", fixture("theano", "func.json"), "--json",
                         "--image-dim-ordering", "tf")
    assert status == 0
    assert json.loads(out)["layers"][1]["note"] == "dim_ordering 'tf': given as " \
                                                   "image_dim_ordering"


# -- progress -------------------------------------------------------------------------------
class FakeStream:
    def __init__(self, tty):
        self.tty, self.text = tty, ""

    def isatty(self):
        return self.tty

    def write(self, text):
        self.text += text

    def flush(self):
        pass


@pytest.mark.parametrize("tty", [True, False], ids=["terminal", "pipe"])
def test_progress(monkeypatch, tty):
    stream = FakeStream(tty)
    progress = cli.Progress(stream=stream)
    with progress.stage("reading fast.h5"):
        pass
    monkeypatch.setattr(cli.progress, "SLOW_STAGE_S", -1.0)
    with pytest.raises(RuntimeError), progress.stage("building"):
        raise RuntimeError
    if tty:  # a status line, erased when the stage ends
        assert stream.text == ("\r\033[Klegacy-conv: reading fast.h5 ...\r\033[K"
                               "\r\033[Klegacy-conv: building ...\r\033[K")
    else:  # a line only for stages slower than SLOW_STAGE_S
        assert stream.text.startswith("legacy-conv: building took ")
        assert stream.text.count("\n") == 1
    quiet = FakeStream(tty)
    with cli.Progress(quiet=True, stream=quiet).stage("building"):
        pass
    assert quiet.text == ""


# -- the installed tool, and the SavedModel as TF Serving loads it --------------------------
TF_ONLY_LOADER = """
import sys
sys.modules["keras"] = sys.modules["legacy_conv"] = None  # TF Serving has neither
import numpy as np
import tensorflow as tf
path, npz = sys.argv[1:]
x, y = np.load(npz)["x"], np.load(npz)["y"]
serve = tf.saved_model.load(path).signatures["serving_default"]
(name,) = serve.structured_input_signature[1]
(v2,) = serve(**{name: tf.constant(x)}).values()
with tf.compat.v1.Session(graph=tf.Graph()) as sess:  # the loader TF Serving uses
    meta = tf.compat.v1.saved_model.loader.load(sess, ["serve"], path)
    signature = meta.signature_def["serving_default"]
    v1 = sess.run(signature.outputs["output_0"].name, {signature.inputs[name].name: x})
print(name, np.abs(v2.numpy() - y).max(), np.abs(v1 - y).max())
"""


def test_python_m(capsys, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["legacy-conv", "--version"])
    with pytest.raises(SystemExit) as done:
        runpy.run_module("legacy_conv", run_name="__main__")
    assert done.value.code == 0
    assert capsys.readouterr().out.startswith("legacy-conv ")


@pytest.mark.subprocess
@pytest.mark.parametrize("command", ["script", "module"])
def test_a_failure_in_a_fresh_process_is_one_line(command, tmp_path):
    """TensorFlow's loading notes and runtime logs stay out of the command's stderr (unless
    the user sets TF_CPP_MIN_LOG_LEVEL)."""
    script = Path(sys.executable).parent / "legacy-conv"
    if command == "script" and not script.exists():
        pytest.skip("the console script is not installed next to this Python")
    argv = [str(script)] if command == "script" else [sys.executable, "-m", "legacy_conv"]
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    done = subprocess.run(argv + ["inspect", str(tmp_path / "missing.h5")], env=env,
                          capture_output=True, text=True, timeout=240)
    assert done.returncode == 1
    assert only_error(done.stderr) == \
        f"legacy-conv: error: {tmp_path / 'missing.h5'}: no such file (IN)"


def test_quiet_start_drops_tensorflow_notes_only(capfd, monkeypatch):
    from legacy_conv import _startup

    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL", raising=False)  # restored afterwards
    notes = (b"WARNING: All log messages before absl::InitializeLog() is called are written "
             b"to STDERR\nI0000 00:00:1796571932.209017   12241 port.cc:153] oneDNN custom "
             b"operations are on.\nTo enable the following instructions: AVX2 FMA, in other "
             b"operations, rebuild TensorFlow with the appropriate compiler flags.\n")
    with _startup.quiet():
        os.write(2, notes + b"SyntaxWarning: kept\nE0000 00:00:17.5  12 a.cc:1] kept too\n")
        print("stdout untouched")
        assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "3"
    out, err = capfd.readouterr()
    assert out == "stdout untouched\n"
    assert err == "SyntaxWarning: kept\nE0000 00:00:17.5  12 a.cc:1] kept too\n"


def test_quiet_start_without_a_temporary_file_filters_nothing(capfd, monkeypatch):
    from legacy_conv import _startup

    def refused():
        raise OSError("no temporary folder")
    monkeypatch.setattr(_startup.tempfile, "TemporaryFile", refused)
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "1")  # the user's own level wins
    with _startup.quiet():
        os.write(2, b"I0000 00:00:17.5  12 a.cc:1] a note\n")
        assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "1"
    assert capfd.readouterr().err == "I0000 00:00:17.5  12 a.cc:1] a note\n"


@pytest.mark.subprocess
def test_saved_model_in_tf_serving_loaders(capsys, tmp_path):
    status, _, err = run(capsys, "convert", fixture("theano", "seq.h5"), tmp_path,
                         "--serving-name", "seq", "--keras1-backend", "theano")
    assert status == 0, err
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""}
    loaded = subprocess.run(
        [sys.executable, "-c", TF_ONLY_LOADER, tmp_path / "seq" / "1",
         fixture("theano", "seq.npz")], capture_output=True, text=True, env=env, timeout=240)
    assert loaded.returncode == 0, loaded.stderr
    name, v2_error, v1_error = loaded.stdout.split()
    assert name == "conv_input"
    assert float(v2_error) <= ATOL and float(v1_error) <= ATOL


def test_migrate_command(capsys, tmp_path):
    source = tmp_path / "net.py"
    source.write_text("from keras.layers import Convolution2D  # Keras 1\n\n"
                      "conv = Convolution2D(32, 3, 3, border_mode='same')\n")
    status, _, err = run(capsys, "migrate", "--check", tmp_path)
    assert status == 1 and "Convolution2D" in err
    status, _, err = run(capsys, "migrate", "--to", "legacy", "--write", source)
    assert status == 0, err
    assert "from legacy_conv.keras1.layers import Convolution2D  # Keras 1" in source.read_text()
    status, _, err = run(capsys, "migrate", "--check", source)
    assert status == 0, err
    status, out, _ = run(capsys, "migrate", "--to", "legacy", source)
    assert status == 0 and out == ""  # migrated code changes no further
