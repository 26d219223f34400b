"""Keras 1 activations, with Keras 1.2.2's formulas.

Keras 1's hard_sigmoid is clip(0.2 * x + 0.5, 0, 1) (Keras 3's is relu6(x + 3) / 6), and
Keras 1's softmax accepts only 2D and 3D tensors (over the last axis).
"""

import tensorflow as tf


def linear(x):
    return x


def relu(x):
    return tf.nn.relu(x)


def tanh(x):
    return tf.tanh(x)


def sigmoid(x):
    return tf.sigmoid(x)


def hard_sigmoid(x):
    return tf.clip_by_value(0.2 * x + 0.5, 0.0, 1.0)


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


ACTIVATIONS = {
    f.__name__: f
    for f in (linear, relu, tanh, sigmoid, hard_sigmoid, softplus, softsign, elu, softmax)
}

# Activations that Keras 1 allows only on outputs of these ranks.
RANKS = {"softmax": (2, 3)}


def get(identifier):
    """Keras 1's `activations.get`: None is linear; a name; or a callable as is."""
    if identifier is None:
        return linear
    if callable(identifier):
        return identifier
    if identifier in ACTIVATIONS:
        return ACTIVATIONS[identifier]
    names = ", ".join(repr(n) for n in ACTIVATIONS)
    raise ValueError(f"Unknown Keras 1 activation {identifier!r}. Known: {names}, or a callable")


def name_of(activation):
    return getattr(activation, "__name__", repr(activation))
