"""The layout of a rewritten call: its arguments where the old ones were, comments kept."""

import libcst as cst


def _code(node):
    return cst.Module([]).code_for_node(node)


def no_space_equal():
    return cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""),
                           whitespace_after=cst.SimpleWhitespace(""))


def _comments(whitespace):
    if isinstance(whitespace, cst.ParenthesizedWhitespace):
        found = [whitespace.first_line.comment] if whitespace.first_line.comment else []
        return found + [line.comment for line in whitespace.empty_lines if line.comment]
    return []


def relayout(old, func, args):
    """`func(args)` laid out like the old call.

    `args`: [(cst.Arg, indices of the old arguments it comes from)]. Each new argument is
    followed by what followed the last old argument it comes from (a space, or a line break
    with its comment); the line breaks and comments after old arguments that were dropped go
    to the new argument before them.
    """
    if not args:
        return old.with_changes(func=func, args=())
    old_args = list(old.args)
    after = {j: a.comma.whitespace_after for j, a in enumerate(old_args[:-1])
             if isinstance(a.comma, cst.Comma)}
    owner = {}  # old index -> new index whose comma carries what followed it
    for i, (_, origins) in enumerate(args):
        if origins:
            owner.setdefault(max(origins), i)
    spaces = [[] for _ in args]
    for j in sorted(after):
        if isinstance(after[j], cst.ParenthesizedWhitespace):
            target = owner.get(j)
            if target is None:
                earlier = [i for k, i in owner.items() if k < j]
                target = max(earlier) if earlier else 0
            spaces[target].append(after[j])
    out = []
    for i, (arg, _) in enumerate(args):
        whitespace = _merge_breaks(spaces[i])
        if i < len(args) - 1:
            out.append(arg.with_changes(comma=cst.Comma(
                whitespace_after=whitespace or cst.SimpleWhitespace(" "))))
            continue
        last = old_args[-1] if old_args else None
        comma = last.comma if last is not None else cst.MaybeSentinel.DEFAULT
        closing = last.whitespace_after_arg if last is not None else cst.SimpleWhitespace("")
        if whitespace is not None:  # comments after the last argument: before ')'
            if isinstance(comma, cst.Comma):
                comma = comma.with_changes(whitespace_after=whitespace)
            else:
                closing = whitespace
        out.append(arg.with_changes(comma=comma, whitespace_after_arg=closing))
    return old.with_changes(func=func, args=out)


def _merge_breaks(breaks):
    """One line break carrying the comments of several (None for none)."""
    if not breaks:
        return None
    comments = [c for b in breaks for c in _comments(b)]
    if not comments:
        return breaks[-1]
    return _break(breaks[-1], comments)


def _break(template, comments):
    """A line break (indented like `template`) carrying `comments`."""
    first = comments[0] if comments else None
    return template.with_changes(
        first_line=cst.TrailingWhitespace(
            whitespace=cst.SimpleWhitespace("  " if first else ""), comment=first),
        empty_lines=[cst.EmptyLine(indent=True, whitespace=template.last_line, comment=c)
                     for c in comments[1:]])


def aligned_shift(old, func, positions):
    """How far the continuation lines of a call aligned with its opening bracket move when
    its function becomes `func` (0: none is aligned with it)."""
    shift = len(_code(func)) - len(_code(old.func))
    start = positions.get(old) if shift else None
    if start is None:
        return 0
    bracket = start[1] + len(_code(old.func)) + len(_code(old.whitespace_after_func))
    for arg in old.args:
        where = positions.get(arg)
        if where is not None and where[0] > start[0] and where[1] == bracket + 1:
            return shift
    return 0


class Shift(cst.CSTTransformer):
    """Moves every continuation line `shift` columns."""

    def __init__(self, shift):
        super().__init__()
        self.shift = shift

    def leave_ParenthesizedWhitespace(self, original, updated):
        width = max(len(updated.last_line.value) + self.shift, 0)
        return updated.with_changes(last_line=cst.SimpleWhitespace(" " * width))


def realign(call, shift):
    """`call` with its continuation lines moved `shift` columns (as a formatter keeps them
    aligned with the bracket after a rename)."""
    if not shift:
        return call
    return call.with_changes(args=[arg.visit(Shift(shift)) for arg in call.args],
                             whitespace_before_args=call.whitespace_before_args.visit(
                                 Shift(shift)))
