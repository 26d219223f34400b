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
Help, --version and bad arguments answer before TensorFlow is imported: this module and the
parser's need neither Keras nor the layers, which a command imports as it starts
(`_startup.import_package`).
"""

import argparse
import contextlib
import functools
import importlib
import importlib.metadata
import logging
import os
import sys
import traceback
import warnings

import legacy_conv
from legacy_conv import _startup
from legacy_conv import backend
from legacy_conv.cli import batch
from legacy_conv.cli import custom_objects
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

TARGETS = ("legacy", "native")  # `loading.TARGETS`, known before TensorFlow is imported
# The distributions that may provide TensorFlow, for --version.
TENSORFLOW_DISTRIBUTIONS = ("tensorflow", "tensorflow-cpu", "tensorflow-gpu", "tf-nightly")


class _Parser(argparse.ArgumentParser):
    """argparse, with its errors as one line (no usage block)."""

    def error(self, message):
        raise UsageError(f"{message} (see '{self.prog} --help')")



def _installed(*distributions):
    """The version of the first of `distributions` installed (package metadata: no import)."""
    for name in distributions:
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return "not installed"


def _version():
    return (f"{PROG} {legacy_conv.__version__} (Keras {_installed('keras')}, "
            f"TensorFlow {_installed(*TENSORFLOW_DISTRIBUTIONS)})")



def _conversion_options():
    common = argparse.ArgumentParser(add_help=False)
    group = common.add_argument_group("conversion")
    group.add_argument("--target", choices=TARGETS, default="legacy",
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



def _run(module, args, progress, notes):
    """The `run` of a command's module, imported when the command runs (with TensorFlow);
    bound to its module by `functools.partial`, which a folder's worker processes unpickle."""
    return importlib.import_module(f"legacy_conv.cli.{module}").run(args, progress, notes)


EPILOG = """\
OUT by its form:
  OUT.json    the converted Keras 3 model config (checked by building the model)
  OUT.keras   the Keras 3 model with its weights (model.save; compiled from the
              file's training config where it has one)
  OUT         any other path: a SavedModel folder for TF Serving (model.export);
              with --serving-name NAME: OUT/NAME/VERSION/
OUT is written completely or not at all, and never replaces an existing OUT
without --force. --force replaces only a regular file, an empty folder or a
SavedModel folder (saved_model.pb or .pbtxt and only what an export writes);
never a folder of other files, a symbolic link, a FIFO or device, the current
folder or one above it, nor an OUT that is or contains IN or --weights. IN and
--weights must be regular files.

A folder IN converts every Keras 1 file in its tree into OUTDIR, same layout:
each .h5/.hdf5 model.save() file, and each .json/.yaml/.yml config with the
weights file beside it (model.json: model.h5, model_weights.h5, model-weights.h5
or model.weights.h5; else the folder's only weights file), to --format keras
(default), json or saved_model, --jobs at a time. It never stops at a failure:
it ends with a table and a JSON report (--report, default OUTDIR/%s;
per file: input, weights, output, status, reason, warnings, the Keras 1 backend
and why), exit status 0 only when every file converted.

examples:
  legacy-conv convert model.h5 model.keras --keras1-backend theano
  legacy-conv convert model.json serving --weights weights.h5 --serving-name net
  legacy-conv convert old_models/ converted/ --jobs 4
""" % batch.REPORT


def positive_int(text):
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, not {text!r}")
    return value


def _add_convert(commands, common):
    """The `convert` subcommand; `common` holds the conversion and output options."""
    parser = commands.add_parser(
        "convert", parents=[common], help="convert a Keras 1 model file",
        description="Convert a Keras 1 model file to a Keras 3 config, .keras file or "
                    "SavedModel.", epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("input", metavar="IN", help="Keras 1 model: model.to_json() "
                        "(.json), model.to_yaml() (.yaml/.yml) or model.save() (.h5/.hdf5); "
                        "or a folder of them")
    parser.add_argument("out", metavar="OUT", help="a .json, a .keras, or a folder "
                        "(OUTDIR for a folder IN)")
    parser.add_argument("--weights", metavar="W.h5", default=None,
                        help="a Keras 1 weights file (model.save_weights) to load")
    parser.add_argument("--force", action="store_true", help="replace an existing OUT")
    parser.add_argument("--serving-name", metavar="NAME", default=None,
                        help="write the TF Serving layout OUT/NAME/VERSION/")
    parser.add_argument("--serving-version", metavar="N", type=positive_int, default=None,
                        help="the version folder with --serving-name (default: 1)")
    folder = parser.add_argument_group("a folder IN")
    folder.add_argument("--format", choices=tuple(batch.FORMATS), default="keras",
                        help="what each file becomes (default: keras)")
    folder.add_argument("--jobs", metavar="N", type=positive_int, default=None,
                        help="files converted at once, each in its own process (default: "
                             f"the CPUs, at most {batch.MAX_JOBS})")
    folder.add_argument("--report", metavar="FILE.json", default=None,
                        help=f"where the JSON report goes (default: OUTDIR/{batch.REPORT})")
    parser.set_defaults(run=functools.partial(_run, "convert"), make_parents=False)


def _add_inspect(commands, common):
    """The `inspect` subcommand; `common` holds the conversion and output options."""
    parser = commands.add_parser(
        "inspect", parents=[common], help="show what each layer converts to",
        description="Show each layer of a Keras 1 model file: its Keras 1 class, what it "
                    "converts to, whether exactly, and its parameter count; for an .h5 also "
                    "its Keras version, training config and weights. A weights file alone "
                    "(model.save_weights) lists its layers, weight names and shapes.")
    parser.add_argument("input", metavar="IN", help="Keras 1 model (.json, .yaml/.yml, "
                        ".h5/.hdf5) or weights file")
    parser.add_argument("--weights", metavar="W.h5", default=None,
                        help="a Keras 1 weights file (model.save_weights): check, layer by "
                             "layer, that it fits the model")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.set_defaults(run=functools.partial(_run, "inspection"))



def build_parser():
    parser = _Parser(prog=PROG, description="Convert and inspect Keras 1 model files "
                     "(.json, .yaml, .h5) for Keras 3; migrate Keras 1 code.",
                     epilog="Run 'legacy-conv COMMAND --help' for a command's options. "
                            "Exit status: 0 success, 1 failure, 2 bad arguments.")
    parser.add_argument("--version", action="version", version=_version())
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    common = _conversion_options()
    _add_convert(commands, common)
    _add_inspect(commands, common)
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
            needs_package = getattr(args, "needs_package", None)  # a command's own test
            if needs_package is None or needs_package(args):
                _startup.import_package()
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



if _startup.full_package():  # in Python, the commands' modules at once (`cli.inspection`, ...)
    from legacy_conv.cli import convert  # noqa: E402,F401
    from legacy_conv.cli import inspection  # noqa: E402,F401
