"""`legacy-conv`: convert and inspect Keras 1 model files from the command line.

    legacy-conv convert IN OUT    a Keras 1 .json/.yaml/.h5 → a Keras 3 .json config,
                                  a .keras file, or a SavedModel folder for TF Serving
    legacy-conv inspect IN        what each layer converts to, whether exactly, its size

The only module of the package that prints or exits. Exit status: 0 on success, 1 when the
input cannot be converted or the output written, 2 for bad command-line arguments; every
failure is one line `legacy-conv: error: <reason>` on stderr (`--debug` adds the traceback).
OUT is written to a hidden temporary sibling first and renamed into place when complete.
"""

import argparse
import contextlib
import json
import logging
import os
import shutil
import sys
import tempfile
import time
import traceback
import warnings

import keras
import numpy as np

import legacy_conv
from legacy_conv import backend
from legacy_conv import loading
from legacy_conv.conversion import hdf5
from legacy_conv.conversion import model_config
from legacy_conv.errors import ConversionError

PROG = "legacy-conv"
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

# IN by its suffix; a file that starts like an HDF5 file is read as one whatever its name.
INPUT_FORMATS = {".json": "json", ".yaml": "yaml", ".yml": "yaml", ".h5": "hdf5",
                 ".hdf5": "hdf5"}
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
# OUT by its suffix; any other path names a SavedModel folder, except these file suffixes.
OUTPUT_FORMATS = {".json": "config", ".keras": "keras"}
NOT_A_FOLDER = (".h5", ".hdf5", ".yaml", ".yml", ".pb", ".tflite", ".onnx", ".npz", ".npy",
                ".zip", ".txt")
SLOW_STAGE_S = 1.0  # without a terminal, stages that take longer are reported afterwards


class CliError(Exception):
    """A failure reported as one line, exit status 1."""

    status = EXIT_FAILED


class UsageError(CliError):
    """A bad command line, exit status 2."""

    status = EXIT_USAGE


# -- progress -----------------------------------------------------------------------------
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


# -- reading IN ---------------------------------------------------------------------------
def _input_format(path, role="IN"):
    if not os.path.exists(path):
        raise CliError(f"{path}: no such file ({role})")
    if os.path.isdir(path):
        raise CliError(f"{path}: is a folder, not a Keras 1 model file ({role})")
    with open(path, "rb") as f:
        if f.read(len(HDF5_SIGNATURE)) == HDF5_SIGNATURE:
            return "hdf5"
    suffix = os.path.splitext(path)[1].lower()
    if suffix in INPUT_FORMATS:
        return INPUT_FORMATS[suffix]
    raise CliError(f"{path}: unknown kind of file ({role} must end in "
                   f"{', '.join(INPUT_FORMATS)}, or be an HDF5 file)")


def _read_text(path):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except UnicodeDecodeError as error:
        raise CliError(f"{path}: is not a text file ({error.reason} at byte "
                       f"{error.start}); a Keras 1 model file ends in .h5") from None


def _parse_yaml(text, path):
    parse = getattr(model_config, "parse_yaml", None)
    if parse is None:
        raise CliError(f"{path}: YAML configs need a newer legacy_conv (no "
                       "legacy_conv.conversion.model_config.parse_yaml)")
    return parse(text, "config")


class Converted:
    """IN converted to a Keras 3 config, with its report rows and what its file holds."""

    def __init__(self, path, fmt, keras3_config, ctx, k1file=None, weights_file=None):
        self.path = path
        self.format = fmt
        self.keras3_config = keras3_config
        self.ctx = ctx
        self.k1file = k1file
        self.weights_file = weights_file

    @property
    def training_config(self):
        return self.k1file.training_config() if self.k1file is not None else None


def _open_hdf5(path, stack, role):
    k1file = stack.enter_context(hdf5.Keras1File(path))
    if role == "IN" and "model_config" not in k1file.file.attrs:
        raise CliError(
            f"{path}: is a Keras 1 weights file (model.save_weights) with no model config: "
            f"pass the model's JSON or YAML (model.to_json()) as IN and this file with "
            f"--weights {path}")
    return k1file


def convert_input(path, args, stack, weights=None):
    """IN → `Converted`; the HDF5 files stay open in `stack` for loading weights."""
    fmt = _input_format(path)
    try:
        # Always the legacy conversion first: Keras 1 weights load into it (`to_target`).
        ctx = loading._context("legacy", args.keras1_backend, None, args.image_dim_ordering)
        weights_file = None
        if weights is not None:
            _input_format(weights, "--weights")
            weights_file = _open_hdf5(weights, stack, "--weights")
        if fmt == "hdf5":
            k1file = _open_hdf5(path, stack, "IN")
            ctx.weight_shapes = (weights_file or k1file).weight_shapes()
            config = k1file.model_config()
            keras3 = loading._convert(config, ctx, "model_config", k1file.keras_version)
            return Converted(path, fmt, keras3, ctx, k1file, weights_file)
        text = _read_text(path)
        config = _parse_yaml(text, path) if fmt == "yaml" else text
        if weights_file is not None:
            ctx.weight_shapes = weights_file.weight_shapes()
        version = weights_file.keras_version if weights_file is not None else None
        keras3 = loading._convert(config, ctx, "config", version)
        return Converted(path, fmt, keras3, ctx, None, weights_file)
    except ConversionError as error:
        raise error.located(file=path) from None


def build_model(converted, progress):
    """The legacy Keras 3 model of `converted`, with the weights of IN or --weights."""
    with progress.stage("building the Keras 3 model"):
        model = loading.build(converted.keras3_config, converted.ctx.custom_objects,
                              source=converted.path)
    source = converted.weights_file or converted.k1file
    if source is not None:
        with progress.stage(f"loading the weights of {source.path}"):
            source.load_into(model, converted.ctx)
    return model


def _native():
    try:
        from legacy_conv.conversion import native
    except ImportError as error:
        raise CliError("--target native is not available in this version of legacy_conv "
                       f"({_first_line(error)})") from None
    return native


def to_target(converted, model, args, progress):
    """(model, plan): the legacy `model` itself, or (--target native) its twin of Keras 3
    built-ins with the weights copied, and the `native.NativePlan` that made it."""
    if args.target == "legacy":
        return model, None
    native = _native()
    try:
        with progress.stage("converting to Keras 3 built-in layers"):
            plan = native.weight_plan(model, args.keep_legacy)
            return plan.transfer(), plan
    except ConversionError as error:
        if error.hint == getattr(native, "KEEP_HINT", None):  # the API's hint → the flag
            error = ConversionError(error.problem, layer=error.layer, field=error.field,
                                    value=error.value, has_value=error.has_value,
                                    hint="Pass --keep-legacy to keep legacy_conv's exact "
                                         "layer there")
        raise error.located(file=converted.path) from None


def compile_like_keras1(converted, model):
    """Compiles `model` from IN's training config, where it has one, and builds the
    optimizer's variables, so that a saved file loads its optimizer without a warning."""
    if converted.training_config is None:
        return
    from legacy_conv.conversion import training
    try:
        training.compile_from(model, converted.training_config)
    except ConversionError as error:
        raise error.located(file=converted.path) from None
    model.optimizer.build(model.trainable_variables)


def _uses_keras1_backend(config):
    """True where a converted config holds a layer whose numbers depend on the backend."""
    if isinstance(config, dict):
        return "keras1_backend" in config or any(
            _uses_keras1_backend(v) for v in config.values())
    if isinstance(config, list):
        return any(_uses_keras1_backend(v) for v in config)
    return False


def _backend_warning(converted, args):
    if args.keras1_backend is not None or not _uses_keras1_backend(converted.keras3_config):
        return None
    chosen = converted.ctx.keras1_backend
    other = "theano" if chosen == "tensorflow" else "tensorflow"
    return (f"{converted.path} does not record the Keras 1 backend that trained it; "
            f"converted for {chosen!r} (the default, see {backend.ENV_VAR}). Pass "
            f"--keras1-backend {other} if it was trained on {other.capitalize()}")


# -- writing OUT --------------------------------------------------------------------------
def _output_format(path):
    suffix = os.path.splitext(path.rstrip("/\\"))[1].lower()
    if suffix in OUTPUT_FORMATS:
        return OUTPUT_FORMATS[suffix]
    if suffix in NOT_A_FOLDER:
        raise UsageError(f"{path}: OUT cannot be a {suffix} file; OUT must end in .json "
                         "(the Keras 3 config) or .keras, or name a folder (a SavedModel)")
    return "saved_model"


def _remove(path):
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
    elif os.path.lexists(path):
        os.unlink(path)


def _readable(path, folder):
    """Gives the temporary output the permissions a new file or folder would have."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, (0o777 if folder else 0o666) & ~umask)


def _commit(tmp, path, force):
    """Moves `tmp` to `path`; an existing `path` (only with --force) is moved aside first
    and removed once the new one is in place."""
    if not os.path.lexists(path):
        os.rename(tmp, path)
        return
    if not force:
        raise CliError(f"{path}: already exists (pass --force to replace it)")
    if os.path.isfile(path) and os.path.isfile(tmp):
        os.replace(tmp, path)
        return
    parent, name = os.path.split(os.path.abspath(path))
    aside = tempfile.mkdtemp(prefix=f".{name}.", suffix=".old", dir=parent)
    old = os.path.join(aside, name)
    os.rename(path, old)
    try:
        os.rename(tmp, path)
    except BaseException:
        os.rename(old, path)
        os.rmdir(aside)
        raise
    _remove(aside)


@contextlib.contextmanager
def atomic_output(path, folder, force):
    """Yields a hidden temporary sibling of `path` to write; renames it to `path` when the
    block succeeds, removes it when it fails. `path` is refused if it exists without
    `force`, before anything is written."""
    if os.path.lexists(path) and not force:
        raise CliError(f"{path}: already exists (pass --force to replace it)")
    parent, name = os.path.split(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise CliError(f"{path}: the folder {parent} does not exist")
    if folder:
        tmp = tempfile.mkdtemp(prefix=f".{name}.", suffix=".tmp", dir=parent)
    else:
        suffix = f".tmp{os.path.splitext(name)[1]}"  # model.save() wants '.keras' last
        handle, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=suffix, dir=parent)
        os.close(handle)
    try:
        yield tmp
        _readable(tmp, folder)
        _commit(tmp, path, force)
    finally:
        if os.path.lexists(tmp):
            _remove(tmp)


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _needs_us(config):
    """True where a converted config names a layer registered by this package."""
    if isinstance(config, dict):
        return str(config.get("registered_name")).startswith("legacy_conv>") or any(
            _needs_us(v) for v in config.values())
    if isinstance(config, list):
        return any(_needs_us(v) for v in config)
    return False


def _loads_with(function, config):
    after = ", after import legacy_conv" if _needs_us(config) else ""
    return f"keras.models.{function}{after}"


def _write_config(tmp, config, model):
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(config, f, indent=2, default=_json_default)
        f.write("\n")
    return f"Keras 3 model config ({_loads_with('model_from_json', config)})"


def _write_keras(tmp, config, model):
    model.save(tmp)
    return f"Keras 3 model file ({_loads_with('load_model', config)})"


def _tensor_text(name, spec):
    shape = ",".join("None" if d is None else str(d) for d in spec.shape)
    return f"{name}: {spec.dtype.name}[{shape}]"


def _write_saved_model(tmp, config, model):
    import tensorflow as tf
    try:
        model.export(tmp, format="tf_saved_model", verbose=False)
    except Exception as error:  # noqa: BLE001 — Keras and TF raise many types; report one.
        raise CliError(f"the model could not be exported as a SavedModel "
                       f"({_first_line(error)})") from error
    signature = tf.saved_model.load(tmp).signatures["serving_default"]
    inputs = ", ".join(_tensor_text(k, v)
                       for k, v in signature.structured_input_signature[1].items())
    outputs = ", ".join(_tensor_text(k, v) for k, v in signature.structured_outputs.items())
    return f"SavedModel, signature serving_default ({inputs}) -> ({outputs})"


WRITERS = {"config": _write_config, "keras": _write_keras, "saved_model": _write_saved_model}


def _destination(args, kind):
    """The path that is written atomically: OUT, or OUT/NAME/VERSION for TF Serving."""
    if args.serving_name is None:
        if args.serving_version is not None:
            raise UsageError("--serving-version needs --serving-name")
        return args.out
    if kind != "saved_model":
        raise UsageError(f"--serving-name needs a SavedModel folder as OUT, not {args.out}")
    name = args.serving_name
    if not name or name in (".", "..") or any(s in name for s in ("/", "\\", os.sep)):
        raise UsageError(f"--serving-name must be a plain folder name. Received: {name!r}")
    return os.path.join(args.out, name, str(args.serving_version or 1))


def _make_parents(path):
    """Creates the missing folders above `path`; returns them, deepest first."""
    made = []
    parent = os.path.dirname(os.path.abspath(path))
    while not os.path.exists(parent):
        made.append(parent)
        parent = os.path.dirname(parent)
    for folder in reversed(made):
        os.mkdir(folder)
    return made


# -- commands -----------------------------------------------------------------------------
def run_convert(args, progress, notes):
    kind = _output_format(args.out)
    destination = _destination(args, kind)
    _check_keep_legacy(args)
    if args.weights is not None and kind == "config":
        raise UsageError(f"--weights needs a .keras or SavedModel OUT: {args.out} holds only "
                         "the config")
    if _same_file(args.input, destination):
        raise UsageError(f"{args.out}: OUT is IN; write the conversion to another path")
    if os.path.lexists(destination) and not args.force:
        raise CliError(f"{destination}: already exists (pass --force to replace it)")
    with contextlib.ExitStack() as stack:
        with progress.stage(f"reading {args.input}"):
            converted = convert_input(args.input, args, stack, args.weights)
        legacy = build_model(converted, progress)
        model, plan = to_target(converted, legacy, args, progress)
        config = (converted.keras3_config if plan is None
                  else keras.saving.serialize_keras_object(model))
        if kind == "keras":
            compile_like_keras1(converted, model)
        if kind != "config" and converted.k1file is None and converted.weights_file is None:
            notes.append(f"{args.input} holds no weights and no --weights was given: "
                         f"{destination} has freshly initialised weights")
        made = _make_parents(destination) if args.serving_name else []
        try:
            with progress.stage(f"writing {destination}"), \
                    atomic_output(destination, kind == "saved_model", args.force) as tmp:
                what = WRITERS[kind](tmp, config, model)
        except BaseException:
            for folder in made:
                with contextlib.suppress(OSError):
                    os.rmdir(folder)
            raise
        rows = layer_rows(converted, model, plan)
    warning = _backend_warning(converted, args)
    if warning:
        notes.append(warning)
    notes.extend(f'layer "{r["name"]}" ({r["keras1_class"]} -> {r["keras3_class"]}) is not '
                 f'exact: {r["note"]}' for r in rows if not r["exact"])
    print(f"wrote {destination}: {what}; {model.count_params()} parameters, from "
          f"{args.input}")
    return EXIT_OK


def _check_keep_legacy(args):
    if args.keep_legacy and args.target != "native":
        raise UsageError("--keep-legacy applies only with --target native")


def _same_file(a, b):
    return os.path.exists(a) and os.path.exists(b) and os.path.samefile(a, b)


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


def _owners(layers, reported):
    """{model layer name: the reported (Keras 1) layer it belongs to}: the layer of the same
    name, and the layers named '<that name>_...' that a native conversion made for it."""
    owners = {}
    for name in layers:
        if name in reported:
            owners[name] = name
            continue
        candidates = [r for r in reported if name.startswith(r + "_")]
        best = max(candidates, key=len, default=None)  # 'conv_input_x' is not conv's
        if best in layers:
            owners[name] = best
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
    owners = _owners(layers, index) if plan is not None else {n: n for n in layers if n in index}
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
        "uses_keras1_backend": _uses_keras1_backend(converted.keras3_config),
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


def _cell(key, value):
    if key == "exact":
        return "yes" if value else "NO"
    return "-" if value is None else str(value)


def inspection_text(info):
    """`inspection` as a header and a table."""
    header = dict(info)
    header["model_class"] = f'{info["model_class"]} "{info["model_name"]}"'
    if "weight_layers" in info:
        header["training"] = info["training"] or "none"
        header["weight_layers"] = (f'{info["weight_layers"]} layers with weights '
                                   f'({info["weight_arrays"]} arrays) in the file')
        header["keras_version"] = info["keras_version"] or "not recorded (1.0.x)"
    if not info["keras1_backend_given"]:
        header["keras1_backend"] += (" (not given; the numbers depend on it)"
                                     if info["uses_keras1_backend"] else " (not given)")
    width = max(len(label) for label, _ in HEADER)
    lines = [f"{label:<{width}}  {header[key]}" for label, key in HEADER if key in header]
    rows = [[label for label, _ in COLUMNS]]
    rows += [[_cell(key, layer[key]) for _, key in COLUMNS] for layer in info["layers"]]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    lines.append("")
    for row in rows:
        cells = [c.rjust(w) if label == "params" else c.ljust(w)
                 for c, w, (label, _) in zip(row, widths, COLUMNS)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def run_inspect(args, progress, notes):
    _check_keep_legacy(args)
    with contextlib.ExitStack() as stack:
        with progress.stage(f"reading {args.input}"):
            converted = convert_input(args.input, args, stack)
        legacy = build_model(converted, progress)
        model, plan = to_target(converted, legacy, args, progress)
        info = inspection(converted, model, plan, args)
    if args.json:
        print(json.dumps(info, indent=2, default=_json_default))
    else:
        print(inspection_text(info))
    return EXIT_OK


# -- the command line ---------------------------------------------------------------------
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
    output = common.add_argument_group("output")
    output.add_argument("-q", "--quiet", action="store_true",
                        help="no progress lines on stderr")
    output.add_argument("--debug", action="store_true",
                        help="show the traceback of a failure")
    return common


EPILOG_CONVERT = """\
OUT by its form:
  OUT.json    the converted Keras 3 model config (checked by building the model)
  OUT.keras   the Keras 3 model with its weights (model.save; compiled from the
              file's training config where it has one)
  OUT         any other path: a SavedModel folder for TF Serving (model.export);
              with --serving-name NAME: OUT/NAME/VERSION/
OUT is written completely or not at all, and never replaces an existing OUT
without --force.

examples:
  legacy-conv convert model.h5 model.keras --keras1-backend theano
  legacy-conv convert model.json serving --weights weights.h5 --serving-name net
"""


def build_parser():
    parser = _Parser(prog=PROG, description="Convert and inspect Keras 1 model files "
                     "(.json, .yaml, .h5) for Keras 3.",
                     epilog="Run 'legacy-conv COMMAND --help' for a command's options. "
                            "Exit status: 0 success, 1 failure, 2 bad arguments.")
    parser.add_argument("--version", action="version", version=_version())
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    common = _conversion_options()
    convert = commands.add_parser(
        "convert", parents=[common], help="convert a Keras 1 model file",
        description="Convert a Keras 1 model file to a Keras 3 config, .keras file or "
                    "SavedModel.", epilog=EPILOG_CONVERT,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    convert.add_argument("input", metavar="IN", help="Keras 1 model: model.to_json() "
                         "(.json), model.to_yaml() (.yaml/.yml) or model.save() (.h5/.hdf5)")
    convert.add_argument("out", metavar="OUT", help="a .json, a .keras, or a folder")
    convert.add_argument("--weights", metavar="W.h5", default=None,
                         help="a Keras 1 weights file (model.save_weights) to load")
    convert.add_argument("--force", action="store_true", help="replace an existing OUT")
    convert.add_argument("--serving-name", metavar="NAME", default=None,
                         help="write the TF Serving layout OUT/NAME/VERSION/")
    convert.add_argument("--serving-version", metavar="N", type=_positive_int, default=None,
                         help="the version folder with --serving-name (default: 1)")
    convert.set_defaults(run=run_convert)
    inspect = commands.add_parser(
        "inspect", parents=[common], help="show what each layer converts to",
        description="Show each layer of a Keras 1 model file: its Keras 1 class, what it "
                    "converts to, whether exactly, and its parameter count; for an .h5 also "
                    "its Keras version, training config and weights.")
    inspect.add_argument("input", metavar="IN", help="Keras 1 model (.json, .yaml/.yml, "
                         ".h5/.hdf5)")
    inspect.add_argument("--json", action="store_true", help="print JSON instead of a table")
    inspect.set_defaults(run=run_inspect)
    return parser


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, not {text!r}")
    return value


def _first_line(error):
    text = " ".join(str(error).split())
    return text or type(error).__name__


def _say(kind, message):
    print(f"{PROG}: {kind}: {' '.join(str(message).split())}", file=sys.stderr)


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
        _say("error", error)
        return error.status
    except SystemExit as done:  # --help, --version
        return done.code if isinstance(done.code, int) else EXIT_OK
    progress = Progress(quiet=args.quiet)
    notes = []
    try:
        with _quiet_tensorflow(), warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            status = args.run(args, progress, notes)
    except KeyboardInterrupt:
        _say("error", "interrupted")
        return 130
    except BrokenPipeError:  # e.g. `legacy-conv inspect IN | head`
        with contextlib.suppress(OSError, ValueError, AttributeError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILED
    except (CliError, ConversionError, OSError) as error:
        if args.debug:
            traceback.print_exc()
        _say("error", _first_line(error))
        return getattr(error, "status", EXIT_FAILED)
    except Exception as error:  # noqa: BLE001 — never a traceback without --debug
        if args.debug:
            traceback.print_exc()
        _say("error", f"unexpected {type(error).__name__}: {_first_line(error)} "
                      "(run with --debug for the traceback)")
        return EXIT_FAILED
    seen = set()
    for message in [str(w.message) for w in caught if _ours(w)] + notes:
        if message not in seen:
            seen.add(message)
            _say("warning", message)
    return status
