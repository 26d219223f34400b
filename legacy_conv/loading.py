"""The public entry points for Keras 1 model files: configs, JSON, HDF5 models and weights."""

import contextlib
import functools
import json
import math

import keras

from legacy_conv.load import _host_memory
from legacy_conv import initializers
from legacy_conv.load import hdf5
from legacy_conv.convert import model_config
from legacy_conv.convert import training
from legacy_conv.errors import ConversionError

TARGETS = ("legacy", "native")


def _context(target, keras1_backend, custom_objects=None, image_dim_ordering=None):
    if target not in TARGETS:
        raise ConversionError("must be 'legacy' or 'native'", field="target", value=target)
    if image_dim_ordering not in (None, "th", "tf"):
        raise ConversionError("must be 'th', 'tf' or None", field="image_dim_ordering",
                              value=image_dim_ordering)
    try:
        return model_config.Context(target, keras1_backend, custom_objects,
                                    image_dim_ordering)
    except ValueError as error:
        raise ConversionError(str(error)) from None


def _convert(config, ctx, source="config", keras_version=None, native_config=True):
    parsed = model_config.parse(config, source)
    result = model_config.convert(parsed, ctx, keras_version)
    if ctx.target == "native" and native_config:
        from legacy_conv import native
        result = native.to_native(result, ctx)
    return result


def _keep_legacy(ctx, keep_legacy):
    """`keep_legacy` (target='native' only): keep our layer where no built-in is exact."""
    if keep_legacy and ctx.target != "native":
        raise ConversionError("applies only with target='native'", field="keep_legacy",
                              value=keep_legacy)
    ctx.keep_legacy = bool(keep_legacy)
    return ctx


def convert_config(config, target="legacy", keras1_backend=None, image_dim_ordering=None,
                   custom_objects=None, keep_legacy=False):
    """A Keras 1 model config (dict or JSON string) → a Keras 3 model config dict.

    `keras.models.model_from_json(json.dumps(result))` loads the result (with
    `legacy_conv` imported). `target='legacy'` uses this package's exact layers where Keras 3
    has no exact equivalent; `target='native'` uses only Keras 3 built-in layers.
    `keras1_backend` ('tensorflow' or 'theano', None for the package default) is the backend
    the model was trained with: Keras 1 files do not record it. With `target='native'`, a
    layer that no built-in reproduces exactly raises a ConversionError naming it, unless
    `keep_legacy=True` keeps this package's layer there.
    """
    ctx = _keep_legacy(_context(target, keras1_backend, custom_objects, image_dim_ordering),
                       keep_legacy)
    return _convert(config, ctx)


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


def model_from_json(json_string, target="legacy", keras1_backend=None, custom_objects=None,
                    image_dim_ordering=None, keep_legacy=False):
    """A `keras.Model` from a Keras 1 `model.to_json()` string (weights not loaded)."""
    ctx = _keep_legacy(_context(target, keras1_backend, custom_objects, image_dim_ordering),
                       keep_legacy)
    return _remember_version(build(_convert(json_string, ctx), ctx.custom_objects), json_string)


def _remember_version(model, config):
    """Keeps the config's `keras_version` on the model, for weight files that lack one."""
    try:
        model.keras1_version = model_config.parse(config).get("keras_version")
    except ConversionError:
        pass
    return model


def model_from_yaml(yaml_string, target="legacy", keras1_backend=None, custom_objects=None,
                    image_dim_ordering=None, keep_legacy=False):
    """A `keras.Model` from a Keras 1 `model.to_yaml()` string (weights not loaded).

    Keras 1's `!!python/tuple` tags are read as lists; no other Python object is ever built.
    """
    ctx = _keep_legacy(_context(target, keras1_backend, custom_objects, image_dim_ordering),
                       keep_legacy)
    config = model_config.parse_yaml(yaml_string)
    return _remember_version(build(_convert(config, ctx), ctx.custom_objects), config)


@contextlib.contextmanager
def loading_from(k1file):
    """Within it, a model is built without drawing initial values (every weight will come
    from `k1file`, an open `hdf5.Keras1File`) while a thread reads the file's weights;
    yields `load(model, ctx, keras_version=None)`, which assigns them to the model."""
    with initializers.skip_random_draws(), k1file.read_ahead() as reader:
        yield functools.partial(k1file.load_into, wait=reader.finish)


def load_model(filepath, target="legacy", keras1_backend=None, custom_objects=None,
               compile=True, image_dim_ordering=None, keep_legacy=False):
    """A `keras.Model` with its weights from a Keras 1 `model.save()` HDF5 file.

    With `compile=True` the model is compiled from the file's training config (loss,
    metrics, loss weights and optimizer, with Keras 1's meanings) where it has one.
    With `target='native'` the file is loaded into the legacy model, which is then
    modernized (`legacy_conv.modernize`): one path for the weights of both targets.
    """
    ctx = _keep_legacy(_context(target, keras1_backend, custom_objects, image_dim_ordering),
                       keep_legacy)
    with hdf5.Keras1File(filepath) as k1file:
        k1file.prefetch()
        try:
            config = k1file.model_config()
            with loading_from(k1file) as load_weights_into:
                ctx.weight_shapes = k1file.weight_shapes()
                keras3_config = _convert(config, ctx, "model_config", k1file.keras_version,
                                         native_config=False)
                model = build(keras3_config, ctx.custom_objects)
                load_weights_into(model, ctx)
            if ctx.target == "native":
                from legacy_conv import native
                with keras.saving.custom_object_scope(ctx.custom_objects):
                    model = native.modernize(model, keep_legacy=keep_legacy)
            if compile and k1file.training_config() is not None:
                training.compile_from(model, k1file.training_config())
        except ConversionError as error:
            raise error.located(file=str(filepath)) from None
    return model


def load_weights(model, filepath, keras1_backend=None, keras_version=None):
    """Loads a Keras 1 weights file (or a Keras 1 model file's weights) into `model`.

    `model` is built from a converted config or from this package's layers in code; layers
    are matched by name (and by order where the names do not match). `keras_version` is the
    Keras release that wrote the file, for files that do not record it (weights files rarely
    do): BatchNormalization weights of 1.0.0–1.0.7 mean something else (by backend). By
    default it is the release recorded by the JSON the model came from (`model_from_json`).
    """
    ctx = _context("legacy", keras1_backend)
    keras_version = keras_version or getattr(model, "keras1_version", None)
    with hdf5.Keras1File(filepath) as k1file:
        try:
            k1file.load_into(model, ctx, keras_version)
        except ConversionError as error:
            raise error.located(file=str(filepath)) from None
    return model
