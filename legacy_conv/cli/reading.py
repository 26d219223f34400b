"""IN (and --weights): a Keras 1 file → the converted config, the legacy model, the target."""

import json
import os
import stat
import zipfile

from legacy_conv import _atomic
from legacy_conv import backend
from legacy_conv.cli import custom_objects
from legacy_conv.cli import evidence
from legacy_conv.cli import writing
from legacy_conv.cli.errors import CliError
from legacy_conv.cli.errors import UsageError
from legacy_conv.cli.errors import first_line
from legacy_conv.convert import model_config
from legacy_conv.errors import ConversionError
from legacy_conv.load import hdf5
from legacy_conv.load import stages

# IN by its suffix; a file that starts like an HDF5 file is read as one whatever its name.
INPUT_FORMATS = {".json": "json", ".yaml": "yaml", ".yml": "yaml", ".h5": "hdf5",
                 ".hdf5": "hdf5"}
SNIFF_BYTES = 64
MAX_METADATA = 1 << 20  # bytes of a .keras file's metadata.json read for its keras_version
MAX_TEXT_BYTES = model_config.MAX_TEXT  # the parser's bound on a config, checked before reading


def _opened(path, role):
    """A descriptor of `path`, refused unless it is a regular file: checked by os.stat
    before opening (a FIFO, a device, a socket or a folder is never read) and again on the
    descriptor, opened without blocking (a FIFO put there meanwhile does not hang)."""
    try:
        info = os.stat(path)
        if stat.S_ISREG(info.st_mode):
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
            info = os.fstat(fd)
            if stat.S_ISREG(info.st_mode):
                return fd
            os.close(fd)
    except FileNotFoundError:
        raise CliError(f"{path}: no such file ({role})") from None
    except OSError as error:
        raise CliError(f"{path}: cannot be read ({error.strerror}) ({role})") from None
    if stat.S_ISDIR(info.st_mode):
        raise CliError(f"{path}: is a folder, not a Keras 1 model file ({role})")
    raise CliError(f"{path}: is {_atomic.kind(info.st_mode)}, not a Keras 1 model file "
                   f"({role} must be a regular file)")


def _input_format(path, role="IN"):
    """IN's format by its content first: an HDF5 file, a zip (a Keras 3 .keras file) or
    JSON text (whatever the name, but .yaml/.yml), else by its suffix."""
    fd = _opened(path, role)
    try:
        head = os.read(fd, SNIFF_BYTES)
    finally:
        os.close(fd)
    if head.startswith(stages.HDF5_SIGNATURE):
        return "hdf5"
    if head.startswith(stages.ZIP_SIGNATURE):
        return "keras"
    by_suffix = INPUT_FORMATS.get(os.path.splitext(path)[1].lower())
    if by_suffix != "yaml" and head.lstrip()[:1] in stages.JSON_STARTS:
        return "json"
    if by_suffix is not None:
        return by_suffix
    raise CliError(f"{path}: unknown kind of file ({role} must end in "
                   f"{', '.join(INPUT_FORMATS)}, or be an HDF5 or JSON file)")


def _refuse_keras_zip(path):
    """A zip IN: a .keras file that Keras 3 (or tf.keras 2.13+) wrote needs no conversion
    (`stages.refuse_newer`); any other zip is refused."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            info = archive.getinfo("metadata.json") if "metadata.json" in names else None
            metadata = archive.read(info) if info and info.file_size <= MAX_METADATA else b""
    except (zipfile.BadZipFile, OSError) as error:
        raise CliError(f"{path}: is not a readable zip file ({first_line(error)})") from None
    if "config.json" not in names:
        raise CliError(f"{path}: is a zip file but not a Keras .keras file (no config.json)")
    try:
        version = json.loads(metadata).get("keras_version")
    except (ValueError, AttributeError):
        version = None
    stages.refuse_newer({"module": "keras"}, version, "keras")



def _read_text(path):
    """IN's text, at most MAX_TEXT_BYTES (its size checked before reading)."""
    fd = _opened(path, "IN")
    with open(fd, "rb") as f:
        size = os.fstat(fd).st_size
        data = f.read(MAX_TEXT_BYTES + 1) if size <= MAX_TEXT_BYTES else b""
    if size > MAX_TEXT_BYTES or len(data) > MAX_TEXT_BYTES:
        raise CliError(f"{path}: is {max(size, len(data))} bytes; a Keras 1 config (IN) "
                       f"is read up to {MAX_TEXT_BYTES} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise CliError(f"{path}: is not a text file ({error.reason} at byte "
                       f"{error.start}); a Keras 1 model file ends in .h5") from None



class Converted:
    """IN converted to a Keras 3 config, with its report rows and what its file holds.

    `values`: whether the command needs the model's weights (a .keras or SavedModel OUT);
    `inspect` and a .json OUT need only its structure, built without values.
    """

    def __init__(self, path, fmt, keras3_config, ctx, k1file=None, weights_file=None,
                 values=False):
        self.path = path
        self.format = fmt
        self.keras3_config = keras3_config
        self.ctx = ctx
        self.k1file = k1file
        self.weights_file = weights_file
        self.values = values

    @property
    def training_config(self):
        return self.k1file.training_config() if self.k1file is not None else None



def _open_hdf5(path, stack, role):
    k1file = stack.enter_context(hdf5.Keras1File(path))
    stages.refuse_newer(None, k1file.keras_version, "model_config")
    if role == "IN" and "model_config" not in k1file.file.attrs:
        raise CliError(
            f"{path}: is a Keras 1 weights file (model.save_weights) with no model config: "
            f"pass the model's JSON or YAML (model.to_json()) as IN and this file with "
            f"--weights {path}")
    return k1file



def weights_alone(path, stack):
    """IN opened (in `stack`) where it is a Keras 1 weights file with no model config
    (model.save_weights), else None."""
    if _input_format(path) != "hdf5":
        return None
    try:
        k1file = _open_hdf5(path, stack, "--weights")
    except ConversionError as error:
        raise error.located(file=path) from None
    return None if "model_config" in k1file.file.attrs else k1file


class Read:
    """IN (and --weights) opened and read, before any conversion: its Keras 1 config (text
    or dict), where it came from (`source`: 'model_config' for an HDF5 file, else
    'config'), the release it records, its open HDF5 files, and the backend evidence
    (`evidence.found`)."""

    def __init__(self, path, fmt, config, source, version, k1file, weights_file):
        self.path, self.format, self.config = path, fmt, config
        self.source, self.version = source, version
        self.k1file, self.weights_file = k1file, weights_file
        self.evidence = evidence.found(config, weights_file or k1file)


def read_input(path, stack, weights=None):
    """IN (and --weights) → `Read`; the HDF5 files stay open in `stack`."""
    fmt = _input_format(path)
    try:
        if fmt == "keras":
            _refuse_keras_zip(path)
        weights_file = None
        if weights is not None:
            _input_format(weights, "--weights")
            weights_file = _open_hdf5(weights, stack, "--weights")
        if fmt == "hdf5":
            k1file = _open_hdf5(path, stack, "IN")
            return Read(path, fmt, k1file.model_config(), "model_config",
                        k1file.keras_version, k1file, weights_file)
        text = _read_text(path)
        config = stages.parse_yaml(text, "config") if fmt == "yaml" else text
        version = weights_file.keras_version if weights_file is not None else None
        return Read(path, fmt, config, "config", version, None, weights_file)
    except ConversionError as error:
        raise error.located(file=path) from None


def context(read, args):
    """The conversion's `stages.context`: the backend the user chose, else the one the
    file shows (`read.evidence`), else the default."""
    chosen = evidence.chosen(args.keras1_backend) or (read.evidence or (None,))[0]
    try:
        # Always the legacy config first: Keras 1 weights load into it (`to_target`).
        ctx = stages.context(args.target, chosen, custom_objects.load(args.custom_objects),
                             args.image_dim_ordering, args.keep_legacy)
    except ConversionError as error:
        raise error.located(file=read.path) from None
    source = read.weights_file or read.k1file
    if source is not None:
        ctx.weight_shapes = source.weight_shapes()
    return ctx


def convert_read(read, args, ctx=None):
    """`Read` → `Converted` (with `ctx`, else `context(read, args)`)."""
    out = getattr(args, "out", None)  # `inspect` has none
    values = out is not None and writing.output_format(out) != "config"
    ctx = ctx or context(read, args)
    try:
        keras3 = stages.convert(read.config, ctx, read.source, read.version)
    except ConversionError as error:
        raise error.located(file=read.path) from None
    converted = Converted(read.path, read.format, keras3, ctx, read.k1file,
                          read.weights_file, values)
    converted.evidence = read.evidence
    return converted


def convert_input(path, args, stack, weights=None):
    """IN → `Converted`; the HDF5 files stay open in `stack` for loading weights."""
    return convert_read(read_input(path, stack, weights), args)



def build_model(converted, progress, check=True):
    """The legacy Keras 3 model of `converted`: without values where the command needs none
    (`converted.values`; nothing is read or drawn, and the weights of IN or --weights are
    checked against it unless not `check`), else with initial values (no weights given)."""
    source = converted.weights_file or converted.k1file
    with progress.stage("building the Keras 3 model"):
        model = stages.build(converted.keras3_config, converted.ctx.custom_objects,
                             source=converted.path, values=converted.values)
    if source is not None and check:
        with progress.stage(f"checking the weights of {source.path}"):
            source.check_fit(model, converted.ctx)
    return model


def target_model(converted, args, progress):
    """(model, plan) of `converted` in its target (`to_target`), with the weights of IN or
    --weights read into it from the file (`stages.filled`, as `load_model`): one copy of the
    weights, a native model's legacy twin built without values."""
    source = converted.weights_file or converted.k1file
    if source is None or not converted.values:
        return to_target(converted, build_model(converted, progress), args, progress)
    with progress.stage(f"building the Keras 3 model with the weights of {source.path}"):
        try:
            return stages.filled(converted.keras3_config, source, converted.ctx,
                                 converted.path)
        except ConversionError as error:
            raise error.located(file=converted.path) from None



def to_target(converted, model, args, progress):
    """(model, plan): the legacy `model` itself, or (--target native) its twin of Keras 3
    built-ins with the weights copied, and the `plan.NativePlan` that made it."""
    if converted.ctx.target == "legacy":
        return model, None
    try:
        with progress.stage("converting to Keras 3 built-in layers"):
            return stages.to_target(model, converted.ctx, converted.values)
    except ConversionError as error:
        raise error.located(file=converted.path) from None



def compile_like_keras1(converted, model, notes):
    """Compiles `model` from IN's training config, where it has one, as `load_model` does
    (`load.compile`: Keras 1's optimizers and state on the legacy target, exact Keras 3
    built-ins on the native one), and builds the optimizer's variables, so that a saved file
    loads its optimizer without a warning. A native model whose training Keras 3's built-ins
    do not reproduce is written uncompiled, with a note saying why."""
    config = converted.training_config
    if config is None:
        return
    from legacy_conv.load import compile as compile_step
    try:
        compile_step.compile_model(model, config, converted.k1file.path, converted.ctx.target)
    except ConversionError as error:
        if converted.ctx.target != "native" or error.hint is None:  # bad input, not a refusal
            raise error.located(file=converted.path) from None
        notes.append(f"{converted.path}: not compiled ({error.problem}; --target legacy "
                     "compiles it with Keras 1's optimizers)")
        return
    if not model.optimizer.built:
        model.optimizer.build(model.trainable_variables)



def uses_keras1_backend(config):
    """True where a converted config holds a layer whose numbers depend on the backend."""
    if isinstance(config, dict):
        return "keras1_backend" in config or any(
            uses_keras1_backend(v) for v in config.values())
    if isinstance(config, list):
        return any(uses_keras1_backend(v) for v in config)
    return False



def backend_warning(converted, args):
    """What the user should know about the Keras 1 backend the model was converted for:
    a choice the file contradicts, the evidence it was chosen by, or that it is a guess."""
    contradiction = evidence.warning(converted.path, args.keras1_backend, converted.evidence)
    if contradiction or evidence.chosen(args.keras1_backend) is not None or \
            not uses_keras1_backend(converted.keras3_config):
        return contradiction
    chosen = converted.ctx.keras1_backend
    if converted.evidence is not None:
        return (f"{converted.path}: converted for Keras 1 on {chosen!r}, the backend it "
                f"shows: {converted.evidence[1]}")
    other = "theano" if chosen == "tensorflow" else "tensorflow"
    return (f"{converted.path} does not record the Keras 1 backend that trained it; "
            f"converted for {chosen!r} (the default, see {backend.ENV_VAR}). Pass "
            f"--keras1-backend {other} if it was trained on {other.capitalize()}")



def backend_used(converted, args):
    """(backend, why): the Keras 1 backend `converted` was converted for, and why that one."""
    if args.keras1_backend is not None:
        return args.keras1_backend, "--keras1-backend"
    if evidence.chosen(None) is not None:
        return converted.ctx.keras1_backend, f"${backend.ENV_VAR}"
    if converted.evidence is not None:
        return converted.evidence
    return converted.ctx.keras1_backend, "the default: the file does not record its backend"


def check_keep_legacy(args):
    if args.keep_legacy and args.target != "native":
        raise UsageError("--keep-legacy applies only with --target native")
