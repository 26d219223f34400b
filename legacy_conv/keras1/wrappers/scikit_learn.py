"""Keras 1.2.2's `keras.wrappers.scikit_learn`: `KerasClassifier` and `KerasRegressor`.

`build_fn` returns a compiled model (Keras 3's, or one of `legacy_conv.keras1`); `sk_params`
hold its arguments and those of Keras 1's `Sequential.fit`, `predict`, `predict_classes`,
`predict_proba` and `evaluate` (`nb_epoch`, `batch_size`, ...), checked against them as
Keras 1 did. A Keras 3 model is given Keras 3's names (`nb_epoch` as `epochs`); Keras 1's
`predict_classes` (argmax, or 1 above 0.5 for one output) is computed from `predict` where
the model has none. scikit-learn itself is not needed, as in Keras 1.
"""

import copy
import inspect

import numpy as np

from legacy_conv import _validation
from legacy_conv.keras1.utils.np_utils import to_categorical
from legacy_conv.spec import utils as spec


def _args(fn):
    return [p.name for p in inspect.signature(fn).parameters.values()
            if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


def _loss_name(model):
    loss = model.loss
    return getattr(loss, "__name__", loss)


class BaseWrapper:
    """Builds a model with `build_fn` (or `self.__call__`) on `fit`; `sk_params` tune it."""

    def __init__(self, build_fn=None, **sk_params):
        self.build_fn = build_fn
        self.sk_params = sk_params
        self.check_params(sk_params)

    def _build_fn(self):
        if self.build_fn is None:
            return self.__call__
        if inspect.isfunction(self.build_fn) or inspect.ismethod(self.build_fn):
            return self.build_fn
        return self.build_fn.__call__

    def check_params(self, params):
        """Each of `params` must be an argument of build_fn or of a Sequential method."""
        legal = set(_args(self._build_fn()))
        for names in spec.SEQUENTIAL_ARGS.values():
            legal.update(names)
        for name in params:
            if name not in legal:
                raise _validation.argument_error(
                    type(self).__name__, name, params[name],
                    "is not a legal parameter: neither build_fn's nor Keras 1's Sequential "
                    "fit/predict/predict_classes/predict_proba/evaluate's")

    def get_params(self, **params):
        res = copy.deepcopy(self.sk_params)
        res.update({"build_fn": self.build_fn})
        return res

    def set_params(self, **params):
        self.check_params(params)
        self.sk_params.update(params)
        return self

    def filter_sk_params(self, fn, override=None):
        """The `sk_params` named by `fn` (a function, or a Keras 1 Sequential method's name)."""
        names = spec.SEQUENTIAL_ARGS[fn] if isinstance(fn, str) else _args(fn)
        res = {name: value for name, value in self.sk_params.items() if name in names}
        res.update(override or {})
        return res

    def _call(self, method, *args, **kwargs):
        """The model's `method`, with Keras 1's arguments renamed where it takes Keras 3's."""
        fn = getattr(self.model, method)
        taken = _args(fn)
        for old, new in spec.FIT_RENAMES.items():
            if old in kwargs and old not in taken:
                kwargs[new] = kwargs.pop(old)
        return fn(*args, **kwargs)

    def _labels(self, y):
        y = np.asarray(y)
        if _loss_name(self.model) == "categorical_crossentropy" and len(y.shape) != 2:
            return to_categorical(y)
        return y

    def fit(self, x, y, **kwargs):
        """Builds a new model and fits it; returns its History."""
        build_fn = self._build_fn()
        self.model = build_fn(**self.filter_sk_params(build_fn))
        fit_args = copy.deepcopy(self.filter_sk_params("fit"))
        fit_args.update(kwargs)
        return self._call("fit", x, self._labels(y), **fit_args)


class KerasClassifier(BaseWrapper):
    """scikit-learn's classifier API: `predict` gives classes, `score` the accuracy."""

    def predict(self, x, **kwargs):
        kwargs = self.filter_sk_params("predict_classes", kwargs)
        if hasattr(self.model, "predict_classes"):
            return self.model.predict_classes(x, **kwargs)
        proba = self.model.predict(x, **kwargs)
        if proba.shape[-1] > 1:
            return proba.argmax(axis=-1)
        return (proba > 0.5).astype("int32")

    def predict_proba(self, x, **kwargs):
        """Class probabilities; one sigmoid output gives the two columns (1 - p, p)."""
        kwargs = self.filter_sk_params("predict_proba", kwargs)
        probs = self.model.predict(x, **kwargs)
        if probs.shape[1] == 1:
            probs = np.hstack([1 - probs, probs])
        return probs

    def score(self, x, y, **kwargs):
        kwargs = self.filter_sk_params("evaluate", kwargs)
        if "return_dict" in _args(self.model.evaluate):
            outputs = self.model.evaluate(x, self._labels(y), return_dict=True, **kwargs)
        else:  # a Keras 1 model: its metrics_names
            values = self.model.evaluate(x, self._labels(y), **kwargs)
            outputs = dict(zip(self.model.metrics_names, np.atleast_1d(values)))
        for name in spec.ACCURACY_KEYS:
            if name in outputs:
                return outputs[name]
        raise _validation.argument_error(
            "KerasClassifier.score", "metrics", sorted(outputs),
            "must include the accuracy", "Compile the model with metrics=['accuracy']")


class KerasRegressor(BaseWrapper):
    """scikit-learn's regressor API: `predict` gives squeezed predictions, `score` the loss."""

    def predict(self, x, **kwargs):
        kwargs = self.filter_sk_params("predict", kwargs)
        return np.squeeze(self.model.predict(x, **kwargs))

    def score(self, x, y, **kwargs):
        kwargs = self.filter_sk_params("evaluate", kwargs)
        loss = self.model.evaluate(x, y, **kwargs)
        return loss[0] if isinstance(loss, list) else loss
