"""Keras 1's activation gradients at their kinks, on both Keras 1 backends: Theano's relu has
the gradient 0.5 at 0, TensorFlow's 0 (what training sees on dead or saturated units).

The records are Keras 1.2.2's (`tests/fixtures/keras1_scripts/make_scripts.py --kinks`, its
CASES: the same case names): values and the gradient of their sum at POINTS. Each case here
is the same Keras 1 call in this package's Keras 1 namespace (which builds the layer the file
converter gives for the config Keras 1 saved); the native target's caveat is checked too.
"""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

import legacy_conv
from _fixtures import SCRIPTS, read_json
from legacy_conv.keras1 import activations
from legacy_conv.keras1 import backend as K
from legacy_conv.keras1 import layers
from legacy_conv.keras1.layers import advanced_activations as advanced

ONE, ZERO = np.ones((1, 1), "float32"), np.zeros((1, 1), "float32")


def applied(layer, x, shape, weights=None):
    """`layer` called on x reshaped to `shape` (built first where `weights` are set in
    Keras 3's order), its output flattened."""
    if weights is not None:
        layer.build((None,) + shape[1:])
        layer.set_weights([np.asarray(w, "float32") for w in weights])
    return tf.reshape(layer(tf.reshape(x, shape)), [-1])


# case (make_scripts.py CASES) -> the same Keras 1 call on x, here
CASES = {
    "relu": lambda x: activations.relu(x),
    "relu_alpha": lambda x: K.relu(x, alpha=0.3),
    "relu_max": lambda x: K.relu(x, max_value=1.),
    "hard_sigmoid": lambda x: activations.hard_sigmoid(x),
    "elu": lambda x: activations.elu(x),
    "abs": lambda x: K.abs(x),
    "LeakyReLU": lambda x: advanced.LeakyReLU(0.3)(x),
    "ELU": lambda x: advanced.ELU(0.5)(x),
    "PReLU": lambda x: applied(advanced.PReLU(weights=[np.full(6, 0.25, "float32")]), x,
                               (1, 6)),
    "ThresholdedReLU": lambda x: advanced.ThresholdedReLU(1.0)(x),
    "SReLU": lambda x: applied(advanced.SReLU(), x, (1, 6),
                               [np.full(6, v) for v in (-1, 0.2, 2, 0.5)]),
    "Activation_relu": lambda x: layers.Activation("relu")(x),
    "Activation_hard_sigmoid": lambda x: layers.Activation("hard_sigmoid")(x),
    "Dense_relu": lambda x: applied(layers.Dense(1, activation="relu", weights=[ONE, ONE[0] * 0]),
                                    x, (6, 1)),
    "Dense_hard_sigmoid": lambda x: applied(
        layers.Dense(1, activation="hard_sigmoid", weights=[ONE, ONE[0] * 0]), x, (6, 1)),
    "SimpleRNN_relu": lambda x: applied(
        layers.SimpleRNN(1, activation="relu", weights=[ONE, ZERO, ONE[0] * 0]), x, (6, 1, 1)),
    "TimeDistributedDense_relu": lambda x: applied(layers.TimeDistributedDense(
        1, activation="relu", weights=[ONE, ONE[0] * 0]), x, (1, 6, 1)),
    "Highway_relu": lambda x: applied(layers.Highway(
        activation="relu", weights=[ONE, ZERO, ONE[0] * 0, ONE[0] * 20]), x, (6, 1)),
    "LocallyConnected1D_relu": lambda x: applied(layers.LocallyConnected1D(
        1, 1, activation="relu", weights=[np.ones((6, 1, 1)), np.zeros((6, 1))]), x, (1, 6, 1)),
}
BACKENDS = ("theano", "tensorflow")


def record(backend):
    return read_json(SCRIPTS / backend / "kinks.json")


def test_every_recorded_case_is_here():
    for backend in BACKENDS:
        assert {k for k, v in record(backend).items() if isinstance(v, dict)} == set(CASES)


@pytest.fixture
def keras1_backend(monkeypatch):
    monkeypatch.setattr(legacy_conv.backend, "_state", dict(legacy_conv.backend._state))
    return legacy_conv.set_keras1_backend


def values_and_gradient(fn, backend):
    """fn at Keras 1's points of `backend`'s record, and the gradient of its sum there."""
    x = tf.constant(record(backend)["points"], tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = fn(x)
    return y, tape.gradient(y, x)


def assert_keras1s(y, gradient, backend, case):
    np.testing.assert_allclose(y, record(backend)[case]["values"], atol=1e-6)
    np.testing.assert_allclose(gradient, record(backend)[case]["gradient"], atol=1e-6)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_activation_gradients_at_kinks_are_keras1s(backend, case, keras1_backend):
    keras1_backend(backend)
    assert_keras1s(*values_and_gradient(CASES[case], backend), backend, case)


@pytest.mark.parametrize("backend", BACKENDS)
def test_convolution_relu_trains_with_keras1s_gradient(backend):
    """A layer's `activation='relu'` on `keras1_backend` (the kinks' relu case)."""
    layer = legacy_conv.Convolution1D(1, 1, activation="relu", bias=False,
                                      init="one", keras1_backend=backend)
    assert_keras1s(*values_and_gradient(flat(layer, (6, 1)), backend), backend, "relu")
    assert layer.get_config()["activation"] == "relu"


# case -> (Keras 1 layer config as a file holds it, input shape without the batch, weights in
# the converted layer's order): the file route (model_from_json with the file's backend)
W1, B0 = [[1.0]], [0.0]
FILE_CASES = {
    "Activation_relu": ({"class_name": "Activation", "config": {"activation": "relu"}}, (6,), []),
    "Activation_hard_sigmoid": ({"class_name": "Activation",
                                 "config": {"activation": "hard_sigmoid"}}, (6,), []),
    "Dense_relu": ({"class_name": "Dense", "config": {"output_dim": 1, "activation": "relu"}},
                   (1,), [W1, B0]),
    "LeakyReLU": ({"class_name": "LeakyReLU", "config": {"alpha": 0.3}}, (6,), []),
    "PReLU": ({"class_name": "PReLU", "config": {"init": "zero"}}, (6,), [[0.25] * 6]),
    "SimpleRNN_relu": ({"class_name": "SimpleRNN", "config": {
        "output_dim": 1, "activation": "relu"}}, (1, 1), [W1, [[0.0]], B0]),
    "TimeDistributedDense_relu": ({"class_name": "TimeDistributedDense", "config": {
        "output_dim": 1, "activation": "relu"}}, (6, 1), [W1, B0]),
    "Highway_relu": ({"class_name": "Highway", "config": {"activation": "relu"}}, (1,),
                     [W1, [[0.0]], B0, [20.0]]),
    "LocallyConnected1D_relu": ({"class_name": "LocallyConnected1D", "config": {
        "nb_filter": 1, "filter_length": 1, "activation": "relu"}}, (6, 1),
        [np.ones((6, 1, 1)), np.zeros((6, 1))]),
}


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("case", sorted(FILE_CASES))
def test_files_train_with_the_file_backends_gradients(backend, case, keras1_backend, tmp_path):
    """A Keras 1 model file's layers on its `keras1_backend` (the package default the other
    backend), saved and reloaded as a `.keras` file."""
    keras1_backend("tensorflow" if backend == "theano" else "theano")
    model = file_model(case, backend)
    model.save(tmp_path / "model.keras")
    model = keras.models.load_model(tmp_path / "model.keras")
    assert_keras1s(*values_and_gradient(flat(model, FILE_CASES[case][1]), backend), backend,
                   case)


def file_model(case, backend):
    """The model of a Keras 1 file holding the case's layer, its weights set."""
    layer, shape, weights = FILE_CASES[case]
    layer = {**layer, "config": {"name": "k", **layer["config"],
                                 "batch_input_shape": [None, *shape]}}
    text = json.dumps({"class_name": "Sequential", "config": [layer], "keras_version": "1.2.2"})
    model = legacy_conv.model_from_json(text, keras1_backend=backend)
    model.layers[-1].set_weights([np.asarray(w, "float32") for w in weights])
    return model


def flat(model, shape):
    return lambda x: tf.reshape(model(tf.reshape(x, (-1, *shape))), [-1])


# -- the native target: Keras 3's built-ins, and a note where they train otherwise ---------------
# case -> the backends on which its native form's gradient at a kink is not Keras 1's
NATIVE_DIFFERS = {"Dense_relu": ("theano",), "Activation_relu": ("theano",),
                  "Activation_hard_sigmoid": ("tensorflow",), "LeakyReLU": BACKENDS,
                  "PReLU": BACKENDS, "TimeDistributedDense_relu": ("theano",),
                  "SimpleRNN_relu": ("theano",), "Highway_relu": ("theano",)}
# ... of which these are not noted (`spec.activations.KINKS` says why)
UNNOTED = {("Activation_hard_sigmoid", "tensorflow")}


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("case", sorted(NATIVE_DIFFERS))
def test_native_forms_note_keras1s_gradients_at_kinks(backend, case):
    """The native plan says where Keras 3's built-ins train otherwise than Keras 1 did
    (`spec.activations.KINKS`), and its gradients are those the note states."""
    from legacy_conv.native import build

    native, plan = build.transferred(file_model(case, backend), False)
    differs = backend in NATIVE_DIFFERS[case]
    notes = [text for name, text in plan.notes if "train otherwise" in text]
    assert bool(notes) == (differs and (case, backend) not in UNNOTED), notes
    assert not any(type(l).__module__.startswith("legacy_conv") for l in native.layers)
    y, gradient = values_and_gradient(flat(native, FILE_CASES[case][1]), backend)
    np.testing.assert_allclose(y, record(backend)[case]["values"], atol=1e-6)
    same = np.allclose(gradient, record(backend)[case]["gradient"], atol=1e-6)
    assert same != differs
