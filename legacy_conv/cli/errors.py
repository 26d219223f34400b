"""The command line's failures, each one line on stderr, and its exit statuses; SIGTERM
and SIGHUP stop a command as Ctrl-C does (exit status 128 + the signal's number)."""

import contextlib
import signal
import sys
import threading

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



class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP during a command, raised where it runs so that every `finally`
    cleans up as it does for Ctrl-C."""

    def __init__(self, signum):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum



ENDING_SIGNALS = (signal.SIGTERM, signal.SIGHUP)



@contextlib.contextmanager
def signals_as_interrupts():
    """ENDING_SIGNALS raise `Terminated` while a command runs (the first one; later ones
    are ignored so that the cleanup runs to its end)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        for number in ENDING_SIGNALS:
            signal.signal(number, signal.SIG_IGN)
        raise Terminated(signum)

    previous = {number: signal.signal(number, stop) for number in ENDING_SIGNALS}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)



def stopped_status(stopped):
    """Says why a command stopped (a KeyboardInterrupt or `Terminated`); its exit status."""
    signum = getattr(stopped, "signum", signal.SIGINT)
    say("error", "interrupted" if signum == signal.SIGINT
        else f"terminated by {signal.Signals(signum).name}")
    return 128 + signum
