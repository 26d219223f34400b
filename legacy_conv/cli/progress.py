"""Progress on stderr for the stages of a command."""

import contextlib
import sys
import time

from legacy_conv.cli.errors import PROG

SLOW_STAGE_S = 1.0  # without a terminal, stages that take longer are reported afterwards


class Progress:
    """Stage lines on stderr: a transient status line on a terminal, else (terse) a line
    for each stage that took longer than SLOW_STAGE_S, written when it ends."""

    def __init__(self, quiet=False, stream=None):
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()

    @contextlib.contextmanager
    def stage(self, text):
        if self.quiet:
            yield
            return
        start = time.monotonic()
        if self.tty:
            self.stream.write(f"\r\033[K{PROG}: {text} ...")
            self.stream.flush()
        try:
            yield
        finally:
            elapsed = time.monotonic() - start
            if self.tty:
                self.stream.write("\r\033[K")
            elif elapsed > SLOW_STAGE_S:
                self.stream.write(f"{PROG}: {text} took {elapsed:.1f} s\n")
            self.stream.flush()

