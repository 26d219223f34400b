"""`legacy-conv`: convert and inspect Keras 1 model files, migrate Keras 1 code.

    legacy-conv convert IN OUT    a Keras 1 .json/.yaml/.h5 → a Keras 3 .json config,
                                  a .keras file, or a SavedModel folder for TF Serving
    legacy-conv inspect IN        what each layer converts to, whether exactly, its size
    legacy-conv migrate PATH...   rewrite Keras 1 Python code for legacy_conv or Keras 3

The only package of legacy_conv that prints or exits. Exit status: 0 on success, 1 when the
input cannot be converted or the output written, 2 for bad command-line arguments; every
failure is one line `legacy-conv: error: <reason>` on stderr (`--debug` adds the traceback).
OUT is written to a hidden temporary sibling first and renamed into place when complete.
SIGTERM and SIGHUP stop a command as Ctrl-C does: its temporary files are removed, and the
exit status is 128 + the signal's number (130 for Ctrl-C, 143 for SIGTERM, 129 for SIGHUP).
"""

import argparse
import contextlib
import logging
import os
import sys
import traceback
import warnings

import keras

import legacy_conv
from legacy_conv import backend
from legacy_conv import loading
from legacy_conv.cli import convert
from legacy_conv.cli import custom_objects
from legacy_conv.cli import inspection
from legacy_conv.cli.errors import EXIT_FAILED
from legacy_conv.cli.errors import EXIT_OK
from legacy_conv.cli.errors import PROG
from legacy_conv.cli.errors import CliError
from legacy_conv.cli.errors import UsageError
from legacy_conv.cli.errors import first_line
from legacy_conv.cli.errors import say
from legacy_conv.cli.errors import signals_as_interrupts
from legacy_conv.cli.errors import stopped_status
from legacy_conv.cli.progress import Progress
from legacy_conv.cli import migrate as migrate_cli
from legacy_conv.errors import ConversionError


class _Parser(argparse.ArgumentParser):
    """argparse, with its errors as one line (no usage block)."""

    def error(self, message):
        raise UsageError(f"{message} (see '{self.prog} --help')")



def _version():
    import tensorflow as tf
    return (f"{PROG} {legacy_conv.__version__} (Keras {keras.__version__}, "
            f"TensorFlow {tf.__version__})")



def _conversion_options():
    common = argparse.ArgumentParser(add_help=False)
    group = common.add_argument_group("conversion")
    group.add_argument("--target", choices=loading.TARGETS, default="legacy",
                       help="'legacy' (default): this package's exact layers where Keras 3 "
                            "has no exact equivalent; 'native': Keras 3 built-in layers only")
    group.add_argument("--keep-legacy", action="store_true",
                       help="with --target native: keep this package's layer where Keras 3 "
                            "has no exact built-in, instead of failing")
    group.add_argument("--keras1-backend", choices=backend.KERAS1_BACKENDS, default=None,
                       help="the Keras 1 backend that trained the model (files do not "
                            "record it); default: $LEGACY_CONV_KERAS1_BACKEND, else "
                            "'tensorflow'")
    group.add_argument("--image-dim-ordering", choices=backend.DIM_ORDERINGS, default=None,
                       help="the ordering of layers whose config does not record "
                            "dim_ordering (default: inferred from the model, else keras.json)")
    group.add_argument(custom_objects.OPTION, metavar="FILE.py", action="append", default=[],
                       dest="custom_objects", help=custom_objects.HELP)
    output = common.add_argument_group("output")
    output.add_argument("-q", "--quiet", action="store_true",
                        help="no progress lines on stderr")
    output.add_argument("--debug", action="store_true",
                        help="show the traceback of a failure")
    return common



def build_parser():
    parser = _Parser(prog=PROG, description="Convert and inspect Keras 1 model files "
                     "(.json, .yaml, .h5) for Keras 3; migrate Keras 1 code.",
                     epilog="Run 'legacy-conv COMMAND --help' for a command's options. "
                            "Exit status: 0 success, 1 failure, 2 bad arguments.")
    parser.add_argument("--version", action="version", version=_version())
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    common = _conversion_options()
    convert.add_parser(commands, common)
    inspection.add_parser(commands, common)
    migrate_cli.add_parser(commands)
    return parser



def _ours(record):
    """True for warnings raised in this package (Keras' own are not shown)."""
    package = os.path.dirname(os.path.abspath(legacy_conv.__file__))
    return os.path.abspath(record.filename).startswith(package + os.sep)



@contextlib.contextmanager
def _quiet_tensorflow():
    """TensorFlow's and absl's Python logging held to errors while a command runs."""
    loggers = [logging.getLogger(name) for name in ("tensorflow", "absl")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)



def main(argv=None):
    """Runs `legacy-conv` with `argv` (default: sys.argv[1:]); returns the exit status."""
    try:
        args = build_parser().parse_args(argv)
    except UsageError as error:
        say("error", error)
        return error.status
    except SystemExit as done:  # --help, --version
        return done.code if isinstance(done.code, int) else EXIT_OK
    return execute(args)



def execute(args):
    """Runs the parsed command `args`: its failures as one line, its warnings after it;
    returns the exit status (`main`'s, and the folder mode's for each file)."""
    progress = Progress(quiet=args.quiet)
    notes = []
    try:
        with signals_as_interrupts(), _quiet_tensorflow(), \
                warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            status = args.run(args, progress, notes)
    except KeyboardInterrupt as stopped:
        return stopped_status(stopped)
    except BrokenPipeError:  # e.g. `legacy-conv inspect IN | head`
        with contextlib.suppress(OSError, ValueError, AttributeError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILED
    except (CliError, ConversionError, OSError) as error:
        if args.debug:
            traceback.print_exc()
        say("error", first_line(custom_objects.for_command_line(error)))
        return getattr(error, "status", EXIT_FAILED)
    except Exception as error:  # noqa: BLE001 — never a traceback without --debug
        if args.debug:
            traceback.print_exc()
        say("error", f"unexpected {type(error).__name__}: {first_line(error)} "
                      "(run with --debug for the traceback)")
        return EXIT_FAILED
    seen = set()
    for message in [str(w.message) for w in caught if _ours(w)] + notes:
        if message not in seen:
            seen.add(message)
            say("warning", message)
    return status

