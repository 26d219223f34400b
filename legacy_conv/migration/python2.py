"""Python 2 sources (most Keras 1 code of 2016): recognised and converted to Python 3 first.

A source that Python 3 does not parse but the lib2to3 grammar of `fissix` (a maintained
fork of lib2to3) does, with or without the print statement, is Python 2; `to_python3`
rewrites it with 2to3's standard fixers (print, except, dict methods, imports, unicode,
xrange, ...), all but those 2to3 runs only on request and `import` (it makes a script's
imports of its neighbours relative, which breaks `python script.py`).
"""

import functools
import io
import tokenize

# 2to3's fixers left out: those it runs only when named, and `import` (see above).
LEFT_OUT = ("buffer", "idioms", "set_literal", "ws_comma", "import")


class NotPython2(ValueError):
    """Neither Python 3 nor Python 2 parses the source."""


@functools.lru_cache(maxsize=None)
def _tools():
    from fissix import pygram
    from fissix import refactor

    fixers = [f for f in refactor.get_fixers_from_package("fissix.fixes")
              if f.rsplit(".fix_", 1)[1] not in LEFT_OUT]
    with_print = refactor.RefactoringTool(fixers, {"print_function": False})
    without_print = refactor.RefactoringTool(fixers, {"print_function": True})
    return pygram, (with_print, without_print)


def to_python3(source):
    """The Python 3 text of a Python 2 source (str or bytes, the same type back);
    raises NotPython2 where fissix's grammar does not parse it either."""
    if isinstance(source, bytes):
        encoding = tokenize.detect_encoding(io.BytesIO(source).readline)[0]
        try:
            text = source.decode(encoding)
        except UnicodeDecodeError:
            raise NotPython2("it is not text in its encoding") from None
        return to_python3(text).encode(encoding)
    _, tools = _tools()
    text = source if source.endswith("\n") or not source else source + "\n"
    for tool in tools:
        try:
            new = str(tool.refactor_string(text, "<python 2 source>"))
        except Exception:  # noqa: BLE001 — fissix's ParseError or TokenError: try the next
            continue
        return new if source.endswith("\n") or not source else new[:-1]
    raise NotPython2("not Python 2 either")
