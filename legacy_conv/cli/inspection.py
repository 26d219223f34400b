"""`legacy-conv inspect IN`: each layer, what it converts to, whether exactly, its size."""

import contextlib
import json

import keras

from legacy_conv.cli import custom_objects
from legacy_conv.cli import evidence
from legacy_conv.cli import listing
from legacy_conv.cli import reading
from legacy_conv.cli import writing
from legacy_conv.cli.errors import EXIT_OK
from legacy_conv.cli.errors import CliError
from legacy_conv.cli.errors import first_line
from legacy_conv.errors import ConversionError


def _all_layers(model):
    """{name: layer} over the model, nested models and wrapped layers, in model order."""
    found = {}

    def visit(layer):
        found.setdefault(layer.name, layer)
        for sub in getattr(layer, "layers", None) or ():
            visit(sub)
        inner = getattr(layer, "layer", None)
        if isinstance(inner, keras.layers.Layer):
            visit(inner)
    for layer in model.layers:
        visit(layer)
    return found



def _class_name(layer):
    name = keras.saving.get_registered_name(type(layer))
    return name.replace("legacy_conv>", "legacy_conv.")



def _params(layer):
    try:
        return layer.count_params()
    except ValueError:  # an unbuilt layer
        return None



def _owners(layers, reported, plan):
    """{model layer name: the reported (Keras 1) layer it belongs to}: the layer itself, or
    with a native `plan` the legacy layer its record names (`plan.origin`). A layer made for
    a Sequential's input (no layer of the model) is shown as added."""
    if plan is None:
        return {name: name for name in layers if name in reported}
    owners = {}
    for name, layer in layers.items():
        origin = plan.origin(layer)
        if origin is not None and origin.legacy_name in reported and \
                origin.legacy_name in layers:
            owners[name] = origin.legacy_name
    return owners



def layer_rows(converted, model, plan=None):
    """One dict per layer: its Keras 1 class, what it became in `model`, whether exactly
    (and the note), and its parameter count. With a native `plan` also its kept layers,
    training notes, and the layers it added (e.g. Permutes around channels-first parts)."""
    layers = _all_layers(model)
    reports = converted.ctx.reports
    index = {r.name: i for i, r in enumerate(reports)}
    notes = dict(plan.notes) if plan is not None else {}
    kept = {name: why for name, _, why in plan.kept} if plan is not None else {}
    owners = _owners(layers, index, plan)
    parts = {}
    for name, owner in owners.items():
        parts.setdefault(owner, []).append(layers[name])

    def reported(report):
        mine = parts.get(report.name, [])
        why = (report.note, notes.get(report.name, ""),
               f"kept: {kept[report.name]}" if report.name in kept else "")
        counts = [_params(layer) for layer in mine]
        return {"name": report.name, "keras1_class": report.keras1_class,
                "keras3_class": (" + ".join(_class_name(layer) for layer in mine)
                                 if plan is not None and mine else report.keras3_class),
                "exact": bool(report.exact) and report.name not in notes,
                "note": "; ".join(w for w in why if w),
                "params": (None if None in counts else sum(counts)) if mine
                else 0 if report.keras1_class == "InputLayer" else None}

    def added(name, layer):
        return {"name": name, "keras1_class": None, "keras3_class": _class_name(layer),
                "exact": True, "note": "added by --target native", "params": _params(layer)}

    rows, done = [], 0
    for name, layer in layers.items():  # in the model's order, each report where it falls
        while done < len(reports) and reports[done].name not in layers:
            rows.append(reported(reports[done]))  # e.g. a Sequential's input
            done += 1
        if name in index:
            while done <= index[name]:
                rows.append(reported(reports[done]))
                done += 1
        elif name not in owners and plan is not None and not isinstance(layer, keras.Model):
            rows.append(added(name, layer))
    rows.extend(reported(r) for r in reports[done:])
    return rows



def _names(value):
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_names(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(_names(v) for v in value)
    return str(value)



def _training_summary(config):
    if not config:
        return None
    optimizer = (config.get("optimizer_config") or {}).get("class_name", "?")
    parts = [f"optimizer {optimizer}", f"loss {_names(config.get('loss'))}"]
    if config.get("metrics"):
        parts.append(f"metrics {_names(config['metrics'])}")
    return "; ".join(parts)



def inspection(converted, model, plan, args):
    """What `inspect` shows, as a JSON-ready dict."""
    info = {
        "file": converted.path, "format": converted.format,
        "model_class": model.__class__.__name__, "model_name": model.name,
        "target": args.target, "keras1_backend": converted.ctx.keras1_backend,
        "keras1_backend_given": args.keras1_backend is not None,
        "keras1_backend_evidence": converted.evidence[1] if converted.evidence else None,
        "uses_keras1_backend": reading.uses_keras1_backend(converted.keras3_config),
        "total_params": model.count_params(),
    }
    if converted.k1file is not None:
        groups = converted.k1file.layer_groups()
        info.update(keras_version=converted.k1file.keras_version,
                    training_config=converted.training_config is not None,
                    training=_training_summary(converted.training_config),
                    weight_layers=len(groups),
                    weight_arrays=sum(len(datasets) for _, datasets in groups))
    info["layers"] = layer_rows(converted, model, plan)
    return info



HEADER = (("file", "file"), ("Keras version", "keras_version"),
          ("training config", "training"), ("weights", "weight_layers"),
          ("model", "model_class"), ("target", "target"),
          ("Keras 1 backend", "keras1_backend"), ("parameters", "total_params"))



COLUMNS = (("layer", "name"), ("Keras 1 class", "keras1_class"),
           ("converts to", "keras3_class"), ("exact", "exact"), ("params", "params"),
           ("note", "note"))



WEIGHTS_COLUMN = ("weights", "weights_fit")  # with --weights: "fits" or why not


def _cell(key, value):
    if key == "exact":
        return "?" if value is None else "yes" if value else "NO"
    return "-" if value is None else str(value)



def inspection_text(info):
    """`inspection` as a header and a table."""
    header = dict(info)
    header["model_class"] = (f'{info["model_class"]} "{info["model_name"]}"'
                             if info.get("built", True) else
                             f"not built: it needs {custom_objects.OPTION} (rows marked NO)")
    if header["total_params"] is None:
        header["total_params"] = "-"
    if "weight_layers" in info:
        header["training"] = info["training"] or "none"
        header["weight_layers"] = (f'{info["weight_layers"]} layers with weights '
                                   f'({info["weight_arrays"]} arrays) in the file')
        header["keras_version"] = info["keras_version"] or "not recorded (1.0.x)"
    if info.get("keras1_backend_evidence") and not info["keras1_backend_given"]:
        header["keras1_backend"] += f' (found: {info["keras1_backend_evidence"]})'
    elif not info["keras1_backend_given"]:
        header["keras1_backend"] += (" (not given; the numbers depend on it)"
                                     if info["uses_keras1_backend"] else " (not given)")
    width = max(len(label) for label, _ in HEADER)
    lines = [f"{label:<{width}}  {header[key]}" for label, key in HEADER if key in header]
    columns = COLUMNS[:-1] + (WEIGHTS_COLUMN, COLUMNS[-1]) if "weights_fit" in info \
        else COLUMNS
    rows = [tuple(label for label, _ in columns)]
    rows += [tuple(_cell(key, layer.get(key)) for _, key in columns)
             for layer in info["layers"]]
    right = tuple(i for i, (label, _) in enumerate(columns) if label == "params")
    return "\n".join(lines + [""] + listing.table(rows, right))



def _unbuilt_info(read, ctx, error, args):
    """`inspection` of a model that cannot be built without custom objects: its rows from
    the Keras 1 config (`listing.unbuilt`)."""
    rows = listing.unbuilt(read, ctx, error)
    return {"file": read.path, "format": read.format, "model_class": None, "model_name": None,
            "built": False, "target": args.target, "keras1_backend": ctx.keras1_backend,
            "keras1_backend_given": evidence.chosen(args.keras1_backend) is not None,
            "keras1_backend_evidence": read.evidence[1] if read.evidence else None,
            "uses_keras1_backend": False, "total_params": None, "layers": rows}


def _inspected(args, progress, notes, stack):
    read = reading.read_input(args.input, stack, args.weights)
    ctx = reading.context(read, args)
    try:
        converted = reading.convert_read(read, args, ctx)
    except ConversionError as error:
        if not listing.needs_custom_objects(error):
            raise
        notes.append(f"{first_line(custom_objects.for_command_line(error))}; the model is "
                     "not built: the rows marked NO need it")
        return _unbuilt_info(read, ctx, error, args), None
    legacy = reading.build_model(converted, progress, check=args.weights is None)
    model, plan = reading.to_target(converted, legacy, args, progress)
    info = inspection(converted, model, plan, args)
    unfit = None
    if args.weights is not None:
        fit = listing.weight_fit(legacy, converted.weights_file, converted.ctx, read.version)
        for row in info["layers"]:
            why = fit.get(row["name"], "-")
            row["weights_fit"] = None if why == "-" else why or "fits"
        info["weights_fit"] = not any(fit.values())
        unfit = [name for name, why in fit.items() if why]
    warning = evidence.warning(read.path, args.keras1_backend, read.evidence)
    if warning:
        notes.append(warning)
    return info, unfit


def run(args, progress, notes):
    reading.check_keep_legacy(args)
    with contextlib.ExitStack() as stack:
        with progress.stage(f"reading {args.input}"):
            alone = None if args.weights else reading.weights_alone(args.input, stack)
        if alone is not None:
            info, unfit = listing.weights_alone(alone, evidence.found(None, alone)), None
            text = listing.weights_alone_text
        else:
            (info, unfit), text = _inspected(args, progress, notes, stack), inspection_text
    print(json.dumps(info, indent=2, default=writing.json_default) if args.json
          else text(info))
    if unfit:
        raise CliError(f"{args.weights}: the weights of {len(unfit)} layers do not fit the "
                       f"model ({', '.join(unfit)}); see the weights column")
    return EXIT_OK
