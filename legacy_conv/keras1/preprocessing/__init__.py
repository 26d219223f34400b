"""Keras 1.2.2's `keras.preprocessing`: `sequence`, `text` and `image`, NumPy code with
Keras 1's arguments, defaults and random streams (NumPy's and Python's global generators:
the same seeds give Keras 1's batches, pairs and transforms)."""

from legacy_conv.keras1.preprocessing import image, sequence, text  # noqa: F401
