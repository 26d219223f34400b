"""LeakyReLU alpha < 0 and GaussianNoise sigma outside [0, 1]: accepted by Keras 1.2.2,
refused by Keras 3's built-ins. The converter's choice (`layer_rules.LEGACY_WHEN`) and
`modernize`'s native forms.

Keras 1's numbers for these layers are in fixtures/keras1/core_* (test_core_layers_keras1.py,
test_native.py's golden cases); these tests check the routing and the native forms.
"""

import math

import keras
import numpy as np
import pytest

import legacy_conv as lc
from legacy_conv.convert import layers as conversion
from legacy_conv.convert import model_config
from legacy_conv import native
from legacy_conv.errors import ConversionError

CTX = model_config.Context()


@pytest.mark.parametrize("class_name, key, value, ours", [
    pytest.param("GaussianNoise", "sigma", 2.0, True, id="sigma-above-1"),
    pytest.param("GaussianNoise", "sigma", -0.5, True, id="sigma-negative"),
    pytest.param("GaussianNoise", "sigma", math.nan, True, id="sigma-nan"),
    pytest.param("GaussianNoise", "sigma", 0, False, id="sigma-0"),
    pytest.param("GaussianNoise", "sigma", 1.0, False, id="sigma-1"),
    *[pytest.param("GaussianNoise", "sigma", value, False, id=f"sigma-{label}")
      for label, value in (("none", None), ("str", "-0.5"), ("bool", True), ("list", [-1]),
                           ("dict", {"a": -1}))],
])
def test_our_layer_exactly_where_keras3_refuses_or_differs(class_name, key, value, ours):
    """Non-numbers go to the built-in's value check (and its ConversionError)."""
    assert conversion.needs_ours(class_name, {key: value}, CTX) is ours


@pytest.mark.parametrize("alpha", [-0.5, -1, 0.0, 1.5, math.inf, 1e39, 10 ** 400, math.nan])
def test_leaky_relu_is_always_ours(alpha):
    """Keras 3's LeakyReLU has the gradient alpha at 0, Keras 1's 0 (TensorFlow) or
    0.5 * (1 + alpha) (Theano): tests/test_kinks.py. Ours is exact for every alpha."""
    assert conversion.needs_ours("LeakyReLU", {"alpha": alpha}, CTX)
    assert conversion.needs_ours("LeakyReLU", {"name": "l"}, CTX)


# -- modernize -----------------------------------------------------------------------------
def _model(layer, shape=(3, 4)):
    return keras.Sequential([keras.Input(shape), layer])


X = np.random.RandomState(0).uniform(-3, 3, (2, 3, 4)).astype("float32")


@pytest.mark.filterwarnings("ignore:The model does not have any trainable weights")
@pytest.mark.parametrize("alpha", [-0.5, -2, math.nan, math.inf])
def test_leaky_relu_keras3_refuses_is_a_frozen_prelu(alpha, tmp_path):
    """PReLU computes relu(x) - alpha * relu(-x), Keras 1's formula: bit for bit, NaNs and
    signs included, from an alpha that training leaves alone."""
    legacy = _model(lc.LeakyReLU(alpha=alpha, name="leaky"))
    plan = native.weight_plan(legacy)
    model = plan.transfer()
    prelu = model.layers[-1]
    assert type(prelu) is keras.layers.PReLU and prelu.name == "leaky"
    assert not prelu.trainable and not model.trainable_weights and not plan.notes
    np.testing.assert_array_equal(np.asarray(model(X)), np.asarray(legacy(X)))
    model.compile("sgd", "mse")
    model.fit(X, np.zeros_like(X), verbose=0)
    np.testing.assert_array_equal(prelu.get_weights()[0],
                                  np.full((1, 1), alpha, "float32"))
    path = tmp_path / "native.keras"
    model.save(path)
    np.testing.assert_array_equal(np.asarray(keras.models.load_model(path)(X)),
                                  np.asarray(legacy(X)))


def test_leaky_relu_keras3_takes_is_keras3_leaky_relu():
    legacy = _model(lc.LeakyReLU(alpha=1.5, name="leaky"))
    model = native.modernize(legacy)
    assert type(model.layers[-1]) is keras.layers.LeakyReLU
    assert model.layers[-1].negative_slope == 1.5
    np.testing.assert_allclose(np.asarray(model(X)), np.asarray(legacy(X)), rtol=1e-6)


def test_leaky_relu_shared_across_ranks_is_one_prelu_per_rank():
    layer = lc.LeakyReLU(alpha=-0.5, name="shared")
    a, b, c = keras.Input((4,)), keras.Input((3, 4)), keras.Input((5,))
    legacy = keras.Model([a, b, c], [layer(a), layer(b), layer(c)])
    model = native.modernize(legacy)
    prelus = [layer for layer in model.layers if type(layer) is keras.layers.PReLU]
    assert len(prelus) == 2 and "shared" in [p.name for p in prelus]
    xs = [np.random.RandomState(i).uniform(-3, 3, (2,) + tuple(t.shape[1:])).astype("float32")
          for i, t in enumerate((a, b, c))]
    for ours, theirs in zip(model(xs), legacy(xs)):
        np.testing.assert_array_equal(np.asarray(ours), np.asarray(theirs))


def test_gaussian_noise_above_1_is_refused_and_kept_on_request():
    legacy = _model(lc.GaussianNoise(2.0, name="noise"))
    with pytest.raises(ConversionError) as info:
        native.modernize(legacy)
    assert str(info.value).startswith('layer "noise" (GaussianNoise): has no exact Keras 3 '
                                      "built-in form: sigma=2.0: Keras 3's GaussianNoise")
    assert "keep_legacy=True" in str(info.value)
    plan = native.weight_plan(legacy, keep_legacy=True)
    kept = plan.transfer()
    assert type(kept.layers[-1]) is lc.GaussianNoise
    assert [(name, cls) for name, cls, _ in plan.kept] == [("noise", "GaussianNoise")]
    np.testing.assert_array_equal(np.asarray(kept(X)), X)


@pytest.mark.parametrize("sigma", [-0.5, 0.25])
def test_gaussian_noise_within_1_is_keras3_gaussian_noise_of_abs_sigma(sigma):
    """Keras 1 scaled a standard normal draw by sigma: a negative one adds the noise of
    abs(sigma) (observed on both backends)."""
    model = native.modernize(_model(lc.GaussianNoise(sigma, name="noise")))
    noise = model.layers[-1]
    assert type(noise) is keras.layers.GaussianNoise and noise.stddev == abs(sigma)
    np.testing.assert_array_equal(np.asarray(model(X)), X)


def test_gaussian_noise_nan_sigma_is_refused():
    with pytest.raises(ConversionError, match="sigma=nan"):
        native.modernize(_model(lc.GaussianNoise(math.nan, name="noise")))
