"""Keras 1 activations, with Keras 1.2.2's formulas.

Keras 1's hard_sigmoid is clip(0.2 * x + 0.5, 0, 1) (Keras 3's is relu6(x + 3) / 6), and
Keras 1's softmax accepts only 2D and 3D tensors (over the last axis).

`spec.activations.KERAS3` says which Keras 3 built-in activation computes what each Keras 1
name computed. Those without one are registered as `legacy_conv>name`:
`keras3_activation(name)` gives what a Keras 3 layer config (e.g. `Dense(activation=...)`,
`Activation`) holds for them, and `.keras` files keep them.
"""

import keras
import tensorflow as tf
from keras.saving import register_keras_serializable

from legacy_conv.spec import activations as spec


def linear(x):
    return x


def relu(x):
    return tf.nn.relu(x)


def tanh(x):
    return tf.tanh(x)


def sigmoid(x):
    return tf.sigmoid(x)


@register_keras_serializable(package="legacy_conv")
def hard_sigmoid(x):
    """Keras 1's hard_sigmoid: clip(0.2 * x + 0.5, 0, 1)."""
    return tf.clip_by_value(spec.HARD_SIGMOID_SLOPE * x + spec.HARD_SIGMOID_OFFSET, 0.0, 1.0)


def softplus(x):
    return tf.nn.softplus(x)


def softsign(x):
    return tf.nn.softsign(x)


def elu(x):
    return tf.nn.elu(x)


def softmax(x):
    if len(x.shape) not in (2, 3):
        raise ValueError(
            "activation='softmax' applies only to 2D and 3D tensors in Keras 1. "
            f"Received: a tensor of rank {len(x.shape)}"
        )
    return tf.nn.softmax(x, axis=-1)


# Each Keras 1 name of the spec -> our function of that name.
ACTIVATIONS = {name: globals()[name] for name in spec.KERAS3}
RANKS, KERAS3_EQUIVALENT = spec.RANKS, spec.KERAS3  # the spec's tables, by their old names


def keras3_activation(name):
    """What a Keras 3 layer config's `activation` should hold for Keras 1's `name`: the
    Keras 3 built-in's name, or the serialized form of ours (Keras 3 resolves registered
    functions only from that form, not from a "legacy_conv>name" string)."""
    if name not in KERAS3_EQUIVALENT:
        get(name)  # raises with the list of Keras 1 names
    return KERAS3_EQUIVALENT[name] or keras.activations.serialize(ACTIVATIONS[name])


def get(identifier):
    """Keras 1's `activations.get`: None is linear; a name; or a callable as is."""
    if identifier is None:
        return linear
    if callable(identifier):
        return identifier
    if isinstance(identifier, str) and identifier in ACTIVATIONS:
        return ACTIVATIONS[identifier]
    names = ", ".join(repr(n) for n in ACTIVATIONS)
    raise ValueError(f"Unknown Keras 1 activation {identifier!r}. Known: {names}, or a callable")


def name_of(activation):
    return getattr(activation, "__name__", repr(activation))
