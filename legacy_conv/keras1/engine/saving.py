"""Keras 1.2.2's weight files of the namespace's models: what Keras 1's `save_weights` wrote
for the Keras 1 model that `to_json` names, whatever Keras 3 layers hold the weights.

Keras 1's file (`Container.save_weights_to_hdf5_group`): the attribute `layer_names` (every
layer of `model.layers`, a Sequential's input layer not among them), a group per layer with
the attribute `weight_names` and a dataset per weight, named `<layer>_<weight>` (`:0` added
on TensorFlow: the variable's name), in Keras 1's order and layout. Each layer's weights come
back from Keras 3's through one table, beside the mapping that takes Keras 1's to Keras 3's:
`load.weights.INVERSES` (a recurrent layer's gates, split again) and, for the Keras 3
convolutions that `migrate --to native` writes, `KERNELS` (their kernels in Keras 1's layout
of the layer's `data_format`, flipped back for Theano). The same table reads Keras 1's files
into such models (`load_weights`).
"""

import json

import h5py
import keras
import numpy as np

from legacy_conv import _atomic
from legacy_conv import backend as k1_backend
from legacy_conv.errors import ConversionError
from legacy_conv.load import hdf5
from legacy_conv.load import stages
from legacy_conv.load import weights as weight_rules
from legacy_conv.native.handlers.convolution import _kernel_transform, keras1_kernel
from legacy_conv.spec import layers as spec
from legacy_conv.spec import training as optimizer_spec

# The Keras 3 convolutions whose kernels Keras 1 stored in another layout (the Keras 1 class
# each stands for, `engine.config.keras1_class_of`, says which: `spec.layers` `weights`).
KERNELS = ("Conv1D", "Conv2D", "Conv3D", "Conv2DTranspose", "SeparableConv2D")


def keras1_class(layer):
    """The Keras 1 class a layer of a namespace model stands for (its `to_json` class)."""
    from legacy_conv.keras1 import _adapters
    from legacy_conv.keras1.engine import config

    made = _adapters.keras1_call(layer)
    if made is not None:
        return made[0]
    return config.keras1_class_of_layer(layer) or type(layer).__name__


def _kernel_maps(layer, backend):
    """[(Keras 1 → Keras 3, Keras 3 → Keras 1)] per weight of a Keras 3 convolution."""
    record = spec.LAYERS[keras1_class(layer)]
    rank = len(layer.kernel_size)
    flip = backend == "theano"
    maps = []
    for _, family in record.weights:
        if family is None:
            maps.append((None, None))
            continue
        ordering = None if family == "conv1d" else (
            "th" if layer.data_format == "channels_first" else "tf")
        maps.append((_kernel_transform(family, ordering, rank, flip)[0],
                     keras1_kernel(family, ordering, rank, flip)))
    return maps


def _mapped(layer, arrays, backend, direction):
    """`arrays` through the table: direction 0 from Keras 1's, 1 back to Keras 1's."""
    name = type(layer).__name__
    if type(layer).__module__.startswith("keras.") and name in KERNELS:
        maps = _kernel_maps(layer, backend)
        return [a if fns[direction] is None else fns[direction](a)
                for a, fns in zip(arrays, maps)]
    if direction == 1:
        if getattr(layer, "reset_after", False):
            raise ConversionError("has reset_after=True, which Keras 1's GRU did not "
                                  "compute: its weights have no Keras 1 layout",
                                  layer=f'"{layer.name}" ({name})', has_value=False)
        if _concatenated(layer):
            return list(arrays)
        inverse = weight_rules.INVERSES.get(name)
        if inverse is None and name in weight_rules.TRANSFORMS:
            raise ConversionError("has no writer of Keras 1's layout of its weights yet",
                                  layer=f'"{layer.name}" ({name})', has_value=False)
        return inverse(arrays, layer) if inverse else list(arrays)
    return list(arrays)  # the loader's own TRANSFORMS take the others


def _concatenated(layer):
    """Whether Keras 1 held the gates of a recurrent layer (or of a Bidirectional's)
    concatenated: `consume_less='gpu'` in the config `to_json` writes for it."""
    if type(layer).__name__ not in weight_rules.INVERSES:
        return False
    from legacy_conv.keras1.engine import config

    keras1 = config.layer_config(layer)["config"]
    keras1 = keras1.get("layer", {}).get("config", keras1)
    return keras1.get("consume_less") == "gpu"


def _names(layer, count):
    """Keras 1's names of a layer's `count` weights (without the backend's suffix)."""
    wrapped = getattr(layer, "layer", None)
    if isinstance(layer, keras.layers.Bidirectional):
        half = count // 2
        return _names(layer.forward_layer, half) + _names(layer.backward_layer, half)
    if wrapped is not None and isinstance(layer, keras.layers.Wrapper):
        return _names(wrapped, count)
    if isinstance(layer, keras.Model):
        return [n for sub in layer.layers for n in _names(sub, len(sub.weights))]
    record = spec.LAYERS.get(spec.canonical(keras1_class(layer)))
    own = [n for n, _ in record.weights] if record is not None else []
    if len(own) != count and count == len(spec.CONCATENATED_GATE_WEIGHTS) and len(own) > count:
        own = list(spec.CONCATENATED_GATE_WEIGHTS)  # LSTM, GRU with consume_less='gpu'
    if len(own) != count:  # without a bias
        own = [n for n in own if n != "b" and not n.startswith("b_")]
    if len(own) != count:  # a layer Keras 1 did not have: its weights' own names
        return [w.name for w in layer.weights]
    return [f"{layer.name}_{n}" for n in own]


def keras1_weights(layer, backend, arrays=None):
    """[(name, array)] of a layer's weights (or of `arrays` in their place: an optimizer's
    slots) as Keras 1's file held them."""
    if arrays is None:
        arrays = [keras.ops.convert_to_numpy(w) for w in layer.weights]
    arrays = _mapped(layer, arrays, backend, 1)
    suffix = ":0" if backend == "tensorflow" else ""
    return [(f"{name}{suffix}", np.asarray(array))
            for name, array in zip(_names(layer, len(arrays)), arrays, strict=True)]


def _write(group, named):
    """Datasets `named` ([(name, array)]) in `group`, listed in its `weight_names`."""
    group.attrs["weight_names"] = [name.encode("utf8") for name, _ in named]
    for name, array in named:
        group.create_dataset(name, data=array)


def _model_weights(model, backend):
    return [(layer.name, keras1_weights(layer, backend)) for layer in model.layers]


def _write_model_weights(group, weights):
    group.attrs["layer_names"] = [name.encode("utf8") for name, _ in weights]
    for name, named in weights:
        _write(group.create_group(name), named)


def save_weights(model, filepath, backend=None):
    """Keras 1's `save_weights(filepath)` of `model` on `backend` (default: the package's
    Keras 1 backend); the file appears complete or not at all."""
    weights = _model_weights(model, backend or k1_backend.keras1_backend())
    with _atomic.written(filepath, False, replace=True) as tmp, h5py.File(tmp, "w") as f:
        _write_model_weights(f, weights)


def optimizer_weights(model, backend):
    """Keras 1's optimizer `get_weights()` of `model`'s optimizer (a Keras 1 one of the
    namespace), as [(name, array)]: `iterations` where it kept them, then each slot's arrays
    in the order of Keras 1's weight names (Keras 1's `compile` sorted the trainable weights
    by name), each in Keras 1's layout (`keras1_weights` of the slots); None where the
    optimizer has no Keras 1 state."""
    optimizer = getattr(model, "optimizer", None)
    if getattr(optimizer, "keras1_state", None) is None or not optimizer.built:
        return None
    index = {id(v): i for i, v in enumerate(optimizer._trainable_variables)}
    slots = []
    for slot in optimizer._slots:
        named = []
        for layer in model.layers:
            trainable = [w for w in layer.weights if w.trainable]
            if not trainable:
                continue
            if len(trainable) == len(layer.weights):
                named += keras1_weights(layer, backend, [
                    keras.ops.convert_to_numpy(slot[index[id(w)]]) for w in layer.weights])
            else:  # trainable and not (BatchNormalization): Keras 1's names, as they are
                named += [(name, keras.ops.convert_to_numpy(slot[index[id(w)]]))
                          for (name, _), w in zip(keras1_weights(layer, backend), layer.weights)
                          if w.trainable]
        slots += [array for _, array in sorted(named, key=lambda pair: pair[0])]
    record = optimizer_spec.OPTIMIZERS[type(optimizer).__name__]
    head = [keras.ops.convert_to_numpy(optimizer.iterations).astype("float32")] \
        if record.saves_iterations else []
    return [(f"param_{i}", np.asarray(a)) for i, a in enumerate(head + slots)]


def _json(value):
    """Keras 1's `get_json_type`: objects as {'class_name', 'config'} (a Keras 1 optimizer's
    Keras 1 arguments), functions by name."""
    if hasattr(value, "keras1_config"):
        return {"class_name": type(value).__name__, "config": dict(value.keras1_config)}
    if hasattr(value, "item"):
        return value.item()
    if callable(value) and hasattr(value, "__name__"):
        return value.__name__
    raise TypeError(f"Not JSON Serializable: {value!r}")


def save_model(model, filepath, compile_arguments=None, backend=None):
    """Keras 1's `save_model(model, filepath)`: `keras_version`, `model_config` (`to_json`'s
    config), `model_weights` (`save_weights`'), and where the model was compiled with Keras
    1's API, `training_config` and `optimizer_weights`. Everything is made before the file
    is opened: a model without a Keras 1 form raises and writes nothing."""
    from legacy_conv.keras1.engine import config

    backend = backend or k1_backend.keras1_backend()
    model_config = json.dumps(config._jsonable(config.model_config(model)))
    weights = _model_weights(model, backend)
    training = state = None
    if compile_arguments is not None:
        optimizer = compile_arguments["optimizer"]
        if not hasattr(optimizer, "keras1_config"):
            raise TypeError(f"the optimizer {type(optimizer).__name__} is not a Keras 1 one")
        training = json.dumps({"optimizer_config": _json(optimizer),
                               **{k: v for k, v in compile_arguments.items()
                                  if k != "optimizer"}}, default=_json)
        state = optimizer_weights(model, backend)
    with _atomic.written(filepath, False, replace=True) as tmp, h5py.File(tmp, "w") as f:
        f.attrs["keras_version"] = spec.KERAS_VERSION.encode("utf8")
        f.attrs["model_config"] = model_config.encode("utf8")
        _write_model_weights(f.create_group("model_weights"), weights)
        if training is not None:
            f.attrs["training_config"] = training.encode("utf8")
        if state:
            _write(f.create_group("optimizer_weights"), state)


def needs_table(model):
    """Whether `model` holds a Keras 3 built-in that only `migrate --to native` writes (a
    Keras 3 convolution, ...): Keras 1 files reach it through this module's table, not the
    legacy loader's (which takes only the built-ins the converter gives)."""
    return any(type(layer).__module__.startswith("keras.") and (
        type(layer).__name__ in KERNELS or type(layer).__name__ not in stages.LEGACY_BUILTINS)
        for layer in _layers(model))


def _layers(model):
    for layer in model.layers:
        yield layer
        if isinstance(layer, keras.Model):
            yield from _layers(layer)


def load_weights(model, filepath, keras1_backend=None, keras_version=None):
    """A Keras 1 weights (or model) file into `model`, through the table: every layer
    matched and every shape checked before anything is assigned."""
    backend = k1_backend.resolve_keras1_backend("load_weights", keras1_backend)
    with hdf5.Keras1File(filepath) as k1file:
        version = k1file.keras_version or keras_version
        try:
            prepared = []
            for layer, datasets in weight_rules._match(model, k1file.layer_groups()):
                arrays = _mapped(layer, [np.asarray(d) for _, d in datasets], backend, 0)
                named = list(zip([n for n, _ in datasets], arrays))
                prepared.append((layer, weight_rules._prepared(layer, named, version,
                                                               backend)))
        except ConversionError as error:
            raise error.located(file=str(filepath)) from None
    for layer, arrays in prepared:
        for variable, array in zip(layer.weights, arrays):
            variable.assign(np.asarray(array))
    return model
