"""Keras 1's shape arithmetic and Theano's padding/cropping plans: pure functions of ints.

Keras 1 on TensorFlow used TensorFlow's 'SAME'/'VALID' padding. Keras 1 on Theano used
Theano's modes: 'valid', 'full' (pad k-1 on both sides) and, for 'same', 'half' (pad
k//2 on both sides of the dilated kernel) followed, for an even kernel, by a crop of the
output to ceil(input/stride). Theano also sampled strided outputs at 0, s, 2s, ... of the
padded input, which differs from TensorFlow's 'SAME' on even sizes. Keras 1.0.0-1.1.0's
Convolution3D padded 'same' itself instead ("explicit" below). Theano's 'same' pooling
padded each side by its own amount (`THEANO_SAME_POOL_PAD`) and let windows skip it.

Each plan says what to pad, stride, subsample and crop; `_ops` executes it with `tf.nn`
(our layers), and `native.handlers` with Keras 3 layers. No TensorFlow here.
"""

from collections import namedtuple


def _ceil_div(n, s):
    return -(-n // s)


def dilated(kernel, dilation=1):
    return (kernel - 1) * dilation + 1


def conv_output_length(length, kernel, border_mode, stride, dilation=1):
    """Keras 1's `conv_output_length` (utils/np_utils.py); None stays None."""
    if length is None:
        return None
    k = dilated(kernel, dilation)
    n = {"same": length, "valid": length - k + 1, "full": length + k - 1}[border_mode]
    return (n + stride - 1) // stride


# -- convolutions ---------------------------------------------------------------------------------
def theano_pad(kernel, border_mode, dilation=1):
    """Padding on each side for Theano's border modes ('same' is Theano's 'half')."""
    k = dilated(kernel, dilation)
    return {"valid": 0, "same": k // 2, "full": k - 1}[border_mode]


def theano_same_is_tf_same(kernel_size, strides, dilations, theano_same="half"):
    """Whether Keras 1's Theano 'same' padded as TensorFlow's SAME: at stride 1, for odd
    (dilated) kernels or where the layer padded "explicit"ly.

    `theano_same`, how a layer padded 'same' on Theano: "half" (Theano's 'half', k // 2
    zeros on both sides, then the crop of even kernels' outputs: Keras 1.2.2, and every
    layer of every release but Keras 1.0.0-1.1.0's Convolution3D) or "explicit" ((k - 1) // 2
    zeros before and k // 2 after, then 'valid': that Convolution3D, which refused strides
    with 'same').
    """
    return all(s == 1 for s in strides) and (theano_same == "explicit" or all(
        dilated(k, d) % 2 for k, d in zip(kernel_size, dilations)))


def theano_crops(kernel_size, border_mode):
    """Axes whose output Keras 1 on Theano cropped to ceil(input/stride)."""
    if border_mode != "same":
        return ()
    return tuple(j for j, k in enumerate(kernel_size) if k % 2 == 0)


# same: TensorFlow's SAME does it all (the rest is unused); otherwise pad `pads` ((before,
# after) per axis), convolve 'valid' with `strides`, keep every `subsample`-th output (None:
# none; TensorFlow cannot stride a dilated convolution, Theano did) and crop the axes
# `crop_axes` to ceil(input length / Keras 1's stride), `steps`.
ConvPlan = namedtuple("ConvPlan", "same pads strides subsample crop_axes steps")


def conv(kernel_size, strides, dilations, border_mode, theano_same="half"):
    """Keras 1's Theano convolution as steps, for any input length."""
    strides, dilations = tuple(strides), tuple(dilations)
    if border_mode == "same" and theano_same_is_tf_same(kernel_size, strides, dilations,
                                                        theano_same):
        return ConvPlan(True, None, strides, None, (), strides)
    pads = tuple((p, p) for p in (theano_pad(k, border_mode, d)
                                  for k, d in zip(kernel_size, dilations)))
    subsample = strides if any(d > 1 for d in dilations) and any(
        s > 1 for s in strides) else None
    return ConvPlan(False, pads, (1,) * len(strides) if subsample else strides, subsample,
                    theano_crops(kernel_size, border_mode), strides)


def needs_length(plan):
    """The axes whose length `fitted` needs (strided axes that Keras 1 cropped)."""
    return tuple(j for j in plan.crop_axes if plan.steps[j] > 1)


def fitted(plan, kernel_size, dilations, lengths):
    """(pads, crops) of `plan` for inputs of `lengths`: each crop to ceil(n / stride) done by
    padding less at the end where that gives those outputs directly, so that a crop is left
    only where even no padding there gives too many. `lengths` of `needs_length` axes must be
    known."""
    pads = [list(p) for p in plan.pads]
    crops = [(0, 0)] * len(pads)
    for j in plan.crop_axes:
        n, s = lengths[j], plan.steps[j]
        before, kd = pads[j][0], dilated(kernel_size[j], dilations[j])
        if s == 1:  # ceil(n / 1) outputs: the padding after is kd - 1 - before
            pads[j][1] = kd - 1 - before
            continue
        after = (_ceil_div(n, s) - 1) * s + kd - n - before
        if after >= 0:
            pads[j][1] = after
        else:
            out = conv_output_length(n + 2 * before, kernel_size[j], "valid", plan.strides[j],
                                     dilations[j])
            out = _ceil_div(out, s) if plan.subsample else out
            crops[j] = (0, out - _ceil_div(n, s))
    return [tuple(p) for p in pads], crops


# -- transposed convolutions (Deconvolution2D) ----------------------------------------------------
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
        return min(requested, _ceil_div(length, stride))
    return requested


def deconv_axis(n, k, s, requested, mode, keras1_backend):
    """(output_padding, (crop before, crop after)) of one axis of Keras 1's deconvolution,
    computed as a 'valid' transposed convolution (length (n-1)*s + k + padding)."""
    full = (n - 1) * s + k
    if keras1_backend == "tensorflow":
        start = max(full - requested, 0) // 2 if mode == "same" else 0
    else:
        start = theano_pad(k, mode)
    final = deconv_output_length(n, k, mode, s, requested, keras1_backend)
    padding = max(start + final - full, 0)
    return padding, (start, full + padding - start - final)


# -- pooling --------------------------------------------------------------------------------------
# Keras 1.2.2 on Theano pads each side of a 'same' pooling axis by this much (`pool2d`,
# which the 1D layers use too, and `pool3d`), lets the windows skip the padding (max
# ignores it, average divides by the real steps only) and crops the output to
# ceil(length / stride). pool3d's table gives -1 for a pool size of 1 (see
# `_ops._theano_unit_pool3d`).
THEANO_SAME_POOL_PAD = {
    1: lambda k: k - 2 if k > 2 and k % 2 else k - 1,
    2: lambda k: k - 2 if k > 2 and k % 2 else k - 1,
    3: lambda k: k - 2 if k % 2 else k - 1,
}


def pool_output_length(length, pool, border_mode, stride, keras1_backend, rank):
    """The length a Keras 1 pooling really outputs. Keras 1 claimed `conv_output_length`,
    which is wrong on Theano for a pool larger than the input ('valid': Theano returns
    an empty axis) and for pool3d's pool size 1 ('same')."""
    if length is None:
        return None
    if keras1_backend == "tensorflow":
        return conv_output_length(length, pool, border_mode, stride)
    pad = 0 if border_mode == "valid" else THEANO_SAME_POOL_PAD[rank](pool)
    padded = length + 2 * pad
    if padded < pool:
        return 0
    n = (padded - pool) // stride + 1
    return n if border_mode == "valid" else min(n, _ceil_div(length, stride))


def same_pool_pads(rank, pool_size):
    """Theano's padding before each axis of a 'same' pooling (-1: `_theano_unit_pool3d`)."""
    return [THEANO_SAME_POOL_PAD[rank](k) for k in pool_size]


def same_pool_after(n, k, s, pad):
    """How far the last of the ceil(n / s) windows (starting at j*s - pad) reaches past an
    axis of `n` steps (negative: it ends inside). Also for symbolic `n`."""
    return (_ceil_div(n, s) - 1) * s + k - n - pad


def tf_same_pool_pads(lengths, pool_size, strides):
    """The padding TensorFlow's SAME pooling puts before each axis (None for unknown n)."""
    return [None if n is None else max(same_pool_after(n, k, s, 0), 0) // 2
            for n, k, s in zip(lengths, pool_size, strides)]


# Pad `before` and `after` each axis (windows skip the padding), pool 'valid' and keep the
# first `outs` outputs; `tf_before` is what TensorFlow's SAME pads before, so `tf_same` says
# whether its windows are Theano's.
SamePool = namedtuple("SamePool", "before after outs tf_before tf_same")


def same_pool(rank, pool_size, strides, lengths):
    """Keras 1's Theano 'same' pooling of inputs of known `lengths`."""
    before = same_pool_pads(rank, pool_size)
    after = [max(same_pool_after(n, k, s, p), 0)
             for n, k, s, p in zip(lengths, pool_size, strides, before)]
    tf_before = tf_same_pool_pads(lengths, pool_size, strides)
    return SamePool(before, after, [_ceil_div(n, s) for n, s in zip(lengths, strides)],
                    tf_before, tf_before == before)
