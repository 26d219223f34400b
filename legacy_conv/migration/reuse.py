"""One translation per form of call: a call site whose form was translated before reuses
that answer instead of probing the converter again.

A call's `translate.translate` answer depends only on the layer's name, the settings, the
target and, per argument, its keyword, its source text and the value the evaluator gives
it (the module's names and imports reach the answer through those values). `Translations`
keys each call on exactly that (`form_key`) and keeps, per key, the answer (a `Translation`
or the `Refusal` raised) with the argument nodes of the call it came from. Another call of
the same form gets the same answer with those nodes swapped for its own (the same text
parses to the same tree, walked in step by `corresponding`), so the rewrite, the report
and the node identities the rewriter relies on are what a fresh translation gives.
"""

from collections import OrderedDict

import libcst as cst

from legacy_conv.migration.arguments import Translation
from legacy_conv.migration.evaluate import HelperCall
from legacy_conv.migration.evaluate import Opaque
from legacy_conv.migration.probe import Refusal

MAX_FORMS = 4096  # forms kept (least recently used dropped first)


def _code(node):
    return cst.Module([]).code_for_node(node)


def value_key(value):
    """A hashable, type-exact key of an evaluator value (1, 1.0 and True differ)."""
    if isinstance(value, Opaque):
        return ("opaque", _code(value.node))
    if isinstance(value, HelperCall):
        return ("helper", value.qualified, value_key(value.args),
                tuple((k, value_key(v)) for k, v in value.kwargs.items()))
    if isinstance(value, (tuple, list)):
        return (type(value).__name__,) + tuple(value_key(v) for v in value)
    if isinstance(value, dict):
        return ("dict",) + tuple((value_key(k), value_key(v)) for k, v in value.items())
    if isinstance(value, float):
        return ("float", repr(value))
    return (type(value).__name__, value)


def form_key(name, call, evaluator, settings, target):
    """What a call's translation depends on (None: a call not worth keeping, with *args)."""
    args = []
    for arg in call.args:
        if arg.star:
            return None
        args.append((arg.keyword.value if arg.keyword is not None else None,
                     _code(arg.value), value_key(evaluator.value(arg.value))))
    return (name, tuple(settings), target, tuple(args))


def corresponding(old, new):
    """{id(node of the trees `old`): the node of the trees `new` at its place}, or None
    where they differ."""
    if len(old) != len(new):
        return None
    out, stack = {}, list(zip(old, new))
    while stack:
        a, b = stack.pop()
        if type(a) is not type(b):
            return None
        out[id(a)] = b
        children_a, children_b = a.children, b.children
        if len(children_a) != len(children_b):
            return None
        stack.extend(zip(children_a, children_b))
    return out


class _Swap(cst.CSTTransformer):
    """Replaces the nodes of one call by the other call's (and leaves all else)."""

    def __init__(self, nodes):
        super().__init__()
        self.nodes = nodes

    def on_visit(self, node):
        return id(node) not in self.nodes

    def on_leave(self, original, updated):
        return self.nodes.get(id(original), updated)


def _swap(node, nodes):
    if node is None:
        return None
    if id(node) in nodes:
        return nodes[id(node)]
    return node.visit(_Swap(nodes))


class Translations:
    """The translations of the forms of call seen so far (bounded)."""

    def __init__(self, translate, max_forms=MAX_FORMS):
        self.translate = translate
        self.max_forms = max_forms
        self.forms = OrderedDict()  # key -> (argument nodes, Translation or (Refusal, args))

    def __call__(self, name, call, evaluator, settings, target):
        """`translate(name, call, evaluator, settings, target)`, reused where it can be."""
        key = form_key(name, call, evaluator, settings, target)
        kept = self.forms.get(key) if key is not None else None
        if kept is not None:
            self.forms.move_to_end(key)
            nodes = corresponding(kept[0], [arg.value for arg in call.args])
            if nodes is not None:
                return self._replay(kept[1], nodes)
        try:
            answer = self.translate(name, call, evaluator, settings, target)
        except Refusal as refusal:
            self._keep(key, call, (type(refusal), refusal.args))
            raise
        self._keep(key, call, answer)
        return answer

    def _keep(self, key, call, answer):
        if key is None:
            return
        # The call's own nodes stay referenced, so their ids stay theirs.
        self.forms[key] = (tuple(arg.value for arg in call.args), answer)
        while len(self.forms) > self.max_forms:
            self.forms.popitem(last=False)

    @staticmethod
    def _replay(answer, nodes):
        if not isinstance(answer, Translation):  # (Refusal class, its arguments)
            raise answer[0](*answer[1])
        args = [(keyword, _swap(node, nodes), origins) for keyword, node, origins
                in answer.args]
        return answer._replace(args=args, inputs=_swap(answer.inputs, nodes),
                               notes=list(answer.notes))
