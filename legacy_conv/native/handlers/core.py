"""Our Keras 1 core layers (`layers/core.py`) from Keras 3 built-ins, weights unchanged or
only rearranged (training the native model trains the same numbers):

- TimeDistributedDense: one Dense over its 3D input (the same kernel and bias).
- Highway: `x + t * (h - x)`, Keras 1's `h * t + (1 - t) * x` (to rounding), with the gate
  `t` = Dense(sigmoid) of `W_carry`, `b_carry` and `h` = Dense(activation) of `W`, `b`.
- MaxoutDense: Dense(nb_feature * output_dim) (kernel `W` moved to (input_dim, nb_feature,
  output_dim)), Reshape to (nb_feature, output_dim), GlobalMaxPooling1D over the pieces;
  refused for a constraint other than NonNeg (Keras 1's axes are merged natively).
- ActivityRegularization: Identity where its penalty is always 0.

Every activity penalty other than 0 is refused (Keras 3 divides it by the batch size).
"""

import keras

from legacy_conv import constraints as k1_constraints
from legacy_conv import initializers as k1_initializers
from legacy_conv.native import layout as lay
from legacy_conv.native import objects as obj
from legacy_conv.native.plan import SAME, rearranging
from legacy_conv.native.handlers._common import (
    Refused,
    _activation_layers,
    _chain,
    _mapped,
    _no_activity_penalty,
    handles,
)

# Constraints whose Keras 1 meaning does not depend on the weight's axes.
AXIS_FREE = (k1_constraints.Constraint, k1_constraints.NonNeg)


def _dense(cv, layer, units, activation, name, k1_shape, native_shape, weighted=True,
           **kwargs):
    """A Keras 3 Dense with our layer's initializer and, where `weighted`, its `W`/`b`
    regularizers and constraints."""
    init = k1_initializers.Keras1Initializer(layer.init, "th")
    kwargs["kernel_initializer"] = _mapped(cv, layer, init, obj.native_initializer, k1_shape,
                                           native_shape)
    for prefix, target, rank in (("W", "kernel", 2), ("b", "bias", 1)):
        if weighted and (prefix == "W" or layer.bias):
            kwargs[f"{target}_regularizer"] = _mapped(
                cv, layer, layer.weight_regularizers[prefix], obj.native_regularizer)
            kwargs[f"{target}_constraint"] = _mapped(
                cv, layer, layer.weight_constraints[prefix], obj.native_constraint, rank)
    return keras.layers.Dense(units, activation=activation, use_bias=layer.bias, name=name,
                              trainable=layer.trainable, **kwargs)


def _input(cv, inputs):
    return cv.to(inputs[0], lay.identity(lay.rank(inputs[0].layout)))


@handles("legacy_conv>TimeDistributedDense")
def time_distributed_dense(cv, layer, inputs, state):
    _no_activity_penalty(layer.k1_activity_regularizer)
    activation, after = _activation_layers(cv, layer, layer.activation)
    shape = tuple(layer.W.shape)

    def make():
        core = _dense(cv, layer, layer.output_dim, activation, layer.name, shape, shape)
        cv.transfer(core, layer, SAME)
        return core
    return _chain(cv, _input(cv, inputs), [("core", cv.once(state, "core", make))] + after,
                  layer.name)


@handles("legacy_conv>Highway")
def highway(cv, layer, inputs, state):
    _no_activity_penalty(layer.k1_activity_regularizer)
    activation, after = _activation_layers(cv, layer, layer.activation)
    x = _input(cv, inputs)
    shape = tuple(layer.W.shape)

    def make():
        transform = _dense(cv, layer, shape[1], activation, layer.name, shape, shape)
        gate = _dense(cv, layer, shape[1], "sigmoid", cv.unique(f"{layer.name}_gate"), shape,
                      shape, weighted=False, bias_initializer="ones")
        cv.transfer(transform, layer, rearranging(lambda ws: ws[0::2]))  # W, b
        cv.transfer(gate, layer, rearranging(lambda ws: ws[1::2]))  # W_carry, b_carry
        return {"transform": transform, "gate": gate, **{
            role: cls(name=cv.unique(f"{layer.name}_{role}")) for role, cls in (
                ("minus_input", keras.layers.Subtract), ("gated", keras.layers.Multiply),
                ("carried", keras.layers.Add))}}
    made = cv.once(state, "core", make)
    h = _chain(cv, x, [("core", made["transform"])] + after, layer.name)
    t = cv.call(made["gate"], x, x.layout, layer.name)
    diff = cv.call(made["minus_input"], [h, x], x.layout, layer.name)
    gated = cv.call(made["gated"], [t, diff], x.layout, layer.name)
    return cv.call(made["carried"], [x, gated], x.layout, layer.name)


@handles("legacy_conv>MaxoutDense")
def maxout_dense(cv, layer, inputs, state):
    _no_activity_penalty(layer.k1_activity_regularizer)
    for prefix, constraint in layer.weight_constraints.items():
        if constraint is not None and type(constraint) not in AXIS_FREE:
            raise Refused(f"its {prefix}_constraint {type(constraint).__name__}: Keras 1 "
                          "applied it along the nb_feature axis, which the native Dense "
                          "merges with output_dim")
    pieces, input_dim, units = tuple(layer.W.shape)

    def make():
        core = _dense(cv, layer, pieces * units, None, layer.name, (pieces, input_dim, units),
                      (input_dim, pieces * units))
        cv.transfer(core, layer, lambda ws: [ws[0].transpose(1, 0, 2).reshape(input_dim, -1)]
                    + [w.reshape(-1) for w in ws[1:]])
        return [core, keras.layers.Reshape((pieces, units),
                                           name=cv.unique(f"{layer.name}_pieces")),
                keras.layers.GlobalMaxPooling1D(name=cv.unique(f"{layer.name}_max"))]
    value = _input(cv, inputs)
    for native in cv.once(state, "core", make):
        value = cv.call(native, value, None, layer.name)
    return value


@handles("legacy_conv>ActivityRegularization")
def activity_regularization(cv, layer, inputs, state):
    _no_activity_penalty(layer.k1_activity_regularizer)
    native = cv.once(state, "core", lambda: keras.layers.Identity(name=layer.name))
    return cv.call(native, inputs[0], inputs[0].layout, layer.name)
