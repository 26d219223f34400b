"""Keras 1 regularizers: objects, helper functions and their serialized Keras 1 forms.

A Keras 1 weight penalty is sum(l1 * |w|) + sum(l2 * w**2). Activity penalties have the same
form, summed over the whole batch (Keras 3's `activity_regularizer` divides by the batch
size; the layers of this package add Keras 1's sum instead).
"""

import keras
import numpy as np


@keras.saving.register_keras_serializable(package="legacy_conv")
class Regularizer(keras.regularizers.Regularizer):
    """Keras 1's base regularizer: no penalty."""

    def __call__(self, x):
        return keras.ops.convert_to_tensor(0.0)

    def get_config(self):
        return {"name": type(self).__name__}

    @classmethod
    def from_config(cls, config):
        config = {k: v for k, v in config.items() if k != "name"}
        return cls(**config)


@keras.saving.register_keras_serializable(package="legacy_conv")
class L1L2Regularizer(Regularizer):
    """Keras 1's `L1L2Regularizer` (also `WeightRegularizer` and `ActivityRegularizer`)."""

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = float(np.float32(l1))
        self.l2 = float(np.float32(l2))

    def __call__(self, x):
        penalty = keras.ops.convert_to_tensor(0.0)
        if self.l1:
            penalty += keras.ops.sum(self.l1 * keras.ops.abs(x))
        if self.l2:
            penalty += keras.ops.sum(self.l2 * keras.ops.square(x))
        return penalty

    def get_config(self):
        return {"name": type(self).__name__, "l1": self.l1, "l2": self.l2}


@keras.saving.register_keras_serializable(package="legacy_conv")
class BatchSummed(keras.regularizers.Regularizer):
    """A Keras 1 activity penalty for a Keras 3 built-in layer's `activity_regularizer`.

    Keras 3 divides activity penalties by the batch size; this multiplies it back, so the
    loss holds Keras 1's sum over the whole batch.
    """

    def __init__(self, regularizer):
        self.regularizer = (regularizer if isinstance(regularizer, Regularizer)
                            else keras.saving.deserialize_keras_object(regularizer))

    def __call__(self, x):
        batch = keras.ops.cast(keras.ops.shape(x)[0], "float32")
        return self.regularizer(x) * batch

    def get_config(self):
        return {"regularizer": keras.saving.serialize_keras_object(self.regularizer)}


WeightRegularizer = L1L2Regularizer
ActivityRegularizer = L1L2Regularizer


def l1(l=0.01):
    return L1L2Regularizer(l1=l)


def l2(l=0.01):
    return L1L2Regularizer(l2=l)


def l1l2(l1=0.01, l2=0.01):
    return L1L2Regularizer(l1=l1, l2=l2)


activity_l1 = l1
activity_l2 = l2
activity_l1l2 = l1l2

# Names a Keras 1 config or script may use; Keras 1 called them with no arguments.
REGULARIZERS = {
    "Regularizer": Regularizer,
    "L1L2Regularizer": L1L2Regularizer,
    "WeightRegularizer": L1L2Regularizer,
    "ActivityRegularizer": L1L2Regularizer,
    "l1": l1,
    "l2": l2,
    "l1l2": l1l2,
    "activity_l1": activity_l1,
    "activity_l2": activity_l2,
    "activity_l1l2": activity_l1l2,
}


def get(identifier):
    """Keras 1's `regularizers.get`: None, an instance, a name, or a config dict with 'name'."""
    from legacy_conv import _registry

    return _registry.get("regularizer", REGULARIZERS, Regularizer, identifier)
