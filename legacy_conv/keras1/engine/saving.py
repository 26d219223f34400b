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

import keras
import numpy as np

from legacy_conv import backend as k1_backend
from legacy_conv.errors import ConversionError
from legacy_conv.load import hdf5
from legacy_conv.load import weights as weight_rules
from legacy_conv.native.handlers.convolution import _kernel_transform, keras1_kernel
from legacy_conv.spec import layers as spec

# The Keras 3 convolutions whose kernels Keras 1 stored in another layout (the Keras 1 class
# each stands for, `engine.config.keras1_class_of`, says which: `spec.layers` `weights`).
KERNELS = ("Conv1D", "Conv2D", "Conv3D", "Conv2DTranspose", "SeparableConv2D")
# Keras 1's names of a recurrent layer's weights where they were concatenated ('gpu').
_CONCATENATED = ("W", "U", "b")


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
    if len(own) != count and count == len(_CONCATENATED) and len(own) > count:
        own = list(_CONCATENATED)  # LSTM, GRU with consume_less='gpu'
    if len(own) != count:  # without a bias
        own = [n for n in own if n != "b" and not n.startswith("b_")]
    if len(own) != count:  # a layer Keras 1 did not have: its weights' own names
        return [w.name for w in layer.weights]
    return [f"{layer.name}_{n}" for n in own]


def keras1_weights(layer, backend):
    """[(name, array)] of a layer's weights as Keras 1's file held them."""
    arrays = _mapped(layer, [keras.ops.convert_to_numpy(w) for w in layer.weights], backend, 1)
    suffix = ":0" if backend == "tensorflow" else ""
    return [(f"{name}{suffix}", np.asarray(array))
            for name, array in zip(_names(layer, len(arrays)), arrays, strict=True)]


def save_weights_to_group(model, group, backend=None):
    """Keras 1's `save_weights_to_hdf5_group(f)` of `model` on `backend` (default: the
    package's Keras 1 backend)."""
    backend = backend or k1_backend.keras1_backend()
    group.attrs["layer_names"] = [layer.name.encode("utf8") for layer in model.layers]
    for layer in model.layers:
        g = group.create_group(layer.name)
        named = keras1_weights(layer, backend)
        g.attrs["weight_names"] = [name.encode("utf8") for name, _ in named]
        for name, array in named:
            g.create_dataset(name, data=array)


def has_kernels(model):
    """Whether a layer of `model` is a Keras 3 convolution (its Keras 1 layout is this
    module's to give)."""
    return any(type(layer).__module__.startswith("keras.") and type(layer).__name__ in KERNELS
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
