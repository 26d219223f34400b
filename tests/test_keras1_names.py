"""Keras 1's names for what is built without one (`dense_1`, `model_1`, `sequential_1`, ...),
against Keras 1.2.2 itself (tests/fixtures/keras1_names, written on Theano and TensorFlow by
make_names.py): the same code on `legacy_conv.keras1` gives the same names, and a Keras 1
weights file keyed by them loads `by_name=True` into a model built the same way."""

import importlib.util

import keras
import numpy as np
import pytest

import legacy_conv
from legacy_conv import keras1
from legacy_conv.keras1 import backend as K
from legacy_conv.keras1 import layers as L
from legacy_conv.keras1 import models
from tests import _fixtures

HERE = _fixtures.NAMES
_spec = importlib.util.spec_from_file_location("keras1_names_cases", HERE / "cases.py")
CASES = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(CASES)


def _record(backend):
    return _fixtures.read_json(HERE / f"names_{backend}.json")


@pytest.fixture(autouse=True)
def _fresh_counters():
    """Counters from 0; settings as they were (the Keras 1 backend unset again)."""
    settings = dict(legacy_conv.backend._state)
    K.common.reset_uids()
    yield
    K.common.reset_uids()
    legacy_conv.backend._state.update(settings)


@pytest.mark.parametrize("backend", _fixtures.BACKENDS)
def test_unnamed_layers_and_models_get_keras1s_names(backend):
    assert CASES.auto_names(keras1, np) == _record(backend)["auto_names"]


@pytest.mark.parametrize("backend", _fixtures.BACKENDS)
def test_keras1_weights_load_by_name_into_a_model_built_in_code(backend):
    legacy_conv.set_keras1_backend(backend)
    with np.load(HERE / f"names_{backend}.npz") as f:
        x, expected = f["x"], f["y"]
    K.common.reset_uids()
    a = L.Input(shape=(4,))
    h = L.Dense(5, activation="tanh")(a)
    y = L.Dense(3, activation="softmax")(h)
    extra = L.Dense(2)(h)  # dense_3: not in the file, left as it is
    model = models.Model(input=a, output=[y, extra])
    untouched = model.get_layer("dense_3").get_weights()
    model.load_weights(str(HERE / f"names_{backend}.h5"), by_name=True)
    assert [layer.name for layer in model.layers][:3] == _record(backend)["weights_model"]
    np.testing.assert_allclose(model.predict(x)[0], expected, rtol=1e-5, atol=1e-6)
    for before, after in zip(untouched, model.get_layer("dense_3").get_weights()):
        np.testing.assert_array_equal(before, after)


def test_keras1_weights_load_by_name_into_a_sequential():
    K.common.reset_uids()
    seq = models.Sequential()
    seq.add(L.Dense(5, activation="tanh", input_dim=4))
    seq.add(L.Dense(3, activation="softmax"))
    seq.load_weights(str(HERE / "names_theano.h5"), by_name=True)
    with np.load(HERE / "names_theano.npz") as f:
        np.testing.assert_allclose(seq.predict(f["x"]), f["y"], rtol=1e-5, atol=1e-6)
    assert seq.get_layer("dense_1") is seq.layers[0]


def test_clear_session_restarts_the_counts():
    assert L.Dense(2).name == "dense_1" and models.Sequential().name == "sequential_1"
    K.clear_session()
    assert L.Dense(2).name == "dense_1" and models.Sequential().name == "sequential_1"
    assert K.get_uid("dense") == 2
    keras.backend.clear_session()  # Keras 3's: a new session too
    assert L.Dense(2).name == "dense_1"


def test_given_names_draw_no_count():
    assert L.Dense(2, name="head").name == "head"
    assert legacy_conv.Convolution2D(2, 3, 3, name="c").name == "c"
    assert L.Dense(2).name == "dense_1" and legacy_conv.Convolution2D(2, 3, 3).name == \
        "convolution2d_1"
