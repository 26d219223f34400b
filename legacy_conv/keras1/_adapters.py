"""The engine of `legacy_conv.keras1`: each Keras 1.2.2 layer name of each Keras 1 module,
made from `spec.layers` (no name table here).

What a name gives depends on its record (`spec.layers.Layer.converts`):
- 'ours': this package's layer of that name, as it is (it takes Keras 1's arguments);
- 'builtin': an adapter class (`Keras1Class`) with Keras 1's signature and defaults. Calling
  it builds the Keras 1 config that Keras 1 would have saved for the same call and hands it
  to the file converter (`convert.layers.convert_layer`), so code and files mean the same:
  the Keras 3 built-in where it is exact, this package's layer where only that one is
  (`legacy_when`), Keras 1's initializers, penalties and activations;
- 'graph' (handled by the model walk in files) and the functions `Input` and `merge`: the
  small named builders of `IRREGULAR`;
- None: a class whose call raises, saying why Keras 1's layer is not available yet.

An adapter is a factory, not a base class: what it returns is a Keras 3 layer, for which
`isinstance(layer, Adapter)` holds (`Keras1Class.__instancecheck__`).
"""

import functools
import inspect
import warnings
import weakref

import keras

from legacy_conv import _validation
from legacy_conv import activations
from legacy_conv.convert import layer_rules
from legacy_conv.convert import layers as converter
from legacy_conv.convert.model_config import Context
from legacy_conv.errors import ConversionError
from legacy_conv.keras1.backend.common import auto_name
from legacy_conv.layers._base import Keras1Layer
from legacy_conv.load import fill
from legacy_conv.load import weights as keras1_weights
from legacy_conv.spec import keras1_signatures as signatures
from legacy_conv.spec import layers as spec
from legacy_conv.spec import merge as merge_spec

# Keras 1 layer -> its Keras 1 config ({'class_name', 'config'}), for the wrappers.
_KERAS1_CONFIGS = weakref.WeakKeyDictionary()
# Keras 1 layer -> (class name, its Keras 1 call as Keras 1 kept it), for Keras 1's configs
# (`engine.config`).
_KERAS1_CALLS = weakref.WeakKeyDictionary()
# The name a layer called without one converts under (Keras 3 then names it).
_UNNAMED = "keras1_layer"


def _owner(class_name, name):
    return f'{class_name} layer "{name}"' if name else f"{class_name} layer"


# -- Keras 1's signatures ---------------------------------------------------------------------
def python_signature(class_name):
    """`inspect.Signature` of a Keras 1.2.2 class (or `merge`): its own parameters, then
    `**kwargs` where it took Keras 1's layer keywords."""
    params = [inspect.Parameter(
        p, inspect.Parameter.POSITIONAL_OR_KEYWORD,
        **({} if default == spec.REQUIRED else {"default": default}))
        for p, default in spec.signature(class_name)]
    if signatures.LAYERS[spec.canonical(class_name)][1]:
        params.append(inspect.Parameter("kwargs", inspect.Parameter.VAR_KEYWORD))
    return inspect.Signature(params)


def bind(class_name, args, kwargs):
    """{argument: value} of a Keras 1 call, Keras 1's defaults filled in; Keras 1's TypeErrors
    for what Keras 1 refused (missing, repeated or unknown arguments)."""
    try:
        bound = python_signature(class_name).bind(*args, **kwargs)
    except TypeError as error:
        raise TypeError(f"{class_name}: {error}") from None
    given = dict(bound.arguments)
    extra = given.pop("kwargs", {})
    accepted = set(spec.defaults(class_name)) | set(spec.LAYER_KEYWORDS)
    unknown = sorted(set(extra) - accepted)
    if unknown:
        raise TypeError(
            f"{class_name}: keyword argument(s) not understood: {', '.join(unknown)}. "
            f"Besides its own arguments, a Keras 1 {class_name} accepts: "
            f"{', '.join(sorted(accepted - set(given)))}")
    return {**spec.defaults(class_name), **given, **extra}


def _input_shape(record, call):
    """The batch input shape a Keras 1 call gave its layer (Keras 1's `Layer.__init__` and
    the `input_dim`/`input_length` keywords of `record.input_args`), or None."""
    owner = _owner(record.name, call.get("name"))
    if call.get("batch_input_shape") is not None:
        return Keras1Layer._check_shape(owner, "batch_input_shape", call["batch_input_shape"])
    dims = record.input_args
    # Keras 1's Dense, Convolution1D and recurrent layers set it where `input_dim` is set;
    # Embedding always sets (input_length,).
    if dims and ("input_dim" not in dims or call.get("input_dim")):
        return (None,) + tuple(call.get(d) for d in dims)
    if call.get("input_shape") is not None:
        return (None,) + Keras1Layer._check_shape(owner, "input_shape", call["input_shape"])
    return None


def _give_input_shape(layer, record, call):
    shape = _input_shape(record, call)
    if shape is not None:
        layer._input_shape_arg = shape[1:]  # what Keras 3's Sequential reads
    _remember(layer, record.name, call, shape)
    return layer


def _remember(layer, class_name, call, shape):
    """Keeps the call as Keras 1's layer kept its attributes: its name, its input shape, and
    `dim_ordering` 'default' resolved (`K.image_dim_ordering()` then)."""
    kept = {**call, "name": layer.name, "batch_input_shape": shape}
    if kept.get("dim_ordering") == "default":
        from legacy_conv import backend
        kept["dim_ordering"] = backend.image_dim_ordering()
    _KERAS1_CALLS[layer] = (class_name, kept)


def keras1_call(layer):
    """(Keras 1 class name, call) of a layer this namespace made, else None."""
    return _KERAS1_CALLS.get(layer)


def keras1_function_name(function):
    """The name Keras 1's `get_config` wrote for a function (`activation.__name__`)."""
    for name, keras1 in activations.ACTIVATIONS.items():
        if function is keras1:
            return name
    return function.__name__


# -- building a layer from a call ---------------------------------------------------------------
def _keras1_config_of(layer, owner, custom_objects):
    """A built layer as a Keras 1 layer config, for a wrapper's `layer` argument."""
    if not isinstance(layer, keras.layers.Layer):
        raise _validation.argument_error(owner, "layer", layer, "must be a layer")
    config = _KERAS1_CONFIGS.get(layer)
    if config is not None:
        return {**config, "config": {**config["config"], "name": layer.name}}
    # this package's layers keep Keras 1's vocabulary; any other layer travels as it is
    class_name = type(layer).__name__
    if converter.ours(class_name) is not type(layer):
        custom_objects[class_name] = type(layer)
    return {"class_name": class_name, "config": layer.get_config()}


def _prepared_call(class_name, call, custom_objects):
    """(the Keras 1 config the converter reads: mapped arguments only, {Keras 3 argument:
    a function given as an activation}, which the config holds as 'linear')."""
    record = spec.LAYERS[class_name]
    defaults = spec.defaults(class_name)
    config, functions = {}, {}
    for key, value in call.items():
        target, kind = record.args.get(key, (None, None))
        if key in record.args or key in spec.CONFIG_KEYWORDS and value is not None:
            if kind == "layer":
                value = _keras1_config_of(value, _owner(class_name, call.get("name")),
                                          custom_objects)
            elif kind == "activation" and callable(value):
                value, functions[target] = _keras1_activation(value)
            config[key] = value
        elif key != "weights" and key in defaults and _differs(value, defaults[key]):
            raise _validation.argument_error(
                _owner(class_name, call.get("name")), key, value,
                "is not one of the arguments this package converts (Keras 1 did not save "
                f"it); leave it at Keras 1's default {defaults[key]!r}")
    config["name"] = call.get("name") or _UNNAMED
    return config, {k: v for k, v in functions.items() if v is not None}


def _differs(value, default):
    try:
        return bool(value != default)
    except (ValueError, TypeError):  # an array
        return True


def _keras1_activation(function):
    """(Keras 1 name, None) for Keras 1's activation functions, else ('linear', function)."""
    name = keras1_function_name(function)
    return (name, None) if name in activations.ACTIVATIONS else ("linear", function)


def _as_argument_error(error, class_name, name):
    hint = error.hint if error.hint and "custom_objects" not in error.hint else None
    return _validation.argument_error(_owner(class_name, name), error.field or "config",
                                      error.value, error.problem, hint)


def build(class_name, args, kwargs):
    """The Keras 3 layer for a Keras 1 call `class_name(*args, **kwargs)`: the one the
    converter gives for the config Keras 1 would have saved."""
    call = bind(class_name, args, kwargs)
    custom_objects = {}
    config, functions = _prepared_call(class_name, call, custom_objects)
    ctx = Context(custom_objects=custom_objects)
    ctx.keras_version = spec.KERAS_VERSION  # the release whose signatures the call follows
    try:
        serialized, report = converter.convert_layer(class_name, config, ctx)
    except ConversionError as error:
        raise _as_argument_error(error, class_name, call.get("name")) from None
    if not report.exact:
        warnings.warn(f"{_owner(class_name, call.get('name'))}: {report.note}", stacklevel=4)
    serialized = {**serialized, "config": {
        **serialized["config"], "name": call.get("name") or auto_name(class_name.lower()),
        **functions}}
    layer = keras.saving.deserialize_keras_object(serialized, custom_objects=custom_objects)
    _KERAS1_CONFIGS[layer] = {"class_name": class_name, "config": config}
    _give_input_shape(layer, spec.LAYERS[class_name], call)
    if call.get("weights") is not None:
        _set_on_build(layer, call["weights"], ctx.keras1_backend)
    return layer


def _set_on_build(layer, arrays, keras1_backend):
    """Keras 1's `weights=[...]` (in Keras 1's layout): set when the layer is built."""
    built = layer.build

    @functools.wraps(built)  # Keras 3 passes the shapes by the names of build's parameters
    def build_then_set(*args, **kwargs):
        built(*args, **kwargs)
        named = [(f"{layer.name}_weight_{i}", a) for i, a in enumerate(arrays)]
        try:
            prepared = keras1_weights._prepared(layer, named, spec.KERAS_VERSION,
                                                keras1_backend)
        except ConversionError as error:
            raise _validation.argument_error(
                _validation.owner_name(layer), "weights", f"<{len(arrays)} arrays>",
                error.problem) from None
        for variable, array in zip(layer.weights, prepared):
            fill.assign(variable, array)

    object.__setattr__(layer, "build", build_then_set)


# -- the classes and functions of the namespace ------------------------------------------------
def _becomes(class_name):
    """The classes a Keras 1 class's adapter may return."""
    record = spec.LAYERS[class_name]
    names = [record.keras3] if record.keras3 else [m for m in merge_spec.KERAS3.values() if m]
    names = [n[0] if isinstance(n, tuple) else n for n in names]
    found = [getattr(keras.layers, n) for n in names if hasattr(keras.layers, n)]
    found += [cls for cls in (layer_rules.SUBCLASSES.get(class_name),
                              converter.ours(class_name)) if cls is not None]
    return tuple(found)


class Keras1Class(type):
    """The type of the adapters: calling one builds a Keras 1 layer (`build`), and
    `isinstance` holds for every layer that the Keras 1 class becomes."""

    def __call__(cls, *args, **kwargs):
        return cls.builder(cls.keras1_name, args, kwargs)

    def __instancecheck__(cls, obj):
        return isinstance(obj, cls.becomes)

    def __repr__(cls):
        return f"<Keras 1 layer {cls.__module__}.{cls.__name__}>"


# Keras 1 class -> builder, for those not built through the converter's table (`builds`).
IRREGULAR = {}


def builds(class_name):
    """Registers a builder for `class_name` in IRREGULAR."""
    def register(builder):
        IRREGULAR[class_name] = builder
        return builder
    return register


def _refuse(class_name, args, kwargs):
    raise NotImplementedError(
        f"{class_name}: this package cannot build Keras 1's {class_name} yet: "
        f"{spec.LAYERS[class_name].why}. See migration_guide/supported-layers.md")


@builds("Merge")
def _merge_layer(class_name, args, kwargs):
    """Keras 1's `Merge`, called on tensors; `Merge(layers=[model_1, model_2])` built a
    branched Sequential, which Keras 3 has no form of. A function as its `mode` (or
    `output_shape`, `output_mask`) gives this package's Merge."""
    call = bind(class_name, args, kwargs)
    if call["layers"] is not None:
        raise _validation.argument_error(
            _owner(class_name, call.get("name")), "layers", f"<{len(call['layers'])} layers>",
            "must be None: Keras 3 models have no branched Sequential",
            "Call merge([branch_1.output, branch_2.output], mode=...) in a functional Model")
    if any(callable(call[key]) for key in ("mode", "output_shape", "output_mask")):
        return converter.ours(class_name)(**call)  # a Python function: only ours runs it
    return build(class_name, (), call)


@builds("Lambda")
def _lambda(class_name, args, kwargs):
    call = bind(class_name, args, kwargs)
    return _give_input_shape(keras.layers.Lambda(
        call["function"], output_shape=call["output_shape"], arguments=call["arguments"],
        name=call.get("name") or auto_name("lambda"), trainable=call.get("trainable", True)),
        spec.LAYERS[class_name], call)


@builds("InputLayer")
def _input_layer(class_name, args, kwargs):
    call = bind(class_name, args, kwargs)
    shape = _input_shape(spec.LAYERS[class_name], call)
    return keras.layers.InputLayer(
        batch_shape=shape, dtype=call["input_dtype"] or "float32",
        input_tensor=call["input_tensor"], sparse=call["sparse"],
        name=call["name"] or auto_name("input"))


def Input(shape=None, batch_shape=None, name=None, dtype="float32", sparse=False,
          tensor=None):
    """Keras 1's `Input`: a symbolic input tensor (`keras.Input`) of an InputLayer named
    `name`, else as Keras 1 named it (`input_1`, ...)."""
    return keras.Input(shape=shape, batch_shape=batch_shape, name=name or auto_name("input"),
                       dtype=dtype, sparse=sparse, tensor=tensor)


def merge(*args, **kwargs):
    """Keras 1's functional `merge(inputs, mode='sum', ...)`: `Merge(...)(inputs)`."""
    call = bind("merge", args, kwargs)
    inputs = call.pop("inputs")
    return _merge_layer("Merge", (), call)(inputs)


FUNCTIONS = {"Input": Input, "merge": merge}


def _home(record):
    """The module of this namespace that mirrors the record's Keras 1 module."""
    if record.module == "topology":
        return "legacy_conv.keras1.engine.topology"
    return f"legacy_conv.keras1.layers.{record.module}"


def _adapter(class_name):
    record = spec.LAYERS[class_name]
    builder = IRREGULAR.get(class_name, build if record.converts else _refuse)
    becomes = _becomes(class_name) if record.converts else ()
    what = (f"Raises NotImplementedError: {record.why}." if not record.converts else
            "Returns the Keras 3 layer that `legacy_conv.convert_config` gives for the same "
            f"Keras 1 config ({', '.join(c.__name__ for c in becomes)}).")
    doc = f"Keras 1's `{class_name}{python_signature(class_name)}`.\n\n{what}\n"
    return Keras1Class(class_name, (), {
        "__doc__": doc, "__module__": _home(record), "__signature__": python_signature(class_name),
        "keras1_name": class_name, "builder": staticmethod(builder), "becomes": becomes})


def _object(name):
    if name in FUNCTIONS:
        return FUNCTIONS[name]
    class_name = spec.canonical(name)
    if spec.LAYERS[class_name].converts == "ours" and converter.ours(class_name):
        return converter.ours(class_name)
    return _adapter(class_name)  # (a record of ours whose layer is missing: its call says so)


def names(keras1_module):
    """The layer names `keras1_module` exports in Keras 1.2.2 (abstract bases and models
    left out): its public names (`keras1_signatures.MODULES`), else its records."""
    short = keras1_module.rsplit(".", 1)[-1]
    public = signatures.MODULES.get(keras1_module) or [
        n for layer in spec.LAYERS.values() if layer.module == short
        for n in (layer.name, *layer.aliases)]
    return tuple(n for n in public if n in FUNCTIONS or spec.canonical(n) in spec.LAYERS)


_MADE = {}


def exports(keras1_module):
    """{name: class or function} of the module that mirrors `keras1_module`. Each Keras 1
    class is made once, so every module holds the same object for it."""
    out = {}
    for name in names(keras1_module):
        key = spec.canonical(name) if name not in FUNCTIONS else name
        if key not in _MADE:
            _MADE[key] = _object(key)
        out[name] = _MADE[key]
    return out

