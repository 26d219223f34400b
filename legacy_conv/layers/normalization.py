"""Keras 1's BatchNormalization: modes 0, 1 and 2, and Keras 1.0.x's `running_std`.

Weights, in Keras 1's order: `[gamma, beta, running_mean, running_std]`, each of shape
`(input_shape[axis],)`. What `running_std` holds, by the Keras 1 version that wrote it
(read from each release's source; observed by training and predicting with the real 1.0.5,
1.0.6 and 1.0.7 on Theano, 1.0.6 on TensorFlow, 1.2.2 on both, and 1.0.7's inference on
TensorFlow):

- 1.0.0-1.0.5: training stored sqrt(var + eps); inference divided x - mean by
  running_std + eps.
- 1.0.6: Theano as 1.0.5; TensorFlow stored var and divided by sqrt(running_std + eps).
- 1.0.7: var; Theano divided by sqrt(running_std) + eps, TensorFlow by
  sqrt(running_std + eps).
- 1.0.8-1.2.2: var (var + eps on Theano >= 0.9 from Keras 1.2.0, and on cuDNN from 1.1.1);
  inference divides by sqrt(running_std + eps).

This layer implements the last line; `spec.releases.OLD_RUNNING_STD` says which (release,
backend) pairs
meant something else, and `running_std_as_variance` converts their values. The same releases
applied the same denominators to the batch's statistics in mode 2 (and mode 0 in training):
sqrt(var + eps) + eps, and sqrt(var) + eps on 1.0.7 Theano (`BATCH_DENOMINATORS`); given
`keras1_version` (the converter passes the model's release), this layer does too.
The defaults changed too: epsilon 1e-6 (1.0.0-1.0.7), 1e-5 (1.0.8-1.1.2), 1e-3 (1.2.x);
momentum 0.9 (1.0.0-1.0.6), 0.99 later. Keras 1 configs always record both.
"""

import numpy as np
import tensorflow as tf
from keras import layers
from keras.saving import register_keras_serializable

from legacy_conv import _validation
from legacy_conv import backend
from legacy_conv import initializers
from legacy_conv import regularizers as k1_regularizers
from legacy_conv.layers._base import Keras1Layer
from legacy_conv.spec import releases

MODES = (0, 1, 2)
# What one training step adds into `running_std` (times 1 - momentum), per Keras 1 backend:
# Keras 1.2.2 on Theano (>= 0.9) took the variance back from Theano's 1 / sqrt(var + eps).
RUNNING_STD_STATISTIC = {
    "tensorflow": lambda variance, epsilon: variance,
    "theano": lambda variance, epsilon: variance + epsilon,
}


def running_std_to_variance(running_std, epsilon):
    """The `running_std` of a Keras <= 1.0.5 file as the variance Keras >= 1.0.8 expects.

    Keras 1.0.0-1.0.5 (and 1.0.6 on Theano) stored `sqrt(var + epsilon)` of the batches and
    normalized with `(x - mean) / (running_std + epsilon)` at inference; later versions (and
    Keras 3) normalize with `(x - mean) / sqrt(variance + epsilon)`. The returned variance,
    `(running_std + epsilon) ** 2 - epsilon`, gives the old results in the new formula
    (it may be slightly negative for a tiny `running_std`; `variance + epsilon` is not).

    Args:
        running_std: array (or number), the old `running_std` weight.
        epsilon: float, the layer's `epsilon`.

    Returns:
        A float32 array of the same shape.
    """
    std = np.asarray(running_std, dtype=np.float64)
    return ((std + epsilon) ** 2 - epsilon).astype(np.float32)


def sqrt_running_std_to_variance(running_std, epsilon):
    """The `running_std` of a Keras 1.0.7 Theano file as the variance Keras >= 1.0.8 expects.

    Keras 1.0.7 on Theano stored the variance but normalized with
    `(x - mean) / (sqrt(running_std) + epsilon)`; the returned
    `(sqrt(running_std) + epsilon) ** 2 - epsilon` gives that in
    `(x - mean) / sqrt(variance + epsilon)`.

    Args:
        running_std: array (or number), the stored variance (NaN where negative, as in
            Keras 1.0.7).
        epsilon: float, the layer's `epsilon`.

    Returns:
        A float32 array of the same shape.
    """
    with np.errstate(invalid="ignore"):
        std = np.sqrt(np.asarray(running_std, dtype=np.float64))
    return running_std_to_variance(std, epsilon)


# Each old denominator (`spec.releases.OLD_RUNNING_STD`) -> the function giving the variance
# that Keras 1.2.2's formula needs.
TO_VARIANCE = {
    "std_plus_eps": running_std_to_variance,        # running_std + epsilon
    "sqrt_plus_eps": sqrt_running_std_to_variance,  # sqrt(running_std) + epsilon
}


# Each old denominator -> what the release divided x - mean by in modes that normalize with
# the batch's statistics (mode 2, and mode 0 in training).
BATCH_DENOMINATORS = {
    "std_plus_eps": lambda variance, epsilon: tf.sqrt(variance + epsilon) + epsilon,
    "sqrt_plus_eps": lambda variance, epsilon: tf.sqrt(variance) + epsilon,
}


def running_std_as_variance(running_std, epsilon, keras_version, keras1_backend):
    """A file's `running_std` as the variance this layer (and Keras 3's) needs.

    Args:
        running_std: array, the `running_std` weight as the file holds it.
        epsilon: float, the layer's `epsilon`.
        keras_version: str, the Keras 1 release that wrote the file (e.g. '1.0.7').
        keras1_backend: 'tensorflow' or 'theano', the backend it ran on.

    Returns:
        The converted float32 array, or `running_std` itself where that release and
        backend already stored a variance for sqrt(running_std + epsilon).
    """
    meaning = releases.running_std(keras_version, keras1_backend)
    if meaning is None:
        return running_std
    return TO_VARIANCE[meaning](running_std, epsilon)


@register_keras_serializable(package="legacy_conv")
class BatchNormalization(Keras1Layer):
    """Keras 1's BatchNormalization (Ioffe and Szegedy, 2015).

    Args:
        epsilon: float, added to the variance (default 1e-3).
        mode: 0 (feature-wise; batch statistics in training, running ones at inference,
            which training updates), 1 (sample-wise over the last axis), or 2
            (feature-wise, batch statistics always, nothing updated).
        axis: int, the feature axis of modes 0 and 2 (default -1; 1 for 'th' images).
        momentum: float, of the running averages (default 0.99).
        weights: optional `[gamma, beta, running_mean, running_std]`.
        beta_init, gamma_init: Keras 1 initialization names (default 'zero', 'one').
        gamma_regularizer, beta_regularizer: Keras 1 regularizers (or their configs).
        keras1_backend: 'tensorflow' or 'theano' (None = `legacy_conv.keras1_backend()`);
            only what training stores in `running_std` depends on it (and, with
            `keras1_version`, the formula below).
        keras1_version: the Keras 1 release the layer comes from (None: 1.2.2). Where that
            release (on that backend, see `spec.releases.OLD_RUNNING_STD`) divided the
            batch's statistics otherwise, modes 2 and 0 (in training) do as it did. (Keras 1.2.2 on
            Theano >= 0.9 also refused float32(epsilon) < 1e-5 in modes 0 and 2, e.g. the
            1e-5 default of Keras 1.0.8-1.1.2; older Theano ran it, and so does this layer.)

    Input shape: any. Output shape: the input shape.

    Keras 1 behaviour:
        - Mode 0 in training stores, in `running_std`, the batch variance on TensorFlow
          but the batch variance + epsilon on Theano (Keras 1.2.2 with Theano >= 0.9).
        - Mode 1 computes `(x - mean) / (sqrt(var + epsilon) + epsilon)` over the last
          axis and applies `gamma`/`beta` along the last axis, whatever `axis` says (so
          `input_shape[axis]` must equal `input_shape[-1]`).
    """

    def __init__(self, epsilon=1e-3, mode=0, axis=-1, momentum=0.99, weights=None,
                 beta_init="zero", gamma_init="one", gamma_regularizer=None,
                 beta_regularizer=None, keras1_backend=None, keras1_version=None, **kwargs):
        super().__init__(**kwargs)
        owner = self.owner
        if mode not in MODES or isinstance(mode, bool):
            raise _validation.argument_error(owner, "mode", mode, "must be 0, 1 or 2")
        if not _validation.is_int(axis):
            raise _validation.argument_error(owner, "axis", axis, "must be an integer")
        self.epsilon = float(epsilon)
        self.mode = int(mode)
        self.axis = int(axis)
        self.momentum = float(momentum)
        self.beta_init = initializers.check(owner, beta_init, "beta_init")
        self.gamma_init = initializers.check(owner, gamma_init, "gamma_init")
        self.gamma_regularizer = k1_regularizers.get(gamma_regularizer)
        self.beta_regularizer = k1_regularizers.get(beta_regularizer)
        self.keras1_backend = backend.resolve_keras1_backend(owner, keras1_backend)
        self.keras1_version = _validation.check_release(owner, "keras1_version", keras1_version)
        self._batch_denominator = BATCH_DENOMINATORS.get(
            releases.running_std(keras1_version, self.keras1_backend))
        if weights is not None and not isinstance(weights, (list, tuple)):
            raise _validation.argument_error(
                owner, "weights", weights,
                "must be a list [gamma, beta, running_mean, running_std] of arrays")
        self.initial_weights = weights
        self.supports_masking = True

    def build(self, input_shape):
        ndim = len(input_shape)
        if not -ndim <= self.axis < ndim:
            raise _validation.argument_error(
                self.owner, "axis", self.axis,
                f"is out of range for the {ndim}D input of shape {tuple(input_shape)}")
        size = input_shape[self.axis]
        if size is None:
            raise _validation.argument_error(
                self.owner, "input shape", tuple(input_shape),
                f"must have a known size on axis {self.axis}")
        if self.mode == 1 and input_shape[-1] is not None and input_shape[-1] != size:
            raise _validation.argument_error(
                self.owner, "axis", self.axis,
                f"gives gamma and beta {size} values, but mode 1 applies them along the "
                f"last axis ({input_shape[-1]} values) as Keras 1 did")
        shape = (size,)

        def init(name):
            return initializers.Keras1Initializer(name, "th")

        self.gamma = self.add_weight(name="gamma", shape=shape, initializer=init(self.gamma_init),
                                     regularizer=self.gamma_regularizer)
        self.beta = self.add_weight(name="beta", shape=shape, initializer=init(self.beta_init),
                                    regularizer=self.beta_regularizer)
        self.running_mean = self.add_weight(name="running_mean", shape=shape,
                                            initializer=initializers.constant("zero"),
                                            trainable=False)
        self.running_std = self.add_weight(name="running_std", shape=shape,
                                           initializer=initializers.constant("one"),
                                           trainable=False)
        self.input_spec = layers.InputSpec(ndim=ndim, axes={self.axis: size})
        if self.initial_weights is not None:
            weights, self.initial_weights = self.initial_weights, None
            self.set_weights(weights)

    def _broadcast(self, vector, ndim):
        shape = [1] * ndim
        shape[self.axis] = -1
        return tf.reshape(vector, shape)

    def call(self, inputs, training=None):
        if self.mode == 1:
            mean = tf.reduce_mean(inputs, axis=-1, keepdims=True)
            variance = tf.reduce_mean(tf.square(inputs - mean), axis=-1, keepdims=True)
            normed = (inputs - mean) / (tf.sqrt(variance + self.epsilon) + self.epsilon)
            return self.gamma * normed + self.beta
        ndim = len(inputs.shape)
        gamma, beta = self._broadcast(self.gamma, ndim), self._broadcast(self.beta, ndim)
        if self.mode == 0 and not training:
            return tf.nn.batch_normalization(
                inputs, self._broadcast(self.running_mean, ndim),
                self._broadcast(self.running_std, ndim), beta, gamma, self.epsilon)
        axes = [a for a in range(ndim) if a != self.axis % ndim]
        mean, variance = tf.nn.moments(inputs, axes)
        if self.mode == 0:
            statistic = RUNNING_STD_STATISTIC[self.keras1_backend](variance, self.epsilon)
            for variable, value in ((self.running_mean, mean), (self.running_std, statistic)):
                variable.assign(variable * self.momentum + value * (1.0 - self.momentum))
        mean, variance = self._broadcast(mean, ndim), self._broadcast(variance, ndim)
        if self._batch_denominator is not None:
            return (inputs - mean) / self._batch_denominator(variance, self.epsilon) * gamma \
                + beta
        return tf.nn.batch_normalization(inputs, mean, variance, beta, gamma, self.epsilon)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({
            "epsilon": self.epsilon,
            "mode": self.mode,
            "axis": self.axis,
            "gamma_regularizer": _config_of(self.gamma_regularizer),
            "beta_regularizer": _config_of(self.beta_regularizer),
            "momentum": self.momentum,
            "beta_init": initializers.name_of(self.beta_init),
            "gamma_init": initializers.name_of(self.gamma_init),
            "keras1_backend": self.keras1_backend,
            "keras1_version": self.keras1_version,
        })
        return config


def _config_of(obj):
    return None if obj is None else obj.get_config()
