"""OUT: a Keras 3 config, a .keras file or a SavedModel, written atomically."""

import contextlib
import json
import os
import shutil
import tempfile

import numpy as np

from legacy_conv.cli.errors import CliError
from legacy_conv.cli.errors import UsageError
from legacy_conv.cli.errors import first_line
from legacy_conv.errors import ConversionError

# OUT by its suffix; any other path names a SavedModel folder, except these file suffixes.
OUTPUT_FORMATS = {".json": "config", ".keras": "keras"}
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



def _write_keras(tmp, config, model):
    model.save(tmp)
    return f"Keras 3 model file ({_loads_with('load_model', config)})"



def _tensor_text(name, spec):
    shape = ",".join("None" if d is None else str(d) for d in spec.shape)
    return f"{name}: {spec.dtype.name}[{shape}]"



def _write_saved_model(tmp, config, model):
    from legacy_conv import serving
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
    name = args.serving_name
    if not name or name in (".", "..") or any(s in name for s in ("/", "\\", os.sep)):
        raise UsageError(f"--serving-name must be a plain folder name. Received: {name!r}")
    return os.path.join(args.out, name, str(args.serving_version or 1))



def make_parents(path):
    """Creates the missing folders above `path`; returns them, deepest first."""
    made = []
    parent = os.path.dirname(os.path.abspath(path))
    while not os.path.exists(parent):
        made.append(parent)
        parent = os.path.dirname(parent)
    for folder in reversed(made):
        os.mkdir(folder)
    return made

