"""Keras 1.2.2's `keras.models`: `Sequential` and `Model` with Keras 1's training API
(`legacy_conv.keras1.engine.training`), and its loaders, which read Keras 1 files (this
package's loaders, `legacy_conv.loading`) and the files these models `save`, and give these
classes back: a Keras 1 file's training config compiles the model as Keras 1 did.
"""

import json
import warnings

import h5py
import keras

from legacy_conv.keras1.backend.common import auto_name
from legacy_conv.keras1.engine.topology import Container
from legacy_conv.keras1.engine.training import (KERAS1_COMPILE, Keras1Training, Model,
                                                keras1_compile, written_by_keras3)


@keras.saving.register_keras_serializable(package="legacy_conv")
class Sequential(Container, Keras1Training, keras.Sequential):
    """Keras 1's `Sequential(layers=None, name=None)` (unnamed: `sequential_1`, ...), with
    `predict_proba` and `predict_classes` (Keras 1's functional `Model` had neither)."""

    def __init__(self, layers=None, name=None, **kwargs):
        super().__init__(layers=layers, name=name or auto_name("sequential_", ""), **kwargs)

    def add(self, layer, rebuild=True):
        """Keras 1's `add(layer)`; the input layer made for a first layer given an input
        shape is named as Keras 1 named it: the Keras 1 class of that layer, lower-cased,
        then `_input_` and its count (`dense_input_1`)."""
        if not self._layers and getattr(layer, "_input_shape_arg", None) is not None:
            from legacy_conv.keras1.engine.saving import keras1_class

            super().add(keras.layers.InputLayer(
                shape=layer._input_shape_arg,
                name=auto_name(f"{keras1_class(layer).lower()}_input")), rebuild=False)
        super().add(layer, rebuild=rebuild)

    @property
    def model(self):
        """Keras 1's `model.model`: the functional `Model` of the same layers, its input
        layer first, under the Sequential's name (`to_json()` gives its `input_layers`)."""
        return Model(inputs=self.inputs, outputs=self.outputs, name=self.name)

    def predict_proba(self, x, batch_size=32, verbose=1):
        preds = self.predict(x, batch_size, verbose)
        if preds.min() < 0.0 or preds.max() > 1.0:
            warnings.warn("Network returning invalid probability values. The last layer "
                          "might not normalize predictions into probabilities (like "
                          "softmax or sigmoid would).")
        return preds

    def predict_classes(self, x, batch_size=32, verbose=1):
        proba = self.predict(x, batch_size=batch_size, verbose=verbose)
        return proba.argmax(axis=-1) if proba.shape[-1] > 1 else (proba > 0.5).astype("int32")


def _ours(model):
    """The model as this module's class, sharing its layers and weights."""
    if isinstance(model, Keras1Training):
        return model
    if isinstance(model, keras.Sequential):
        return Sequential([keras.Input(batch_shape=model.input_shape)] + model.layers,
                          name=model.name)
    return Model(inputs=model.inputs, outputs=model.outputs, name=model.name)


def compile_as_keras1(model, training_config, filepath):
    """Keras 1's `load_model` compile of `model` (this module's classes, or any Keras 3
    model, as `legacy_conv.load_model` gives): the file's optimizer, loss, metrics, loss
    weights and sample weight mode with Keras 1's meanings (`engine.training.keras1_compile`),
    then the file's `optimizer_weights` in the optimizer: training resumes where Keras 1
    stopped (where the model holds its weights in Keras 1's layout; else with a warning,
    from a fresh state)."""
    arguments = {"optimizer": training_config["optimizer_config"],
                 "loss": training_config["loss"], "metrics": training_config.get("metrics"),
                 "loss_weights": training_config.get("loss_weights"),
                 "sample_weight_mode": training_config.get("sample_weight_mode")}
    if isinstance(model, Keras1Training):
        model.compile(**arguments)
    else:
        model.compile(**keras1_compile(model, **arguments)[0])
    from legacy_conv.keras1 import optimizers
    from legacy_conv.load import compile as compile_step

    optimizer = model.optimizer
    if not isinstance(optimizer, optimizers.Keras1Optimizer):
        return
    record = optimizers.spec.OPTIMIZERS[type(optimizer).__name__]
    arrays, problem = compile_step.state_plan(
        model, filepath, type(optimizer).__name__, len(record.slots), record.saves_iterations,
        relaid=True)
    if problem is not None:
        compile_step.warn_fresh_state(problem)
    elif arrays is not None:
        optimizers.set_keras1_weights(optimizer, arrays, model.trainable_weights)


def load_model(filepath, custom_objects=None, **kwargs):
    """A model from `save` (a `.keras` file, or an HDF5 file this package's models wrote)
    or from Keras 1's `model.save()` (`legacy_conv.load_model`'s arguments in `kwargs`:
    `keras1_backend`, `target`, ...), compiled from the file's training config with its
    optimizer's state, as Keras 1's `load_model` did."""
    path = str(filepath)
    if path.endswith(".keras"):
        return keras.saving.load_model(path, custom_objects=custom_objects)
    if written_by_keras3(path):
        from keras.src.legacy.saving import legacy_h5_format

        model = _ours(legacy_h5_format.load_model_from_hdf5(
            path, custom_objects=custom_objects, compile=False))
        with h5py.File(path, "r") as f:
            config = f.attrs.get(KERAS1_COMPILE)
        if config is not None:
            model.compile_from_config({"keras1": json.loads(config)})
            _load_optimizer_state(model, path)
        return model
    from legacy_conv import loading
    from legacy_conv.load import hdf5

    model = _ours(loading.load_model(path, custom_objects=custom_objects, compile=False,
                                     **kwargs))
    with hdf5.Keras1File(path) as k1file:
        config = k1file.training_config()
    if config is not None:
        compile_as_keras1(model, config, path)
    return model


def _load_optimizer_state(model, path):
    """A file's `optimizer_weights` (Keras 1's, or `save`'s) into the model's optimizer."""
    from legacy_conv.keras1 import optimizers

    with h5py.File(path, "r") as f:
        group = f.get("optimizer_weights")
        if group is None or not isinstance(model.optimizer, optimizers.Keras1Optimizer):
            return
        names = [n.decode("utf8") if isinstance(n, bytes) else n
                 for n in group.attrs["weight_names"]]
        optimizers.set_keras1_weights(model.optimizer, [group[n][()] for n in names],
                                      model.trainable_weights)


def save_model(model, filepath, overwrite=True):
    """Keras 1's `save_model(model, filepath)`: `model.save(filepath)`."""
    return _ours(model).save(filepath, overwrite=overwrite)


def model_from_json(json_string, custom_objects=None, **kwargs):
    """A Keras 1 `model.to_json()` string's model (`legacy_conv.model_from_json`)."""
    from legacy_conv import loading

    return _ours(loading.model_from_json(json_string, custom_objects=custom_objects, **kwargs))


def model_from_yaml(yaml_string, custom_objects=None, **kwargs):
    """A Keras 1 `model.to_yaml()` string's model (`legacy_conv.model_from_yaml`)."""
    from legacy_conv import loading

    return _ours(loading.model_from_yaml(yaml_string, custom_objects=custom_objects, **kwargs))


def model_from_config(config, custom_objects=None, **kwargs):
    """A Keras 1 model config's (`{'class_name': ..., 'config': ...}`) model."""
    return model_from_json(json.dumps(config), custom_objects=custom_objects, **kwargs)


__all__ = ["Sequential", "Model", "load_model", "save_model", "model_from_json",
           "model_from_yaml", "model_from_config"]
