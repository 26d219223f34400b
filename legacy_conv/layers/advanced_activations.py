"""The Keras 1 advanced activation that Keras 3 cannot express exactly: ThresholdedReLU.

Keras 1's LeakyReLU(alpha), PReLU(init, weights, shared_axes) and ELU(alpha) compute what
Keras 3's `LeakyReLU(negative_slope=alpha)`, `PReLU(shared_axes=...)` (same `alphas`
weight shape: the input shape without the batch, 1 on the shared axes) and
`ELU(alpha=alpha)` compute; use those.
"""

import numpy as np
import tensorflow as tf
from keras.saving import register_keras_serializable

from legacy_conv import _validation
from legacy_conv.layers._base import Keras1Layer


@register_keras_serializable(package="legacy_conv")
class ThresholdedReLU(Keras1Layer):
    """Keras 1's ThresholdedReLU: `x` where `x > theta`, else 0 (`x * (x > theta)`).

    Args:
        theta: float, the threshold (default 1.0), compared in float32 as Keras 1 did.

    Input shape: any. Output shape: the input shape.

    Keras 1 behaviour: an input equal to `theta` gives 0 (Keras 3's
    `ReLU(threshold=theta)` keeps it); a NaN input stays NaN.
    """

    def __init__(self, theta=1.0, **kwargs):
        super().__init__(**kwargs)
        if isinstance(theta, bool) or not isinstance(theta, (int, float, np.number)):
            raise _validation.argument_error(self.owner, "theta", theta, "must be a number")
        self.theta = float(np.float32(theta))
        self.supports_masking = True

    def call(self, inputs):
        theta = tf.constant(self.theta, inputs.dtype)
        return inputs * tf.cast(inputs > theta, inputs.dtype)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config["theta"] = self.theta
        return config
