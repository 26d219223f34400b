"""OUT: a Keras 3 config, a .keras file or a SavedModel, written atomically."""

import contextlib
import json
import os
import tempfile
import zipfile

import keras
import numpy as np

from legacy_conv import _atomic
from legacy_conv import serving
from legacy_conv.cli.errors import CliError
from legacy_conv.cli.errors import UsageError
from legacy_conv.cli.errors import first_line
from legacy_conv.errors import ConversionError

# OUT by its suffix; any other path names a SavedModel folder, except these file suffixes.
OUTPUT_FORMATS = {".json": "config", ".keras": "keras"}
KERAS_PARTS = ("metadata.json", "config.json", "model.weights.h5")  # a .keras file's order
NOT_A_FOLDER = (".h5", ".hdf5", ".yaml", ".yml", ".pb", ".tflite", ".onnx", ".npz", ".npy",
                ".zip", ".txt")


def output_format(path):
    suffix = os.path.splitext(path.rstrip("/\\"))[1].lower()
    if suffix in OUTPUT_FORMATS:
        return OUTPUT_FORMATS[suffix]
    if suffix in NOT_A_FOLDER:
        raise UsageError(f"{path}: OUT cannot be a {suffix} file; OUT must end in .json "
                         "(the Keras 3 config) or .keras, or name a folder (a SavedModel)")
    return "saved_model"



def check_output(path, force):
    """Refuses an existing OUT that is not `_atomic.replaceable`, or exists without
    `force`, before anything is read or written."""
    if not os.path.lexists(path):
        return
    refused = _atomic.replaceable(path)
    if refused:
        raise CliError(refused)
    if not force:
        raise CliError(f"{path}: already exists (pass --force to replace it)")


def check_inputs_kept(out, destination, inputs):
    """Refuses a `destination` that is, or is a folder above, one of `inputs` ((path, role)
    pairs; real paths compared): writing it would delete the input."""
    real = os.path.realpath(destination)
    for path, role in inputs:
        if path is None or not os.path.lexists(path):
            continue
        if real == os.path.realpath(path) or (
                os.path.exists(destination) and os.path.samefile(path, destination)):
            raise UsageError(f"{out}: OUT is {role}; write the conversion to another path")
        if os.path.realpath(path).startswith(real.rstrip(os.sep) + os.sep):
            raise UsageError(f"{out}: OUT contains {role} ({path}); write the conversion "
                             "to another path")


@contextlib.contextmanager
def atomic_output(path, folder, force, make_parents=False):
    """`_atomic.written`, with OUT refused (`check_output`) before anything is written, and
    if it appears or changes while writing."""
    check_output(path, force)
    parent = os.path.dirname(os.path.abspath(path))
    if not make_parents and not os.path.isdir(parent):
        raise CliError(f"{path}: the folder {parent} does not exist")
    try:
        with _atomic.written(path, folder, force, make_parents) as tmp:
            yield tmp
    except FileExistsError:
        raise CliError(f"{path}: already exists (pass --force to replace it)") from None
    except _atomic.NotReplaceable as error:
        raise CliError(str(error)) from None


def json_default(value):
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
        json.dump(config, f, indent=2, default=json_default)
        f.write("\n")
    return f"Keras 3 model config ({_loads_with('model_from_json', config)})"


@contextlib.contextmanager
def _variables_as_views():
    """Within it, Keras's saving reads a variable as a view of its memory, where Keras 3.15
    copies it twice (`np.array(variable)`: 2x the largest weight at once)."""
    import tensorflow as tf
    from keras.src import backend as keras_backend  # private: without it, Keras's copies

    convert = getattr(keras_backend, "convert_to_numpy", None)
    if convert is None:
        yield
        return
    keras_backend.convert_to_numpy = lambda x: np.asarray(tf.convert_to_tensor(x)) \
        if isinstance(x, keras.Variable) else convert(x)
    try:
        yield
    finally:
        keras_backend.convert_to_numpy = convert


def _write_keras(tmp, config, model):
    """`model.save(tmp)` holding no copy of the weights: Keras's unzipped layout written
    beside `tmp` (each variable read as a view) and zipped as Keras zips it, where Keras
    would build the zip in memory (two more copies of the weights)."""
    with tempfile.TemporaryDirectory(dir=os.path.dirname(os.path.abspath(tmp))) as folder:
        parts = os.path.join(folder, "model")
        with _variables_as_views():
            model.save(parts, zipped=False)
        with zipfile.ZipFile(tmp, "w") as archive:
            for name in KERAS_PARTS:
                archive.write(os.path.join(parts, name), name)
            for where, _, files in sorted(os.walk(os.path.join(parts, "assets"))):
                for name in sorted(files):
                    full = os.path.join(where, name)
                    archive.write(full, os.path.relpath(full, parts))
    return f"Keras 3 model file ({_loads_with('load_model', config)})"



def _tensor_text(name, spec):
    shape = ",".join("None" if d is None else str(d) for d in spec.shape)
    return f"{name}: {spec.dtype.name}[{shape}]"



def _write_saved_model(tmp, config, model):
    try:
        inputs, outputs = serving.write_saved_model(model, tmp)
    except ConversionError:
        raise
    except Exception as error:  # noqa: BLE001 — Keras and TF raise many types; report one.
        raise CliError(f"the model could not be exported as a SavedModel "
                       f"({first_line(error)})") from error
    inputs = ", ".join(_tensor_text(k, v) for k, v in inputs.items())
    outputs = ", ".join(_tensor_text(k, v) for k, v in outputs.items())
    return f"SavedModel, signature serving_default ({inputs}) -> ({outputs})"


WRITERS = {"config": _write_config, "keras": _write_keras, "saved_model": _write_saved_model}



def destination(args, kind):
    """The path that is written atomically: OUT, or OUT/NAME/VERSION for TF Serving."""
    if args.serving_name is None:
        if args.serving_version is not None:
            raise UsageError("--serving-version needs --serving-name")
        return args.out
    if kind != "saved_model":
        raise UsageError(f"--serving-name needs a SavedModel folder as OUT, not {args.out}")
    try:
        return serving.versioned_path(args.out, args.serving_name, args.serving_version or 1)
    except ConversionError as error:
        raise UsageError(f"--serving-name must be a plain folder name. Received: "
                         f"{args.serving_name!r}") from error
