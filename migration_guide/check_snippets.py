#!/usr/bin/env python
"""Runs every ```python block of the migration guide and reports the ones that fail.

    python migration_guide/check_snippets.py            # every .md file next to this script
    python migration_guide/check_snippets.py layers.md  # some files
    python migration_guide/check_snippets.py --list     # list the blocks, run nothing

Each block runs in a fresh namespace, in one process (so TensorFlow is imported once).
Between blocks the script restores the environment variables, the working directory,
legacy_conv's global settings (`set_keras1_backend`, `set_image_dim_ordering`) and
clears the Keras session, so a block cannot change what the next one sees.
Blocks fenced as ```text (Keras 1 code) or anything else are not run.

For a test suite: `iter_snippets()` yields `Snippet`s and `run_snippet()` runs one.
Exit status: 0 when every block passed, 1 otherwise.
"""

import argparse
import collections
import glob
import os
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
FENCE = "```"
SLOW_SECONDS = 1.0

Snippet = collections.namedtuple("Snippet", "path line code")


def extract(path):
    """The ```python blocks of a Markdown file, as `Snippet`s (line = first code line)."""
    snippets, code, start = [], None, None
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            stripped = line.strip()
            if code is None:
                if stripped == FENCE + "python":
                    code, start = [], number + 1
            elif stripped == FENCE:
                snippets.append(Snippet(path, start, "".join(code)))
                code = None
            else:
                code.append(line)
    if code is not None:
        raise ValueError(f"{path}:{start - 1}: a ```python block is never closed")
    return snippets


def guide_files(names=()):
    if names:
        return [n if os.path.isabs(n) or os.path.exists(n) else os.path.join(HERE, n)
                for n in names]
    return sorted(glob.glob(os.path.join(HERE, "*.md")))


def iter_snippets(names=()):
    for path in guide_files(names):
        yield from extract(path)


def snippet_id(snippet):
    return f"{os.path.basename(snippet.path)}:{snippet.line}"


def _snapshot():
    import legacy_conv.backend

    return dict(os.environ), os.getcwd(), dict(legacy_conv.backend._state)


def _restore(snapshot):
    import keras
    import legacy_conv.backend

    environ, cwd, state = snapshot
    os.environ.clear()
    os.environ.update(environ)
    os.chdir(cwd)
    legacy_conv.backend._state.clear()
    legacy_conv.backend._state.update(state)
    keras.backend.clear_session()


def run_snippet(snippet):
    """Runs one block in a fresh namespace; raises whatever the block raises."""
    # Line numbers in tracebacks point into the Markdown file.
    source = "\n" * (snippet.line - 1) + snippet.code
    code = compile(source, snippet.path, "exec")
    snapshot = _snapshot()
    try:
        exec(code, {"__name__": "__snippet__"})
    finally:
        _restore(snapshot)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", help="Markdown files (default: all in this folder)")
    parser.add_argument("--list", action="store_true", help="list the blocks without running")
    args = parser.parse_args(argv)

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    snippets = list(iter_snippets(args.files))
    if args.list:
        for s in snippets:
            print(snippet_id(s), f"({len(s.code.splitlines())} lines)")
        print(f"{len(snippets)} blocks")
        return 0

    import legacy_conv  # noqa: F401  (imports TensorFlow once, before timing)

    failures, slow = [], []
    for s in snippets:
        start = time.perf_counter()
        try:
            run_snippet(s)
        except BaseException:  # noqa: BLE001 - report every failure, go on
            failures.append((s, traceback.format_exc()))
            status = "FAIL"
        else:
            status = "ok"
        seconds = time.perf_counter() - start
        if seconds > SLOW_SECONDS:
            slow.append((s, seconds))
        print(f"{status:4} {snippet_id(s)} ({seconds:.2f} s)")
    for s, text in failures:
        print(f"\n--- {snippet_id(s)} failed ---\n{text}", file=sys.stderr)
    for s, seconds in slow:
        print(f"slow: {snippet_id(s)} took {seconds:.2f} s (limit {SLOW_SECONDS} s)")
    print(f"{len(snippets) - len(failures)} of {len(snippets)} blocks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
