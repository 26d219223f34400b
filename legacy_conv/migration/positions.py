"""Where the nodes of a module are: their parents (`Parents`), and where they start, as
libcst's `PositionProvider` says, mostly without it (`position`).

`PositionProvider` places every node by generating the module's code with bookkeeping per
node (about a tenth of a migration's time). What the migration places are calls, their
arguments, attribute references and import statements; those come from Python's `ast` of
the module's code instead, paired one to one with libcst's nodes in source order (checked
as they pair: the called name, the attribute, the imported names). Any other node, and
every node of a module whose trees do not pair (an f-string holding a call), is placed by
libcst; `tests/test_migrate_speed.py` checks that the two agree.
"""

import ast
import codecs
import re

import libcst as cst
from libcst import metadata

_LINES = re.compile(r"\r\n|\r|\n")


class Parents(metadata.BaseMetadataProvider):
    """{node: its parent} of a module (None for the module), in the order of a walk over it:
    what libcst's `ParentNodeProvider` gives, from one visit instead of every node's
    `children` (a metadata provider: the wrapper keeps it for every pass that asks)."""

    def _gen_impl(self, module):
        visitor = _ParentsVisitor()
        module.visit(visitor)
        self._computed = visitor.parents


class _ParentsVisitor(cst.CSTVisitor):
    def __init__(self):
        self.parents, self.stack = {}, [None]

    def on_visit(self, node):
        self.parents[node] = self.stack[-1]
        self.stack.append(node)
        return True

    def on_leave(self, node):
        self.stack.pop()


def position(wrapper, node):
    """(line, column from 1) where `node` of `wrapper`'s module starts."""
    line, column = Positions(wrapper).get(node)
    return line, column + 1


class Positions:
    """node -> (line, column from 0) of one module's nodes, libcst's numbers (the wrapper
    keeps what each source gave: asked again, nothing is computed again)."""

    def __init__(self, wrapper):
        self.wrapper = wrapper

    def get(self, node):
        """Where `node` starts; None for a node not in the module."""
        found = self.wrapper.resolve(FromAst).get(node)
        if found is None:
            place = self.wrapper.resolve(metadata.PositionProvider).get(node)
            found = None if place is None else (place.start.line, place.start.column)
        return found


class FromAst(metadata.BaseMetadataProvider):
    """The places of a module's calls, their arguments, its attribute references and its
    import statements (and the lines they start), from Python's `ast` of its code; none
    where the two trees do not pair."""

    METADATA_DEPENDENCIES = (Parents,)

    def _gen_impl(self, module):
        source = module.code
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return
        self._computed = _paired(tree, _Nodes(self.metadata[Parents]),
                                 _LINES.split(source)) or {}


def import_positions(source, module):
    """node -> (line, column from 0) of each import statement of `module` and each of its
    names, read from Python's `ast` of `source`, the text `module` was parsed from. None
    where the two do not pair one to one (the caller then asks libcst)."""
    if isinstance(source, bytes):
        if source.startswith(codecs.BOM_UTF8):
            return None
        try:
            source = source.decode("utf-8")
        except UnicodeDecodeError:
            return None
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    statements = _Statements()
    module.visit(statements)
    positions = {}
    found = _by_type(tree, (ast.Import, ast.ImportFrom))
    return positions if _imports(found, statements, _LINES.split(source), positions) else None


class _Statements(cst.CSTVisitor):
    """The import statements of a module in order (`_Nodes`' `imports`; expressions not
    entered): all `import_positions` needs, without a parent map."""

    def __init__(self):
        super().__init__()
        self.imports, self.lines = [], []

    def on_visit(self, node):
        if type(node) in (cst.Import, cst.ImportFrom):
            self.imports.append(node)
        return not isinstance(node, cst.BaseExpression)


class _Nodes:
    """libcst's nodes that `ast` places, by kind, in source order, from the parents map."""

    def __init__(self, parents):
        self.calls, self.attributes, self.imports, self.lines = [], [], [], []
        inside_imports = set()
        for node, parent in parents.items():
            kind = type(node)
            if kind is cst.Call:
                self.calls.append(node)
            elif kind is cst.Attribute:
                if parent in inside_imports:
                    inside_imports.add(node)
                else:
                    self.attributes.append(node)
            elif kind in (cst.Import, cst.ImportFrom):
                self.imports.append(node)
                inside_imports.add(node)
            elif kind is cst.ImportAlias:
                inside_imports.add(node)
            elif kind is cst.SimpleStatementLine and type(node.body[0]) in (cst.Import,
                                                                             cst.ImportFrom):
                self.lines.append(node)


_KINDS = (ast.Call, ast.Attribute, ast.Import, ast.ImportFrom, ast.JoinedStr)


def _by_type(tree, kinds=_KINDS):
    """{ast type: its nodes in libcst's walk order} of `kinds` (those placed here)."""
    found = {kind: [] for kind in kinds}
    for node in ast.walk(tree):
        bucket = found.get(type(node))
        if bucket is not None:
            bucket.append(node)
    return {kind: _in_order(nodes) for kind, nodes in found.items()}


def _in_order(nodes):
    """`ast` nodes in the order of a walk over libcst's tree: by start, the outer first."""
    return sorted(nodes, key=lambda n: (n.lineno, n.col_offset, -n.end_lineno,
                                        -n.end_col_offset))


def _place(lines, node):
    """libcst's (line, column from 0) of an `ast` node (whose column counts UTF-8 bytes)."""
    line = lines[node.lineno - 1]
    return node.lineno, len(line.encode("utf-8")[:node.col_offset].decode("utf-8"))


def _paired(tree, nodes, lines):
    found, positions = _by_type(tree), {}
    if any(isinstance(inner, (ast.Call, ast.Attribute)) for text in found[ast.JoinedStr]
           for inner in ast.walk(text)):
        return None  # Python's places inside f-strings are not always right before 3.12
    if _imports(found, nodes, lines, positions) and _calls(found, nodes, lines, positions) \
            and _attributes(found, nodes, lines, positions):
        return positions
    return None


def _imports(found, nodes, lines, positions):
    from legacy_conv.migration.imports import dotted  # which imports this module

    statements = sorted(found[ast.Import] + found[ast.ImportFrom],
                        key=lambda n: (n.lineno, n.col_offset))
    if len(statements) != len(nodes.imports):
        return False
    for old, new in zip(statements, nodes.imports):
        star = isinstance(new, cst.ImportFrom) and isinstance(new.names, cst.ImportStar)
        names = [] if star else new.names
        if type(old).__name__ != type(new).__name__ or [a.name for a in old.names] != (
                ["*"] if star else [dotted(a.name) for a in names]) or isinstance(
                old, ast.ImportFrom) and (old.module, old.level) != (
                dotted(new.module) if new.module else None, len(new.relative)):
            return False
        positions[new] = _place(lines, old)
        positions.update((a, _place(lines, o)) for a, o in zip(names, old.names))
    positions.update((line, positions[line.body[0]]) for line in nodes.lines)
    return True


def _calls(found, nodes, lines, positions):
    if len(found[ast.Call]) != len(nodes.calls):
        return False
    for old, new in zip(found[ast.Call], nodes.calls):
        if _called(old.func) != _called(new.func):
            return False
        positions[new] = _place(lines, old)
        arguments = _in_order(old.args + old.keywords)
        if len(arguments) != len(new.args):
            return False
        for old_arg, new_arg in zip(arguments, new.args):
            if _starts_alike(new_arg):
                positions[new_arg] = _place(lines, old_arg)
    return True


def _starts_alike(arg):
    """Whether Python places an argument where libcst does: not `f((x))` (Python places
    x, libcst the bracket) nor `f(x for x in y)` (Python, the call's bracket)."""
    if arg.keyword is not None or arg.star:
        return True
    value = arg.value
    if isinstance(value, (cst.Tuple, cst.GeneratorExp)):
        return len(value.lpar) == 1  # Python places these at their own first bracket
    return not value.lpar


def _attributes(found, nodes, lines, positions):
    if len(found[ast.Attribute]) != len(nodes.attributes):
        return False
    for old, new in zip(found[ast.Attribute], nodes.attributes):
        if old.attr != new.attr.value:
            return False
        positions[new] = _place(lines, old)
    return True


def _called(func):
    """The last name of a called expression (`ast` or libcst), else its type's name."""
    if isinstance(func, (ast.Name, cst.Name)):
        return func.id if isinstance(func, ast.Name) else func.value
    if isinstance(func, (ast.Attribute, cst.Attribute)):
        return func.attr if isinstance(func, ast.Attribute) else func.attr.value
    return "call"
