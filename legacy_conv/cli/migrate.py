"""`legacy-conv migrate PATH... [--to legacy|native] [--write] [--check]`.

`add_parser(subparsers)` adds the subcommand to an argparse parser, `run(args)` runs it and
returns the exit status: 0 done (or, with --check, no trap left), 1 when --check finds
traps or a file could not be migrated (or was left untouched: see `run.migrate_paths`),
2 for a bad command line (a missing PATH).
Without --write the unified diff goes to stdout; the report always goes to stderr.
`python -m legacy_conv.migration ...` runs it on its own.
"""

import argparse
import os
import sys

from legacy_conv import _startup
from legacy_conv.backend import DIM_ORDERINGS

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
TARGETS = ("legacy", "native")  # `migration.run.TARGETS`: the parser imports no Keras

DESCRIPTION = (
    "Rewrite the Python sources of a Keras 1 codebase (comments and formatting kept). "
    "--to legacy (step 1, no change of meaning): imports of Keras 1 modules become imports "
    "of the Keras 1 namespace, legacy_conv.keras1 (Python 2 sources are converted first). "
    "--to native (step 2): each Keras 1 call whose meaning a Keras 3 call has exactly "
    "becomes that call (layers, fit(nb_epoch=), optimizers' lr=, to_categorical, backend "
    "functions as keras.ops); the rest stays on legacy_conv.keras1 and the report says why. "
    "--check: list every call that reaches a Keras 3 alias or "
    "namesake with another meaning (keras.layers.Convolution2D(32, 3, 3) means strides 3 "
    "in Keras 3) and fail while any remain.")


def add_parser(subparsers):
    """Adds `migrate` to an argparse subparsers object; returns its parser."""
    parser = subparsers.add_parser("migrate", help="rewrite a Keras 1 codebase's sources",
                                   description=DESCRIPTION)
    parser.add_argument("paths", nargs="+", metavar="PATH",
                        help="Python files, or folders (every *.py below them)")
    parser.add_argument("--to", choices=TARGETS, default="legacy",
                        help="legacy (default): the Keras 1 namespace legacy_conv.keras1; "
                             "native: Keras 3's calls where exact, the rest on the namespace")
    parser.add_argument("--write", action="store_true",
                        help="rewrite the files in place (each atomically, owner and mode "
                             "kept; links out of PATH, hard-linked and read-only files are "
                             "reported, not rewritten); default: print a unified diff")
    parser.add_argument("--check", action="store_true",
                        help="only report calls that reach a Keras 3 alias or namesake with "
                             "another meaning; exit 1 while any remain (writes nothing)")
    parser.add_argument("--keras1-backend", choices=("theano", "tensorflow"), default=None,
                        help="the backend the code ran on in Keras 1 (default: the package "
                             "default, legacy_conv.keras1_backend(), 'tensorflow' unless "
                             "set); --to legacy sets it after the imports")
    parser.add_argument("--image-dim-ordering", choices=DIM_ORDERINGS, default=None,
                        help="what keras.json's image_dim_ordering was where the code ran "
                             "(what dim_ordering='default' meant); without it --to native "
                             "keeps the calls that depend on it")
    parser.add_argument("--jobs", metavar="N", type=int, default=None,
                        help="files rewritten at once, each in its own process (default: "
                             "the CPUs; 1: all in this process)")
    parser.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)
    parser.set_defaults(run=run, quiet=False, needs_package=_needs_package)
    return parser


def _needs_package(args):
    """Whether the command needs the whole package (Keras, TensorFlow) before it starts:
    --check and --to legacy read only the spec and the generated facts (a call that --to
    legacy translates imports the package then: `translate.translate`)."""
    return not args.check and args.to != "legacy"


def _default_jobs():
    """The CPUs for the command (a fresh process); 1 in a process that may have run
    TensorFlow already (forking that one is not safe)."""
    return len(os.sched_getaffinity(0)) if _startup.command_line() else 1


def run(args, progress=None, notes=None, stdout=None, stderr=None):
    """Runs `migrate` for parsed `args`; returns the exit status (`progress` and `notes`:
    unused, for `legacy_conv.cli`'s calling convention)."""
    from legacy_conv.migration import run as runner  # Keras: imported when migrate runs
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    try:
        outcomes = runner.migrate_paths(
            args.paths, to=args.to, write=args.write, check=args.check,
            keras1_backend=args.keras1_backend, image_dim_ordering=args.image_dim_ordering,
            jobs=args.jobs or _default_jobs())
    except (FileNotFoundError, ValueError) as error:
        stderr.write(f"legacy-conv: error: {error}\n")
        return EXIT_USAGE
    except KeyboardInterrupt as stopped:  # while writing: what was and was not written
        if hasattr(stopped, "outcomes"):
            _report(args, stopped.outcomes, stderr)
        raise
    if not args.check and not args.write:
        for outcome in outcomes:
            stdout.write(runner.diff(outcome))
    entries = _report(args, outcomes, stderr)
    failed = any(o.status in ("failed", "skipped") for o in outcomes)
    traps = any(e.kind == "trap" for e in entries) and args.check
    return EXIT_FAILED if failed or traps else EXIT_OK


def _report(args, outcomes, stderr):
    """Writes the report of `outcomes` to `stderr`; returns its entries."""
    from legacy_conv import backend
    from legacy_conv.migration import report
    entries = [e for outcome in outcomes for e in outcome.entries]
    mode = "check" if args.check else args.to
    head = report.header(mode, args.keras1_backend or backend.keras1_backend(),
                         args.keras1_backend is not None, args.image_dim_ordering)
    changed = sum(o.status == "changed" for o in outcomes)
    if not args.check:
        verb = "rewrote" if args.write else "would rewrite"
        head = head + [f"  {verb} {changed} of {len(outcomes)} file(s)"]
    stderr.write(report.text(entries, head, files=len(outcomes)))
    return entries


def main(argv=None, stdout=None, stderr=None):
    """`python -m legacy_conv.migration PATH...` (the same options as `legacy-conv migrate`);
    returns the exit status."""
    parser = argparse.ArgumentParser(prog="legacy-conv")
    add_parser(parser.add_subparsers(dest="command", required=True))
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] != "migrate":
        argv = ["migrate"] + argv
    try:
        args = parser.parse_args(argv)
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else EXIT_USAGE
    from legacy_conv.cli import errors
    try:
        with errors.signals_as_interrupts():
            return args.run(args, stdout=stdout, stderr=stderr)
    except KeyboardInterrupt as stopped:
        return errors.stopped_status(stopped)
