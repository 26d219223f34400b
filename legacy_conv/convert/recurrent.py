"""Keras 1 SimpleRNN, GRU, LSTM and Bidirectional → the Keras 3 built-ins, as data.

The layers compute what Keras 3's do (GRU with `reset_after=False`), once three things are
brought over:
- the arguments (the records of `spec.layers`), with Keras 1's defaults filled in first
  (`keras1_defaults`, read from Keras 1's signatures: LSTM and GRU default to Keras 1's
  hard_sigmoid, clip(0.2x + 0.5, 0, 1));
- what an argument meant in each release (`_recurrent`): Keras 1.2.x built the `cpu`/`mem`
  LSTM and GRU recurrent matrices with `init` and `W_regularizer` (its `inner_init` and
  `U_regularizer` reached only `gpu` ones), SimpleRNN ignored `dropout_W` unless
  `consume_less='cpu'`, and a dropout rate outside (0, 1) meant no dropout;
- how training drops out: `consume_less` 'cpu'/'mem' drew a mask per gate, 'gpu' one
  shared mask, which Keras 3's `implementation` 1 and 2 do (`IMPLEMENTATIONS`);
- the weights (`GATE_ORDER`): `cpu` and `mem` files hold W, U, b per gate — LSTM in the
  order i, c, f, o, GRU z, r, h — which Keras 3 concatenates as i, f, c, o (z, r, h);
  `gpu` files already hold them concatenated in Keras 3's order. Bidirectional holds the
  forward layer's weights, then the backward layer's.

Keras 1's Bidirectional built its backward copy with `go_backwards` flipped, not set, so
the copy of a `go_backwards=True` layer runs forwards: `_bidirectional` then gives Keras 3
that backward layer explicitly. And at a masked step both Keras 1 backends output the
previous step's output, where Keras 3's Bidirectional forces zeros when it returns
sequences: `Keras1Bidirectional` keeps Keras 1's.

Fresh weights: 'cpu' and 'mem' drew each gate's matrix alone, with its own fans (and its own
orthogonal matrix), so their initializers become `Keras1GateInitializer`s, drawing Keras 3's
concatenated kernels block by block (`_per_gate`); 'gpu' drew the concatenated ones.

`Keras1TimeDistributed` runs a wrapped Dense once over all steps (Keras 3's wrapper traces one
call per step of a fixed time axis: seconds for a thousand steps).

Importing this module registers all of it in `layer_rules`, `values` and `weights`.
"""

import keras
import numpy as np

from legacy_conv import initializers
from legacy_conv.convert import layer_rules
from legacy_conv.convert import values
from legacy_conv.load import weights
from legacy_conv.spec import layers as spec
from legacy_conv.spec import merge as merge_spec
from legacy_conv.spec import releases

CONSUME_LESS = ("cpu", "mem", "gpu")
# Keras 1 `consume_less` -> the Keras 3 LSTM/GRU `implementation` that drops out the same
# way in training: 'cpu'/'mem' drew one mask per gate (1), 'gpu' one for all gates (2).
IMPLEMENTATIONS = {"cpu": 1, "mem": 1, "gpu": 2}
RECURRENT = tuple(n for n, layer in spec.LAYERS.items() if layer.base == "Recurrent")


def keras1_defaults(class_name):
    """Keras 1.2.2's defaults of the arguments the record maps, for configs that leave one out."""
    args = spec.LAYERS[class_name].args
    return {k: v for k, v in spec.defaults(class_name).items() if k in args}


# Not a Keras 1 key: `_bidirectional` adds it where Keras 3 would build it wrongly.
RULES = {"Bidirectional": layer_rules.RULES["Bidirectional"]._replace(args={
    **layer_rules.RULES["Bidirectional"].args, "backward_layer": ("backward_layer", "layer")})}

# Keras 3 class -> the file's gates in Keras 3's concatenation order (indices into the
# file's per-gate triples W, U, b): LSTM files hold i, c, f, o; Keras 3 wants i, f, c, o.
GATE_ORDER = {"LSTM": (0, 2, 1, 3), "GRU": (0, 1, 2)}



@keras.saving.register_keras_serializable(package="legacy_conv")
class Keras1Bidirectional(keras.layers.Bidirectional):
    """Keras 3's `Bidirectional`, with Keras 1's outputs at masked steps.

    Keras 1 (Theano and TensorFlow) output the previous step's output at a masked step, in
    both directions; Keras 3's `Bidirectional` sets `zero_output_for_mask=True` on its
    layers whenever they return sequences. Everything else is Keras 3's layer.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.forward_layer.zero_output_for_mask = False
        self.backward_layer.zero_output_for_mask = False


@keras.saving.register_keras_serializable(package="legacy_conv")
class Keras1TimeDistributed(keras.layers.TimeDistributed):
    """Keras 3's `TimeDistributed`; a wrapped Dense runs once over all steps.

    Keras 3 calls the wrapped layer once per step when the time axis is fixed (969 steps:
    969 matmuls to trace); a Dense acts on the last axis alone, so one Dense over the 3D
    input (one matmul) gives the same numbers, and the mask passes through as in Keras 1.
    Everything else is Keras 3's layer.
    """

    def call(self, inputs, training=None, mask=None):
        if type(self.layer) is keras.layers.Dense:
            return self.layer.call(inputs)
        return super().call(inputs, training=training, mask=mask)


# -- value kinds -------------------------------------------------------------------------------
def _choice(allowed):
    def convert(value, where):
        if value not in allowed:
            raise where(f"must be one of {', '.join(map(repr, allowed))}", value)
        return value
    return convert


def _rate(value, where):
    """A Keras 1 dropout rate: Keras 1 dropped out only for 0 < rate < 1, else not at all."""
    rate = values.CONVERTERS["float"](value, where)
    return rate if 0.0 < rate < 1.0 else 0.0


def _forget_bias_init(value, where):
    """Keras 1 `forget_bias_init` → Keras 3 `unit_forget_bias` (True for 'one')."""
    if not isinstance(value, str) or value not in initializers.INITIALIZATIONS:
        known = ", ".join(sorted(initializers.INITIALIZATIONS))
        raise where(f"must be a Keras 1 initialization name ({known})", value)
    return value == "one"


def _implementation(value, where):
    return IMPLEMENTATIONS[_choice(CONSUME_LESS)(value, where)]


VALUE_KINDS = {
    "consume_less": _choice(CONSUME_LESS),
    "implementation": _implementation,
    "bidirectional_merge": _choice(merge_spec.BIDIRECTIONAL_MODES),
    "forget_bias_init": _forget_bias_init,
    "rate": _rate,
}


# -- preprocessors: Keras 1 config → the config the table converts ---------------------------
def _recurrent(class_name):
    def prepare(config, ctx, where):
        config = {**keras1_defaults(class_name), **config}
        mode = values.convert("consume_less", config["consume_less"],
                              lambda problem, value: where(problem, value, field="consume_less"))
        if class_name == "SimpleRNN" and mode != "cpu":
            config["dropout_W"] = 0.0  # Keras 1 applied it only in preprocess_input ('cpu')
        release = releases.Release.parse(getattr(ctx, "keras_version", None))
        if class_name != "SimpleRNN" and mode != "gpu" and (
                release is None or release >= releases.SHARED_U_SINCE):
            config["inner_init"] = config["init"]
            config["U_regularizer"] = config["W_regularizer"]
        return config
    return prepare


def _bidirectional(config, ctx, where):
    config = {**keras1_defaults("Bidirectional"), **config}
    inner = config.get("layer")
    if not isinstance(inner, dict) or inner.get("class_name") not in RECURRENT:
        raise where(f"must be the config of a Keras 1 {', '.join(RECURRENT)} layer",
                    inner if not isinstance(inner, dict) else inner.get("class_name"),
                    field="layer")
    inner_config = inner.get("config") if isinstance(inner.get("config"), dict) else {}
    if inner_config.get("go_backwards"):
        # Keras <= 1.1 saved the forward layer itself, already renamed 'forward_<name>'.
        name = str(inner_config.get("name", "layer")).removeprefix("forward_")
        config["backward_layer"] = {"class_name": inner["class_name"], "config": {
            **inner_config, "go_backwards": False, "name": f"backward_{name}"}}
    return config


PREPROCESSORS = {**{name: _recurrent(name) for name in RECURRENT},
                 "Bidirectional": _bidirectional}


# -- postprocessors: Keras 3 values that depend on several Keras 1 arguments ----------------
def _per_gate(class_name):
    """'cpu'/'mem' drew each gate's W and U alone: their initializers draw block by block."""
    def finish(config, out):
        if config["consume_less"] == "gpu":
            return out
        for key in ("kernel_initializer", "recurrent_initializer"):
            init = out.get(key)
            if isinstance(init, dict) and init.get("registered_name") == KERAS1_INIT:
                out[key] = keras.saving.serialize_keras_object(initializers.Keras1GateInitializer(
                    **init["config"], gates=len(GATE_ORDER[class_name])))
        return out
    return finish


KERAS1_INIT = "legacy_conv>Keras1Initializer"
POSTPROCESSORS = {name: _per_gate(name) for name in GATE_ORDER}


# -- weights ----------------------------------------------------------------------------------
def concatenate_gates(arrays, layer):
    """[W_g, U_g, b_g for each gate g in file order] → [kernel, recurrent_kernel, bias]."""
    order = GATE_ORDER[type(layer).__name__]
    if len(arrays) != 3 * len(order):  # consume_less='gpu': concatenated already
        return list(arrays)
    gates = [arrays[3 * g:3 * g + 3] for g in order]
    return [np.concatenate([gate[k] for gate in gates], axis=-1) for k in range(3)]


def _per_direction(arrays, layer, table):
    """A Bidirectional's arrays, forward layer's then backward layer's, each through
    `table`'s function of its layer's class (where it has one)."""
    half = len(arrays) // 2
    out = []
    for part, inner in ((arrays[:half], layer.forward_layer),
                        (arrays[half:], layer.backward_layer)):
        fn = table.get(type(inner).__name__)
        out.extend(fn(part, inner) if fn else part)
    return out


def split_directions(arrays, layer):
    """Bidirectional: the forward layer's arrays, then the backward layer's."""
    return _per_direction(arrays, layer, weights.TRANSFORMS)


def split_gates(arrays, layer):
    """`concatenate_gates`' inverse: [kernel, recurrent_kernel, bias] → Keras 1's W, U, b per
    gate in file order (where Keras 1 held them apart: not `consume_less='gpu'`)."""
    order = GATE_ORDER[type(layer).__name__]
    parts = [np.split(np.asarray(a), len(order), axis=-1) for a in arrays]
    gates = [None] * len(order)
    for position, gate in enumerate(order):
        gates[gate] = [part[position] for part in parts]
    return [w for gate in gates for w in gate]


def join_directions(arrays, layer):
    """`split_directions`' inverse: each direction's arrays as Keras 1 held them."""
    return _per_direction(arrays, layer, weights.INVERSES)


TRANSFORMS = {"LSTM": concatenate_gates, "GRU": concatenate_gates,
              "Bidirectional": split_directions, "Keras1Bidirectional": split_directions}
INVERSES = {"LSTM": split_gates, "GRU": split_gates,
            "Bidirectional": join_directions, "Keras1Bidirectional": join_directions}


layer_rules.RULES.update(RULES)
layer_rules.PREPROCESSORS.update(PREPROCESSORS)
layer_rules.POSTPROCESSORS.update(POSTPROCESSORS)
layer_rules.SUBCLASSES.update(Bidirectional=Keras1Bidirectional,
                              TimeDistributed=Keras1TimeDistributed)
values.CONVERTERS.update(VALUE_KINDS)
weights.TRANSFORMS.update(TRANSFORMS)
weights.INVERSES.update(INVERSES)
