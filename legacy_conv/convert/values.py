"""Keras 1 argument values → Keras 3 values, one small converter per kind of value.

Each converter takes `(value, where)` — `where` is a function that builds a ConversionError
for the current layer and field — and returns the Keras 3 value or raises.
"""

import numbers

import keras

from legacy_conv import activations
from legacy_conv import backend
from legacy_conv import constraints
from legacy_conv import initializers
from legacy_conv import regularizers
from legacy_conv.errors import shown
from legacy_conv.spec import merge as merge_spec

DATA_FORMATS = {"th": "channels_first", "tf": "channels_last"}


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _int(value, where, minimum=1):
    if not _is_int(value) or value < minimum:
        raise where("must be a positive integer", value)
    return int(value)


def _ints(value, where):
    if not isinstance(value, (list, tuple)) or not all(_is_int(v) and v >= 0 for v in value):
        raise where("must be a list of non-negative integers", value)
    return [int(v) for v in value]


def _shape(value, where):
    """A Reshape target: positive integers and at most one -1 (Keras 1 infers that one)."""
    if not isinstance(value, (list, tuple)) or not all(
            _is_int(v) and (v >= 1 or v == -1) for v in value) or list(value).count(-1) > 1:
        raise where("must be a list of positive integers with at most one -1", value)
    return [int(v) for v in value]


def _float(value, where):
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        raise where("must be a number", value)
    return float(value)


def _rate(value, where):
    """Keras 1's dropout rates drop nothing outside (0, 1) (`if 0. < self.p < 1.`)."""
    rate = _float(value, where)
    return rate if 0.0 < rate < 1.0 else 0.0


def _bool(value, where):
    if not isinstance(value, (bool, int)):
        raise where("must be true or false", value)
    return bool(value)


def _padding(value, where):
    if value not in ("valid", "same"):
        raise where("must be 'valid' or 'same'", value)
    return value


def _data_format(value, where):
    if value == "default":
        value = backend.image_dim_ordering()
    if not isinstance(value, str) or value not in DATA_FORMATS:
        raise where("must be 'th' or 'tf'", value)
    return DATA_FORMATS[value]


def _serialized(make, value, where, kind):
    try:
        obj = make(value)
    except (ValueError, TypeError) as error:
        raise where(f"is not a Keras 1 {kind} ({str(error)[:200]})", value) from None
    return None if obj is None else keras.saving.serialize_keras_object(obj)


def _custom(value, custom_objects):
    """A user-supplied Keras 3 object standing in for a Keras 1 function saved by name."""
    if isinstance(value, str) and value in custom_objects:
        return keras.saving.serialize_keras_object(custom_objects[value])
    return None


def _init(value, where, custom_objects=()):
    custom = _custom(value, custom_objects)
    if custom is not None:
        return custom
    if not isinstance(value, str) or value not in initializers.INITIALIZATIONS:
        known = ", ".join(sorted(initializers.INITIALIZATIONS))
        raise where(f"must be a Keras 1 initialization name ({known})", value,
                    hint=f"For a function of your own, pass custom_objects={{{shown(value)}: "
                         "a Keras 3 initializer}")
    return keras.saving.serialize_keras_object(
        initializers.Keras1Initializer(value, dim_ordering="tf"))


def _activation(value, where, custom_objects=(), keras1_backend="tensorflow"):
    if value is None:
        return "linear"
    custom = _custom(value, custom_objects)
    if custom is not None:
        return custom
    if not isinstance(value, str) or value not in activations.ACTIVATIONS:
        known = ", ".join(activations.ACTIVATIONS)
        raise where(f"must be a Keras 1 activation name ({known})", value,
                    hint=f"For a function of your own, pass custom_objects={{{shown(value)}: "
                         "function}")
    return activations.keras3_activation(value, keras1_backend)


def _regularizer(value, where):
    return _serialized(regularizers.get, value, where, "regularizer")


def _activity_regularizer(value, where):
    def make(v):
        penalty = regularizers.get(v)
        return None if penalty is None else regularizers.BatchSummed(penalty)
    return _serialized(make, value, where, "activity regularizer")


def _constraint(value, where):
    return _serialized(constraints.get, value, where, "constraint")


def _int_any(value, where):
    if not _is_int(value):
        raise where("must be an integer", value)
    return int(value)


def _none(value, where):
    if value is not None:
        raise where("cannot be converted: it holds Python code or a shape function that "
                    "Keras 1 marshalled, which is never executed", value)
    return None


def _arguments(value, where):
    """A Lambda's `arguments`: keywords of plain data, as Keras 1 saved them. Keras 3
    deserializes every {'class_name': ...} dict in them (a `__lambda__` one is marshalled
    code, run where unsafe deserialization is on), so none may reach it."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise where("must be a dict of keyword arguments", value)
    stack = [value]
    while stack:  # bounded: the whole config was (model_config.check_bounds)
        item = stack.pop()
        if isinstance(item, dict):
            if any(k == "class_name" or str(k).startswith("__") for k in item):
                raise where("must hold plain data (numbers, strings, lists, dicts); it "
                            "holds a serialized object or function, which is never "
                            "deserialized", value, hint="Pass such objects in code")
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return value


def _merge_mode(value, where):
    if value not in merge_spec.MODES:
        raise where(
            f"must be one of {', '.join(map(repr, merge_spec.MODES))}; a Keras 1 merge with a "
            "Python function as its mode holds marshalled code, which is never executed. "
            "Rebuild that merge as a Keras 3 layer in code", value)
    return value


CONVERTERS = {
    "int": _int,
    "int_or_none": lambda v, where: None if v is None else _int(v, where),
    "ints": _ints,
    "shape": _shape,
    "ints_or_none": lambda v, where: None if v is None else _ints(v, where),
    "float": _float,
    "rate": _rate,
    "bool": _bool,
    "padding": _padding,
    "data_format": _data_format,
    "init": _init,
    "activation": _activation,
    "regularizer": _regularizer,
    "activity_regularizer": _activity_regularizer,
    "constraint": _constraint,
    "int_any": _int_any,
    "any": lambda v, where: v,
    "none": _none,
    "merge_mode": _merge_mode,
    "arguments": _arguments,
}


# Kinds that may name a function of the user's, looked up in `custom_objects`.
CUSTOMIZABLE = ("init", "activation")


# Kinds whose Keras 3 value depends on the Keras 1 backend (Theano's gradients at kinks).
BY_BACKEND = ("activation",)


def convert(kind, value, where, custom_objects=(), keras1_backend="tensorflow"):
    if kind in BY_BACKEND:
        return CONVERTERS[kind](value, where, custom_objects, keras1_backend)
    if kind in CUSTOMIZABLE:
        return CONVERTERS[kind](value, where, custom_objects)
    return CONVERTERS[kind](value, where)
