"""Keras 1's activation gradients at their kinks, on both Keras 1 backends: Theano's relu has
the gradient 0.5 at 0, TensorFlow's 0 (what training sees on dead or saturated units).

The records are Keras 1.2.2's (`tests/fixtures/keras1_scripts/make_scripts.py --kinks`, its
CASES: the same case names): values and the gradient of their sum at POINTS. Each case here
is the same Keras 1 call in this package's Keras 1 namespace (which builds the layer the file
converter gives for the config Keras 1 saved); the native target's caveat is checked too.
"""

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


def values_and_gradient(case, x):
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = CASES[case](x)
    return y, tape.gradient(y, x)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_activation_gradients_at_kinks_are_keras1s(backend, case, keras1_backend):
    keras1_backend(backend)
    keras1 = record(backend)
    y, gradient = values_and_gradient(case, tf.constant(keras1["points"], tf.float32))
    np.testing.assert_allclose(y, keras1[case]["values"], atol=1e-6)
    np.testing.assert_allclose(gradient, keras1[case]["gradient"], atol=1e-6)


@pytest.mark.parametrize("backend", BACKENDS)
def test_convolution_relu_trains_with_keras1s_gradient(backend):
    """A layer's `activation='relu'` on `keras1_backend` (the kinks' relu case)."""
    layer = legacy_conv.Convolution1D(1, 1, activation="relu", bias=False,
                                      init="one", keras1_backend=backend)
    x = tf.constant(record(backend)["points"], tf.float32)[None, :, None]
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer(x)
    np.testing.assert_allclose(tape.gradient(y, x)[0, :, 0], record(backend)["relu"]["gradient"],
                               atol=1e-6)
    assert layer.get_config()["activation"] == "relu"
