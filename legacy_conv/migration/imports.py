"""What a name in the source refers to, whatever the import style.

`Resolver(wrapper).qualified(node)` gives the dotted name a `Name` or `Attribute` stands
for: `keras.layers.Convolution2D` for `Convolution2D` after `from keras.layers import *`,
`from keras.layers import Convolution2D as C`, `import keras.layers as L; L.Convolution2D`,
`from keras import layers`, `import keras`, `from tensorflow import keras`,
`tf.keras.layers.X`, and simple aliases (`Conv = keras.layers.Convolution2D`). Imports
come from libcst's scopes (`get_qualified_names_for`, what `QualifiedNameProvider` computes
for every node, asked only for the references); star imports and aliases are resolved here.

`classify(qualified)` then says what it is to the migration (`Ref`).

`add_needed` and `drop_unused` edit a rewritten module's imports as libcst's
`AddImportsVisitor` and `RemoveImportsVisitor` do, byte for byte, without their passes over
the whole module (a scope analysis of it, for the removal): they enter statements only, and
whether a name is still used is read from the text where only module-level imports bind it.
"""

import ast
from collections import namedtuple

import libcst as cst
from libcst import metadata
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor
from libcst.codemod.visitors import RemoveImportsVisitor
from libcst.codemod.visitors._add_imports import _GatherTopImportsBeforeStatements

from legacy_conv.migration import positions
from legacy_conv.migration import rules

# kind: 'layer' (a Keras 1 layer or `merge`), 'helper' (a regularizer/constraint helper),
# 'model' (keras.models.Model), 'keras3' (a tf.keras layer: Keras 3 only), 'module' (a Keras
# 1 module that Keras 3 lacks), None; name: the Keras 1 name; origin: 'keras1', 'legacy',
# 'keras3'.
# namespace: reached through the Keras 1 namespace (`legacy_conv.keras1`; `qualified` then
# names the Keras 1 object it stands for).
Ref = namedtuple("Ref", "qualified kind name origin namespace")
Ref.__new__.__defaults__ = (False,)
NAMESPACE = "legacy_conv.keras1"
LEGACY = rules.LEGACY


def code(node):
    return cst.Module([]).code_for_node(node)


def dotted(node):
    """'a.b.c' for a Name/Attribute chain, else None."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = dotted(node.value)
        return None if base is None else f"{base}.{node.attr.value}"
    return None


def module_name(node):
    """The dotted module of an ImportFrom (None for relative imports)."""
    if node.relative or node.module is None:
        return None
    return dotted(node.module)


def _visitors_by_class(self):
    """`BatchableCSTVisitor.get_visitors`, its answer kept per class: libcst asks each
    metadata provider of each file for its `visit_`/`leave_` methods by inspecting its ~600
    attributes (0.7 ms a provider, twice a file), and the names do not change."""
    names = _VISITOR_NAMES.get(type(self))
    if names is None:
        names = _VISITOR_NAMES[type(self)] = tuple(
            cst.BatchableCSTVisitor.get_visitors(self))
    return {name: getattr(self, name) for name in names}


_VISITOR_NAMES = {}
for _provider in (metadata.ScopeProvider, metadata.ExpressionContextProvider):
    _provider.get_visitors = _visitors_by_class


class Resolver:
    """Qualified names of the references of one module."""

    def __init__(self, wrapper):
        self.wrapper = wrapper
        self.scopes = wrapper.resolve(metadata.ScopeProvider)
        self.parents = wrapper.resolve(positions.Parents)
        self.module = wrapper.module
        self.stars = [(module_name(node), node) for node in _star_imports(self.parents)]
        self.global_scope = self.scopes.get(self.module.body[0]) if self.module.body else None
        self._resolving = set()

    def qualified(self, node):
        """The dotted name `node` refers to, or None."""
        if not isinstance(node, (cst.Name, cst.Attribute)):
            return None
        scope = self.scopes.get(node)
        names = (scope.get_qualified_names_for(node) if scope else None) or set()
        imported = [q.name for q in names if q.source is metadata.QualifiedNameSource.IMPORT]
        if len(imported) == 1:
            return imported[0]
        if isinstance(node, cst.Name):
            return self._bare(node)
        base = self.qualified(node.value)
        return None if base is None else f"{base}.{node.attr.value}"

    def _bare(self, node):
        scope = self.scopes.get(node)
        if scope is None:
            return None
        assignments = list(scope[node.value])
        if not assignments:
            return self._from_star(node.value)
        if len(assignments) != 1 or type(assignments[0]) is not metadata.Assignment:
            return None
        # An alias: `Conv = keras.layers.Convolution2D`.
        target = assignments[0].node
        holder = self.parents.get(target)
        assign = self.parents.get(holder) if isinstance(holder, cst.AssignTarget) else None
        if not isinstance(assign, cst.Assign) or holder.target is not target or \
                id(target) in self._resolving:
            return None
        self._resolving.add(id(target))
        try:
            return self.qualified(assign.value)
        finally:
            self._resolving.discard(id(target))

    def _from_star(self, name):
        for module, _ in reversed(self.stars):
            if module is not None and name in rules.exports(module):
                return f"{module}.{name}"
        return None

    def star_source(self, name):
        """The star ImportFrom node a bare `name` comes from (or None)."""
        for module, node in reversed(self.stars):
            if module is not None and name in rules.exports(module):
                return node
        return None

    def binding(self, node):
        """The module-level import assignment a bare Name refers to (or None)."""
        scope = self.scopes.get(node)
        if scope is None or not isinstance(node, cst.Name):
            return None
        assignments = list(scope[node.value])
        if len(assignments) == 1 and isinstance(assignments[0], metadata.ImportAssignment):
            return assignments[0]
        return None

    def is_free(self, name, allowed=()):
        """Whether the module scope binds `name` to nothing but from-imports of `allowed`
        (qualified names)."""
        if self.global_scope is None:
            return True
        for assignment in self.global_scope[name]:
            if not isinstance(assignment, metadata.ImportAssignment):
                return False
            if _imported_qualified(assignment) not in allowed:
                return False
        return True

    @property
    def positions(self):
        """The module's `positions.Positions` (what they read, the wrapper keeps:
        `namespace.to_native`'s pass and this analysis share one wrapper when that pass
        leaves the module as it is)."""
        return positions.Positions(self.wrapper)

    def position(self, node):
        return positions.position(self.wrapper, node)


def _imported_qualified(assignment):
    node = assignment.node
    if isinstance(node, cst.ImportFrom) and not isinstance(node.names, cst.ImportStar):
        module = module_name(node)
        for alias in node.names:
            local = alias.asname.name.value if alias.asname else alias.name.value
            if local == assignment.name and module is not None:
                return f"{module}.{dotted(alias.name)}"
    return None


def _star_imports(parents):
    """The star imports of a module outside its functions and classes (where Python
    refuses them), in order, from its `positions.Parents` map."""
    found = []
    for node in parents:
        if type(node) is cst.ImportFrom and isinstance(node.names, cst.ImportStar):
            outer = parents[node]
            while outer is not None and not isinstance(outer, (cst.FunctionDef, cst.ClassDef)):
                outer = parents[outer]
            if outer is None:
                found.append(node)
    return found


def classify(qualified):
    """The `Ref` of a dotted name (kind None: nothing the migration touches)."""
    if not qualified or "." not in qualified:
        return Ref(qualified, None, None, None)
    if qualified.startswith(NAMESPACE + "."):
        ref = classify("keras" + qualified[len(NAMESPACE):])
        return ref._replace(namespace=True) if ref.kind else Ref(qualified, None, None, None)
    module, name = qualified.rsplit(".", 1)
    if module in rules.LEGACY_LAYER_MODULES and name in rules.LEGACY_LAYERS:
        return Ref(qualified, "layer", name, "legacy")
    if module in rules.LEGACY_HELPER_MODULES.values() and name in rules.helpers(module):
        return Ref(qualified, "helper", name, "legacy")
    if module in rules.KERAS3_LAYER_MODULES and name in rules.KERAS3_LAYERS:
        return Ref(qualified, "keras3", name, "keras3")
    if module in rules.KERAS1_LAYER_MODULES and name in rules.exports(module):
        if name in rules.KERAS1_LAYERS:
            return Ref(qualified, "layer", name, "keras1")
        if name in rules.MODELS:
            return Ref(qualified, "model", name, "keras1")
        return Ref(qualified, "other", name, "keras1")
    if module in rules.LEGACY_HELPER_MODULES and name in rules.exports(module):
        return Ref(qualified, "helper", name, "keras1")
    if module in rules.MODEL_MODULES and name in rules.MODELS:
        return Ref(qualified, "model", name, "keras1")
    return Ref(qualified, None, None, None)


def reaches_keras(module):
    """Whether an import of `module` (at any depth) names a module that `classify` may find
    a Keras object under, other than the Keras 1 namespace by a name of its own (`import
    legacy_conv.keras1 as keras`, `from legacy_conv.keras1.layers import Dense`): without
    one, no reference of the module is anything the analysis changes. (`import
    legacy_conv.keras1.x` binds `legacy_conv`: the caller checks that the code names
    legacy_conv nowhere else.)"""
    found = []

    class Imports(cst.CSTVisitor):
        def on_visit(self, node):
            return not found and not isinstance(node, cst.BaseExpression) and \
                super().on_visit(node)

        def visit_Import(self, node):
            found.extend(a for a in node.names if _keras_root(dotted(a.name)) and not (
                _on_namespace(dotted(a.name)) and (a.asname is not None or "." in dotted(
                    a.name))))

        def visit_ImportFrom(self, node):
            module_ = module_name(node)
            if _keras_root(module_) and not _on_namespace(module_):
                found.append(node)

    module.visit(Imports())
    return bool(found)


def _keras_root(name):
    return name is not None and name.split(".")[0] in _KERAS_ROOTS


def _on_namespace(name):
    return name == NAMESPACE or name.startswith(NAMESPACE + ".")


_KERAS_ROOTS = frozenset(m.split(".")[0] for m in (
    *rules.KERAS1_LAYER_MODULES, *rules.LEGACY_LAYER_MODULES, *rules.LEGACY_HELPER_MODULES,
    *rules.LEGACY_HELPER_MODULES.values(), *rules.MODEL_MODULES, *rules.KERAS3_LAYER_MODULES))


# -- the imports of a rewritten module: adding the needed, dropping the unused ----------------
class ImportsOnly:
    """A transformer that enters statements only (never an expression or a statement line
    without an import): libcst's import visitors change nothing else. It has no
    `@visit`/`@leave` matchers: `__dir__` spares libcst's search of its ~600 attributes for
    them, on each instance."""

    def __dir__(self):
        return []

    def on_visit(self, node):
        if isinstance(node, cst.BaseExpression) or isinstance(node, cst.SimpleStatementLine) \
                and not _is_import_line(node):
            return False
        return super().on_visit(node)


class _Adder(ImportsOnly, AddImportsVisitor):
    """libcst's `AddImportsVisitor`, its gathering of the imports at the top (libcst 1.x's
    `AddImportsVisitor.visit_Module`) done without a visit of the whole module and without
    a matcher search per gatherer."""

    def visit_Module(self, node):
        gatherer = _TopImports(self.context)
        gatherer.leave_Module(node)  # all it does: read the first statements
        self.all_imports = gatherer.all_imports
        self.module_imports -= gatherer.module_imports
        for module, alias in gatherer.module_aliases.items():
            if self.module_aliases.get(module) == alias:
                del self.module_aliases[module]
        for module, aliases in gatherer.alias_mapping.items():
            for pair in aliases:
                if pair in self.alias_mapping.get(module, ()):
                    self.alias_mapping[module].remove(pair)
                    if not self.alias_mapping[module]:
                        del self.alias_mapping[module]
        for module, names in gatherer.object_mapping.items():
            if module not in self.module_mapping:
                continue
            if "*" in names:
                del self.module_mapping[module]
            else:
                self.module_mapping[module] -= names
                if not self.module_mapping[module]:
                    del self.module_mapping[module]


    def _split_module(self, orig_module, updated_module):
        """libcst's split, the new imports going after the last import of the module's
        opening (`opening`), not before its first statement that is not an import."""
        before, until, _ = super()._split_module(orig_module, updated_module)
        location = max(len(before) + len(until), opening(orig_module.body))
        body = list(updated_module.body)
        return before, body[len(before):location], body[location:]


class _TopImports(_GatherTopImportsBeforeStatements):
    """libcst's gatherer of the imports at the top, reading those of the module's opening
    (`opening`): an import after `np.random.seed(1337)` is not added again."""

    __dir__ = ImportsOnly.__dir__

    def leave_Module(self, original_node):
        for statement in original_node.body[:opening(original_node.body)]:
            if _is_import_line(statement):
                self.all_imports += [s for s in statement.body
                                     if isinstance(s, (cst.Import, cst.ImportFrom))]
        for statement in self.all_imports:
            if isinstance(statement, cst.Import):
                self._handle_Import(statement)
            else:
                self._handle_ImportFrom(statement)


def opening(body):
    """The end of a module's opening: its import lines and the expression statements
    among them (a docstring, `np.random.seed(1337)`, `sys.path.append(...)`), up to the
    last import line."""
    end = 0
    for index, statement in enumerate(body):
        if _is_import_line(statement):
            end = index + 1
        elif not (isinstance(statement, cst.SimpleStatementLine) and
                  all(isinstance(s, cst.Expr) for s in statement.body)):
            break
    return end


def _is_import_line(statement):
    return isinstance(statement, cst.SimpleStatementLine) and \
        any(isinstance(s, (cst.Import, cst.ImportFrom)) for s in statement.body)


class _Dropper(ImportsOnly, RemoveImportsVisitor):
    """libcst's `RemoveImportsVisitor`, told which aliases are unused instead of finding out
    with a scope analysis of the whole module."""

    METADATA_DEPENDENCIES = ()

    def __init__(self, context, unused):
        super().__init__(context)
        self.unused = unused

    def visit_Module(self, node):
        self._unused_imports = self.unused


class _Aliases(cst.CSTVisitor):
    """The ImportAlias nodes of a module's import statements (expressions not entered)."""

    def __init__(self):
        self.found = []

    def visit_SimpleStatementLine(self, node):
        for statement in node.body:
            if isinstance(statement, (cst.Import, cst.ImportFrom)) and \
                    not isinstance(statement.names, cst.ImportStar):
                self.found += [(alias, statement) for alias in statement.names]
        return False


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda, ast.ListComp,
           ast.SetComp, ast.DictComp, ast.GeneratorExp)


class _Names(ast.NodeVisitor):
    """What a module's text does with its names: `loads` (names read), `bound` (names bound
    other than by a module-level import of one name), `strings` (its string constants where something
    could name an import in one: `__all__`, annotations, TypeVar; else none)."""

    def __init__(self, text):
        self.loads, self.bound, self.depth, self.typed = set(), set(), 0, False
        strings = []
        tree = ast.parse(text)
        self.visit(tree)
        if self.typed or {"__all__", "TypeVar"} & (self.loads | self.bound):
            strings = [n.value for n in ast.walk(tree)
                       if isinstance(n, ast.Constant) and isinstance(n.value, str)]
        self.strings = "\n".join(strings)

    def generic_visit(self, node):
        nested = isinstance(node, _SCOPES)
        if nested and not isinstance(node, ast.Lambda) and hasattr(node, "name"):
            self.bound.add(node.name)
        if isinstance(node, ast.Name):
            (self.loads if isinstance(node.ctx, ast.Load) else self.bound).add(node.id)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            self.bound.update(node.names)
        elif isinstance(node, ast.arg):
            self.bound.add(node.arg)
            self.typed |= node.annotation is not None
        elif isinstance(node, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar)) and node.name:
            self.bound.add(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            self.bound.add(node.rest)
        elif isinstance(node, ast.alias) and (self.depth or "." in node.name and
                                              not node.asname):
            # a local import, or `import a.b` (libcst ties `a.b.c` to it, not to `import a`)
            self.bound.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, (ast.AnnAssign, ast.FunctionDef, ast.AsyncFunctionDef)):
            self.typed |= getattr(node, "returns", None) is not None or \
                isinstance(node, ast.AnnAssign)
        elif isinstance(node, ast.Attribute) and node.attr == "TypeVar":
            self.typed = True
        self.depth += nested
        super().generic_visit(node)
        self.depth -= nested


def drop_unused(module, candidates):
    """`module` without the imports among `candidates` ((module, name or None, asname or
    None), as for `RemoveImportsVisitor.remove_unused_import`) that nothing uses: what
    libcst's `RemoveImportsVisitor` makes, without its scope analysis where the text alone
    decides; else with it. The text decides a name that nothing binds but module-level
    imports: read anywhere (a global it is then), it is used; read nowhere (and in no
    string of `__all__` or an annotation), it is not."""
    context = CodemodContext()
    for candidate in sorted(candidates, key=str):
        RemoveImportsVisitor.remove_unused_import(context, *candidate)
    names = _Names(module.code)
    unused = set()
    for mod, name, asname in candidates:
        local = asname or name or mod.split(".")[0]
        if local in names.bound or local in names.strings:
            return RemoveImportsVisitor(context).transform_module(module)  # undecided
        if local not in names.loads:
            unused.add(local)
    aliases = _Aliases()
    module.visit(aliases)
    return module.visit(_Dropper(context, {alias: statement for alias, statement in aliases.found
                                           if _local(alias) in unused}))


def as_left(entries, module):
    """Report entries with each import statement's new text as `module` (the rewrite, after
    `drop_unused`) has it: without the names it no longer imports ('(removed)' where none
    is left)."""
    aliases = _Aliases()
    module.visit(aliases)
    kept = {_imported(alias, statement) for alias, statement in aliases.found}
    return [_as_left(entry, kept) for entry in entries]


def _imported(alias, statement):
    source = module_name(statement) if isinstance(statement, cst.ImportFrom) else None
    return source, alias.evaluated_name, alias.evaluated_alias


def _as_left(entry, kept):
    try:
        lines = cst.parse_module(entry.new or "").body
    except cst.ParserSyntaxError:
        return entry  # not an import statement's entry ('(removed)', a moved attribute)
    statements = [s.with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
                  for line in lines for s in getattr(line, "body", ())]
    if not statements or not all(isinstance(s, (cst.Import, cst.ImportFrom)) and
                                 not isinstance(s.names, cst.ImportStar) for s in statements):
        return entry
    left = []
    for statement in statements:
        names = [a.with_changes(comma=cst.MaybeSentinel.DEFAULT) for a in statement.names
                 if _imported(a, statement) in kept]
        if names:
            left.append(code(statement.with_changes(names=names)) if len(names) < len(
                statement.names) else code(statement))
    text = "; ".join(left) or "(removed)"
    return entry if text == entry.new else entry._replace(new=text)


def _local(alias):
    return (alias.evaluated_alias or alias.evaluated_name).split(".")[0]


def add_needed(module, needs):
    """`module` with the imports `needs` ((module,) or (module, name[, asname])) added as
    libcst's `AddImportsVisitor` adds them."""
    context = CodemodContext()
    for need in needs:
        AddImportsVisitor.add_needed_import(context, *need)
    return module.visit(_Adder(context))
