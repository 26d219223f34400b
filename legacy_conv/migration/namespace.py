"""`--to legacy`'s mechanical step: Keras 1 imports become imports of the Keras 1 namespace.

- `from keras.layers.core import Dense` -> `from legacy_conv.keras1.layers.core import Dense`
- `from keras import backend as K` -> `from legacy_conv.keras1 import backend as K`
- `import keras.layers.core as core` -> `import legacy_conv.keras1.layers.core as core`
- `import keras` (or `import keras.layers`) -> `import legacy_conv.keras1 as keras`, so that
  `keras.layers.Dense(...)` reads the same

Nothing else changes, so the code means what it meant in Keras 1. An import is rewritten
only where `legacy_conv.keras1` has the module and every name the code takes from it, read
from the namespace itself when the migration runs; any other Keras import is left to the
layer-by-layer rewrite and reported. `to_keras` is the inverse (`--to native` starts from the
original or from `--to legacy`'s output alike). `tensorflow.keras` is Keras 3: never touched.
"""

import collections
import functools

import libcst as cst
from libcst import metadata

from legacy_conv.migration import imports
from legacy_conv.migration import layout
from legacy_conv.migration import positions
from legacy_conv.migration import report
from legacy_conv.migration import rules
from legacy_conv.spec import api
from legacy_conv.spec import backend as backend_spec
from legacy_conv.spec import keras1_signatures
from legacy_conv.spec import keras3_facts
from legacy_conv.spec import training

NAMESPACE = imports.NAMESPACE
KERAS = "keras"
_NAMESPACE = {path: frozenset(names) for path, names in keras3_facts.NAMESPACE.items()}


def _module(path):
    """The names of the namespace's module for a Keras 1 module path ('keras.layers.core'),
    or None (read from `spec.keras3_facts.NAMESPACE`: no TensorFlow; a name with one leading
    underscore is the namespace's own, never there)."""
    return _NAMESPACE.get(path)


def _has(path, names):
    """Whether the namespace's module for `path` exists and gives each of `names` (an
    attribute, or a submodule)."""
    module = _module(path)
    return module is not None and all(
        n in module or _module(f"{path}.{n}") is not None for n in names)


def _loaded_with_root():
    """The submodules `import legacy_conv.keras1` loads itself (each one)."""
    return frozenset(n for n in _NAMESPACE[KERAS] if f"{KERAS}.{n}" in _NAMESPACE)


def _modules_read(chains):
    """(whether every chain ('keras', 'a', 'b') resolves in the namespace, the namespace's
    submodules they read that `import legacy_conv.keras1` does not load itself)."""
    extra = set()
    _loaded_with_root()
    for chain in chains:
        path = KERAS
        for depth, part in enumerate(chain[1:], 1):
            owner = _module(path)
            child = _module(f"{path}.{part}")
            if child is not None:
                path = f"{path}.{part}"
                if depth > 1 or part not in _loaded_with_root():
                    extra.add(NAMESPACE + path[len(KERAS):])
                continue
            if owner is None or part not in owner:
                return False, ()
            break
    return True, sorted(extra)


@functools.lru_cache(maxsize=None)
def keras3_keywords():
    """Keywords of Keras 3's layers that no Keras 1 layer takes (`padding`, `filters`, ...):
    a layer call with one is Keras 3 code."""
    keras1 = {p for params, *_ in keras1_signatures.LAYERS.values() for p, _ in params}
    keras1 |= set(rules.LAYER_KWARGS) | set(rules.PACKAGE_ONLY) | {"input_shape", "name"}
    keras3 = {p for n in rules.KERAS3_LAYERS for p in rules.keras3_params(n)}
    return frozenset(keras3 - keras1)


def _is_keras(dotted):
    return dotted == KERAS or (dotted or "").startswith(KERAS + ".")


class _Reads(cst.CSTVisitor):
    """What `to_namespace` reads of a module, in one visit: `keras3`, the first Keras 3
    keyword of a layer call (None: none), and `chains`, {local name: [attribute chains read
    from it]} (`keras.layers.Dense` -> ('keras', 'layers', 'Dense'))."""

    def __init__(self):
        self.keras3, self.chains = None, {}

    def visit_Call(self, node):
        name = imports.dotted(node.func)
        if self.keras3 is None and name and (name.rsplit(".", 1)[-1] in rules.KERAS3_LAYERS):
            self.keras3 = next((a.keyword.value for a in node.args if a.keyword is not None
                                and a.keyword.value in keras3_keywords()), None)

    def visit_Attribute(self, node):
        dotted = imports.dotted(node)
        if dotted is not None:  # a chain of names only: no call inside
            parts = tuple(dotted.split("."))
            self.chains.setdefault(parts[0], []).append(parts)
            return False  # the outermost chain only
        return True

    def visit_Import(self, node):
        return False

    def visit_ImportFrom(self, node):
        return False


class _ToNamespace(imports.ImportsOnly, cst.CSTTransformer):
    """Keras 1's imports onto the namespace (it enters statements only); `positions`:
    {import statement or name: (line, column from 0)}."""

    def __init__(self, chains, path, positions):
        super().__init__()
        self.chains, self.path, self.entries = chains, path, []
        self.positions = positions

    def leave_ImportFrom(self, original, updated):
        module = imports.module_name(original)
        if not _is_keras(module):
            return updated
        names = () if isinstance(original.names, cst.ImportStar) else [
            imports.dotted(a.name) for a in original.names]
        if not _has(module, names):
            return self._kept(original, module, names)
        new = updated.with_changes(module=_dotted_node(NAMESPACE + module[len(KERAS):]))
        if self._aligned(original):  # names over several lines, aligned with the first
            shift = len(NAMESPACE) - len(KERAS)
            new = new.with_changes(names=[a.visit(layout.Shift(shift)) for a in new.names])
        return self._converted(original, new)

    def _aligned(self, original):
        if isinstance(original.names, cst.ImportStar) or len(original.names) < 2:
            return False
        where = [self.positions[a] for a in original.names]
        return any(line > where[0][0] and column == where[0][1] for line, column in where[1:])

    def leave_Import(self, original, updated):
        aliases = []
        for alias in updated.names:
            name = imports.dotted(alias.name)
            if not _is_keras(name):
                aliases.append(alias)
                continue
            if alias.asname is not None:
                ok, new = _module(name) is not None, [alias.with_changes(
                    name=_dotted_node(NAMESPACE + name[len(KERAS):]))]
            else:  # binds `keras`: every chain read from it must resolve in the namespace
                ok, extra = _modules_read(self.chains.get(KERAS, ()))
                ok = ok and _module(name) is not None
                new = [cst.ImportAlias(_dotted_node(m)) for m in extra] + [alias.with_changes(
                    name=_dotted_node(NAMESPACE), asname=cst.AsName(name=cst.Name(KERAS)))]
            if not ok:
                self._kept(original, name, ())
                aliases.append(alias)
                continue
            aliases += [a.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(
                " "))) for a in new[:-1]] + [new[-1].with_changes(comma=alias.comma)]
        if len(aliases) == len(updated.names) and all(
                a is b for a, b in zip(aliases, updated.names)):
            return updated
        return self._converted(original, updated.with_changes(names=aliases))

    def _place(self, node):
        line, column = self.positions[node]
        return self.path, line, column + 1

    def _converted(self, original, new):
        self.entries.append(report.Entry(*self._place(original), "converted",
                                         imports.code(original), imports.code(new), None))
        return new

    def _kept(self, original, module, names):
        missing = [n for n in names if _module(module) is not None and not _has(module, (n,))]
        what = f"{module} has no {', '.join(missing)}" if missing else f"has no {module}"
        self.entries.append(report.Entry(
            *self._place(original), "kept", imports.code(original), None,
            f"{NAMESPACE} {what} (yet): left as it is, its layer calls migrated one by one"))
        return original


class _ToKeras(cst.CSTTransformer):
    """The inverse: the namespace's imports back to `keras` (those with a local name)."""

    def leave_ImportFrom(self, original, updated):
        module = imports.module_name(original)
        if module != NAMESPACE and not (module or "").startswith(NAMESPACE + "."):
            return updated
        return updated.with_changes(module=_dotted_node(KERAS + module[len(NAMESPACE):]))

    def leave_Import(self, original, updated):
        """`import legacy_conv.keras1.x, legacy_conv.keras1 as keras` -> `import keras`."""
        if not any(a.asname is None and imports.dotted(a.name) == KERAS
                   for a in updated.names):
            return updated
        names = [a for a in updated.names if a.asname is not None or not
                 imports.dotted(a.name).startswith(NAMESPACE + ".")]
        names[-1] = names[-1].with_changes(comma=updated.names[-1].comma)
        return updated.with_changes(names=names)

    def leave_ImportAlias(self, original, updated):
        name = imports.dotted(original.name)
        if original.asname is None or not (
                name == NAMESPACE or name.startswith(NAMESPACE + ".")):
            return updated
        if name == NAMESPACE and original.asname.name.value == KERAS:
            return updated.with_changes(name=cst.Name(KERAS), asname=None)
        return updated.with_changes(name=_dotted_node(KERAS + name[len(NAMESPACE):]))


def _dotted_node(dotted):
    return cst.parse_expression(dotted)


def to_namespace(module, path, source=None):
    """(module with its Keras 1 imports on the namespace, report entries); `source`: the
    text `module` was parsed from, if known (the positions of its imports are then read
    from Python's `ast`, not from a code generation of the whole module). A module with
    Keras 3 layer calls (`_Reads.keras3`) is Keras 3 code: left as it is."""
    reads = _Reads()
    module.visit(reads)
    if reads.keras3 is not None:
        return module, []
    known = positions.import_positions(source, module) if source is not None else None
    if known is None:
        wrapper = metadata.MetadataWrapper(module, unsafe_skip_copy=True)
        known = {node: (p.start.line, p.start.column) for node, p in wrapper.resolve(
            metadata.PositionProvider).items() if isinstance(node, (
                cst.Import, cst.ImportFrom, cst.ImportAlias))}
    transformer = _ToNamespace(reads.chains, path, known)
    new = module.visit(transformer)
    return new, transformer.entries


def to_keras(module):
    """`module` with the namespace's imports as the `keras` imports they came from, and
    without the settings `with_settings` wrote (`stated_settings` reads them first)."""
    body = [s for s in module.body if _setting(s) is None]
    if len(body) != len(module.body) and "legacy_conv" not in "".join(
            imports.code(s) for s in body if not _is_import_of_legacy(s)):
        body = [s for s in body if not _is_import_of_legacy(s)]
    return module.with_changes(body=body).visit(_ToKeras())


def stated_settings(module):
    """{option: value} of the settings `with_settings` wrote into a module (`--to legacy`'s
    output states what keras.json said), for `--to native` to read as given."""
    return dict(found for found in map(_setting, module.body) if found is not None)


def _setting(statement):
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1 or \
            not isinstance(statement.body[0], cst.Expr):
        return None
    call = statement.body[0].value
    if not isinstance(call, cst.Call) or len(call.args) != 1 or \
            not isinstance(call.args[0].value, cst.SimpleString):
        return None
    for option, setter in SETTINGS:
        if imports.dotted(call.func) == f"{imports.LEGACY}.{setter}":
            return option, call.args[0].value.evaluated_value
    return None


def _is_import_of_legacy(statement):
    return isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1 and \
        isinstance(statement.body[0], cst.Import) and [imports.code(a.name) for a in
                                                       statement.body[0].names] == ["legacy_conv"]


# What keras.json (and KERAS_BACKEND) said where the code ran, as `legacy_conv` sets it.
SETTINGS = (("keras1_backend", "set_keras1_backend"),
            ("image_dim_ordering", "set_image_dim_ordering"))


def with_settings(module, **stated):
    """`module` with the backend and ordering the user stated set after its opening imports
    (`legacy_conv.set_keras1_backend('theano')`, ...): what Keras 1 read from keras.json."""
    lines = [f"{imports.LEGACY}.{setter}({stated[key]!r})\n" for key, setter in SETTINGS
             if stated.get(key)]
    if not lines:
        return module
    module = imports.add_needed(module, [(imports.LEGACY,)])
    at = imports.opening(module.body)
    body = list(module.body)
    new = [cst.parse_statement(line) for line in lines]
    return module.with_changes(body=body[:at] + new + body[at:])


# -- `--to native`: the Keras 1 API beyond layers -------------------------------------------------
# Each Keras 1 call beyond layers becomes its Keras 3 twin where `spec` records one of the same
# meaning (`spec.api.Twin`: `api.FUNCTIONS`, `api.METHODS`, `training`'s optimizers,
# `backend.OPS`); every other Keras 1 name stays on the namespace, with the reason. Models decide
# per file: their classes stay Keras 3's only where every Keras 1 method call on them has a twin.
class Kept(Exception):
    """A call that stays on the namespace; the message says why."""


class Keras3Call(Exception):
    """A call whose arguments are Keras 3's, not Keras 1's (`--to native`'s own output)."""


def _keras1_name(qualified):
    """Whether Keras 1.2.2 had the dotted name (the namespace, its mirror, has it)."""
    module, _, name = qualified.rpartition(".")
    return _module(qualified) is not None or _has(module, (name,))


@functools.lru_cache(maxsize=None)
def _twins():
    """{Keras 1 dotted name: Twin} of the functions and classes."""
    twins = dict(api.FUNCTIONS)
    twins.update({f"keras.backend.{n}": t for n, t in backend_spec.OPS.items()})
    for name, optimizer in training.OPTIMIZERS.items():
        if training.OPTIMIZER_RULES[name] is None:
            params = tuple((k1_name, None if k1_name in training.OPTIMIZER_KEPT else
                            training.OPTIMIZER_RENAMES.get(k1_name, k1_name), default)
                           for k1_name, default in optimizer.arguments)
            params += tuple((c, training.OPTIMIZER_RENAMES[c], None) for c in training.CLIPPING)
            twins[f"keras.optimizers.{name}"] = api.Twin(
                f"keras.optimizers.{name}", params, training.OPTIMIZER_KEPT)
    return twins


def _kept_reason(qualified):
    name = qualified.rsplit(".", 1)[-1]
    if qualified.startswith("keras.optimizers.") and training.OPTIMIZER_RULES.get(name):
        return training.OPTIMIZER_RULES[name]
    if qualified.startswith("keras.backend.") and name in backend_spec.OPS_KEPT:
        return backend_spec.OPS_KEPT[name]
    return api.KEPT.get(qualified, "Keras 3 has no call of the same meaning")


@functools.lru_cache(maxsize=None)
def _keras3_signature(dotted):
    """{parameter: default (REQUIRED)} and the positional names of a Keras 3 callable."""
    import inspect

    import keras

    obj = keras.Model if dotted.startswith("Model.") else keras
    for part in dotted.split(".")[1:]:
        obj = getattr(obj, part)
    params = [p for p in inspect.signature(obj).parameters.values() if p.name != "self"]
    defaults = {p.name: api.REQUIRED if p.default is p.empty else p.default for p in params}
    positional = tuple(p.name for p in params if p.kind in (p.POSITIONAL_ONLY,
                                                            p.POSITIONAL_OR_KEYWORD))
    return defaults, positional


def _literal(node):
    """(True, value) of a literal expression, else (False, None)."""
    import ast

    try:
        return True, ast.literal_eval(imports.code(node))
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return False, None


def _same_value(a, b):
    if isinstance(a, bool) or isinstance(b, bool) or not isinstance(a, (int, float)) or \
            not isinstance(b, (int, float)):
        return a == b and type(a) is type(b)
    return abs(float(a) - float(b)) <= 1e-9 * max(abs(float(a)), 1.0)


def twin_arguments(twin, call, uses=None):
    """The Keras 3 twin's arguments [(keyword or None, node)] for a Keras 1 call, or Kept.

    In order: the call's arguments bound to Keras 1's parameters (positional by place); a
    keyword of `twin.kept` stays (dropped where its literal is Keras 1's default); each value
    rule of `twin.values` (`VALUES[rule](node, bound)`); an argument keeps its place where
    Keras 3's parameter there has its Keras 3 name, else becomes that keyword; Keras 1's
    defaults that Keras 3's differ from are written. `uses`: the module's `_ApiUses`, where
    an optimizer's twin depends on the module's layers (`training.SPARSE_GRADIENT_RULES`)."""
    name = twin.keras3.rsplit(".", 1)[-1]
    if uses is not None and uses.sparse and twin.keras3.startswith("keras.optimizers.") and \
            name in training.SPARSE_GRADIENT_RULES:
        raise Kept(f"{training.SPARSE_GRADIENT_RULES[name]} (line "
                   f"{uses.resolver.position(uses.sparse[0])[0]}: "
                   f"{imports.code(uses.sparse[0])})")
    params = {k1: (k3, default) for k1, k3, default in twin.params}
    order = [k1 for k1, _, _ in twin.params]
    k3_defaults, k3_positional = _keras3_signature(twin.keras3)
    bound = {}
    for index, arg in enumerate(call.args):
        if arg.star:
            raise Kept(f"(Manual check required) it passes {arg.star}{imports.code(arg.value)}, "
                       "whose arguments are not known before it runs")
        if arg.keyword is None:
            if index >= len(order):
                raise Kept(f"{index + 1} positional arguments: no twin takes them")
            bound[order[index]] = (arg, index)
        elif arg.keyword.value not in params:
            if arg.keyword.value in k3_defaults:
                raise Keras3Call(arg.keyword.value)  # Keras 3 code (this pass's output)
            raise Kept(f"`{arg.keyword.value}` has no Keras 3 twin")
        else:
            bound[arg.keyword.value] = (arg, None)
    out, positional = [], True
    for k1, (arg, index) in bound.items():  # in the call's order
        k3, default = params[k1]
        if k1 in twin.kept or k3 is None:
            known, value = _literal(arg.value)
            if known and default is not api.SAME and _same_value(value, default):
                continue
            raise Kept(f"{k1}=: " + twin.kept.get(k1, f"Keras 3's twin has no {k1}"))
        node = arg.value
        if k1 in twin.values:
            node = VALUES[twin.values[k1]](node, bound, uses)
        positional = positional and index is not None and index < len(k3_positional) and \
            k3_positional[index] == k3
        out.append((None if positional else k3, node))
    for k1, k3, default in twin.params:
        if k1 in bound or default in (api.SAME, api.REQUIRED) or k3 is None:
            if default is api.REQUIRED and k1 not in bound:
                raise Kept(f"it leaves out {k1}, which Keras 1 required")
            continue
        if not _same_value(default, k3_defaults.get(k3, api.REQUIRED)):
            out.append((k3, cst.parse_expression(repr(default))))
    return out


# -- the value rules of `api.METHODS` (compile's optimizer, loss and metrics; fit's shuffle) -----
def _string(node, what):
    known, value = _literal(node)
    if not known or not isinstance(value, str):
        raise Kept(f"{what} is {imports.code(node)}, not a literal name")
    return value


def _optimizer_value(node, bound, uses):
    if not isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        return node  # an optimizer object: Keras 1's or Keras 3's, both run in Keras 3's compile
    name = training.OPTIMIZER_ALIASES.get(_string(node, "optimizer"))
    if name is None:
        raise Kept(f"optimizer={imports.code(node)} is not a Keras 1 optimizer name")
    if training.OPTIMIZER_RULES[name]:
        raise Kept(f"optimizer={imports.code(node)}: {training.OPTIMIZER_RULES[name]}")
    twin = _twins()[f"keras.optimizers.{name}"]
    args = twin_arguments(twin, cst.Call(func=cst.Name(name)), uses)
    if not args:
        return node  # Keras 3's name gives Keras 1's defaults
    return cst.parse_expression(f"keras.optimizers.{name}(" + ", ".join(
        f"{k}={imports.code(v)}" for k, v in args) + ")")


def _loss_name(node):
    name = _string(node, "loss")
    name = training.OBJECTIVE_ALIASES.get(name, name)
    if name not in training.LOSS_TWINS:
        raise Kept(f"loss={imports.code(node)}: Keras 3's loss of that name computes "
                   "another function" if name in training.OBJECTIVES else
                   f"loss={imports.code(node)} is not a Keras 1 objective")
    return name


def _loss_value(node, bound, uses):
    if isinstance(node, (cst.Name, cst.Attribute)) and not _literal(node)[0]:
        return node  # a function: Keras 3 calls it as Keras 1 did (y_true, y_pred)
    import keras

    name = _loss_name(node)
    try:
        same = keras.losses.get(_string(node, "loss")) is keras.losses.get(
            training.LOSS_TWINS[name])
    except ValueError:  # not a Keras 3 name
        same = False
    return node if same else cst.SimpleString(repr(training.LOSS_TWINS[name]))


def _metrics_value(node, bound, uses):
    if not isinstance(node, (cst.List, cst.Tuple)):
        raise Kept(f"metrics={imports.code(node)} is not a list of metric names")
    out = []
    for element in node.elements:
        text = imports.code(element.value)
        if text.startswith(KERAS3_METRICS):  # Keras 3's metric object (`--to native`'s)
            out.append(text)
            continue
        metric = _string(element.value, "a metric")
        if metric in training.ACCURACY:
            if "loss" not in bound:
                raise Kept("the accuracy Keras 1 chose depends on the loss")
            loss = _loss_name(bound["loss"][0].value)
            twin = training.ACCURACY_TWINS.get(loss)
            out.append(f"keras.metrics.{twin}(name={training.ACCURACY_KEY!r})" if twin else
                       repr(training.ACCURACY_KEY))
            continue
        full = training.METRIC_ALIASES.get(metric, metric)
        if full not in training.METRIC_TWINS:
            raise Kept(f"metric {metric!r}: Keras 3 has no metric of that name computing "
                       "Keras 1's" if full in training.METRICS else
                       f"metric {metric!r} is not a Keras 1 metric")
        out.append(repr(full))
    return cst.parse_expression("[" + ", ".join(out) + "]")


def _shuffle_value(node, bound, uses):
    known, value = _literal(node)
    if not known or value == "batch":
        raise Kept(f"shuffle={imports.code(node)}: Keras 3's fit shuffles no whole batches"
                   if known else f"shuffle={imports.code(node)} is not a literal")
    return node


# What `_metrics_value` writes for an accuracy: Keras 3's metric classes.
KERAS3_METRICS = "keras.metrics."
VALUES = {"optimizer": _optimizer_value, "loss": _loss_value, "metrics": _metrics_value,
          "shuffle": _shuffle_value}


def _owned(qualified):
    """Whether a dotted name is Keras 1's API beyond layers (this pass's, not `analysis`')."""
    if not qualified or not _is_keras(qualified) or qualified == KERAS:
        return False
    if qualified in api.MODELS:
        return True
    module = qualified.rsplit(".", 1)[0]
    return not any(m == module or qualified == m or qualified.startswith(m + ".")
                   for m in rules.KERAS1_LAYER_MODULES | set(rules.LEGACY_HELPER_MODULES)
                   | {"keras.layers"})


class _ApiUses(cst.CSTVisitor):
    """The references to Keras 1's API beyond layers (outermost chains), the model-making
    assignments and the method calls of a module."""

    def __init__(self, resolver):
        super().__init__()
        self.resolver, self.uses, self.methods, self.assigns = resolver, [], [], []
        self.sparse = []  # references to layers with sparse gradients (`training`)
        self.call_of = {}  # id(function expression) -> its Call
        self.assigned = set()  # (function or None, target expression) of every assignment
        self.returns, self.function = {}, []  # function name -> the names it returns

    def visit_Import(self, node):
        return False

    def visit_ImportFrom(self, node):
        return False

    def visit_Attribute(self, node):
        return self._reference(node)

    def visit_Name(self, node):
        self._reference(node)

    def _reference(self, node):
        qualified = self.resolver.qualified(node)
        if qualified is None or not _is_keras(qualified):
            return True
        if qualified.rsplit(".", 1)[-1] in training.SPARSE_GRADIENT_LAYERS:
            self.sparse.append(node)
        if _owned(qualified) and _keras1_name(qualified):
            self.uses.append((node, qualified))
        return False

    def visit_Call(self, node):
        self.call_of[id(node.func)] = node
        func = node.func
        if isinstance(func, cst.Attribute) and (func.attr.value in api.METHODS or
                                                func.attr.value in api.METHODS_KEPT):
            self.methods.append((node, self._where()))

    def _where(self):
        return self.function[-1] if self.function else None

    def visit_Assign(self, node):
        targets = [imports.code(t.target) for t in node.targets]
        self.assigned.update((self._where(), t) for t in targets)
        if isinstance(node.value, cst.Call):
            self.assigns.append((self._where(), targets, self.resolver.qualified(
                node.value.func), imports.dotted(node.value.func)))

    def visit_FunctionDef(self, node):
        self.function.append(node.name.value)

    def leave_FunctionDef(self, node):
        self.function.pop()

    def visit_Return(self, node):
        if node.value is not None and self.function:
            self.returns.setdefault(self.function[-1], set()).add(imports.code(node.value))

    def model_receivers(self):
        """{(function or None, expression)} the module assigns a model to: from a Keras 1
        model class or loader, or from a function of the module that returns one (`model =
        build()`)."""
        made = {(f, t) for f, targets, qualified, _ in self.assigns if qualified in api.MODELS
                for t in targets}
        functions = {f for f, returned in self.returns.items()
                     if any((f, r) in made for r in returned)}
        return made | {(f, t) for f, targets, _, called in self.assigns if called in functions
                       for t in targets}

    def is_model(self, receivers, function, receiver):
        """Whether `receiver` in `function` is a model the module made there, or at module
        level (and not assigned anew in the function)."""
        return (function, receiver) in receivers or (None, receiver) in receivers and \
            (function, receiver) not in self.assigned


def _quiet(twin, call):
    """Whether the call passes the value that makes its twin's note moot (`Twin.quiet`)."""
    if twin.quiet is None:
        return False
    keyword, value = twin.quiet
    given = [a.value for a in call.args if a.keyword is not None and a.keyword.value == keyword]
    index = [k1 for k1, _, _ in twin.params].index(keyword)
    given += [a.value for i, a in enumerate(call.args) if a.keyword is None and i == index]
    return bool(given) and _literal(given[0]) == (True, value)


class _ApiPlan:
    """What `to_native` does to one module: new calls, the names that stay on the namespace."""

    def __init__(self, path, resolver):
        self.path, self.resolver = path, resolver
        self.calls = {}  # Call -> new Call
        self.staying = []  # (node, qualified) of references that stay Keras 1's
        self.converted = set()  # ids of the func nodes of converted calls
        self.respelled = set()  # ids of those whose function is now another name
        self.entries = []

    def where(self, node):
        return (self.path, *self.resolver.position(node))

    def convert(self, call, new, note=None):
        self.calls[call] = new
        self.converted.add(id(call.func))
        self.entries.append(report.Entry(*self.where(call), "converted", imports.code(call),
                                         imports.code(new), note))

    def keep(self, node, reason):
        self.entries.append(report.Entry(*self.where(node), "kept", imports.code(node), None,
                                         f"stays on {NAMESPACE}: {reason}"))


def _twin_call(call, twin, uses):
    args = twin_arguments(twin, call, uses)
    new_args = [cst.Arg(value=node, keyword=cst.Name(k) if k else None,
                        equal=layout.no_space_equal() if k else cst.MaybeSentinel.DEFAULT)
                for k, node in args]
    for index, arg in enumerate(new_args[:-1]):
        old = call.args[index] if index < len(call.args) else None
        comma = old.comma if old is not None and old.comma is not cst.MaybeSentinel.DEFAULT \
            else cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        new_args[index] = arg.with_changes(comma=comma)
    return call.with_changes(args=new_args)


def _plan_api(plan, visitor):
    factories = []
    for node, qualified in visitor.uses:
        call = visitor.call_of.get(id(node))
        if qualified in api.MODELS:
            factories.append((node, qualified))
            continue
        twin = _twins().get(qualified)
        if call is None or twin is None:
            plan.staying.append((node, qualified))
            if call is not None:
                plan.keep(call, _kept_reason(qualified))
            continue
        try:
            new = _twin_call(call, twin, visitor)
        except Keras3Call:
            continue
        except Kept as kept:
            plan.staying.append((node, qualified))
            plan.keep(call, str(kept))
            continue
        if qualified != twin.keras3:
            new = new.with_changes(func=cst.parse_expression(twin.keras3))
            plan.respelled.add(id(node))
        plan.convert(call, new, None if _quiet(twin, call) else twin.note)
    _plan_models(plan, visitor, factories)


def _plan_models(plan, visitor, factories):
    """Models go native where the module makes them with Keras 1's classes and every Keras 1
    method call on them has a twin; else their classes stay on the namespace."""
    calls, receivers = [], visitor.model_receivers()
    for call, function in visitor.methods:
        made = visitor.is_model(receivers, function, imports.code(call.func.value))
        stated = set(api.METHOD_KEYWORDS.get(call.func.attr.value, ())) & {
            a.keyword.value for a in call.args if a.keyword is not None}
        if made or stated:
            calls.append((call, made))
    if not factories:
        for call, _ in calls:
            plan.entries.append(report.Entry(
                *plan.where(call), "warning", imports.code(call), None,
                "(Manual check required) a Keras 1 call on a model this file does not make: "
                "left as it is (it runs on the namespace's models)"))
        return
    refusals, new_calls = [], {}
    for node, qualified in factories:
        name = qualified.rsplit(".", 1)[1]
        if api.MODELS[qualified]:
            refusals.append((node, f"{name}: {api.MODELS[qualified]}"))
        elif _root(node) is not None and plan.resolver.binding(_root(node)) is None:
            refusals.append((node, f"{name} comes from `import *`, which moves to the "
                                   "namespace whole"))
    for call, _ in calls:
        method = call.func.attr.value
        if method in api.METHODS_KEPT:
            refusals.append((call, f"{method}: {api.METHODS_KEPT[method]}"))
            continue
        twin = api.METHODS[method]
        try:
            new = _twin_call(call, twin, visitor)
        except Keras3Call:
            continue
        except Kept as kept:
            refusals.append((call, f"{method}: {kept}"))
            continue
        name = twin.keras3.split(".", 1)[1]
        if name != method:
            new = new.with_changes(func=new.func.with_changes(attr=cst.Name(name)))
        new_calls[call] = (new, None if _quiet(twin, call) else twin.note)
    if not refusals:
        for call, (new, note) in new_calls.items():
            if imports.code(new) != imports.code(call):
                plan.convert(call, new, note)
        return
    first = refusals[0]
    line = plan.resolver.position(first[0])[0]
    for node, reason in refusals:
        plan.keep(node, reason)
    refused = {id(node) for node, _ in refusals}
    for node, qualified in factories:
        plan.staying.append((node, qualified))
        if id(node) not in refused:
            plan.keep(visitor.call_of.get(id(node), node),
                      f"its models' calls stay Keras 1's (line {line}: {first[1]})")


def _root(node):
    while isinstance(node, cst.Attribute):
        node = node.value
    return node if isinstance(node, cst.Name) else None


class _ApiRewriter(cst.CSTTransformer):
    """Applies an `_ApiPlan`: the new calls; references that stay Keras 1's reach the
    namespace (their import moves there, or an `import keras` chain is spelled in full)."""

    def __init__(self, plan, chains):
        super().__init__()
        self.plan, self.chains, self.needs = plan, chains, set()

    def leave_Call(self, original, updated):
        new = self.plan.calls.get(original)
        if new is None:
            return updated
        if id(original.func) in self.respelled:  # its name moves to the namespace
            twin = _twins().get(self.plan.resolver.qualified(original.func))
            new = new.with_changes(func=cst.parse_expression(twin.keras3))
        return new.with_changes(args=[a.with_changes(value=a.value.visit(self))
                                      for a in new.args])

    def leave_Attribute(self, original, updated):
        qualified = self.chains.get(id(original))
        if qualified is None:
            return updated
        module = _namespace_module(qualified)
        self.needs.add((module,))
        return cst.parse_expression(NAMESPACE + qualified[len(KERAS):])

    def leave_SimpleStatementLine(self, original, updated):
        """An import of Keras 1's API: the names that stay Keras 1's from the namespace, those
        no longer used dropped, Keras 3's kept."""
        if len(updated.body) != 1 or not isinstance(updated.body[0], (cst.Import,
                                                                       cst.ImportFrom)):
            return updated
        statement, new = original.body[0], updated.body[0]
        module = imports.module_name(statement) if isinstance(statement, cst.ImportFrom) \
            else None
        if isinstance(statement, cst.ImportFrom) and isinstance(statement.names,
                                                                 cst.ImportStar):
            if not (_is_keras(module) and _owned(f"{module}.x") and
                    _module(module) is not None):
                return updated
            return self._moved(original, updated.with_changes(body=[new.with_changes(
                module=_dotted_node(NAMESPACE + module[len(KERAS):]))]))
        fate = {id(a): self.fates.get((id(statement), _local(a))) for a in statement.names}
        if not any(fate.values()):
            return updated
        kept = [a for a, o in zip(new.names, statement.names) if fate[id(o)] is None]
        moving = [a for a, o in zip(new.names, statement.names) if fate[id(o)] == "move"]
        lines = []
        if kept:
            kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
            lines.append(updated.with_changes(body=[new.with_changes(names=kept)]))
        if moving:
            moving = [a.with_changes(comma=cst.MaybeSentinel.DEFAULT) for a in moving]
            if module is not None:
                moved = cst.ImportFrom(module=_dotted_node(NAMESPACE + module[len(KERAS):]),
                                       names=moving)
            else:
                moved = cst.Import(names=[a.with_changes(name=_dotted_node(
                    NAMESPACE + imports.dotted(a.name)[len(KERAS):])) for a in moving])
            line = cst.SimpleStatementLine(body=[moved])
            lines.append(line if lines else updated.with_changes(body=[moved]))
        if not lines and self.import_keras is not None:  # in place of what it replaces
            line, self.import_keras = self.import_keras, None
            self._entry(original, imports.code(line.body[0]))
            return line.with_changes(leading_lines=original.leading_lines)
        if not lines:
            self._entry(original, "(removed)")
            return cst.RemovalSentinel.REMOVE
        self._entry(original, "; ".join(imports.code(line.body[0]) for line in lines))
        return cst.FlattenSentinel(lines) if len(lines) > 1 else lines[0]

    def _moved(self, original, new):
        self._entry(original, imports.code(new.body[0]))
        return new

    def _entry(self, original, text):
        self.plan.entries.append(report.Entry(*self.plan.where(original.body[0]), "converted",
                                              imports.code(original.body[0]), text, None))

    fates = {}
    respelled = frozenset()
    import_keras = None  # `import keras`, written in place of the first import dropped


def _local(alias):
    return (alias.evaluated_alias or alias.evaluated_name).split(".")[0] \
        if alias.asname is not None else imports.dotted(alias.name).split(".")[0]


def _namespace_module(qualified):
    """The namespace's module to import for a Keras 1 dotted name."""
    parts = qualified.split(".")
    for end in range(len(parts), 0, -1):
        if _module(".".join(parts[:end])) is not None:
            return NAMESPACE + ".".join(parts[:end])[len(KERAS):]
    return NAMESPACE


def to_native(wrapper, path):
    """(module, entries): `--to native`'s pass over Keras 1's API beyond layers (run on the
    module of `wrapper`, a `MetadataWrapper`, with Keras 1's imports, before the layer
    calls' pass; the module itself when nothing changes)."""
    module = wrapper.module
    resolver = _Imports(wrapper)
    visitor = _ApiUses(resolver)
    wrapper.module.visit(visitor)
    if not visitor.uses:
        return module, [e for e in _plan_only(resolver, path, visitor)]
    plan = _ApiPlan(path, resolver)
    _plan_api(plan, visitor)
    chains, uses = {}, {}
    staying = {id(node) for node, _ in plan.staying}
    for node, qualified in visitor.uses:
        root = _root(node)
        binding = resolver.binding(root) if root is not None else None
        if binding is None:
            continue
        statement, local = binding.node, root.value
        if isinstance(statement, cst.Import) and any(  # `import keras`: spelled in full
                a.asname is None and _local(a) == local for a in statement.names):
            if id(node) in staying and isinstance(node, cst.Attribute):
                chains[id(node)] = qualified
            continue
        use = "stay" if id(node) in staying else "gone" if id(node) in plan.respelled \
            else "keep"
        uses.setdefault((id(statement), local), set()).add(use)
    fates = {}
    for statement, alias, qualified in _owned_aliases(wrapper.module):
        key = (id(statement), _local(alias))
        found = uses.get(key, set())
        module, _, name = qualified.rpartition(".")
        on_namespace = _has(module, (name,)) or _module(qualified) is not None
        if "stay" in found or not found and not _keras3_has(qualified):
            fates[key] = "move" if on_namespace else None
        elif found == {"gone"}:
            fates[key] = "drop"
    stars = [m for m, _ in resolver.stars if _is_keras(m) and _owned(f"{m}.x") and
             _module(m) is not None]
    if not plan.calls and not chains and not fates and not stars:
        return wrapper.module, plan.entries  # nothing moves (only reasons to report)
    rewriter = _ApiRewriter(plan, chains)
    rewriter.fates = fates
    rewriter.respelled = {id(call.func) for call in plan.calls
                          if id(call.func) not in plan.respelled and (lambda r: (
                              r is not None and resolver.binding(r) is not None and fates.get(
                                  (id(resolver.binding(r).node), r.value)) == "move"))(
                              _root(call.func))}
    if any("keras." in imports.code(c) for c in plan.calls.values()) and \
            not _imports_keras(wrapper.module):
        rewriter.import_keras = cst.parse_statement("import keras\n")
    new = wrapper.module.visit(rewriter)
    needs = sorted(rewriter.needs)
    if rewriter.import_keras is not None and not _imports_keras(wrapper.module):
        needs.append(("keras",))
    if needs:
        new = imports.add_needed(new, needs)
    return new, plan.entries


def _plan_only(resolver, path, visitor):
    plan = _ApiPlan(path, resolver)
    _plan_models(plan, visitor, [])
    return plan.entries


def on_namespace(entries):
    """Whether `to_native` (or `to_namespace`) moved names onto the namespace: the settings the
    user stated are then set after the imports (`with_settings`)."""
    return any(e.kind == "converted" and NAMESPACE in (e.new or "") for e in entries)


def _owned_aliases(module):
    """(statement, alias, Keras 1 dotted name) of each import of Keras 1's API beyond layers
    that binds a name of its own (`from keras.utils import np_utils`, `import keras.backend as
    K`; not `import keras`)."""
    found = []

    class Aliases(cst.CSTVisitor):
        def on_visit(self, node):
            return not isinstance(node, cst.BaseExpression) and super().on_visit(node)

        def visit_ImportFrom(self, node):
            module_ = imports.module_name(node)
            if _is_keras(module_) and not isinstance(node.names, cst.ImportStar):
                found.extend((node, a, f"{module_}.{imports.dotted(a.name)}")
                             for a in node.names)

        def visit_Import(self, node):
            found.extend((node, a, imports.dotted(a.name)) for a in node.names
                         if a.asname is not None and _is_keras(imports.dotted(a.name)))

    module.visit(Aliases())
    return [(s, a, q) for s, a, q in found if _owned(q) or _module(q) is not None and
            _owned(q + ".x")]


def _keras3_has(qualified):
    from legacy_conv.migration import checks

    return checks._keras3_has(qualified)


def _imports_keras(module):
    """Whether the module's own statements bind `keras` as Keras (`import keras`)."""
    return any(isinstance(s, cst.SimpleStatementLine) and any(
        isinstance(i, cst.Import) and any(a.asname is None and imports.dotted(a.name) == KERAS
                                          for a in i.names) for i in s.body)
        for s in module.body)


class _Imports(cst.CSTVisitor):
    """What `to_native` asks of `imports.Resolver`, read from the import statements alone
    (no scope analysis: this pass runs before `analysis`' own): the dotted name a `Name` or
    `Attribute` chain stands for through the module's imports (and Keras star imports); a
    name that the module also binds otherwise (assigned, a parameter, a function) stands for
    nothing."""

    Binding = collections.namedtuple("Binding", "node name")

    def __init__(self, wrapper):
        super().__init__()
        self.bindings, self.shadowed, self.stars = {}, set(), []
        self.wrapper = wrapper
        wrapper.module.visit(self)

    def _bind(self, local, dotted, statement):
        known = self.bindings.get(local)
        if known is not None and known[0] != dotted:
            self.shadowed.add(local)
        self.bindings[local] = (dotted, statement)

    def visit_ImportFrom(self, node):
        module = imports.module_name(node)
        if module is None:
            return False
        if isinstance(node.names, cst.ImportStar):
            self.stars.append((module, node))
            return False
        for alias in node.names:
            name = imports.dotted(alias.name)
            self._bind(alias.asname.name.value if alias.asname else name, f"{module}.{name}",
                       node)
        return False

    def visit_Import(self, node):
        for alias in node.names:
            name = imports.dotted(alias.name)
            if alias.asname is not None:
                self._bind(alias.asname.name.value, name, node)
            else:
                self._bind(name.split(".")[0], name.split(".")[0], node)
        return False

    def on_visit(self, node):
        if isinstance(node, cst.BaseExpression):
            return False  # bindings are statements (and parameters, below)
        return super().on_visit(node)

    def visit_Assign(self, node):
        for target in node.targets:
            self._shadow(target.target)

    def visit_For(self, node):
        self._shadow(node.target)

    def visit_FunctionDef(self, node):
        self.shadowed.add(node.name.value)
        params = node.params
        self.shadowed.update(p.name.value for p in (*params.posonly_params, *params.params,
                                                    *params.kwonly_params))
        self.shadowed.update(p.name.value for p in (params.star_arg, params.star_kwarg)
                             if isinstance(p, cst.Param))

    def visit_ClassDef(self, node):
        self.shadowed.add(node.name.value)

    def _shadow(self, target):
        if isinstance(target, cst.Name):
            self.shadowed.add(target.value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._shadow(element.value)

    def qualified(self, node):
        if isinstance(node, cst.Attribute):
            base = self.qualified(node.value)
            return None if base is None else f"{base}.{node.attr.value}"
        if not isinstance(node, cst.Name) or node.value in self.shadowed:
            return None
        if node.value in self.bindings:
            return self.bindings[node.value][0]
        for module, _ in reversed(self.stars):
            if node.value in rules.exports(module):
                return f"{module}.{node.value}"
        return None

    def binding(self, node):
        if not isinstance(node, cst.Name) or node.value in self.shadowed or \
                node.value not in self.bindings:
            return None
        return self.Binding(self.bindings[node.value][1], node.value)

    def position(self, node):
        return positions.position(self.wrapper, node)
