"""Our Keras 1 core layers (`layers/core.py`): TimeDistributedDense as one Keras 3 Dense over
its 3D input (the same kernel and bias); ActivityRegularization as Identity where its penalty
is always 0; Highway and MaxoutDense refused (the record's `native` says why)."""

import keras

from legacy_conv import initializers as k1_initializers
from legacy_conv.native import layout as lay
from legacy_conv.native import objects as obj
from legacy_conv.native.handlers._common import (
    _activation_layers, _chain, _mapped, _no_activity_penalty, handles, Refused)
from legacy_conv.spec import layers as spec


@handles("legacy_conv>TimeDistributedDense")
def time_distributed_dense(cv, layer, inputs, state):
    _no_activity_penalty(layer.k1_activity_regularizer)
    activation, after = _activation_layers(cv, layer, layer.activation)
    shape = tuple(layer.W.shape)

    def make():
        init = k1_initializers.Keras1Initializer(layer.init, "th")
        kwargs = {"kernel_initializer": _mapped(cv, layer, init, obj.native_initializer,
                                                shape),
                  "kernel_regularizer": _mapped(cv, layer, layer.weight_regularizers["W"],
                                                obj.native_regularizer),
                  "kernel_constraint": _mapped(cv, layer, layer.weight_constraints["W"],
                                               obj.native_constraint, 2)}
        if layer.bias:
            kwargs.update(bias_regularizer=_mapped(cv, layer, layer.weight_regularizers["b"],
                                                   obj.native_regularizer),
                          bias_constraint=_mapped(cv, layer, layer.weight_constraints["b"],
                                                  obj.native_constraint, 1))
        core = keras.layers.Dense(layer.output_dim, activation=activation,
                                  use_bias=layer.bias, name=layer.name,
                                  trainable=layer.trainable, **kwargs)
        cv.transfer(core, layer, list)
        return core
    x = cv.to(inputs[0], lay.identity(lay.rank(inputs[0].layout)))
    return _chain(cv, x, [("core", cv.once(state, "core", make))] + after, layer.name)


@handles("legacy_conv>ActivityRegularization")
def activity_regularization(cv, layer, inputs, state):
    _no_activity_penalty(layer.k1_activity_regularizer)
    native = cv.once(state, "core", lambda: keras.layers.Identity(name=layer.name))
    return cv.call(native, inputs[0], inputs[0].layout, layer.name)


@handles("legacy_conv>Highway", "legacy_conv>MaxoutDense")
def refused(cv, layer, inputs, state):
    raise Refused(spec.LAYERS[type(layer).__name__].native)
