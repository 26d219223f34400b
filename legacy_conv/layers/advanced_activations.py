"""The Keras 1 advanced activations that Keras 3 cannot express exactly.

- ThresholdedReLU: Keras 3's `ReLU(threshold=theta)` keeps an input equal to `theta`
  (Keras 1 gave 0) and refuses a negative `theta`.
- LeakyReLU: for an `alpha` that Keras 3's `LeakyReLU` refuses (a negative one) or reads
  otherwise (an infinite or NaN one: Keras 3 keeps `x > 0` unchanged, Keras 1 gave NaN).

Keras 1's LeakyReLU with another alpha, PReLU(init, weights, shared_axes) and ELU(alpha)
compute what Keras 3's `LeakyReLU(negative_slope=alpha)`, `PReLU(shared_axes=...)` (same
`alphas` weight shape: the input shape without the batch, 1 on the shared axes) and
`ELU(alpha=alpha)` compute; use those.
"""

import numpy as np
import tensorflow as tf
from keras.saving import register_keras_serializable

from legacy_conv import _validation
from legacy_conv.layers._base import Keras1Elementwise


def float32(value):
    """`value` as the float32 Keras 1 computed with (beyond float32's range: infinite)."""
    with np.errstate(over="ignore"):
        return np.float32(value)


@register_keras_serializable(package="legacy_conv")
class ThresholdedReLU(Keras1Elementwise):
    """Keras 1's ThresholdedReLU: `x` where `x > theta`, else 0 (`x * (x > theta)`).

    Args:
        theta: float, the threshold (default 1.0), compared in float32 as Keras 1 did.

    Input shape: any. Output shape: the input shape.

    Keras 1 behaviour: an input equal to `theta` gives 0 (Keras 3's
    `ReLU(threshold=theta)` keeps it); a NaN input stays NaN.
    """

    CONFIG_KEYS = ("theta",)

    def __init__(self, theta=1.0, **kwargs):
        super().__init__(**kwargs)
        self.theta = float(float32(_validation.check_number(self.owner, "theta", theta)))

    def call(self, inputs):
        theta = tf.constant(self.theta, inputs.dtype)
        return inputs * tf.cast(inputs > theta, inputs.dtype)


@register_keras_serializable(package="legacy_conv")
class LeakyReLU(Keras1Elementwise):
    """Keras 1's LeakyReLU: `x` for `x > 0`, else `alpha * x`, for any `alpha`.

    Computed as Keras 1 on TensorFlow did: `relu(x) - alpha * relu(-x)`, with `alpha` in
    float32.

    Args:
        alpha: float, the slope for `x < 0` (default 0.3). Negative slopes are accepted,
            as Keras 1 accepted them (its docstring's "float >= 0" was never checked).

    Input shape: any. Output shape: the input shape.

    Keras 1 behaviour: Keras 3's `LeakyReLU(negative_slope=...)` refuses a negative
    slope; with an infinite or NaN `alpha`, Keras 1 gave NaN where `x >= 0` (`inf * 0`),
    which Keras 3 does not. Elsewhere the two agree (the converter then uses Keras 3's).
    Keras 1 on Theano computed `0.5 * (1 + alpha) * x + 0.5 * (1 - alpha) * |x|`: the
    same for finite inputs (to rounding), NaN for some infinite ones.

    Example:

    >>> import numpy as np, legacy_conv
    >>> legacy_conv.LeakyReLU(alpha=-0.5)(np.array([[-2.0, 3.0]], "float32")).numpy()
    array([[1., 3.]], dtype=float32)
    """

    CONFIG_KEYS = ("alpha",)

    def __init__(self, alpha=0.3, **kwargs):
        super().__init__(**kwargs)
        self.alpha = _validation.check_number(self.owner, "alpha", alpha)

    def call(self, inputs):
        alpha = tf.constant(float32(self.alpha), inputs.dtype)
        return tf.nn.relu(inputs) - alpha * tf.nn.relu(-inputs)
