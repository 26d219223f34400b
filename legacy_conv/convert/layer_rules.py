"""How each Keras 1 layer class becomes a Keras 3 layer: the converter's view of `spec.layers`.

`RULES[keras1_class]` says which Keras 3 built-in means the same thing, how each Keras 1
argument maps onto it (`{keras1_key: (keras3_key, value_kind)}`), and when only a layer of
this package is exact (`LEGACY_WHEN`). `OURS` are the classes that always become ours
(their configs keep the Keras 1 vocabulary, which our layers read directly). All of it is
read from the records; this module adds only what the converter registers at import.
"""

from collections import namedtuple

from legacy_conv.layers.advanced_activations import Keras1PReLU
from legacy_conv.spec import layers as spec
Rule = namedtuple("Rule", "keras3 args fixed")
Rule.__new__.__defaults__ = ({},)

RULES = {name: Rule(spec.LAYERS[name].keras3, spec.LAYERS[name].args, spec.LAYERS[name].fixed)
         for name in spec.converted("builtin")}

# Keras 1 class -> f(config, ctx, where) -> config, run before the table: defaults and
# arguments whose meaning depends on other arguments or the release (see recurrent.py).
PREPROCESSORS = {}

# Keras 1 class -> f(Keras 1 config, Keras 3 config) -> Keras 3 config, run after the table:
# Keras 3 values that depend on several Keras 1 arguments (see recurrent.py).
POSTPROCESSORS = {}

# Keras 1 class -> our subclass of the Keras 3 built-in (same config), where the built-in
# alone differs from Keras 1 (see recurrent.py).
SUBCLASSES = {"PReLU": Keras1PReLU}

# The conditions under which only our layer reproduces Keras 1: {class: (key, values, backend)}
# where `values` is a tuple of the Keras 1 values, or a test of the Keras 1 value.
LEGACY_WHEN = {name: layer.legacy_when for name, layer in spec.LAYERS.items()
               if layer.legacy_when}

# Always ours: the Keras 1 convolutional layers (and layers Keras 3 lacks).
OURS = spec.converted("ours")

# Layers whose Keras 1 config may omit `dim_ordering` although the layer has one.
ORDERED = tuple(name for name in spec.ordered() if spec.LAYERS[name].converts)

# Arguments Keras 1 did not save but its weights reveal: {class: (Keras 3 key, derive)}.
FROM_WEIGHTS = {name: layer.from_weights for name, layer in spec.LAYERS.items()
                if layer.from_weights}

# Arguments of our layers checked before they are passed on ({class: {key: value kind}}):
# their initializers (a Keras 1 name, or a function from custom_objects), penalties and
# constraints, Merge's plain-data `arguments` and numbers (LeakyReLU's alpha); the layers
# check the rest (a key may mean another thing in another class: BatchNormalization's
# `beta_init` is an initializer, ParametricSoftplus's a number).
CHECKED_KINDS = ("init", "arguments", "regularizer", "activity_regularizer", "constraint",
                 "float")
OUR_CHECKS = {name: {key: kind for key, (_, kind) in spec.LAYERS[name].args.items()
                     if kind in CHECKED_KINDS} for name in spec.ours()}

# Keys every Keras 1 layer config may hold besides its own arguments.
COMMON_KEYS = spec.CONFIG_KEYWORDS

# What the inference of a layer does not reproduce although its outputs are exact.
TRAINING_NOTES = {name: layer.training_note for name, layer in spec.LAYERS.items()
                  if layer.training_note}

CONTAINERS = spec.CONTAINERS
