"""The stages of loading a Keras 1 model, in order, for `legacy_conv.loading` and the CLI.

1. `context`: the options checked (target, backend, orderings, custom objects);
2. `convert`: a Keras 1 config (dict, JSON text, parsed YAML) → the legacy Keras 3 config;
   `native_config`: that → a config of Keras 3 built-ins (built without values);
3. `build`: the model of a converted config, with values or shapes only (`check_fits`);
4. `loading_from(k1file)`: build within it and fill the weights from the file;
   `filled`: the model of a converted config in either target with its weights from a
   file (`loaded`: of a `model.save()` file), for `load_model` and the CLI alike;
5. `to_target`: the legacy model itself, or its native twin with the weights copied.

A native model never needs its legacy twin's weights: the twin is built without values and
each of its layers' weights goes from the file through the native plan into the native
variables: `filled` for `load_model` and the CLI, `fill_native` for a native model built
from a config, which remembers its Keras 1 origin (`remember`).
"""

import collections
import contextlib
import functools
import json
import math
import weakref

import keras

from legacy_conv import initializers
from legacy_conv import native
from legacy_conv.convert import layer_rules
from legacy_conv.convert import model_config
from legacy_conv.errors import ConversionError
from legacy_conv.load import _host_memory
from legacy_conv.native.build import layers_in
from legacy_conv.native.build import plan_onto
from legacy_conv.native.build import serialized
from legacy_conv.native.build import shapes_only_plan
from legacy_conv.spec import merge as merge_spec

TARGETS = ("legacy", "native")


# -- 1. options ------------------------------------------------------------------------------
def context(target, keras1_backend, custom_objects=None, image_dim_ordering=None,
            keep_legacy=False):
    """A checked `model_config.Context`; `keep_legacy` (target='native' only): keep our
    layer where no built-in is exact."""
    if target not in TARGETS:
        raise ConversionError("must be 'legacy' or 'native'", field="target", value=target)
    if image_dim_ordering not in (None, "th", "tf"):
        raise ConversionError("must be 'th', 'tf' or None", field="image_dim_ordering",
                              value=image_dim_ordering)
    if keep_legacy and target != "native":
        raise ConversionError("applies only with target='native'", field="keep_legacy",
                              value=keep_legacy)
    try:
        ctx = model_config.Context(target, keras1_backend, custom_objects, image_dim_ordering)
    except ValueError as error:
        raise ConversionError(str(error)) from None
    ctx.keep_legacy = bool(keep_legacy)
    return ctx


# -- 2. configs ------------------------------------------------------------------------------
def convert(config, ctx, source="config", keras_version=None):
    """A Keras 1 model config → the legacy Keras 3 config (whatever `ctx.target`)."""
    try:
        parsed = model_config.parse(config, source)
    except ConversionError:  # e.g. Keras 3's 'Functional', no Keras 1 class
        refuse_newer(_parsed_or_none(config), None, source)
        raise
    refuse_newer(parsed, keras_version, source)
    return model_config.convert(parsed, ctx, keras_version)


def _parsed_or_none(config):
    if isinstance(config, str) and len(config) <= model_config.MAX_TEXT:
        try:
            return json.loads(config)
        except (ValueError, RecursionError):
            return None
    return config if isinstance(config, dict) else None


# The first bytes of an HDF5 file and of a zip (a Keras 3 .keras file); a JSON text's.
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
ZIP_SIGNATURE = b"PK\x03\x04"
JSON_STARTS = (b"{", b'"')


def refuse_text_model(path):
    """Refuses a file for `load_model` that is no HDF5 file but a Keras 1 JSON or YAML
    config (saying which function reads it) or a .keras file (Keras 3's)."""
    try:
        with open(path, "rb") as f:
            head = f.read(64)
    except OSError:
        return  # `hdf5.Keras1File` says what is wrong with it
    if head.startswith(HDF5_SIGNATURE):
        return
    if head.startswith(ZIP_SIGNATURE):
        refuse_newer({"module": "keras"}, None, "keras", file=str(path))
    reader = "model_from_json" if head.lstrip()[:1] in JSON_STARTS else \
        "model_from_yaml" if str(path).lower().endswith((".yaml", ".yml")) else None
    if reader:
        raise ConversionError(
            "is a model config, not a model.save() HDF5 file", file=str(path),
            hint=f"Read it with legacy_conv.{reader}(text), and its weights with "
                 "legacy_conv.load_weights(model, weights_file)")


# What opens a file that needs no conversion, by where its config came from.
OPENERS = {"model_config": "keras.models.load_model", "keras": "keras.models.load_model"}


def refuse_newer(config, keras_version, source="config", file=None):
    """Refuses a config (or HDF5 file, `source='model_config'`; `.keras` file: 'keras')
    that Keras 2 or 3 wrote (its `keras_version` 2.x or later; a Keras 3 config, which
    records none, by its 'module' key): Keras itself opens it."""
    version = keras_version or (config.get("keras_version") if isinstance(config, dict)
                                else None)
    major = str(version).split(".")[0]
    if major.isdigit() and int(major) >= 2:
        writer = f"Keras {version}"
    elif isinstance(config, dict) and isinstance(config.get("module"), str):
        writer = "Keras 3"
    else:
        return
    opener = OPENERS.get(source, "keras.models.model_from_json")
    raise ConversionError(f"was written by {writer}, not Keras 1, and needs no conversion",
                          file=file, hint=f"{opener} opens it")


def native_config(legacy_config, ctx):
    """The legacy Keras 3 config → the config of Keras 3 built-ins (`native.to_native`)."""
    return native.to_native(legacy_config, ctx)


def parse_yaml(text, source="yaml"):
    """A Keras 1 `model.to_yaml()` text → its config (`model_config.parse_yaml`)."""
    return model_config.parse_yaml(text, source)


def keras_version(config):
    """The `keras_version` a Keras 1 config records, else None."""
    try:
        return model_config.parse(config).get("keras_version")
    except ConversionError:
        return None


# -- 3. models -------------------------------------------------------------------------------
def _from_config(config, custom_objects, in_order=False):
    """`keras.models.model_from_json`, except that a Sequential model is built once.

    Keras's `Sequential.from_config` adds the layers one at a time and rebuilds the whole
    model after each: 300 layer calls for a VGG16, 500,000 for 1,000 layers. Here each layer
    is deserialized and, with `in_order` (initial values will be drawn), then called once,
    in the same order (so seeds are drawn in the same order too), and `keras.Sequential`
    calls them once more to build the model. Where no initial value is drawn (the weights
    come from a file, or only the structure is needed) `keras.Sequential`'s call is the only
    one.
    """
    inner = config.get("config")
    if config.get("class_name") != "Sequential" or config.get("module") != "keras" or \
            set(config) - {"module", "class_name", "config", "registered_name"} or \
            not isinstance(inner, dict) or set(inner) - {"name", "trainable", "layers"}:
        return keras.models.model_from_json(json.dumps(config), custom_objects=custom_objects)
    layers, x = [], None
    try:
        with keras.saving.custom_object_scope(custom_objects or {}):
            for layer_config in inner["layers"]:
                layers.append(keras.saving.deserialize_keras_object(
                    layer_config, custom_objects=custom_objects))
                if isinstance(layers[0], keras.layers.InputLayer) and len(layers) > 1 and \
                        in_order:
                    with keras.name_scope(inner["name"]):  # as inside Sequential.build
                        x = layers[-1](layers[0].output if x is None else x)
            return keras.Sequential(layers, name=inner["name"])
    except Exception:  # noqa: BLE001 — Keras's own path then fails exactly as it would have
        return keras.models.model_from_json(json.dumps(config), custom_objects=custom_objects)


def build(keras3_config, custom_objects=None, source=None, values=True):
    """A Keras 3 model from a converted config; any failure becomes a ConversionError.

    `values=False`: its variables have shapes and no values (`initializers.shapes_only`:
    for configs, parameter counts and native plans, whatever the sizes). Otherwise no value
    is allocated before all the weights are known to fit in memory (`check_fits`).
    """
    try:
        make = functools.partial(_from_config, json.loads(json.dumps(keras3_config)),
                                 custom_objects, values and not initializers.skipping())
        if not values:
            return initializers.shapes_only(make)
        return initializers.with_values(make, functools.partial(check_fits, source=source))
    except ConversionError:
        raise
    except Exception as error:  # noqa: BLE001 — Keras raises many types; report one.
        root = error
        while root.__cause__ is not None or root.__context__ is not None:
            root = root.__cause__ or root.__context__
        if isinstance(root, ConversionError):
            raise root.located(file=source) from None
        text = str(root).strip()
        message = text.splitlines()[0] if text else type(root).__name__
        raise ConversionError(f"could not be built in Keras 3: {message}", file=source,
                              layer=_culprit(keras3_config, custom_objects)) from error


def _weights_by_layer(model):
    """(layer, variable) over a built model's weights, nested models' by their own layers."""
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            yield from _weights_by_layer(layer)
        else:
            yield from ((layer, variable) for variable in layer.weights)


def _bytes(count):
    return f"{count} bytes ({count / (1 << 30):.1f} GiB)"


def check_fits(model, source=None):
    """Refuses `model` (built without values) if its weights need more memory than this
    process can take (`_host_memory.limit`), naming its largest weight, before any value is
    allocated (else TensorFlow would fail with ResourceExhaustedError after a long time).
    Drawing an initial value takes about twice its size again in temporaries (a draw, then
    scaled); weights read from a file (`initializers.skipping`) take none."""
    import tensorflow as tf

    limit = _host_memory.limit()
    if limit is None:
        return
    total, largest = 0, None
    for layer, variable in _weights_by_layer(model):
        size = math.prod(int(d) for d in variable.shape) * tf.as_dtype(variable.dtype).size
        total += size
        if largest is None or size > largest[0]:
            largest = (size, layer, variable)
    if largest is None:
        return
    size, layer, variable = largest
    drawing = 0 if initializers.skipping() else 2 * size
    available, what = limit
    if total + drawing <= available:
        return
    name = variable.path.split(f"{layer.name}/", 1)[-1]
    draws = f" and {_bytes(drawing)} to draw it" if drawing else ""
    raise ConversionError(
        f"of shape {tuple(int(d) for d in variable.shape)} ({variable.dtype}) needs "
        f"{_bytes(size)}{draws}; the model needs {_bytes(total + drawing)} in all, more than "
        f"the {_bytes(available)} this process can take ({what})", file=source,
        layer=f'"{layer.name}" ({type(layer).__name__})', field=name)


def _layer_configs(config):
    """The layer configs of a converted model config (its own, not its nested models')."""
    inner = config.get("config") if isinstance(config, dict) else None
    layers = inner.get("layers") if isinstance(inner, dict) else None
    return layers if isinstance(layers, list) else []


def _culprit(keras3_config, custom_objects):
    """'"name" (Class)' of the innermost layer Keras 3 refuses to construct, else None (on a
    failure only: Keras' message does not say which layer it was)."""
    for layer in _layer_configs(keras3_config):
        inner = _culprit(layer, custom_objects)
        if inner is not None:
            return inner
        try:
            with keras.saving.custom_object_scope(custom_objects or {}):
                keras.saving.deserialize_keras_object(json.loads(json.dumps(layer)),
                                                      custom_objects=custom_objects)
        except Exception:  # noqa: BLE001 — this is the layer that fails; say which
            config = layer.get("config") or {}
            return f'"{config.get("name")}" ({layer.get("class_name")})'
    return None


# -- 4. weights ------------------------------------------------------------------------------
@contextlib.contextmanager
def loading_from(k1file):
    """Within it, a model is built without drawing initial values (every weight will come
    from `k1file`, an open `hdf5.Keras1File`) while a thread reads the file's weights;
    yields `load(model, ctx, keras_version=None)`, which fills its variables from the file."""
    with initializers.skip_random_draws(), k1file.read_ahead() as reader:
        yield functools.partial(k1file.load_into, wait=reader.finish)


def loaded(k1file, ctx):
    """The model of `k1file` (an open `hdf5.Keras1File` of a `model.save()` file) in
    `ctx.target` with its weights (`filled`)."""
    config, version = k1file.model_config(), k1file.keras_version
    ctx.weight_shapes = k1file.weight_shapes()
    return filled(convert(config, ctx, "model_config", version), k1file, ctx)[0]


def filled(legacy_config, k1file, ctx, source=None):
    """(model, plan): the model of a converted legacy config in `ctx.target` with the
    weights of `k1file` (an open `hdf5.Keras1File`, a model or a weights file), holding one
    copy of them: the legacy model filled while it is built (`loading_from`; plan None), or
    the native one filled from the file through its `NativePlan` (the legacy twin built
    without values). `source`: the file that build errors name (default `k1file`'s)."""
    source = source or k1file.path
    if ctx.target == "legacy":
        with loading_from(k1file) as load_weights_into:
            model = build(legacy_config, ctx.custom_objects, source=source)
            load_weights_into(model, ctx)
        return model, None
    legacy = build(legacy_config, ctx.custom_objects, source=source, values=False)
    with keras.saving.custom_object_scope(ctx.custom_objects), \
            initializers.skip_random_draws():
        check_fits(legacy, source)
        plan = native.weight_plan(legacy, ctx.keep_legacy)
        k1file.fill_native(plan, legacy, ctx)
    return plan.model, plan


# -- 5. the target ---------------------------------------------------------------------------
def to_target(model, ctx, values=True):
    """(model, plan): the legacy `model` itself and None, or (`ctx.target == 'native'`) its
    twin of Keras 3 built-ins and the `NativePlan` that made it; with `values` the weights
    are copied, else the twin has shapes only."""
    if ctx.target == "legacy":
        return model, None
    with keras.saving.custom_object_scope(ctx.custom_objects):
        if values:
            return native.transferred(model, ctx.keep_legacy)
        plan = shapes_only_plan(model, ctx.keep_legacy)
        return plan.model, plan


def target_config(legacy_config, model, plan):
    """The config of `to_target`'s (model, plan): the legacy config, or the native model's."""
    return legacy_config if plan is None else serialized(model, legacy_config)


# -- native models built from configs --------------------------------------------------------
# What a native model's Keras 1 weights need: the legacy config its twin is built from, the
# `Context` it was converted with, and the release the Keras 1 config records.
Origin = collections.namedtuple("Origin", "legacy_config ctx keras_version")

_ORIGINS = weakref.WeakKeyDictionary()  # native model -> Origin (nothing kept on the model)

# Keras 3 built-ins that a legacy config may hold; a model with any other built-in (Conv2D,
# ZeroPadding2D, ...) was made natively and needs its Keras 1 config to take Keras 1 weights.
LEGACY_BUILTINS = frozenset(
    {rule.keras3 for rule in layer_rules.RULES.values() if rule.keras3}
    | {keras3[0] for keras3 in merge_spec.KERAS3.values() if keras3}
    | {"InputLayer", "Lambda", "Sequential", "Functional"})


def remember(model, legacy_config, ctx, keras_version):
    """Keeps `model`'s Keras 1 origin (for `origin`); returns `model`."""
    _ORIGINS[model] = Origin(legacy_config, ctx, keras_version)
    return model


def origin(model, keras1_config=None, keras1_backend=None, custom_objects=None,
           image_dim_ordering=None):
    """The `Origin` of a native model: remembered, or from `keras1_config` (the Keras 1 JSON
    text or dict it was converted from); None for a legacy model. A model of built-ins that
    no legacy config gives, with neither, is refused, saying what to pass."""
    if keras1_config is not None:
        ctx = context("native", keras1_backend, custom_objects, image_dim_ordering,
                      keep_legacy=True)  # the same plan where nothing was kept
        return Origin(convert(keras1_config, ctx, "keras1_config"), ctx,
                      keras_version(keras1_config))
    found = _ORIGINS.get(model)
    if found is not None:
        if keras1_backend is not None and keras1_backend != found.ctx.keras1_backend:
            raise ConversionError(
                f"was made for Keras 1 on {found.ctx.keras1_backend!r}; its weights load "
                "for that backend only", field="keras1_backend", value=keras1_backend,
                hint="Build the model again for this backend")
        return found
    made = next((layer for layer in layers_in(model) if _made_natively(layer)), None)
    if made is not None:
        raise _native_without_origin(made, "is a Keras 3 built-in that only target='native' "
                                     "gives")
    return None


def _native_without_origin(layer, evidence):
    return ConversionError(
        f"{evidence}: the model is native, and Keras 1 weights need its Keras 1 config to "
        "reach it", layer=f'"{layer.name}" ({type(layer).__name__})', has_value=False,
        hint="Pass keras1_config=<the Keras 1 model.to_json() text or dict> to load_weights")


def refuse_native_layout(model, k1file):
    """Refuses a model (with no `Origin`) that holds a Permute the file does not list while
    every weighted layer is the file's by name: the layout change of a native 'th' model,
    whose Dense-after-Flatten rows would load in the wrong order."""
    listed = set(k1file.layer_names())
    layers = list(layers_in(model))
    added = next((layer for layer in layers if type(layer).__name__ == "Permute"
                  and layer.name not in listed), None)
    if added is not None and all(layer.name in listed for layer in layers if layer.weights):
        raise _native_without_origin(
            added, "is a Permute that the file does not list, in a model whose weighted "
            "layers it names (a channels-first model run channels-last)")


def _made_natively(layer):
    return type(layer).__module__.startswith("keras.") and \
        type(layer).__name__ not in LEGACY_BUILTINS


def fill_native(model, k1file, found, keras_version=None):
    """The native `model` filled from an open Keras 1 file of its `Origin`: the legacy twin
    is built without values and each of its layers' weights goes from the file through the
    native plan into `model`, straight into the variables' memory where their layout is the
    same (no copy of the weights is held)."""
    ctx, version = found.ctx, keras_version or found.keras_version
    legacy = build(found.legacy_config, ctx.custom_objects, source=k1file.path, values=False)
    with keras.saving.custom_object_scope(ctx.custom_objects):
        k1file.fill_native(plan_onto(model, legacy, ctx.keep_legacy), legacy, ctx, version)
    return model
