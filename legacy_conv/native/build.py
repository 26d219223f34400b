"""`target='native'`: the same model from Keras 3 built-in layers only, numerically identical.

`weight_plan(model)` walks a built legacy model (Sequential or functional, nested models
included) node by node and builds its native twin with `native_layers`' handlers; the plan
holds that model and how each native weight comes from a legacy one (kernel layouts,
Theano flips, the Dense-after-Flatten row permutation). `modernize` runs the plan and
copies the weights; `to_native` returns the native model's config; `load_model(...,
target='native')` loads the file into the legacy model, then modernizes it.

A channels-first ('th') model keeps its contract (channels-first arrays in and out) but
runs channels-last inside: a Permute where a channels-first tensor enters a spatial layer,
and one back only where the legacy order matters (a model output, a layer that depends on
the axis order, a Flatten that feeds anything but Dense); see `native_layout`.
"""

import keras

from legacy_conv import initializers
from legacy_conv.errors import ConversionError
from legacy_conv.load import _host_memory
from legacy_conv.native.converter import Converter

def weight_plan(model, keep_legacy=False):
    """The `NativePlan` of a built legacy `keras.Model` (weights not copied yet).

    `plan.model` is the native model, `plan.transfer()` fills it from the legacy model's
    current weights. Within `_host_memory.zero_filled()` (see `transferred`) the native
    layers that `transfer` fills are built without drawing initial values.
    """
    return Converter(model, keep_legacy).run()


def transferred(model, keep_legacy=False):
    """(the native twin of `model` with its weights, its `NativePlan`): no initial value is
    drawn and each weight is copied once, into the native variable's memory."""
    with _host_memory.zero_filled():
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
    from legacy_conv import loading  # which imports this module

    if keep_legacy is None:
        keep_legacy = getattr(ctx, "keep_legacy", False)
    model = loading.build(legacy_config, ctx.custom_objects, values=False)

    def plan():
        with keras.saving.custom_object_scope(ctx.custom_objects):
            return weight_plan(model, keep_legacy)
    try:
        plan = initializers.shapes_only(plan)
    except ConversionError:
        raise
    except Exception as error:  # noqa: BLE001 — Keras raises many types; report one.
        message = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
        raise ConversionError(f"could not be built in Keras 3: {message}",
                              field="model") from error
    ctx.native_notes, ctx.native_kept = plan.notes, plan.kept  # for reports
    return keras.saving.serialize_keras_object(plan.model)
