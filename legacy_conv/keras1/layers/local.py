"""Keras 1's `keras.layers.local`, with Keras 1's meaning (see `legacy_conv.keras1`)."""

from legacy_conv.keras1 import _adapters

globals().update(_adapters.exports("keras.layers.local"))
__all__ = list(_adapters.names("keras.layers.local"))
