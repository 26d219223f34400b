"""Keras 1.2.2's `keras.regularizers`: this package's Keras 1 regularizers (sums over the
weights, activity penalties summed over the batch), `get` included."""

from legacy_conv.regularizers import (  # noqa: F401
    ActivityRegularizer, L1L2Regularizer, Regularizer, WeightRegularizer, get, l1, l1l2, l2)
from legacy_conv.regularizers import activity_l1, activity_l1l2, activity_l2  # noqa: F401
