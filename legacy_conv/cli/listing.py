"""What `inspect` shows where no model can be built: a weights file alone (its layers,
weight names and shapes), or a config whose Lambdas or custom layers have no function or
class given (`--custom-objects`): one row per layer from the Keras 1 config, those flagged.
Also, with `inspect --weights`, whether each layer's weights fit the model."""

import math
import types

from legacy_conv.cli import custom_objects
from legacy_conv.convert import model_config
from legacy_conv.errors import ConversionError
from legacy_conv.load import weights as weight_rules
from legacy_conv.spec import layers as spec


def _sizes(k1file):
    """{layer name: its parameter count in the file}."""
    return {name: sum(math.prod(ds.shape) for _, ds in datasets)
            for name, datasets in k1file.layer_groups()}


def weights_alone(k1file, found):
    """The JSON-ready listing of a `save_weights()` file (an open `hdf5.Keras1File`)."""
    groups = dict(k1file.layer_groups())
    layers = [{"name": name, "weights": [{"name": weight, "shape": list(ds.shape)}
                                         for weight, ds in groups.get(name, [])]}
              for name in k1file.layer_names()]
    sizes = _sizes(k1file)
    for layer in layers:
        layer["params"] = sizes.get(layer["name"], 0)
    return {"file": k1file.path, "format": "weights", "keras_version": k1file.keras_version,
            "keras1_backend": found[0] if found else None,
            "keras1_backend_evidence": found[1] if found else None,
            "total_params": sum(sizes.values()), "weight_layers": len(groups),
            "weight_arrays": sum(len(d) for d in groups.values()), "layers": layers}


def weights_alone_text(info):
    shown = {
        "file": info["file"],
        "kind": "Keras 1 weights file (model.save_weights): no model config; convert its "
                "model's JSON or YAML with --weights",
        "Keras version": info["keras_version"] or "not recorded",
        "Keras 1 backend": (f'{info["keras1_backend"]} ({info["keras1_backend_evidence"]})'
                            if info["keras1_backend"] else "not shown by the file"),
        "weights": f'{info["weight_layers"]} layers with weights ({info["weight_arrays"]} '
                   f'arrays), {info["total_params"]} parameters'}
    width = max(map(len, shown))
    lines = [f"{label:<{width}}  {value}" for label, value in shown.items()]
    rows = [("layer", "weight", "shape", "params")]
    for layer in info["layers"]:
        weights = layer["weights"] or [{"name": "-", "shape": None}]
        for i, weight in enumerate(weights):
            shape = "-" if weight["shape"] is None else str(tuple(weight["shape"]))
            params = "-" if weight["shape"] is None else str(math.prod(weight["shape"]))
            rows.append((layer["name"] if i == 0 else "", weight["name"], shape, params))
    return "\n".join(lines + [""] + table(rows, right=(3,)))


def table(rows, right=()):
    """Lines of `rows` (tuples of text) in aligned columns; `right`: right-aligned columns."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(c.rjust(w) if i in right else c.ljust(w)
                      for i, (c, w) in enumerate(zip(row, widths))).rstrip() for row in rows]


# -- a config whose model cannot be built without custom objects ----------------------------
def needs_custom_objects(error):
    """True for a conversion that failed for want of a user's function or class."""
    return isinstance(error, ConversionError) and "custom_objects=" in (error.hint or "")


def _becomes(class_name):
    record = spec.LAYERS.get(spec.canonical(class_name))
    if record is None or not record.converts:
        return None
    return f"legacy_conv.{record.name}" if record.converts == "ours" else record.keras3


def _flag(class_name, config, supplied):
    """Why a layer cannot be built without custom objects, else None."""
    name = config.get("name")
    if class_name == "Lambda":
        keys = [name] + ([config.get("function")]
                         if config.get("function_type") == "function" else [])
        if not any(isinstance(k, str) and k in supplied for k in keys):
            return (f"its function is marshalled Python code, never run: give it with "
                    f"{custom_objects.OPTION} FILE.py defining {name} (or the function's name)")
        return None
    record = spec.LAYERS.get(spec.canonical(class_name)) if isinstance(class_name, str) \
        else None
    if class_name in supplied or (record is not None and record.converts) or \
            class_name in spec.CONTAINERS:
        return None
    why = record.why if record is not None else "not a Keras 1.2.2 layer class"
    return (f"{why}; if it is your own layer, give its Keras 3 class with "
            f"{custom_objects.OPTION} FILE.py defining {class_name}")


def unbuilt(read, ctx, error):
    """The rows of `read`'s config without a model: every layer, those that need custom
    objects (and the one `error` names) flagged, parameter counts from its weights file."""
    parsed = model_config.parse(read.config, read.source)
    source = read.weights_file or read.k1file
    sizes = _sizes(source) if source is not None else {}
    named = (error.layer or "").split(" (")[0].strip('"')
    rows = []
    layers = list(model_config.walk(parsed["class_name"], parsed["config"]))[1:]
    for class_name, config in layers:
        config = config if isinstance(config, dict) else {}
        name = config.get("name")
        flag = _flag(class_name, config, ctx.custom_objects)
        if flag is None and name == named:
            flag = custom_objects.for_command_line(error).hint or error.problem
        rows.append({"name": name, "keras1_class": class_name,
                     "keras3_class": "Lambda" if class_name == "Lambda"
                     else _becomes(class_name), "exact": None if flag is None else False,
                     "note": flag or "", "params": sizes.get(name, 0 if sizes else None)})
    return rows


# -- inspect --weights ------------------------------------------------------------------------
def weight_fit(model, k1file, ctx, keras_version=None):
    """{layer name: None where its weights in `k1file` fit `model`'s layer of that name,
    else why not}, for the file's layers and the model's weighted ones."""
    layers = {layer.name: layer for layer in model.layers if layer.weights}
    fit = {}
    for name, datasets in k1file.layer_groups():
        layer = layers.get(name)
        if layer is None:
            fit[name] = "has weights in the file but is not a layer of the model"
            continue
        try:
            weight_rules.check(types.SimpleNamespace(layers=[layer]), [(name, datasets)],
                               k1file.keras_version or keras_version, ctx)
            fit[name] = None
        except ConversionError as error:
            field = f"`{error.field}` " if error.field else ""
            fit[name] = f"{field}{error.problem}"
    for name in layers:
        fit.setdefault(name, "has weights in the model but none in the file")
    return fit
