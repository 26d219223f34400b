"""Keras 1's GaussianNoise, for a `sigma` that Keras 3's GaussianNoise refuses.

Keras 3's `GaussianNoise(stddev)` takes only `0 <= stddev <= 1`; Keras 1.2.2 took any
`sigma`. Within [0, 1] the two are the same layer (the converter then uses Keras 3's).
"""

import keras
from keras.saving import register_keras_serializable

from legacy_conv import _validation
from legacy_conv.layers._base import Keras1Elementwise


@register_keras_serializable(package="legacy_conv")
class GaussianNoise(Keras1Elementwise):
    """Keras 1's GaussianNoise: adds `normal(0, sigma)` noise in training, nothing at inference.

    Args:
        sigma: float, the standard deviation of the noise (any number, as in Keras 1).

    Input shape: any. Output shape: the input shape.

    Call arguments:
        inputs: a tensor of any rank.
        training: bool; the noise is added only in training (Keras 1's
            `K.in_train_phase(x + noise, x)`): inference returns the input unchanged.

    Keras 1 behaviour: `sigma` scaled a standard normal draw, so a negative `sigma` adds
    the noise of `abs(sigma)` (observed on both backends) and a NaN one makes every
    training output NaN. Keras 3's GaussianNoise refuses `sigma > 1`, `sigma < 0` and NaN.

    Example:

    >>> import numpy as np, legacy_conv
    >>> x = np.zeros((2, 3), "float32")
    >>> bool((legacy_conv.GaussianNoise(2.0)(x) == x).numpy().all())  # inference
    True
    """

    CONFIG_KEYS = ("sigma",)

    def __init__(self, sigma, **kwargs):
        super().__init__(**kwargs)
        self.sigma = _validation.check_number(self.owner, "sigma", sigma)
        self.seed_generator = keras.random.SeedGenerator()

    def call(self, inputs, training=None):
        if not training:
            return inputs
        noise = keras.random.normal(keras.ops.shape(inputs), mean=0.0, stddev=self.sigma,
                                    dtype=inputs.dtype, seed=self.seed_generator)
        return inputs + noise
