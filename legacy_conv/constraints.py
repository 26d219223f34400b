"""Keras 1 constraints, applied after each optimizer step, with Keras 1's default axes.

`maxnorm`/`MaxNorm` and `unitnorm`/`UnitNorm` default to axis=0 of the weight in its Keras 1
layout (for a 'th' Convolution2D kernel `(nb_filter, stack, rows, cols)`, that is the filter
axis), and divide by `1e-7 + norm` as Keras 1 did.
"""

import keras

EPSILON = 1e-7


@keras.saving.register_keras_serializable(package="legacy_conv")
class Constraint(keras.constraints.Constraint):
    """Keras 1's base constraint: the identity."""

    def __call__(self, w):
        return w

    def get_config(self):
        return {"name": type(self).__name__}

    @classmethod
    def from_config(cls, config):
        return cls(**{k: v for k, v in config.items() if k != "name"})


def _norms(w, axis):
    return keras.ops.sqrt(keras.ops.sum(keras.ops.square(w), axis=axis, keepdims=True))


@keras.saving.register_keras_serializable(package="legacy_conv")
class MaxNorm(Constraint):
    def __init__(self, m=2, axis=0):
        self.m = m
        self.axis = axis

    def __call__(self, w):
        norms = _norms(w, self.axis)
        return w * (keras.ops.clip(norms, 0, self.m) / (EPSILON + norms))

    def get_config(self):
        return {"name": "MaxNorm", "m": self.m, "axis": self.axis}


@keras.saving.register_keras_serializable(package="legacy_conv")
class NonNeg(Constraint):
    def __call__(self, w):
        return w * keras.ops.cast(w >= 0.0, w.dtype)


@keras.saving.register_keras_serializable(package="legacy_conv")
class UnitNorm(Constraint):
    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        return w / (EPSILON + _norms(w, self.axis))

    def get_config(self):
        return {"name": "UnitNorm", "axis": self.axis}


@keras.saving.register_keras_serializable(package="legacy_conv")
class MinMaxNorm(Constraint):
    def __init__(self, low=0.0, high=1.0, rate=1.0, axis=0):
        self.low, self.high, self.rate, self.axis = low, high, rate, axis

    def __call__(self, w):
        norms = _norms(w, self.axis)
        desired = self.rate * keras.ops.clip(norms, self.low, self.high) + (1 - self.rate) * norms
        return w * (desired / (EPSILON + norms))

    def get_config(self):
        return {"name": "MinMaxNorm", "low": self.low, "high": self.high,
                "rate": self.rate, "axis": self.axis}


maxnorm = MaxNorm
nonneg = NonNeg
unitnorm = UnitNorm

CONSTRAINTS = {
    "Constraint": Constraint,
    "MaxNorm": MaxNorm,
    "NonNeg": NonNeg,
    "UnitNorm": UnitNorm,
    "MinMaxNorm": MinMaxNorm,
    "maxnorm": MaxNorm,
    "nonneg": NonNeg,
    "unitnorm": UnitNorm,
}


def get(identifier):
    """Keras 1's `constraints.get`: None, an instance, a name, or a config dict with 'name'."""
    from legacy_conv import _registry

    return _registry.get("constraint", CONSTRAINTS, Constraint, identifier)
