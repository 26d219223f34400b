"""Keras 1's Embedding with its word `dropout`.

Keras 3's Embedding computes Keras 1's lookup; Keras 1.2.2's `dropout` (0 < dropout < 1)
also dropped whole words in training, which no Keras 3 layer does. The converter uses
this layer only there (`spec.layers`: Embedding's `legacy_when`).
"""

import keras
import numpy as np
import tensorflow as tf
from keras.saving import register_keras_serializable

from legacy_conv import _validation
from legacy_conv import constraints as k1_constraints
from legacy_conv import initializers
from legacy_conv import regularizers as k1_regularizers
from legacy_conv.layers._base import Keras1Layer
from legacy_conv.spec import layers as spec


def drops_words(dropout):
    """Whether Keras 1.2.2 applied word dropout for this `dropout` (`0 < dropout < 1`;
    any other number, 1 included, meant none)."""
    return 0.0 < dropout < 1.0


@register_keras_serializable(package="legacy_conv")
class Embedding(Keras1Layer):
    """Keras 1's Embedding: integer indices to rows of `W`, with Keras 1's word dropout.

    Args:
        input_dim: int > 0, the vocabulary size (rows of `W`).
        output_dim: int >= 0, the embedding size.
        init: Keras 1 initialization of `W` (default 'uniform': U(-0.05, 0.05)).
        input_length: int or None, the sequence length (the input shape Keras 1 gave it).
        W_regularizer, activity_regularizer: Keras 1 regularizers (or their configs); the
            activity penalty is summed over the batch, as in Keras 1.
        W_constraint: a Keras 1 constraint (or its config).
        mask_zero: bool, index 0 is padding: the output mask is `inputs != 0`.
        weights: optional `[W]`, of shape `(input_dim, output_dim)`.
        dropout: float; for `0 < dropout < 1`, in training each word of the vocabulary is
            dropped with probability `dropout` (its row of `W` zeroed wherever it occurs in
            the batch) and the kept rows are scaled by `1 / (1 - dropout)`. Inference never
            drops.

    Input shape: `(batch, sequence_length)`, integers (others are cast to int32, as
    Keras 1 did). Output shape: `(batch, sequence_length, output_dim)`.

    Keras 1 behaviour: one draw per vocabulary row and per training step (not per
    occurrence); a `dropout` of 1 or more, or of 0 or less, drops nothing.

    Example:

    >>> import numpy as np, legacy_conv
    >>> layer = legacy_conv.Embedding(5, 2, dropout=0.5, weights=[np.ones((5, 2), "float32")])
    >>> layer(np.array([[1, 1]])).numpy()  # inference
    array([[[1., 1.],
            [1., 1.]]], dtype=float32)
    """

    def __init__(self, input_dim, output_dim, init="uniform", input_length=None,
                 W_regularizer=None, activity_regularizer=None, W_constraint=None,
                 mask_zero=False, weights=None, dropout=0.0, **kwargs):
        # Keras 1 gave every Embedding the input shape (input_length,) and int32 inputs.
        if kwargs.get("batch_input_shape") is None:
            kwargs["input_shape"] = (input_length,)
        kwargs["input_dtype"] = "int32"
        super().__init__(**kwargs)
        owner = self.owner
        self.input_dim = _validation.check_int(owner, "input_dim", input_dim)
        self.output_dim = _validation.check_int(owner, "output_dim", output_dim, minimum=0)
        self.input_length = (None if input_length is None else
                             _validation.check_int(owner, "input_length", input_length))
        self.init = initializers.check(owner, init)
        self.W_regularizer = k1_regularizers.get(W_regularizer)
        self.activity_regularizer_k1 = k1_regularizers.get(activity_regularizer)
        self.W_constraint = k1_constraints.get(W_constraint)
        if not isinstance(mask_zero, (bool, np.bool_)):
            raise _validation.argument_error(owner, "mask_zero", mask_zero, "must be a bool")
        self.mask_zero = bool(mask_zero)
        self.dropout = _validation.check_number(owner, "dropout", dropout)
        if weights is not None and not isinstance(weights, (list, tuple)):
            raise _validation.argument_error(owner, "weights", weights,
                                             "must be a list [W] of one array")
        self.initial_weights = weights
        self.seed_generator = keras.random.SeedGenerator()
        self.supports_masking = self.mask_zero

    def build(self, input_shape):
        self.embeddings = self.add_weight(
            name="embeddings", shape=(self.input_dim, self.output_dim),
            initializer=initializers.Keras1Initializer(self.init, "th"),
            regularizer=self.W_regularizer, constraint=self.W_constraint)
        if self.initial_weights is not None:
            weights, self.initial_weights = self.initial_weights, None
            self.set_weights(weights)

    def call(self, inputs, training=None):
        if inputs.dtype != tf.int32:
            inputs = tf.cast(inputs, tf.int32)
        table = self.embeddings
        if training and drops_words(self.dropout):
            retain = 1.0 - self.dropout
            kept = keras.random.uniform((self.input_dim, 1), seed=self.seed_generator) < retain
            table = table * (tf.cast(kept, table.dtype) * np.float32(1.0 / retain))
        outputs = tf.gather(table, inputs)
        if self.activity_regularizer_k1 is not None:
            self.add_loss(self.activity_regularizer_k1(outputs))
        return outputs

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return keras.ops.not_equal(inputs, 0)

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        if self.input_length is not None and len(shape) == 2:
            shape = (shape[0], self.input_length)
        return shape + (self.output_dim,)

    def get_config(self):
        config = super().get_config()
        for key, _ in spec.signature("Embedding"):  # Keras 1's arguments, as it saved them
            if key != "weights":
                config[key] = _saved(getattr(self, ATTRIBUTES.get(key, key)))
        return config


# Keras 1 argument -> this layer's attribute, where they differ (Keras 3's own
# `activity_regularizer` would divide the penalty by the batch size).
ATTRIBUTES = {"activity_regularizer": "activity_regularizer_k1"}


def _saved(value):
    """An argument's value as Keras 1's get_config saved it."""
    if hasattr(value, "get_config"):
        return value.get_config()
    if callable(value):
        return initializers.name_of(value)
    return value
