"""Shape arithmetic of Keras 1 convolutions, and the `tf.nn` calls that reproduce each backend.

All functions here take and return channels-last tensors and kernels in the layout the
`tf.nn` op wants; the layers convert from Keras 1 orderings and layouts.

Keras 1 on TensorFlow used TensorFlow's 'SAME'/'VALID' padding. Keras 1 on Theano used
Theano's modes: 'valid', 'full' (pad k-1 on both sides) and, for 'same', 'half' (pad
k//2 on both sides of the dilated kernel) followed, for an even kernel, by a crop of the
output to ceil(input/stride). Theano also sampled strided outputs at 0, s, 2s, ... of the
padded input, which differs from TensorFlow's 'SAME' on even sizes.
"""

import tensorflow as tf

PADDING = {"same": "SAME", "valid": "VALID"}


def dilated(kernel, dilation=1):
    return (kernel - 1) * dilation + 1


def conv_output_length(length, kernel, border_mode, stride, dilation=1):
    """Keras 1's `conv_output_length` (utils/np_utils.py); None stays None."""
    if length is None:
        return None
    k = dilated(kernel, dilation)
    n = {"same": length, "valid": length - k + 1, "full": length + k - 1}[border_mode]
    return (n + stride - 1) // stride


def theano_pad(kernel, border_mode, dilation=1):
    """Padding on each side for Theano's border modes ('same' is Theano's 'half')."""
    k = dilated(kernel, dilation)
    return {"valid": 0, "same": k // 2, "full": k - 1}[border_mode]


def theano_crops(kernel_size, border_mode):
    """Axes whose output Keras 1 on Theano cropped to ceil(input/stride)."""
    if border_mode != "same":
        return ()
    return tuple(j for j, k in enumerate(kernel_size) if k % 2 == 0)


def deconv_output_range(length, kernel, border_mode, stride, keras1_backend):
    """The output lengths a transposed convolution of `length` may be asked for (inclusive)."""
    if keras1_backend == "tensorflow" and border_mode == "same":
        return (length - 1) * stride + 1, length * stride
    pad = 0 if keras1_backend == "tensorflow" else theano_pad(kernel, border_mode)
    low = (length - 1) * stride + kernel - 2 * pad
    return low, low + stride - 1


def deconv_output_length(length, kernel, border_mode, stride, requested, keras1_backend):
    """The actual output length: the requested one, except Theano's even-kernel 'same' crop."""
    if requested is None:
        return None
    if keras1_backend == "theano" and border_mode == "same" and kernel % 2 == 0:
        if length is None:
            return None
        return min(requested, -(-length // stride))
    return requested


def _length(x, axis):
    static = x.shape[axis]
    return static if static is not None else tf.shape(x)[axis]


def _crop_to_ceil(y, x, axes, strides):
    """Theano's crop of spatial axes `axes` to ceil(input length / stride)."""
    if not axes:
        return y
    slices = [slice(None)] * len(y.shape)
    for j in axes:
        slices[1 + j] = slice(0, (_length(x, 1 + j) + strides[j] - 1) // strides[j])
    return y[tuple(slices)]


def _spatial_pad(x, pads):
    if not any(pads):
        return x
    return tf.pad(x, [[0, 0]] + [[p, p] for p in pads] + [[0, 0]])


def convolve(x, kernel, kernel_size, strides, dilations, border_mode, keras1_backend):
    """A Keras 1 convolution (cross-correlation on TensorFlow; flip the kernel for Theano)."""
    if keras1_backend == "tensorflow":
        return tf.nn.convolution(
            x, kernel, strides=strides, padding=PADDING[border_mode], dilations=dilations
        )
    if border_mode == "same" and all(s == 1 for s in strides) and all(
        dilated(k, d) % 2 for k, d in zip(kernel_size, dilations)
    ):  # Theano's 'half' equals TensorFlow's SAME here
        return tf.nn.convolution(x, kernel, padding="SAME", dilations=dilations)
    padded = _spatial_pad(
        x, [theano_pad(k, border_mode, d) for k, d in zip(kernel_size, dilations)]
    )
    subsample_after = any(d > 1 for d in dilations) and any(s > 1 for s in strides)
    y = tf.nn.convolution(
        padded,
        kernel,
        strides=1 if subsample_after else strides,
        padding="VALID",
        dilations=dilations,
    )
    if subsample_after:  # tf.nn cannot stride a dilated convolution; Theano did.
        y = y[(slice(None),) + tuple(slice(None, None, s) for s in strides)]
    return _crop_to_ceil(y, x, theano_crops(kernel_size, border_mode), strides)


def separable_convolve(x, depthwise, pointwise, strides, border_mode):
    """Keras 1's SeparableConvolution2D (TensorFlow backend only)."""
    return tf.nn.separable_conv2d(
        x, depthwise, pointwise, (1,) + tuple(strides) + (1,), PADDING[border_mode]
    )


def deconvolve(x, kernel, output_size, filters, batch, strides, border_mode, keras1_backend):
    """Keras 1's Deconvolution2D: `kernel` is (rows, cols, out, in)."""
    if keras1_backend == "tensorflow":
        padding = PADDING[border_mode]
    else:
        pads = [theano_pad(k, border_mode) for k in kernel.shape[:2]]
        padding = [[0, 0]] + [[p, p] for p in pads] + [[0, 0]]
    if batch is None:
        batch = tf.shape(x)[0]
    shape = tf.stack([batch, output_size[0], output_size[1], filters])
    y = tf.nn.conv2d_transpose(x, kernel, shape, (1,) + tuple(strides) + (1,), padding=padding)
    if keras1_backend == "theano":
        y = _crop_to_ceil(y, x, theano_crops(kernel.shape[:2], border_mode), strides)
    return y


def pad(x, pads, first_axis=1):
    """Zero padding of spatial axes `first_axis`, ...; `pads` = ((before, after), ...)."""
    paddings = [[0, 0]] * len(x.shape)
    for axis, pair in enumerate(pads, start=first_axis):
        paddings[axis] = list(pair)
    return tf.pad(x, paddings)


def crop(x, crops, first_axis=1):
    """Cropping of spatial axes `first_axis`, ...; `crops` = ((before, after), ...)."""
    slices = [slice(None)] * len(x.shape)
    for axis, (before, after) in enumerate(crops, start=first_axis):
        slices[axis] = slice(before, _length(x, axis) - after if after else None)
    return x[tuple(slices)]


def upsample(x, sizes, first_axis=1):
    """Repeats each step of spatial axes `first_axis`, ... `sizes[j]` times (nearest neighbour)."""
    for axis, size in enumerate(sizes, start=first_axis):
        if size != 1:
            x = tf.repeat(x, size, axis=axis)
    return x


def to_channels_last(x):
    rank = len(x.shape)
    return tf.transpose(x, [0] + list(range(2, rank)) + [1])


def to_channels_first(x):
    rank = len(x.shape)
    return tf.transpose(x, [0, rank - 1] + list(range(1, rank - 1)))
