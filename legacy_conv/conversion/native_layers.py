"""Each legacy layer → Keras 3 built-in layers that compute the same numbers.

A handler takes the converter (`native.Converter`: layouts, names, weight transfers),
the legacy layer, its input `Value`s and a per-layer `state` dict (a layer shared by
several nodes keeps its weighted native layer there), and returns the output `Value`(s).
It raises `Refused(reason)` where no built-in is exact; the converter then keeps our
layer (keep_legacy=True) or reports the layer.

- Convolution1D/2D/3D, Atrous*: Conv1D/2D/3D (channels-last; kernels in Keras 3's layout).
  Keras 1 on Theano, made explicit (`legacy_conv._ops`): kernels flipped (a true
  convolution); 'same' and 'full' as ZeroPadding + 'valid' (even kernels' 'same' padded
  less at the end, which is Keras 1's crop to ceil(length / stride); Keras 1.0.0-1.1.0's
  Convolution3D 'same' is TensorFlow's SAME, `_ops.theano_same_is_tf_same`); a strided dilated
  convolution as a stride-1 one then MaxPooling(pool_size=1, strides=stride).
- SeparableConvolution2D: SeparableConv2D. Deconvolution2D: Conv2DTranspose ('valid' with
  `output_padding`, then Cropping2D, to give Keras 1's `output_shape` on either backend).
- ZeroPadding/Cropping/UpSampling: the built-ins (a crop to nothing is refused).
- Pooling: the built-ins; Theano's 'same' is TensorFlow's SAME where their windows agree,
  else max pooling of the edge-padded input (Cropping + Concatenate: the max of a window's
  real steps) and average pooling is refused (Theano averages other windows).
- BatchNormalization mode 0: BatchNormalization (modes 1 and 2 refused). Merge: Add,
  Multiply, Average, Maximum, Concatenate, Dot (where Keras 1's batch_dot is one); 'cos'
  refused. ThresholdedReLU: ReLU(threshold) for theta >= 0. LeakyReLU: LeakyReLU, or for a
  negative, infinite or NaN alpha a PReLU with that alpha fixed (trainable=False).
  GaussianNoise: GaussianNoise(abs(sigma)) for abs(sigma) <= 1, else refused.
- Keras 1's hard_sigmoid: Rescaling(0.2, offset=0.5) + ReLU(max_value=1) after the layer;
  inside LSTM/GRU gates, Keras 3's hard_sigmoid of gate weights scaled by 1.2.
- Keras 3 built-ins: cloned with built-in initializers, regularizers and constraints
  (`native_objects`), their axes and data formats following the layout.
- Activity penalties: refused unless always 0 (Keras 1 summed them over the batch; Keras 3
  divides every activity penalty by the batch size). Weight penalties and constraints map
  exactly.
"""

import json
import re

import keras
import numpy as np

from legacy_conv import _ops
from legacy_conv import initializers as k1_initializers
from legacy_conv.conversion import native_layout as lay
from legacy_conv.conversion import native_objects as obj
from legacy_conv.layers.advanced_activations import float32
from legacy_conv.spec import weights as weight_spec

HANDLERS = {}

CONV = {1: keras.layers.Conv1D, 2: keras.layers.Conv2D, 3: keras.layers.Conv3D}
ZERO_PADDING = {1: keras.layers.ZeroPadding1D, 2: keras.layers.ZeroPadding2D,
                3: keras.layers.ZeroPadding3D}
CROPPING = {1: keras.layers.Cropping1D, 2: keras.layers.Cropping2D, 3: keras.layers.Cropping3D}
UP_SAMPLING = {1: keras.layers.UpSampling1D, 2: keras.layers.UpSampling2D,
               3: keras.layers.UpSampling3D}
POOLING = {("max", 1): keras.layers.MaxPooling1D, ("max", 2): keras.layers.MaxPooling2D,
           ("max", 3): keras.layers.MaxPooling3D, ("avg", 1): keras.layers.AveragePooling1D,
           ("avg", 2): keras.layers.AveragePooling2D, ("avg", 3): keras.layers.AveragePooling3D}
# Our spatial layers: Keras 1 class prefix -> (Keras 3 classes by rank, Keras 3 argument).
SPATIAL = {"ZeroPadding": (ZERO_PADDING, "padding"), "Cropping": (CROPPING, "cropping"),
           "UpSampling": (UP_SAMPLING, "size")}

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
    """(Keras 3 activation for the layer itself, layers to append) for `activation`."""
    native, exact = obj.native_activation(activation)
    if exact:
        return native, []
    if obj.activation_name(activation) == "hard_sigmoid":
        layers = obj.hard_sigmoid_layers(lambda role: cv.unique(f"{layer.name}_{role}"))
        if last_name is not None:
            layers[-1].name = last_name
        return "linear", layers
    raise Refused(f"its activation {obj.activation_name(activation)!r} has no Keras 3 "
                  "built-in with the same formula")


def _chain(cv, x, layers, source):
    """Applies `layers` to the Value `x` in turn; the result keeps x's layout."""
    value = x
    for layer in layers:
        value = cv.call(layer, value, value.layout, source)
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
    """`array[order]` (its rows reordered), written straight to its destination (no
    temporary the size of a Dense kernel)."""

    def __init__(self, array, order):
        self.array, self.order = array, np.asarray(order)
        self.shape = (len(self.order),) + tuple(array.shape[1:])

    def __array__(self, dtype=None, copy=None):
        return self.array[self.order].astype(dtype or self.array.dtype, copy=False)

    def write_to(self, out):
        np.take(self.array, self.order, axis=0, out=out, mode="clip")  # "raise" buffers


# -- our convolutions ----------------------------------------------------------------------------
def _kernel_transform(family, ordering, rank, flip):
    """Keras 1 kernel layout → the Keras 3 layout (the tf.nn one), flipped for Theano."""
    source, target = weight_spec.KERNEL_LAYOUTS[(family, ordering)]
    perm = weight_spec.permutation(source, target, rank)
    n_target = len(weight_spec.expand_layout(target, rank))

    def transform(w):
        w = np.transpose(w, perm)
        w = w.reshape(w.shape[:n_target])
        if flip:
            w = w[(slice(None, None, -1),) * rank]
        return w  # a view: the transfer copies it once, into the native variable
    return transform, tuple(perm[:n_target])


def _kernel_objects(cv, layer, attribute, family, kernel_size, ordering, variable):
    """Keras 3 initializer, regularizer and constraint of one of our kernels."""
    transform, axes = _kernel_transform(family, ordering, len(kernel_size), False)
    k1_shape = tuple(variable.shape)
    native_shape = transform(np.zeros(k1_shape, "float32")).shape
    fans_ordering = "th" if layer.dim_ordering is None else layer.dim_ordering
    init = k1_initializers.Keras1Initializer(layer.init, fans_ordering)
    return {
        "initializer": _mapped(cv, layer, init, obj.native_initializer, k1_shape,
                               native_shape, axes),
        "regularizer": _mapped(cv, layer, layer.weight_regularizers.get(attribute),
                               obj.native_regularizer),
        "constraint": _mapped(cv, layer, layer.weight_constraints.get(attribute),
                              obj.native_constraint, len(k1_shape), axes),
    }


def _bias_objects(cv, layer):
    return {"bias_initializer": "zeros",
            "bias_regularizer": _mapped(cv, layer, layer.weight_regularizers.get("b"),
                                        obj.native_regularizer),
            "bias_constraint": _mapped(cv, layer, layer.weight_constraints.get("b"),
                                       obj.native_constraint, 1, (0,))}


def _conv_core(cv, layer, cls, kwargs, kernels):
    """The weighted Keras 3 layer of one of our convolutions, with its weight transfer.

    `kernels`: [(Keras 3 argument prefix, our attribute, layout family, kernel size)].
    """
    _no_activity_penalty(layer.k1_activity_regularizer)
    flip = layer.keras1_backend == "theano"
    transforms = []
    for prefix, attribute, family, size in kernels:
        objects = _kernel_objects(cv, layer, attribute, family, size, layer.dim_ordering,
                                  getattr(layer, attribute))
        for kind, value in objects.items():
            kwargs[f"{prefix}_{kind}"] = value
        transforms.append(_kernel_transform(family, layer.dim_ordering, len(size), flip)[0])
    if layer.bias:
        kwargs.update(_bias_objects(cv, layer))
    core = cls(data_format="channels_last", use_bias=layer.bias, name=layer.name,
               trainable=layer.trainable, **kwargs)

    def transfer(weights):
        return [t(w) for t, w in zip(transforms, weights)] + list(weights[len(transforms):])
    cv.transfer(core, layer, transfer)
    return core


def _theano_conv_steps(layer, lengths):
    """(padding, strides, pads, subsample, crops) of Keras 1's Theano convolution.

    Theano pads `theano_pad` on both sides, and Keras 1 cropped even kernels' 'same'
    outputs to ceil(length / stride); padding less at the end gives those outputs
    directly (a crop is left only where even no padding there gives too many).
    """
    k, s, d, mode = layer.kernel_size, layer.subsample, layer.atrous_rate, layer.border_mode
    if mode == "same" and _ops.theano_same_is_tf_same(k, s, d, layer.theano_same):
        return "same", s, None, None, None
    pads = [[p, p] for p in (_ops.theano_pad(a, mode, b) for a, b in zip(k, d))]
    subsample = s if any(b > 1 for b in d) and any(v > 1 for v in s) else None
    strides = (1,) * len(k) if subsample else s
    crop_axes = _ops.theano_crops(k, mode)
    crops = [(0, 0)] * len(k)
    for j in crop_axes:
        n, = _static([lengths[j]], layer, "Theano's crop of even-kernel 'same' outputs to "
                     "ceil(length / stride)") if s[j] > 1 else (None,)
        before, kd = pads[j][0], _ops.dilated(k[j], d[j])
        if s[j] == 1:  # ceil(n / 1) outputs: the padding after is kd - 1 - before
            pads[j][1] = kd - 1 - before
            continue
        after = (-(-n // s[j]) - 1) * s[j] + kd - n - before
        if after >= 0:
            pads[j][1] = after
        else:
            out = _ops.conv_output_length(n + 2 * before, k[j], "valid", strides[j], d[j])
            out = -(-out // s[j]) if subsample else out
            crops[j] = (0, out - -(-n // s[j]))
    pads = [tuple(p) for p in pads]
    return ("valid", strides, pads if any(any(p) for p in pads) else None, subsample,
            crops if any(c for _, c in crops) else None)


@handles(*(f"legacy_conv>{name}" for name in (
    "Convolution1D", "AtrousConvolution1D", "Convolution2D", "AtrousConvolution2D",
    "Convolution3D")))
def convolution(cv, layer, inputs, state):
    rank = layer.rank
    x = cv.spatial(inputs[0], layer.dim_ordering, rank + 2)
    lengths = list(x.tensor.shape[1:-1])
    if layer.keras1_backend == "theano":
        padding, strides, pads, subsample, crops = _theano_conv_steps(layer, lengths)
    else:
        padding, strides, pads, subsample, crops = (layer.border_mode, layer.subsample,
                                                    None, None, None)
    activation, after = _activation_layers(cv, layer, layer.activation)

    def make():
        return _conv_core(cv, layer, CONV[rank], dict(
            filters=layer.nb_filter, kernel_size=layer.kernel_size, strides=strides,
            padding=padding, dilation_rate=layer.atrous_rate, activation=activation),
            [("kernel", "W", layer.family, layer.kernel_size)])
    core = cv.once(state, "core", make)
    steps = []
    if pads:
        steps.append(ZERO_PADDING[rank](_pairs(pads, rank),
                                        name=cv.unique(f"{layer.name}_theano_pad"),
                                        **_data_format(rank)))
    steps.append(core)
    if subsample:
        steps.append(POOLING[("max", rank)](pool_size=1, strides=_arg(subsample, rank),
                                            name=cv.unique(f"{layer.name}_subsample"),
                                            **_data_format(rank)))
    if crops:
        steps.append(CROPPING[rank](_pairs(crops, rank),
                                    name=cv.unique(f"{layer.name}_theano_crop"),
                                    **_data_format(rank)))
    steps += after
    return _chain(cv, x, steps, layer.name)


def _data_format(rank):
    return {"data_format": "channels_last"} if rank > 1 else {}


def _pairs(pairs, rank):
    return tuple(pairs[0]) if rank == 1 else tuple(tuple(p) for p in pairs)


def _arg(values, rank):
    return values[0] if rank == 1 else tuple(values)


@handles("legacy_conv>SeparableConvolution2D")
def separable(cv, layer, inputs, state):
    x = cv.spatial(inputs[0], layer.dim_ordering, 4)
    activation, after = _activation_layers(cv, layer, layer.activation)

    def make():
        return _conv_core(cv, layer, keras.layers.SeparableConv2D, dict(
            filters=layer.nb_filter, kernel_size=layer.kernel_size, strides=layer.subsample,
            padding=layer.border_mode, depth_multiplier=layer.depth_multiplier,
            activation=activation),
            [("depthwise", "depthwise_kernel", "depthwise", layer.kernel_size),
             ("pointwise", "pointwise_kernel", "conv", (1, 1))])
    steps = [cv.once(state, "core", make)] + after
    return _chain(cv, x, steps, layer.name)


def _deconv_axis(n, k, s, requested, mode, keras1_backend):
    """(output_padding, (crop before, crop after)) of one axis of Keras 1's deconvolution,
    computed as Keras 3's 'valid' transposed convolution (length (n-1)*s + k + padding)."""
    full = (n - 1) * s + k
    if keras1_backend == "tensorflow":
        start = max(full - requested, 0) // 2 if mode == "same" else 0
    else:
        start = _ops.theano_pad(k, mode)
    final = _ops.deconv_output_length(n, k, mode, s, requested, keras1_backend)
    padding = max(start + final - full, 0)
    return padding, (start, full + padding - start - final)


@handles("legacy_conv>Deconvolution2D")
def deconvolution(cv, layer, inputs, state):
    x = cv.spatial(inputs[0], layer.dim_ordering, 4)
    lengths = _static(list(x.tensor.shape[1:-1]), layer, "Keras 1's output_shape")
    axes = [_deconv_axis(n, k, s, o, layer.border_mode, layer.keras1_backend)
            for n, k, s, o in zip(lengths, layer.kernel_size, layer.subsample,
                                  layer._requested)]
    output_padding = tuple(p for p, _ in axes)
    crops = [c for _, c in axes]
    tf_same = (layer.keras1_backend == "tensorflow" and layer.border_mode == "same"
               and all(k % 2 for k in layer.kernel_size))
    if tf_same:  # Keras 3's 'same' asks TensorFlow for the same output length
        output_padding = tuple(o - (n - 1) * s - 1 for n, s, o in zip(
            lengths, layer.subsample, layer._requested))
        crops = None
    elif not any(a or b for a, b in crops):
        crops = None
    activation, after = _activation_layers(cv, layer, layer.activation)

    def make():
        core = _conv_core(cv, layer, keras.layers.Conv2DTranspose, dict(
            filters=layer.nb_filter, kernel_size=layer.kernel_size, strides=layer.subsample,
            padding="same" if tf_same else "valid", output_padding=output_padding,
            activation=activation), [("kernel", "W", layer.family, layer.kernel_size)])
        state["output_padding"] = output_padding
        return core
    core = cv.once(state, "core", make)
    if state["output_padding"] != output_padding:
        raise Refused("it is shared by inputs of different sizes, which need different "
                      "Keras 3 output paddings")
    steps = [core]
    if crops:
        steps.append(keras.layers.Cropping2D(_pairs(crops, 2), data_format="channels_last",
                                             name=cv.unique(f"{layer.name}_crop")))
    steps += after
    return _chain(cv, x, steps, layer.name)


# -- our padding, cropping, up-sampling and pooling -------------------------------------------
@handles(*(f"legacy_conv>{kind}{rank}D" for kind in SPATIAL for rank in (1, 2, 3)))
def spatial(cv, layer, inputs, state):
    rank = layer.rank
    x = cv.spatial(inputs[0], layer.dim_ordering, rank + 2)
    classes, argument = SPATIAL[type(layer).__name__[:-2]]
    amounts = layer.amounts
    if argument == "cropping":
        for n, (before, after) in zip(x.tensor.shape[1:-1], amounts):
            if n is not None and before + after >= n:
                raise Refused(f"it crops an axis of {n} steps to {n - before - after} "
                              "(Keras 1 allowed empty outputs; Keras 3's Cropping does not)")
    value = _pairs(amounts, rank) if argument != "size" else _arg(amounts, rank)
    native = cv.once(state, "core", lambda: classes[rank](
        **{argument: value}, name=layer.name, **_data_format(rank)))
    return cv.call(native, x, x.layout, layer.name)


def _theano_same_pool_plan(layer, lengths):
    """(pads before, pads after, output lengths) of Keras 1's Theano 'same' pooling."""
    pads = [_ops.THEANO_SAME_POOL_PAD[layer.rank](k) for k in layer.pool_size]
    if any(p < 0 for p in pads):
        raise Refused("Keras 1 on Theano (pool3d, pool size 1, 'same') read steps 1, "
                      "1 + stride, ... of that axis and filled a window past its end with "
                      "the first element (max) or NaN (average); no Keras 3 layer does that")
    outs = [-(-n // s) for n, s in zip(lengths, layer.strides)]
    after = [max((o - 1) * s + k - n - p, 0) for o, s, k, n, p in zip(
        outs, layer.strides, layer.pool_size, lengths, pads)]
    return pads, after, outs


@handles(*(f"legacy_conv>{mode}Pooling{rank}D" for mode in ("Max", "Average")
           for rank in (1, 2, 3)))
def pooling(cv, layer, inputs, state):
    rank = layer.rank
    x = cv.spatial(inputs[0], layer.dim_ordering, rank + 2)
    cls = POOLING[(layer.pool_mode, rank)]
    size, strides = _arg(layer.pool_size, rank), _arg(layer.strides, rank)
    if layer.border_mode == "valid" and any(
            n is not None and n < k for n, k in zip(x.tensor.shape[1:-1], layer.pool_size)):
        raise Refused(f"its pool {layer.pool_size} is larger than the input "
                      f"{tuple(x.tensor.shape[1:-1])}: Keras 1 returned an empty axis, "
                      "Keras 3's pooling refuses")
    if layer.keras1_backend == "tensorflow" or layer.border_mode == "valid":
        native = cv.once(state, "core", lambda: cls(size, strides, padding=layer.border_mode,
                                                    name=_core_name(cv, layer, state),
                                                    **_data_format(rank)))
        return cv.call(native, x, x.layout, layer.name)
    lengths = _static(list(x.tensor.shape[1:-1]), layer, "Theano's 'same' pooling")
    pads, after, outs = _theano_same_pool_plan(layer, lengths)
    tf_pads = [max((o - 1) * s + k - n, 0) // 2 for o, s, k, n in zip(
        outs, layer.strides, layer.pool_size, lengths)]
    if tf_pads == pads:  # Theano's windows are TensorFlow's SAME windows here
        native = cv.once(state, "same", lambda: cls(size, strides, padding="same",
                                                    name=_core_name(cv, layer, state),
                                                    **_data_format(rank)))
        return cv.call(native, x, x.layout, layer.name)
    if layer.pool_mode != "max":
        raise Refused("Theano's 'same' average pooling averages windows that TensorFlow "
                      f"places elsewhere (pads {pads} before each axis, TensorFlow "
                      f"{tf_pads}) over their real steps only; no Keras 3 layer does that")
    # Max over the real steps of a window = max over the window of the edge-padded input.
    value = _edge_pad(cv, layer, x, pads, after)
    pooled = cv.call(cls(size, strides, padding="valid", name=_core_name(cv, layer, state),
                         **_data_format(rank)), value, value.layout, layer.name)
    crops = [(0, n - o) for n, o in zip(pooled.tensor.shape[1:-1], outs)]
    if any(c for _, c in crops):
        crop = CROPPING[rank](_pairs(crops, rank), name=cv.unique(f"{layer.name}_crop"),
                              **_data_format(rank))
        pooled = cv.call(crop, pooled, pooled.layout, layer.name)
    return pooled


def _edge_pad(cv, layer, value, before, after):
    """Pads each spatial axis by repeating its first/last step (Cropping + Concatenate)."""
    rank = layer.rank
    for j, (b, a) in enumerate(zip(before, after)):
        if not (b or a):
            continue
        n = value.tensor.shape[1 + j]
        parts = []
        for count, keep_first in ((b, True), (a, False)):
            if not count:
                parts.append([])
                continue
            crops = [(0, 0)] * rank
            crops[j] = (0, n - 1) if keep_first else (n - 1, 0)
            edge = value if n == 1 else cv.call(CROPPING[rank](
                _pairs(crops, rank), name=cv.unique(f"{layer.name}_edge"),
                **_data_format(rank)), value, value.layout, layer.name)
            parts.append([edge] * count)
        concat = keras.layers.Concatenate(axis=1 + j, name=cv.unique(f"{layer.name}_edge_pad"))
        value = cv.call(concat, parts[0] + [value] + parts[1], value.layout, layer.name)
    return value


# -- our other layers (configs in Keras 1's vocabulary) ---------------------------------------
@handles("legacy_conv>ThresholdedReLU")
def thresholded_relu(cv, layer, inputs, state):
    theta = float(layer.get_config()["theta"])
    if theta < 0:
        raise Refused(f"theta={theta} < 0: Keras 3's ReLU(threshold=...) accepts only "
                      "thresholds >= 0")
    # ReLU(threshold=t) is x * (x > t) like Keras 1 (x where x > t, else 0).
    native = cv.once(state, "core", lambda: keras.layers.ReLU(threshold=theta, name=layer.name))
    return cv.call(native, inputs[0], inputs[0].layout, layer.name)


@handles("legacy_conv>LeakyReLU")
def leaky_relu(cv, layer, inputs, state):
    x = inputs[0]
    alpha = float(float32(layer.alpha))
    if 0 <= alpha < float("inf"):
        native = cv.once(state, "core", lambda: keras.layers.LeakyReLU(
            negative_slope=alpha, name=layer.name))
        return cv.call(native, x, x.layout, layer.name)
    # Keras 3's LeakyReLU refuses a negative slope (and keeps x > 0 for an infinite or NaN
    # one); PReLU computes relu(x) - alpha * relu(-x), Keras 1's formula, here from an alpha
    # that training leaves alone (Keras 1's LeakyReLU had no weight). Its alpha has the
    # input's rank: one PReLU per rank the layer is applied to.
    rank = len(x.tensor.shape) - 1
    by_rank = state.setdefault("prelu", {})
    if rank not in by_rank:
        by_rank[rank] = keras.layers.PReLU(
            alpha_initializer=keras.initializers.Constant(alpha),
            shared_axes=list(range(1, rank + 1)), trainable=False,
            name=cv.unique(f"{layer.name}_{rank}d") if by_rank else layer.name)
    return cv.call(by_rank[rank], x, x.layout, layer.name)


@handles("legacy_conv>GaussianNoise")
def gaussian_noise(cv, layer, inputs, state):
    # Keras 1 drew sigma * normal(0, 1): a negative sigma adds the noise of abs(sigma).
    stddev = abs(layer.sigma)
    if not stddev <= 1:
        raise Refused(f"sigma={layer.sigma}: Keras 3's GaussianNoise takes a standard "
                      "deviation in [0, 1] only, and no other built-in adds Gaussian noise")
    native = cv.once(state, "core", lambda: keras.layers.GaussianNoise(stddev,
                                                                        name=layer.name))
    return cv.call(native, inputs[0], inputs[0].layout, layer.name)


@handles("legacy_conv>BatchNormalization")
def batch_normalization(cv, layer, inputs, state):
    if layer.mode != 0:
        raise Refused(f"mode={layer.mode}: " + (
            "it normalizes each sample over its last axis with its own statistics and adds "
            "epsilon to the standard deviation too" if layer.mode == 1 else
            "it normalizes with the batch's statistics at inference too") +
            "; Keras 3's BatchNormalization does neither")
    layout = state.get("layout") or cv.common_layout(inputs, flat_ok=False)
    state["layout"] = layout
    x = cv.to(inputs[0], layout)
    if layer.keras1_backend == "theano":
        cv.note(layer, "training: Keras 1 on Theano added epsilon to the running variance "
                       "it accumulated; Keras 3 does not")

    def make():
        objects = {}
        for weight in ("gamma", "beta"):
            init = k1_initializers.Keras1Initializer(getattr(layer, f"{weight}_init"), "th")
            shape = tuple(getattr(layer, weight).shape)
            objects[f"{weight}_initializer"] = _mapped(cv, layer, init,
                                                       obj.native_initializer, shape)
            objects[f"{weight}_regularizer"] = _mapped(
                cv, layer, getattr(layer, f"{weight}_regularizer"), obj.native_regularizer)
        native = keras.layers.BatchNormalization(
            axis=lay.native_axis(layout, layer.axis), momentum=layer.momentum,
            epsilon=layer.epsilon, name=layer.name, trainable=layer.trainable, **objects)
        _same_weights(cv, layer, native)
        return native
    return cv.call(cv.once(state, "core", make), x, layout, layer.name)


MERGE_LAYERS = {"sum": keras.layers.Add, "mul": keras.layers.Multiply,
                "ave": keras.layers.Average, "max": keras.layers.Maximum}


@handles("legacy_conv>Merge")
def merge(cv, layer, inputs, state):
    mode = layer.mode
    if mode in MERGE_LAYERS:
        layout = cv.common_layout(inputs)
        native = cv.once(state, ("core", layout), lambda: MERGE_LAYERS[mode](
            name=_core_name(cv, layer, state)))
        return cv.call(native, [cv.to(v, layout) for v in inputs], layout, layer.name)
    if mode == "concat":
        layout = cv.common_layout(inputs, flat_ok=False)
        native = cv.once(state, ("core", layout), lambda: keras.layers.Concatenate(
            axis=lay.native_axis(layout, layer.concat_axis), name=_core_name(cv, layer, state)))
        return cv.call(native, [cv.to(v, layout) for v in inputs], layout, layer.name)
    if mode == "cos":
        raise Refused("mode='cos': Keras 1 divided by max(sqrt(dot(x, x) * dot(y, y)), 1e-7) "
                      "(whole matrices of dot products above 2D) and added an axis; "
                      "Keras 3's Dot(normalize=True) normalizes each input with its own floor")
    xs = [cv.to(v, lay.identity(lay.rank(v.layout))) for v in inputs]
    axes = _dot_axes(layer, [len(x.tensor.shape) for x in xs])
    shapes = [tuple(x.tensor.shape) for x in xs]
    out = keras.layers.Dot(axes=axes).compute_output_shape(shapes)
    claimed = layer.compute_output_shape(shapes)
    if tuple(out) != tuple(claimed):
        raise Refused(f"mode='dot' with dot_axes={layer.dot_axes} on {len(shapes[0])}D and "
                      f"{len(shapes[1])}D inputs has shape {tuple(claimed)} in Keras 1, "
                      f"{tuple(out)} in Keras 3's Dot")
    native = cv.once(state, "core", lambda: keras.layers.Dot(axes=axes, name=layer.name))
    return cv.call(native, xs, None, layer.name)


def _core_name(cv, layer, state):
    """The legacy name for the first native layer of `layer`, a derived one for others."""
    if state.get("named"):
        return cv.unique(layer.name)
    state["named"] = True
    return layer.name


def _dot_axes(layer, ranks):
    """The axes Keras 1's batch_dot really contracted, for Keras 3's Dot."""
    a0, a1 = (a % n for a, n in zip(layer.dot_axes, ranks))
    if layer.keras1_backend == "theano" or ranks == [2, 2]:
        return [a0, a1]
    if ranks != [3, 3]:
        raise Refused(f"mode='dot' on {ranks[0]}D and {ranks[1]}D inputs: Keras 1 on "
                      "TensorFlow ran one matmul, batched over the leading axes, which is "
                      "no Keras 3 Dot")
    # One matmul: x's last axis (its first with adjoint_a), y's first (its last with adjoint_b).
    return [1 if a0 != 2 else 2, 2 if a1 == 2 else 1]


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
    activations are built-ins; returns (layer, layers to append)."""
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
    cv.transfer(native, layer, lambda weights: list(weights))


def _builtin_core(cv, layer, state, key="core", **kwargs):
    def make():
        native, after = clone_builtin(cv, layer, **kwargs)
        if layer.weights:
            _same_weights(cv, layer, native)
        return native, after
    return cv.once(state, key, make)


@handles(*ELEMENTWISE, *MERGES)
def elementwise(cv, layer, inputs, state):
    if getattr(layer, "noise_shape", None) is not None:
        return pass_through(cv, layer, inputs, state)
    layout = cv.common_layout(inputs)
    xs = [cv.to(v, layout) for v in inputs]
    native, after = _builtin_core(cv, layer, state)
    value = cv.call(native, xs if len(xs) > 1 else xs[0], layout, layer.name)
    return _chain(cv, value, after, layer.name)


@handles("Activation")
def activation(cv, layer, inputs, state):
    name = obj.activation_name(layer.activation)
    x = inputs[0]
    if name in obj.LAST_AXIS_ACTIVATIONS:
        x = cv.keep_last_axis(x)
    native, exact = obj.native_activation(layer.activation)
    if not exact and name == "hard_sigmoid":
        layers = cv.once(state, "core", lambda: _activation_layers(
            cv, layer, layer.activation, last_name=layer.name)[1])
        return _chain(cv, x, layers, layer.name)
    native_layer, after = _builtin_core(cv, layer, state)
    value = cv.call(native_layer, x, x.layout, layer.name)
    return _chain(cv, value, after, layer.name)


@handles("Dense")
def dense(cv, layer, inputs, state):
    x = inputs[0]
    if "layout" in state:
        x = cv.to(x, state["layout"])
    elif x.layout.unflat is None:
        x = cv.keep_last_axis(x)
    layout = state.setdefault("layout", x.layout)
    order = lay.feature_order(layout) if layout.unflat is not None else None

    def make():
        native, after = clone_builtin(cv, layer)
        if order is None:
            _same_weights(cv, layer, native)
        else:
            cv.transfer(native, layer, lambda w: [Rows(w[0], order)] + list(w[1:]))
        return native, after
    native, after = cv.once(state, "core", make)
    out_layout = lay.identity(2) if layout.unflat is not None else layout
    value = cv.call(native, x, out_layout, layer.name)
    return _chain(cv, value, after, layer.name)


@handles(*AXIS_ARGUMENT)
def axis_argument(cv, layer, inputs, state):
    argument = AXIS_ARGUMENT[type(layer).__name__]
    if "layout" in state:
        layout = state["layout"]
    else:
        layout = cv.common_layout(inputs, flat_ok=False)
    xs = [cv.to(v, layout) for v in inputs]
    state["layout"] = layout
    axis = getattr(layer, argument)
    native_axis = ([lay.native_axis(layout, a) for a in axis] if isinstance(axis, (list, tuple))
                   else lay.native_axis(layout, axis))
    native, after = _builtin_core(cv, layer, state, overrides={argument: native_axis})
    value = cv.call(native, xs if len(xs) > 1 else xs[0], layout, layer.name)
    return _chain(cv, value, after, layer.name)


@handles("PReLU")
def prelu(cv, layer, inputs, state):
    x = inputs[0]
    if x.layout.unflat is not None:
        x = cv.to(x, lay.identity(2))
    layout = state.setdefault("layout", x.layout)
    x = cv.to(x, layout)
    axes = [a - 1 for a in layout.perm[1:]]  # native alpha axis j = legacy alpha axis
    shared = layer.shared_axes
    overrides = {}
    if shared is not None:
        overrides["shared_axes"] = [lay.native_axis(layout, a) for a in shared]
    native_shape = tuple(np.asarray(layer.alpha.shape)[axes])

    def make():
        native, _ = clone_builtin(cv, layer, overrides, {"alpha": native_shape},
                                  {"alpha": axes})
        cv.transfer(native, layer, lambda w: [np.transpose(w[0], axes)])
        return native
    native = cv.once(state, "core", make)
    return cv.call(native, x, layout, layer.name)


@handles("Flatten")
def flatten(cv, layer, inputs, state):
    x = inputs[0]
    rank = lay.rank(x.layout)
    if x.layout.unflat is not None or rank <= 2:
        x = cv.to(x, lay.identity(rank))
        return cv.call(_flatten_layer(cv, layer, state), x, lay.identity(2), layer.name)
    # Legacy: flatten(legacy.transpose(f)); f moves channels last for channels_first.
    f = lay.channels_last(rank).perm if layer.data_format == "channels_first" else \
        tuple(range(rank))
    f_inverse = tuple(np.argsort(f))
    unflat_perm = tuple(f_inverse[a] for a in x.layout.perm)
    legacy_shape = lay.legacy_shape(x.layout, tuple(x.tensor.shape))
    unflat = tuple(legacy_shape[a] for a in f)[1:]
    if cv.feeds_only_dense(layer) and None not in unflat:
        out = lay.flat(unflat, unflat_perm)
    else:
        x = cv.to(x, lay.Layout(f))
        out = lay.identity(2)
    return cv.call(_flatten_layer(cv, layer, state), x, out, layer.name)


def _flatten_layer(cv, layer, state):
    return cv.once(state, "core", lambda: keras.layers.Flatten(
        data_format="channels_last", name=layer.name))


# Recurrent built-ins: the gates (slices of the last weight axis, in Keras 3's order) that
# `recurrent_activation` applies to.
GATES = {"LSTM": (0, 1, 3), "GRU": (0, 1)}  # LSTM i, f, c, o; GRU z, r, h
# Keras 1's hard_sigmoid(z) = clip(0.2 z + 0.5, 0, 1) = Keras 3's hard_sigmoid(1.2 z).
HARD_SIGMOID_SCALE = 1.2


def _recurrent_clone(cv, layer):
    """(Keras 3 built-in, weight transform) for a recurrent built-in: gates that Keras 1's
    hard_sigmoid drives become Keras 3's hard_sigmoid of gate weights scaled by 1.2
    (relu6(1.2 z + 3) / 6 = clip(0.2 z + 0.5, 0, 1))."""
    kind = type(layer).__name__
    gate_activation = getattr(layer.cell, "recurrent_activation", None)
    if kind not in GATES or obj.native_activation(gate_activation)[1]:
        native, _ = clone_builtin(cv, layer)
        return native, lambda weights: list(weights)
    if obj.activation_name(gate_activation) != "hard_sigmoid":
        raise Refused(f"its recurrent_activation {obj.activation_name(gate_activation)!r} "
                      "has no Keras 3 built-in with the same formula")
    gates, count = GATES[kind], 4 if kind == "LSTM" else 3

    def scaled(weights):
        out = []
        for w in weights:
            w = np.array(w)
            size = w.shape[-1] // count
            for gate in gates:
                w[..., gate * size:(gate + 1) * size] *= np.float32(HARD_SIGMOID_SCALE)
            out.append(w)
        return out
    native, _ = clone_builtin(cv, layer, overrides={"recurrent_activation": "hard_sigmoid"})
    cv.note(layer, "its gates' weights are scaled by 1.2 (Keras 1's hard_sigmoid(z) is "
                   "Keras 3's hard_sigmoid(1.2 z)); regularizers and constraints on them see "
                   "the scaled weights")
    return native, scaled


@handles(*GATES)
def recurrent(cv, layer, inputs, state):
    """LSTM and GRU (see `_recurrent_clone`); on legacy-ordered inputs."""
    xs = [cv.to(v, lay.identity(lay.rank(v.layout))) for v in inputs]

    def make():
        native, transform = _recurrent_clone(cv, layer)
        cv.transfer(native, layer, transform)
        return native
    native = cv.once(state, "core", make)
    return cv.call_many(native, xs if len(xs) > 1 else xs[0], layer.name)


@handles("Bidirectional", "legacy_conv>Keras1Bidirectional")
def bidirectional(cv, layer, inputs, state):
    """Keras 3's Bidirectional; Keras 1's (ours) differs only at masked steps of sequences."""
    if key_of(layer).startswith("legacy_conv>") and layer.return_sequences and \
            cv.current.masked:
        raise Refused("at masked steps Keras 1 output the previous step's output; Keras 3's "
                      "Bidirectional outputs zeros when it returns sequences")
    xs = [cv.to(v, lay.identity(lay.rank(v.layout))) for v in inputs]

    def make():
        forward, forward_transform = _recurrent_clone(cv, layer.forward_layer)
        backward, backward_transform = _recurrent_clone(cv, layer.backward_layer)
        native = keras.layers.Bidirectional(forward, backward_layer=backward,
                                            merge_mode=layer.merge_mode, name=layer.name,
                                            trainable=layer.trainable)
        split = len(layer.forward_layer.weights)
        cv.transfer(native, layer, lambda w: forward_transform(w[:split]) +
                    backward_transform(w[split:]))
        return native
    native = cv.once(state, "core", make)
    return cv.call_many(native, xs if len(xs) > 1 else xs[0], layer.name)


@handles("TimeDistributed")
def time_distributed(cv, layer, inputs, state):
    if key_of(layer.layer) is None or key_of(layer.layer).startswith("legacy_conv>"):
        raise Refused(f"it wraps {type(layer.layer).__name__}, whose native form is not a "
                      "single Keras 3 layer")
    x = cv.to(inputs[0], lay.identity(lay.rank(inputs[0].layout)))

    def make():
        inner, after = clone_builtin(cv, layer.layer)
        native = keras.layers.TimeDistributed(inner, name=layer.name,
                                              trainable=layer.trainable)
        _same_weights(cv, layer, native)
        return native, after
    native, after = cv.once(state, "core", make)
    value = cv.call(native, x, x.layout, layer.name)
    return _chain(cv, value, after, layer.name)


def data_format_layer(cv, layer, inputs, state):
    """A Keras 3 built-in with `data_format`: run channels-last."""
    channels_first = getattr(layer, "data_format", None) == "channels_first"
    rank = len(inputs[0].tensor.shape) if inputs[0].layout.unflat is None else 2
    x = cv.spatial(inputs[0], "th" if channels_first else "tf", rank)
    native, after = _builtin_core(cv, layer, state, overrides={"data_format": "channels_last"})
    value = cv.call(native, x, None, layer.name)
    if len(value.tensor.shape) != rank:
        value = value._replace(layout=lay.identity(len(value.tensor.shape)))
    else:
        value = value._replace(layout=x.layout)
    return _chain(cv, value, after, layer.name)


def pass_through(cv, layer, inputs, state):
    """Any other layer: on legacy-ordered inputs, cloned as it is (objects mapped)."""
    xs = [cv.to(v, lay.identity(lay.rank(v.layout))) for v in inputs]

    def make():
        if isinstance(layer, keras.layers.Lambda):  # its function, not its bytecode
            native, after = keras.layers.Lambda(
                layer.function, output_shape=layer._output_shape, mask=layer.mask,
                arguments=layer.arguments, name=layer.name), []
        elif key_of(layer) is not None:
            native, after = clone_builtin(cv, layer)
        else:
            native, after = type(layer).from_config(layer.get_config()), []
        if layer.weights:
            _same_weights(cv, layer, native)
        return native, after
    native, after = cv.once(state, "core", make)
    outputs = cv.call_many(native, xs if len(xs) > 1 else xs[0], layer.name)
    if len(outputs) == 1:
        return [_chain(cv, outputs[0], after, layer.name)]
    return outputs
