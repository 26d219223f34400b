"""The migration's tables: Keras 1 names and arguments → legacy_conv / Keras 3.

Signatures are never retyped: this package's layers give theirs (`inspect.signature`, up to
the arguments Keras 1 lacked, `PACKAGE_ONLY`), the other Keras 1 layers and the helpers come
from `keras1_signatures` (generated inside Keras 1.2.2), Keras 3's from `keras.layers`.
What a Keras 1 argument *means* in Keras 3 is never decided here: `translate` asks the
converter (`legacy_conv.convert`). Where an argument lands (to keep the user's explicit
arguments and their order, and for `--check`) is read from the records of `spec.layers`.
"""

import functools
import inspect

import keras

import legacy_conv
from legacy_conv import constraints as k1_constraints
from legacy_conv import regularizers as k1_regularizers
from legacy_conv.convert import layer_rules
from legacy_conv.spec import keras1_signatures as k1
from legacy_conv.spec import layers as spec
from legacy_conv.spec.activations import HARD_SIGMOID_DRIFT

LEGACY = "legacy_conv"
REQUIRED = k1.REQUIRED

# -- names ---------------------------------------------------------------------------------------
# The Keras 1 layers (and `merge`) this package provides, by their Keras 1 names and aliases.
LEGACY_LAYERS = frozenset(n for n in legacy_conv.__all__ if n in k1.LAYERS)
LEGACY_LAYER_MODULES = frozenset({LEGACY} | {getattr(legacy_conv, n).__module__
                                             for n in LEGACY_LAYERS})
# Keras 1 helper module -> this package's module with the same helpers.
LEGACY_HELPER_MODULES = {"keras.regularizers": "legacy_conv.regularizers",
                         "keras.constraints": "legacy_conv.constraints"}
_HELPERS = {"legacy_conv.regularizers": k1_regularizers, "legacy_conv.constraints": k1_constraints}
KERAS1_LAYERS = frozenset(k1.LAYERS)
KERAS1_LAYER_MODULES = frozenset(m for m in k1.MODULES if m.startswith(("keras.layers",
                                                                         "keras.engine")))
MODELS = ("Model",)
MODEL_MODULES = ("keras.models", "keras.engine", "keras.engine.training",
                 "keras.engine.topology")
# Keras 3 layers reached through tf.keras (never Keras 1 code; `--check` looks at them).
KERAS3_LAYER_MODULES = ("tensorflow.keras.layers",)
KERAS3_LAYERS = frozenset(n for n in dir(keras.layers)
                          if not n.startswith("_") and inspect.isclass(getattr(keras.layers, n)))
# Keras 3's aliases of Keras 1-style names: every call of them is a trap (`--check`).
KERAS3_ALIASES = {n: getattr(keras.layers, n).__name__ for n in KERAS3_LAYERS
                  if "Convolution" in n and getattr(keras.layers, n).__name__ != n}
# Keras 1 layer names that Keras 3 exports too, with its own signature (those the converter
# knows: Lambda, Layer, InputLayer and wrappers' bases are not calls to check).
NAMESAKES = frozenset(n for n in KERAS1_LAYERS & KERAS3_LAYERS if n not in KERAS3_ALIASES and (
    n in LEGACY_LAYERS or n in layer_rules.RULES))

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
        names |= set(legacy_conv.__all__)
    if module in _HELPERS:
        names |= helpers(module)
    return frozenset(names)


def helpers(legacy_module):
    """The Keras 1 helper names a legacy helper module provides."""
    module = _HELPERS[legacy_module]
    table = getattr(module, "REGULARIZERS", None) or getattr(module, "CONSTRAINTS", {})
    return frozenset(set(table) | {n for n in dir(module) if n[:1].islower() and n != "get"
                                   and callable(getattr(module, n))
                                   and getattr(getattr(module, n), "__module__", "") ==
                                   module.__name__})


canonical = spec.canonical  # the Keras 1 class a layer name means (Conv2D -> Convolution2D)


# -- signatures ----------------------------------------------------------------------------------
@functools.lru_cache(maxsize=None)
def keras1_params(name):
    """Keras 1's parameters of a layer (or `merge`): ((name, default or REQUIRED), ...)."""
    if name in LEGACY_LAYERS:
        obj = getattr(legacy_conv, name)
        signature = inspect.signature(obj.__init__ if inspect.isclass(obj) else obj)
        params = []
        for p in signature.parameters.values():
            if p.name == "self" or p.kind is not p.POSITIONAL_OR_KEYWORD:
                continue
            if p.name in PACKAGE_ONLY:
                break
            params.append((p.name, REQUIRED if p.default is p.empty else p.default))
        return tuple(params)
    return k1.LAYERS[name][0]


def package_params(name):
    """This package's extra keywords for a layer (e.g. keras1_backend)."""
    if name not in LEGACY_LAYERS:
        return ()
    obj = getattr(legacy_conv, name)
    signature = inspect.signature(obj.__init__ if inspect.isclass(obj) else obj)
    names = [p.name for p in signature.parameters.values() if p.name != "self"]
    return tuple(n for n in names if n not in dict(keras1_params(name)) and n != "kwargs")


def takes_layer_kwargs(name):
    return k1.LAYERS[name][1]


def inherited_keywords(name):
    """Keywords Keras 1's layer passes on to its base classes (Recurrent's
    return_sequences, ...): accepted by keyword only."""
    return k1.LAYERS[name][2] if name in k1.LAYERS else ()


@functools.lru_cache(maxsize=None)
def keras3_params(name):
    """Keras 3's parameter names of a layer class, in order (no self/**kwargs)."""
    cls = getattr(keras.layers, name)
    return tuple(p.name for p in inspect.signature(cls.__init__).parameters.values()
                 if p.name != "self" and p.kind is p.POSITIONAL_OR_KEYWORD)


@functools.lru_cache(maxsize=None)
def keras3_required(name):
    cls = getattr(keras.layers, name)
    return tuple(p.name for p in inspect.signature(cls.__init__).parameters.values()
                 if p.name != "self" and p.kind is p.POSITIONAL_OR_KEYWORD
                 and p.default is p.empty)


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
