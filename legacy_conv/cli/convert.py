"""`legacy-conv convert IN OUT`."""

import contextlib
import os

from legacy_conv.cli import batch
from legacy_conv.cli import inspection
from legacy_conv.cli import reading
from legacy_conv.cli import writing
from legacy_conv.cli.errors import EXIT_OK
from legacy_conv.cli.errors import UsageError
from legacy_conv.load import stages





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
        model, plan = reading.target_model(converted, args, progress)
        config = stages.target_config(converted.keras3_config, model, plan)
        if kind == "keras":
            reading.compile_like_keras1(converted, model, notes)
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
