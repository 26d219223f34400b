"""Python values and serialized Keras objects → source expressions (libcst nodes).

Floats are written as the shortest text that gives the same float32 (Keras computes in
float32: `0.01`, not `0.009999999776482582`). A Keras 3 initializer equal to one of Keras
3's names is written as that name ('glorot_uniform'); other objects as calls with their
non-default arguments (`keras.initializers.VarianceScaling(scale=2.0, ...)`). Objects of this
package are written with their module (`legacy_conv.initializers.Keras1Initializer(...)`).
"""

import functools
import importlib
import inspect
import sys

import libcst as cst
import numpy as np

# The Keras 3 object families a layer config may hold, by serialized module.
FAMILIES = ("keras.initializers", "keras.regularizers", "keras.constraints")
NO_SPACE = cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""),
                           whitespace_after=cst.SimpleWhitespace(""))
# Config keys that never reach a rendered object.
DROPPED_KEYS = ("seed",)


class Carried:
    """An expression of the source carried through unchanged (a pure rename)."""

    def __init__(self, node):
        self.node = node


def code(node):
    return cst.Module([]).code_for_node(node)


def number(value):
    """Source text of a number: a float as the shortest text with the same float32."""
    if isinstance(value, bool) or not isinstance(value, float):
        return repr(value)
    if np.isfinite(value) and float(np.float32(value)) == value:
        text = str(np.float32(value))
        if float(np.float32(float(text))) == value:
            return text
    return repr(value)


def argument(value, keyword=None):
    return cst.Arg(value=value, keyword=cst.Name(keyword) if keyword else None,
                   equal=NO_SPACE if keyword else cst.MaybeSentinel.DEFAULT)


def call(func, args=(), kwargs=()):
    """`func(*args, **kwargs)` from expression nodes (kwargs: (name, node) pairs)."""
    func = cst.parse_expression(func) if isinstance(func, str) else func
    return cst.Call(func=func, args=[argument(a) for a in args] +
                    [argument(v, k) for k, v in kwargs])


def expression(value, needs):
    """A libcst expression for `value`; `needs` collects the modules it refers to."""
    if isinstance(value, Carried):
        return value.node
    if isinstance(value, cst.BaseExpression):
        return value
    if value is None or isinstance(value, (bool, int, float)):
        return cst.parse_expression(number(value))
    if isinstance(value, str):
        return cst.SimpleString(repr(value))
    if isinstance(value, (list, tuple)):
        elements = [cst.Element(expression(v, needs)) for v in value]
        if len(elements) == 1:
            elements = [elements[0].with_changes(comma=cst.Comma())]
        return cst.Tuple(elements)
    if isinstance(value, dict) and "class_name" in value and "config" in value:
        return keras_object(value, needs)
    if isinstance(value, dict):
        return cst.Dict([cst.DictElement(expression(k, needs), expression(v, needs))
                         for k, v in value.items()])
    raise ValueError(f"cannot write {value!r} as source")


def keras_object(serialized, needs):
    """A serialized Keras object ({'module', 'class_name', 'config', ...}) as source."""
    import keras  # here: `--check` imports this module without TensorFlow

    registered = serialized.get("registered_name") or ""
    if serialized.get("class_name") == "function":
        target = keras.saving.get_registered_object(serialized["config"]) \
            if isinstance(serialized["config"], str) and ">" in serialized["config"] else None
        if target is None:
            return cst.SimpleString(repr(serialized["config"]))
        needs.add(target.__module__.split(".")[0])
        # a variant registered under another name than its own (activations.relu_theano)
        short = serialized["config"].split(">")[-1]
        name = short if getattr(sys.modules[target.__module__], short, None) is target \
            else target.__name__
        return cst.parse_expression(f"{target.__module__}.{name}")
    config = {k: v for k, v in (serialized.get("config") or {}).items()
              if k not in DROPPED_KEYS and v is not None}
    if registered.startswith("legacy_conv>"):
        cls = keras.saving.get_registered_object(registered)
        needs.add("legacy_conv")
        func = f"{_public_module(cls)}.{cls.__name__}"
        return call(func, kwargs=[(k, expression(_plain(v), needs)) for k, v in config.items()])
    if serialized.get("module") not in FAMILIES:
        raise ValueError(f"cannot write the object {serialized!r} as source")
    family = importlib.import_module(serialized["module"])
    cls = getattr(family, serialized["class_name"])
    shortcut = _shortcut(family, serialized["class_name"], _key(config))
    if shortcut is not None:
        return cst.SimpleString(repr(shortcut))
    needs.add("keras")
    pretty = PRETTY.get((serialized["module"], serialized["class_name"]))
    if pretty is not None:
        made = pretty(config)
        if made is not None:
            name, config = made
            cls = getattr(family, name)
    kwargs = list(config.items())
    func = f"{serialized['module']}.{cls.__name__}"
    params = [p for p in inspect.signature(cls.__init__).parameters if p != "self"]
    if len(kwargs) == 1 and params and kwargs[0][0] == params[0]:
        return call(func, args=[expression(_plain(kwargs[0][1]), needs)])
    return call(func, kwargs=[(k, expression(_plain(v), needs)) for k, v in kwargs])


def _public_module(cls):
    module = cls.__module__
    return module if not module.startswith("legacy_conv.layers") else "legacy_conv"


def _plain(value):
    if isinstance(value, list):
        return tuple(_plain(v) for v in value)
    return value


def _key(config):
    return tuple(sorted((k, repr(v)) for k, v in config.items()))


@functools.lru_cache(maxsize=None)
def _shortcut(family, class_name, key):
    """A Keras 3 name that `family.get(name)` turns into exactly this initializer."""
    import keras

    if family is not keras.initializers:
        return None
    for name in dir(keras.initializers):
        if not name[:1].islower() or name in ("get", "serialize", "deserialize"):
            continue
        try:
            obj = keras.initializers.get(name)
        except Exception:  # noqa: BLE001 — e.g. 'constant' needs a value
            continue
        config = {k: v for k, v in obj.get_config().items()
                  if k not in DROPPED_KEYS and v is not None}
        if type(obj).__name__ == class_name and _key(config) == key:
            return name
    return None


def _l1l2(config):
    l1, l2 = config.get("l1", 0.0), config.get("l2", 0.0)
    if not l1:
        return "L2", {"l2": l2}
    if not l2:
        return "L1", {"l1": l1}
    return None


# Nicer Keras 3 objects that mean the same: L1L2 with one factor zero is L1 or L2.
PRETTY = {("keras.regularizers", "L1L2"): _l1l2}
