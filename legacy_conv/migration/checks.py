"""`--check`: does a call reach a Keras 3 layer that reads it otherwise?

A call of one of Keras 3's aliases (`keras.layers.Convolution2D`, ...) is always reported;
a Keras 1 call of a layer that Keras 3 has under the same name is reported where Keras 3
reads it otherwise: a positional argument that moved (`rules.positional_agreement`), a
Keras 1 keyword, a value whose meaning changed (`rules.VALUE_DRIFT`); one that is valid in
both but relies on a default that changed (`rules.DEFAULT_DRIFT`) is a warning.
"""

import libcst as cst

from legacy_conv.migration import imports
from legacy_conv.migration import keras3
from legacy_conv.migration import rules
from legacy_conv.migration import translate
from legacy_conv.spec import api
from legacy_conv.spec import training


def _code(node):
    return cst.Module([]).code_for_node(node)


# Keywords every Keras 3 layer takes (`Layer.__init__`).
KERAS3_LAYER_KWARGS = ("input_shape", "input_dim", "name", "trainable", "dtype",
                       "activity_regularizer", "autocast")


def binds_keras3(name, call):
    """Whether a call binds the signature of Keras 3's layer `name` (its own arguments and
    the keywords every Keras 3 layer takes)."""
    if name not in keras3.LAYER_CLASSES:
        return False
    positional = keras3.positional(name)  # ((parameter, has a default), ...)
    names = {p for p, _ in positional} | set(KERAS3_LAYER_KWARGS)
    args = [a for a in call.args if not a.star]
    given = [a for a in args if a.keyword is None]
    keywords = [a.keyword.value for a in args if a.keyword is not None]
    if len(given) > len(positional) or any(k not in names for k in keywords):
        return False
    filled = {p for p, _ in positional[:len(given)]} | set(keywords)
    required = {p for p, has_default in positional if not has_default}
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


# -- the rest of the Keras 1 API (`spec.api`) ----------------------------------------------------
def api_entries(module, resolver, path):
    """[('trap' | 'warning', node, text)] for the non-layer Keras 1 calls of a module that
    raise on Keras 3 or mean something else there: names Keras 3 lacks (imported or called),
    keywords it refuses or ignores, optimizers whose defaults differ, and Model methods it
    dropped (`spec.api`)."""
    visitor = _ApiCalls(resolver, path)
    module.visit(visitor)
    return visitor.found


class _ApiCalls(cst.CSTVisitor):
    def __init__(self, resolver, path):
        super().__init__()
        self.resolver, self.path, self.found = resolver, path, []
        self.namespace = False  # code on the Keras 1 namespace: its methods are Keras 1's

    def visit_ImportFrom(self, node):
        module = _module_of(node)
        if module == imports.NAMESPACE or module.startswith(imports.NAMESPACE + "."):
            self.namespace = True
        if not _is_keras(module) or isinstance(node.names, cst.ImportStar):
            return False
        for alias in node.names:
            name = f"{module}.{imports.dotted(alias.name)}"
            if not _keras3_has(name):
                self.found.append(("trap", alias, f"Keras 3 has no {name} (ImportError)"))
        return False

    def leave_Call(self, node):
        qualified = self.resolver.qualified(node.func)
        keywords = {a.keyword.value: a for a in node.args if a.keyword is not None}
        if _is_keras(qualified):
            self._keras_call(node, qualified, keywords)
        elif isinstance(node.func, cst.Attribute) and qualified is None and not self.namespace:
            self._method_call(node, node.func.attr.value, keywords)

    def _keras_call(self, node, qualified, keywords):
        if not _keras3_has(qualified):
            self.found.append(("trap", node, f"Keras 3 has no {qualified} (AttributeError)"))
            return
        module, name = qualified.rsplit(".", 1)
        if module == "keras.optimizers" and name in training.OPTIMIZERS:
            for keyword in sorted(set(keywords) & set(api.OPTIMIZER_KEYWORDS)):
                kind, text = api.OPTIMIZER_KEYWORDS[keyword]
                self.found.append((kind, keywords[keyword], f"{name}({keyword}=): {text}"))
            self._optimizer_defaults(node, name, set(keywords))
        for keyword, (kind, text) in api.CLASS_KEYWORDS.get(qualified, {}).items():
            if keyword in keywords:
                self.found.append((kind, keywords[keyword], text))

    def _method_call(self, node, method, keywords):
        stated = [k for k in api.METHOD_KEYWORDS.get(method, {}) if k in keywords]
        if method in api.METHODS_GONE:  # one entry: certain where Keras 1 keywords show
            self.found.append(("trap" if stated else "warning", node, (
                "" if stated else "(Manual check required) if this is a Keras model: ") +
                f"Keras 3's Model has no {method} (AttributeError); {api.METHODS_GONE[method]}"))
        else:
            for keyword in stated:
                self.found.append(("trap", keywords[keyword], (
                    f"Keras 3's {method} has no `{keyword}` (TypeError); Keras 3 names it "
                    f"{api.METHOD_KEYWORDS[method][keyword]}")))
        method_name, keyword, index = api.COMPILE_OPTIMIZER
        if method == method_name:
            given = keywords.get(keyword) or next((a for i, a in enumerate(node.args)
                                                   if a.keyword is None and i == index), None)
            if given is not None and isinstance(given.value, cst.SimpleString):
                name = training.OPTIMIZER_ALIASES.get(given.value.evaluated_value)
                if name is not None:
                    self._optimizer_defaults(given, name, set())

    def _optimizer_defaults(self, node, name, given):
        for kind, text in _default_drift(name, frozenset(given)):
            self.found.append((kind, node, text))


def _module_of(node):
    return imports.module_name(node) or ""


def _is_keras(qualified):
    return bool(qualified) and qualified.startswith("keras.")


_keras3_has = keras3.has  # whether Keras 3 has the dotted name


def _default_drift(name, given):
    """[(kind, text)]: Keras 1's default rate and epsilon of optimizer `name` where Keras 3's
    differ (left out of the call: `given` holds its keywords)."""
    keras1 = dict(training.OPTIMIZERS[name].arguments)
    config = keras3.optimizer_defaults(name)
    out = []
    if "lr" not in given and "learning_rate" not in given and not _same(
            keras1["lr"], config.get("learning_rate")):
        out.append(("trap", f"Keras 1's {name} defaults to lr={keras1['lr']}; Keras 3's to "
                            f"learning_rate={config.get('learning_rate'):g}"))
    if "epsilon" in keras1 and "epsilon" not in given and not _same(
            keras1["epsilon"], config.get("epsilon")):
        out.append(("warning", f"(Manual check required) Keras 1's {name} defaults to "
                               f"epsilon={keras1['epsilon']:g}; Keras 3's to "
                               f"epsilon={config.get('epsilon'):g}"))
    return out


def _same(a, b):
    return b is not None and abs(float(a) - float(b)) <= 1e-9 * max(abs(float(a)), 1.0)
