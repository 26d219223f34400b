"""Our BatchNormalization (mode 0) → BatchNormalization."""

import keras

from legacy_conv import initializers as k1_initializers
from legacy_conv.native import layout as lay
from legacy_conv.native import objects as obj
from legacy_conv.native.handlers._common import (
    handles, _mapped, ours, Refused, _same_weights)


@handles(*ours("normalization"))
def batch_normalization(cv, layer, inputs, state):
    if layer.mode != 0:
        raise Refused(f"mode={layer.mode}: " + (
            "it normalizes each sample over its last axis with its own statistics and adds "
            "epsilon to the standard deviation too" if layer.mode == 1 else
            "it normalizes with the batch's statistics at inference too") +
            "; Keras 3's BatchNormalization does neither")
    layout = state.get("layout") or cv.common_layout(inputs, flat_ok=False)
    state["layout"] = layout
    x = cv.to(inputs[0], layout)
    if layer.keras1_backend == "theano":
        cv.note(layer, "training: Keras 1 on Theano added epsilon to the running variance "
                       "it accumulated; Keras 3 does not")

    def make():
        objects = {}
        for weight in ("gamma", "beta"):
            init = k1_initializers.Keras1Initializer(getattr(layer, f"{weight}_init"), "th")
            shape = tuple(getattr(layer, weight).shape)
            objects[f"{weight}_initializer"] = _mapped(cv, layer, init,
                                                       obj.native_initializer, shape)
            objects[f"{weight}_regularizer"] = _mapped(
                cv, layer, getattr(layer, f"{weight}_regularizer"), obj.native_regularizer)
        native = keras.layers.BatchNormalization(
            axis=lay.native_axis(layout, layer.axis), momentum=layer.momentum,
            epsilon=layer.epsilon, name=layer.name, trainable=layer.trainable, **objects)
        _same_weights(cv, layer, native)
        return native
    return cv.call(cv.once(state, "core", make), x, layout, layer.name)
