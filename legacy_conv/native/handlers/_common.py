"""What every handler shares: the registry, `Refused`, activations as layers, weight
objects and the cloning of Keras 3 built-ins."""

import json
import re

import keras
import numpy as np

from legacy_conv.load import weights as stored_weights
from legacy_conv.native import objects as obj
from legacy_conv.native.plan import SAME
from legacy_conv.spec import layers as spec


HANDLERS = {}

CONV = {1: keras.layers.Conv1D, 2: keras.layers.Conv2D, 3: keras.layers.Conv3D}
ZERO_PADDING = {1: keras.layers.ZeroPadding1D, 2: keras.layers.ZeroPadding2D,
                3: keras.layers.ZeroPadding3D}
CROPPING = {1: keras.layers.Cropping1D, 2: keras.layers.Cropping2D, 3: keras.layers.Cropping3D}
POOLING = {("max", 1): keras.layers.MaxPooling1D, ("max", 2): keras.layers.MaxPooling2D,
           ("max", 3): keras.layers.MaxPooling3D, ("avg", 1): keras.layers.AveragePooling1D,
           ("avg", 2): keras.layers.AveragePooling2D, ("avg", 3): keras.layers.AveragePooling3D}
# Keras 3 built-ins that act on each element alone: any layout passes through.
ELEMENTWISE = ("Dropout", "GaussianNoise", "GaussianDropout", "LeakyReLU", "ELU", "ReLU",
               "ActivityRegularization", "Identity")
MERGES = ("Add", "Multiply", "Average", "Maximum", "Minimum", "Subtract")
# Built-ins that apply their `activation` to their output (so it can follow as layers).
OUTPUT_ACTIVATION = ("Dense", "Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose",
                     "Conv2DTranspose", "Conv3DTranspose", "SeparableConv1D",
                     "SeparableConv2D", "DepthwiseConv1D", "DepthwiseConv2D", "Activation")
# Built-ins with an axis argument that follows the layout.
AXIS_ARGUMENT = {"BatchNormalization": "axis", "Concatenate": "axis"}


class Refused(Exception):
    """No Keras 3 built-in computes exactly what this layer computes."""


def ours(*families):
    """The handler keys of our layers of these families (`spec.layers` records)."""
    return tuple(f"legacy_conv>{name}" for name in spec.ours(*families))


def handles(*keys):
    def register(fn):
        for key in keys:
            HANDLERS[key] = fn
        return fn
    return register


def key_of(layer):
    """The handler key: 'legacy_conv>Name' for ours, the class name for Keras built-ins."""
    cls = type(layer)
    if cls.__module__.startswith("legacy_conv"):
        return f"legacy_conv>{cls.__name__}"
    if cls.__module__.startswith("keras."):
        return cls.__name__
    return None


# -- shared pieces ---------------------------------------------------------------------------
def _static(lengths, layer, why):
    if any(n is None for n in lengths):
        raise Refused(f"{why} depends on the input's spatial size, which is not fixed "
                      f"(input spatial shape {tuple(lengths)})")
    return [int(n) for n in lengths]


def _activation_layers(cv, layer, activation, last_name=None):
    """(Keras 3 activation for the layer itself, [(role, layer)] to append) for
    `activation`."""
    native, exact = obj.native_activation(activation)
    if exact:
        return native, []
    if obj.activation_name(activation) == "hard_sigmoid":
        layers = obj.hard_sigmoid_layers(lambda role: cv.unique(f"{layer.name}_{role}"))
        if last_name is not None:
            layers[-1].name = last_name
        return "linear", [("hard_sigmoid", native) for native in layers]
    raise Refused(f"its activation {obj.activation_name(activation)!r} has no Keras 3 "
                  "built-in with the same formula")


def _chain(cv, x, steps, source):
    """Applies `steps`, [(role, layer)], to the Value `x` in turn; the result keeps x's
    layout."""
    value = x
    for role, layer in steps:
        value = cv.call(layer, value, value.layout, source, role)
    return value


def _no_activity_penalty(regularizer):
    """Refused where a Keras 1 activity penalty can be other than 0 (no built-in sums it
    over the batch as Keras 1 did); otherwise the native layer has no activity regularizer."""
    why = obj.activity_refusal(regularizer)
    if why:
        raise Refused(why)


def _mapped(cv, layer, value, mapper, *args):
    native, note = mapper(value, *args)
    cv.note(layer, note)
    return native


class Rows:
    """`array[order]` (its rows reordered, `order` a permutation), written straight to its
    destination (no temporary the size of a Dense kernel). `array` may be a weight still in
    the file (`load.weights.Stored`): it is then read in slices of rows, each scattered to
    its rows."""

    def __init__(self, array, order):
        self.array, self.order = array, np.asarray(order)
        self.shape = (len(self.order),) + tuple(array.shape[1:])

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self.array)[self.order].astype(dtype or self.array.dtype,
                                                          copy=False)

    def write_to(self, out):
        if isinstance(self.array, np.ndarray):
            np.take(self.array, self.order, axis=0, out=out, mode="clip")  # "raise" buffers
            return
        for rows, where in self._slices(out.dtype):
            out[where] = rows

    def assign_to(self, variable):
        """Into a variable whose memory is TensorFlow's: slice by slice where it scatters."""
        target = variable.value  # on Keras 3's TensorFlow backend, a tf.Variable
        if isinstance(self.array, np.ndarray) or not hasattr(target, "scatter_update"):
            variable.assign(np.asarray(self, dtype=np.dtype(variable.dtype)))
            return
        import tensorflow as tf

        for rows, where in self._slices(np.dtype(variable.dtype)):
            target.scatter_update(tf.IndexedSlices(rows.astype(variable.dtype, copy=False),
                                                   tf.constant(where)))

    def _slices(self, dtype):
        """(rows of `array`, where they go), about `weights.SLICE_BYTES` at a time."""
        where = np.argsort(self.order)
        row = dtype.itemsize * int(np.prod(self.shape[1:]))
        step = max(1, stored_weights.SLICE_BYTES // max(1, row))
        for start in range(0, len(where), step):
            yield np.asarray(self.array[start:start + step]), where[start:start + step]


def _data_format(rank):
    return {"data_format": "channels_last"} if rank > 1 else {}


def _pairs(pairs, rank):
    return tuple(pairs[0]) if rank == 1 else tuple(tuple(p) for p in pairs)


def _arg(values, rank):
    return values[0] if rank == 1 else tuple(values)


def _core_name(cv, layer, state):
    """The legacy name for the first native layer of `layer`, a derived one for others."""
    if state.get("named"):
        return cv.unique(layer.name)
    state["named"] = True
    return layer.name


# -- Keras 3 built-ins ------------------------------------------------------------------------
LEGACY_REFERENCE = re.compile(r"legacy_conv[>.][A-Za-z0-9_.]+")


def _legacy_function(value):
    """Our function named by a serialized config value (e.g. 'legacy_conv>hard_sigmoid')."""
    if isinstance(value, dict) and value.get("class_name") == "function" and str(
            value.get("config")).startswith("legacy_conv>"):
        return keras.saving.get_registered_object(value["config"])
    return None


def _is_ours(value):
    return isinstance(value, dict) and str(value.get("registered_name") or "").startswith(
        "legacy_conv>")


def clone_builtin(cv, layer, overrides=None, native_shapes=None, axes=None):
    """A Keras 3 built-in like `layer` whose initializers, regularizers, constraints and
    activations are built-ins; returns (layer, [(role, layer)] to append)."""
    config = layer.get_config()
    config.update(overrides or {})
    native_shapes, axes = native_shapes or {}, axes or {}
    for key, value in list(config.items()):
        if key == "activation" and hasattr(layer, "activation"):
            continue  # below: it may become layers after this one
        function = _legacy_function(value)
        if function is not None:  # e.g. a recurrent layer's recurrent_activation
            native, exact = obj.native_activation(function)
            if not exact:
                raise Refused(f"its {key} {obj.activation_name(function)!r} has no Keras 3 "
                              "built-in with the same formula")
            config[key] = native
            continue
        if not _is_ours(value):
            continue
        ours = keras.saving.deserialize_keras_object(value)
        prefix = key.rsplit("_", 1)[0]
        variable = _variable(layer, prefix)
        k1_shape = tuple(variable.shape) if variable is not None else None
        if key.endswith("_initializer"):
            native = _mapped(cv, layer, ours, obj.native_initializer, k1_shape,
                             native_shapes.get(prefix, k1_shape), axes.get(prefix))
        elif key == "activity_regularizer":
            _no_activity_penalty(ours)
            native = None
        elif key.endswith("_regularizer"):
            native = _mapped(cv, layer, ours, obj.native_regularizer)
        elif key.endswith("_constraint"):
            native = _mapped(cv, layer, ours, obj.native_constraint,
                             len(k1_shape or ()), axes.get(prefix))
        else:
            raise Refused(f"its {key} ({value.get('registered_name')}) has no Keras 3 form")
        config[key] = None if native is None else keras.saving.serialize_keras_object(native)
    after = []
    if "activation" in config and hasattr(layer, "activation"):
        if type(layer).__name__ in OUTPUT_ACTIVATION:
            config["activation"], after = _activation_layers(cv, layer, layer.activation)
        else:
            native, exact = obj.native_activation(layer.activation)
            if not exact:
                raise Refused(f"its activation {obj.activation_name(layer.activation)!r} "
                              "has no Keras 3 built-in with the same formula")
            config["activation"] = native
    left = sorted(set(LEGACY_REFERENCE.findall(json.dumps(config, default=str))))
    if left:  # e.g. inside a wrapped layer's config
        raise Refused(f"its config holds objects of this package ({', '.join(left)})")
    return type(layer).from_config(config), after


# Initializer/regularizer/constraint prefix -> the weight it belongs to, where they differ.
WEIGHT_OF = {"recurrent": "recurrent_kernel", "depthwise": "depthwise_kernel",
             "pointwise": "pointwise_kernel"}


def _variable(layer, prefix):
    """The weight a `<prefix>_initializer` (etc.) argument is for (recurrent cells too)."""
    name = WEIGHT_OF.get(prefix, prefix)
    for owner in (layer, getattr(layer, "cell", None)):
        variable = getattr(owner, name, None)
        if hasattr(variable, "shape") and hasattr(variable, "assign"):
            return variable
    return None


def _same_weights(cv, layer, native):
    cv.transfer(native, layer, SAME)


def _builtin_core(cv, layer, state, key="core", **kwargs):
    def make():
        native, after = clone_builtin(cv, layer, **kwargs)
        if layer.weights:
            _same_weights(cv, layer, native)
        return native, after
    return cv.once(state, key, make)
