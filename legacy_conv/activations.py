"""Keras 1 activations, with Keras 1.2.2's formulas.

Keras 1's hard_sigmoid is clip(0.2 * x + 0.5, 0, 1) (Keras 3's is relu6(x + 3) / 6), and
Keras 1's softmax accepts only 2D and 3D tensors (over the last axis).

On Theano, Keras 1's relu (`T.nnet.relu`, 0.5 * (x + |x|)) has the gradient 0.5 at 0 and its
hard_sigmoid (`T.nnet.hard_sigmoid`) the gradient 0 where it reaches 0 or 1; TensorFlow's
ops have 0 and 0.2 there. `get(name, keras1_backend='theano')` gives the same values with
Theano's gradients (`THEANO`), which a model trains with on dead or saturated units.

`spec.activations.KERAS3` says which Keras 3 built-in activation computes what each Keras 1
name computed. Those without one are registered as `legacy_conv>name`:
`keras3_activation(name, keras1_backend)` gives what a Keras 3 layer config (e.g.
`Dense(activation=...)`, `Activation`) holds for them and for the Theano variants where the
built-in's gradient differs (`spec.activations.KINKS`); `.keras` files keep them.
"""

import keras
import numpy as np
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


@tf.custom_gradient
def _theano_relu(x):
    """relu with Theano's gradient at 0: d/dx 0.5 * (x + |x|) = 0.5 * (1 + sign(x))."""
    return tf.nn.relu(x), lambda dy: dy * (0.5 + 0.5 * tf.sign(x))


@tf.custom_gradient
def _theano_hard_sigmoid(x):
    """hard_sigmoid with Theano's gradient: the slope where 0.2 x + 0.5, as Theano's C code
    computes it (one rounding: a fused multiply-add), is within [0, 1]; else 0."""
    slope = float(np.array(spec.HARD_SIGMOID_SLOPE, x.dtype.as_numpy_dtype))
    z = tf.cast(tf.cast(x, tf.float64) * slope + spec.HARD_SIGMOID_OFFSET, x.dtype)
    inside = tf.cast((z >= 0.0) & (z <= 1.0), x.dtype)
    return hard_sigmoid(x), lambda dy: dy * inside * spec.HARD_SIGMOID_SLOPE


def theano_relu(x, alpha=0.0, max_value=None):
    """Keras 1's `K.relu` on Theano: `T.nnet.relu(x, alpha)`, 0.5 * ((1 + alpha) x +
    (1 - alpha) |x|) (its gradient at 0: 0.5 * (1 + alpha)), at most `max_value`."""
    y = (_theano_relu(x) if not alpha else
         0.5 * (1.0 + alpha) * x + 0.5 * (1.0 - alpha) * tf.abs(x))
    return y if max_value is None else tf.minimum(y, max_value)


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
def _named(name, fn):
    """`fn` as a function of this module called `name` (what configs and handlers read)."""
    def activation(x):
        return fn(tf.convert_to_tensor(x))  # (also NumPy inputs, as Keras 3's activations)
    activation.__name__ = activation.__qualname__ = name
    return activation


# Keras 1 name -> the same values with Theano's gradients, where TensorFlow's differ;
# registered as "legacy_conv><name>_theano", this module's `<name>_theano`, for Keras 3
# configs (`keras3_activation`) and migrated code.
THEANO = {name: register_keras_serializable("legacy_conv", f"{name}_theano")(_named(name, fn))
          for name, fn in (("relu", _theano_relu), ("hard_sigmoid", _theano_hard_sigmoid))}
relu_theano, hard_sigmoid_theano = THEANO["relu"], THEANO["hard_sigmoid"]
RANKS, KERAS3_EQUIVALENT = spec.RANKS, spec.KERAS3  # the spec's tables, by their old names


def keras3_activation(name, keras1_backend="tensorflow"):
    """What a Keras 3 layer config's `activation` should hold for Keras 1's `name` on
    `keras1_backend`: the Keras 3 built-in's name where it computes the same values and
    gradients (`spec.KINKS`), else the serialized form of ours (Keras 3 resolves registered
    functions only from that form, not from a "legacy_conv>name" string)."""
    ours = get(name, keras1_backend)  # or raises with the list of Keras 1 names
    builtin = KERAS3_EQUIVALENT[name]
    if builtin and keras1_backend not in spec.KINKS.get(name, (None, {}))[1]:
        return builtin
    return keras.activations.serialize(ours)


def get(identifier, keras1_backend="tensorflow"):
    """Keras 1's `activations.get`: None is linear; a name; or a callable as is. A name's
    function (or ours, given) on `keras1_backend` (Theano's gradients: `THEANO`)."""
    if identifier is None:
        return linear
    if callable(identifier):
        return for_backend(identifier, keras1_backend)
    if isinstance(identifier, str) and identifier in ACTIVATIONS:
        return for_backend(ACTIVATIONS[identifier], keras1_backend)
    names = ", ".join(repr(n) for n in ACTIVATIONS)
    raise ValueError(f"Unknown Keras 1 activation {identifier!r}. Known: {names}, or a callable")


def for_backend(activation, keras1_backend):
    """Our activation `activation` as Keras 1 computed it on `keras1_backend`."""
    name = name_of(activation)
    if keras1_backend == "theano" and ACTIVATIONS.get(name) is activation:
        return THEANO.get(name, activation)
    return activation


def name_of(activation):
    return getattr(activation, "__name__", repr(activation))
