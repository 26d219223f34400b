"""Keras 1.2.2's `keras.activations`: its functions by name with its signatures
(`relu(x, alpha=0., max_value=None)`, `elu(x, alpha=1.0)`), hard_sigmoid's slope 0.2 and
softmax on 2D and 3D tensors only (`legacy_conv.activations`)."""

import tensorflow as tf

from legacy_conv import activations as ours
from legacy_conv import backend
from legacy_conv.keras1.utils import generic_utils
from legacy_conv.spec import activations as spec

linear, tanh, sigmoid = ours.linear, ours.tanh, ours.sigmoid
softplus, softsign, softmax = ours.softplus, ours.softsign, ours.softmax


def relu(x, alpha=0., max_value=None):
    """max(x, 0) capped at `max_value`, `alpha` * x below 0 (on Theano, its formula and
    gradients: `legacy_conv.activations.theano_relu`)."""
    x = tf.convert_to_tensor(x)
    if backend.keras1_backend() == "theano":
        return ours.theano_relu(x, alpha, max_value)
    out = tf.nn.relu(x)
    if max_value is not None:
        out = tf.clip_by_value(out, 0., max_value)
    if alpha != 0.:
        out -= alpha * tf.nn.relu(-x)
    return out


def hard_sigmoid(x):
    """clip(0.2 * x + 0.5, 0, 1) (on Theano, with its gradients)."""
    return ours.get("hard_sigmoid", backend.keras1_backend())(x)


def elu(x, alpha=1.0):
    """x above 0, `alpha` * (exp(x) - 1) below."""
    res = tf.nn.elu(x)
    return res if alpha == 1 else tf.where(x > 0, res, alpha * res)


ACTIVATIONS = {name: globals()[name] for name in spec.KERAS3}


def get(identifier):
    """Keras 1's `activations.get`: None is linear; a name; anything else as it is."""
    if identifier is None:
        return linear
    return generic_utils.get_from_module(identifier, ACTIVATIONS, "activation function")
