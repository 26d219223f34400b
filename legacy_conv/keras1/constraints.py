"""Keras 1.2.2's `keras.constraints`: this package's Keras 1 constraints, `get` included."""

from legacy_conv.constraints import (  # noqa: F401
    Constraint, MaxNorm, MinMaxNorm, NonNeg, UnitNorm, get, maxnorm, nonneg, unitnorm)
