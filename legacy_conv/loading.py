"""The public entry points for Keras 1 model files: configs, JSON, HDF5 models and weights."""

from legacy_conv.load import compile as compile_step
from legacy_conv.load import hdf5
from legacy_conv.load import stages
from legacy_conv.load.stages import build  # noqa: F401 — `loading.build`, as before
from legacy_conv.load.stages import check_fits  # noqa: F401
from legacy_conv.errors import ConversionError

TARGETS = stages.TARGETS


def convert_config(config, target="legacy", keras1_backend=None, image_dim_ordering=None,
                   custom_objects=None, keep_legacy=False):
    """A Keras 1 model config (dict or JSON string) → a Keras 3 model config dict.

    `keras.models.model_from_json(json.dumps(result))` loads the result (with
    `legacy_conv` imported). `target='legacy'` uses this package's exact layers where Keras 3
    has no exact equivalent; `target='native'` uses only Keras 3 built-in layers.
    `keras1_backend` ('tensorflow' or 'theano', None for the package default) is the backend
    the model was trained with: Keras 1 files do not record it. With `target='native'`, a
    layer that no built-in reproduces exactly raises a ConversionError naming it, unless
    `keep_legacy=True` keeps this package's layer there. `load_weights(model, file,
    keras1_config=config)` loads Keras 1 weights into the native model that Keras builds
    from the result.
    """
    ctx = stages.context(target, keras1_backend, custom_objects, image_dim_ordering,
                         keep_legacy)
    legacy = stages.convert(config, ctx)
    return legacy if ctx.target == "legacy" else stages.native_config(legacy, ctx)


def _from_text(config, ctx):
    """The model of a parsed Keras 1 config; a native one remembers its Keras 1 origin (for
    `load_weights`), and both the release the config records (`model.keras1_version`)."""
    version = stages.keras_version(config)
    legacy = stages.convert(config, ctx)
    if ctx.target == "legacy":
        model = stages.build(legacy, ctx.custom_objects)
    else:
        model = stages.remember(stages.build(stages.native_config(legacy, ctx),
                                             ctx.custom_objects), legacy, ctx, version)
    model.keras1_version = version  # for weight files that record none
    return model


def model_from_json(json_string, target="legacy", keras1_backend=None, custom_objects=None,
                    image_dim_ordering=None, keep_legacy=False):
    """A `keras.Model` from a Keras 1 `model.to_json()` string (weights not loaded).

    `load_weights(model, file)` then loads a Keras 1 weights file into it, for either
    target (a native model remembers the Keras 1 config it comes from).
    """
    return _from_text(json_string, stages.context(target, keras1_backend, custom_objects,
                                                  image_dim_ordering, keep_legacy))


def model_from_yaml(yaml_string, target="legacy", keras1_backend=None, custom_objects=None,
                    image_dim_ordering=None, keep_legacy=False):
    """A `keras.Model` from a Keras 1 `model.to_yaml()` string (weights not loaded).

    Keras 1's `!!python/tuple` tags are read as lists; no other Python object is ever built.
    """
    ctx = stages.context(target, keras1_backend, custom_objects, image_dim_ordering,
                         keep_legacy)
    return _from_text(stages.parse_yaml(yaml_string), ctx)


def load_model(filepath, target="legacy", keras1_backend=None, custom_objects=None,
               compile=True, image_dim_ordering=None, keep_legacy=False):
    """A `keras.Model` with its weights from a Keras 1 `model.save()` HDF5 file.

    With `compile=True` the model is compiled from the file's training config, where it
    has one, with Keras 1's meanings, and its optimizer holds the file's state
    (`optimizer_weights`): training resumes where Keras 1 stopped. `target='legacy'`:
    Keras 1's optimizers, objectives and metrics (`legacy_conv.keras1`, as
    `legacy_conv.keras1.models.load_model`); `target='native'`: Keras 3 built-ins only, where
    one computes Keras 1's update, loss and metric (else a ConversionError names them:
    load with `compile=False`, or `target='legacy'`).
    With `target='native'` the model is the one `legacy_conv.modernize` gives, its weights
    read from the file straight into its layouts (no legacy copy of them is held).
    """
    ctx = stages.context(target, keras1_backend, custom_objects, image_dim_ordering,
                         keep_legacy)
    stages.refuse_text_model(filepath)
    with hdf5.Keras1File(filepath) as k1file:
        k1file.prefetch()
        try:
            stages.refuse_newer(None, k1file.keras_version, "model_config")
            model = stages.loaded(k1file, ctx)
            if compile:
                compile_step.compile_model(model, k1file.training_config(), k1file.path,
                                           ctx.target)
        except ConversionError as error:
            raise error.located(file=str(filepath)) from None
    return model


def load_weights(model, filepath, keras1_backend=None, keras_version=None,
                 keras1_config=None, custom_objects=None, image_dim_ordering=None):
    """Loads a Keras 1 weights file (or a Keras 1 model file's weights) into `model`.

    Args:
        model: built from a converted config (`model_from_json`, `model_from_yaml`,
            `convert_config`), or from this package's layers in code. Layers are matched
            by name (and by order where the names do not match). A native model
            (`target='native'`) gets the weights through the legacy model it comes from:
            `model_from_json`/`model_from_yaml` remember it; for a model that Keras built
            from `convert_config(..., target='native')`, pass `keras1_config`.
        filepath: a Keras 1 `model.save_weights()` or `model.save()` HDF5 file.
        keras1_backend: 'tensorflow' or 'theano', the backend that trained the weights
            (None: the one the model was converted for, else the package default).
        keras_version: the Keras release that wrote the file, for files that do not record
            it (weights files rarely do): BatchNormalization weights of 1.0.0–1.0.7 mean
            something else (by backend). By default the release that the model's Keras 1
            config records.
        keras1_config: the Keras 1 `model.to_json()` text (or its dict) that a native model
            was converted from; `custom_objects` and `image_dim_ordering` as given to
            `convert_config` then.

    Returns:
        `model`, its weights Keras 1's.

    Raises:
        ConversionError: naming the file, the layer and the weight that do not fit; for a
            native model without a remembered origin or `keras1_config`, saying to pass it.
    """
    origin = stages.origin(model, keras1_config, keras1_backend, custom_objects,
                           image_dim_ordering)
    keras_version = keras_version or getattr(model, "keras1_version", None)
    with hdf5.Keras1File(filepath) as k1file:
        try:
            if origin is not None:
                stages.fill_native(model, k1file, origin, keras_version)
            else:
                stages.refuse_native_layout(model, k1file)
                k1file.load_into(model, stages.context("legacy", keras1_backend),
                                 keras_version)
        except ConversionError as error:
            raise error.located(file=str(filepath)) from None
    return model
