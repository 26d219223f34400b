"""The file-level driver: parse, plan, rewrite, fix imports, diff, write atomically.

`migrate_source` works on one source text; `migrate_paths` on files and folders (every
`*.py` below a folder), checking every file before writing any, and writing each changed
file atomically (a temporary sibling, then `os.replace`, with the file's permissions).
A file that does not parse, or whose rewrite does not parse, is reported and left alone.
"""

import difflib
import os
from collections import namedtuple

import libcst as cst
from libcst import metadata
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor
from libcst.codemod.visitors import RemoveImportsVisitor

from legacy_conv import _atomic
from legacy_conv import backend
from legacy_conv.migration import analysis
from legacy_conv.migration import report
from legacy_conv.migration import rewrite

TARGETS = ("legacy", "native")
DIM_ORDERINGS = ("th", "tf")

Result = namedtuple("Result", "new_source report_entries")
# status: 'changed', 'unchanged' or 'failed'; old/new: texts; entries: report entries.
FileOutcome = namedtuple("FileOutcome", "path status old new entries")


class MigrationError(ValueError):
    """A source that cannot be parsed or rewritten; the message names the place
    (`path`, `line`, `col`, `reason` are kept as attributes)."""

    def __init__(self, path, line, col, reason):
        self.path, self.line, self.col, self.reason = path, line, col, reason
        super().__init__(f"{path}:{line}:{col}: {reason}")


def _options(mode, keras1_backend, image_dim_ordering, path):
    if keras1_backend is not None:
        backend.resolve_keras1_backend("migrate", keras1_backend)
    if image_dim_ordering not in (None,) + DIM_ORDERINGS:
        raise ValueError(f"migrate: `image_dim_ordering` must be one of 'th', 'tf' or None. "
                         f"Received: image_dim_ordering={image_dim_ordering!r}")
    resolved = keras1_backend or backend.keras1_backend()
    return analysis.Options(mode, resolved, image_dim_ordering, keras1_backend is not None,
                           path)


def _parse(source, path):
    try:
        return cst.parse_module(source)
    except cst.ParserSyntaxError as error:
        raise MigrationError(path, error.raw_line, error.raw_column + 1,
                             f"does not parse ({error.message})") from None


def migrate_source(source, to="legacy", keras1_backend=None, path="<string>",
                   image_dim_ordering=None):
    """Migrates one Python source.

    Args:
        source: str or bytes, the file's text.
        to: 'legacy' (Keras 1 layers from legacy_conv, no change of meaning) or 'native'
            (each call with an exact Keras 3 form becomes that call).
        keras1_backend: 'tensorflow' or 'theano', the backend the code ran on in Keras 1;
            None = the package default (`legacy_conv.keras1_backend()`). With 'legacy' it is
            written into each backend-dependent call only when given.
        path: the name reported.
        image_dim_ordering: 'th' or 'tf', what `dim_ordering='default'` meant where the code
            ran (keras.json); None = unknown (such calls are kept by 'native').

    Returns:
        `Result(new_source, report_entries)` (`report.Entry` records), the same type as
        `source`.

    Raises:
        MigrationError: the source (or its rewrite) does not parse.
    """
    if to not in TARGETS:
        raise ValueError(f"migrate: `to` must be one of 'legacy', 'native'. Received: to={to!r}")
    return _migrate(source, _options(to, keras1_backend, image_dim_ordering, path))


def check_source(source, path="<string>"):
    """The calls of one source that reach a Keras 3 alias or namesake with another meaning
    (`Result` with the source unchanged; entries of kind 'trap' and 'warning')."""
    return _migrate(source, _options("check", None, None, path))


def _migrate(source, options):
    module = _parse(source, options.path)
    wrapper = metadata.MetadataWrapper(module)
    plan = analysis.analyze(wrapper, options)
    if options.mode == "check":
        return Result(source, plan.entries)
    new = wrapper.module.visit(rewrite.Rewriter(plan, options))
    if plan.needs or plan.needs_late:
        context = CodemodContext()
        for need in sorted(plan.needs):
            AddImportsVisitor.add_needed_import(context, *need)
        for module_name, obj, asname in sorted(plan.needs_late, key=str):
            AddImportsVisitor.add_needed_import(context, module_name, obj, asname)
        new = AddImportsVisitor(context).transform_module(new)
    if plan.maybe_unused:
        context = CodemodContext()
        for module_name, obj, asname in sorted(plan.maybe_unused, key=str):
            RemoveImportsVisitor.remove_unused_import(context, module_name, obj, asname)
        new = RemoveImportsVisitor(context).transform_module(new)
    text = new.bytes if isinstance(source, bytes) else new.code
    entries = sorted(plan.entries + plan.import_entries, key=lambda e: (e.line, e.col))
    try:
        cst.parse_module(text)
    except cst.ParserSyntaxError as error:  # never hand back what does not parse
        raise MigrationError(options.path, 1, 1, "its rewrite does not parse "
                             f"({error.message})") from None
    return Result(text, entries)


# -- files -------------------------------------------------------------------------------------
def python_files(paths):
    """Every .py file named or below a named folder, sorted; missing paths raise."""
    found = []
    for path in paths:
        if os.path.isdir(path):
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                found += [os.path.join(root, f) for f in sorted(files) if f.endswith(".py")]
        elif os.path.isfile(path):
            found.append(path)
        else:
            raise FileNotFoundError(f"migrate: no such file or folder: {path}")
    return found


def migrate_paths(paths, to="legacy", write=False, check=False, keras1_backend=None,
                  image_dim_ordering=None):
    """Migrates (or with `check=True` checks) files and folders; a list of `FileOutcome`.

    Every file is read and rewritten in memory first; with `write=True` the changed ones
    are then written, each atomically. `check=True` writes nothing.
    """
    mode = "check" if check else to
    if mode not in TARGETS + ("check",):
        raise ValueError(f"migrate: `to` must be one of 'legacy', 'native'. Received: to={to!r}")
    outcomes = []
    for path in python_files(paths):
        options = _options(mode, keras1_backend, image_dim_ordering, path)
        with open(path, "rb") as f:
            old = f.read()
        try:
            new, entries = _migrate(old, options)
        except MigrationError as error:
            entry = report.Entry(path, error.line, error.col, "error", None, None,
                                 f"{error.reason}; left untouched")
            outcomes.append(FileOutcome(path, "failed", old, old, [entry]))
            continue
        status = "changed" if new != old else "unchanged"
        outcomes.append(FileOutcome(path, status, old, new, entries))
    if write and not check:
        for outcome in outcomes:
            if outcome.status == "changed":
                write_atomically(outcome.path, outcome.new)
    return outcomes


def write_atomically(path, data):
    """Writes `data` (bytes) to `path` through a temporary sibling renamed into place,
    keeping the file's permission bits."""
    mode = os.stat(path).st_mode & 0o7777 if os.path.exists(path) else None
    with _atomic.written(path, False, replace=True, mode=mode) as tmp:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())


def diff(outcome):
    """The unified diff of one outcome ('' when unchanged)."""
    if outcome.status != "changed":
        return ""
    old = outcome.old.decode("utf-8", errors="replace").splitlines(keepends=True)
    new = outcome.new.decode("utf-8", errors="replace").splitlines(keepends=True)
    relative = not os.path.isabs(outcome.path)
    return "".join(difflib.unified_diff(
        old, new, fromfile=f"a/{outcome.path}" if relative else outcome.path,
        tofile=f"b/{outcome.path}" if relative else outcome.path))
