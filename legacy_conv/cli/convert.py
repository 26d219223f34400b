"""`legacy-conv convert IN OUT`."""

import argparse
import contextlib
import os

from legacy_conv.cli import batch
from legacy_conv.cli import inspection
from legacy_conv.cli import reading
from legacy_conv.cli import writing
from legacy_conv.cli.errors import EXIT_OK
from legacy_conv.cli.errors import UsageError
from legacy_conv.load import stages


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



def run(args, progress, notes):
    if os.path.isdir(args.input):
        return batch.run(args, progress, notes)
    for dest, (flag, default) in batch.FOLDER_ONLY.items():
        if getattr(args, dest) != default:
            raise UsageError(f"{flag} applies to a folder IN, not to one file ({args.input})")
    kind = writing.output_format(args.out)
    destination = writing.destination(args, kind)
    reading.check_keep_legacy(args)
    if args.weights is not None and kind == "config":
        raise UsageError(f"--weights needs a .keras or SavedModel OUT: {args.out} holds only "
                         "the config")
    writing.check_inputs_kept(args.out, destination,
                              [(args.input, "IN"), (args.weights, "--weights")])
    writing.check_output(destination, args.force)
    with contextlib.ExitStack() as stack:
        with progress.stage(f"reading {args.input}"):
            converted = reading.convert_input(args.input, args, stack, args.weights)
        legacy = reading.build_model(converted, progress)
        model, plan = reading.to_target(converted, legacy, args, progress)
        config = stages.target_config(converted.keras3_config, model, plan)
        if kind == "keras":
            reading.compile_like_keras1(converted, model)
        if kind != "config" and converted.k1file is None and converted.weights_file is None:
            notes.append(f"{args.input} holds no weights and no --weights was given: "
                         f"{destination} has freshly initialised weights")
        with progress.stage(f"writing {destination}"), writing.atomic_output(
                destination, kind == "saved_model", args.force,
                make_parents=args.serving_name is not None or args.make_parents) as tmp:
            what = writing.WRITERS[kind](tmp, config, model)
        rows = inspection.layer_rows(converted, model, plan)
    args.backend_used = reading.backend_used(converted, args)  # the folder mode's report
    warning = reading.backend_warning(converted, args)
    if warning:
        notes.append(warning)
    notes.extend(f'layer "{r["name"]}" ({r["keras1_class"]} -> {r["keras3_class"]}) is not '
                 f'exact: {r["note"]}' for r in rows if not r["exact"])
    print(f"wrote {destination}: {what}; {model.count_params()} parameters, from "
          f"{args.input}")
    return EXIT_OK



def positive_int(text):
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, not {text!r}")
    return value


def add_parser(commands, common):
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
    parser.set_defaults(run=run, make_parents=False)
