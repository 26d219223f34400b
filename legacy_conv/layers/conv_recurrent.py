"""Keras 1's ConvLSTM2D: Keras 3's `ConvLSTM2D`, convolving as Keras 1's backend did.

Keras 1's ConvLSTM2D computes what Keras 3's does (gates i, f, c, o; the recurrent
convolution always 'same' with stride 1; a bias per gate), given Keras 1's
`inner_activation` (hard_sigmoid: clip(0.2 x + 0.5, 0, 1)) and its kernels as
cross-correlations (Theano convolved: `convert.recurrent` flips them). What Keras 3 cannot
do is Theano's 'same' padding where it is not TensorFlow's: even kernels (Theano padded
k // 2 zeros on both sides and kept the first outputs: one more zero before than
TensorFlow's 'same', one fewer after), and strides on inputs of some lengths. This layer
convolves as `theano_plans` says for `keras1_backend='theano'`; otherwise it is Keras 3's.
"""

import keras
import tensorflow as tf

from legacy_conv import _ops
from legacy_conv import initializers
from legacy_conv import theano_plans

KERAS1_BACKENDS = ("tensorflow", "theano")


def theano_differs(kernel_size, strides, padding):
    """Whether Keras 1 on Theano convolved otherwise than TensorFlow (the input convolution
    with `padding` and `strides`, or the recurrent one: 'same', stride 1)."""
    dilations = (1,) * len(kernel_size)
    same = theano_plans.theano_same_is_tf_same
    return not same(kernel_size, (1,) * len(kernel_size), dilations) or (
        padding == "same" and not same(kernel_size, strides, dilations))


@keras.saving.register_keras_serializable(package="legacy_conv")
class Keras1ConvLSTM2D(keras.layers.ConvLSTM2D):
    """Keras 3's `ConvLSTM2D`, with Keras 1's convolutions on `keras1_backend`.

    Args:
        keras1_backend: str, the Keras 1 backend whose convolutions it reproduces:
            'tensorflow' (Keras 3's own) or 'theano' (Theano's 'same' padding, see the
            module docstring). Default: 'tensorflow'.
        **kwargs: Keras 3's `ConvLSTM2D` arguments; its kernels are cross-correlation
            kernels (a Keras 1 Theano kernel flipped), gates concatenated as i, f, c, o.
    """

    def __init__(self, *args, keras1_backend="tensorflow", **kwargs):
        super().__init__(*args, **kwargs)
        if keras1_backend not in KERAS1_BACKENDS:
            raise ValueError("`keras1_backend` must be one of "
                             f"{', '.join(map(repr, KERAS1_BACKENDS))}. "
                             f"Received: keras1_backend={keras1_backend!r}")
        self.keras1_backend = keras1_backend
        if keras1_backend == "theano":
            self.cell.input_conv = self._input_conv
            self.cell.recurrent_conv = self._recurrent_conv

    def _conv(self, x, w, strides, padding):
        first = self.cell.data_format == "channels_first"
        y = _ops.convolve(_ops.to_channels_last(x) if first else x, w, self.cell.kernel_size,
                          strides, (1, 1), padding, self.keras1_backend)
        return _ops.to_channels_first(y) if first else y

    def _input_conv(self, x, w, b=None, padding="valid"):
        y = self._conv(x, w, self.cell.strides, padding)
        if b is None:
            return y
        shape = (1, -1, 1, 1) if self.cell.data_format == "channels_first" else (1, 1, 1, -1)
        return y + tf.reshape(b, shape)

    def _recurrent_conv(self, x, w):
        return self._conv(x, w, (1, 1), "same")

    def get_config(self):
        return {**super().get_config(), "keras1_backend": self.keras1_backend}


@keras.saving.register_keras_serializable(package="legacy_conv")
class Keras1ConvGateInitializer(initializers.Keras1GateInitializer):
    """A Keras 1 initialization of a ConvLSTM2D kernel, drawn gate by gate as Keras 1 did.

    Keras 3's kernel is (rows, cols, channels, 4 * filters); Keras 1 drew each gate's
    kernel alone in the layout of its `dim_ordering` ('th': (filters, channels, rows,
    cols)), with the fans Keras 1's `get_fans` gave that shape as a 'th' one whatever the
    ordering (ConvLSTM2D passed none). `dim_ordering` is the layer's; the `dim_ordering`
    attribute that the draws (and the native target) read is the one whose fans of
    Keras 3's gate shape are Keras 1's.
    """

    def __init__(self, init="glorot_uniform", dim_ordering="tf", seed=None, gates=4):
        super().__init__(init, "tf" if dim_ordering == "th" else "th", seed, gates)
        self.layer_ordering = dim_ordering

    def __call__(self, shape, dtype=None):
        if self.layer_ordering != "th" or initializers.skipping():
            return super().__call__(shape, dtype)  # 'tf': Keras 1's own shape
        rows, cols, channels, size = (int(d) for d in shape)
        block = (size // self.gates, channels, rows, cols)
        return keras.ops.concatenate([keras.ops.transpose(initializers.Keras1Initializer(
            self.init, "th", self.seed + gate)(block, dtype), (2, 3, 1, 0))
            for gate in range(self.gates)], axis=-1)

    def get_config(self):
        return {**super().get_config(), "dim_ordering": self.layer_ordering}
