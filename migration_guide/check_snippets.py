#!/usr/bin/env python
"""Runs every ```python block of the migration guide and checks its links.

    python migration_guide/check_snippets.py                  # every .md file of the guide
    python migration_guide/check_snippets.py layers/cropping1d.md theano-weights.md
    python migration_guide/check_snippets.py --list           # list the blocks, run nothing
    python migration_guide/check_snippets.py --links          # check the links only

Pages are the .md files under this folder, subfolders included; names are relative to it.
Each block runs in a fresh namespace, in one process (so TensorFlow is imported once),
with the repository root as working directory (blocks read `examples/data/...` and
`tests/fixtures/...`). Between blocks the script restores the environment variables, the
working directory, legacy_conv's global settings (`set_keras1_backend`,
`set_image_dim_ordering`) and clears the Keras session, so a block cannot change what the
next one sees. Blocks fenced as ```text (Keras 1 code), ```bash or anything else are not run.

Links: every relative Markdown link `[text](page.md#anchor)` outside code must name an
existing file and, for a .md file, an existing heading (GitHub's anchors).

For a test suite: `iter_snippets()` yields `Snippet`s, `run_snippet()` runs one,
`broken_links()` lists the bad links.
Exit status: 0 when every block passed and every link resolves, 1 otherwise.
"""

import argparse
import collections
import os
import re
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(HERE)
FENCE = "```"
SLOW_SECONDS = 1.0

Snippet = collections.namedtuple("Snippet", "path line code")
Link = collections.namedtuple("Link", "path line target")

LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")
INLINE_CODE = re.compile(r"`[^`]*`")
EXTERNAL = ("http://", "https://", "mailto:")


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
    """The pages named (relative to this folder, or paths), else every .md file under it."""
    if names:
        return [n if os.path.isabs(n) or os.path.exists(n) else os.path.join(HERE, n)
                for n in names]
    found = []
    for folder, dirs, files in os.walk(HERE):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_")))
        found += [os.path.join(folder, f) for f in files if f.endswith(".md")]
    return sorted(found, key=lambda p: os.path.relpath(p, HERE))


def iter_snippets(names=()):
    for path in guide_files(names):
        yield from extract(path)


def page_name(path):
    return os.path.relpath(os.path.abspath(path), HERE).replace(os.sep, "/")


def snippet_id(snippet):
    return f"{page_name(snippet.path)}:{snippet.line}"


# -- links ---------------------------------------------------------------------------------
def prose_lines(path):
    """(line number, text) of a Markdown file outside fenced blocks, inline code removed."""
    fenced = False
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            if line.lstrip().startswith(FENCE):
                fenced = not fenced
                continue
            if not fenced:
                yield number, INLINE_CODE.sub("", line)


def slug(heading):
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces → hyphens."""
    text = INLINE_CODE.sub(lambda m: m.group(0)[1:-1], heading.strip()).lower()
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # a link: its text
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path):
    """The anchors of a Markdown file's headings (repeated headings get -1, -2, ...)."""
    seen, result = collections.Counter(), set()
    fenced = False
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.lstrip().startswith(FENCE):
                fenced = not fenced
            elif not fenced and re.match(r"#{1,6} ", line):
                base = slug(line.lstrip("#"))
                result.add(base if not seen[base] else f"{base}-{seen[base]}")
                seen[base] += 1
    return result


def links(path):
    for number, text in prose_lines(path):
        for match in LINK.finditer(text):
            target = match.group(1)
            if not target.startswith(EXTERNAL):
                yield Link(path, number, target)


def broken_links(names=()):
    """[(page:line, target, why)] for every relative link that does not resolve."""
    broken, cache = [], {}
    for page in guide_files(names):
        for link in links(page):
            file_part, _, anchor = link.target.partition("#")
            target = (os.path.normpath(os.path.join(os.path.dirname(page), file_part))
                      if file_part else page)
            where = f"{page_name(page)}:{link.line}"
            if not os.path.exists(target):
                broken.append((where, link.target, "no such file"))
            elif anchor and target.endswith(".md"):
                if target not in cache:
                    cache[target] = anchors(target)
                if anchor not in cache[target]:
                    broken.append((where, link.target, "no such heading"))
    return broken


# -- running blocks ------------------------------------------------------------------------
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
    keras.backend.clear_session(free_memory=False)  # (gc.collect: seconds in a long run)


def _fresh():
    """legacy_conv's settings as in a fresh process (none set: keras.json and the defaults
    decide), whatever ran before in this one."""
    import legacy_conv.backend

    legacy_conv.backend._state.update(dict.fromkeys(legacy_conv.backend._state))


def run_snippet(snippet):
    """Runs one block in a fresh namespace, from the repository root; raises what it raises."""
    # Line numbers in tracebacks point into the Markdown file.
    source = "\n" * (snippet.line - 1) + snippet.code
    code = compile(source, snippet.path, "exec")
    snapshot = _snapshot()
    try:
        os.chdir(REPO_ROOT)
        _fresh()
        exec(code, {"__name__": "__snippet__"})
    finally:
        _restore(snapshot)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", help="Markdown files (default: all of the guide)")
    parser.add_argument("--list", action="store_true", help="list the blocks without running")
    parser.add_argument("--links", action="store_true", help="check the links only")
    args = parser.parse_args(argv)

    broken = broken_links(args.files)
    for where, target, why in broken:
        print(f"{where}: broken link {target!r} ({why})", file=sys.stderr)
    if args.links:
        print(f"{len(broken)} broken links")
        return 1 if broken else 0

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
    print(f"{len(snippets) - len(failures)} of {len(snippets)} blocks passed, "
          f"{len(broken)} broken links")
    return 1 if failures or broken else 0


if __name__ == "__main__":
    sys.exit(main())
