"""The migration's tables: Keras 1 names and arguments → legacy_conv / Keras 3.

Signatures are never retyped: this package's layers give theirs (`inspect.signature`, up to
the arguments Keras 1 lacked, `PACKAGE_ONLY`), the other Keras 1 layers and the helpers come
from `keras1_signatures` (generated inside Keras 1.2.2), Keras 3's from `keras.layers`; ours
and Keras 3's are read from `spec.keras3_facts` (generated), so no table here imports Keras.
What a Keras 1 argument *means* in Keras 3 is never decided here: `translate` asks the
converter (`legacy_conv.convert`). Where an argument lands (to keep the user's explicit
arguments and their order, and for `--check`) is read from the records of `spec.layers`.
"""

import functools

from legacy_conv.migration import keras3
from legacy_conv.spec import keras1_signatures as k1
from legacy_conv.spec import keras3_facts
from legacy_conv.spec import layers as spec
from legacy_conv.spec.activations import HARD_SIGMOID_DRIFT

LEGACY = "legacy_conv"
REQUIRED = k1.REQUIRED

# -- names ---------------------------------------------------------------------------------------
# The Keras 1 layers (and `merge`) this package provides, by their Keras 1 names and aliases.
LEGACY_LAYERS = frozenset(keras3_facts.PACKAGE_LAYERS)
# This package's subclasses of Keras 3 layers that a call may become (`spec.layers`'s
# `subclass`) -> the Keras 3 class whose arguments they take (plus `keras1_backend`).
SUBCLASS_BASES = {layer.subclass[0]: layer.keras3 for layer in spec.LAYERS.values()
                  if layer.subclass}
LEGACY_LAYER_MODULES = frozenset({LEGACY} | {keras3_facts.PACKAGE_LAYERS[n][0]
                                             for n in LEGACY_LAYERS})
# Keras 1 helper module -> this package's module with the same helpers.
LEGACY_HELPER_MODULES = {"keras.regularizers": "legacy_conv.regularizers",
                         "keras.constraints": "legacy_conv.constraints"}
KERAS1_LAYERS = frozenset(k1.LAYERS)
KERAS1_LAYER_MODULES = frozenset(m for m in k1.MODULES if m.startswith(("keras.layers",
                                                                         "keras.engine")))
MODELS = ("Model",)
MODEL_MODULES = ("keras.models", "keras.engine", "keras.engine.training",
                 "keras.engine.topology")
# Keras 3 layers reached through tf.keras (never Keras 1 code; `--check` looks at them).
KERAS3_LAYER_MODULES = ("tensorflow.keras.layers",)
KERAS3_LAYERS = frozenset(keras3.LAYER_CLASSES)
# Keras 3's aliases of Keras 1-style names: every call of them is a trap (`--check`).
KERAS3_ALIASES = {n: keras3.LAYER_CLASSES[n] for n in KERAS3_LAYERS
                  if "Convolution" in n and keras3.LAYER_CLASSES[n] != n}
# Keras 1 layer names that Keras 3 exports too, with its own signature (those the converter
# knows: Lambda, Layer, InputLayer and wrappers' bases are not calls to check).
NAMESAKES = frozenset(n for n in KERAS1_LAYERS & KERAS3_LAYERS if n not in KERAS3_ALIASES and (
    n in LEGACY_LAYERS or n in spec.converted("builtin")))  # `convert.layer_rules.RULES`

# Keras 1 model keyword arguments that Keras 3 renamed (`Model(input=x, output=y)`).
KEYWORD_RENAMES = {"Model": {"input": "inputs", "output": "outputs"}}

# Arguments of this package only (after Keras 1's own); never positional in Keras 1 code.
PACKAGE_ONLY = ("keras1_backend", "mode_type")
# Keras 1's layer keywords (`Layer.__init__`'s allowed_kwargs).
LAYER_KWARGS = spec.LAYER_KEYWORDS


def exports(module):
    """The public names of a module (Keras 1's, Keras 3's or this package's)."""
    return _exports(module)


@functools.lru_cache(maxsize=None)
def _exports(module):
    names = set(k1.MODULES.get(module, ()))
    if module in ("keras.layers",) + KERAS3_LAYER_MODULES:
        names |= KERAS3_LAYERS
    if module == LEGACY:
        names |= set(keras3_facts.PACKAGE_EXPORTS)
    if module in keras3_facts.PACKAGE_HELPERS:
        names |= helpers(module)
    return frozenset(names)


def helpers(legacy_module):
    """The Keras 1 helper names a legacy helper module provides."""
    return frozenset(keras3_facts.PACKAGE_HELPERS[legacy_module])


canonical = spec.canonical  # the Keras 1 class a layer name means (Conv2D -> Convolution2D)


# -- signatures ----------------------------------------------------------------------------------
@functools.lru_cache(maxsize=None)
def keras1_params(name):
    """Keras 1's parameters of a layer (or `merge`): ((name, default or REQUIRED), ...)."""
    if name in LEGACY_LAYERS:
        return keras3_facts.PACKAGE_LAYERS[name][1]
    return k1.LAYERS[name][0]


def package_params(name):
    """This package's extra keywords for a layer (e.g. keras1_backend)."""
    return keras3_facts.PACKAGE_LAYERS[name][2] if name in LEGACY_LAYERS else ()


def takes_layer_kwargs(name):
    return k1.LAYERS[name][1]


def inherited_keywords(name):
    """Keywords Keras 1's layer passes on to its base classes (Recurrent's
    return_sequences, ...): accepted by keyword only."""
    return k1.LAYERS[name][2] if name in k1.LAYERS else ()


@functools.lru_cache(maxsize=None)
def keras3_params(name):
    """Keras 3's parameter names of a layer class, in order (no self/**kwargs)."""
    return tuple(p for p, _ in keras3.positional(name))


@functools.lru_cache(maxsize=None)
def keras3_required(name):
    return tuple(p for p, has_default in keras3.positional(name) if not has_default)


# -- where a Keras 1 argument lands in Keras 3 ---------------------------------------------------
COMMON_ARGUMENTS = {"name": "name", "trainable": "trainable"}
# Values that a Keras 1 argument and its Keras 3 counterpart read the same way.
SAME_VALUE_KINDS = ("int", "int_or_none", "ints", "ints_or_none", "float", "bool", "padding",
                    "shape", "int_any", "activation", "layer", "rate")


def arguments(name):
    """{Keras 1 argument: Keras 3 argument name(s)} for a Keras 1 layer."""
    layer = spec.LAYERS.get(canonical(name))
    table = {k: target for k, (target, _) in (layer.args if layer else {}).items()
             if target is not None}
    return {**table, **COMMON_ARGUMENTS}


def positional_agreement(name):
    """How many leading positional arguments mean the same in Keras 1 and Keras 3."""
    k1_names = [p for p, _ in keras1_params(name)]
    k3_names = keras3_params(name)
    table = arguments(name)
    layer = spec.LAYERS.get(canonical(name))
    kinds = {k: kind for k, (_, kind) in (layer.args if layer else {}).items()}
    count = 0
    for k1_name, k3_name in zip(k1_names, k3_names):
        if table.get(k1_name) != k3_name or kinds.get(k1_name) not in SAME_VALUE_KINDS:
            break
        count += 1
    return count


# -- the input shape a call states ---------------------------------------------------------------
# Keras 1 arguments that state the input shape, in the shape's order (None where left out).
INPUT_SHAPE_ARGS = {name: layer.input_args for name, layer in spec.LAYERS.items()
                    if layer.input_args}

# Keras 1 arguments whose value is a number of steps/units/filters (probed with integers)
# or a factor (probed with floats) where the call gives an expression.
INT_ARGS = spec.INT_ARGUMENTS
FLOAT_ARGS = spec.FLOAT_ARGUMENTS

# Keras 1 defaults that Keras 3's namesakes do not share: a call that leaves them out is
# valid in both and means something else in each (reported, not counted, by `--check`).
DEFAULT_DRIFT = {name: spec.LAYERS[canonical(name)].drift for name in sorted(NAMESAKES)
                 if spec.LAYERS[canonical(name)].drift}
# Keras 1 argument values that mean something else in Keras 3 under the same name.
VALUE_DRIFT = {("activation", "hard_sigmoid"): HARD_SIGMOID_DRIFT}
