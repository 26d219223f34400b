"""`--check`: does a call reach a Keras 3 layer that reads it otherwise?

A call of one of Keras 3's aliases (`keras.layers.Convolution2D`, ...) is always reported;
a Keras 1 call of a layer that Keras 3 has under the same name is reported where Keras 3
reads it otherwise: a positional argument that moved (`rules.positional_agreement`), a
Keras 1 keyword, a value whose meaning changed (`rules.VALUE_DRIFT`); one that is valid in
both but relies on a default that changed (`rules.DEFAULT_DRIFT`) is a warning.
"""

import inspect

import keras
import libcst as cst

from legacy_conv.migration import rules
from legacy_conv.migration import translate


def _code(node):
    return cst.Module([]).code_for_node(node)


# Keywords every Keras 3 layer takes (`Layer.__init__`).
KERAS3_LAYER_KWARGS = ("input_shape", "input_dim", "name", "trainable", "dtype",
                       "activity_regularizer", "autocast")


def binds_keras3(name, call):
    """Whether a call binds the signature of Keras 3's layer `name` (its own arguments and
    the keywords every Keras 3 layer takes)."""
    cls = getattr(keras.layers, name, None)
    if cls is None:
        return False
    params = inspect.signature(cls.__init__).parameters
    positional = [p for p in params.values() if p.name != "self" and p.kind in (
        p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    names = {p.name for p in positional} | set(KERAS3_LAYER_KWARGS)
    args = [a for a in call.args if not a.star]
    given = [a for a in args if a.keyword is None]
    keywords = [a.keyword.value for a in args if a.keyword is not None]
    if len(given) > len(positional) or any(k not in names for k in keywords):
        return False
    filled = {p.name for p in positional[:len(given)]} | set(keywords)
    required = {p.name for p in positional if p.default is p.empty}
    return required <= filled or any(a.star for a in call.args)


def bind_error(name, call, evaluator):
    try:
        translate.bind(rules.canonical(name), call, evaluator)
    except translate.Refusal as refusal:
        return refusal
    return None


def not_keras1(name, call, evaluator):
    error = bind_error(name, call, evaluator)
    return str(error) if error is not None else "its arguments do not bind"


def trap(ref, name, call, evaluator, is_keras1):
    """('trap' | 'warning', text) for a call that reaches a Keras 3 layer with another
    meaning (or may), else None."""
    if ref.origin == "legacy" or name not in rules.KERAS3_LAYERS and ref.kind != "keras3":
        return None
    prefix = ref.qualified.rsplit(".", 1)[0]
    if name in rules.KERAS3_ALIASES:
        target = rules.KERAS3_ALIASES[name]
        text = f"{prefix}.{name} is Keras 3's alias of {target}"
        if is_keras1:
            text += (f": as a Keras 1 call it means {rules.canonical(name)}"
                     f"({_keras1_reading(name, call)}); Keras 3 reads "
                     f"{target}({_keras3_reading(target, call)})")
        else:
            text += f"; name it {target}"
        return "trap", text
    if name not in rules.NAMESAKES or not is_keras1:
        return None
    drift = _drift(name, call)
    if drift:
        return "trap", f"a Keras 1 call of {prefix}.{name}: {drift}"
    default = rules.DEFAULT_DRIFT.get(name)
    if default and default[0] not in {a.keyword.value for a in call.args if a.keyword}:
        return "warning", (f"(Manual check required) valid in Keras 1 and Keras 3, with "
                           f"other defaults: {default[1]}")
    return None


def _keras1_reading(name, call):
    params = [p for p, _ in rules.keras1_params(rules.canonical(name))]
    shown = []
    for index, arg in enumerate(call.args[:4]):
        key = arg.keyword.value if arg.keyword else params[index]
        shown.append(f"{key}={_code(arg.value)}")
    return ", ".join(shown) + (", ..." if len(call.args) > 4 else "")


def _keras3_reading(name, call):
    params = rules.keras3_params(name)
    shown = []
    for index, arg in enumerate(call.args[:4]):
        if arg.keyword is None and index >= len(params):
            return "... (TypeError: too many positional arguments)"
        key = arg.keyword.value if arg.keyword else params[index]
        shown.append(f"{key}={_code(arg.value)}")
    return ", ".join(shown) + (", ..." if len(call.args) > 4 else "")


def _drift(name, call):
    """Why a Keras 1 call of a Keras 3 namesake means something else there (or '')."""
    params = [p for p, _ in rules.keras1_params(rules.canonical(name))]
    k3_params = rules.keras3_params(name)
    agree = rules.positional_agreement(name)
    for index, arg in enumerate(call.args):
        if arg.keyword is None and index >= agree:
            theirs = k3_params[index] if index < len(k3_params) else None
            return (f"its argument #{index + 1} is Keras 1's {params[index]} but Keras 3's "
                    f"{theirs or 'nothing (TypeError)'}")
        if arg.keyword is not None:
            key = arg.keyword.value
            if key not in k3_params and key not in rules.LAYER_KWARGS[:1] + ("name",
                                                                            "trainable"):
                return f"Keras 3's {name} has no argument `{key}` (it raises)"
        key = arg.keyword.value if arg.keyword else params[index]
        value = arg.value
        if isinstance(value, cst.SimpleString) and (key, value.evaluated_value) in \
                rules.VALUE_DRIFT:
            return rules.VALUE_DRIFT[(key, value.evaluated_value)]
    return ""
