"""Keras 1's `keras.backend.common`: the settings, shared with Keras 3 and this package.

`floatx` and `epsilon` are Keras 3's (`keras.config`), so what a Keras 1 script sets, the
Keras 3 layers it builds use; `image_dim_ordering` is `legacy_conv`'s (what
`dim_ordering='default'` means to this package's layers).
"""

import keras
import numpy as np

from legacy_conv import _validation
from legacy_conv import backend as _settings
from legacy_conv.spec import backend as spec

image_dim_ordering = _settings.image_dim_ordering
set_image_dim_ordering = _settings.set_image_dim_ordering


def floatx():
    """Keras 1's `floatx()`: the default float type ('float32')."""
    return keras.config.floatx()


def set_floatx(floatx):
    """Keras 1's `set_floatx(floatx)`: 'float16', 'float32' or 'float64'."""
    keras.config.set_floatx(_validation.check_choice("set_floatx", "floatx", floatx, spec.FLOATXS))


def epsilon():
    """Keras 1's `epsilon()`: the fuzz factor (1e-7)."""
    return keras.config.epsilon()


def set_epsilon(e):
    """Keras 1's `set_epsilon(e)`."""
    keras.config.set_epsilon(float(_validation.check_number("set_epsilon", "e", e)))


def cast_to_floatx(x):
    """Keras 1's `cast_to_floatx(x)`: a NumPy array of `floatx()`."""
    return np.asarray(x, dtype=floatx())


_UIDS = {}


def get_uid(prefix=""):
    """Keras 1's `get_uid(prefix)`: 1, 2, ... per prefix, from 1 again after `reset_uids()`
    or a `clear_session()` (Keras 1's, or Keras 3's `keras.backend.clear_session()`, which
    restarts the count Keras 3 keeps here)."""
    if keras.backend.get_uid("legacy_conv_keras1_uids") == 1:  # a new Keras 3 session
        _UIDS.clear()
    _UIDS[prefix] = _UIDS.get(prefix, 0) + 1
    return _UIDS[prefix]


def reset_uids():
    """Keras 1's `reset_uids()`: every prefix's count back to 0."""
    _UIDS.clear()


def auto_name(prefix, separator="_"):
    """The name Keras 1 gave what was built without one: `prefix`, `separator`, then
    `get_uid(prefix)` (layers: their class name lower-cased, `dense_1`; `Input`: 'input';
    `Sequential`: 'sequential_' joined with '')."""
    return f"{prefix}{separator}{get_uid(prefix)}"


_LEGACY = {"weight_ordering": False}


def legacy_weight_ordering():
    """Keras 1's `legacy_weight_ordering()`: the setting (False unless set)."""
    return _LEGACY["weight_ordering"]


def set_legacy_weight_ordering(value):
    """Keras 1's `set_legacy_weight_ordering(value)`: True or False (Keras 1 asserted it)."""
    if value not in (True, False):
        raise _validation.argument_error("set_legacy_weight_ordering", "value", value,
                                         "must be True or False")
    _LEGACY["weight_ordering"] = bool(value)


def is_keras_tensor(x):
    """Keras 1's `is_keras_tensor(x)`: a symbolic tensor of a Keras model."""
    return keras.backend.is_keras_tensor(x)
