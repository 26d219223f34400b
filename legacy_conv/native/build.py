"""`target='native'`: the same model from Keras 3 built-in layers only, numerically identical.

`weight_plan(model)` walks a built legacy model (Sequential or functional, nested models
included) node by node and builds its native twin with the `handlers/`; the plan
holds that model and how each native weight comes from a legacy one (kernel layouts,
Theano flips, the Dense-after-Flatten row permutation). `modernize` runs the plan and
copies the weights; `to_native` returns the native model's config (`serialized`);
`load_model(..., target='native')` builds the legacy model without values and fills the
native model from the file through the plan, one legacy layer at a time (`load.stages`);
`plan_onto` aims the plan at a native model that Keras built from such a config
(`load_weights` of a native model).

A channels-first ('th') model keeps its contract (channels-first arrays in and out) but
runs channels-last inside: a Permute where a channels-first tensor enters a spatial layer,
and one back only where the legacy order matters (a model output, a layer that depends on
the axis order, a Flatten that feeds anything but Dense); see `layout`.
"""

import copy

import keras

from legacy_conv import initializers
from legacy_conv.errors import ConversionError
from legacy_conv.load import fill
from legacy_conv.native.converter import Converter


def weight_plan(model, keep_legacy=False):
    """The `NativePlan` of a built legacy `keras.Model` (weights not copied yet).

    `plan.model` is the native model, `plan.transfer()` fills it from the legacy model's
    current weights. Within `fill.filling()` (see `transferred`) the native
    layers that `transfer` fills are built without drawing initial values.
    """
    return Converter(model, keep_legacy).run()


def transferred(model, keep_legacy=False):
    """(the native twin of `model` with its weights, its `NativePlan`): no initial value is
    drawn and each weight is copied once, into the native variable's memory."""
    with fill.filling():
        plan = weight_plan(model, keep_legacy)
        return plan.transfer(), plan


def modernize(model, keep_legacy=False):
    """A built legacy model → the same model of Keras 3 built-in layers, weights copied.

    Args:
        model: a built Sequential or functional `keras.Model` (from `load_model`,
            `model_from_json`, or this package's layers in code); nested models included.
        keep_legacy: bool; where no built-in is exact, keep this package's layer instead of
            raising.

    Returns:
        A new `keras.Model` (Sequential where the source is one and the native form is a
        chain) with the same inputs, outputs and output names, predicting the same
        numbers; its `.keras` file loads without `legacy_conv`.

    Raises:
        ConversionError: naming every layer without an exact built-in form (and why).

    Example:

    >>> import keras, legacy_conv
    >>> from legacy_conv.native import modernize
    >>> legacy = keras.Sequential([keras.Input((3, 8, 8)),
    ...     legacy_conv.Convolution2D(4, 3, 3, dim_ordering="th")])
    >>> [type(layer).__name__ for layer in modernize(legacy).layers]
    ['Permute', 'Conv2D', 'Permute']
    """
    return transferred(model, keep_legacy)[0]


def to_native(legacy_config, ctx, keep_legacy=None):
    """A converted legacy Keras 3 model config → a config of Keras 3 built-ins only.

    Both models are built without values (`initializers.shapes_only`): nothing is allocated
    whatever the weights' sizes. `keep_legacy=None` takes `ctx.keep_legacy` (False where
    unset).
    """
    from legacy_conv.load import stages  # which imports this module

    if keep_legacy is None:
        keep_legacy = getattr(ctx, "keep_legacy", False)
    model = stages.build(legacy_config, ctx.custom_objects, values=False)
    with keras.saving.custom_object_scope(ctx.custom_objects):
        plan = shapes_only_plan(model, keep_legacy)
    # for reports: what is not exact in training, the layers kept, each native layer's origin
    ctx.native_notes, ctx.native_kept = plan.notes, plan.kept
    ctx.native_provenance = plan.provenance
    return serialized(plan.model, legacy_config)


def serialized(model, legacy_config):
    """The config of a native model of `legacy_config`, each Lambda keeping its legacy
    layer's function: one of `custom_objects` by its name, not the bytecode Keras writes for
    a Python lambda (which safe mode refuses to load)."""
    config = keras.saving.serialize_keras_object(model)
    functions = {layer.get("name"): layer.get("function") for layer in _lambdas(legacy_config)}
    functions.update((layer.get("name"), layer.get("mode")) for layer in _lambdas(
        legacy_config, "Merge") if isinstance(layer.get("mode"), dict))  # a function mode
    for layer in _lambdas(config):
        if functions.get(layer.get("name")) is not None:
            layer["function"] = functions[layer["name"]]
    return config


def _lambdas(config, class_name="Lambda"):
    """The config of each Lambda (or `class_name`) layer in a model config, nested models'
    too."""
    if isinstance(config, dict):
        if config.get("class_name") == class_name and isinstance(config.get("config"), dict):
            yield config["config"]
        for value in config.values():
            yield from _lambdas(value, class_name)
    elif isinstance(config, list):
        for value in config:
            yield from _lambdas(value, class_name)


def shapes_only_plan(model, keep_legacy):
    """`weight_plan(model)`, its native model built without values."""
    try:
        return initializers.shapes_only(lambda: weight_plan(model, keep_legacy))
    except ConversionError:
        raise
    except Exception as error:  # noqa: BLE001 — Keras raises many types; report one.
        message = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
        raise ConversionError(f"could not be built in Keras 3: {message}",
                              field="model") from error


def plan_onto(model, legacy, keep_legacy=False):
    """The `NativePlan` of `legacy` (a built legacy model, with or without values) onto
    `model`, which Keras built from `to_native`'s config of `legacy`'s config: the plan,
    made without values, with `model`'s layers (matched one to one, nested models'
    included) in place of its own; `plan.fill` then fills `model`.

    Raises:
        ConversionError: where `model` is not the native form of `legacy` (naming the first
            layer that differs).
    """
    plan = shapes_only_plan(legacy, keep_legacy)
    ours, planned = list(layers_in(model)), list(layers_in(plan.model))
    for index in range(max(len(ours), len(planned))):
        mine, theirs = (_label(layers, index) for layers in (ours, planned))
        if mine != theirs:
            raise ConversionError(
                f"the model is not the native form of its Keras 1 config: its layer {index} "
                f"is {mine}, the config's native model has {theirs}",
                hint="Pass the Keras 1 config that the model was converted from")
    twin = {id(theirs): mine for mine, theirs in zip(ours, planned)}
    onto = copy.copy(plan)
    onto.model = model
    onto.transfers = [(twin[id(native)], source, fn) for native, source, fn in plan.transfers]
    return onto


def layers_in(model):
    """A model's layers, each nested model's right after it, in order."""
    for layer in model.layers:
        yield layer
        if isinstance(layer, keras.Model):
            yield from layers_in(layer)


def _label(layers, index):
    if index >= len(layers):
        return "nothing"
    return f'"{layers[index].name}" ({type(layers[index]).__name__})'
