"""Keras 1.2.2's configs of the namespace's layers and models: what Keras 1's `get_config()`,
`to_json()` and `to_yaml()` wrote, so that Keras 1 itself, its users' tools (keras2cpp reads
`to_json()`'s list of layer configs) and this package's loaders read them back.

A layer's config is made from its Keras 1 call (kept by `_adapters`) and `spec`: the keys
Keras 1 saved are the class's Keras 1.2.2 parameters that the converter reads (`spec.layers`
`args`, in Keras 1's signature order; never `weights`), after Keras 1's `name`, `trainable`
and, where the call gave an input shape, `batch_input_shape` and `input_dtype`. Values as
Keras 1 wrote them: activations and initializers by name, regularizers and constraints by
their configs, `dim_ordering` resolved when the layer was made.
"""

import json

import keras

from legacy_conv import _validation
from legacy_conv.convert import layer_rules
from legacy_conv.convert.recurrent import IMPLEMENTATIONS
from legacy_conv.spec import layers as spec
from legacy_conv.spec import merge as merge_spec

# The Keras 3 merge layers, which Keras 1's Merge becomes.
MERGES = tuple(k3[0] for k3 in merge_spec.KERAS3.values() if k3)
# Keras 1's keys of an InputLayer's config, in its order.
_INPUT_LAYER = ("batch_input_shape", "input_dtype", "sparse", "name")


def saved_keys(class_name):
    """The arguments of `class_name` that Keras 1.2.2's `get_config` saved, in its order."""
    record = spec.LAYERS[spec.canonical(class_name)]
    base = spec.signature(record.base) if record.base else ()
    return tuple(p for p, _ in base + spec.signature(class_name)  # the base's keys first
                 if p != "weights" and (p in record.args or p in spec.INPUT_SHAPE_KEYWORDS)
                 and p not in spec.NOT_SAVED.get(class_name, ()))


def _value(kind, value, built=None):
    """An argument's value as Keras 1's `get_config` wrote it (`built`: the layer made of
    the call: a TimeDistributed's layer is the one built there; Keras 1's Bidirectional built
    copies, never the layer its config holds)."""
    if kind == "activation" and value is None:
        return "linear"
    if kind == "layer" and isinstance(value, keras.layers.Layer):
        wrapped = None if isinstance(built, keras.layers.Bidirectional) else getattr(
            built, "layer", None)
        return layer_config(value, wrapped)
    if callable(value) and hasattr(value, "__name__"):  # a function (activation, init)
        from legacy_conv.keras1 import _adapters
        return _adapters.keras1_function_name(value)
    if hasattr(value, "get_config"):  # a regularizer or constraint
        return value.get_config()
    return value


def _built_input_shape(layer):
    try:
        return tuple(layer.input.shape)
    except (AttributeError, ValueError):
        return None


def _built_input_dim(layer):
    shape = _built_input_shape(layer)
    if shape:
        return shape[-1]
    # a wrapped layer (TimeDistributed's Dense) has no input of its own: its kernel's rows
    kernel = getattr(getattr(layer, "cell", layer), "kernel", None)
    return int(kernel.shape[0]) if kernel is not None else None


def _merge(call):
    """Keras 1's `Merge.get_config()` (no base keys but `name`; a `*_type` per argument that
    may be a function: here 'raw', since a function's Merge is this package's layer)."""
    config = {"name": call["name"], "mode": call["mode"], "mode_type": "raw"}
    for key in ("concat_axis", "dot_axes"):
        config[key] = call[key]
    for key in ("output_shape", "output_mask"):
        config.update({key: call[key], f"{key}_type": "raw"})
    config["arguments"] = call["arguments"] or {}
    return config


# Classes whose Keras 1 `get_config` did not follow the rule of `config_of_call`.
IRREGULAR = {"Merge": _merge}


def config_of_call(class_name, call, layer=None):
    """Keras 1's config of a layer made by the Keras 1 call `call` ({argument: value},
    defaults filled in); `layer` the layer it made, for what Keras 1 set when building."""
    if class_name in IRREGULAR:
        return IRREGULAR[class_name](call)
    call = {**call, **{k: call[source] for k, source in spec.DEFAULTED_FROM.items()
                       if k in call and call[k] is None and source in call}}
    record = spec.LAYERS[spec.canonical(class_name)]
    config = {"name": call["name"], "trainable": call.get("trainable", True)}
    if call.get("batch_input_shape") is not None:
        config["batch_input_shape"] = tuple(call["batch_input_shape"])
        config["input_dtype"] = spec.INPUT_DTYPE.get(class_name) or call.get("input_dtype") \
            or "float32"
    for key in saved_keys(class_name):
        config[key] = _value(record.args.get(key, (None, None))[1], call.get(key), layer)
    if class_name in spec.INPUT_DIM_AT_BUILD and config.get("input_dim") is None and layer:
        config["input_dim"] = _built_input_dim(layer)
    return config


def layer_config(layer, built=None):
    """{'class_name', 'config'} of a layer as Keras 1 saved it: a Keras 1 layer of the
    namespace (or this package's), else Keras 3's own config under its class name."""
    from legacy_conv.keras1 import _adapters

    made = _adapters.keras1_call(layer)
    if made is not None:
        class_name, call = made
        return {"class_name": class_name,
                "config": config_of_call(class_name, call, built or layer)}
    if isinstance(layer, keras.layers.InputLayer):
        config = {"batch_input_shape": tuple(layer.batch_shape), "input_dtype": layer.dtype,
                  "sparse": bool(layer.sparse), "name": layer.name}
        return {"class_name": "InputLayer", "config": {k: config[k] for k in _INPUT_LAYER}}
    keras1 = keras1_class_of_layer(layer)
    if keras1 is not None:  # a built-in, or this package's subclass of one
        return {"class_name": keras1, "config": _from_keras3(layer, keras1)}
    if type(layer).__module__.startswith("keras.") and type(layer).__name__ in MERGES:
        return {"class_name": "Merge", "config": _merge_from_keras3(layer)}
    return {"class_name": type(layer).__name__, "config": _own_config(layer)}


# -- a Keras 3 built-in in a Keras 1 model: its Keras 3 config read back through the spec --------
def keras1_class_of(keras3_name):
    """The Keras 1 class a Keras 3 built-in class stands for: the one of the same name, else
    the first record (converted to a built-in, then to ours) whose Keras 3 form it is; None
    for any other class (this package's layers, users' own)."""
    record = spec.LAYERS.get(keras3_name)
    if record is not None and record.keras3 == keras3_name:
        return keras3_name
    for way in ("builtin", "ours"):
        for name, record in spec.LAYERS.items():
            if record.converts == way and record.keras3 == keras3_name:
                return name
    return None


def keras1_class_of_layer(layer):
    """The Keras 1 class of a Keras 3 built-in layer (`keras1_class_of`; a dilated one is
    the Atrous class, the one that maps `dilation_rate`) or of this package's subclass of a
    built-in (`layer_rules.SUBCLASSES`: Keras1Bidirectional, ...); None for any other."""
    cls = type(layer)
    subclassed = next((k1 for k1, c in layer_rules.SUBCLASSES.items() if c is cls), None)
    if subclassed is not None or not cls.__module__.startswith("keras."):
        return subclassed
    if any(d != 1 for d in getattr(layer, "dilation_rate", None) or (1,)):
        return next(name for name, record in spec.LAYERS.items()
                    if record.keras3 == cls.__name__ and any(
                        target == "dilation_rate" for target, _ in record.args.values()))
    return keras1_class_of(cls.__name__)


def _snake(name):
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")


# (Keras 3 initializer class, its config's (key, value)s) -> Keras 1's initialization of that
# family (`migrate --to native` scales a VarianceScaling to Keras 1's fans of each kernel).
_INITIALIZERS = (
    ("VarianceScaling", (("mode", "fan_avg"), ("distribution", "uniform")), "glorot_uniform"),
    ("VarianceScaling", (("mode", "fan_avg"),), "glorot_normal"),
    ("VarianceScaling", (("mode", "fan_in"), ("distribution", "uniform"), ("scale", 2.0)),
     "he_uniform"),
    ("VarianceScaling", (("mode", "fan_in"), ("scale", 2.0)), "he_normal"),
    ("VarianceScaling", (("mode", "fan_in"), ("distribution", "uniform")), "lecun_uniform"),
    ("RandomUniform", (("minval", -0.05), ("maxval", 0.05)), "uniform"),
    ("RandomNormal", (("mean", 0.0), ("stddev", 0.05)), "normal"),
)


def _init_name(value):
    """A Keras 3 initializer's config as Keras 1's initialization name."""
    if value["class_name"] in ("Keras1Initializer", "Keras1GateInitializer",
                               "Keras1ConvGateInitializer"):
        return value["config"]["init"]
    for class_name, keys, keras1 in _INITIALIZERS:
        if value["class_name"] == class_name and all(
                value["config"].get(k) == v for k, v in keys):
            return keras1
    name = _snake(value["class_name"])
    return {"zeros": "zero", "ones": "one"}.get(name, name)


def _activation_name(name):
    """Keras 1's name of an activation: this package's Theano variants (`relu_theano`,
    `activations.THEANO`) are Keras 1's `relu`, ..."""
    from legacy_conv import activations

    return next((k for k in activations.THEANO if name == f"{k}_theano"), name)


_BACK = {  # value kind -> f(Keras 3 value, Keras 1 argument): its Keras 1 value
    "data_format": lambda v, _: {"channels_first": "th", "channels_last": "tf"}[v],
    "init": lambda v, _: _init_name(v) if isinstance(v, dict) else v,
    "kernel_size": lambda v, arg: v[spec.KERNEL_AXES.get(arg, 0)],
    "strides": lambda v, arg: v[0] if arg == "subsample_length" else v,
    "activation": lambda v, _: _activation_name(
        v["config"].split(">")[-1] if isinstance(v, dict) else v),
    "padding": lambda v, _: v,
    "dilation_rate": lambda v, _: v[0] if len(v) == 1 else v,  # AtrousConvolution1D's: an int
    "forget_bias_init": lambda v, _: "one" if v else "zero",
    "implementation": lambda v, _: next(k for k, i in IMPLEMENTATIONS.items() if i == v),
}
# value kind -> f(the built Keras 3 layer): its Keras 1 value, which its config does not hold
def _wrapped(layer):
    """A Keras 3 wrapper's layer as Keras 1's config held it: the layer it was given (a
    Bidirectional's forward copy, named as given)."""
    inner = getattr(layer, "forward_layer", None) or layer.layer
    config = layer_config(inner)
    if inner is not getattr(layer, "layer", None):
        config["config"]["name"] = inner.name[len("forward_"):]
    return config


_FROM_LAYER = {
    "output_shape": lambda layer: (None,) + tuple(layer.output.shape[1:]),  # Deconvolution2D
    "layer": _wrapped,
}
_IDENTITY = ("int", "int_or_none", "int_any", "float", "rate", "bool", "ints", "ints_or_none",
             "any", "shape", "bidirectional_merge")
_NONE_ONLY = ("regularizer", "activity_regularizer", "constraint")


def _merge_from_keras3(layer):
    """Keras 1's Merge config of a Keras 3 merge layer (`spec.merge.KERAS3`'s inverse)."""
    mode = next(m for m, k3 in merge_spec.KERAS3.items() if k3 and k3[0] == type(layer).__name__)
    call = {**spec.defaults("Merge"), "name": layer.name, "mode": mode}
    for keras1_arg, keras3_arg in [(v, k) for k, v in merge_spec.KERAS3[mode][1].items()]:
        call[keras1_arg] = getattr(layer, keras3_arg)
    return config_of_call("Merge", call, layer)


def _from_keras3(layer, class_name):
    """Keras 1's config of a Keras 3 built-in (Keras 3 code in a Keras 1 model, as
    `legacy-conv migrate --to native` writes it): each Keras 1 argument from the Keras 3
    argument the spec maps it to. What Keras 1 could not say is refused by name."""
    record = spec.LAYERS[class_name]
    keras3 = layer.get_config()
    call = {"name": layer.name, "trainable": layer.trainable}
    base = spec.signature(record.base) if record.base else ()
    for arg, default in spec.signature(class_name) + base:
        target, kind = record.args.get(arg, (None, None))
        if target is None or isinstance(target, tuple) or target not in keras3:
            call[arg] = None if default == spec.REQUIRED else default
            continue
        value = keras3[target]
        if kind == "int" and isinstance(value, (list, tuple)):  # one axis of kernel_size
            value = value[spec.KERNEL_AXES.get(arg, 0)]  # (ConvLSTM2D's nb_row, ...)
        if kind in _IDENTITY or kind in _NONE_ONLY and value is None:
            call[arg] = value
        elif kind in _BACK or kind in _FROM_LAYER:
            try:
                call[arg] = _BACK[kind](value, arg) if kind in _BACK else _FROM_LAYER[kind](layer)
            except (KeyError, IndexError, TypeError, AttributeError, ValueError):
                call[arg] = None
        else:
            call[arg] = None
        if call[arg] is None and value is not None:
            raise _validation.argument_error(
                f'{type(layer).__name__} layer "{layer.name}"', target, value,
                f"has no Keras 1 form (Keras 1's {class_name} `{arg}`), so the model has no "
                "Keras 1 config", "Keep Keras 3's config: `model.get_config()`, `.keras` files")
    shape = getattr(layer, "_input_shape_arg", None)
    if shape is not None:
        call["batch_input_shape"] = (None,) + tuple(shape)
    built = _built_input_shape(layer)
    given = record.input_args if "input_dim" not in record.input_args else ()  # Embedding
    for arg, size in zip(given, built[1:] if built else ()):
        if call.get(arg) is None:  # what Keras 1's call had given (Embedding's input_length)
            call[arg] = size
    return config_of_call(class_name, call, layer)


def _own_config(layer):
    """This package's layers and Keras 1 custom layers write Keras 1's config already (this
    package's extra keys, such as `keras1_backend`, left out)."""
    config = layer.get_config()
    name = type(layer).__name__
    if spec.canonical(name) not in spec.LAYERS:
        return config
    keep = set(spec.CONFIG_KEYWORDS) | set(saved_keys(name))
    return {k: v for k, v in config.items() if k in keep}


def sequential_config(model):
    """Keras 1.2.2's `Sequential.get_config()`: the list of its layers' configs."""
    return [layer_config(layer) for layer in model.layers]


def _node_key(layer, index):
    return f"{id(layer)}_ib-{index}"  # Keras 3's key of a layer's node (`model._nodes`)


def functional_config(model):
    """Keras 1.2.2's `Container.get_config()`, walked as Keras 1 walked it: name, layers
    (each with its `inbound_nodes`, [[layer name, node index, tensor index], ...] per node
    of this model, renumbered), `input_layers`, `output_layers`."""
    kept = {}
    for layer in model.layers:
        count = 1 if isinstance(layer, keras.Model) else 0  # a model starts with a node
        for index in range(len(layer._inbound_nodes)):
            if _node_key(layer, index) in model._nodes:
                kept[_node_key(layer, index)] = count
                count += 1

    def where(tensor):
        layer, node_index, tensor_index = tensor._keras_history
        return [layer.name, kept.get(_node_key(layer, node_index), 0), tensor_index]

    layers = []
    for layer in model.layers:
        nodes = [[where(t) for t in node.arguments.keras_tensors]
                 for index, node in enumerate(layer._inbound_nodes)
                 if _node_key(layer, index) in model._nodes]
        layers.append({"name": layer.name, **layer_config(layer),
                       "inbound_nodes": [n for n in nodes if n]})
    return {"name": model.name, "layers": layers,
            "input_layers": [where(t) for t in model.inputs],
            "output_layers": [where(t) for t in model.outputs]}


def model_config(model):
    """{'class_name', 'config'} of a model as Keras 1 saved it ('Sequential' or 'Model')."""
    if isinstance(model, keras.Sequential):
        return {"class_name": "Sequential", "config": sequential_config(model)}
    return {"class_name": "Model", "config": functional_config(model)}


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "item"):  # a NumPy scalar
        return value.item()
    return value


def to_json(model, **kwargs):
    """Keras 1's `model.to_json(**kwargs)`: its config, `class_name` and `keras_version`."""
    return json.dumps(_jsonable({**model_config(model), "keras_version": spec.KERAS_VERSION}),
                      **kwargs)


def to_yaml(model, **kwargs):
    """Keras 1's `model.to_yaml(**kwargs)`."""
    import yaml

    return yaml.dump(_jsonable({**model_config(model), "keras_version": spec.KERAS_VERSION}),
                     **kwargs)
