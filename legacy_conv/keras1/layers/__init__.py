"""Keras 1's `keras.layers`: every Keras 1.2.2 layer class, `Input` and `merge`, with Keras 1's
meaning; its submodules mirror Keras 1's (`core`, `convolutional`, `recurrent`, ...)."""

from legacy_conv.keras1 import _adapters

globals().update(_adapters.exports("keras.layers"))
__all__ = list(_adapters.names("keras.layers"))
