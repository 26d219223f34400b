"""Keras 1 model configs → Keras 3 model configs: Sequential lists, functional graphs,
nested models, and Sequential models that start with a `Merge` of Sequential branches.

Keras 1 counted a container's own construction as its node 0, so a nested model's first
call is node 1 in Keras 1 and node 0 in Keras 3 (`_node_index`). Keras 1 on TensorFlow
took layer names with '/', which Keras 3 refuses: `without_slashes` renames them.
"""

import re
import warnings

from legacy_conv.convert import layer_rules
from legacy_conv.convert.layers import _fail
from legacy_conv.convert.layers import _ours
from legacy_conv.convert.layers import convert_layer
from legacy_conv.convert.layers import serialized
from legacy_conv.errors import ConversionError
from legacy_conv.errors import layer_label
from legacy_conv.errors import shown
from legacy_conv.layers.merge import function_key

SEQUENTIAL = {"module": "keras", "class_name": "Sequential", "registered_name": None}
FUNCTIONAL = {"module": "keras.src.models.functional", "class_name": "Functional",
              "registered_name": "Functional"}


def convert_model(class_name, config, ctx, name=None):
    """A Keras 1 Sequential (a list of layers) or Model config → a Keras 3 model dict."""
    if class_name == "Sequential":
        layers = config.get("layers") if isinstance(config, dict) else config
        if not isinstance(layers, list) or not layers:
            raise ConversionError("must be a non-empty list of layer configs",
                                  field="Sequential config", value=config,
                                  layer=layer_label(name, "Sequential") if name else None)
        return _sequential(layers, name or "sequential", ctx)
    if class_name in ("Model", "Container"):
        return _functional(config, ctx, name)
    raise ConversionError("must be 'Sequential' or 'Model' at the top of a Keras 1 model "
                          "config", field="class_name", value=class_name)


def entries(layers, where="Sequential"):
    """(class_name, config) of each item of a Keras 1 layer list, checked."""
    out = []
    for index, item in enumerate(layers):
        if not isinstance(item, dict) or not isinstance(item.get("class_name"), str) or \
                "config" not in item:
            raise ConversionError("must be a dict with 'class_name' and 'config'",
                                  field=f"{where} layer #{index}", value=item)
        out.append((item["class_name"], item["config"]))
    return out


def _is_model(class_name):
    return class_name in layer_rules.CONTAINERS


def _convert_any(class_name, config, ctx, name=None):
    if _is_model(class_name):
        return convert_model(class_name, config, ctx, name), None
    if class_name == "Merge" and _functions(config):
        layer, report = _function_merge(config, ctx)
    else:
        layer, report = convert_layer(class_name, config, ctx)
    ctx.reports.append(report)
    return layer, report


# -- names with '/' -----------------------------------------------------------------------------
# The keys of a Keras 1 functional config that refer to layers by name: [name, node, tensor].
REF_KEYS = ("inbound_nodes", "input_layers", "output_layers")


def _names(value):
    """Every layer name in a Keras 1 config, in order (nested models' and wrapped layers')."""
    if isinstance(value, dict):
        if "class_name" in value:
            config = value.get("config")
            for name in (value.get("name"), config.get("name") if isinstance(
                    config, dict) else None):
                if isinstance(name, str):
                    yield name
        for item in value.values():
            yield from _names(item)
    elif isinstance(value, list):
        for item in value:
            yield from _names(item)


def slash_free(name):
    """The Keras 3 name of a Keras 1 layer name with '/' before it is made unique."""
    return name.replace("/", "_")


def renaming(names):
    """{Keras 1 name with '/': its Keras 3 name}, '/' → '_' and '_1', '_2'... added where
    that name is taken."""
    taken, out = set(names), {}
    for name in dict.fromkeys(n for n in names if "/" in n):
        new, count = slash_free(name), 0
        while new in taken:
            count += 1
            new = f"{slash_free(name)}_{count}"
        taken.add(new)
        out[name] = new
    return out


def is_renamed(keras1_name, keras3_name):
    """Whether `renaming` may have given `keras3_name` to `keras1_name`."""
    return "/" in keras1_name and re.fullmatch(
        re.escape(slash_free(keras1_name)) + r"(_\d+)?", keras3_name) is not None


def _renamed(value, names, refs=False):
    if isinstance(value, dict):
        return {key: names.get(item, item) if key == "name" and isinstance(item, str)
                else _renamed(item, names, key in REF_KEYS) for key, item in value.items()}
    if isinstance(value, list):
        if refs and value and isinstance(value[0], str):  # [name, node, tensor, ...]
            return [names.get(value[0], value[0])] + value[1:]
        return [_renamed(item, names, refs) for item in value]
    return value


def without_slashes(config, ctx):
    """A parsed Keras 1 model config with every layer name that holds '/' renamed (and the
    references to it), warning once with each old and new name; `ctx.weight_shapes` follows."""
    names = renaming(list(_names(config["config"])))
    if not names:
        return config
    pairs = ", ".join(f'"{old}" -> "{new}"' for old, new in names.items())
    warnings.warn(f"Keras 3 layer names cannot hold '/'; renamed: {pairs} (weight files are "
                  "still read by the Keras 1 names).", stacklevel=4)
    prefixes = {f"{old}_": f"{new}_" for old, new in names.items()}
    ctx.weight_shapes = {next((new + weight[len(old):] for old, new in prefixes.items()
                               if weight.startswith(old)), weight): shape
                         for weight, shape in ctx.weight_shapes.items()}
    return {**config, "config": _renamed(config["config"], names)}


# -- Merge with a function mode ---------------------------------------------------------------
# Merge's arguments that Keras 1 saved as code (`<argument>_type` 'lambda') or by name
# ('function'), and whether a model needs that function: its output shape Keras 3 traces.
MERGE_FUNCTIONS = {"mode": True, "output_mask": True, "output_shape": False}


def _functions(config):
    return isinstance(config, dict) and [
        arg for arg in MERGE_FUNCTIONS if config.get(f"{arg}_type") in ("lambda", "function")]


def _function_merge(config, ctx):
    """Our Merge, each function Keras 1 saved replaced by the user's from `custom_objects`
    (by `function_key`, or by the function's name where Keras 1 saved one)."""
    name, config = config.get("name"), dict(config)
    for arg in _functions(config):
        keys = [function_key(name, arg)]
        if config[f"{arg}_type"] == "function":
            keys.append(config[arg])
        found = next((k for k in keys if isinstance(k, str) and k in ctx.custom_objects), None)
        if found is None and MERGE_FUNCTIONS[arg]:
            raise ConversionError(
                "holds Python code that Keras 1 marshalled; it is never executed",
                layer=layer_label(name, "Merge"), field=arg, value="<bytecode>",
                hint=f"Pass the function as custom_objects={{{shown(keys[0])}: function}} "
                     "(or by its name, where Keras 1 saved a named function's name)")
        config[arg] = found and {"module": "builtins", "class_name": "function",
                                 "config": found, "registered_name": found}
        config[f"{arg}_type"] = "function" if found else "raw"
    return _ours("Merge", config, ctx, _fail(name, "Merge"))


# -- Sequential -------------------------------------------------------------------------------
def _sequential(layers, name, ctx):
    items = entries(layers)
    first_class, first = items[0]
    if first_class == "Merge" and isinstance(first, dict) and first.get("layers"):
        builder = _Graph(name, ctx)
        builder.finish([builder.chain(items)])
        return builder.model
    if first_class == "InputLayer":  # Keras 1.2.2 wrote `model.add(InputLayer(...))` so
        converted, items = [keras1_input(first, ctx)], items[1:]
    else:
        converted = [_input_layer_for(first_class, first, ctx)]
    converted += [_convert_any(c, cfg, ctx)[0] for c, cfg in items]
    return {**SEQUENTIAL, "config": {"name": name, "trainable": True,
                                     "layers": [c for c in converted if c is not None]}}


def _input_shape_of(class_name, config):
    """The batch input shape Keras 1 recorded on a Sequential's first layer, if any."""
    if not isinstance(config, dict):
        return None
    shape = config.get("batch_input_shape")
    if shape is not None:
        return list(shape) if isinstance(shape, (list, tuple)) else shape  # checked later
    if class_name == "Embedding" and "input_length" in config:
        return [None, config["input_length"]]
    if config.get("input_dim") is not None:
        if "input_length" in config:
            return [None, config["input_length"], config["input_dim"]]
        return [None, config["input_dim"]]
    return None


def _input_layer_for(class_name, config, ctx, name=None):
    if _is_model(class_name):
        return None
    shape = _input_shape_of(class_name, config)
    if shape is None:
        return None
    name = name or f"{config.get('name', 'layer')}_input"
    dtype = config.get("input_dtype") or ("int32" if class_name == "Embedding" else "float32")
    return input_layer(name, shape, dtype, ctx)


def keras1_input(config, ctx, name=None):
    """A Keras 1 `InputLayer` config (`name` from its functional entry, else its own)."""
    cfg = config if isinstance(config, dict) else {}
    return input_layer(name or cfg.get("name"), cfg.get("batch_input_shape"),
                       cfg.get("input_dtype") or "float32", ctx, cfg.get("sparse", False))


def input_layer(name, batch_shape, dtype, ctx, sparse=False):
    if not isinstance(batch_shape, list) or not all(
            d is None or (isinstance(d, int) and not isinstance(d, bool) and d >= 0)
            for d in batch_shape):
        raise ConversionError("must be a list of non-negative integers or null",
                              layer=layer_label(name, "InputLayer"), field="batch_input_shape",
                              value=batch_shape)
    ctx.reports.append(_report(name, "InputLayer", "InputLayer"))
    return serialized("InputLayer", {"batch_shape": batch_shape, "dtype": dtype,
                                     "sparse": bool(sparse), "name": name})


def _report(name, keras1, keras3):
    from legacy_conv.convert.layers import Report
    return Report(name, keras1, keras3, True, "")


# -- functional graphs --------------------------------------------------------------------
def _node(refs):
    """A node in the list form that Keras 3 still reads: [[layer, node, tensor], ...]."""
    return [list(ref) for ref in refs]


class _Graph:
    """Builds a Keras 3 functional config one layer call at a time."""

    def __init__(self, name, ctx):
        self.ctx = ctx
        self.layers = {}
        self.order = []
        self.inputs = []
        self.model = {**FUNCTIONAL, "config": {"name": name, "trainable": True}}

    def call(self, layer, name, refs):
        entry = self.layers.get(name)
        if entry is None:
            entry = {**layer, "name": name, "inbound_nodes": []}
            self.layers[name] = entry
            self.order.append(name)
        if refs:
            entry["inbound_nodes"].append(_node(refs))
        return (name, max(len(entry["inbound_nodes"]) - 1, 0), 0)

    def chain(self, items):
        """Applies a Keras 1 Sequential layer list; returns its output reference."""
        (first_class, first), rest = items[0], items[1:]
        if first_class == "Merge" and isinstance(first, dict) and first.get("layers"):
            branches = first["layers"]
            if not isinstance(branches, list):
                raise ConversionError("must be a list of Sequential configs", field="layers",
                                      value=branches,
                                      layer=layer_label(first.get("name"), "Merge"))
            refs = [self.chain(entries(self._branch_layers(b, first), "Merge branch"))
                    for b in branches]
            merge = {k: v for k, v in first.items() if k != "layers"}
            ref = self._apply("Merge", merge, refs)
        else:
            given = first_class == "InputLayer"
            inp = keras1_input(first, self.ctx) if given else \
                _input_layer_for(first_class, first, self.ctx)
            if inp is None:
                name = first.get("name") if isinstance(first, dict) else None
                raise ConversionError(
                    "must give the input shape of a Sequential branch (batch_input_shape)",
                    layer=layer_label(name, first_class), field="batch_input_shape",
                    value=None, has_value=False)
            ref = self.call(inp, inp["config"]["name"], [])
            self.inputs.append(ref)
            rest = items[1:] if given else items
        for class_name, config in rest:
            ref = self._apply(class_name, config, [ref])
        return ref

    def _branch_layers(self, branch, merge):
        if isinstance(branch, dict) and branch.get("class_name") == "Sequential":
            layers = branch.get("config")
            layers = layers.get("layers") if isinstance(layers, dict) else layers
            if isinstance(layers, list) and layers:
                return layers
        raise ConversionError("must hold Sequential models (Keras 1 `Merge(layers=[...])`)",
                              layer=layer_label(merge.get("name"), "Merge"), field="layers",
                              value=branch)

    def _apply(self, class_name, config, refs):
        name = config.get("name") if isinstance(config, dict) else None
        layer, _ = _convert_any(class_name, config, self.ctx, name)
        return self.call(layer, layer["config"].get("name", name), refs)

    def finish(self, outputs, inputs=None):
        self.model["config"].update(
            layers=[self.layers[n] for n in self.order],
            input_layers=[list(r) for r in (inputs or self.inputs)],
            output_layers=[list(r) for r in outputs])


def _functional(config, ctx, name):
    if not isinstance(config, dict) or not isinstance(config.get("layers"), list):
        raise ConversionError("must be a dict with 'layers', 'input_layers' and "
                              "'output_layers'", field="Model config", value=config)
    name = name or config.get("name") or "model"
    named = [layer for layer in config["layers"]
             if isinstance(layer, dict) and isinstance(layer.get("name"), str)]
    containers = {layer["name"] for layer in named if _is_model(layer.get("class_name"))}
    known = {layer["name"] for layer in named}

    def ref(item, field):
        if not (isinstance(item, list) and len(item) >= 3 and isinstance(item[0], str)
                and item[0] in known
                and all(isinstance(i, int) and i >= 0 for i in item[1:3])):
            raise ConversionError("must be [layer_name, node_index, tensor_index] naming a "
                                  "layer of the model", field=field, value=item,
                                  layer=layer_label(name, "Model"))
        node = item[1] - 1 if item[0] in containers else item[1]
        if node < 0:
            raise ConversionError("cannot be node 0 of a nested model (Keras 1 used node 0 "
                                  "for the model itself)", field=field, value=item,
                                  layer=layer_label(name, "Model"))
        return [item[0], node, item[2]]

    layers = []
    for index, layer in enumerate(config["layers"]):
        if not isinstance(layer, dict) or not isinstance(layer.get("class_name"), str):
            raise ConversionError("must be a dict with 'name', 'class_name', 'config' and "
                                  "'inbound_nodes'", field=f"layers[{index}]", value=layer,
                                  layer=layer_label(name, "Model"))
        class_name, layer_name = layer["class_name"], layer.get("name")
        if not isinstance(layer_name, str) or not layer_name:
            raise ConversionError("must be a non-empty string", field=f"layers[{index}].name",
                                  value=layer_name, layer=layer_label(name, "Model"))
        layer_config = layer.get("config")
        if class_name == "InputLayer":
            converted = keras1_input(layer_config, ctx, layer_name)
        else:
            converted, _ = _convert_any(class_name, layer_config, ctx, layer_name)
        nodes = layer.get("inbound_nodes", [])
        if not isinstance(nodes, list):
            raise ConversionError("must be a list of nodes", field="inbound_nodes",
                                  value=nodes, layer=layer_label(layer_name, class_name))
        converted_nodes = []
        for node in nodes:
            if not isinstance(node, list) or not node:
                raise ConversionError("must be a non-empty list of inputs",
                                      field="inbound_nodes", value=node,
                                      layer=layer_label(layer_name, class_name))
            converted_nodes.append(_node([ref(i, "inbound_nodes") for i in node]))
        layers.append({**converted, "name": layer_name, "inbound_nodes": converted_nodes})
    for key in ("input_layers", "output_layers"):
        if not isinstance(config.get(key), list) or not config[key]:
            raise ConversionError("must be a non-empty list of [layer_name, node, tensor]",
                                  field=key, value=config.get(key),
                                  layer=layer_label(name, "Model"))
    return {**FUNCTIONAL, "config": {
        "name": name, "trainable": True, "layers": layers,
        "input_layers": [ref(i, "input_layers") for i in config["input_layers"]],
        "output_layers": [ref(o, "output_layers") for o in config["output_layers"]],
    }}
