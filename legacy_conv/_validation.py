"""Argument checks: the only module that writes the text of argument errors.

Every message names who (layer class and name), the argument, what is accepted, and
ends with `Received: arg=value`.
"""

import numbers


def argument_error(owner, arg, value, expected, hint=None):
    message = f"{owner}: `{arg}` {expected}. Received: {arg}={value!r}"
    if hint:
        message += f". {hint}"
    return ValueError(message)


def check_choice(owner, arg, value, choices, hint=None):
    if not isinstance(value, str) or value not in choices:
        allowed = ", ".join(repr(c) for c in choices)
        raise argument_error(owner, arg, value, f"must be one of {allowed}", hint)
    return value


def is_int(value):
    """An integer that is not a bool (numpy integers included)."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def check_int(owner, arg, value, minimum=1):
    kind = "a positive integer" if minimum == 1 else "a non-negative integer"
    if not is_int(value) or value < minimum:
        raise argument_error(owner, arg, value, f"must be {kind}")
    return int(value)


def check_number(owner, arg, value):
    """A real number (not a bool) as a Python float; beyond float64, an infinite one."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise argument_error(owner, arg, value, "must be a number")
    try:
        return float(value)
    except OverflowError:  # an integer beyond float64: float32 computes it as infinite
        return float("inf") if value > 0 else float("-inf")


def check_release(owner, arg, value):
    """None or the name of a Keras 1 release, e.g. '1.0.8'."""
    if value is not None and not isinstance(value, str):
        raise argument_error(owner, arg, value,
                             "must be a Keras 1 release such as '1.0.8', or None")
    return value


def check_tuple(owner, arg, value, n, minimum=1):
    """A tuple or list of exactly `n` integers >= `minimum`."""
    kind = "positive" if minimum == 1 else "non-negative"
    expected = f"must be a tuple of {n} {kind} integers"
    if not isinstance(value, (tuple, list)) or len(value) != n:
        raise argument_error(owner, arg, value, expected)
    if not all(is_int(v) and v >= minimum for v in value):
        raise argument_error(owner, arg, value, expected)
    return tuple(int(v) for v in value)


def check_pairs(owner, arg, value, n):
    """`n` (before, after) pairs of non-negative integers, as a tuple of tuples."""
    expected = f"must be a tuple of {n} (before, after) pairs of non-negative integers"
    pairs_ok = isinstance(value, (tuple, list)) and len(value) == n and all(
        isinstance(p, (tuple, list)) and len(p) == 2 and all(is_int(v) and v >= 0 for v in p)
        for p in value
    )
    if not pairs_ok:
        raise argument_error(owner, arg, value, expected)
    return tuple((int(a), int(b)) for a, b in value)


def check_dict_keys(owner, arg, value, keys):
    unknown = sorted(set(value) - set(keys))
    if unknown:
        allowed = ", ".join(repr(k) for k in keys)
        raise argument_error(owner, arg, value, f"as a dict may only have the keys {allowed}")
    for key in keys:
        check_int(owner, f"{arg}[{key!r}]", value.get(key, 0), minimum=0)


def owner_name(layer):
    """'Convolution2D layer "conv1"' for messages."""
    return f'{type(layer).__name__} layer "{layer.name}"'
