"""Keras 1.2.2's losses (`keras.objectives`; Keras 1 had no `losses` module):
`model.compile(loss=objectives.get('categorical_crossentropy'))`.

Each function returns Keras 1's per-sample values (the mean over the last axis, or the sum
for the crossentropies and `kullback_leibler_divergence`), computed as Keras 1's backend did
(`legacy_conv.set_keras1_backend`): the crossentropies clip the predictions to
[1e-7, 1 - 1e-7] (Theano and TensorFlow clip, normalise and take logarithms in their own
orders), `cosine_proximity` is minus the *mean* of the normalised products (Keras 3's
`cosine_similarity` takes their sum), and Theano's normalisation divides a zero vector by 0.
"""

import keras
from keras import ops

from legacy_conv import _validation
from legacy_conv.backend import keras1_backend
from legacy_conv.spec import training as spec

EPSILON = 1e-7  # Keras 1's K.epsilon() and its backends' _EPSILON


def _normalize(p):
    return p / ops.sum(p, axis=-1, keepdims=True)


def _clip(p):
    return ops.clip(p, EPSILON, 1.0 - EPSILON)


def _one_hot(y_true, y_pred):
    return ops.one_hot(ops.cast(ops.reshape(y_true, ops.shape(y_pred)[:-1]), "int32"),
                       ops.shape(y_pred)[-1], dtype=y_pred.dtype)


def _th_crossentropy(target, output):
    return -ops.sum(target * ops.log(_clip(_normalize(output))), axis=-1)


def _tf_sparse_crossentropy(y_true, y_pred):
    # log-probabilities as logits of a softmax crossentropy: no normalisation before the clip
    log_softmax = ops.log_softmax(ops.log(_clip(y_pred)), axis=-1)
    return -ops.sum(_one_hot(y_true, y_pred) * log_softmax, axis=-1)


def _th_binary(target, output):
    output = _clip(output)
    return -(target * ops.log(output) + (1.0 - target) * ops.log(1.0 - output))


def _tf_binary(target, output):
    output = _clip(output)
    logits = ops.log(output / (1.0 - output))
    return (ops.maximum(logits, 0.0) - logits * target
            + ops.log(1.0 + ops.exp(-ops.abs(logits))))


def _th_l2_normalize(x):
    return x / ops.sqrt(ops.sum(ops.square(x), axis=-1, keepdims=True))


def _tf_l2_normalize(x):
    return x * ops.rsqrt(ops.maximum(ops.sum(ops.square(x), axis=-1, keepdims=True), 1e-12))


# Keras 1's backend functions that its two backends computed differently.
BACKEND = {
    "theano": {"categorical_crossentropy": _th_crossentropy,
               "sparse_categorical_crossentropy":
                   lambda t, o: _th_crossentropy(_one_hot(t, o), o),
               "binary_crossentropy": _th_binary, "l2_normalize": _th_l2_normalize},
    "tensorflow": {"categorical_crossentropy": _th_crossentropy,
                   "sparse_categorical_crossentropy": _tf_sparse_crossentropy,
                   "binary_crossentropy": _tf_binary, "l2_normalize": _tf_l2_normalize},
}


def backend_op(name):
    return BACKEND[keras1_backend()][name]


def _cast(y_true, y_pred):
    y_pred = ops.convert_to_tensor(y_pred)
    return ops.cast(y_true, y_pred.dtype), y_pred


def _register(fn):
    return keras.saving.register_keras_serializable(
        package="legacy_conv", name=f"objectives.{fn.__name__}")(fn)


@_register
def mean_squared_error(y_true, y_pred):
    y_true, y_pred = _cast(y_true, y_pred)
    return ops.mean(ops.square(y_pred - y_true), axis=-1)


@_register
def mean_absolute_error(y_true, y_pred):
    y_true, y_pred = _cast(y_true, y_pred)
    return ops.mean(ops.abs(y_pred - y_true), axis=-1)


@_register
def mean_absolute_percentage_error(y_true, y_pred):
    y_true, y_pred = _cast(y_true, y_pred)
    diff = ops.abs((y_true - y_pred) / ops.maximum(ops.abs(y_true), EPSILON))
    return 100.0 * ops.mean(diff, axis=-1)


@_register
def mean_squared_logarithmic_error(y_true, y_pred):
    y_true, y_pred = _cast(y_true, y_pred)
    first_log = ops.log(ops.maximum(y_pred, EPSILON) + 1.0)
    second_log = ops.log(ops.maximum(y_true, EPSILON) + 1.0)
    return ops.mean(ops.square(first_log - second_log), axis=-1)


@_register
def squared_hinge(y_true, y_pred):
    y_true, y_pred = _cast(y_true, y_pred)
    return ops.mean(ops.square(ops.maximum(1.0 - y_true * y_pred, 0.0)), axis=-1)


@_register
def hinge(y_true, y_pred):
    y_true, y_pred = _cast(y_true, y_pred)
    return ops.mean(ops.maximum(1.0 - y_true * y_pred, 0.0), axis=-1)


@_register
def categorical_crossentropy(y_true, y_pred):
    y_true, y_pred = _cast(y_true, y_pred)
    return backend_op("categorical_crossentropy")(y_true, y_pred)


@_register
def sparse_categorical_crossentropy(y_true, y_pred):
    y_true, y_pred = _cast(y_true, y_pred)
    return backend_op("sparse_categorical_crossentropy")(y_true, y_pred)


@_register
def binary_crossentropy(y_true, y_pred):
    y_true, y_pred = _cast(y_true, y_pred)
    return ops.mean(backend_op("binary_crossentropy")(y_true, y_pred), axis=-1)


@_register
def kullback_leibler_divergence(y_true, y_pred):
    y_true, y_pred = _cast(y_true, y_pred)
    y_true = ops.clip(y_true, EPSILON, 1.0)
    y_pred = ops.clip(y_pred, EPSILON, 1.0)
    return ops.sum(y_true * ops.log(y_true / y_pred), axis=-1)


@_register
def poisson(y_true, y_pred):
    y_true, y_pred = _cast(y_true, y_pred)
    return ops.mean(y_pred - y_true * ops.log(y_pred + EPSILON), axis=-1)


@_register
def cosine_proximity(y_true, y_pred):
    y_true, y_pred = _cast(y_true, y_pred)
    normalize = backend_op("l2_normalize")
    return -ops.mean(normalize(y_true) * normalize(y_pred), axis=-1)


# Keras 1's aliases (mse = MSE = mean_squared_error, ...)
globals().update({alias: globals()[name] for alias, name in spec.OBJECTIVE_ALIASES.items()})


def lookup(module, identifier, names, aliases, namespace):
    """`namespace`'s function of Keras 1's name or alias `identifier` (one of `names`)."""
    name = aliases.get(identifier, identifier) if isinstance(identifier, str) else None
    if name not in names:
        raise _validation.argument_error(
            f"{module}.get", "identifier", identifier,
            f"must name a Keras 1 {module[:-1]} ({', '.join([*names, *aliases])})")
    return namespace[name]


def get(identifier):
    """Keras 1's `objectives.get`: a loss by name or alias; a function is returned as it is."""
    if callable(identifier):
        return identifier
    return lookup("objectives", identifier, spec.OBJECTIVES, spec.OBJECTIVE_ALIASES, globals())
