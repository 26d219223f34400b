"""Keras 1's `keras.backend` (`from keras import backend as K`): Keras 1.2.2's functions,
arguments and defaults on TensorFlow 2 and Keras 3 (`tensorflow_backend`), its settings
(`common`).

`backend()` is 'tensorflow', what computes; the Keras 1 backend whose numbers are
reproduced where Keras 1's Theano and TensorFlow backends differed (convolution, pooling,
`batch_dot`) is `legacy_conv.keras1_backend()`.
"""

import inspect

from legacy_conv.keras1.backend import common as _common
from legacy_conv.keras1.backend import tensorflow_backend as _functions

for _module in (_common, _functions):
    globals().update({name: value for name, value in vars(_module).items()
                      if not name.startswith("_") and not inspect.ismodule(value)})
del inspect, _module


def backend():
    """Keras 1's `backend()`: 'tensorflow' (see `legacy_conv.keras1_backend()`)."""
    return "tensorflow"
