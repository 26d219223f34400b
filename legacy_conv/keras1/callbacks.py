"""Keras 1.2.2's callbacks (`keras.callbacks`), for the `fit` and `fit_generator` of
`legacy_conv.keras1.models`: Keras 1's arguments, defaults, hooks (`on_batch_begin(batch,
logs)` with logs `batch` and `size`, `on_epoch_end(epoch, logs)`), `self.params` (Keras 1's
`batch_size`, `nb_epoch`, `nb_sample`, `verbose`, `do_validation`, `metrics`) and decisions:
when `EarlyStopping` stops, when `ReduceLROnPlateau` lowers the rate (and its `lr` log),
which epochs `ModelCheckpoint` saves, under which names (`{epoch}` counts from 0, as Keras
1's did), what `CSVLogger` writes.
"""

import collections
import csv
import json
import os
import urllib.parse
import urllib.request
import warnings

import keras
import numpy as np


class CallbackList:
    """Keras 1's container: calls each hook of each callback in order. A Keras 3 callback
    in the list gets its `on_train_batch_*` hooks."""

    def __init__(self, callbacks=None):
        self.callbacks = list(callbacks or [])

    def set_params(self, params):
        for callback in self.callbacks:
            callback.set_params(params)

    def set_model(self, model):
        for callback in self.callbacks:
            callback.set_model(model)

    def _call(self, hook, *args):
        for callback in self.callbacks:
            name = hook
            if isinstance(callback, keras.callbacks.Callback) and hook.startswith("on_batch"):
                name = hook.replace("on_batch", "on_train_batch")
            getattr(callback, name)(*args)

    def on_epoch_begin(self, epoch, logs=None):
        self._call("on_epoch_begin", epoch, {} if logs is None else logs)

    def on_epoch_end(self, epoch, logs=None):
        self._call("on_epoch_end", epoch, {} if logs is None else logs)

    def on_batch_begin(self, batch, logs=None):
        self._call("on_batch_begin", batch, {} if logs is None else logs)

    def on_batch_end(self, batch, logs=None):
        self._call("on_batch_end", batch, {} if logs is None else logs)

    def on_train_begin(self, logs=None):
        self._call("on_train_begin", {} if logs is None else logs)

    def on_train_end(self, logs=None):
        self._call("on_train_end", {} if logs is None else logs)


class Callback:
    """Keras 1's base class: `self.params`, `self.model`, and hooks that do nothing."""

    def __init__(self):
        self.params, self.model = {}, None

    def set_params(self, params):
        self.params = params

    def set_model(self, model):
        self.model = model

    def on_epoch_begin(self, epoch, logs=None):
        pass

    def on_epoch_end(self, epoch, logs=None):
        pass

    def on_batch_begin(self, batch, logs=None):
        pass

    def on_batch_end(self, batch, logs=None):
        pass

    def on_train_begin(self, logs=None):
        pass

    def on_train_end(self, logs=None):
        pass


class BaseLogger(Callback):
    """The epoch's averages of the batch logs, weighted by batch size (every `fit` adds it)."""

    def on_epoch_begin(self, epoch, logs=None):
        self.seen, self.totals = 0, {}

    def on_batch_end(self, batch, logs=None):
        logs = logs or {}
        size = logs.get("size", 0)
        self.seen += size
        for key, value in logs.items():
            self.totals[key] = self.totals.get(key, 0) + value * size

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            for key in self.params["metrics"]:
                if key in self.totals:
                    logs[key] = self.totals[key] / self.seen


class ProgbarLogger(Callback):
    """Prints the metrics to stdout (`fit(verbose=1)` adds it)."""

    def on_train_begin(self, logs=None):
        self.verbose, self.nb_epoch = self.params["verbose"], self.params["nb_epoch"]

    def on_epoch_begin(self, epoch, logs=None):
        if self.verbose:
            print(f"Epoch {epoch + 1}/{self.nb_epoch}")
            self.progbar = keras.utils.Progbar(target=self.params["nb_sample"],
                                               verbose=self.verbose)
        self.seen, self.log_values = 0, []

    def on_batch_begin(self, batch, logs=None):
        if self.seen < self.params["nb_sample"]:
            self.log_values = []

    def on_batch_end(self, batch, logs=None):
        logs = logs or {}
        self.seen += logs.get("size", 0)
        self.log_values += [(k, logs[k]) for k in self.params["metrics"] if k in logs]
        if self.verbose and self.seen < self.params["nb_sample"]:
            self.progbar.update(self.seen, self.log_values)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        self.log_values += [(k, logs[k]) for k in self.params["metrics"] if k in logs]
        if self.verbose:
            self.progbar.update(self.seen, self.log_values, finalize=True)


class History(Callback):
    """`epoch` (the epochs run) and `history` (each epoch log's values): what `fit` returns."""

    def on_train_begin(self, logs=None):
        self.epoch, self.history = [], {}

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)


def _improves(owner, mode, monitor):
    """Keras 1's comparison for `mode` ('auto': greater for names with 'acc' or starting
    with 'fmeasure'); an unknown mode warned and fell back to 'auto'."""
    if mode not in ("auto", "min", "max"):
        warnings.warn(f"{owner} mode {mode} is unknown, fallback to auto mode.", RuntimeWarning)
        mode = "auto"
    if mode == "auto":
        mode = "max" if "acc" in monitor or monitor.startswith("fmeasure") else "min"
    return np.greater if mode == "max" else np.less


class ModelCheckpoint(Callback):
    """Saves the model (`model.save`, or `save_weights` with `save_weights_only`) after every
    `period` epochs, to `filepath` formatted with `epoch` (from 0) and the epoch's logs."""

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", period=1):
        super().__init__()
        self.filepath, self.monitor, self.verbose, self.period = filepath, monitor, verbose, period
        self.save_best_only, self.save_weights_only = save_best_only, save_weights_only
        self.epochs_since_last_save = 0
        self.monitor_op = _improves("ModelCheckpoint", mode, monitor)
        self.best = np.inf if self.monitor_op is np.less else -np.inf

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        self.epochs_since_last_save += 1
        if self.epochs_since_last_save < self.period:
            return
        self.epochs_since_last_save = 0
        filepath = self.filepath.format(epoch=epoch, **logs)
        if self.save_best_only:
            current = logs.get(self.monitor)
            if current is None:
                warnings.warn(f"Can save best model only with {self.monitor} available, "
                              "skipping.", RuntimeWarning)
                return
            if not self.monitor_op(current, self.best):
                if self.verbose > 0:
                    print(f"Epoch {epoch:05d}: {self.monitor} did not improve")
                return
            if self.verbose > 0:
                print(f"Epoch {epoch:05d}: {self.monitor} improved from {self.best:0.5f} to "
                      f"{current:0.5f}, saving model to {filepath}")
            self.best = current
        elif self.verbose > 0:
            print(f"Epoch {epoch:05d}: saving model to {filepath}")
        save = self.model.save_weights if self.save_weights_only else self.model.save
        save(filepath, overwrite=True)


class EarlyStopping(Callback):
    """Stops training when `monitor` has not improved by `min_delta` for more than
    `patience` epochs."""

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto"):
        super().__init__()
        self.monitor, self.patience, self.verbose = monitor, patience, verbose
        self.wait, self.stopped_epoch = 0, 0
        self.monitor_op = _improves("EarlyStopping", mode, monitor)
        self.min_delta = min_delta if self.monitor_op is np.greater else -min_delta

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.best = np.inf if self.monitor_op is np.less else -np.inf

    def on_epoch_end(self, epoch, logs=None):
        current = (logs or {}).get(self.monitor)
        if current is None:
            warnings.warn(f"Early stopping requires {self.monitor} available!", RuntimeWarning)
            return
        if self.monitor_op(current - self.min_delta, self.best):
            self.best, self.wait = current, 0
        else:
            if self.wait >= self.patience:
                self.stopped_epoch = epoch
                self.model.stop_training = True
            self.wait += 1

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch:05d}: early stopping")


class RemoteMonitor(Callback):
    """POSTs each epoch's logs (`{field: json}`, form-encoded, as Keras 1's `requests` call
    did) to `root + path`; a server that cannot be reached gives Keras 1's warning."""

    def __init__(self, root="http://localhost:9000", path="/publish/epoch/end/", field="data",
                 headers=None):
        super().__init__()
        self.root, self.path, self.field = root, path, field
        self.headers = headers or {"Accept": "application/json",
                                   "Content-Type": "application/json"}

    def on_epoch_end(self, epoch, logs=None):
        send = {"epoch": epoch, **{k: float(v) for k, v in (logs or {}).items()}}
        body = urllib.parse.urlencode({self.field: json.dumps(send)}).encode()
        request = urllib.request.Request(self.root + self.path, body, self.headers)
        try:
            urllib.request.urlopen(request, timeout=10).close()
        except OSError:
            warnings.warn("Warning: could not reach RemoteMonitor root server at "
                          + str(self.root))


def _lr(model):
    return np.float32(keras.ops.convert_to_numpy(model.optimizer.learning_rate))


def _set_lr(model, value):
    model.optimizer.learning_rate.assign(value)


class LearningRateScheduler(Callback):
    """Sets the optimizer's rate to `schedule(epoch)` (epoch from 0) as each epoch begins."""

    def __init__(self, schedule):
        super().__init__()
        self.schedule = schedule

    def on_epoch_begin(self, epoch, logs=None):
        lr = self.schedule(epoch)
        if not isinstance(lr, (float, np.float32, np.float64)):
            raise ValueError('The output of the "schedule" function should be float.')
        _set_lr(self.model, lr)


class TensorBoard(Callback):
    """Writes each epoch's logs as TensorBoard scalars to `log_dir`, and every
    `histogram_freq` epochs the weights' histograms (and images with `write_images`).
    `write_graph`: Keras 3 has no TensorFlow 1 session graph to write; it is ignored."""

    def __init__(self, log_dir="./logs", histogram_freq=0, write_graph=True,
                 write_images=False):
        super().__init__()
        self.log_dir, self.histogram_freq = log_dir, histogram_freq
        self.write_graph, self.write_images = write_graph, write_images
        self.writer = None

    def on_train_begin(self, logs=None):
        import tensorflow as tf

        self.writer = tf.summary.create_file_writer(self.log_dir)

    def on_epoch_end(self, epoch, logs=None):
        import tensorflow as tf

        with self.writer.as_default():
            if self.histogram_freq and epoch % self.histogram_freq == 0:
                for weight in self.model.weights:
                    tf.summary.histogram(weight.path, keras.ops.convert_to_numpy(weight),
                                         step=epoch)
                    if self.write_images:
                        tf.summary.image(weight.path, _weight_image(weight), step=epoch)
            for name, value in (logs or {}).items():
                if name not in ("batch", "size"):
                    tf.summary.scalar(name, float(value), step=epoch)
        self.writer.flush()

    def on_train_end(self, logs=None):
        self.writer.close()


def _weight_image(weight):
    """Keras 1's image of a weight: squeezed, transposed when taller than wide, 2D."""
    image = np.squeeze(keras.ops.convert_to_numpy(weight))
    if image.ndim > 1 and image.shape[0] > image.shape[1]:
        image = image.T
    if image.ndim == 1:
        image = image[None]
    return image.reshape((1,) + image.shape[:2] + (1,))


class ReduceLROnPlateau(Callback):
    """Multiplies the rate by `factor` (not below `min_lr`) when `monitor` has not improved
    by `epsilon` for more than `patience` epochs, then waits `cooldown` epochs; logs `lr`."""

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto",
                 epsilon=1e-4, cooldown=0, min_lr=0):
        super().__init__()
        if factor >= 1.0:
            raise ValueError("ReduceLROnPlateau does not support a factor >= 1.0.")
        self.monitor, self.factor, self.min_lr, self.epsilon = monitor, factor, min_lr, epsilon
        self.patience, self.verbose, self.cooldown, self.mode = patience, verbose, cooldown, mode
        self._reset()

    def _reset(self):
        if self.mode not in ("auto", "min", "max"):
            warnings.warn(f"Learning Rate Plateau Reducing mode {self.mode} is unknown, "
                          "fallback to auto mode.", RuntimeWarning)
            self.mode = "auto"
        if self.mode == "min" or (self.mode == "auto" and "acc" not in self.monitor):
            self.monitor_op = lambda a, b: np.less(a, b - self.epsilon)
            self.best = np.inf
        else:
            self.monitor_op = lambda a, b: np.greater(a, b + self.epsilon)
            self.best = -np.inf
        self.cooldown_counter, self.wait = 0, 0
        self.lr_epsilon = self.min_lr * 1e-4

    def on_train_begin(self, logs=None):
        self._reset()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        logs["lr"] = _lr(self.model)
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Learning Rate Plateau Reducing requires {self.monitor} available!",
                          RuntimeWarning)
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self.monitor_op(current, self.best):
            self.best, self.wait = current, 0
        elif not self.in_cooldown():
            if self.wait >= self.patience:
                old_lr = float(_lr(self.model))
                if old_lr > self.min_lr + self.lr_epsilon:
                    new_lr = max(old_lr * self.factor, self.min_lr)
                    _set_lr(self.model, new_lr)
                    if self.verbose > 0:
                        print(f"\nEpoch {epoch:05d}: reducing learning rate to {new_lr}.")
                    self.cooldown_counter, self.wait = self.cooldown, 0
            self.wait += 1

    def in_cooldown(self):
        return self.cooldown_counter > 0


class CSVLogger(Callback):
    """Writes each epoch's logs to `filename`: a header `epoch` + the sorted log names (not
    repeated when appending to a non-empty file), one row per epoch."""

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.sep, self.filename, self.append = separator, filename, append
        self.writer, self.keys, self.append_header = None, None, True

    def on_train_begin(self, logs=None):
        if self.append and os.path.exists(self.filename):
            with open(self.filename) as f:
                self.append_header = not f.readline()
        self.csv_file = open(self.filename, "a" if self.append else "w")

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}

        def handle_value(value):
            if isinstance(value, collections.abc.Iterable) and not (
                    isinstance(value, np.ndarray) and value.ndim == 0):
                return '"[%s]"' % ", ".join(map(str, value))
            return value

        if not self.writer:
            self.keys = sorted(logs)
            dialect = type("CustomDialect", (csv.excel,), {"delimiter": self.sep})
            self.writer = csv.DictWriter(self.csv_file, fieldnames=["epoch"] + self.keys,
                                         dialect=dialect)
            if self.append_header:
                self.writer.writeheader()
        self.writer.writerow({"epoch": epoch, **{k: handle_value(logs[k]) for k in self.keys}})
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        self.csv_file.close()
        self.writer = None


class LambdaCallback(Callback):
    """A callback of the functions given: `on_epoch_begin(epoch, logs)`, `on_epoch_end`,
    `on_batch_begin(batch, logs)`, `on_batch_end`, `on_train_begin(logs)`, `on_train_end`;
    other keyword arguments become attributes."""

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_batch_begin=None,
                 on_batch_end=None, on_train_begin=None, on_train_end=None, **kwargs):
        super().__init__()
        self.__dict__.update(kwargs)
        given = {"on_epoch_begin": on_epoch_begin, "on_epoch_end": on_epoch_end,
                 "on_batch_begin": on_batch_begin, "on_batch_end": on_batch_end,
                 "on_train_begin": on_train_begin, "on_train_end": on_train_end}
        for hook, function in given.items():
            if function is not None:
                setattr(self, hook, function)


__all__ = ["Callback", "CallbackList", "BaseLogger", "ProgbarLogger", "History",
           "ModelCheckpoint", "EarlyStopping", "RemoteMonitor", "LearningRateScheduler",
           "TensorBoard", "ReduceLROnPlateau", "CSVLogger", "LambdaCallback"]
