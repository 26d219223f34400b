"""The command line's start: without TensorFlow until a command needs it, and then
TensorFlow's logs kept out of its one-line errors.

`import legacy_conv` imports Keras and every layer (`full_package()`), except in the
`legacy-conv` command, whose help, version and argument errors need neither: a command that
does calls `import_package()` before it runs.

`quiet()` sets TF_CPP_MIN_LOG_LEVEL to 3 unless the user set it (no runtime log lines such
as a failed CUDA initialization on a machine without a GPU: the command needs none), and
drops what TensorFlow 2.21 prints on stderr as it loads whatever that level says (absl's
notice that it is not initialized yet, then INFO lines about oneDNN, CUDA and CPU features):
stderr goes to a temporary file meanwhile, and every other line is passed on.
"""

import contextlib
import importlib
import os
import re
import sys
import tempfile

NOTE = re.compile(rb"WARNING: All log messages before absl::InitializeLog\(\)"
                  rb"|I\d{4} [\d:.]+ +\d+ \S+:\d+\] "
                  rb"|To enable the following instructions: ")


def command_line():
    """Whether this process is the `legacy-conv` command (or `python -m legacy_conv`)."""
    argv = getattr(sys, "orig_argv", sys.argv)
    script = os.path.splitext(os.path.basename(sys.argv[0] if sys.argv else ""))[0]
    return script == "legacy-conv" or any(
        flag == "-m" and name == "legacy_conv" for flag, name in zip(argv, argv[1:]))


_wanted = []  # [True] once the command has asked for the whole package


def full_package():
    """Whether `legacy_conv/__init__.py` imports Keras and every layer now."""
    return bool(_wanted) or not command_line()


def import_package():
    """The whole package (Keras, every layer, every name of `legacy_conv.__all__`), for a
    command that needs it; at most once."""
    package = sys.modules["legacy_conv"]
    if not full_package():  # the command line's light package: its imports run now
        _wanted.append(True)
        importlib.reload(package)
    return package


@contextlib.contextmanager
def quiet():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    try:
        captured = tempfile.TemporaryFile()
    except OSError:  # no writable temporary folder: the notes stay
        yield
        return
    with captured:
        try:
            sys.stderr.flush()
            saved = os.dup(2)
        except (AttributeError, OSError, ValueError):  # no stderr descriptor to filter
            yield
            return
        os.dup2(captured.fileno(), 2)
        try:
            yield
        finally:
            with contextlib.suppress(AttributeError, OSError, ValueError):
                sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            kept = [line for line in captured.read().splitlines(keepends=True)
                    if not NOTE.match(line)]
            if kept:
                os.write(2, b"".join(kept))
