"""LSTM, GRU, Bidirectional and TimeDistributed (Keras 1's hard_sigmoid gates)."""

import keras
import numpy as np

from legacy_conv.native import layout as lay
from legacy_conv.native import objects as obj
from legacy_conv.native.handlers._common import (
    _chain, clone_builtin, handles, key_of, Refused, _same_weights)
from legacy_conv.spec.activations import HARD_SIGMOID_SCALE


GATES = {"LSTM": (0, 1, 3), "GRU": (0, 1)}  # LSTM i, f, c, o; GRU z, r, h


def _recurrent_clone(cv, layer):
    """(Keras 3 built-in, weight transform) for a recurrent built-in: gates that Keras 1's
    hard_sigmoid drives become Keras 3's hard_sigmoid of gate weights scaled by 1.2
    (relu6(1.2 z + 3) / 6 = clip(0.2 z + 0.5, 0, 1))."""
    kind = type(layer).__name__
    gate_activation = getattr(layer.cell, "recurrent_activation", None)
    if kind not in GATES or obj.native_activation(gate_activation)[1]:
        native, _ = clone_builtin(cv, layer)
        return native, lambda weights: list(weights)
    if obj.activation_name(gate_activation) != "hard_sigmoid":
        raise Refused(f"its recurrent_activation {obj.activation_name(gate_activation)!r} "
                      "has no Keras 3 built-in with the same formula")
    gates, count = GATES[kind], 4 if kind == "LSTM" else 3

    def scaled(weights):
        out = []
        for w in weights:
            w = np.array(w)
            size = w.shape[-1] // count
            for gate in gates:
                w[..., gate * size:(gate + 1) * size] *= np.float32(HARD_SIGMOID_SCALE)
            out.append(w)
        return out
    native, _ = clone_builtin(cv, layer, overrides={"recurrent_activation": "hard_sigmoid"})
    cv.note(layer, f"its gates' weights are scaled by {HARD_SIGMOID_SCALE} (Keras 1's "
                   f"hard_sigmoid(z) is Keras 3's hard_sigmoid({HARD_SIGMOID_SCALE} z)); "
                   "regularizers and constraints on them see the scaled weights")
    return native, scaled


@handles(*GATES)
def recurrent(cv, layer, inputs, state):
    """LSTM and GRU (see `_recurrent_clone`); on legacy-ordered inputs."""
    xs = [cv.to(v, lay.identity(lay.rank(v.layout))) for v in inputs]

    def make():
        native, transform = _recurrent_clone(cv, layer)
        cv.transfer(native, layer, transform)
        return native
    native = cv.once(state, "core", make)
    return cv.call_many(native, xs if len(xs) > 1 else xs[0], layer.name)


@handles("Bidirectional", "legacy_conv>Keras1Bidirectional")
def bidirectional(cv, layer, inputs, state):
    """Keras 3's Bidirectional; Keras 1's (ours) differs only at masked steps of sequences."""
    if key_of(layer).startswith("legacy_conv>") and layer.return_sequences and \
            cv.current.masked:
        raise Refused("at masked steps Keras 1 output the previous step's output; Keras 3's "
                      "Bidirectional outputs zeros when it returns sequences")
    xs = [cv.to(v, lay.identity(lay.rank(v.layout))) for v in inputs]

    def make():
        forward, forward_transform = _recurrent_clone(cv, layer.forward_layer)
        backward, backward_transform = _recurrent_clone(cv, layer.backward_layer)
        native = keras.layers.Bidirectional(forward, backward_layer=backward,
                                            merge_mode=layer.merge_mode, name=layer.name,
                                            trainable=layer.trainable)
        split = len(layer.forward_layer.weights)
        cv.transfer(native, layer, lambda w: forward_transform(w[:split]) +
                    backward_transform(w[split:]))
        return native
    native = cv.once(state, "core", make)
    return cv.call_many(native, xs if len(xs) > 1 else xs[0], layer.name)


@handles("TimeDistributed", "legacy_conv>Keras1TimeDistributed")
def time_distributed(cv, layer, inputs, state):
    """Keras 3's TimeDistributed; of a Dense, that Dense over the 3D input (the same numbers
    and mask, one matmul where Keras 3's wrapper makes one per step)."""
    if key_of(layer.layer) is None or key_of(layer.layer).startswith("legacy_conv>"):
        raise Refused(f"it wraps {type(layer.layer).__name__}, whose native form is not a "
                      "single Keras 3 layer")
    x = cv.to(inputs[0], lay.identity(lay.rank(inputs[0].layout)))

    def make():
        inner, after = clone_builtin(cv, layer.layer)
        if type(inner) is keras.layers.Dense:
            native = keras.layers.Dense.from_config({**inner.get_config(), "name": layer.name,
                                                     "trainable": layer.trainable})
        else:
            native = keras.layers.TimeDistributed(inner, name=layer.name,
                                                  trainable=layer.trainable)
        _same_weights(cv, layer, native)
        return native, after
    native, after = cv.once(state, "core", make)
    value = cv.call(native, x, x.layout, layer.name)
    return _chain(cv, value, after, layer.name)
