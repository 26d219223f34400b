"""The rewrite pass: a libcst transformer that applies an `analysis.Plan`.

It replaces the converted calls (with the calls inside their arguments rewritten too),
renames keywords, moves attribute references to `legacy_conv`, and rewrites the import
statements (each name to where it comes from after the migration: `legacy_conv`,
`legacy_conv.regularizers`/`constraints`, `keras.layers`, or nowhere). `run.migrate_source`
then adds the imports the new calls need and removes the ones left unused
(`imports.add_needed`, `imports.drop_unused`: libcst's `AddImportsVisitor` /
`RemoveImportsVisitor` edits, without their analyses of the whole module).
"""

import libcst as cst

from legacy_conv.migration import imports
from legacy_conv.migration import keras3
from legacy_conv.migration import layout
from legacy_conv.migration import report
from legacy_conv.migration import rules
from legacy_conv.migration.analysis import KERAS3_MODULES
from legacy_conv.migration.analysis import entry as _entry
from legacy_conv.migration.analysis import is_legacy_use as _is_legacy_use


def _code(node):
    return cst.Module([]).code_for_node(node)


class Rewriter(cst.CSTTransformer):
    """Applies a `Plan`: calls, references, keyword renames and import statements."""

    def __init__(self, plan, options):
        super().__init__()
        self.plan = plan
        self.options = options
        self.moving = {id(r.node): r for r in plan.references
                       if isinstance(r.node, cst.Attribute)}
        self.reported = set()
        self.entered = _entered(plan)
        self.whole = 0  # > 0 inside a new call: every node entered

    def on_visit(self, node):
        """Enters only what holds something to rewrite (a node of the plan, or an import
        statement): the rest of the module is kept as it is, unvisited."""
        return (self.whole or node in self.entered) and super().on_visit(node)

    def leave_Call(self, original, updated):
        new = self.plan.calls.get(original)
        if isinstance(new, cst.Call):
            # `new` holds the call's original argument expressions: rewrite the calls
            # inside them too (e.g. merge([Convolution2D(...)(x), y])).
            self.whole += 1
            try:
                return new.visit(self)
            finally:
                self.whole -= 1
        added = self.plan.added_kwargs.get(original)
        if added:
            args = list(updated.args)
            if args:
                args[-1] = args[-1].with_changes(comma=cst.Comma(
                    whitespace_after=cst.SimpleWhitespace(" ")))
            args += [cst.Arg(value=v, keyword=cst.Name(k), equal=layout.no_space_equal())
                     for k, v in added]
            return updated.with_changes(args=args)
        return updated

    def leave_Arg(self, original, updated):
        keyword = self.plan.keyword_renames.get(original)
        if keyword is not None:
            return updated.with_changes(keyword=cst.Name(keyword))
        return updated

    def leave_Attribute(self, original, updated):
        reference = self.moving.get(id(original))
        if reference is None or reference.ref.namespace or \
                not _is_legacy_use(self.plan, reference):
            return updated
        if reference.ref.origin == "keras3" and self.plan.uses.get(id(original)) != "keras1":
            return updated  # tf.keras is Keras 3: only its Keras 1 calls move
        target = _moved_attribute(reference.ref)
        if target is None:
            return updated
        self.plan.needs.add((target.split(".")[0],))
        if id(original) not in self.reported:  # a rewritten call's arguments are seen twice
            self.reported.add(id(original))
            where = (self.options.path, *self.plan.resolver.position(original),
                     _code(original))
            self.plan.import_entries.append(_entry(where, "converted", target, None))
        return cst.parse_expression(target)

    def leave_SimpleStatementLine(self, original, updated):
        if len(updated.body) != 1 or not isinstance(updated.body[0], (cst.ImportFrom,
                                                                       cst.Import)):
            return updated
        statement = original.body[0]
        if isinstance(statement, cst.Import):
            new = self._import(updated, updated.body[0])
        elif imports.module_name(statement) is None:
            return updated
        elif isinstance(statement.names, cst.ImportStar):
            new = self._star(updated, statement, imports.module_name(statement))
        else:
            new = self._from_import(updated, statement)
        if new is not updated:
            self._report(original, new)
        return new

    def _from_import(self, updated, statement):
        module = imports.module_name(statement)
        groups = {}  # target module -> [ImportAlias]
        for alias in statement.names:
            target = self._alias_target(module, alias)
            groups.setdefault(target, []).append(alias)
        groups.pop(None, None)  # dropped names
        if list(groups) == [module] and len(groups[module]) == len(statement.names):
            return updated
        lines = []
        for target, aliases in groups.items():
            names = [a.with_changes(comma=cst.MaybeSentinel.DEFAULT) for a in aliases]
            node = cst.ImportFrom(module=cst.parse_expression(target), names=names)
            lines.append(cst.SimpleStatementLine(body=[node]))
        if not lines:
            return cst.RemovalSentinel.REMOVE
        lines[0] = lines[0].with_changes(leading_lines=updated.leading_lines,
                                         trailing_whitespace=_with_comments(
                                             updated.trailing_whitespace, statement))
        return cst.FlattenSentinel(lines)

    def _report(self, original, new):
        if isinstance(new, cst.FlattenSentinel):
            text = "; ".join(_code(line.body[0]) for line in new.nodes)
        elif isinstance(new, cst.RemovalSentinel):
            text = "(removed)"
        else:
            text = _code(new.body[0])
        where = (self.options.path, *self.plan.resolver.position(original),
                 _code(original.body[0]))
        self.plan.import_entries.append(_entry(where, "converted", text, None))

    def _alias_target(self, module, alias):
        """The module an imported name comes from after the migration (None: dropped)."""
        name = imports.dotted(alias.name)
        local = alias.asname.name.value if alias.asname else name
        ref = imports.classify(f"{module}.{name}")
        if ref.kind is None and f"{module}.{name}" in rules.KERAS1_LAYER_MODULES \
                and module.startswith("keras."):
            # a Keras 1 module (`from keras.layers import core`) that Keras 3 lacks
            return imports.NAMESPACE + module[len("keras"):]
        if ref.kind is None or ref.namespace:
            return module
        remaining, keras3, keras3_calls = self._uses(local)
        if ref.kind == "keras3":  # tf.keras: move only for Keras 1 calls left
            if name in rules.LEGACY_LAYERS and self._keras1_calls(local):
                if keras3_calls:
                    self.plan.entries.append(report.Entry(
                        self.options.path, *self.plan.resolver.position(alias), "warning",
                        None, None, f"(Manual check required) {local} is called both as "
                        "Keras 1 and as Keras 3 code; it now names legacy_conv's layer"))
                self.plan.maybe_unused.add((rules.LEGACY, name, alias_asname(alias)))
                return rules.LEGACY
            return module
        if ref.kind == "layer" and name in rules.LEGACY_LAYERS:
            if ref.origin == "legacy":
                if remaining == 0 and keras3:  # every use is Keras 3's now
                    if keras3_calls and name in rules.KERAS3_LAYERS:
                        self.plan.needs_late.add(("keras.layers", name, alias_asname(alias)))
                    return None
                self.plan.maybe_unused.add((module, name, alias_asname(alias)))
                return module
            if remaining == 0 and keras3:
                keep = module in KERAS3_MODULES and name in rules.KERAS3_LAYERS
                if keep:
                    self.plan.maybe_unused.add((module, name, alias_asname(alias)))
                if not keep and keras3_calls and name in rules.KERAS3_LAYERS:
                    self.plan.needs_late.add(("keras.layers", name, alias_asname(alias)))
                return module if keep else None
            self.plan.maybe_unused.add((rules.LEGACY, name, alias_asname(alias)))
            return rules.LEGACY
        if ref.kind == "helper":
            if remaining == 0 and keras3 and module in rules.LEGACY_HELPER_MODULES:
                self.plan.maybe_unused.add((module, name, alias_asname(alias)))
                return module  # Keras 3 code of Keras 3's class of the same name
            target = rules.LEGACY_HELPER_MODULES.get(module, module)
            self.plan.maybe_unused.add((target, name, alias_asname(alias)))
            return target
        if ref.kind == "layer" and self._refused(local) and module.startswith("keras."):
            if not keras3:  # every call stays Keras 1's (`weights=`, ...): the namespace's
                self.plan.maybe_unused.add((imports.NAMESPACE + module[len("keras"):], name,
                                            alias_asname(alias)))
                return imports.NAMESPACE + module[len("keras"):]
            self.plan.entries.append(report.Entry(
                self.options.path, *self.plan.resolver.position(alias), "warning", None, None,
                f"(Manual check required) {local} is called both as Keras 1 code that stays "
                f"Keras 1's and as Keras 3 code; it still names Keras 3's layer: import the "
                f"Keras 1 calls' class from {imports.NAMESPACE + module[len('keras'):]} under "
                "another name"))
        if module in KERAS3_MODULES:
            target = module
        elif ref.kind in ("layer", "other") and name in _keras3_layer_names():
            target = "keras.layers"
        else:
            target = "keras.models" if ref.kind == "model" else module
        if keras3 > keras3_calls:  # calls of it were converted (`legacy_conv.Keras1PReLU`)
            self.plan.maybe_unused.add((target, name, alias_asname(alias)))
        return target

    def _keras1_calls(self, local):
        return sum(1 for r in self.plan.references if isinstance(r.node, cst.Name) and
                   r.node.value == local and r.binding is not None and
                   self.plan.uses.get(id(r.node)) == "keras1" and
                   id(r.node) not in self.plan.converted_funcs)

    def _refused(self, local):
        """The Keras 1 calls of the import named `local` that `--to native` kept Keras 1's."""
        return next((self.plan.refused.get(id(r.binding), 0) for r in self.plan.references
                     if r.binding is not None and r.binding.name == local), 0)

    def _uses(self, local):
        """(Keras 1 uses left, Keras 3 uses, Keras 3 calls not converted) of the
        module-level import named `local`."""
        for reference in self.plan.references:
            binding = reference.binding
            if binding is not None and binding.name == local:
                return (self.plan.remaining.get(id(binding), 0),
                        self.plan.keras3_uses.get(id(binding), 0),
                        self.plan.keras3_calls.get(id(binding), 0))
        return 0, 0, 0

    def _star(self, updated, statement, module):
        """`from M import *`: kept where Keras 3 has M (our names imported after it, to
        shadow Keras 3's), else replaced by imports of the names the code still uses. Only a
        Keras module's: any other (`from help_functions import *`) is left as it is."""
        if not rules.exports(module):
            return updated
        star_of = self.plan.resolver.star_source
        groups = {}
        for reference in self.plan.references:
            node = reference.node
            if not isinstance(node, cst.Name) or reference.binding is not None or \
                    id(node) in self.plan.converted_funcs or star_of(node.value) is not statement:
                continue
            name, legacy_use = node.value, _is_legacy_use(self.plan, reference)
            ref = imports.classify(f"{module}.{name}")
            if legacy_use and ref.kind == "layer" and name in rules.LEGACY_LAYERS and \
                    ref.origin != "legacy":
                target = rules.LEGACY
            elif legacy_use and ref.kind == "helper" and ref.origin != "legacy":
                target = rules.LEGACY_HELPER_MODULES[module]
            elif module not in _keras3_modules() and name in _keras3_layer_names():
                target = "keras.layers"
            else:
                continue
            if name not in groups.setdefault(target, []):
                groups[target].append(name)
                self.plan.maybe_unused.add((target, name, None))
        keep_star = module in _keras3_modules() or module == rules.LEGACY or \
            module in rules.LEGACY_HELPER_MODULES.values()
        if keep_star and not groups:
            return updated
        lines = [updated] if keep_star else []
        for target, names in groups.items():
            node = cst.ImportFrom(module=cst.parse_expression(target),
                                  names=[cst.ImportAlias(cst.Name(n)) for n in sorted(names)])
            lines.append(cst.SimpleStatementLine(body=[node]))
        if not lines:
            return cst.RemovalSentinel.REMOVE
        if not keep_star:
            lines[0] = lines[0].with_changes(leading_lines=updated.leading_lines,
                                             trailing_whitespace=updated.trailing_whitespace)
        return cst.FlattenSentinel(lines)

    def _import(self, updated, statement):
        """`import keras.layers.convolutional [as m]`: Keras 3 has no such module; the
        references through it were rewritten, so it becomes `import keras` (or goes)."""
        names = []
        for alias in statement.names:
            name = imports.dotted(alias.name)
            if name in rules.KERAS1_LAYER_MODULES and name not in _keras3_modules():
                if alias.asname is None:
                    names.append(cst.ImportAlias(cst.Name(name.split(".")[0])))
                    self.plan.maybe_unused.add((name.split(".")[0], None, None))
                continue
            if name == rules.LEGACY:
                self.plan.maybe_unused.add((name, None, alias_asname(alias)))
            names.append(alias)
        if len(names) == len(statement.names) and all(
                a is b for a, b in zip(names, statement.names)):
            return updated
        if not names:
            return cst.RemovalSentinel.REMOVE
        names[-1] = names[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return updated.with_changes(body=[statement.with_changes(names=names)])


def _entered(plan):
    """The nodes the rewriter enters: those it may change (the plan's calls, arguments and
    moving attributes, the import statements) and every node above them."""
    parents = plan.resolver.parents
    targets = [*plan.calls, *plan.added_kwargs, *plan.keyword_renames,
               *(r.node for r in plan.references if isinstance(r.node, cst.Attribute))]
    targets += [parents.get(node) for node in parents
                if isinstance(node, (cst.Import, cst.ImportFrom))]
    entered = set()
    for node in targets:
        while node is not None and node not in entered:
            entered.add(node)
            node = parents.get(node)
    return entered


def _with_comments(trailing, statement):
    """The statement's trailing whitespace, carrying the comments that were inside it (a
    parenthesized import over several lines)."""
    found = []

    class Comments(cst.CSTVisitor):
        def visit_Comment(self, node):
            found.append(node.value)

    statement.visit(Comments())
    if not found:
        return trailing
    if trailing.comment is not None:
        found.append(trailing.comment.value)
    text = "  ".join(c if c.startswith("#") else f"# {c}" for c in found)
    return trailing.with_changes(whitespace=cst.SimpleWhitespace("  "),
                                 comment=cst.Comment(text))


def alias_asname(alias):
    return alias.asname.name.value if alias.asname else None


def _moved_attribute(ref):
    """The dotted name an attribute reference becomes (or None: unchanged)."""
    module = ref.qualified.rsplit(".", 1)[0]
    if ref.origin == "keras3" and ref.name in rules.LEGACY_LAYERS:
        return f"{rules.LEGACY}.{ref.name}"  # a Keras 1 call through tf.keras
    if ref.origin != "keras1":
        return None
    if ref.kind == "layer" and ref.name in rules.LEGACY_LAYERS:
        return f"{rules.LEGACY}.{ref.name}"
    if ref.kind == "helper":
        return f"{rules.LEGACY_HELPER_MODULES[module]}.{ref.name}"
    if module not in _keras3_modules() and ref.name in _keras3_layer_names():
        return f"keras.layers.{ref.name}"
    return None


def _keras3_modules():
    return ("keras.layers", "keras.regularizers", "keras.constraints", "keras.models",
            "tensorflow.keras.layers")


def _keras3_layer_names():
    return keras3.facts.LAYERS  # the public names of keras.layers
