"""Keras 1 backend settings: which Keras 1 backend to reproduce, and `image_dim_ordering`.

`keras1_backend` picks the numbers a layer reproduces: Keras 1.2.2 on TensorFlow
('tensorflow', the default) or on Theano ('theano'). The default comes from
`set_keras1_backend()`, else the environment variable `LEGACY_CONV_KERAS1_BACKEND`,
else 'tensorflow'.

`image_dim_ordering` is what `dim_ordering='default'` means, as in Keras 1: the value set
with `set_image_dim_ordering()`, else `image_dim_ordering` in `$KERAS_HOME/keras.json`
(else `~/.keras/keras.json`), else 'tf'.
"""

import json
import os

from legacy_conv import _validation

KERAS1_BACKENDS = ("tensorflow", "theano")
DIM_ORDERINGS = ("th", "tf")
ENV_VAR = "LEGACY_CONV_KERAS1_BACKEND"

_state = {"keras1_backend": None, "image_dim_ordering": None}


def set_keras1_backend(value):
    """Sets the default Keras 1 backend ('tensorflow' or 'theano'); None restores the default."""
    if value is not None:
        _validation.check_choice("set_keras1_backend", "value", value, KERAS1_BACKENDS)
    _state["keras1_backend"] = value


def keras1_backend():
    """Returns the default Keras 1 backend that layers reproduce."""
    if _state["keras1_backend"] is not None:
        return _state["keras1_backend"]
    value = os.environ.get(ENV_VAR)
    if value:
        _validation.check_choice(f"environment variable {ENV_VAR}", ENV_VAR, value, KERAS1_BACKENDS)
        return value
    return "tensorflow"


def resolve_keras1_backend(owner, value):
    """`value` if given (validated), else the default."""
    if value is None:
        return keras1_backend()
    return _validation.check_choice(owner, "keras1_backend", value, KERAS1_BACKENDS)


def _keras_json_path():
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return os.path.join(home, "keras.json")


def _read_keras_json():
    path = _keras_json_path()
    try:
        with open(path) as f:
            config = json.load(f)
    except (OSError, ValueError):
        return None
    value = config.get("image_dim_ordering") if isinstance(config, dict) else None
    if value is None:
        return None
    return _validation.check_choice(f"keras.json ({path})", "image_dim_ordering", value, DIM_ORDERINGS)


def image_dim_ordering():
    """Keras 1's `image_dim_ordering()`: 'th' or 'tf'."""
    if _state["image_dim_ordering"] is None:
        return _read_keras_json() or "tf"
    return _state["image_dim_ordering"]


def set_image_dim_ordering(dim_ordering):
    """Keras 1's `set_image_dim_ordering()`: sets what `dim_ordering='default'` means."""
    _state["image_dim_ordering"] = _validation.check_choice(
        "set_image_dim_ordering", "dim_ordering", dim_ordering, DIM_ORDERINGS
    )


def resolve_dim_ordering(owner, value):
    """Keras 1's handling of `dim_ordering`: 'default' reads `image_dim_ordering()`."""
    if value == "default":
        return image_dim_ordering()
    return _validation.check_choice(owner, "dim_ordering", value, DIM_ORDERINGS + ("default",))
