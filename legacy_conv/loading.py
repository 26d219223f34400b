"""The public entry points for Keras 1 model files: configs, JSON, HDF5 models and weights."""

import json

import keras

from legacy_conv.conversion import hdf5
from legacy_conv.conversion import model_config
from legacy_conv.conversion import training
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


def _convert(config, ctx, source="config", keras_version=None):
    parsed = model_config.parse(config, source)
    result = model_config.convert(parsed, ctx, keras_version)
    if ctx.target == "native":
        from legacy_conv.conversion import native
        result = native.to_native(result, ctx)
    return result


def convert_config(config, target="legacy", keras1_backend=None, image_dim_ordering=None,
                   custom_objects=None):
    """A Keras 1 model config (dict or JSON string) → a Keras 3 model config dict.

    `keras.models.model_from_json(json.dumps(result))` loads the result (with
    `legacy_conv` imported). `target='legacy'` uses this package's exact layers where Keras 3
    has no exact equivalent; `target='native'` uses only Keras 3 built-in layers.
    `keras1_backend` ('tensorflow' or 'theano', None for the package default) is the backend
    the model was trained with: Keras 1 files do not record it.
    """
    ctx = _context(target, keras1_backend, custom_objects, image_dim_ordering)
    return _convert(config, ctx)


def build(keras3_config, custom_objects=None, source=None):
    """A Keras 3 model from a converted config; any failure becomes a ConversionError."""
    try:
        return keras.models.model_from_json(json.dumps(keras3_config),
                                            custom_objects=custom_objects)
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
        raise ConversionError(f"could not be built in Keras 3: {message}",
                              file=source) from error


def model_from_json(json_string, target="legacy", keras1_backend=None, custom_objects=None,
                    image_dim_ordering=None):
    """A `keras.Model` from a Keras 1 `model.to_json()` string (weights not loaded)."""
    ctx = _context(target, keras1_backend, custom_objects, image_dim_ordering)
    return build(_convert(json_string, ctx), ctx.custom_objects)


def model_from_yaml(yaml_string, target="legacy", keras1_backend=None, custom_objects=None,
                    image_dim_ordering=None):
    """A `keras.Model` from a Keras 1 `model.to_yaml()` string (weights not loaded).

    Keras 1's `!!python/tuple` tags are read as lists; no other Python object is ever built.
    """
    ctx = _context(target, keras1_backend, custom_objects, image_dim_ordering)
    return build(_convert(model_config.parse_yaml(yaml_string), ctx), ctx.custom_objects)


def load_model(filepath, target="legacy", keras1_backend=None, custom_objects=None,
               compile=True, image_dim_ordering=None):
    """A `keras.Model` with its weights from a Keras 1 `model.save()` HDF5 file.

    With `compile=True` the model is compiled from the file's training config (loss,
    metrics, loss weights and optimizer, with Keras 1's meanings) where it has one.
    """
    ctx = _context(target, keras1_backend, custom_objects, image_dim_ordering)
    with hdf5.Keras1File(filepath) as k1file:
        try:
            config = k1file.model_config()
            ctx.weight_shapes = k1file.weight_shapes()
            keras3_config = _convert(config, ctx, "model_config", k1file.keras_version)
            model = build(keras3_config, ctx.custom_objects)
            k1file.load_into(model, ctx)
            if compile and k1file.training_config() is not None:
                training.compile_from(model, k1file.training_config())
        except ConversionError as error:
            raise error.located(file=str(filepath)) from None
    return model


def load_weights(model, filepath, keras1_backend=None):
    """Loads a Keras 1 weights file (or a Keras 1 model file's weights) into `model`.

    `model` is built from a converted config or from this package's layers in code; layers
    are matched by name (and by order where the names do not match).
    """
    ctx = _context("legacy", keras1_backend)
    with hdf5.Keras1File(filepath) as k1file:
        try:
            k1file.load_into(model, ctx)
        except ConversionError as error:
            raise error.located(file=str(filepath)) from None
    return model
