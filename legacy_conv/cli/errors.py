"""The command line's failures, each one line on stderr, and its exit statuses."""

import sys

PROG = "legacy-conv"
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class CliError(Exception):
    """A failure reported as one line, exit status 1."""

    status = EXIT_FAILED



class UsageError(CliError):
    """A bad command line, exit status 2."""

    status = EXIT_USAGE



def first_line(error):
    text = " ".join(str(error).split())
    return text or type(error).__name__



def say(kind, message):
    print(f"{PROG}: {kind}: {' '.join(str(message).split())}", file=sys.stderr)

