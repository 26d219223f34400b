"""Keras 1's `keras.engine`: `Input`, `InputLayer`, `Merge`, `merge`."""

from legacy_conv.keras1 import _adapters

globals().update(_adapters.exports("keras.engine"))
__all__ = list(_adapters.names("keras.engine"))
