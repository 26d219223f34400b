"""The Keras 1 advanced activations that Keras 3 cannot express exactly.

- ThresholdedReLU: Keras 3's `ReLU(threshold=theta)` keeps an input equal to `theta`
  (Keras 1 gave 0) and refuses a negative `theta`.
- LeakyReLU: for an `alpha` that Keras 3's `LeakyReLU` refuses (a negative one) or reads
  otherwise (an infinite or NaN one: Keras 3 keeps `x > 0` unchanged, Keras 1 gave NaN).
- ParametricSoftplus and SReLU: Keras 3 has neither (trainable parameters per input
  element, shared along `shared_axes`: `_Keras1Parametric`).

Keras 1's LeakyReLU with any alpha and PReLU compute Keras 3's `LeakyReLU` and `PReLU`
values but other gradients at 0 (`spec.activations.KINKS`): ours, and `Keras1PReLU` (Keras
3's PReLU, same `alpha` weight, with Keras 1's formula). ELU(alpha) is Keras 3's `ELU`.
"""

import keras
import numpy as np
import tensorflow as tf
from keras.saving import register_keras_serializable

from legacy_conv import _validation
from legacy_conv import activations as k1_activations
from legacy_conv import backend
from legacy_conv import initializers
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

        keras1_backend: 'tensorflow' or 'theano' (None = `legacy_conv.keras1_backend()`).

    Keras 1 behaviour: Keras 3's `LeakyReLU(negative_slope=...)` refuses a negative
    slope; with an infinite or NaN `alpha`, Keras 1 gave NaN where `x >= 0` (`inf * 0`),
    which Keras 3 does not. Its gradient at 0 was 0 on TensorFlow, Keras 3's is `alpha`.
    Keras 1 on Theano computed `0.5 * (1 + alpha) * x + 0.5 * (1 - alpha) * |x|` (the
    same values to rounding, NaN for some infinite inputs; the gradient 0.5 * (1 + alpha)
    at 0), as this layer does there.

    Example:

    >>> import numpy as np, legacy_conv
    >>> legacy_conv.LeakyReLU(alpha=-0.5)(np.array([[-2.0, 3.0]], "float32")).numpy()
    array([[1., 3.]], dtype=float32)
    """

    CONFIG_KEYS = ("alpha", "keras1_backend")

    def __init__(self, alpha=0.3, keras1_backend=None, **kwargs):
        super().__init__(**kwargs)
        self.alpha = _validation.check_number(self.owner, "alpha", alpha)
        self.keras1_backend = backend.resolve_keras1_backend(self.owner, keras1_backend)

    def call(self, inputs):
        alpha = float32(self.alpha)
        if self.keras1_backend == "theano":
            return k1_activations.theano_relu(inputs, alpha)
        return tf.nn.relu(inputs) - tf.constant(alpha, inputs.dtype) * tf.nn.relu(-inputs)


class _Keras1Parametric(Keras1Elementwise):
    """A Keras 1 activation with trainable parameters: one weight per name in `WEIGHTS`
    (Keras 1's order), each of the input's shape without the batch, 1 on `shared_axes`.

    Keras 1 set `shape[axis - 1] = 1` for each shared axis (so 0 is the last axis) and its
    `get_config` left `shared_axes` out (files reveal it by the weights' shapes); ours
    writes it.
    """

    WEIGHTS = ()

    def __init__(self, shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        axes = shared_axes if isinstance(shared_axes, (list, tuple)) else [shared_axes]
        if axes != [None] and not all(_validation.is_int(a) for a in axes):
            raise _validation.argument_error(self.owner, "shared_axes", shared_axes,
                                             "must be None, an axis or a list of axes")
        self.shared_axes = None if axes == [None] else [int(a) for a in axes]
        self.initial_weights = None

    def initializer(self, weight):
        """The initializer of the weight named `weight`."""
        raise NotImplementedError

    def build(self, input_shape):
        shape = list(input_shape[1:])
        for axis in self.shared_axes or ():
            if not -len(shape) <= axis - 1 < len(shape):
                raise _validation.argument_error(
                    self.owner, "shared_axes", self.shared_axes,
                    f"must name axes of the {len(shape) + 1}D input")
            shape[axis - 1] = 1  # as Keras 1 indexed it: 0 is the last axis
        if any(d is None for d in shape):
            raise _validation.argument_error(
                self.owner, "input shape", tuple(input_shape),
                "must be known on every axis but the batch and the shared ones")
        for name in self.WEIGHTS:
            setattr(self, name, self.add_weight(name=name, shape=tuple(shape),
                                                initializer=self.initializer(name)))
        if self.initial_weights is not None:
            weights, self.initial_weights = self.initial_weights, None
            self.set_weights(weights)

    def get_config(self):
        return {**super().get_config(), "shared_axes": self.shared_axes}


@register_keras_serializable(package="legacy_conv")
class ParametricSoftplus(_Keras1Parametric):
    """Keras 1's ParametricSoftplus: `alphas * softplus(betas * x)`, `alphas` and `betas`
    trained.

    Args:
        alpha_init: float, the initial value of every alpha (default 0.2), in float32.
        beta_init: float, the initial value of every beta (default 5.0), in float32.
        weights: optional `[alphas, betas]`.
        shared_axes: None, an axis or a list of axes (1 = the first after the batch)
            along which the parameters are shared (size 1 there).

    Input shape: any. Output shape: the input shape.

    Keras 1 behaviour: Theano's softplus is `x` above 14 and 0 below -103 (float32),
    TensorFlow's a smooth softplus: the two agree to float32 rounding.

    Example:

    >>> import numpy as np, legacy_conv
    >>> legacy_conv.ParametricSoftplus()(np.zeros((1, 2), "float32")).numpy()  # 0.2 log 2
    array([[0.13862944, 0.13862944]], dtype=float32)
    """

    CONFIG_KEYS = ("alpha_init", "beta_init")
    WEIGHTS = ("alphas", "betas")

    def __init__(self, alpha_init=0.2, beta_init=5.0, weights=None, shared_axes=None,
                 **kwargs):
        super().__init__(shared_axes=shared_axes, **kwargs)
        if weights is not None and not isinstance(weights, (list, tuple)):
            raise _validation.argument_error(self.owner, "weights", weights,
                                             "must be a list [alphas, betas] of arrays")
        self.initial_weights = weights
        self.alpha_init = float(float32(_validation.check_number(self.owner, "alpha_init",
                                                                 alpha_init)))
        self.beta_init = float(float32(_validation.check_number(self.owner, "beta_init",
                                                                beta_init)))

    def initializer(self, weight):
        return keras.initializers.Constant({"alphas": self.alpha_init,
                                            "betas": self.beta_init}[weight])

    def call(self, inputs):
        return tf.nn.softplus(self.betas * inputs) * self.alphas


# Keras 1's `K.relu(x, alpha, max_value)` on each backend: TensorFlow clips the positive part
# and then subtracts `alpha * relu(-x)`; Theano's `T.nnet.relu(x, alpha)` is
# `0.5 (1 + alpha) x + 0.5 (1 - alpha) |x|`, of which it takes the minimum with `max_value`
# (so a negative `alpha` has its left part clipped too).
RELU_WITH_MAX = {
    "tensorflow": lambda x, alpha, top: (tf.clip_by_value(tf.nn.relu(x), 0.0, top)
                                         - alpha * tf.nn.relu(-x)),
    "theano": lambda x, alpha, top: tf.minimum(0.5 * (1.0 + alpha) * x
                                               + 0.5 * (1.0 - alpha) * tf.abs(x), top),
}


@register_keras_serializable(package="legacy_conv")
class SReLU(_Keras1Parametric):
    """Keras 1's SReLU (S-shaped ReLU), with `t_right` measured from `t_left`.

    With `t_r = t_left + |t_right|`: `t_left + a_left * (x - t_left)` for `x < t_left`,
    `x` between, `t_r + a_right * (x - t_r)` above `t_r` (as Keras 1 computed it:
    `t_left + relu(x - t_left, a_left, max_value=t_r - t_left) + a_right * relu(x - t_r)`).

    Args:
        t_left_init, a_left_init, t_right_init, a_right_init: Keras 1 initializations of
            the four weights (default 'zero', 'glorot_uniform', 'glorot_uniform', 'one').
        shared_axes: None, an axis or a list of axes (1 = the first after the batch)
            along which the parameters are shared (size 1 there).

        keras1_backend: 'tensorflow' or 'theano' (None = `legacy_conv.keras1_backend()`).

    Input shape: any. Output shape: the input shape.

    Keras 1 behaviour: on Theano the left part is also capped at `|t_right|` (`RELU_WITH_MAX`):
    with a negative `a_left`, inputs far left of `t_left` give `t_left + |t_right|` there and
    not `t_left + a_left * (x - t_left)`. glorot_uniform draws with Keras 1's fans of the
    weight's shape (for a 1D weight of n values: limit sqrt(6 / (2 sqrt(n)))).
    """

    WEIGHTS = ("t_left", "a_left", "t_right", "a_right")
    CONFIG_KEYS = tuple(f"{weight}_init" for weight in WEIGHTS)

    def __init__(self, t_left_init="zero", a_left_init="glorot_uniform",
                 t_right_init="glorot_uniform", a_right_init="one", shared_axes=None,
                 keras1_backend=None, **kwargs):  # Keras 1's SReLU took no `weights`
        super().__init__(shared_axes=shared_axes, **kwargs)
        self.keras1_backend = backend.resolve_keras1_backend(self.owner, keras1_backend)
        for key, value in zip(self.CONFIG_KEYS, (t_left_init, a_left_init, t_right_init,
                                                 a_right_init)):
            setattr(self, key, initializers.check(self.owner, value, key))

    def initializer(self, weight):
        return initializers.Keras1Initializer(getattr(self, f"{weight}_init"), "th")

    def get_config(self):
        config = super().get_config()
        config.update({key: initializers.name_of(config[key]) for key in self.CONFIG_KEYS})
        config["keras1_backend"] = self.keras1_backend
        return config

    def call(self, inputs):
        t_right = self.t_left + tf.abs(self.t_right)
        relu = RELU_WITH_MAX[self.keras1_backend]
        left_and_center = self.t_left + relu(inputs - self.t_left, self.a_left,
                                             t_right - self.t_left)
        right = k1_activations.get("relu", self.keras1_backend)  # Theano's gradient at 0
        return left_and_center + right(inputs - t_right) * self.a_right


@register_keras_serializable(package="legacy_conv")
class Keras1PReLU(keras.layers.PReLU):
    """Keras 3's `PReLU` computed as Keras 1's: `relu(x) + alpha * (x - |x|) * 0.5`.

    The same values; the gradient at 0 is Keras 1's (`spec.activations.KINKS`): 0.5 * alpha
    on TensorFlow, 0.5 * (1 + alpha) on Theano (Theano's relu), where Keras 3's is 0.

    Args:
        keras1_backend: 'tensorflow' or 'theano' (None = `legacy_conv.keras1_backend()`).
        **kwargs: Keras 3's `PReLU` arguments.
    """

    def __init__(self, keras1_backend=None, **kwargs):
        super().__init__(**kwargs)
        self.keras1_backend = backend.resolve_keras1_backend("PReLU", keras1_backend)

    def call(self, inputs):
        relu = k1_activations.get("relu", self.keras1_backend)
        return relu(inputs) + self.alpha * (inputs - tf.abs(inputs)) * 0.5

    def get_config(self):
        return {**super().get_config(), "keras1_backend": self.keras1_backend}
