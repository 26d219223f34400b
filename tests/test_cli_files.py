"""`legacy-conv` on the files people have: Lambdas and user functions (--custom-objects),
weights files alone, --weights checked layer by layer, the backend a file shows, Keras 2
and Keras 3 files, JSON under another name, and the supported-layers page in the errors.

Every case runs the command's `main()` (its exit status, its stdout, its exact stderr
lines, on the file descriptors); one runs the installed command in a fresh process, whose
stderr holds nothing of TensorFlow's start either. Keras 1 files: tests/fixtures/cli/<backend>/
(written by Keras 1.2.2 with make_cli_fixtures.py: `lam` holds a user Lambda and a Dense whose
init is the user function `scaled_uniform`; `full` a border_mode='full' convolution, Theano
only); Keras 3 files are written here by Keras 3, and Keras 2 ones as the minimal files Keras 2
wrote (its `keras_version` attribute).
"""

import json
import os
import runpy
import subprocess
import sys
from pathlib import Path

import h5py
import keras
import numpy as np
import pytest
import tensorflow as tf

import legacy_conv
from legacy_conv import cli
from _fixtures import CLI, manifest, npz
from legacy_conv.errors import ConversionError

pytestmark = pytest.mark.slow

BACKENDS = ("theano", "tensorflow")
PAGE = ("migration_guide/supported-layers.md (in the legacy_conv source; `python -m "
        "legacy_conv.spec.page` prints it)")
LAMBDA_FILE = "lambda_1 = lambda x: x / 127.5 - 1.0\n"
INIT_FILE = """\
import keras

def scaled_uniform(shape, dtype=None):
    return keras.random.uniform(shape, -0.1, 0.1, dtype=dtype)
"""
ATOL = 1e-5


@pytest.fixture(autouse=True)
def no_slow_stage_lines(monkeypatch):
    """Stage timings depend on the machine (tests/test_cli.py::test_progress checks them)."""
    monkeypatch.setattr(cli.progress, "SLOW_STAGE_S", float("inf"))


def legacy_conv_command(capfd, *argv):
    """(exit status, stdout, stderr lines) of `legacy-conv ARGV`, run by its `main()` here.
    TensorFlow's runtime starts first, so that its one-time logs (a failed cuInit at the level
    CI sets) are not the command's: test_the_installed_command_in_a_fresh_process has those."""
    tf.config.list_logical_devices()
    capfd.readouterr()
    status = cli.main([str(a) for a in argv])
    out, err = capfd.readouterr()
    assert "Traceback" not in err, err
    return status, out, err.strip().splitlines()


def fresh_command(*argv):
    """(exit status, stdout, stderr lines) of the installed `legacy-conv` in a fresh process."""
    script = Path(sys.executable).parent / "legacy-conv"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "legacy_conv"]
    # The tool's own TensorFlow log level (3): a level set for the test run (CI sets 2) would
    # let the machine's runtime logs (a failed cuInit) into the lines checked here.
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    done = subprocess.run(command + [str(a) for a in argv], capture_output=True, text=True,
                          timeout=300, env=env)
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, done.stdout, done.stderr.strip().splitlines()


def fixture(backend, name):
    return CLI / backend / name


def user_file(tmp_path, text, name="objects.py"):
    path = tmp_path / name
    path.write_text(text)
    return path


# -- 1. --custom-objects ----------------------------------------------------------------------
def test_help_says_the_file_is_run_as_code(capfd):
    status, out, _ = legacy_conv_command(capfd, "convert", "--help")
    assert status == 0
    text = " ".join(out.split())
    assert "--custom-objects FILE.py" in text
    assert "It is run as Python code, with your rights: give only your own files." in text


def test_a_lambda_without_its_function_names_the_option(capfd, tmp_path):
    path = fixture("theano", "lam.h5")
    status, out, err = legacy_conv_command(capfd, "convert", path, tmp_path / "lam.keras")
    assert (status, out) == (1, "")
    assert err == [
        f'legacy-conv: error: {path}: layer "lambda_1" (Lambda): `function` holds Python code '
        "that Keras 1 marshalled; it is never executed. Received: function='<bytecode>'. Pass "
        "the function as --custom-objects FILE.py, a Python file of yours that defines "
        "`lambda_1 = function` (keyed by the layer name or, for a named function, its name)"]
    assert not (tmp_path / "lam.keras").exists()


def test_the_python_api_still_says_custom_objects():
    with pytest.raises(ConversionError, match=r"custom_objects=\{'lambda_1': function\}"):
        legacy_conv.load_model(fixture("theano", "lam.h5"))


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_lambda_from_custom_objects_converts_exactly(capfd, tmp_path, backend):
    out = tmp_path / "lam.keras"
    objects = CLI / "lam_objects.py"  # the README's
    status, stdout, err = legacy_conv_command(
        capfd, "convert", fixture(backend, "lam.h5"), out, "--custom-objects", objects,
        "--keras1-backend", backend)
    assert status == 0 and err == [], err
    assert stdout.startswith(f"wrote {out}: Keras 3 model file")
    data = npz(fixture(backend, "lam.npz"))
    init = {"scaled_uniform": runpy.run_path(str(objects))["scaled_uniform"]}
    with pytest.raises(ValueError, match="safe_mode"):  # Keras 3 refuses the lambda's code
        keras.models.load_model(out, custom_objects=init)
    model = keras.models.load_model(out, safe_mode=False, custom_objects=init)  # the README's
    np.testing.assert_allclose(model.predict(data["x"], verbose=0), data["y"], atol=ATOL)


@pytest.mark.subprocess
def test_the_installed_command_in_a_fresh_process(tmp_path):
    """The installed command runs the user's file, and TensorFlow's start leaves nothing on
    its stderr."""
    out = tmp_path / "lam.keras"
    status, stdout, err = fresh_command(
        "convert", fixture("theano", "lam.h5"), out, "--custom-objects", CLI / "lam_objects.py")
    assert status == 0 and err == [], err
    assert stdout.startswith(f"wrote {out}: Keras 3 model file")


def test_a_user_init_function_in_a_json(capfd, tmp_path):
    path = fixture("theano", "lam.json")
    only_lambda = user_file(tmp_path, LAMBDA_FILE)
    status, _, err = legacy_conv_command(capfd, "convert", path, tmp_path / "a.json",
                                         "--custom-objects", only_lambda)
    assert status == 1
    assert err == [
        f'legacy-conv: error: {path}: layer "dense" (Dense): `init` must be a Keras 1 '
        "initialization name (glorot_normal, glorot_uniform, he_normal, he_uniform, identity, "
        "lecun_uniform, normal, one, orthogonal, uniform, zero). Received: "
        "init='scaled_uniform'. For a function of your own, pass --custom-objects FILE.py, a "
        "Python file of yours that defines `scaled_uniform = a Keras 3 initializer`"]
    out = tmp_path / "b.json"
    status, stdout, err = legacy_conv_command(
        capfd, "convert", path, out, "--custom-objects", only_lambda, "--custom-objects",
        user_file(tmp_path, INIT_FILE, "init.py"))
    assert status == 0 and err == [], err
    dense = json.loads(out.read_text())["config"]["layers"][-1]["config"]
    assert dense["kernel_initializer"]["config"] == "scaled_uniform"


def test_an_init_that_was_a_user_lambda(capfd, tmp_path):
    """Keras 1 saved `init=lambda shape, name=None: ...` as its __name__, '<lambda>': no
    Python name, so the file gives it in a dict named custom_objects."""
    config = json.loads(fixture("theano", "lam.json").read_text())
    config["config"][1]["config"]["init"] = "<lambda>"
    path = tmp_path / "lam.json"
    path.write_text(json.dumps(config))
    only_lambda = user_file(tmp_path, LAMBDA_FILE)
    status, _, err = legacy_conv_command(capfd, "convert", path, tmp_path / "a.json",
                                         "--custom-objects", only_lambda)
    assert status == 1 and err[0].endswith(
        "pass --custom-objects FILE.py, a Python file of yours that defines "
        "`custom_objects = {'<lambda>': a Keras 3 initializer}`")
    init = user_file(tmp_path, INIT_FILE + 'custom_objects = {"<lambda>": scaled_uniform}\n',
                     "init.py")
    status, _, err = legacy_conv_command(capfd, "convert", path, tmp_path / "b.json",
                                         "--custom-objects", only_lambda,
                                         "--custom-objects", init)
    assert status == 0 and err == [], err


@pytest.mark.parametrize("text, expected", [
    pytest.param("raise RuntimeError('no GPU here')\n",
                 "running it (--custom-objects) raised RuntimeError: no GPU here", id="raises"),
    pytest.param("custom_objects = [1]\n",
                 "`custom_objects` must be a dict (--custom-objects). Received: list",
                 id="not-a-dict"),
])
def test_a_custom_objects_file_that_fails(capfd, tmp_path, text, expected):
    path = user_file(tmp_path, text)
    status, _, err = legacy_conv_command(capfd, "inspect", fixture("theano", "lam.h5"),
                                         "--custom-objects", path)
    assert status == 1 and err == [f"legacy-conv: error: {path}: {expected}"]


def test_a_custom_objects_path_that_is_no_file(capfd, tmp_path):
    fifo = tmp_path / "objects.py"
    os.mkfifo(fifo)  # runpy would wait on it forever
    status, _, err = legacy_conv_command(capfd, "inspect", fixture("theano", "seq.json"),
                                         "--custom-objects", fifo)
    assert status == 1 and err == [f"legacy-conv: error: {fifo}: is not a regular file "
                                   "(--custom-objects must be a Python file)"]


# -- 2. inspect never gives up on a file it can read --------------------------------------------
def test_inspect_flags_a_lambda_without_its_function(capfd):
    path = fixture("theano", "lam.h5")
    status, out, err = legacy_conv_command(capfd, "inspect", path, "--json")
    assert status == 0
    assert len(err) == 1 and err[0].startswith(f"legacy-conv: warning: {path}: layer "
                                               '"lambda_1" (Lambda)')
    assert err[0].endswith("; the model is not built: the rows marked NO need it")
    info = json.loads(out)
    assert info["built"] is False and info["keras1_backend"] == "theano"
    rows = {row["name"]: row for row in info["layers"]}
    assert list(rows) == manifest(CLI / "theano")["models"]["lam"]["layers"]
    assert rows["lambda_1"]["exact"] is False
    assert rows["lambda_1"]["note"].startswith("its function is marshalled Python code, "
                                               "never run: give it with --custom-objects")
    assert rows["dense"]["exact"] is None and rows["dense"]["params"] == 8


@pytest.mark.parametrize("backend, found", [
    ("tensorflow", "its weight names end in ':0', as only Keras 1's TensorFlow backend "
                   "wrote them"),
    ("theano", "its weight names lack the ':0' that Keras 1's TensorFlow backend wrote"),
])
def test_inspect_a_weights_file_alone(capfd, backend, found):
    path = fixture(backend, "seq_weights.h5")
    status, out, err = legacy_conv_command(capfd, "inspect", path)
    assert status == 0 and err == [], err
    lines = out.splitlines()
    assert lines[0].split() == ["file", str(path)]
    assert f"Keras 1 backend  {backend} ({found})" in lines
    expected = manifest(CLI / backend)["models"]["seq"]
    assert f"weights          2 layers with weights (4 arrays), {expected['params']} " \
           "parameters" in lines
    suffix = ":0" if backend == "tensorflow" else ""
    conv = next(line for line in lines if line.startswith("conv "))
    assert "conv_W" in conv and conv.split()[-1] == "54" and "(3, 2, 3, 3)" in conv
    status, out, _ = legacy_conv_command(capfd, "inspect", path, "--json")
    info = json.loads(out)
    assert [layer["name"] for layer in info["layers"]] == expected["layers"]
    assert info["total_params"] == expected["params"]
    assert all(w["name"].endswith(suffix) for layer in info["layers"]
               for w in layer["weights"])


def test_convert_still_refuses_a_weights_file_alone(capfd, tmp_path):
    path = fixture("theano", "seq_weights.h5")
    status, _, err = legacy_conv_command(capfd, "convert", path, tmp_path / "m.keras")
    assert status == 1 and len(err) == 1
    assert "is a Keras 1 weights file (model.save_weights) with no model config" in err[0]


def test_inspect_checks_that_weights_fit(capfd):
    config = fixture("theano", "seq.json")
    status, out, err = legacy_conv_command(capfd, "inspect", config, "--weights",
                                           fixture("theano", "seq_weights.h5"), "--json")
    assert status == 0 and err == [], err
    info = json.loads(out)
    assert info["weights_fit"] is True
    assert {row["name"]: row["weights_fit"] for row in info["layers"]} == {
        "conv_input": None, "conv": "fits", "pool": None, "flat": None, "dense": "fits"}
    wrong = fixture("theano", "func_weights.h5")
    status, out, err = legacy_conv_command(capfd, "inspect", config, "--weights", wrong)
    assert status == 1
    assert err == [f"legacy-conv: error: {wrong}: the weights of 3 layers do not fit the model "
                   "(conv, out, dense); see the weights column"]
    rows = {line.split()[0]: line for line in out.splitlines()[7:]}
    assert "`conv_W` has shape (2, 2, 1, 2) in the file but the model expects (3, 2, 3, 3)" \
        in rows["conv"]
    assert "has weights in the model but none in the file" in rows["dense"]


def test_the_backend_a_file_shows(capfd, tmp_path):
    full = fixture("theano", "full.json")
    status, out, err = legacy_conv_command(capfd, "inspect", full)
    assert status == 0 and err == []
    assert "Keras 1 backend  theano (found: layer \"conv\" (Convolution1D) has " \
           "border_mode='full', which only Keras 1's Theano backend computed)" in out
    tf_file = fixture("tensorflow", "seq.h5")
    status, _, err = legacy_conv_command(capfd, "convert", tf_file, tmp_path / "m.keras",
                                         "--keras1-backend", "theano")
    assert status == 0
    assert err == [f"legacy-conv: warning: --keras1-backend theano contradicts {tf_file}: its "
                   "weight names end in ':0', as only Keras 1's TensorFlow backend wrote "
                   "them; converted for 'theano' as asked"]
    th_file = fixture("theano", "seq.h5")
    status, _, err = legacy_conv_command(capfd, "convert", th_file, tmp_path / "t.keras")
    assert status == 0
    assert err == [f"legacy-conv: warning: {th_file}: converted for Keras 1 on 'theano', the "
                   "backend it shows: its weight names lack the ':0' that Keras 1's "
                   "TensorFlow backend wrote"]
    model = keras.models.load_model(tmp_path / "t.keras")
    data = npz(fixture("theano", "seq.npz"))
    np.testing.assert_allclose(model.predict(data["x"], verbose=0), data["y"], atol=ATOL)


# -- 3. files that need no conversion ------------------------------------------------------------
def _keras3_files(tmp_path):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.save(tmp_path / "k3.keras")
    model.save(tmp_path / "k3.h5")
    (tmp_path / "k3.json").write_text(model.to_json())
    version = keras.__version__
    return {"k3.keras": f"Keras {version}", "k3.h5": f"Keras {version}", "k3.json": "Keras 3"}


KERAS2_CONFIG = {"class_name": "Sequential", "keras_version": "2.2.4", "backend": "tensorflow",
                 "config": {"name": "sequential_1", "layers": [
                     {"class_name": "Conv2D", "config": {"name": "conv2d_1", "filters": 2,
                                                         "kernel_size": [3, 3]}}]}}


def _keras2_files(tmp_path):
    with h5py.File(tmp_path / "k2.h5", "w") as f:
        f.attrs["keras_version"] = b"2.2.4"
        f.attrs["backend"] = b"tensorflow"
        f.attrs["model_config"] = json.dumps(KERAS2_CONFIG).encode()
        f.create_group("model_weights").attrs["layer_names"] = [b"conv2d_1"]
    (tmp_path / "k2.json").write_text(json.dumps(KERAS2_CONFIG))
    return {"k2.h5": "Keras 2.2.4", "k2.json": "Keras 2.2.4"}


@pytest.mark.parametrize("command", ["convert", "inspect"])
def test_keras_2_and_3_files_need_no_conversion(capfd, tmp_path, command):
    writers = {**_keras3_files(tmp_path), **_keras2_files(tmp_path)}
    for name, writer in writers.items():
        path = tmp_path / name
        opener = "model_from_json" if name.endswith(".json") else "load_model"
        argv = [command, path] + ([tmp_path / "out.keras"] if command == "convert" else [])
        status, out, err = legacy_conv_command(capfd, *argv)
        assert (status, out) == (1, ""), name
        assert err == [f"legacy-conv: error: {path}: was written by {writer}, not Keras 1, and "
                       f"needs no conversion. keras.models.{opener} opens it"]


def test_a_json_under_another_name_is_read_by_its_content(capfd, tmp_path):
    renamed = tmp_path / "seq.model"
    renamed.write_text(fixture("theano", "seq.json").read_text())
    out = tmp_path / "seq.json"
    status, stdout, err = legacy_conv_command(capfd, "convert", renamed, out,
                                              "--keras1-backend", "theano")
    assert status == 0 and err == [], err
    assert stdout.startswith(f"wrote {out}: Keras 3 model config")


@pytest.mark.parametrize("name, reader", [("seq.json", "model_from_json"),
                                          ("seq.yaml", "model_from_yaml")])
def test_load_model_points_to_the_config_readers(name, reader):
    path = fixture("theano", name)
    with pytest.raises(ConversionError) as info:
        legacy_conv.load_model(path)
    assert str(info.value) == (
        f"{path}: is a model config, not a model.save() HDF5 file. Read it with "
        f"legacy_conv.{reader}(text), and its weights with legacy_conv.load_weights(model, "
        "weights_file)")


# -- 5. the supported-layers page -------------------------------------------------------------
def test_a_class_that_cannot_be_converted_links_the_page(capfd, tmp_path):
    config = json.loads(fixture("theano", "seq.json").read_text())
    config["config"][1]["class_name"] = "MyPool"  # a user's own layer class
    path = tmp_path / "mine.json"
    path.write_text(json.dumps(config))
    status, _, err = legacy_conv_command(capfd, "convert", path, tmp_path / "out.json")
    assert status == 1
    assert err == [
        f"legacy-conv: error: {path}: `model` holds layer classes that cannot be converted: "
        'MyPool (layer "pool"). Supply each as --custom-objects FILE.py, a Python file of '
        "yours that defines `ClassName = LayerClass` if it is your own Keras 3 layer; every "
        f"Keras 1 class and what it becomes: {PAGE}"]
    page = Path(legacy_conv.__file__).parent.parent / "migration_guide" / "supported-layers.md"
    assert page.exists()
    status, out, _ = legacy_conv_command(capfd, "inspect", path, "--json")
    rows = {row["name"]: row for row in json.loads(out)["layers"]}
    assert status == 0 and rows["pool"]["exact"] is False
    assert rows["pool"]["note"].endswith("--custom-objects FILE.py defining MyPool")
