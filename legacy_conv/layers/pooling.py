"""Max/AveragePooling1D/2D/3D with Keras 1.2.2's arguments and numbers on both backends.

Keras 1 on TensorFlow pooled with TensorFlow's 'SAME'/'VALID'. Keras 1 on Theano pooled
'same' differently (`legacy_conv._ops.pool`): it padded each side by `pool - 1`
(`pool - 2` for odd pools > 2; in 3D for every odd pool, so a pool size of 1 *removes*
a step at each end of that axis), let every window skip the padding (max ignores it,
average divides by the real steps only) and cropped the output to ceil(length / stride).
Output windows therefore start at other steps than TensorFlow's. With 'valid', a pool
larger than the input gave an empty axis on Theano and an error on TensorFlow.
"""

from keras import layers
from keras.saving import register_keras_serializable

from legacy_conv import _ops
from legacy_conv import theano_plans
from legacy_conv import _validation
from legacy_conv import backend
from legacy_conv.layers._base import Keras1Layer

serializable = register_keras_serializable(package="legacy_conv")

# rank -> Keras 1 names of the pool size and stride arguments
ARG_NAMES = {1: ("pool_length", "stride"), 2: ("pool_size", "strides"),
             3: ("pool_size", "strides")}


class _BasePooling(Keras1Layer):
    """Keras 1 pooling of `rank` spatial axes; subclasses give rank and pool_mode."""

    rank = None
    pool_mode = None  # 'max' or 'avg'

    def __init__(self, pool_size, strides=None, border_mode="valid", dim_ordering=None,
                 keras1_backend=None, **kwargs):
        super().__init__(**kwargs)
        owner = self.owner
        size_arg, stride_arg = ARG_NAMES[self.rank]
        self.pool_size = self._check_sizes(owner, size_arg, pool_size)
        self.strides = (self.pool_size if strides is None
                        else self._check_sizes(owner, stride_arg, strides))
        self.border_mode = _validation.check_choice(owner, "border_mode", border_mode,
                                                    ("valid", "same"))
        self.dim_ordering = (None if self.rank == 1
                             else backend.resolve_dim_ordering(owner, dim_ordering))
        self.keras1_backend = backend.resolve_keras1_backend(owner, keras1_backend)
        self.input_spec = layers.InputSpec(ndim=self.rank + 2)

    def _check_sizes(self, owner, arg, value):
        if self.rank == 1:
            return (_validation.check_int(owner, arg, value),)
        return _validation.check_tuple(owner, arg, value, self.rank)

    @property
    def _channels_first(self):
        return self.dim_ordering == "th"

    def _spatial_axes(self):
        return range(2, self.rank + 2) if self._channels_first else range(1, self.rank + 1)

    def build(self, input_shape):
        for axis, pool in zip(self._spatial_axes(), self.pool_size):
            length = input_shape[axis]
            if (length is not None and self.border_mode == "valid" and pool > length
                    and self.keras1_backend == "tensorflow"):
                name = ARG_NAMES[self.rank][0]
                raise _validation.argument_error(
                    self.owner, name, self._arg(self.pool_size),
                    f"is larger than input axis {axis} ({length} steps, input shape "
                    f"{tuple(input_shape)}) with border_mode='valid' (Keras 1 on TensorFlow "
                    "fails there)")

    def call(self, inputs):
        x = _ops.to_channels_last(inputs) if self._channels_first else inputs
        y = _ops.pool(x, self.pool_size, self.strides, self.border_mode, self.pool_mode,
                      self.keras1_backend)
        return _ops.to_channels_first(y) if self._channels_first else y

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, pool, stride in zip(self._spatial_axes(), self.pool_size, self.strides):
            shape[axis] = theano_plans.pool_output_length(
                shape[axis], pool, self.border_mode, stride, self.keras1_backend, self.rank)
        return tuple(shape)

    def _arg(self, values):
        return values[0] if self.rank == 1 else tuple(values)

    def get_config(self):
        config = super().get_config()
        size_arg, stride_arg = ARG_NAMES[self.rank]
        config.update({size_arg: self._arg(self.pool_size), "border_mode": self.border_mode,
                       stride_arg: self._arg(self.strides)})
        if self.dim_ordering is not None:
            config["dim_ordering"] = self.dim_ordering
        config["keras1_backend"] = self.keras1_backend
        return config


class _BasePooling1D(_BasePooling):
    rank = 1

    def __init__(self, pool_length=2, stride=None, border_mode="valid", keras1_backend=None,
                 **kwargs):
        super().__init__(pool_length, stride, border_mode, None, keras1_backend, **kwargs)


@serializable
class MaxPooling1D(_BasePooling1D):
    """Keras 1's MaxPooling1D: `(samples, steps, features)` -> `(samples, new_steps, features)`.

    Args:
        pool_length: int, the window length (default 2).
        stride: int or None (= `pool_length`).
        border_mode: 'valid' or 'same' (Theano's 'same' windows differ, see the module).
        keras1_backend: 'tensorflow' or 'theano' (None = `legacy_conv.keras1_backend()`).
    """

    pool_mode = "max"


@serializable
class AveragePooling1D(_BasePooling1D):
    """Keras 1's AveragePooling1D; arguments as `MaxPooling1D`. 'same' averages only the
    real steps of a window (on both backends)."""

    pool_mode = "avg"


class _BasePooling2D(_BasePooling):
    rank = 2

    def __init__(self, pool_size=(2, 2), strides=None, border_mode="valid",
                 dim_ordering="default", keras1_backend=None, **kwargs):
        super().__init__(pool_size, strides, border_mode, dim_ordering, keras1_backend,
                         **kwargs)


class _BasePooling3D(_BasePooling):
    rank = 3

    def __init__(self, pool_size=(2, 2, 2), strides=None, border_mode="valid",
                 dim_ordering="default", keras1_backend=None, **kwargs):
        super().__init__(pool_size, strides, border_mode, dim_ordering, keras1_backend,
                         **kwargs)


@serializable
class MaxPooling2D(_BasePooling2D):
    """Keras 1's MaxPooling2D.

    Args:
        pool_size: 2 ints (rows, cols), default (2, 2).
        strides: 2 ints or None (= `pool_size`).
        border_mode: 'valid' or 'same'.
        dim_ordering: 'th' `(samples, channels, rows, cols)`, 'tf'
            `(samples, rows, cols, channels)` or 'default' (`image_dim_ordering()`).
        keras1_backend: 'tensorflow' or 'theano' (None = `legacy_conv.keras1_backend()`).
    """

    pool_mode = "max"


@serializable
class AveragePooling2D(_BasePooling2D):
    """Keras 1's AveragePooling2D; arguments as `MaxPooling2D`."""

    pool_mode = "avg"


@serializable
class MaxPooling3D(_BasePooling3D):
    """Keras 1's MaxPooling3D; arguments as `MaxPooling2D` with 3 spatial axes.

    Keras 1 behaviour: on Theano, 'same' with a pool size of 1 on an axis drops the first
    and last step of that axis: `(n - 3) // stride + 1` outputs (Keras 1's own output
    shape claims `ceil(n / stride)`; `compute_output_shape` states the real one), the
    last of which (when `(n - 3) % stride == 0`, e.g. stride 1) holds the first element
    of the other axes' windows instead of their maximum.
    """

    pool_mode = "max"


@serializable
class AveragePooling3D(_BasePooling3D):
    """Keras 1's AveragePooling3D; arguments as `MaxPooling3D`.

    Keras 1 behaviour: Theano's 'same' with a pool size of 1 drops steps as in
    `MaxPooling3D`, and its last output there is NaN (Theano divided 0 by 0).
    """

    pool_mode = "avg"
