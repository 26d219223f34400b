"""Keras 1's core layers that no Keras 3 built-in computes: Highway, MaxoutDense,
TimeDistributedDense and ActivityRegularization (`keras/layers/core.py` of Keras 1.2.2).

Highway, MaxoutDense and TimeDistributedDense share `_DenseFamily`: Keras 1's `init`,
`W`/`b` regularizers and constraints, activity penalty, `bias`, `input_dim` and `weights`,
weights in Keras 1's order and shapes. Every activity penalty is Keras 1's: summed over the
whole batch (Keras 3's `activity_regularizer` and `ActivityRegularization` divide it by the
batch size).
"""

import tensorflow as tf
from keras import layers
from keras.saving import register_keras_serializable

from legacy_conv import _validation, initializers
from legacy_conv import activations as k1_activations
from legacy_conv import backend
from legacy_conv import constraints as k1_constraints
from legacy_conv import regularizers as k1_regularizers
from legacy_conv.layers._base import Keras1Elementwise, Keras1Layer
from legacy_conv.layers.base_conv import _config_of
from legacy_conv.load import weights as load_weights

serializable = register_keras_serializable(package="legacy_conv")

# Highway's weights as Keras 1.1.2 saved them (its `trainable_weights`: W, b, W_carry,
# b_carry), in 1.2.2's order (`add_weight`'s: W, W_carry, b, b_carry). Files do not always
# say which release wrote them; the shapes do (1.1.2's second weight, b, is 1D).
HIGHWAY_OLD_ORDER = (0, 2, 1, 3)


def _highway_weights(arrays, layer):
    """A file's Highway weights in 1.2.2's order (`load.weights.TRANSFORMS`)."""
    if len(arrays) == len(HIGHWAY_OLD_ORDER) and len(arrays[1].shape) == 1:
        return [arrays[i] for i in HIGHWAY_OLD_ORDER]
    return arrays


class _DenseFamily(Keras1Layer):
    """Base of Keras 1's dense layers; subclasses give `WEIGHTS`, `_shapes` and `_compute`.

    `WEIGHTS`: (name, initializer or None for the layer's `init`, Keras 1 argument prefix of
    its regularizer and constraint or None), in Keras 1's order; names starting with 'b'
    exist only where `bias` is set.
    """

    ndim = 2  # the input's rank, batch included
    has_activation = True
    WEIGHTS = (("W", None, "W"), ("b", "zero", "b"))

    def __init__(self, init="glorot_uniform", activation=None, weights=None,
                 W_regularizer=None, b_regularizer=None, activity_regularizer=None,
                 W_constraint=None, b_constraint=None, bias=True, input_dim=None,
                 keras1_backend=None, **kwargs):
        super().__init__(**kwargs)
        owner = self.owner
        self.init = init if init == "identity" else initializers.check(owner, init)
        self.keras1_backend = backend.resolve_keras1_backend(owner, keras1_backend)
        try:  # on Theano, Theano's gradients at the kinks
            self.activation = k1_activations.get(activation, self.keras1_backend)
        except ValueError:
            raise _validation.argument_error(
                owner, "activation", activation,
                f"must be a Keras 1 activation ({', '.join(k1_activations.ACTIVATIONS)}) "
                "or a callable") from None
        ranks = k1_activations.RANKS.get(k1_activations.name_of(self.activation))
        if ranks and self.ndim not in ranks:
            raise _validation.argument_error(
                owner, "activation", activation,
                f"cannot be applied to this layer's {self.ndim}D output in Keras 1")
        self.weight_regularizers = {"W": k1_regularizers.get(W_regularizer),
                                    "b": k1_regularizers.get(b_regularizer)}
        self.weight_constraints = {"W": k1_constraints.get(W_constraint),
                                   "b": k1_constraints.get(b_constraint)}
        self.k1_activity_regularizer = k1_regularizers.get(activity_regularizer)
        self.bias = bool(bias)
        self.input_dim = input_dim
        if weights is not None and not isinstance(weights, (list, tuple)):
            raise _validation.argument_error(owner, "weights", weights,
                                             "must be a list of arrays in the Keras 1 layout")
        self.initial_weights = weights
        self.input_spec = layers.InputSpec(ndim=self.ndim)

    def __call__(self, inputs, *args, **kwargs):
        shape = getattr(inputs, "shape", None)
        if shape is not None and len(shape) != self.ndim:
            raise _validation.argument_error(
                self.owner, "input", f"<tensor of shape {tuple(shape)}>",
                f"must be a {self.ndim}D tensor {self.INPUT_LAYOUT}")
        return super().__call__(inputs, *args, **kwargs)

    def build(self, input_shape):
        input_dim = input_shape[-1]
        if input_dim is None:
            raise _validation.argument_error(self.owner, "input shape", tuple(input_shape),
                                             "must have a known last dimension")
        shapes = self._shapes(int(input_dim))
        for name, init, prefix in self.WEIGHTS:
            if name.startswith("b") and not self.bias:
                continue
            variable = self.add_weight(
                name=name, shape=shapes[name],
                initializer=(initializers.constant(init) if init else
                             initializers.Keras1Initializer(self.init, "th")),
                regularizer=self.weight_regularizers.get(prefix),
                constraint=self.weight_constraints.get(prefix))
            setattr(self, name, variable)
        self.input_spec = layers.InputSpec(ndim=self.ndim, axes={-1: int(input_dim)})
        if self.initial_weights is not None:
            weights, self.initial_weights = self.initial_weights, None
            self.set_weights(weights)

    def call(self, inputs):
        y = self._compute(inputs)
        if self.k1_activity_regularizer is not None:
            self.add_loss(self.k1_activity_regularizer(y))
        return y

    def _affine(self, x, kernel, bias):
        y = tf.matmul(x, kernel.value)
        return y + bias.value if self.bias else y

    def get_config(self):
        config = super().get_config()
        config["init"] = initializers.name_of(self.init)
        if self.has_activation:
            config["activation"] = k1_activations.name_of(self.activation)
            config["keras1_backend"] = self.keras1_backend
        for prefix in ("W", "b"):
            config[f"{prefix}_regularizer"] = _config_of(self.weight_regularizers[prefix])
        config["activity_regularizer"] = _config_of(self.k1_activity_regularizer)
        for prefix in ("W", "b"):
            config[f"{prefix}_constraint"] = _config_of(self.weight_constraints[prefix])
        config.update({"bias": self.bias, "input_dim": self.input_dim})
        return config


@serializable
class Highway(_DenseFamily):
    """Keras 1's densely connected highway layer.

    `t = sigmoid(x W_carry + b_carry)`, output `activation(x W + b) * t + (1 - t) * x`.

    Args:
        init: Keras 1 initialization of `W` and `W_carry` (default 'glorot_uniform').
        activation: Keras 1 activation of the transform (default linear).
        weights: `[W, W_carry, b, b_carry]` (`[W, W_carry]` without bias), shapes
            `(input_dim, input_dim)` and `(input_dim,)`.
        W_regularizer, b_regularizer, W_constraint, b_constraint: of `W` and `b` only
            (Keras 1 regularized and constrained neither `W_carry` nor `b_carry`).
        activity_regularizer: Keras 1 penalty of the output, summed over the batch.
        bias: whether there are `b` and `b_carry` (default True; `b_carry` starts at 1).
        input_dim: the input's size, for a first layer.
        transform_bias: deprecated in Keras 1.2.2, ignored (Keras 1 warned and dropped it;
            Keras 1.1.2 started `b_carry` at it, which a file's weights replace).

    Input shape: `(samples, input_dim)`. Output shape: the same.
    """

    INPUT_LAYOUT = "(samples, input_dim)"
    WEIGHTS = (("W", None, "W"), ("W_carry", None, None), ("b", "zero", "b"),
               ("b_carry", "one", None))

    def __init__(self, init="glorot_uniform", activation=None, weights=None,
                 W_regularizer=None, b_regularizer=None, activity_regularizer=None,
                 W_constraint=None, b_constraint=None, bias=True, input_dim=None,
                 transform_bias=None, keras1_backend=None, **kwargs):
        if input_dim:
            kwargs["input_shape"] = (input_dim,)
        super().__init__(init, activation, weights, W_regularizer, b_regularizer,
                         activity_regularizer, W_constraint, b_constraint, bias, input_dim,
                         keras1_backend, **kwargs)

    def _shapes(self, input_dim):
        return {"W": (input_dim, input_dim), "W_carry": (input_dim, input_dim),
                "b": (input_dim,), "b_carry": (input_dim,)}

    def _compute(self, x):
        transform = k1_activations.sigmoid(self._affine(x, self.W_carry, getattr(
            self, "b_carry", None)))
        act = self.activation(self._affine(x, self.W, getattr(self, "b", None)))
        return act * transform + (1 - transform) * x

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)


load_weights.TRANSFORMS["Highway"] = _highway_weights


@serializable
class MaxoutDense(_DenseFamily):
    """Keras 1's dense maxout layer: the maximum of `nb_feature` linear Dense layers.

    Output `max_k(x W[k] + b[k])`; no activation (Keras 1's is linear only).

    Args:
        output_dim: int > 0, the output size.
        nb_feature: how many linear layers (default 4).
        init, weights, W_regularizer, b_regularizer, activity_regularizer, W_constraint,
            b_constraint, bias, input_dim: as Keras 1's Dense; `weights` is `[W, b]` of
            shapes `(nb_feature, input_dim, output_dim)` and `(nb_feature, output_dim)`.

    Input shape: `(samples, input_dim)`. Output shape: `(samples, output_dim)`.
    """

    INPUT_LAYOUT = "(samples, input_dim)"
    has_activation = False

    def __init__(self, output_dim, nb_feature=4, init="glorot_uniform", weights=None,
                 W_regularizer=None, b_regularizer=None, activity_regularizer=None,
                 W_constraint=None, b_constraint=None, bias=True, input_dim=None, **kwargs):
        if input_dim:
            kwargs["input_shape"] = (input_dim,)
        super().__init__(init, None, weights, W_regularizer, b_regularizer,
                         activity_regularizer, W_constraint, b_constraint, bias, input_dim,
                         **kwargs)
        self.output_dim = _validation.check_int(self.owner, "output_dim", output_dim)
        self.nb_feature = _validation.check_int(self.owner, "nb_feature", nb_feature)

    def _shapes(self, input_dim):
        return {"W": (self.nb_feature, input_dim, self.output_dim),
                "b": (self.nb_feature, self.output_dim)}

    def _compute(self, x):
        y = tf.tensordot(x, self.W.value, [[1], [1]])  # (samples, nb_feature, output_dim)
        if self.bias:
            y = y + self.b.value
        return tf.reduce_max(y, axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.output_dim)

    def get_config(self):
        config = super().get_config()
        config.update({"output_dim": self.output_dim, "nb_feature": self.nb_feature})
        return config


@serializable
class TimeDistributedDense(_DenseFamily):
    """Keras 1's (deprecated) TimeDistributedDense: one Dense applied to every step.

    Computed as Keras 1 did, as one matrix product over all the steps at once.

    Args:
        output_dim: int > 0, the output size per step.
        init, activation, weights, W_regularizer, b_regularizer, activity_regularizer,
            W_constraint, b_constraint, bias, input_dim: as Keras 1's Dense (`weights`:
            `[W, b]` of shapes `(input_dim, output_dim)` and `(output_dim,)`).
        input_length: the number of steps, for a first layer (with `input_dim`).

    Input shape: `(samples, steps, input_dim)`, the steps known (Keras 1 refused an
    unknown number). Output shape: `(samples, steps, output_dim)`. Masks pass through.

    Keras 1 behaviour: its activity penalty is summed over samples and steps.
    """

    INPUT_LAYOUT = "(samples, steps, input_dim)"
    ndim = 3

    def __init__(self, output_dim, init="glorot_uniform", activation=None, weights=None,
                 W_regularizer=None, b_regularizer=None, activity_regularizer=None,
                 W_constraint=None, b_constraint=None, bias=True, input_dim=None,
                 input_length=None, keras1_backend=None, **kwargs):
        if input_dim:
            kwargs["input_shape"] = (input_length, input_dim)
        super().__init__(init, activation, weights, W_regularizer, b_regularizer,
                         activity_regularizer, W_constraint, b_constraint, bias, input_dim,
                         keras1_backend, **kwargs)
        self.output_dim = _validation.check_int(self.owner, "output_dim", output_dim)
        self.input_length = input_length
        self.supports_masking = True

    def _shapes(self, input_dim):
        return {"W": (input_dim, self.output_dim), "b": (self.output_dim,)}

    def build(self, input_shape):
        if input_shape[1] is None:  # Keras 1 reshaped its output to the known length
            raise _validation.argument_error(
                self.owner, "input", f"<tensor of shape {tuple(input_shape)}>",
                "must have a known number of steps (Keras 1 required it)",
                "Give the first layer input_length or an input_shape with the steps")
        super().build(input_shape)

    def _compute(self, x):
        shape = tf.shape(x)
        y = self._affine(tf.reshape(x, (-1, x.shape[-1])), self.W, getattr(self, "b", None))
        return self.activation(tf.reshape(y, (shape[0], shape[1], self.output_dim)))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[1], self.output_dim)

    def compute_mask(self, inputs, mask=None):
        return mask

    def get_config(self):
        config = super().get_config()
        config.update({"output_dim": self.output_dim, "input_length": self.input_length})
        return config


@serializable
class ActivityRegularization(Keras1Elementwise):
    """Keras 1's ActivityRegularization: the identity, adding Keras 1's activity penalty
    `sum(l1 * |x|) + sum(l2 * x**2)` over the whole batch to the loss.

    Args:
        l1: float, the L1 factor (default 0.0).
        l2: float, the L2 factor (default 0.0).

    Input shape: any. Output shape: the input shape.

    Keras 1 behaviour: Keras 3's `ActivityRegularization` divides the penalty by the batch
    size; Keras 1 did not (and accepted negative factors).
    """

    CONFIG_KEYS = ("l1", "l2")

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        super().__init__(**kwargs)
        _validation.check_number(self.owner, "l1", l1)
        _validation.check_number(self.owner, "l2", l2)
        self.l1, self.l2 = l1, l2
        self.k1_activity_regularizer = k1_regularizers.L1L2Regularizer(l1=l1, l2=l2)

    def call(self, inputs):
        self.add_loss(self.k1_activity_regularizer(inputs))
        return inputs
