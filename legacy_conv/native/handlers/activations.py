"""Our advanced activations and noise: ThresholdedReLU, LeakyReLU, GaussianNoise;
ParametricSoftplus and SReLU refused (the record's `native` says why)."""

import keras

from legacy_conv.layers.advanced_activations import float32
from legacy_conv.native.handlers._common import (
    handles, ours, Refused)
from legacy_conv.spec import layers as spec
from legacy_conv.spec.activations import kink_note


# -- our other layers (configs in Keras 1's vocabulary) ---------------------------------------
@handles(*ours("thresholded_relu"))
def thresholded_relu(cv, layer, inputs, state):
    theta = float(layer.get_config()["theta"])
    if theta < 0:
        raise Refused(f"theta={theta} < 0: Keras 3's ReLU(threshold=...) accepts only "
                      "thresholds >= 0")
    # ReLU(threshold=t) is x * (x > t) like Keras 1 (x where x > t, else 0).
    native = cv.once(state, "core", lambda: keras.layers.ReLU(threshold=theta, name=layer.name))
    return cv.call(native, inputs[0], inputs[0].layout, layer.name)


@handles(*ours("leaky_relu"))
def leaky_relu(cv, layer, inputs, state):
    x = inputs[0]
    alpha = float(float32(layer.alpha))
    if 0 <= alpha < float("inf"):
        cv.note(layer, kink_note("LeakyReLU", layer.keras1_backend))
        native = cv.once(state, "core", lambda: keras.layers.LeakyReLU(
            negative_slope=alpha, name=layer.name))
        return cv.call(native, x, x.layout, layer.name)
    # Keras 3's LeakyReLU refuses a negative slope (and keeps x > 0 for an infinite or NaN
    # one); PReLU computes relu(x) - alpha * relu(-x), Keras 1's formula, here from an alpha
    # that training leaves alone (Keras 1's LeakyReLU had no weight). Its alpha has the
    # input's rank: one PReLU per rank the layer is applied to.
    rank = len(x.tensor.shape) - 1
    by_rank = state.setdefault("prelu", {})
    if rank not in by_rank:
        by_rank[rank] = keras.layers.PReLU(
            alpha_initializer=keras.initializers.Constant(alpha),
            shared_axes=list(range(1, rank + 1)), trainable=False,
            name=cv.unique(f"{layer.name}_{rank}d") if by_rank else layer.name)
    return cv.call(by_rank[rank], x, x.layout, layer.name)


@handles(*ours("gaussian_noise"))
def gaussian_noise(cv, layer, inputs, state):
    # Keras 1 drew sigma * normal(0, 1): a negative sigma adds the noise of abs(sigma).
    stddev = abs(layer.sigma)
    if not stddev <= 1:
        raise Refused(f"sigma={layer.sigma}: Keras 3's GaussianNoise takes a standard "
                      "deviation in [0, 1] only, and no other built-in adds Gaussian noise")
    native = cv.once(state, "core", lambda: keras.layers.GaussianNoise(stddev,
                                                                        name=layer.name))
    return cv.call(native, inputs[0], inputs[0].layout, layer.name)


@handles(*ours("parametric"))
def parametric(cv, layer, inputs, state):
    raise Refused(spec.LAYERS[type(layer).__name__].native)
