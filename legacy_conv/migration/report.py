"""The migration report: one `Entry` per call it converted, kept or found, as text.

Kinds:
- 'converted': rewritten (`new` is the new call; `reason` notes what to know, if anything);
- 'kept': left as it was (`reason` says why), running on legacy_conv's exact layer;
- 'trap': a call that reaches a Keras 3 layer whose meaning differs from the Keras 1 call's
  (`--check` fails while any remain);
- 'warning': "(Manual check required)": valid in both, meaning differs by defaults;
- 'error': a file that could not be read, parsed, rewritten or written (left as it was);
- 'skipped': a file left untouched on purpose (a link out of the paths given, hard links,
  read-only, not a regular file; `reason` says which);
- 'written': a file that --write replaced (a file-level entry: no line, col or call).
"""

import re
from collections import namedtuple

Entry = namedtuple("Entry", "path line col kind old new reason")
KINDS = ("converted", "kept", "trap", "warning", "error", "skipped", "written")
MAX_CALL = 100


def compact(text):
    """A call's source on one line (comments dropped, whitespace squeezed), shortened."""
    if text is None:
        return ""
    text = re.sub(r"#[^\n]*", "", text)
    text = re.sub(r"\s+", " ", text).replace("( ", "(").replace(" )", ")").strip()
    return text if len(text) <= MAX_CALL else text[:MAX_CALL - 3] + "..."


def line(entry):
    """`path:line:col: kind: old -> new (note)` or `path:line:col: kind: old: reason`
    (`path: kind: reason` for a file-level entry)."""
    place = entry.path if entry.line is None else f"{entry.path}:{entry.line}:{entry.col}"
    where = f"{place}: {entry.kind}"
    if entry.old is not None:
        where += f": {compact(entry.old)}"
    if entry.new is not None:
        text = f"{where} -> {compact(entry.new)}"
        return f"{text} ({entry.reason})" if entry.reason else text
    return f"{where}: {entry.reason}" if entry.reason else where


def header(mode, keras1_backend, backend_given, image_dim_ordering):
    """What the migration assumed, first in every report."""
    if mode == "check":
        return ["legacy-conv migrate --check: calls that reach a Keras 3 layer whose meaning "
                "differs from the Keras 1 call's"]
    how = "--keras1-backend" if backend_given else (
        "the package default, legacy_conv.keras1_backend(); pass --keras1-backend theano "
        "if the code ran on Theano")
    lines = [f"legacy-conv migrate --to {mode} (Keras 1.2.2 semantics)"]
    if mode == "native" or backend_given:
        lines.append(f"  Keras 1 backend assumed: {keras1_backend!r} ({how})")
    else:
        lines.append("  Keras 1 backend: not stated; legacy_conv's layers follow "
                     "legacy_conv.keras1_backend() when the code runs ('tensorflow' unless "
                     "set)")
    if image_dim_ordering:
        lines.append(f"  image_dim_ordering assumed: {image_dim_ordering!r} "
                     "(--image-dim-ordering)")
    elif mode == "native":
        lines.append("  image_dim_ordering: not stated; calls that leave dim_ordering at "
                     "'default' are kept (pass --image-dim-ordering th or tf)")
    return lines


def summary(entries, files=None):
    counts = {kind: sum(e.kind == kind for e in entries) for kind in KINDS}
    parts = [f"{n} {kind}" for kind, n in counts.items() if n]
    prefix = f"{files} file(s): " if files is not None else ""
    return prefix + (", ".join(parts) if parts else "nothing to report")


def text(entries, head=(), files=None):
    """The whole report: header, one line per entry, summary."""
    lines = list(head) + [line(e) for e in entries] + [summary(entries, files)]
    return "\n".join(lines) + "\n"
