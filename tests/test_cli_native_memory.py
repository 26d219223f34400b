"""`legacy-conv convert IN OUT --target native` holds one copy of the weights, as
`load_model(..., target='native')` does (`stages.filled`: the legacy twin built without
values, each weight read from the file into the native variables), writes a .keras file
without Keras's copies of them in memory, and gives the native model that predicts what
Keras 1 predicted (the Keras 1.2.2 fixtures of tests/fixtures/cli and keras1_models)."""

import keras
import numpy as np
import pytest

from _fixtures import CLI, MODELS, assert_predicts, npz
from test_native_load_memory import _assert_same_weights, _traced_peak
from test_native_load_memory import big_file  # noqa: F401 — the fixture

import legacy_conv
from legacy_conv import cli
from legacy_conv.load import weights

ATOL = 1e-5
VGG_TH = MODELS / "k122_theano" / "vgg_th"


@pytest.fixture(autouse=True)
def no_slow_stage_lines(monkeypatch):
    monkeypatch.setattr(cli.progress, "SLOW_STAGE_S", float("inf"))


def convert(*argv):
    status = cli.main([str(a) for a in ("convert", *argv, "-q")])
    assert status == 0
    return status


def test_convert_native_holds_one_copy_of_the_weights(big_file, tmp_path):  # noqa: F811
    path, _, size = big_file
    out = tmp_path / "big.keras"
    argv = (path, out, "--target", "native", "--keras1-backend", "tensorflow", "--force")
    convert(*argv)  # first-call caches
    _, peak = _traced_peak(lambda: convert(*argv))
    # the native weights (NumPy memory) and one slice at a time; the legacy model filled,
    # then modernized, and Keras's in-memory .keras took 3.0x here
    assert peak <= 1.25 * size, peak / size
    _assert_same_weights(keras.models.load_model(out), legacy_conv.load_model(
        path, compile=False, target="native", keras1_backend="tensorflow"))


def test_convert_native_never_fills_the_legacy_twin(big_file, tmp_path, monkeypatch):  # noqa: F811
    path, _, _ = big_file

    def refuse(*args, **kwargs):
        raise AssertionError("the legacy twin was filled")
    monkeypatch.setattr(weights, "assign", refuse)
    convert(path, tmp_path / "big.keras", "--target", "native", "--keras1-backend",
            "tensorflow")


CLI_CASES = [(backend, name) for backend in ("theano", "tensorflow")
             for name in ("seq", "func", "keep", "full") if (CLI / backend / f"{name}.h5").exists()]


@pytest.mark.parametrize("backend,name", CLI_CASES, ids=[f"{b}-{n}" for b, n in CLI_CASES])
def test_convert_native_predicts_as_keras1(tmp_path, backend, name):
    folder = CLI / backend
    data = npz(folder / f"{name}.npz")
    for inputs in ([folder / f"{name}.h5"],
                   [folder / f"{name}.json", "--weights", folder / f"{name}_weights.h5"]):
        out = tmp_path / f"{name}.keras"
        convert(*inputs, out, "--target", "native", "--keep-legacy", "--keras1-backend",
                backend, "--force")
        model = keras.models.load_model(out)
        np.testing.assert_allclose(model.predict(data["x"], verbose=0), data["y"], atol=ATOL)


def test_convert_native_of_a_keras1_vgg_th_predicts_as_keras1(tmp_path):
    folder, name = VGG_TH.parent, VGG_TH.name
    for inputs in ([VGG_TH.with_suffix(".h5")],
                   [VGG_TH.with_suffix(".json"), "--weights", folder / f"{name}_weights.h5"]):
        out = tmp_path / "vgg_th.keras"
        convert(*inputs, out, "--target", "native", "--keep-legacy", "--keras1-backend",
                "theano", "--force")
        assert_predicts(keras.models.load_model(out), folder, name)
