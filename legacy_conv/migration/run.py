"""The file-level driver: parse, plan, rewrite, fix imports, diff, write atomically.

`migrate_source` works on one source text; `migrate_paths` on files and folders (every
`*.py` below a folder), checking every file before writing any, and writing each changed
file atomically (a temporary sibling, then `os.replace`, with the file's owner, group and
permissions). A file that does not parse, or whose rewrite does not parse, is reported and
left alone, as are links out of the tree, hard-linked and read-only files (see
`migrate_paths`).
"""

import ast
import concurrent.futures
import difflib
import multiprocessing
import os
import re
import stat
from collections import namedtuple

import libcst as cst
from libcst import metadata

from legacy_conv import _atomic
from legacy_conv import backend
from legacy_conv.migration import analysis
from legacy_conv.migration import imports
from legacy_conv.migration import namespace
from legacy_conv.migration import probe
from legacy_conv.migration import python2
from legacy_conv.migration import report
from legacy_conv.migration import rewrite

TARGETS = ("legacy", "native")
DIM_ORDERINGS = ("th", "tf")

Result = namedtuple("Result", "new_source report_entries")
# status: 'changed', 'unchanged', 'failed' (could not be read, parsed or written) or
# 'skipped' (left untouched on purpose); old/new: texts; entries: report entries.
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


def _stated(options, settings):
    """`options` with what a `--to legacy` output states (`legacy_conv.set_keras1_backend`,
    `set_image_dim_ordering`) where the command line does not say."""
    if settings.get("keras1_backend") and not options.backend_given:
        options = options._replace(keras1_backend=settings["keras1_backend"], backend_given=True)
    if settings.get("image_dim_ordering") and options.image_dim_ordering is None:
        options = options._replace(image_dim_ordering=settings["image_dim_ordering"])
    return options


def _parse(source, path):
    """(module, source, entries): a Python 2 source is converted to Python 3 first
    (`python2`), and reported; what parses as neither is a MigrationError at Python's
    place of the error (libcst's is a line late)."""
    try:
        return cst.parse_module(source), source, []
    except cst.ParserSyntaxError as error:
        libcst_error = error
    try:
        ast.parse(source)
    except SyntaxError as error:
        try:
            converted = python2.to_python3(source)
        except python2.NotPython2:
            raise MigrationError(path, error.lineno or 1, error.offset or 1,
                                 f"does not parse ({error.msg})") from None
        module, _, _ = _parse(converted, path)
        return module, converted, [_file_entry(path, "converted", PYTHON2)]
    raise MigrationError(path, libcst_error.raw_line, libcst_error.raw_column + 1,
                         f"does not parse ({libcst_error.message})") from None


PYTHON2 = ("converted from Python 2 (fissix's 2to3 fixers: print, except, dict methods, "
           "imports, unicode, xrange, ...); check it as you would 2to3's output")


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
    module, parsed, converted = _parse(source, options.path)
    moved, api_entries, wrapper = [], [], None
    if options.mode == "legacy":  # the mechanical step: imports onto the Keras 1 namespace
        module, moved = namespace.to_namespace(module, options.path, parsed)
        if not _names_legacy_conv(parsed) and not imports.reaches_keras(module):
            return _finish(source, options, [module], converted, moved, [])
    elif options.mode == "native":  # from the original or --to legacy's output alike
        options = _stated(options, namespace.stated_settings(module))
        if _names_legacy_conv(parsed):  # else nothing of the namespace to take back
            module = namespace.to_keras(module)
        wrapper = metadata.MetadataWrapper(module, unsafe_skip_copy=True)
        module, api_entries = namespace.to_native(wrapper, options.path)
    if wrapper is None or wrapper.module is not module:  # unchanged: its metadata kept
        wrapper = metadata.MetadataWrapper(module, unsafe_skip_copy=True)  # fresh: no shared nodes
    plan = analysis.analyze(wrapper, options)
    if options.mode == "check":
        return Result(source, converted + plan.entries)
    new = wrapper.module.visit(rewrite.Rewriter(plan, options))
    if plan.needs or plan.needs_late:
        new = imports.add_needed(new, sorted(plan.needs) + sorted(plan.needs_late, key=str))
    import_entries = plan.import_entries
    if plan.maybe_unused:
        new = imports.drop_unused(new, plan.maybe_unused)
        import_entries = imports.as_left(import_entries, new)
    entries, tree = plan.entries + import_entries, [new]
    del module, wrapper, plan, new  # the trees and their metadata go before a third is made
    return _finish(source, options, tree, converted, moved + api_entries, entries)


def _names_legacy_conv(source):
    """Whether the text names legacy_conv anywhere (a `--to legacy` output does)."""
    return (b"legacy_conv" if isinstance(source, bytes) else "legacy_conv") in source


def _finish(source, options, tree, converted, moved, entries):
    """The `Result` of the rewritten module `tree[0]` (taken out: it is let go before the
    text is parsed again): the settings the user stated written where names moved onto the
    namespace, the entries in order, the rewrite checked to parse."""
    new = tree.pop()
    if namespace.on_namespace(moved):
        new = namespace.with_settings(new, keras1_backend=options.backend_given and
                                      options.keras1_backend,
                                      image_dim_ordering=options.image_dim_ordering)
    text = new.bytes if isinstance(source, bytes) else new.code
    entries = converted + sorted(moved + entries, key=lambda e: (e.line, e.col))
    del new
    try:
        if text != source:
            ast.parse(text)
    except SyntaxError as error:  # never hand back what does not parse
        raise MigrationError(options.path, error.lineno or 1, error.offset or 1,
                             f"its rewrite does not parse ({error.msg})") from None
    return Result(text, entries)


# -- files -------------------------------------------------------------------------------------
MAX_SOURCE_BYTES = 16 << 20  # a larger .py is reported and left alone
MAX_NESTING = 200  # CPython's own limit on nested brackets; libcst's parser crashes far deeper
MAX_DEPTH = 250  # syntax tree depth (chained operators); the rewrite recurses per level
PARALLEL_MIN_BYTES = 64 << 10  # less source than this is migrated in one process


def python_files(paths):
    """Every .py file named or below a named folder, sorted; missing paths raise."""
    found = []
    for path in paths:
        if os.path.isdir(path):
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                found += [os.path.join(root, f) for f in sorted(files) if f.endswith(".py")]
        elif os.path.lexists(path) and not os.path.isdir(path):
            found.append(path)
        else:
            raise FileNotFoundError(f"migrate: no such file or folder: {path}")
    return found


class _LeftAlone(Exception):
    """A file not migrated: `kind` 'skipped' (on purpose) or 'error' (cannot be read)."""

    def __init__(self, kind, reason):
        super().__init__(reason)
        self.kind, self.reason = kind, reason


def _target(path, roots):
    """The regular file to read and write for a listed `path`: itself, or the file a
    symbolic link points to when it lies below one of `roots` (real paths)."""
    if os.path.islink(path):
        try:
            os.stat(path)
        except OSError as error:
            raise _LeftAlone("error", f"is a symbolic link that cannot be followed "
                                      f"({error.strerror}); left untouched") from None
        real = os.path.realpath(path)
        if not any(real == root or real.startswith(root.rstrip(os.sep) + os.sep)
                   for root in roots):
            raise _LeftAlone("skipped", f"is a symbolic link to {real}, outside the paths "
                                        "given; left untouched (name that file to migrate it)")
        path = real if os.path.isabs(path) else os.path.relpath(real)
    info = os.stat(path)
    if not stat.S_ISREG(info.st_mode):
        raise _LeftAlone("skipped", f"is {_atomic.kind(info.st_mode)}, not a Python file; "
                                    "left untouched")
    if info.st_size > MAX_SOURCE_BYTES:
        raise _LeftAlone("skipped", f"is {info.st_size} bytes, more than the "
                                    f"{MAX_SOURCE_BYTES} migrate reads; left untouched")
    return path


def _read(path):
    """The bytes of regular file `path` (opened without blocking, checked again, bounded)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
    with open(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise _LeftAlone("skipped", "is not a regular file; left untouched")
        data = f.read(MAX_SOURCE_BYTES + 1)
    if len(data) > MAX_SOURCE_BYTES:
        raise _LeftAlone("skipped", f"is more than the {MAX_SOURCE_BYTES} bytes migrate "
                                    "reads; left untouched")
    return data


def _parseable(source, path):
    """Refuses what would crash or exhaust libcst: nesting past MAX_NESTING brackets (no
    valid Python has it) or a syntax tree deeper than MAX_DEPTH; undecodable or binary
    text becomes a MigrationError naming the place."""
    depth = deepest = 0
    for bracket in re.sub(rb"[^(\[{)\]}]", b"", source):
        depth = max(depth + (1 if bracket in b"([{" else -1), 0)
        deepest = max(deepest, depth)
    if deepest > MAX_NESTING:
        raise MigrationError(path, 1, 1, f"nests brackets {deepest} deep, more than "
                                         f"Python's {MAX_NESTING}")
    try:
        tree = ast.parse(source)
    except SyntaxError as error:
        if "decode" in str(error) or "null bytes" in str(error) or "encoding" in str(error):
            raise MigrationError(path, error.lineno or 1, error.offset or 1,
                                 f"is not Python text ({error.msg})") from None
        return  # libcst reports where it does not parse
    except (RecursionError, MemoryError, ValueError) as error:
        raise MigrationError(path, 1, 1, f"is too deeply nested to rewrite "
                                         f"({type(error).__name__})") from None
    stack = [(tree, 1)]
    while stack:
        node, level = stack.pop()
        if level > MAX_DEPTH:
            raise MigrationError(path, getattr(node, "lineno", 1), 1,
                                 f"nests expressions more than {MAX_DEPTH} deep")
        stack.extend((child, level + 1) for child in ast.iter_child_nodes(node))


def _unwritable(path):
    """Why a changed file is not rewritten (None: it is): hard links (a new file would
    split them), read-only, a folder we cannot write, an owner we could not keep."""
    info = os.stat(path)
    folder = os.path.dirname(os.path.abspath(path))
    if info.st_nlink > 1:
        return (f"has {info.st_nlink} hard links, which a rewrite would split; left "
                "untouched (run without --write for the diff)")
    if not info.st_mode & 0o222 or not os.access(path, os.W_OK):
        return "is read-only; left untouched"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"is in a folder that is not writable ({folder}); left untouched"
    if os.geteuid() != 0 and (info.st_uid != os.geteuid() or (
            info.st_gid != os.getegid() and info.st_gid not in os.getgroups())):
        return (f"is owned by uid {info.st_uid}, gid {info.st_gid}, which a rewrite could "
                "not keep; left untouched")
    return None


def _file_entry(path, kind, reason=None):
    return report.Entry(path, None, None, kind, None, None, reason)


def _migrate_file(path, roots, options, write):
    try:
        target = _target(path, roots)
        old = _read(target)
        _parseable(old, target)
        new, entries = _migrate(old, options._replace(path=target))
    except _LeftAlone as left:
        return FileOutcome(path, "skipped" if left.kind == "skipped" else "failed", b"", b"",
                           [_file_entry(path, left.kind, left.reason)])
    except OSError as error:
        return FileOutcome(path, "failed", b"", b"", [_file_entry(
            path, "error", f"cannot be read ({error.strerror}); left untouched")])
    except (MigrationError, RecursionError) as error:
        where = (error.line, error.col) if isinstance(error, MigrationError) else (1, 1)
        reason = error.reason if isinstance(error, MigrationError) else "is too deeply nested"
        entry = report.Entry(target, *where, "error", None, None, f"{reason}; left untouched")
        return FileOutcome(target, "failed", old, old, [entry])
    if new == old:
        return FileOutcome(target, "unchanged", old, new, entries)
    why = _unwritable(target) if write else None
    if why:
        return FileOutcome(target, "skipped", old, old, entries + [
            _file_entry(target, "skipped", why)])
    return FileOutcome(target, "changed", old, new, entries)


def _migrate_job(job):
    """One file's outcome in a worker process (`migrate_paths` with `jobs`)."""
    return _migrate_file(*job)


def _outcomes(jobs_list, jobs):
    """The outcomes of `jobs_list` ((path, roots, options, write) each), in order: in this
    process, or with `jobs` > 1 in that many processes forked from it (each keeps its own
    translations of the calls it meets; the converter's answers they share, `probe.shared`).
    Forked, so that none imports TensorFlow again: only from a process that has run no
    TensorFlow op yet (the command line)."""
    size = sum(os.path.getsize(job[0]) for job in jobs_list if os.path.isfile(job[0]))
    if jobs <= 1 or len(jobs_list) < 2 or size < PARALLEL_MIN_BYTES:
        return [_migrate_file(*job) for job in jobs_list]
    context = multiprocessing.get_context("fork")
    with probe.shared(), concurrent.futures.ProcessPoolExecutor(
            min(jobs, len(jobs_list)), context) as pool:
        return list(pool.map(_migrate_job, jobs_list))


def migrate_paths(paths, to="legacy", write=False, check=False, keras1_backend=None,
                  image_dim_ordering=None, jobs=1):
    """Migrates (or with `check=True` checks) files and folders; a list of `FileOutcome`.

    Every file is read and rewritten in memory first; with `write=True` the changed ones
    are then written, each atomically, keeping owner, group and mode. Left untouched and
    reported (status 'skipped' or 'failed', with an entry saying why): a symbolic link to a
    file outside `paths` (one inside is migrated as that file, once), a link that cannot be
    followed, anything not a regular file, an undecodable, binary or too deeply nested
    source, and with `write` a file with hard links, read-only, or whose owner could not
    be kept. A write that fails is reported as 'failed' and the others go on; each file
    written gets a 'written' entry. An interruption (Ctrl-C, SIGTERM) while writing marks
    the files not written and is raised again with the outcomes as `.outcomes`.
    `check=True` writes nothing. `jobs` > 1: files are read and rewritten in that many
    processes forked from this one (only where this process has run no TensorFlow op).
    """
    mode = "check" if check else to
    if mode not in TARGETS + ("check",):
        raise ValueError(f"migrate: `to` must be one of 'legacy', 'native'. Received: to={to!r}")
    roots = [os.path.realpath(p) for p in paths]
    write = write and not check
    jobs_list, seen = [], set()
    for path in python_files(paths):
        real = os.path.realpath(path)
        if real in seen:
            continue
        seen.add(real)
        options = _options(mode, keras1_backend, image_dim_ordering, path)
        jobs_list.append((path, roots, options, write))
    outcomes = _outcomes(jobs_list, jobs)
    if write:
        _write_all(outcomes)
    return outcomes


def _write_all(outcomes):
    """Writes the changed outcomes, recording in each whether it was written."""
    for i, outcome in enumerate(outcomes):
        if outcome.status != "changed":
            continue
        try:
            write_atomically(outcome.path, outcome.new)
        except OSError as error:
            outcomes[i] = outcome._replace(status="failed", entries=outcome.entries + [
                _file_entry(outcome.path, "error", f"could not be written ({error}); left as "
                                                   "it was")])
        except BaseException as stopped:  # Ctrl-C, SIGTERM: say what was and was not written
            for j in range(i, len(outcomes)):
                if outcomes[j].status == "changed":
                    outcomes[j] = outcomes[j]._replace(status="failed", entries=outcomes[
                        j].entries + [_file_entry(outcomes[j].path, "error",
                                                  "not written (interrupted); left as it was")])
            stopped.outcomes = outcomes
            raise
        else:
            outcome.entries.append(_file_entry(outcome.path, "written"))


def write_atomically(path, data):
    """Writes `data` (bytes) to `path` through a temporary sibling renamed into place,
    keeping the file's owner, group and permission bits."""
    info = os.stat(path) if os.path.exists(path) else None
    mode = stat.S_IMODE(info.st_mode) if info else None
    with _atomic.written(path, False, replace=True, mode=mode) as tmp:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if info and (os.stat(tmp).st_uid, os.stat(tmp).st_gid) != (info.st_uid, info.st_gid):
            os.chown(tmp, info.st_uid, info.st_gid)


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
