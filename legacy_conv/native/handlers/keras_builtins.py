"""Keras 3 built-ins in a legacy model: cloned, their axes and data formats following the layout."""

import keras
import numpy as np

from legacy_conv.native import layout as lay
from legacy_conv.native import objects as obj
from legacy_conv.native.plan import rearranging
from legacy_conv.spec.activations import kink_note
from legacy_conv.native.handlers._common import (
    _activation_layers, AXIS_ARGUMENT, _builtin_core, _chain, clone_builtin, ELEMENTWISE,
    handles, key_of, MERGES, Rows, _same_weights)


@handles(*ELEMENTWISE, *MERGES)
def elementwise(cv, layer, inputs, state):
    if getattr(layer, "noise_shape", None) is not None:
        return pass_through(cv, layer, inputs, state)
    layout = cv.common_layout(inputs)
    xs = [cv.to(v, layout) for v in inputs]
    native, after = _builtin_core(cv, layer, state)
    value = cv.call(native, xs if len(xs) > 1 else xs[0], layout, layer.name)
    return _chain(cv, value, after, layer.name)


@handles("Activation")
def activation(cv, layer, inputs, state):
    name = obj.activation_name(layer.activation)
    x = inputs[0]
    if name in obj.LAST_AXIS_ACTIVATIONS:
        x = cv.keep_last_axis(x)
    native, exact = obj.native_activation(layer.activation)
    if not exact and name == "hard_sigmoid":
        layers = cv.once(state, "core", lambda: _activation_layers(
            cv, layer, layer.activation, last_name=layer.name)[1])
        return _chain(cv, x, layers, layer.name)
    native_layer, after = _builtin_core(cv, layer, state)
    value = cv.call(native_layer, x, x.layout, layer.name)
    return _chain(cv, value, after, layer.name)


@handles("Dense")
def dense(cv, layer, inputs, state):
    x = inputs[0]
    if "layout" in state:
        x = cv.to(x, state["layout"])
    elif x.layout.unflat is None:
        x = cv.keep_last_axis(x)
    layout = state.setdefault("layout", x.layout)
    order = lay.feature_order(layout) if layout.unflat is not None else None

    def make():
        native, after = clone_builtin(cv, layer)
        if order is None:
            _same_weights(cv, layer, native)
        else:
            reordered = rearranging(lambda w: [Rows(w[0], order)] + list(w[1:]))
            cv.transfer(native, layer, reordered,
                        why="the Keras 1 layer's own computation; its kernel's rows are "
                            "reordered for the channels-last Flatten before it")
        return native, after
    native, after = cv.once(state, "core", make)
    out_layout = lay.identity(2) if layout.unflat is not None else layout
    value = cv.call(native, x, out_layout, layer.name)
    return _chain(cv, value, after, layer.name)


@handles(*AXIS_ARGUMENT)
def axis_argument(cv, layer, inputs, state):
    argument = AXIS_ARGUMENT[type(layer).__name__]
    if "layout" in state:
        layout = state["layout"]
    else:
        layout = cv.common_layout(inputs, flat_ok=False)
    xs = [cv.to(v, layout) for v in inputs]
    state["layout"] = layout
    axis = getattr(layer, argument)
    native_axis = ([lay.native_axis(layout, a) for a in axis] if isinstance(axis, (list, tuple))
                   else lay.native_axis(layout, axis))
    native, after = _builtin_core(cv, layer, state, overrides={argument: native_axis})
    value = cv.call(native, xs if len(xs) > 1 else xs[0], layout, layer.name)
    return _chain(cv, value, after, layer.name)


@handles("PReLU", "legacy_conv>Keras1PReLU")
def prelu(cv, layer, inputs, state):
    x = inputs[0]
    if x.layout.unflat is not None:
        x = cv.to(x, lay.identity(2))
    layout = state.setdefault("layout", x.layout)
    x = cv.to(x, layout)
    axes = [a - 1 for a in layout.perm[1:]]  # native alpha axis j = legacy alpha axis
    shared = layer.shared_axes
    overrides = {}
    if shared is not None:
        overrides["shared_axes"] = [lay.native_axis(layout, a) for a in shared]
    native_shape = tuple(np.asarray(layer.alpha.shape)[axes])

    def make():
        native, _ = clone_builtin(cv, layer, overrides, {"alpha": native_shape},
                                  {"alpha": axes})
        config = native.get_config()
        if config.pop("keras1_backend", None):  # Keras1PReLU: Keras 1's gradient at 0
            native = keras.layers.PReLU.from_config(config)
            cv.note(layer, kink_note("PReLU", layer.keras1_backend))
        cv.transfer(native, layer, lambda w: [np.transpose(w[0], axes)])
        return native
    native = cv.once(state, "core", make)
    return cv.call(native, x, layout, layer.name)


@handles("Flatten")
def flatten(cv, layer, inputs, state):
    x = inputs[0]
    rank = lay.rank(x.layout)
    if x.layout.unflat is not None or rank <= 2:
        x = cv.to(x, lay.identity(rank))
        return cv.call(_flatten_layer(cv, layer, state), x, lay.identity(2), layer.name)
    # Legacy: flatten(legacy.transpose(f)); f moves channels last for channels_first.
    f = lay.channels_last(rank).perm if layer.data_format == "channels_first" else \
        tuple(range(rank))
    f_inverse = tuple(np.argsort(f))
    unflat_perm = tuple(f_inverse[a] for a in x.layout.perm)
    legacy_shape = lay.legacy_shape(x.layout, tuple(x.tensor.shape))
    unflat = tuple(legacy_shape[a] for a in f)[1:]
    if cv.feeds_only_dense(layer) and None not in unflat:
        out = lay.flat(unflat, unflat_perm)
    else:
        x = cv.to(x, lay.Layout(f))
        out = lay.identity(2)
    return cv.call(_flatten_layer(cv, layer, state), x, out, layer.name)


def _flatten_layer(cv, layer, state):
    return cv.once(state, "core", lambda: keras.layers.Flatten(
        data_format="channels_last", name=layer.name))


# Recurrent built-ins: the gates (slices of the last weight axis, in Keras 3's order) that
# `recurrent_activation` applies to.


def data_format_layer(cv, layer, inputs, state):
    """A Keras 3 built-in with `data_format`: run channels-last."""
    channels_first = getattr(layer, "data_format", None) == "channels_first"
    rank = len(inputs[0].tensor.shape) if inputs[0].layout.unflat is None else 2
    x = cv.spatial(inputs[0], "th" if channels_first else "tf", rank)
    native, after = _builtin_core(cv, layer, state, overrides={"data_format": "channels_last"})
    value = cv.call(native, x, None, layer.name)
    if len(value.tensor.shape) != rank:
        value = value._replace(layout=lay.identity(len(value.tensor.shape)))
    else:
        value = value._replace(layout=x.layout)
    return _chain(cv, value, after, layer.name)


def pass_through(cv, layer, inputs, state):
    """Any other layer: on legacy-ordered inputs, cloned as it is (objects mapped)."""
    xs = [cv.to(v, lay.identity(lay.rank(v.layout))) for v in inputs]

    def make():
        if isinstance(layer, keras.layers.Lambda):  # its function, not its bytecode
            native, after = keras.layers.Lambda(
                layer.function, output_shape=layer._output_shape, mask=layer.mask,
                arguments=layer.arguments, name=layer.name), []
        elif key_of(layer) is not None:
            native, after = clone_builtin(cv, layer)
        else:
            native, after = type(layer).from_config(layer.get_config()), []
        if layer.weights:
            _same_weights(cv, layer, native)
        return native, after
    native, after = cv.once(state, "core", make)
    outputs = cv.call_many(native, xs if len(xs) > 1 else xs[0], layer.name)
    if len(outputs) == 1:
        return [_chain(cv, outputs[0], after, layer.name)]
    return outputs
