"""Keras 1's `keras.engine.topology`: `Input`, `InputLayer`, `Merge`, `merge`, and the base
`Layer` and `InputSpec` that users' own Keras 1 layers are written against.

A Keras 1 custom layer (`__init__(**kwargs)`, `build(input_shape)` making weights with
`add_weight` or `K.variable` and listing them in `trainable_weights`, `call(x, mask=None)`,
`get_output_shape_for`, `compute_mask`) subclasses this `Layer` unchanged and is a Keras 3
layer: it runs in Keras 3 models and in the Keras 1 models of this package.
"""

import functools
import inspect
import warnings

import keras

from legacy_conv import initializers
from legacy_conv.keras1 import _adapters
from legacy_conv.keras1.backend import tensorflow_backend as K
from legacy_conv.keras1.backend.common import auto_name, floatx
from legacy_conv.spec import layers as layer_spec

globals().update(_adapters.exports("keras.engine.topology"))
# (`Layer` and `InputSpec` are importable by name; `__all__` keeps to the layer API's names.)
__all__ = list(_adapters.names("keras.engine.topology"))

# What Keras 1's `Layer.__init__` set before a subclass could: kept through Keras 3's.
_KEPT_THROUGH_INIT = ("_supports_masking", "input_spec")


class Container:
    """Keras 1's `Container` methods that write a model's Keras 1 config (`engine.config`),
    mixed into the namespace's `Sequential` and `Model`."""

    def to_json(self, **kwargs):
        """Keras 1's `to_json(**kwargs)`: Keras 1's model config as JSON, with `class_name`
        and `keras_version`, which Keras 1's `model_from_json` and this package's read."""
        from legacy_conv.keras1.engine import config
        return config.to_json(self, **kwargs)

    def to_yaml(self, **kwargs):
        """Keras 1's `to_yaml(**kwargs)`: the same as YAML."""
        from legacy_conv.keras1.engine import config
        return config.to_yaml(self, **kwargs)


@keras.saving.register_keras_serializable(package="legacy_conv")
class InputSpec(keras.InputSpec):
    """Keras 1's `InputSpec(dtype=None, shape=None, ndim=None)`: what a layer accepts."""

    def __init__(self, dtype=None, shape=None, ndim=None):
        super().__init__(dtype=dtype, shape=shape, ndim=ndim)


class _Constraints(dict):
    """Keras 1's `layer.constraints` ({weight: constraint}): Keras 3's variables are not
    hashable, so they are keyed by identity; each constraint is also the variable's, which
    Keras 3's optimizers apply after each update, as Keras 1's did."""

    def __setitem__(self, weight, constraint):
        weight.constraint = constraint
        super().__setitem__(id(weight), (weight, constraint))

    def __getitem__(self, weight):
        return super().__getitem__(id(weight))[1]

    def __contains__(self, weight):
        return super().__contains__(id(weight))

    def items(self):
        return list(super().values())


_REGULARIZERS_DEPRECATED = (
    "The `regularizers` property of layers/models is deprecated. Regularization losses are "
    "now managed via the `losses` layer/model property.")


class _LostRegularizers(list):
    """What Keras 1.2.2's `layer.regularizers` gave: a new empty list each time; adding to it
    warns as Keras 1.2.2 did (here only then, not whenever Keras 3 reads the attribute)."""

    def _lost(self, *args):
        warnings.warn(_REGULARIZERS_DEPRECATED)

    append = extend = __iadd__ = _lost


def _with_learning_phase(call):
    """A Keras 1 `call(x, mask=None)` as a Keras 3 call: Keras 3's `training` flag is Keras 1's
    learning phase while it runs (`K.in_train_phase`), and a mask given to a layer that does not
    support masking is Keras 1's error."""
    signature = inspect.signature(call)
    takes_training = "training" in signature.parameters

    @functools.wraps(call)
    def wrapper(self, *args, training=None, **kwargs):
        Layer.compute_mask(self, None, kwargs.get("mask"))
        if takes_training:
            kwargs["training"] = training
        if training is None:
            return call(self, *args, **kwargs)
        with K.phase_fed(training):
            return call(self, *args, **kwargs)

    if not takes_training:
        wrapper.__signature__ = signature.replace(parameters=[
            *signature.parameters.values(),
            inspect.Parameter("training", inspect.Parameter.KEYWORD_ONLY, default=None)])
    return wrapper


@keras.saving.register_keras_serializable(package="legacy_conv")
class Layer(keras.layers.Layer):
    """Keras 1's base `Layer(**kwargs)`, for users' own layers, as a Keras 3 layer.

    Args:
        **kwargs: Keras 1's layer keywords: `input_shape`, `batch_input_shape`,
            `input_dtype`, `name`, `trainable` (and Keras 3's `dtype`, for configs).

    Keras 1 behaviour:
        - the weights are what `add_weight` made or what `build` listed in
          `self.trainable_weights` / `self.non_trainable_weights`, in that order (a
          `K.variable` listed nowhere is no weight);
        - `add_weight(shape, initializer, name, trainable, regularizer, constraint)` takes
          Keras 1's order and initializer names ('uniform' is U(-0.05, 0.05));
        - `supports_masking` is False unless set; a masked input then raises;
        - `regularizers` is Keras 1.2.2's deprecated property: always [] (what is appended
          to it is lost, with Keras 1.2.2's warning); penalties come from `add_weight` or
          `add_loss`;
        - `get_config()` is Keras 1's: name, trainable (and the input shape and dtype given);
        - unnamed, it is named as Keras 1 named it: its class name lower-cased, `_`, then
          `K.get_uid` of that (`mylayer_1`, `mylayer_2`, ...).
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "call" in cls.__dict__ and not hasattr(cls.__dict__["call"], "__wrapped__"):
            cls.call = _with_learning_phase(cls.__dict__["call"])

    def __init__(self, **kwargs):
        for kwarg in kwargs:
            if kwarg not in layer_spec.LAYER_KEYWORDS and kwarg != "dtype":
                raise TypeError("Keyword argument not understood:", kwarg)
        kept = {k: self.__dict__[k] for k in _KEPT_THROUGH_INIT if k in self.__dict__}
        shape = kwargs.get("batch_input_shape")
        if shape is None and kwargs.get("input_shape") is not None:
            shape = (None,) + tuple(kwargs["input_shape"])
        super().__init__(name=kwargs.get("name") or auto_name(type(self).__name__.lower()),
                         trainable=kwargs.get("trainable", True),
                         dtype=kwargs.get("dtype"),
                         **({} if shape is None else {"input_shape": tuple(shape)[1:]}))
        self._supports_masking = False
        self.__dict__.update(kept)
        self._keras1_input = {} if shape is None else {
            "batch_input_shape": tuple(shape), "input_dtype": kwargs.get("input_dtype") or floatx()}
        self._keras1_weights = {True: [], False: []}
        self.constraints = _Constraints()

    # -- weights, Keras 1's way ---------------------------------------------------------------
    def add_weight(self, shape, initializer, name=None, trainable=True, regularizer=None,
                   constraint=None):
        """Keras 1's `add_weight(shape, initializer, name=None, trainable=True,
        regularizer=None, constraint=None)`; `initializer` a Keras 1 name or function."""
        weight = super().add_weight(
            shape=tuple(shape), initializer=initializers.Keras1Initializer(initializer, "th"),
            name=name, trainable=trainable, regularizer=regularizer, constraint=constraint)
        self._keras1_weights[bool(trainable)].append(weight)
        if constraint is not None:
            self.constraints[weight] = constraint
        return weight

    def _listed(self, trainable, weights):
        self._keras1_weights[trainable] = list(weights)
        for weight in weights:
            weight.trainable = trainable and self.trainable

    def _sublayer_weights(self):
        return [w for layer in self._layers for w in layer.weights]

    @property
    def trainable_weights(self):
        if not self.trainable:
            return []
        return self._keras1_weights[True] + [
            w for w in self._sublayer_weights() if w.trainable]

    @trainable_weights.setter
    def trainable_weights(self, weights):
        self._listed(True, weights)

    @property
    def non_trainable_weights(self):
        own = self._keras1_weights[False]
        if not self.trainable:
            return self._keras1_weights[True] + own + self._sublayer_weights()
        return own + [w for w in self._sublayer_weights() if not w.trainable]

    @non_trainable_weights.setter
    def non_trainable_weights(self, weights):
        self._listed(False, weights)

    @property
    def weights(self):
        return self.trainable_weights + self.non_trainable_weights

    @property
    def regularizers(self):
        """Keras 1.2.2's deprecated property: an empty list; what is added to it is lost."""
        return _LostRegularizers()

    @regularizers.setter
    def regularizers(self, _):
        warnings.warn(_REGULARIZERS_DEPRECATED)

    def add_loss(self, losses, inputs=None):
        """Keras 1's `add_loss(losses, inputs=None)`: a tensor or a list of them."""
        if losses is None:
            return
        for loss in losses if isinstance(losses, (list, tuple)) else [losses]:
            super().add_loss(loss)

    # -- Keras 1's methods, which Keras 3's call ------------------------------------------------
    def build(self, input_shape):
        self.built = True

    def call(self, x, mask=None):
        return x

    def get_output_shape_for(self, input_shape):
        """Keras 1's `get_output_shape_for(input_shape)`: the input's shape by default."""
        return input_shape

    def compute_output_shape(self, input_shape):
        return self.get_output_shape_for(input_shape)

    def compute_output_spec(self, *args, **kwargs):
        Layer.compute_mask(self, None, kwargs.get("mask"))  # Keras 1's error, when building
        return super().compute_output_spec(*args, **kwargs)

    def compute_mask(self, input, input_mask=None):
        """Keras 1's `compute_mask(input, input_mask=None)`: the input's mask where
        `supports_masking`, else None (a mask given then raises)."""
        if not self.supports_masking:
            if any(m is not None for m in keras.tree.flatten(input_mask)):
                raise ValueError(f"Layer {self.name} does not support masking, but was "
                                 f"passed an input_mask: {input_mask}")
            return None
        return input_mask

    def get_config(self):
        return {"name": self.name, "trainable": self.trainable, **self._keras1_input}

    @classmethod
    def from_config(cls, config):
        return cls(**config)
