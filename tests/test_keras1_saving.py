"""The namespace's models write Keras 1's files: `save_weights` of a model that Keras 1 code
built, migrated `--to legacy` (this package's layers and Keras 3 built-ins) or `--to native`
(Keras 3's Conv2D, Conv2DTranspose, SeparableConv2D, LSTM, ...), against Keras 1.2.2's own
`save_weights` of the same model (tests/fixtures/keras1_saving/, make_saving.py, on Theano and
TensorFlow): the same layer names, weight names, order, shapes and values, dataset by
dataset; and the model reads Keras 1's file back with Keras 1's predictions. Keras 1's
automatic names of a Sequential's layers and input, too."""

import importlib.util
import json

import h5py
import keras
import numpy as np
import pytest

import legacy_conv
from legacy_conv import backend as lc_backend
from legacy_conv.keras1 import models
from legacy_conv.keras1.backend import common
from legacy_conv.migration import migrate_source
from legacy_conv.spec import layers as spec
from tests import _fixtures
from tests.test_keras1_configs import _assert_same as assert_same_json

TOL = {"rtol": 1e-5, "atol": 1e-5}
# After one Adam step: its m / sqrt(v) turns a gradient's float32 rounding into up to 1e-4.
STEP_TOL = {"rtol": 1e-4, "atol": 1e-4}
# Keras 1 on TensorFlow: its ref variables' updates race the gradients' reads
# (tests/fixtures/keras1_training/README.md; make_saving.py's runs differ there): what
# follows a training step is compared within that race.
RACE_TOL = {"rtol": 3e-2, "atol": 3e-2}
# What each run does after the case's code: Keras 1 calls, which keep the model on the
# namespace whatever the route.
SUFFIX = """
model.load_weights(KERAS1_FILE)
model.save_weights(OUR_FILE)
open(OUR_JSON, 'w').write(model.to_json())
"""


def _cases_module():
    spec = importlib.util.spec_from_file_location(
        "keras1_saving_cases", _fixtures.SAVING / "cases.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CASES = _cases_module().CASES
# Where ours is not Keras 1's yet: (case, backend or None, route) -> why (strict xfails).
FILE_KNOWN = {
    ("recurrent_gpu", None, "native"):
        "Keras 3's LSTM/GRU do not keep `implementation` in their config, so `to_json` of "
        "one that `--to native` made from consume_less='gpu' says Keras 1's default 'cpu' "
        "(12/9 separate weights), and `save_weights` follows the JSON",
}
PREDICT_KNOWN = {}


def _marked(params, known):
    out = []
    for param in params:
        name, backend, route = param.values
        why = next((why for (n, b, r), why in known.items()
                    if n == name and b in (None, backend) and r in (None, route)), None)
        out.append(pytest.param(*param.values, id=param.id, marks=[
            pytest.mark.xfail(strict=True, reason=why)] if why else []))
    return out


PARAMS = [pytest.param(name, backend, route, id=f"{name}-{backend}-{route}")
          for name, (_, backends, _) in sorted(CASES.items()) for backend in backends
          for route in ("legacy", "native")]


@pytest.fixture(autouse=True)
def _no_setting_leaks():
    saved = dict(lc_backend._state)
    yield
    lc_backend._state.clear()
    lc_backend._state.update(saved)


def _record(backend):
    return _fixtures.read_json(_fixtures.SAVING / f"{backend}.json")["cases"]


def _run(name, backend, route, tmp_path, suffix=SUFFIX):
    """The case's code and `suffix` migrated by `route` and run: (model, x)."""
    source, _, ordering = CASES[name]
    text = migrate_source(source + suffix, to=route, keras1_backend=backend,
                          path=f"{name}.py", image_dim_ordering=ordering).new_source
    keras.backend.clear_session(free_memory=False)
    common.reset_uids()
    legacy_conv.set_keras1_backend(backend)
    legacy_conv.set_image_dim_ordering(ordering)
    scope = {"__name__": "__main__", "KERAS1_FILE": str(_fixtures.SAVING / backend / f"{name}.h5"),
             "OUR_FILE": str(tmp_path / "ours.h5"), "OUR_JSON": str(tmp_path / "ours.json"),
             "OUR_MODEL": str(tmp_path / "ours_model.h5")}
    exec(compile(text, f"<migrated {name}.py>", "exec"), scope)
    return scope["model"], scope["x"]


def _strings(values):
    return [v.decode("utf8") if isinstance(v, bytes) else str(v) for v in values]


# Keras 1's weight names end in one of these (`<owner>_<weight>`).
WEIGHT_NAMES = sorted({n for record in spec.LAYERS.values() for n, _ in record.weights}
                      | {"U", "b"}, key=len, reverse=True)


def _weight(name):
    """A Keras 1 weight name without its owner: 'dense_1_W:0' -> 'W:0'."""
    bare, colon, index = name.partition(":")
    found = next(w for w in WEIGHT_NAMES if bare.endswith(f"_{w}"))
    return found + colon + index


def assert_same_file(ours, theirs, same_names=True, tol=None):
    """Two Keras 1 weight files hold the same, dataset by dataset; where not `same_names`
    (Keras 3 built-ins keep the names Keras 3 gave them), layers and owners may be named
    otherwise."""
    layers = [_strings(f.attrs["layer_names"]) for f in (ours, theirs)]
    assert len(layers[0]) == len(layers[1])
    if same_names:
        assert layers[0] == layers[1]
    for our_layer, layer in zip(*layers):
        names = [_strings(f[n].attrs["weight_names"]) for f, n in ((ours, our_layer),
                                                                   (theirs, layer))]
        if same_names:
            assert names[0] == names[1], layer
        assert [_weight(n) for n in names[0]] == [_weight(n) for n in names[1]], layer
        for our_weight, weight in zip(*names):
            a, b = ours[our_layer][our_weight], theirs[layer][weight]
            assert (a.shape, a.dtype) == (b.shape, b.dtype), f"{layer}/{weight}"
            if tol:  # after a training step
                np.testing.assert_allclose(a[()], b[()], err_msg=f"{layer}/{weight}", **tol)
            else:
                np.testing.assert_array_equal(a[()], b[()], err_msg=f"{layer}/{weight}")


@pytest.mark.slow(quick=8)
@pytest.mark.parametrize("name, backend, route", _marked(PARAMS, FILE_KNOWN))
def test_save_weights_writes_keras1s_file(name, backend, route, tmp_path):
    _run(name, backend, route, tmp_path)
    with h5py.File(tmp_path / "ours.h5", "r") as ours, \
            h5py.File(_fixtures.SAVING / backend / f"{name}.h5", "r") as theirs:
        assert_same_file(ours, theirs, same_names=route == "legacy")


@pytest.mark.slow(quick=8)
@pytest.mark.parametrize("name, backend, route", _marked(PARAMS, PREDICT_KNOWN))
def test_keras1s_file_gives_keras1s_predictions(name, backend, route, tmp_path):
    model, x = _run(name, backend, route, tmp_path)
    arrays = _fixtures.npz(_fixtures.SAVING / f"{backend}.npz")
    np.testing.assert_allclose(model.predict(x, verbose=0), arrays[f"{name}.pred"], **TOL)


@pytest.mark.slow(quick=4)
@pytest.mark.parametrize("name, backend", sorted({p.values[:2] for p in PARAMS}))
def test_our_json_and_weights_rebuild_keras1s_model(name, backend, tmp_path):
    """What keras2cpp's dump script does with the files: `model_from_json` + `load_weights`."""
    _, x = _run(name, backend, "native", tmp_path)
    rebuilt = models.model_from_json((tmp_path / "ours.json").read_text(), keras1_backend=backend)
    rebuilt.load_weights(str(tmp_path / "ours.h5"))
    arrays = _fixtures.npz(_fixtures.SAVING / f"{backend}.npz")
    np.testing.assert_allclose(rebuilt.predict(x, verbose=0), arrays[f"{name}.pred"], **TOL)


@pytest.mark.parametrize("name, backend", sorted({p.values[:2] for p in PARAMS}))
def test_to_json_is_keras1s(name, backend, tmp_path):
    """The `to_json()` that the files go with: Keras 1's, key by key (`--to legacy`; `--to
    native`'s Keras 3 layers keep Keras 3's names)."""
    _run(name, backend, "legacy", tmp_path)
    assert_same_json(json.loads((tmp_path / "ours.json").read_text()),
                     _record(backend)[name]["to_json"])


@pytest.mark.parametrize("name, backend", sorted({p.values[:2] for p in PARAMS}))
def test_automatic_names_are_keras1s(name, backend, tmp_path):
    """`model.layers`' names; a Sequential's input layer named after its first layer's class
    (`dense_input_1`)."""
    model, _ = _run(name, backend, "legacy", tmp_path)
    record = _record(backend)[name]
    assert [layer.name for layer in model.layers] == record["layers"]
    assert [t.name.split(":")[0] for t in model.inputs] == \
        [n.split(":")[0] for n in record["inputs"]]
    if "model.layers" in record:  # a Sequential's functional `model.model`
        assert [layer.name for layer in model.model.layers] == record["model.layers"]
        assert json.loads(model.model.to_json())["config"]["input_layers"] == \
            record["model.input_layers"]


SAVE_SUFFIX = """
model.load_weights(KERAS1_FILE)
model.compile(optimizer='adam', loss='mse')
model.train_on_batch(x, np.zeros_like(model.predict(x)))
model.save(OUR_MODEL)
"""
SAVED_BOTH = [p for p in PARAMS if p.values[0] in _cases_module().SAVED]
# (`--to native` names its Keras 3 layers otherwise: Keras 1 sorted the optimizer's state by
# the weights' names, so only `load_model` compares it)
SAVED = [p for p in SAVED_BOTH if p.values[2] == "legacy"]


def _trained_and_saved(name, backend, route, tmp_path):
    _run(name, backend, route, tmp_path, SAVE_SUFFIX)
    return tmp_path / "ours_model.h5"


@pytest.mark.slow(quick=2)
@pytest.mark.parametrize("name, backend, route", SAVED)
def test_save_writes_keras1s_model_file(name, backend, route, tmp_path):
    """`save` after a training step: Keras 1's `model_config`, `training_config`, weights
    and `optimizer_weights` (Adam's iterations and moments, in the order of Keras 1's
    sorted weight names and in Keras 1's layouts)."""
    path = _trained_and_saved(name, backend, route, tmp_path)
    with h5py.File(path, "r") as ours, \
            h5py.File(_fixtures.SAVING / backend / f"{name}_model.h5", "r") as theirs:
        assert ours.attrs["keras_version"] == theirs.attrs["keras_version"]
        assert json.loads(ours.attrs["model_config"]) == json.loads(
            theirs.attrs["model_config"])
        _assert_close(json.loads(ours.attrs["training_config"]),
                      json.loads(theirs.attrs["training_config"]))
        step_tol = RACE_TOL if backend == "tensorflow" else STEP_TOL
        assert_same_file(ours["model_weights"], theirs["model_weights"], tol=step_tol)
        names = [_strings(f["optimizer_weights"].attrs["weight_names"]) for f in (ours, theirs)]
        if backend == "theano":  # (TensorFlow's are its graph's `Variable_<n>:0`)
            assert names[0] == names[1]
        assert len(names[0]) == len(names[1])
        for a, b in zip(*names):
            np.testing.assert_allclose(ours["optimizer_weights"][a][()],
                                       theirs["optimizer_weights"][b][()], err_msg=b,
                                       **(RACE_TOL if backend == "tensorflow" else TOL))
    _reads_back(path, name, backend)  # the same file (one training, two checks)


def _assert_close(ours, theirs):
    """Equal JSON values, floats to float32 precision (Keras 1 held lr, beta_1, ... in
    float32 variables)."""
    if isinstance(theirs, dict):
        assert sorted(ours) == sorted(theirs)
        for key in theirs:
            _assert_close(ours[key], theirs[key])
    elif isinstance(theirs, float):
        assert ours == pytest.approx(theirs, rel=1e-7)
    else:
        assert ours == theirs


LOAD_KNOWN = {}


@pytest.mark.slow(quick=2)
@pytest.mark.parametrize("name, backend, route", _marked(
    [p for p in SAVED_BOTH if p not in SAVED], LOAD_KNOWN))
def test_load_model_reads_saves_file_back(name, backend, route, tmp_path):
    """`load_model` of `save`'s file: the same weights, compiled, the optimizer's state
    where Keras 1 left it (the legacy route's file: `test_save_writes_keras1s_model_file`)."""
    _reads_back(_trained_and_saved(name, backend, route, tmp_path), name, backend)


def _reads_back(path, name, backend):
    model = models.load_model(str(path), keras1_backend=backend)
    theirs = models.load_model(str(_fixtures.SAVING / backend / f"{name}_model.h5"),
                               keras1_backend=backend)
    for a, b in zip(model.get_weights(), theirs.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, **(RACE_TOL if backend == "tensorflow" else STEP_TOL))
    for a, b in zip(model.optimizer.keras1_state(), theirs.optimizer.keras1_state(),
                    strict=True):
        np.testing.assert_allclose(keras.ops.convert_to_numpy(a),
                                   keras.ops.convert_to_numpy(b),
                                   **(RACE_TOL if backend == "tensorflow" else TOL))


def test_a_model_without_a_keras1_form_is_saved_in_keras3s_format(tmp_path):
    """A Keras 3 regularizer object has no Keras 1 config: `save` warns and writes Keras 3's
    HDF5 file, which `load_model` reads back; nothing of Keras 1's half-written."""
    keras.backend.clear_session(free_memory=False)
    model = models.Sequential([keras.Input((3,)), keras.layers.Dense(
        2, kernel_regularizer=keras.regularizers.L2(0.1), name="d")])
    model.compile(optimizer="sgd", loss="mse")
    with pytest.warns(UserWarning, match="written in Keras 3's HDF5 format, not Keras 1's"):
        model.save(tmp_path / "m.h5")
    reloaded = models.load_model(tmp_path / "m.h5")
    for a, b in zip(reloaded.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("backend", _fixtures.BACKENDS)
def test_a_keras1_lstm_file_s_optimizer_state_goes_through_the_model_and_back(backend, tmp_path):
    """Keras 1.2.2's own `save` of an LSTM model after an Adam step: `load_model` puts each
    slot of the state through the weights' own transforms (the gates concatenated), and
    `save` writes back Keras 1's arrays, in Keras 1's order and layouts."""
    source = _fixtures.SAVING / backend / "recurrent_model.h5"
    model = models.load_model(str(source), keras1_backend=backend)
    top = legacy_conv.load_model(source, keras1_backend=backend)
    assert int(model.optimizer.iterations) == int(top.optimizer.iterations) > 0
    for a, b in zip(model.optimizer.keras1_state(), top.optimizer.keras1_state(), strict=True):
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(a), keras.ops.convert_to_numpy(b))
    model.save(str(tmp_path / "again.h5"))
    with h5py.File(tmp_path / "again.h5", "r") as ours, h5py.File(source, "r") as theirs:
        names = [_strings(f["optimizer_weights"].attrs["weight_names"]) for f in (ours, theirs)]
        assert len(names[0]) == len(names[1])
        for a, b in zip(names[0], names[1]):
            np.testing.assert_allclose(ours["optimizer_weights"][a][()],
                                       theirs["optimizer_weights"][b][()], **TOL)


def test_a_failed_save_leaves_the_old_file_and_no_other(tmp_path, monkeypatch):
    """`save_weights` and `save` write a hidden sibling and rename it: a failure midway
    leaves the previous file as it was and nothing beside it."""
    from legacy_conv.keras1.engine import saving
    from legacy_conv.keras1.layers import Dense

    model = models.Sequential([Dense(2, input_dim=3)])
    path = tmp_path / "w.h5"
    path.write_bytes(b"the previous file")

    def broken(group, weights):
        group.attrs["layer_names"] = [b"half"]
        raise OSError("disk full")

    monkeypatch.setattr(saving, "_write_model_weights", broken)
    for save in (model.save_weights, model.save):
        with pytest.raises(OSError, match="disk full"):
            save(str(path))
        assert path.read_bytes() == b"the previous file"
        assert [p.name for p in tmp_path.iterdir()] == ["w.h5"]
