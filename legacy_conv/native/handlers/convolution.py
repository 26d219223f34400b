"""Our convolutions → Conv1D/2D/3D, SeparableConv2D, Conv2DTranspose (Theano's steps explicit)."""

import keras
import numpy as np

from legacy_conv import theano_plans as plans
from legacy_conv import initializers as k1_initializers
from legacy_conv.native import objects as obj
from legacy_conv.native.handlers._common import (
    _activation_layers, _arg, _chain, CONV, CROPPING, _data_format, handles, _mapped,
    _no_activity_penalty, ours, _pairs, POOLING, Refused, _static, ZERO_PADDING)
from legacy_conv.spec import weights as weight_spec


# -- our convolutions ----------------------------------------------------------------------------
FLIPPED = ("the Keras 1 layer's own computation; the Theano kernel flip (Theano convolves, "
           "Keras 3 correlates) is folded into its weights")


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


def keras1_kernel(family, ordering, rank, flip):
    """`_kernel_transform`'s inverse: a Keras 3 kernel back in Keras 1's layout (its unit
    axes restored, flipped back for Theano), as Keras 1 stored it."""
    source, target = weight_spec.KERNEL_LAYOUTS[(family, ordering)]
    perm = weight_spec.permutation(source, target, rank)
    n_target = len(weight_spec.expand_layout(target, rank))

    def back(w):
        w = np.asarray(w)
        if flip:
            w = w[(slice(None, None, -1),) * rank]
        w = w.reshape(w.shape + (1,) * (len(perm) - n_target))
        return np.ascontiguousarray(np.transpose(w, np.argsort(perm)))
    return back


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
    cv.transfer(core, layer, transfer, why=FLIPPED if flip else None)
    return core


def _theano_conv_steps(layer, lengths):
    """(padding, strides, pads, subsample, crops) of Keras 1's Theano convolution
    (`theano_plans.conv`, fitted to the input's lengths)."""
    k, d = layer.kernel_size, layer.atrous_rate
    plan = plans.conv(k, layer.subsample, d, layer.border_mode, layer.theano_same)
    if plan.same:
        return "same", plan.strides, None, None, None
    _static([lengths[j] for j in plans.needs_length(plan)], layer,
            "Theano's crop of even-kernel 'same' outputs to ceil(length / stride)")
    pads, crops = plans.fitted(plan, k, d, lengths)
    return ("valid", plan.strides, pads if any(any(p) for p in pads) else None,
            plan.subsample, crops if any(c for _, c in crops) else None)


@handles(*ours("conv"))
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
        steps.append(("theano_pad", ZERO_PADDING[rank](
            _pairs(pads, rank), name=cv.unique(f"{layer.name}_theano_pad"),
            **_data_format(rank))))
    steps.append(("core", core))
    if subsample:
        steps.append(("subsample", POOLING[("max", rank)](
            pool_size=1, strides=_arg(subsample, rank),
            name=cv.unique(f"{layer.name}_subsample"), **_data_format(rank))))
    if crops:
        steps.append(("theano_crop", CROPPING[rank](
            _pairs(crops, rank), name=cv.unique(f"{layer.name}_theano_crop"),
            **_data_format(rank))))
    steps += after
    return _chain(cv, x, steps, layer.name)


@handles(*ours("separable"))
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
    steps = [("core", cv.once(state, "core", make))] + after
    return _chain(cv, x, steps, layer.name)


@handles(*ours("deconv"))
def deconvolution(cv, layer, inputs, state):
    x = cv.spatial(inputs[0], layer.dim_ordering, 4)
    lengths = _static(list(x.tensor.shape[1:-1]), layer, "Keras 1's output_shape")
    axes = [plans.deconv_axis(n, k, s, o, layer.border_mode, layer.keras1_backend)
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
    steps = [("core", core)]
    if crops:
        steps.append(("output_shape", keras.layers.Cropping2D(
            _pairs(crops, 2), data_format="channels_last",
            name=cv.unique(f"{layer.name}_crop"))))
    steps += after
    return _chain(cv, x, steps, layer.name)
