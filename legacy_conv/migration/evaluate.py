"""What an argument expression is worth without running the file.

`Evaluator.value(node)` gives the Python value of a literal (numbers, strings, None,
booleans, tuples, lists, dicts, unary minus, arithmetic), of a name assigned exactly once
in its scope (`nb_filters = 32`, `img_rows, img_cols = 28, 28`) and of a Keras 1 helper call
(`l2(weight_decay)` becomes a `HelperCall`). Anything else is an `Opaque` holding the node;
containers keep their known parts (`(3, img_rows, Opaque)`).
"""

import ast
import operator
from collections import namedtuple

import libcst as cst
from libcst import metadata

# qualified: the helper's Keras 1 name ('keras.regularizers.l2'); args/kwargs: values.
HelperCall = namedtuple("HelperCall", "qualified args kwargs")


class Opaque:
    """A value the evaluator cannot know; `node` is its expression."""

    def __init__(self, node):
        self.node = node

    def __repr__(self):
        return f"Opaque({cst.Module([]).code_for_node(self.node)!r})"


def is_known(value):
    """Whether `value` holds no Opaque anywhere (helper arguments included)."""
    if isinstance(value, Opaque):
        return False
    if isinstance(value, HelperCall):
        return is_known(list(value.args)) and is_known(list(value.kwargs.values()))
    if isinstance(value, (list, tuple)):
        return all(is_known(v) for v in value)
    if isinstance(value, dict):
        return all(is_known(v) for v in value.values())
    return True


BINARY = {cst.Add: operator.add, cst.Subtract: operator.sub, cst.Multiply: operator.mul,
          cst.Divide: operator.truediv, cst.FloorDivide: operator.floordiv,
          cst.Modulo: operator.mod, cst.Power: operator.pow}
UNARY = {cst.Minus: operator.neg, cst.Plus: operator.pos}
CONSTANTS = {"True": True, "False": False, "None": None}
MAX_DEPTH = 20


class Evaluator:
    """Values of expressions of one module (`wrapper`: its `MetadataWrapper`).

    `helper_of(node)` names the Keras 1 helper a call's function is (or None).
    """

    def __init__(self, wrapper, helper_of, parents=None):
        self.scopes = wrapper.resolve(metadata.ScopeProvider)
        self.parents = wrapper.resolve(metadata.ParentNodeProvider) if parents is None \
            else parents  # {node: parent}, where the caller has them already
        self.helper_of = helper_of

    def value(self, node, depth=0):
        if depth > MAX_DEPTH:
            return Opaque(node)
        method = getattr(self, "_" + type(node).__name__, None)
        if method is None:
            return Opaque(node)
        try:
            return method(node, depth + 1)
        except (ValueError, TypeError, ArithmeticError, KeyError, IndexError, SyntaxError):
            return Opaque(node)

    # -- literals -----------------------------------------------------------------------------
    def _Integer(self, node, depth):
        return ast.literal_eval(node.value)

    _Float = _Integer

    def _SimpleString(self, node, depth):
        return ast.literal_eval(node.value)

    def _ConcatenatedString(self, node, depth):
        left, right = self.value(node.left, depth), self.value(node.right, depth)
        if isinstance(left, str) and isinstance(right, str):
            return left + right
        return Opaque(node)

    def _Tuple(self, node, depth):
        if any(isinstance(e, cst.StarredElement) for e in node.elements):
            return Opaque(node)
        return tuple(self.value(e.value, depth) for e in node.elements)

    def _List(self, node, depth):
        if any(isinstance(e, cst.StarredElement) for e in node.elements):
            return Opaque(node)
        return [self.value(e.value, depth) for e in node.elements]

    def _Dict(self, node, depth):
        out = {}
        for element in node.elements:
            if not isinstance(element, cst.DictElement):
                return Opaque(node)
            key = self.value(element.key, depth)
            if not isinstance(key, (str, int)):
                return Opaque(node)
            out[key] = self.value(element.value, depth)
        return out

    def _UnaryOperation(self, node, depth):
        operand = self.value(node.expression, depth)
        op = UNARY.get(type(node.operator))
        if op is None or not _number(operand):
            return Opaque(node)
        return op(operand)

    def _BinaryOperation(self, node, depth):
        left, right = self.value(node.left, depth), self.value(node.right, depth)
        op = BINARY.get(type(node.operator))
        numbers = _number(left) and _number(right)
        joined = (type(node.operator) is cst.Add and isinstance(left, tuple)
                  and isinstance(right, tuple) and is_known(left) and is_known(right))
        if op is None or not (numbers or joined):
            return Opaque(node)
        return op(left, right)

    def _Subscript(self, node, depth):
        base = self.value(node.value, depth)
        if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
            return Opaque(node)
        index = self.value(node.slice[0].slice.value, depth)
        if not isinstance(base, (tuple, list)) or not isinstance(index, int) or \
                isinstance(index, bool):
            return Opaque(node)
        item = base[index]
        return Opaque(node) if isinstance(item, Opaque) else item

    # -- names and helper calls ------------------------------------------------------------------
    def _Name(self, node, depth):
        if node.value in CONSTANTS:
            return CONSTANTS[node.value]
        scope = self.scopes.get(node)
        if scope is None:
            return Opaque(node)
        assignments = list(scope[node.value])
        if len(assignments) != 1 or not isinstance(assignments[0], metadata.Assignment):
            return Opaque(node)
        target = assignments[0].node
        statement = self.parents.get(target)
        # `name = value`, or `a, b = 1, 2`
        if isinstance(statement, cst.AssignTarget):
            assign = self.parents.get(statement)
            if isinstance(assign, cst.Assign) and len(assign.targets) == 1:
                return self._unpack(target, statement.target, assign.value, depth, node)
        if isinstance(statement, (cst.Tuple, cst.List)):
            holder = self.parents.get(self.parents.get(statement))
            if isinstance(holder, cst.AssignTarget):
                assign = self.parents.get(holder)
                if isinstance(assign, cst.Assign) and len(assign.targets) == 1:
                    return self._unpack(target, holder.target, assign.value, depth, node)
        return Opaque(node)

    def _unpack(self, name, target, value_node, depth, node):
        if target is name:
            value = self.value(value_node, depth)
            return Opaque(node) if isinstance(value, Opaque) else value
        if isinstance(target, (cst.Tuple, cst.List)) and isinstance(value_node, (cst.Tuple,
                                                                                cst.List)):
            names = [e.value for e in target.elements]
            values = [e.value for e in value_node.elements]
            if len(names) == len(values) and name in names:
                value = self.value(values[names.index(name)], depth)
                return Opaque(node) if isinstance(value, Opaque) else value
        return Opaque(node)

    def _Call(self, node, depth):
        qualified = self.helper_of(node.func)
        if qualified is None or any(a.star for a in node.args):
            return Opaque(node)
        args, kwargs = [], {}
        for arg in node.args:
            value = self.value(arg.value, depth)
            if arg.keyword is None:
                args.append(value)
            else:
                kwargs[arg.keyword.value] = value
        return HelperCall(qualified, tuple(args), kwargs)


def _number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)
