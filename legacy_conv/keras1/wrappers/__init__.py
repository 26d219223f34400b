"""Keras 1.2.2's `keras.wrappers`: `scikit_learn`."""

from legacy_conv.keras1.wrappers import scikit_learn  # noqa: F401
