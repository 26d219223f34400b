"""Keras 1's `keras.backend` (`from keras import backend as K`): Keras 1.2.2's functions,
arguments and defaults on TensorFlow 2 and Keras 3 (`tensorflow_backend`), its settings
(`common`).

`backend()` is 'tensorflow', what computes; the Keras 1 backend whose numbers are
reproduced where Keras 1's Theano and TensorFlow backends differed (convolution, pooling,
`batch_dot`) is `legacy_conv.keras1_backend()`.
"""

from legacy_conv.keras1.backend.common import *  # noqa: F401,F403
from legacy_conv.keras1.backend.common import (  # noqa: F401
    floatx, epsilon, image_dim_ordering, set_image_dim_ordering)
from legacy_conv.keras1.backend.tensorflow_backend import *  # noqa: F401,F403
from legacy_conv.keras1.backend import tensorflow_backend as _functions

globals().update({name: getattr(_functions, name) for name in dir(_functions)
                  if not name.startswith("_") and name not in ("tf", "np", "keras")})


def backend():
    """Keras 1's `backend()`: 'tensorflow' (see `legacy_conv.keras1_backend()`)."""
    return "tensorflow"
