"""Keras 1.2.2's metrics (`keras.metrics`) for Keras 3's `compile`, and their History keys.

Keras 1's metrics are batch-wise scalars (precision, recall and the F scores too), averaged
over an epoch weighted by batch size: `metric(identifier, loss, output_shape)` gives a Keras 3
metric that does the same, named by the key Keras 1's `History` used (`history_key`): 'acc'
for 'accuracy'/'acc' (binary, sparse or categorical accuracy, chosen by the loss and output
size as Keras 1's `compile` did), else the function's name ('mse' is logged as
'mean_squared_error'). The losses are repeated here as Keras 1's metrics module did: their mean.
"""

import keras
from keras import ops

from legacy_conv.backend import keras1_backend
from legacy_conv.keras1 import objectives
from legacy_conv.spec import training as spec

EPSILON = objectives.EPSILON


def _register(fn):
    return keras.saving.register_keras_serializable(
        package="legacy_conv", name=f"metrics.{fn.__name__}")(fn)


def _mean_equal(a, b):
    return ops.mean(ops.cast(ops.equal(a, b), "float32"))


@_register
def binary_accuracy(y_true, y_pred):
    y_true, y_pred = objectives._cast(y_true, y_pred)
    return _mean_equal(y_true, ops.round(y_pred))


@_register
def categorical_accuracy(y_true, y_pred):
    return _mean_equal(ops.argmax(y_true, axis=-1), ops.argmax(y_pred, axis=-1))


@_register
def sparse_categorical_accuracy(y_true, y_pred):
    y_true, y_pred = objectives._cast(y_true, y_pred)
    return _mean_equal(ops.max(y_true, axis=-1), ops.cast(ops.argmax(y_pred, axis=-1), "float32"))


def _in_top_k_tf(y_pred, target, k):
    # tf.nn.in_top_k: a prediction tied with the k-th largest counts as in the top k
    value = ops.take_along_axis(y_pred, target[:, None], axis=-1)
    return ops.sum(ops.cast(y_pred > value, "int32"), axis=-1) < k


def _in_top_k_th(y_pred, target, k):
    # Theano: the target among the last k of argsort (ties ordered by index)
    value = ops.take_along_axis(y_pred, target[:, None], axis=-1)
    index = ops.arange(ops.shape(y_pred)[-1])[None, :]
    before = (y_pred < value) | ((y_pred == value) & (index < target[:, None]))
    return ops.sum(ops.cast(before, "int32"), axis=-1) >= ops.shape(y_pred)[-1] - k


IN_TOP_K = {"theano": _in_top_k_th, "tensorflow": _in_top_k_tf}


@_register
def top_k_categorical_accuracy(y_true, y_pred, k=5):
    target = ops.cast(ops.argmax(y_true, axis=-1), "int32")
    return ops.mean(ops.cast(IN_TOP_K[keras1_backend()](y_pred, target, k), "float32"))


def _rounded(x):
    return ops.round(ops.clip(x, 0.0, 1.0))


@_register
def matthews_correlation(y_true, y_pred):
    """Keras 1's Matthews correlation, batch-wise."""
    y_true, y_pred = objectives._cast(y_true, y_pred)
    y_pred_pos, y_pos = _rounded(y_pred), _rounded(y_true)
    y_pred_neg, y_neg = 1.0 - y_pred_pos, 1.0 - y_pos
    tp, tn = ops.sum(y_pos * y_pred_pos), ops.sum(y_neg * y_pred_neg)
    fp, fn = ops.sum(y_neg * y_pred_pos), ops.sum(y_pos * y_pred_neg)
    denominator = ops.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    return (tp * tn - fp * fn) / (denominator + EPSILON)


@_register
def precision(y_true, y_pred):
    """Keras 1's precision, batch-wise."""
    y_true, y_pred = objectives._cast(y_true, y_pred)
    true_positives = ops.sum(_rounded(y_true * y_pred))
    return true_positives / (ops.sum(_rounded(y_pred)) + EPSILON)


@_register
def recall(y_true, y_pred):
    """Keras 1's recall, batch-wise."""
    y_true, y_pred = objectives._cast(y_true, y_pred)
    true_positives = ops.sum(_rounded(y_true * y_pred))
    return true_positives / (ops.sum(_rounded(y_true)) + EPSILON)


@_register
def fbeta_score(y_true, y_pred, beta=1):
    """Keras 1's F score, batch-wise (its "no true positives: 0" test compared a tensor with
    0 by identity, so it never applied)."""
    if beta < 0:
        raise ValueError("The lowest choosable beta is zero (only precision).")  # Keras 1's
    p, r = precision(y_true, y_pred), recall(y_true, y_pred)
    bb = beta ** 2
    return (1 + bb) * (p * r) / (bb * p + r + EPSILON)


@_register
def fmeasure(y_true, y_pred):
    return fbeta_score(y_true, y_pred, beta=1)


def _mean_of(objective):
    def metric(y_true, y_pred):
        return ops.mean(objective(y_true, y_pred))
    metric.__name__ = metric.__qualname__ = objective.__name__
    metric.__doc__ = f"Keras 1's metric {objective.__name__}: the mean of the objective."
    return _register(metric)


globals().update({name: _mean_of(getattr(objectives, name)) for name in spec.OBJECTIVES})
# Keras 1's aliases (mse, fscore, f1score, ...)
globals().update({alias: globals()[name] for alias, name in spec.METRIC_ALIASES.items()})


def _loss_name(loss):
    if loss is None or callable(loss):
        return getattr(loss, "__name__", None)
    return objectives.get(loss).__name__


def get(identifier, loss=None, output_shape=None):
    """Keras 1's `metrics.get`, and `compile`'s 'accuracy'/'acc' resolved from the `loss` and
    the output's `output_shape` as Keras 1 did. A function is returned as it is."""
    if callable(identifier):
        return identifier
    if identifier in spec.ACCURACY:
        binary = output_shape is not None and output_shape[-1] == 1
        identifier = "binary_accuracy" if binary else \
            spec.ACCURACY_BY_LOSS.get(_loss_name(loss), spec.ACCURACY_DEFAULT)
    return objectives.lookup("metrics", identifier, spec.METRICS, spec.METRIC_ALIASES, globals())


def history_key(identifier, output_name=None, outputs=1):
    """The key of Keras 1's `History` (and `metrics_names`) for a metric: 'acc' for
    'accuracy'/'acc', else the function's name; '<output layer>_' before it when the model
    had several outputs. Validation values are 'val_' + this."""
    key = spec.ACCURACY_KEY if identifier in spec.ACCURACY else get(identifier).__name__
    return f"{output_name}_{key}" if outputs > 1 else key


@keras.saving.register_keras_serializable(package="legacy_conv")
class Keras1Metric(keras.metrics.Mean):
    """A Keras 1 metric for Keras 3's `compile`: its batch-wise value, averaged over the epoch
    weighted by batch size, as Keras 1's `fit` and `evaluate` did; named by its History key."""

    def __init__(self, metric, loss=None, output_shape=None, name=None, dtype=None):
        self.metric, self.loss = metric, loss
        self.output_shape = None if output_shape is None else tuple(output_shape)
        # 'accuracy' of a model without an output shape yet: chosen from the first batch's
        self.fn = None if self.output_shape is None and metric in spec.ACCURACY else \
            get(metric, loss, self.output_shape)
        super().__init__(name=name or history_key(metric), dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        # Keras 1 ignored sample weights in metrics, and made a 1D target a column
        if len(y_true.shape) == 1:
            y_true = ops.expand_dims(y_true, 1)
        if self.fn is None:
            self.fn = get(self.metric, self.loss, tuple(y_pred.shape))
        value = self.fn(y_true, y_pred)
        batch = ops.shape(y_pred)[0]
        return super().update_state(ops.ones((batch,), dtype=self.dtype) * value)

    def get_config(self):
        return {"metric": self.metric, "loss": _loss_name(self.loss),
                "output_shape": self.output_shape, "name": self.name, "dtype": self.dtype}


def metric(identifier, loss=None, output_shape=None):
    """The Keras 3 metric of a Keras 1 metric name: pass it in `compile(metrics=[...])`."""
    if isinstance(identifier, str):
        return Keras1Metric(identifier, loss, output_shape)
    return Keras1Metric(get(identifier).__name__, loss, output_shape)
