"""Keras 1's `keras.engine`: `Input`, `InputLayer`, `Merge`, `merge`, `Layer`, `InputSpec`."""

from legacy_conv.keras1 import _adapters
from legacy_conv.keras1.engine.topology import InputSpec, Layer  # noqa: F401

globals().update(_adapters.exports("keras.engine"))
__all__ = list(_adapters.names("keras.engine"))
