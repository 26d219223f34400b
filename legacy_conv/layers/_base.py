"""What every Keras 1 layer of this package shares: Keras 1's layer keywords and weights."""

import keras
import numpy as np

from legacy_conv.load import fill
from legacy_conv import _validation
from legacy_conv.spec.layers import LAYER_KEYWORDS


class Keras1Layer(keras.layers.Layer):
    """A Keras 3 layer that takes Keras 1's layer keywords.

    `input_shape` / `batch_input_shape` make the layer usable first in a `Sequential` model,
    `input_dtype` is recorded, `name` and `trainable` are Keras 3's.
    """

    def __init__(self, input_shape=None, batch_input_shape=None, input_dtype=None,
                 name=None, trainable=True, dtype=None, **kwargs):
        if kwargs:
            allowed = ", ".join(LAYER_KEYWORDS)
            raise TypeError(
                f"{type(self).__name__}: unexpected keyword argument(s) {sorted(kwargs)}. "
                f"Besides its own arguments, a Keras 1 layer accepts: {allowed}"
            )
        if not name:  # Keras 1's name: `convolution2d_1`, ... (its `K.get_uid` counts)
            from legacy_conv.keras1.backend.common import auto_name

            name = auto_name(type(self).__name__.lower())
        super().__init__(name=name, trainable=trainable, dtype=dtype)
        owner = _validation.owner_name(self)
        if batch_input_shape is not None:
            batch_input_shape = self._check_shape(owner, "batch_input_shape", batch_input_shape)
        elif input_shape is not None:
            batch_input_shape = (None,) + self._check_shape(owner, "input_shape", input_shape)
        self._batch_input_shape = batch_input_shape
        self._input_dtype = input_dtype
        if batch_input_shape is not None:
            self._input_shape_arg = batch_input_shape[1:]

    @staticmethod
    def _check_shape(owner, arg, shape):
        if not isinstance(shape, (tuple, list)) or not all(
            d is None or (_validation.is_int(d) and d > 0) for d in shape
        ):
            raise _validation.argument_error(
                owner, arg, shape, "must be a tuple of positive integers or None"
            )
        return tuple(None if d is None else int(d) for d in shape)

    def __call__(self, inputs, *args, **kwargs):
        shape = getattr(inputs, "shape", None)
        ndim = getattr(self, "rank", None)
        if ndim is not None and shape is not None and len(shape) != ndim + 2:
            layout = ("(samples, steps, channels)" if ndim == 1 else
                      f"(samples, channels, {ndim} spatial axes) for 'th' or "
                      f"(samples, {ndim} spatial axes, channels) for 'tf'")
            raise _validation.argument_error(
                self.owner, "input", f"<tensor of shape {tuple(shape)}>",
                f"must be a {ndim + 2}D tensor {layout}")
        return super().__call__(inputs, *args, **kwargs)

    @property
    def owner(self):
        return _validation.owner_name(self)

    def set_weights(self, weights):
        """Sets the weights from arrays in the Keras 1 layout (see `get_weights()`)."""
        variables = self.weights
        expected = [tuple(v.shape) for v in variables]
        if not isinstance(weights, (list, tuple)) or len(weights) != len(variables):
            count = len(weights) if isinstance(weights, (list, tuple)) else type(weights).__name__
            raise _validation.argument_error(
                self.owner, "weights", f"<{count} arrays>",
                f"must be a list of {len(variables)} arrays of shapes {expected} "
                "(the Keras 1 layout)",
            )
        arrays = [np.asarray(w) for w in weights]
        for index, (variable, array) in enumerate(zip(variables, arrays)):
            if tuple(array.shape) != tuple(variable.shape):
                raise _validation.argument_error(
                    self.owner, f"weights[{index}]", f"<array of shape {array.shape}>",
                    f"({variable.path}) must have the Keras 1 shape {tuple(variable.shape)}",
                )
        for variable, array in zip(variables, arrays):
            fill.assign(variable, array)

    def get_config(self):
        config = {"name": self.name, "trainable": self.trainable}
        if self._batch_input_shape is not None:
            config["batch_input_shape"] = self._batch_input_shape
            config["input_dtype"] = self._input_dtype or "float32"
        return config


class Keras1Elementwise(Keras1Layer):
    """A Keras 1 layer that maps each element alone: any input shape is its output shape,
    masks pass through, and `get_config` holds the attributes named in `CONFIG_KEYS`."""

    CONFIG_KEYS = ()

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({key: getattr(self, key) for key in self.CONFIG_KEYS})
        return config
