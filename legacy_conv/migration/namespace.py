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

import functools
import importlib

import libcst as cst
from libcst import metadata

from legacy_conv.migration import imports
from legacy_conv.migration import layout
from legacy_conv.migration import report
from legacy_conv.migration import rules
from legacy_conv.spec import keras1_signatures as k1

NAMESPACE = imports.NAMESPACE
KERAS = "keras"


@functools.lru_cache(maxsize=None)
def _module(path):
    """The namespace's module for a Keras 1 module path ('keras.layers.core'), or None."""
    name = NAMESPACE + path[len(KERAS):]
    try:
        return importlib.import_module(name)
    except Exception:  # noqa: BLE001 — absent, or failing to import: not in the namespace
        return None


def _has(path, names):
    """Whether the namespace's module for `path` exists and gives each of `names` (an
    attribute, or a submodule)."""
    module = _module(path)
    return module is not None and all(
        hasattr(module, n) or _module(f"{path}.{n}") is not None for n in names)


@functools.lru_cache(maxsize=None)
def _loaded_with_root():
    """The submodules `import legacy_conv.keras1` loads itself (read at its first import)."""
    root = _module(KERAS)
    return frozenset(n for n in dir(root) if type(getattr(root, n)).__name__ == "module") \
        if root is not None else frozenset()


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
            if owner is None or not hasattr(owner, part):
                return False, ()
            break
    return True, sorted(extra)


@functools.lru_cache(maxsize=None)
def keras3_keywords():
    """Keywords of Keras 3's layers that no Keras 1 layer takes (`padding`, `filters`, ...):
    a layer call with one is Keras 3 code."""
    keras1 = {p for params, *_ in k1.LAYERS.values() for p, _ in params}
    keras1 |= set(rules.LAYER_KWARGS) | set(rules.PACKAGE_ONLY) | {"input_shape", "name"}
    keras3 = {p for n in rules.KERAS3_LAYERS for p in rules.keras3_params(n)}
    return frozenset(keras3 - keras1)


class _Keras3Calls(cst.CSTVisitor):
    """The first Keras 3 keyword of a layer call in a module (None: none)."""

    def __init__(self):
        self.found = None

    def visit_Call(self, node):
        name = imports.dotted(node.func)
        if self.found is None and name and (name.rsplit(".", 1)[-1] in rules.KERAS3_LAYERS):
            self.found = next((a.keyword.value for a in node.args if a.keyword is not None
                               and a.keyword.value in keras3_keywords()), None)


def _is_keras(dotted):
    return dotted == KERAS or (dotted or "").startswith(KERAS + ".")


class _Chains(cst.CSTVisitor):
    """{local name: [attribute chains read from it]} of a module (`keras.layers.Dense` ->
    ('keras', 'layers', 'Dense'))."""

    def __init__(self):
        self.chains = {}

    def visit_Attribute(self, node):
        dotted = imports.dotted(node)
        if dotted is not None:
            parts = tuple(dotted.split("."))
            self.chains.setdefault(parts[0], []).append(parts)
            return False  # the outermost chain only
        return True

    def visit_Import(self, node):
        return False

    def visit_ImportFrom(self, node):
        return False


class _ToNamespace(cst.CSTTransformer):
    METADATA_DEPENDENCIES = (metadata.PositionProvider,)

    def __init__(self, chains, path):
        super().__init__()
        self.chains, self.path, self.entries = chains, path, []

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
        where = [self.get_metadata(metadata.PositionProvider, a).start for a in original.names]
        return any(w.line > where[0].line and w.column == where[0].column for w in where[1:])

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
        start = self.get_metadata(metadata.PositionProvider, node).start
        return self.path, start.line, start.column + 1

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


def to_namespace(module, path):
    """(module with its Keras 1 imports on the namespace, report entries); a module with
    Keras 3 layer calls (`_Keras3Calls`) is Keras 3 code: left as it is."""
    keras3 = _Keras3Calls()
    module.visit(keras3)
    if keras3.found is not None:
        return module, []
    chains = _Chains()
    module.visit(chains)
    wrapper = metadata.MetadataWrapper(module, unsafe_skip_copy=True)
    transformer = _ToNamespace(chains.chains, path)
    new = wrapper.visit(transformer)
    return new, transformer.entries


def to_keras(module):
    """`module` with the namespace's imports as the `keras` imports they came from."""
    return module.visit(_ToKeras())


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
