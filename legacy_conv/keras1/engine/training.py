"""Keras 1.2.2's `Model` (`keras.engine.training`): a Keras 3 model whose training API takes
Keras 1's arguments and defaults and returns what Keras 1 returned.

`Keras1Training` holds that API once, for `Model` here and `Sequential`
(`legacy_conv.keras1.models`): `compile` with Keras 1's optimizers, objectives and metrics
(strings meaning Keras 1's: 'adadelta' is Adadelta(lr=1.0)); `fit`, `fit_generator`,
`evaluate`, `evaluate_generator`, `predict_generator`, `train_on_batch`, `test_on_batch` run
Keras 1's loops: its batches (`validation_split` takes the last fraction before shuffling;
`shuffle=True` draws NumPy's global `np.random.shuffle` as Keras 1 did, `'batch'` shuffles
whole batches), its callbacks and their `params` and logs, its epoch averages weighted by
batch size, its sample weights (`class_weight` by argmax, the loss divided by the share of
non-zero weights) and its return values (a `History` with Keras 1's keys; a scalar, or a
list in `metrics_names` order).
"""

import json
import warnings

import h5py
import keras
import numpy as np

from legacy_conv import _atomic
from legacy_conv import _validation
from legacy_conv.errors import ConversionError
from legacy_conv.keras1.backend.common import auto_name
from legacy_conv.keras1.engine.topology import Container

# The HDF5 attribute of `save`'s Keras 1 compile arguments.
KERAS1_COMPILE = "legacy_conv_keras1_compile"
# The methods' Keras 1 keyword arguments that Keras 1 dropped with a warning.
_DROPPED = ("show_accuracy",)


def _rows(data, index):
    if data is None:
        return None
    if isinstance(data, dict):
        return {key: value[index] for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return [value[index] for value in data]
    return data[index]


def _first(data):
    if isinstance(data, dict):
        return next(iter(data.values()))
    return data[0] if isinstance(data, (list, tuple)) else data


def _count(data):
    return len(_first(data))


def _batches(size, batch_size):
    """Keras 1's `make_batches`: (start, end) of each batch."""
    count = int(np.ceil(size / float(batch_size)))
    return [(i * batch_size, min(size, (i + 1) * batch_size)) for i in range(count)]


def _batch_shuffle(index, batch_size):
    count = len(index) // batch_size
    last = index[count * batch_size:]
    whole = index[:count * batch_size].reshape((count, batch_size))
    np.random.shuffle(whole)
    return np.append(whole.flatten(), last)


def _unpack(output, owner):
    if not hasattr(output, "__len__") or len(output) not in (2, 3):
        raise ValueError("output of generator should be a tuple (x, y, sample_weight) or "
                         f"(x, y). Found: {output}")
    return tuple(output) + (None,) * (3 - len(output))


def _check_kwargs(owner, kwargs):
    for key in _DROPPED:
        if kwargs.pop(key, None) is not None:
            warnings.warn(f"The `{key}` argument is deprecated, instead you should pass "
                          'the "accuracy" metric to the model at compile time')
    if kwargs:
        raise TypeError(f"Received unknown keyword arguments: {kwargs}")


def _output_names(model):
    names = getattr(model, "output_names", None)
    return list(names) if names else [model.layers[-1].name]


def _output_shapes(model, names):
    """The outputs' shapes; None each where the model is not built yet (a Keras 3 Sequential
    whose first layer has no input shape: its metrics decide at their first batch)."""
    try:
        shape = model.output_shape
    except AttributeError:
        return [None] * len(names)
    return shape if isinstance(shape, list) else [shape]


def _per_output(model, arg, value, names, required=False, repeat=False):
    """A compile argument per output: a dict by output name, a list in output order, or
    one value (for every output; `repeat`: a list of metrics for every output)."""
    owner = type(model).__name__
    if value is None:
        if required:
            raise _validation.argument_error(owner, arg, value, "must be given")
        return [None] * len(names)
    if isinstance(value, dict):
        unknown = sorted(set(value) - set(names))
        if unknown:
            raise _validation.argument_error(owner, arg, value,
                                             f"must be keyed by the outputs ({names})")
        return [value.get(name) for name in names]
    if isinstance(value, (list, tuple)) and not repeat:
        if len(value) != len(names):
            raise _validation.argument_error(
                owner, arg, value, f"must hold one entry per output ({len(names)})")
        return list(value)
    return [value] * len(names)


def keras1_compile(model, optimizer, loss, metrics=None, loss_weights=None,
                   sample_weight_mode=None):
    """Keras 1's `compile` arguments for `model` (any Keras 3 model) as (Keras 3 `compile`
    keywords, Keras 1's `metrics_names`, the arguments as JSON): the optimizer, losses and
    metrics of Keras 1's modules (`legacy_conv.keras1.optimizers`, `.objectives`,
    `.metrics`), whose history keys are Keras 1's (`acc`, `val_acc`)."""
    from legacy_conv.keras1 import metrics as k1_metrics
    from legacy_conv.keras1 import objectives, optimizers

    names = _output_names(model)
    _validation.check_choice(type(model).__name__, "sample_weight_mode",
                             sample_weight_mode or "None", ("None", "temporal"))
    losses = [objectives.get(each) for each in _per_output(model, "loss", loss, names,
                                                            required=True)]
    per_output = _per_output(model, "metrics", metrics, names, repeat=True)
    compiled = [[k1_metrics.Keras1Metric(m, fn, shape, name=k1_metrics.history_key(m))
                 for m in ms or []]
                for ms, fn, shape in zip(per_output, losses, _output_shapes(model, names))]
    if loss_weights is not None:
        loss_weights = _per_output(model, "loss_weights", loss_weights, names)
    single = len(names) == 1
    optimizer = optimizers.get(optimizer)
    serialized = _serialized({"optimizer": optimizer, "loss": loss, "metrics": metrics,
                              "loss_weights": loss_weights,
                              "sample_weight_mode": sample_weight_mode})
    keywords = {"optimizer": optimizer, "loss": losses[0] if single else losses,
                "metrics": compiled[0] if single else compiled,
                "loss_weights": (loss_weights[0] if single else loss_weights)
                if loss_weights is not None else None}
    metrics_names = ["loss"] + ([] if single else [f"{n}_loss" for n in names]) + [
        k1_metrics.history_key(m, name, len(names))
        for name, ms in zip(names, per_output) for m in ms or []]
    return keywords, metrics_names, serialized


class Keras1Training:
    """Keras 1's `compile`, training, evaluation and prediction loops, saving and loading, on
    a Keras 3 model (the mixin of `Model` and `Sequential`)."""

    sample_weight_mode = None

    # -- compile ------------------------------------------------------------------------
    def compile(self, optimizer, loss, metrics=None, loss_weights=None, sample_weight_mode=None,
                **kwargs):
        """Keras 1's `compile`: the optimizer, loss and metrics as Keras 1's modules mean
        them (`legacy_conv.keras1.optimizers`, `.objectives`, `.metrics`)."""
        compiled, self._keras1_names, self._keras1_compile = keras1_compile(
            self, optimizer, loss, metrics, loss_weights, sample_weight_mode)
        super().compile(**compiled, **kwargs)
        self._keras1_arguments = {  # what Keras 1's `save` wrote as the training config
            "optimizer": compiled["optimizer"], "loss": loss, "metrics": metrics,
            "sample_weight_mode": sample_weight_mode, "loss_weights": loss_weights}
        self.sample_weight_mode = sample_weight_mode

    def get_compile_config(self):
        """The Keras 1 `compile` arguments, for a `.keras` or HDF5 file."""
        if getattr(self, "_keras1_compile", None) is None:
            return super().get_compile_config()
        return {"keras1": self._keras1_compile}

    def compile_from_config(self, config):
        if "keras1" not in config:
            return super().compile_from_config(config)
        self.compile(**_deserialized(config["keras1"]))
        if self.built:
            self.optimizer.build(self.trainable_variables)

    @property
    def metrics_names(self):
        """Keras 1's labels of what `evaluate` and `train_on_batch` return."""
        return list(getattr(self, "_keras1_names", ["loss"]))

    # -- data --------------------------------------------------------------------------
    def _weights(self, y, sample_weight, class_weight):
        """Keras 1's `standardize_weights` per output, divided by the share of non-zero
        weights (Keras 1's loss: mean(loss * w) / mean(w != 0)); None where all are 1."""
        ys = y if isinstance(y, (list, tuple)) else [y]
        names = _output_names(self)
        sws = _per_output(self, "sample_weight", sample_weight, names)
        cws = _per_output(self, "class_weight", class_weight, names) \
            if isinstance(class_weight, (list, tuple)) or (
                isinstance(class_weight, dict) and set(class_weight) <= set(names)
                and len(names) > 1) else [class_weight] * len(names)
        out = [self._output_weights(np.asarray(each), sw, cw)
               for each, sw, cw in zip(ys, sws, cws)]
        if all(w is None for w in out):
            return None
        out = [np.ones(np.asarray(each).shape[:2 if self.sample_weight_mode else 1], "float32")
               if w is None else w for each, w in zip(ys, out)]
        return out if isinstance(y, (list, tuple)) else out[0]

    def _output_weights(self, y, sample_weight, class_weight):
        if sample_weight is not None:
            w = np.asarray(sample_weight, "float32")
            if w.ndim != (2 if self.sample_weight_mode else 1):
                raise ValueError(f"Found a sample_weight array with shape {w.shape}. "
                                 + ("In order to use timestep-wise sample weighting, you "
                                    "should pass a 2D sample_weight array."
                                    if self.sample_weight_mode else
                                    "In order to use timestep-wise sample weights, you "
                                    'should specify sample_weight_mode="temporal" in '
                                    "compile(). If you just mean to use sample-wise "
                                    "weights, make sure your sample_weight array is 1D."))
            return w
        if isinstance(class_weight, dict):
            if y.ndim > 2:
                raise ValueError("class_weight not supported for 3+ dimensional targets.")
            classes = y.argmax(axis=1) if y.shape[1] > 1 else np.reshape(y, y.shape[0])
            return np.asarray([class_weight[c] for c in classes], "float32")
        return None

    @staticmethod
    def _normalized(weights):
        def one(w):
            nonzero = np.count_nonzero(w)
            return w if nonzero == 0 else (w * (w.size / nonzero)).astype("float32")
        if weights is None:
            return None
        return [one(w) for w in weights] if isinstance(weights, list) else one(weights)

    def _check_compiled(self):
        if not self.compiled:
            raise RuntimeError("The model needs to be compiled before being used.")  # Keras 1's

    def _outs(self, logs):
        values = [float(logs[name]) for name in self.metrics_names]
        return values[0] if len(values) == 1 else values

    # -- one batch ---------------------------------------------------------------------
    def train_on_batch(self, x, y, sample_weight=None, class_weight=None):
        """One update; the batch's loss (and metrics) before it, as Keras 1 returned them."""
        self._check_compiled()
        weights = self._normalized(self._weights(y, sample_weight, class_weight))
        return self._outs(super().train_on_batch(x, y, sample_weight=weights,
                                                 return_dict=True))

    def test_on_batch(self, x, y, sample_weight=None):
        self._check_compiled()
        weights = self._normalized(self._weights(y, sample_weight, None))
        return self._outs(super().test_on_batch(x, y, sample_weight=weights,
                                                return_dict=True))

    # -- loops -------------------------------------------------------------------------
    def _train(self, epochs, params, callbacks, verbose, validate):
        """Keras 1's `_fit_loop`: `epochs(epoch)` gives an epoch's (x, y, weights) batches;
        `validate()` the validation outs after its last batch, or None."""
        from legacy_conv.keras1 import callbacks as cbks

        initial_epoch = params.pop("initial_epoch")
        self.history = cbks.History()
        callbacks = [cbks.BaseLogger()] + list(callbacks or []) + [self.history]
        if verbose:
            callbacks.append(cbks.ProgbarLogger())
        callbacks = cbks.CallbackList(callbacks)
        callbacks.set_model(self)
        callbacks.set_params(params)
        callbacks.on_train_begin()
        self.stop_training = False
        for epoch in range(initial_epoch, params["nb_epoch"]):
            callbacks.on_epoch_begin(epoch)
            for batch_index, (x, y, weights) in enumerate(epochs(epoch)):
                logs = {"batch": batch_index, "size": _count(x)}
                callbacks.on_batch_begin(batch_index, logs)
                outs = self.train_on_batch(x, y, sample_weight=weights)
                logs.update(zip(self.metrics_names, np.atleast_1d(outs)))
                callbacks.on_batch_end(batch_index, logs)
            epoch_logs = {}
            val_outs = validate()
            if val_outs is not None:
                epoch_logs.update(("val_" + name, value) for name, value in
                                  zip(self.metrics_names, np.atleast_1d(val_outs)))
            callbacks.on_epoch_end(epoch, epoch_logs)
            if self.stop_training:
                break
        callbacks.on_train_end()
        return self.history

    def _params(self, nb_epoch, nb_sample, verbose, validation, initial_epoch, batch_size=None):
        labels = self.metrics_names
        return {**({"batch_size": batch_size} if batch_size is not None else {}),
                "nb_epoch": nb_epoch, "nb_sample": nb_sample, "verbose": verbose,
                "do_validation": validation,
                "metrics": labels + (["val_" + n for n in labels] if validation else []),
                "initial_epoch": initial_epoch}

    def fit(self, x, y, batch_size=32, nb_epoch=10, verbose=1, callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, **kwargs):
        """Keras 1's `fit`; returns its `History` (`legacy_conv.keras1.callbacks.History`)."""
        _check_kwargs("fit", kwargs)
        weights = self._weights(y, sample_weight, class_weight)
        validation = None
        if validation_data is not None:
            if len(validation_data) not in (2, 3):
                raise ValueError("When passing validation_data, it must contain 2 (x_val, "
                                 "y_val) or 3 (x_val, y_val, val_sample_weights) items, "
                                 f"however it contains {len(validation_data)} items")
            validation = tuple(validation_data) + (None,) * (3 - len(validation_data))
        elif validation_split and 0.0 < validation_split < 1.0:
            split = int(_count(x) * (1.0 - validation_split))
            head, tail = slice(0, split), slice(split, None)
            validation = (_rows(x, tail), _rows(y, tail), _rows(weights, tail))
            x, y, weights = _rows(x, head), _rows(y, head), _rows(weights, head)
        size = _count(x)
        if verbose and validation is not None:
            print(f"Train on {size} samples, validate on {_count(validation[0])} samples")
        index = np.arange(size)

        def epochs(epoch):
            nonlocal index
            if shuffle == "batch":
                index = _batch_shuffle(index, batch_size)
            elif shuffle:
                np.random.shuffle(index)
            for start, end in _batches(size, batch_size):
                ids = index[start:end]
                yield _rows(x, ids), _rows(y, ids), _rows(weights, ids)

        def validate():
            if validation is None:
                return None
            return self.evaluate(*validation[:2], batch_size=batch_size, verbose=0,
                                 sample_weight=validation[2])

        params = self._params(nb_epoch, size, verbose, validation is not None, initial_epoch,
                              batch_size)
        return self._train(epochs, params, callbacks, verbose, validate)

    def fit_generator(self, generator, samples_per_epoch, nb_epoch, verbose=1, callbacks=None,
                      validation_data=None, nb_val_samples=None, class_weight=None,
                      max_q_size=10, nb_worker=1, pickle_safe=False, initial_epoch=0):
        """Keras 1's `fit_generator`: an epoch ends once `samples_per_epoch` samples were
        seen, in batches of whatever size the generator yields. The generator is read in
        this thread, in order (`max_q_size`, `nb_worker`, `pickle_safe` change nothing)."""
        from_generator = hasattr(validation_data, "__next__")
        if from_generator and not nb_val_samples:
            raise ValueError("When using a generator for validation data, you must specify "
                             'a value for "nb_val_samples".')
        if validation_data is not None and not from_generator:
            if len(validation_data) not in (2, 3):
                raise ValueError("validation_data should be a tuple (val_x, val_y, "
                                 f"val_sample_weight) or (val_x, val_y). Found: "
                                 f"{validation_data}")
            validation_data = tuple(validation_data) + (None,) * (3 - len(validation_data))
        last_size = [None]

        def epochs(epoch):
            seen = 0
            while seen < samples_per_epoch:
                x, y, sample_weight = _unpack(next(generator), "fit_generator")
                seen += _count(x)
                last_size[0] = _count(x)
                if seen > samples_per_epoch:
                    warnings.warn("Epoch comprised more than `samples_per_epoch` samples, "
                                  "which might affect learning results. Set "
                                  "`samples_per_epoch` correctly to avoid this warning.")
                yield x, y, self._weights(y, sample_weight, class_weight)

        def validate():
            if validation_data is None:
                return None
            if from_generator:
                return self.evaluate_generator(validation_data, nb_val_samples)
            return self.evaluate(*validation_data[:2], batch_size=last_size[0], verbose=0,
                                 sample_weight=validation_data[2])

        params = self._params(nb_epoch, samples_per_epoch, verbose,
                              validation_data is not None, initial_epoch)
        return self._train(epochs, params, callbacks, verbose, validate)

    def evaluate(self, x, y, batch_size=32, verbose=1, sample_weight=None):
        """Keras 1's `evaluate`: the loss (and metrics) averaged over batches weighted by
        their size; a scalar, or a list in `metrics_names` order."""
        size = _count(x)
        progbar = keras.utils.Progbar(size) if verbose == 1 else None
        outs, sizes = [], []
        for start, end in _batches(size, batch_size):
            ids = np.arange(start, end)
            outs.append(np.atleast_1d(self.test_on_batch(
                _rows(x, ids), _rows(y, ids), _rows(sample_weight, ids))))
            sizes.append(end - start)
            if progbar:
                progbar.update(end)
        return self._average(outs, sizes)

    def _average(self, outs, sizes):
        means = list(np.sum(np.asarray(outs) * np.asarray(sizes)[:, None], axis=0) / sum(sizes))
        return float(means[0]) if len(means) == 1 else [float(m) for m in means]

    def evaluate_generator(self, generator, val_samples, max_q_size=10, nb_worker=1,
                           pickle_safe=False):
        """Keras 1's `evaluate_generator`: batches until `val_samples` samples were seen,
        averaged weighted by batch size."""
        outs, sizes = [], []
        while sum(sizes) < val_samples:
            x, y, sample_weight = _unpack(next(generator), "evaluate_generator")
            outs.append(np.atleast_1d(self.test_on_batch(x, y, sample_weight=sample_weight)))
            sizes.append(_count(x))
        return self._average(outs, sizes)

    def predict(self, x, batch_size=32, verbose=0):
        return super().predict(x, batch_size=batch_size, verbose=verbose)

    def predict_generator(self, generator, val_samples, max_q_size=10, nb_worker=1,
                          pickle_safe=False):
        """Keras 1's `predict_generator`: the predictions of the batches drawn until
        `val_samples` samples were seen (a generator may yield x, or (x, y[, w]))."""
        outs, seen = [], 0
        while seen < val_samples:
            output = next(generator)
            x = output[0] if isinstance(output, tuple) else output
            batch = self.predict_on_batch(x)
            outs.append(batch if isinstance(batch, list) else [batch])
            seen += _count(x)
        joined = [np.concatenate(parts) for parts in zip(*outs)]
        return joined[0] if len(joined) == 1 else joined

    # -- files -------------------------------------------------------------------------
    def save(self, filepath, overwrite=True, **kwargs):
        """A `.keras` file for a name ending in .keras, else Keras 1.2.2's HDF5 model file
        (`engine.saving.save_model`: Keras 1's model config, weights in Keras 1's layouts,
        training config and optimizer weights), which Keras 1 and
        `legacy_conv.keras1.models.load_model` read. A model that has no Keras 1 form (a
        Keras 3 optimizer, a layer argument Keras 1 did not have) gets Keras 3's HDF5 file
        instead, with a warning, which `load_model` reads back too."""
        if not _may_write(filepath, overwrite):
            return
        if str(filepath).endswith(".keras"):
            return super().save(filepath, **kwargs)
        from keras.src.legacy.saving import legacy_h5_format

        from legacy_conv.keras1.engine import saving

        try:
            return saving.save_model(self, filepath, getattr(self, "_keras1_arguments", None))
        except (ValueError, TypeError, ConversionError) as error:
            warnings.warn(f"{filepath}: written in Keras 3's HDF5 format, not Keras 1's: "
                          f"the model has no Keras 1 form ({error})", stacklevel=2)

        with _atomic.written(filepath, False, replace=True) as tmp:
            legacy_h5_format.save_model_to_hdf5(self, tmp, overwrite=True,
                                                include_optimizer=False)
            if getattr(self, "_keras1_compile", None) is not None:
                with h5py.File(tmp, "a") as f:
                    f.attrs[KERAS1_COMPILE] = json.dumps(self._keras1_compile)
                    self._save_optimizer_state(f)

    def _save_optimizer_state(self, f):
        """Keras 1's `optimizer_weights` group: the optimizer's `get_weights()` in order."""
        state = getattr(self.optimizer, "keras1_state", None)
        if state is None or not self.optimizer.built:
            return
        group = f.create_group("optimizer_weights")
        names = []
        for i, variable in enumerate(state()):
            names.append(f"{variable.name}_{i}")
            group[names[-1]] = keras.ops.convert_to_numpy(variable)
        group.attrs["weight_names"] = [n.encode("utf8") for n in names]

    def save_weights(self, filepath, overwrite=True):
        """Keras 1's `save_weights`: Keras 1's HDF5 file of every layer's weights, in Keras
        1's names, order and layouts (`engine.saving`), whatever the name ends in (a
        `.weights.h5` name gets Keras 3's format)."""
        if not _may_write(filepath, overwrite):
            return
        if str(filepath).endswith(".weights.h5"):
            return super().save_weights(filepath)
        from legacy_conv.keras1.engine import saving

        saving.save_weights(self, filepath)

    def load_weights(self, filepath, by_name=False, **kwargs):
        """Weights from `save_weights`/`save` of this class, or from a Keras 1 file (through
        `legacy_conv.load_weights`: Keras 1's layouts and backends)."""
        if str(filepath).endswith((".weights.h5", ".keras")):
            return super().load_weights(filepath, **kwargs)
        if not written_by_keras3(filepath):
            import legacy_conv
            from legacy_conv.keras1.engine import saving

            if by_name:
                return _load_keras1_by_name(self, filepath, **kwargs)
            if saving.needs_table(self):  # Keras 3 convolutions, ...: Keras 1's layouts
                return saving.load_weights(self, filepath, **kwargs)
            return legacy_conv.load_weights(self, filepath, **kwargs)
        from keras.src.legacy.saving import legacy_h5_format

        with h5py.File(filepath, "r") as f:
            group = f["model_weights"] if "model_weights" in f else f
            load = legacy_h5_format.load_weights_from_hdf5_group_by_name if by_name \
                else legacy_h5_format.load_weights_from_hdf5_group
            load(group, self)


def _load_keras1_by_name(model, filepath, keras1_backend=None, keras_version=None):
    """Keras 1's `load_weights(filepath, by_name=True)` of a Keras 1 file: each layer the
    file holds into the model's layer of that name (Keras 1's auto names, `dense_1`, ...,
    match those of a model built the same way); the others are left as they are."""
    import types

    from legacy_conv.load import hdf5, stages
    from legacy_conv.load import weights as weight_rules

    with hdf5.Keras1File(filepath) as k1file:
        layers = {layer.name: layer for layer in model.layers if layer.weights}
        groups = [(name, datasets) for name, datasets in k1file.layer_groups()
                  if name in layers]
        matched = types.SimpleNamespace(layers=[layers[name] for name, _ in groups])
        try:
            weight_rules.assign(matched, groups, k1file.keras_version or keras_version
                                or getattr(model, "keras1_version", None),
                                stages.context("legacy", keras1_backend))
        except ConversionError as error:
            raise error.located(file=str(filepath)) from None


def _serialized(value):
    """Compile arguments as JSON: names stay names, objects become Keras configs."""
    if isinstance(value, (list, tuple)):
        return [_serialized(v) for v in value]
    if isinstance(value, dict):
        return {k: _serialized(v) for k, v in value.items()}
    if value is None or isinstance(value, (str, int, float)):
        return value
    return {"keras_object": keras.saving.serialize_keras_object(value)}


def _deserialized(value):
    if isinstance(value, list):
        return [_deserialized(v) for v in value]
    if isinstance(value, dict):
        if set(value) == {"keras_object"}:
            return keras.saving.deserialize_keras_object(value["keras_object"])
        return {k: _deserialized(v) for k, v in value.items()}
    return value


def written_by_keras3(filepath):
    """Whether an HDF5 file was written by Keras 3 (this module's `save`, `save_weights`),
    not by Keras 1."""
    with h5py.File(filepath, "r") as f:
        version = f.attrs.get("keras_version")
    if isinstance(version, bytes):
        version = version.decode("utf8")
    return isinstance(version, str) and version.split(".")[0] not in ("", "1")


def _may_write(filepath, overwrite):
    """Keras 1 asked before overwriting a file when `overwrite=False`."""
    import os

    if overwrite or not os.path.isfile(filepath):
        return True
    answer = input(f"[WARNING] {filepath} already exists - overwrite? [y/n]").strip().lower()
    while answer not in ("y", "n"):
        answer = input('Enter "y" (overwrite) or "n" (cancel).').strip().lower()
    return answer == "y"


@keras.saving.register_keras_serializable(package="legacy_conv")
class Model(Container, Keras1Training, keras.Model):
    """Keras 1's functional `Model(input, output, name=None)` (Keras 3's `inputs=`/`outputs=`
    also), with Keras 1's training API."""

    def __init__(self, *args, **kwargs):
        for old, new in (("input", "inputs"), ("output", "outputs")):
            if old in kwargs:
                if new in kwargs:
                    raise _validation.argument_error("Model", old, kwargs[old],
                                                     f"cannot be given with `{new}`")
                kwargs[new] = kwargs.pop(old)
        if len(args) < 3 and not kwargs.get("name"):  # Keras 1's name: `model_1`, ...
            kwargs["name"] = auto_name(type(self).__name__.lower())
        super().__init__(*args, **kwargs)
