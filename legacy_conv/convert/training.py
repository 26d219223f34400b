"""What a Keras 1 `training_config` may hold, checked before anything is compiled
(`load.compile`, the one compile step of `load_model`, the CLI and the namespace): names
only, never a serialized object, so nothing in the file is deserialized by Keras."""

import numbers


def _number(value):
    return isinstance(value, numbers.Real)


def _is_names(value, nested):
    """A name, or (`nested` levels deep) a list or an {output: ...} dict of them."""
    if isinstance(value, str):
        return True
    if nested and isinstance(value, list):
        return all(_is_names(v, nested - 1) for v in value)
    if nested and isinstance(value, dict):
        return all(isinstance(k, str) and _is_names(v, nested - 1) for k, v in value.items())
    return False


def _is_weights(value):
    if isinstance(value, list):
        return all(_number(v) for v in value)
    return isinstance(value, dict) and all(
        isinstance(k, str) and _number(v) for k, v in value.items())


# What Keras 1 saved of each compile argument: (field, check, what it accepts).
FIELDS = (
    ("loss", lambda v: _is_names(v, 1), "a loss name, or a list or {output: name} dict of them"),
    ("metrics", lambda v: v is None or not isinstance(v, str) and _is_names(v, 2),
     "a list of metric names, or an {output: names} dict"),
    ("loss_weights", lambda v: v is None or _is_weights(v),
     "a list or {output: number} dict of numbers"),
)
