"""Keras 1's `keras.layers.noise`, with Keras 1's meaning (see `legacy_conv.keras1`)."""

from legacy_conv.keras1 import _adapters

globals().update(_adapters.exports("keras.layers.noise"))
__all__ = list(_adapters.names("keras.layers.noise"))
