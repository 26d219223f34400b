"""`_BaseSpatial`: ZeroPadding, Cropping and UpSampling in 1D/2D/3D, written once.

Each public class gives its rank, its Keras 1 argument name and a normaliser that turns
every form Keras 1 accepted (int, tuple, 4-tuple, dict) into one amount per spatial axis.
"""

from keras import layers

from legacy_conv import _ops
from legacy_conv import _validation
from legacy_conv import backend
from legacy_conv.layers._base import Keras1Layer


class _BaseSpatial(Keras1Layer):
    rank = None
    arg = None  # Keras 1 argument name: 'padding', 'cropping', 'size' or 'length'
    spatial_op = None  # _ops.pad, crop or upsample: (x, amounts, first_axis=1)

    def __init__(self, value, dim_ordering=None, **kwargs):
        super().__init__(**kwargs)
        self.dim_ordering = (None if self.rank == 1
                             else backend.resolve_dim_ordering(self.owner, dim_ordering))
        self.value = value
        self.amounts = self.normalize(self.owner, value)
        self.input_spec = layers.InputSpec(ndim=self.rank + 2)

    @property
    def _first_axis(self):
        return 2 if self.dim_ordering == "th" else 1

    def _spatial_axes(self):
        return range(self._first_axis, self._first_axis + self.rank)

    def call(self, inputs):
        """`spatial_op` in the input's layout; for 'th', channels-last where the input is a
        channels-last result transposed (in a model, the previous 'th' layer's output), so
        that no transposes remain between the two layers."""
        source = _ops.channels_last_source(inputs) if self.dim_ordering == "th" else None
        if source is not None:
            return _ops.to_channels_first(self.spatial_op(source, self.amounts))
        return self.spatial_op(inputs, self.amounts, self._first_axis)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, amount in zip(self._spatial_axes(), self.amounts):
            shape[axis] = None if shape[axis] is None else self.new_length(shape[axis], amount)
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config[self.arg] = self.config_value()
        if self.dim_ordering is not None:
            config["dim_ordering"] = self.dim_ordering
        return config

    def config_value(self):
        return self.value


class _BaseZeroPadding(_BaseSpatial):
    arg = "padding"

    def new_length(self, length, amount):
        return length + amount[0] + amount[1]

    spatial_op = staticmethod(_ops.pad)


class _BaseCropping(_BaseSpatial):
    arg = "cropping"

    def new_length(self, length, amount):
        return length - amount[0] - amount[1]

    def build(self, input_shape):
        for axis, (before, after) in zip(self._spatial_axes(), self.amounts):
            length = input_shape[axis]
            if length is not None and before + after > length:
                raise _validation.argument_error(
                    self.owner, "cropping", self.config_value(),
                    f"crops {before + after} steps from input axis {axis}, which has only "
                    f"{length} (input shape {tuple(input_shape)})")

    spatial_op = staticmethod(_ops.crop)

    def config_value(self):
        return self.amounts if self.rank > 1 else self.amounts[0]


class _BaseUpSampling(_BaseSpatial):
    def new_length(self, length, amount):
        return length * amount

    spatial_op = staticmethod(_ops.upsample)

    def config_value(self):
        return self.amounts[0] if self.rank == 1 else self.amounts
