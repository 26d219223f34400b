"""The analysis pass: every Keras 1 reference and call of a module, and what to do with it.

`analyze(wrapper, options)` walks the module once and decides everything (`Plan`): the
calls to convert (`translate`), the references to move to `legacy_conv`, the names each
import must keep, the calls that reach a Keras 3 alias (`checks`), and the report entries.
It decides in two phases: first which calls convert, then how the new calls name their
Keras 3 layers (a bare name only where no call left on legacy_conv uses it).
"""

from collections import namedtuple

import libcst as cst
from libcst import metadata

from legacy_conv.migration import checks
from legacy_conv.migration import imports
from legacy_conv.migration import keras3
from legacy_conv.migration import layout
from legacy_conv.migration import report
from legacy_conv.migration import reuse
from legacy_conv.migration import rules
from legacy_conv.migration import translate
from legacy_conv.migration.evaluate import Evaluator

MODES = ("legacy", "native", "check")
# Keras 3 modules that the rewritten code may name.
KERAS3_MODULES = ("keras.layers", "tensorflow.keras.layers")

Options = namedtuple("Options", "mode keras1_backend image_dim_ordering backend_given path")
# A reference to a Keras 1 object: node (the Name or Attribute), ref (imports.Ref),
# binding (the import assignment of a bare name, else None).
Reference = namedtuple("Reference", "node ref binding")
# Every call's translation, reused by the calls of the same form (in any module).
TRANSLATIONS = reuse.Translations(lambda *args: translate.translate(*args))


class Plan:
    """What the rewriter does to one module."""

    def __init__(self):
        self.calls = {}  # Call node -> its new Call node
        self.pending = []  # (call, reference, Translation or None, where), phase 2's
        self.keyword_renames = {}  # Arg node -> new keyword
        self.added_kwargs = {}  # Call node -> [(keyword, node)]
        self.references = []
        self.converted_funcs = set()  # ids of func nodes of converted calls
        self.refused_funcs = set()  # ids of func nodes of Keras 1 builtin calls kept Keras 1's
        self.refused = {}  # id(import assignment) -> those calls
        self.remaining = {}  # id(import assignment) -> unconverted Keras 1 uses
        self.keras3_uses = {}  # id(import assignment) -> converted or Keras 3 calls
        self.keras3_calls = {}  # id(import assignment) -> Keras 3 calls (not converted)
        self.uses = {}  # id(reference node) -> 'keras1' (a Keras 1 call) or 'keras3'
        self.resolver = None
        self.staying = set()  # bare names of our layers that some reference still uses
        self.needs = set()  # ('keras',), ('legacy_conv',), ('keras.layers', 'Conv2D')
        self.needs_late = set()  # (module, name, asname) imports that replace dropped ones
        self.maybe_unused = set()  # (module, name or None, asname or None)
        self.entries = []
        self.import_entries = []  # the rewriter's: import statements it changed
        self.traps = 0


def _code(node):
    return cst.Module([]).code_for_node(node)


def analyze(wrapper, options):
    """The `Plan` of one module under `options`."""
    resolver = imports.Resolver(wrapper)
    evaluator = Evaluator(wrapper, lambda func: _helper_of(resolver, func), resolver.parents)
    plan = Plan()
    settings = translate.Settings(options.keras1_backend, options.image_dim_ordering)
    for node, ref in _references(wrapper, resolver):
        binding = resolver.binding(node) if isinstance(node, cst.Name) else None
        plan.references.append(Reference(node, ref, binding))
    calls = {}
    for reference in plan.references:
        parent = resolver.parents.get(reference.node)
        if isinstance(parent, cst.Call) and parent.func is reference.node:
            calls[parent] = reference
    for call, reference in calls.items():  # phase 1: which calls convert
        _plan_call(plan, call, reference, resolver, evaluator, settings, options)
    plan.staying = _staying(plan)
    for call, reference, translation, where in plan.pending:  # phase 2: the new calls
        _build(plan, call, reference, translation, where, resolver)
    layer_funcs = {id(r.node) for r in plan.references if r.ref.kind in ("layer", "keras3")}
    for reference in plan.references:
        if reference.ref.kind == "helper":
            parent = resolver.parents.get(reference.node)
            call = parent if isinstance(parent, cst.Call) and parent.func is reference.node \
                else None
            use = _helper_use(reference.ref, call)
            outer = _enclosing_layer_call(resolver, reference.node, layer_funcs)
            if outer is not None and plan.uses.get(id(outer.func)) == "keras1" and \
                    id(outer.func) not in plan.converted_funcs:
                use = "keras1"  # an argument of a layer that stays legacy_conv's
            plan.uses[id(reference.node)] = use
    for reference in plan.references:
        if reference.binding is None:
            continue
        key = id(reference.binding)
        if is_legacy_use(plan, reference):
            plan.remaining[key] = plan.remaining.get(key, 0) + 1
            if id(reference.node) in plan.refused_funcs:
                plan.refused[key] = plan.refused.get(key, 0) + 1
        else:
            plan.keras3_uses[key] = plan.keras3_uses.get(key, 0) + 1
            if id(reference.node) not in plan.converted_funcs:
                plan.keras3_calls[key] = plan.keras3_calls.get(key, 0) + 1
    if options.mode == "check":
        for kind, node, text in checks.api_entries(wrapper.module, resolver, options.path):
            line, col = resolver.position(node)
            shown = node.with_changes(comma=cst.MaybeSentinel.DEFAULT) if isinstance(
                node, cst.Arg) else node
            plan.entries.append(entry((options.path, line, col, _code(shown)), kind, None, text))
            plan.traps += kind == "trap"
    plan.entries.sort(key=lambda e: (e.line, e.col))
    plan.resolver = resolver
    return plan


def _helper_use(ref, call):
    """'keras1' for a use that needs the Keras 1 helper; 'keras3' where Keras 3 has a helper
    of that name and reads the call the same way (Keras 3's MaxNorm, UnitNorm, NonNeg,
    MinMaxNorm, l1 and l2 compute Keras 1's formulas; only some keywords were renamed)."""
    module = ref.qualified.rsplit(".", 1)[0]
    if module not in rules.LEGACY_HELPER_MODULES or ref.name not in keras3.helper_names(module):
        return "keras1"
    if call is None:
        return "keras3"
    try:
        keras3.helper_signature(module, ref.name).bind(*[a.value for a in call.args if a.keyword is None],
                                       **{a.keyword.value: a.value for a in call.args
                                          if a.keyword is not None})
    except TypeError:
        return "keras1"
    return "keras1" if any(a.star for a in call.args) else "keras3"


def _enclosing_layer_call(resolver, node, layer_funcs):
    parent = resolver.parents.get(node)
    while parent is not None:
        if isinstance(parent, cst.Call) and id(parent.func) in layer_funcs:
            return parent
        parent = resolver.parents.get(parent)
    return None


def is_legacy_use(plan, reference):
    """A reference that still needs the Keras 1 object after the migration: not converted,
    and not a call that is Keras 3 code already."""
    return id(reference.node) not in plan.converted_funcs and \
        plan.uses.get(id(reference.node)) != "keras3"


def entry(where, kind, new=None, reason=None):
    path, line, col, old = where
    return report.Entry(path, line, col, kind, old, new, reason)


def _helper_of(resolver, func):
    ref = imports.classify(resolver.qualified(func))
    return ref.qualified if ref.kind == "helper" else None


def _references(wrapper, resolver):
    """(outermost node, Ref) of every load of a Keras 1 (or tf.keras) object."""
    scopes = wrapper.resolve(metadata.ScopeProvider)
    seen = set()
    for scope in {s for s in scopes.values() if s is not None}:
        for access in scope.accesses:
            node = access.node  # a Name (an Attribute for `import a.b` names)
            if not isinstance(node, (cst.Name, cst.Attribute)) or id(node) in seen:
                continue
            seen.add(id(node))
            chain = [node]
            parent = resolver.parents.get(node)
            while isinstance(parent, cst.Attribute) and parent.value is chain[-1]:
                chain.append(parent)
                parent = resolver.parents.get(parent)
            for candidate in reversed(chain):
                ref = imports.classify(resolver.qualified(candidate))
                if ref.kind is not None:
                    yield candidate, ref
                    break


def _plan_call(plan, call, reference, resolver, evaluator, settings, options):
    ref = reference.ref
    line, col = resolver.position(call)
    where = (options.path, line, col, _code(call))
    if ref.namespace:  # Keras 1's meaning already (`namespace.with_settings`)
        plan.uses[id(reference.node)] = "keras1"
        return
    if ref.kind == "model":
        _plan_model(plan, call, ref, where, options)
        return
    if ref.kind not in ("layer", "keras3"):
        return
    name = ref.name
    keras1_name = rules.canonical(name) if name in rules.KERAS1_LAYERS else None
    is_keras1 = keras1_name is not None and translate.binds(name, call, evaluator)
    plan.uses[id(reference.node)] = "keras1" if is_keras1 else "keras3"
    trap = checks.trap(ref, name, call, evaluator, is_keras1)
    if options.mode == "check":
        if trap is not None:
            kind, text = trap
            plan.entries.append(entry(where, kind, None, text))
            plan.traps += kind == "trap"
        return
    if not is_keras1:
        too_many = keras1_name is not None and isinstance(
            checks.bind_error(name, call, evaluator), translate.TooManyPositional)
        keras3_call = ref.origin != "legacy" and name in rules.KERAS3_LAYERS and \
            not too_many and checks.binds_keras3(rules.KERAS3_ALIASES.get(name, name), call)
        if too_many:
            plan.uses[id(reference.node)] = "keras1"  # Keras 1 code, refused by Keras 1
        if keras3_call and name in rules.KERAS3_ALIASES and options.mode == "native":
            _rename_alias(plan, call, reference, where, name, resolver)
        elif not keras3_call and keras1_name is not None:
            why = checks.not_keras1(name, call, evaluator)
            plan.entries.append(entry(where, "kept", None, f"not a Keras 1 call of "
                                       f"{rules.canonical(name)} ({why}); left as it is"))
        elif trap is not None and trap[0] == "trap":
            plan.entries.append(entry(where, "trap", None, trap[1]))
        return
    ours = keras1_name in rules.LEGACY_LAYERS or name in rules.LEGACY_LAYERS
    if options.mode == "legacy" and ours:
        _plan_backend(plan, call, name, options, where)
        return
    try:
        translation = TRANSLATIONS(name, call, evaluator, settings,
                                   "legacy" if options.mode == "legacy" else "native")
    except translate.Unchanged:
        return
    except translate.Refusal as refusal:
        if ours:
            _plan_backend(plan, call, name, options, where)
        else:
            plan.refused_funcs.add(id(call.func))
        plan.entries.append(entry(where, "kept", None, str(refusal)))
        return
    _accept(plan, call, reference, translation, where, resolver)


def _plan_backend(plan, call, name, options, where):
    """What the user stated (--keras1-backend, --image-dim-ordering), written into each
    call of our layers that depends on it and leaves it out."""
    given = {a.keyword.value for a in call.args if a.keyword is not None}
    if any(a.star for a in call.args):
        return  # *args/**kwargs may hold them already
    added = []
    if options.backend_given and "keras1_backend" in rules.package_params(name) and \
            "keras1_backend" not in given:
        added.append(("keras1_backend", cst.SimpleString(repr(options.keras1_backend))))
    params = [p for p, _ in rules.keras1_params(rules.canonical(name))]
    if options.image_dim_ordering and "dim_ordering" in params and \
            "dim_ordering" not in given and len(call.args) <= params.index("dim_ordering"):
        added.append(("dim_ordering", cst.SimpleString(repr(options.image_dim_ordering))))
    if added:
        plan.added_kwargs[call] = added


def _plan_model(plan, call, ref, where, options):
    renames = rules.KEYWORD_RENAMES.get(ref.name, {})
    args = []
    for arg in call.args:
        keyword = arg.keyword.value if arg.keyword is not None else None
        if keyword in renames and options.mode != "check":
            plan.keyword_renames[arg] = renames[keyword]
            arg = arg.with_changes(keyword=cst.Name(renames[keyword]))
        args.append(arg)
    if any(a in plan.keyword_renames for a in call.args):
        plan.entries.append(entry(where, "converted", _code(call.with_changes(args=args)),
                                   "Keras 3 names these keywords inputs= and outputs="))


def _func(plan, reference, layer, resolver):
    """The function expression for the Keras 3 layer `layer`, in the call's style: the
    same bare name or `module.` prefix where the code already has one for Keras 3's layers,
    else `from keras.layers import layer` (when the name is free) or `keras.layers.layer`."""
    if layer.startswith("legacy_conv."):  # this package's layer, by its full name
        return cst.parse_expression(layer)
    node = reference.node
    if isinstance(node, cst.Attribute):
        prefix = resolver.qualified(node.value)
        if prefix in KERAS3_MODULES:
            return node.with_changes(attr=cst.Name(layer))
    elif not _stays_legacy(plan, layer) and resolver.is_free(layer, _becomes_keras3(layer)):
        star = resolver.star_source(layer) if node.value == layer else None
        if star is None or imports.module_name(star) not in KERAS3_MODULES:
            plan.needs.add(("keras.layers", layer))
        return node if node.value == layer else cst.Name(layer)
    plan.needs.add(("keras",))
    return cst.parse_expression(f"keras.layers.{layer}")


def _becomes_keras3(layer):
    """Imports of `layer` that mean Keras 3's `layer` once migrated (or are dropped)."""
    modules = set(KERAS3_MODULES) | set(rules.KERAS1_LAYER_MODULES) | set(
        rules.LEGACY_LAYER_MODULES)
    return {f"{m}.{layer}" for m in modules}


def _stays_legacy(plan, name):
    """Whether a bare `name` is bound to one of our layers that some reference still uses."""
    return name in plan.staying


def _staying(plan):
    """`Plan.staying`, once phase 1 has decided every call."""
    return {reference.node.value for reference in plan.references
            if isinstance(reference.node, cst.Name) and is_legacy_use(plan, reference) and
            reference.ref.kind == "layer" and reference.ref.name in rules.LEGACY_LAYERS}


def _accept(plan, call, reference, translation, where, resolver):
    """Phase 1: the call converts (`translation`; None: a Keras 3 call of an alias)."""
    plan.converted_funcs.add(id(reference.node))
    plan.pending.append((call, reference, translation, where))


def _rename_alias(plan, call, reference, where, name, resolver):
    _accept(plan, call, reference, None, where, resolver)


def _build(plan, call, reference, translation, where, resolver):
    """Phase 2: the new call, once every call's fate is known (names then say whether a
    bare name stays legacy_conv's)."""
    if translation is None:
        name = reference.ref.name
        target = rules.KERAS3_ALIASES[name]
        new = call.with_changes(func=_func(plan, reference, target, resolver))
        plan.calls[call] = new
        plan.entries.append(entry(where, "converted", _code(new),
                                  f"a Keras 3 call of the alias {name}: named {target}"))
        return
    new = _new_call(plan, call, reference, translation, resolver)
    text = _code(new)
    if text == where[3]:  # the call's own code: it already means this in Keras 3
        return
    plan.calls[call] = new
    notes = "; ".join(translation.notes)
    plan.entries.append(entry(where, "converted", text, notes or None))


def _new_call(plan, call, reference, translation, resolver):
    func = _func(plan, reference, translation.layer, resolver)
    plan.needs.update((module,) for module in translation.needs)
    args = [(cst.Arg(value=node, keyword=cst.Name(keyword) if keyword else None,
                     equal=layout.no_space_equal() if keyword else
                     cst.MaybeSentinel.DEFAULT), origins)
            for keyword, node, origins in translation.args]
    layer_call = layout.realign(layout.relayout(call, func, args),
                                layout.aligned_shift(call, func, resolver.positions))
    if translation.inputs is not None:  # merge(inputs, ...) -> Layer(...)(inputs)
        bare = layer_call.with_changes(lpar=(), rpar=())
        return cst.Call(func=bare, args=[cst.Arg(translation.inputs)], lpar=call.lpar,
                        rpar=call.rpar)
    return layer_call
