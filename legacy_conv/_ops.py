"""The `tf.nn` calls that reproduce each Keras 1 backend, executing `theano_plans`.

All functions here take and return channels-last tensors and kernels in the layout the
`tf.nn` op wants; the layers convert from Keras 1 orderings and layouts. The shape
arithmetic and Theano's padding/cropping plans are pure functions in `theano_plans`.
"""

import numpy as np
import tensorflow as tf

from legacy_conv import theano_plans as plans

PADDING = {"same": "SAME", "valid": "VALID"}


def _length(x, axis):
    static = x.shape[axis]
    return static if static is not None else tf.shape(x)[axis]


def _slice(x, starts, sizes):
    """`x` from `starts` ({axis: start}) for `sizes` ({axis: size}) steps, by `tf.slice`:
    its gradient is a pad, a strided slice's is a StridedSliceGrad, several times slower."""
    rank = len(x.shape)
    begin = [starts.get(a, 0) for a in range(rank)]
    size = [sizes.get(a, -1) for a in range(rank)]
    static = []  # what tf.slice cannot infer from a size tensor
    for n, b, k in zip(x.shape, begin, size):
        if isinstance(k, tf.Tensor):
            static.append(None)
        else:
            static.append(k if k >= 0 else None if n is None else n - b)
    if any(isinstance(k, tf.Tensor) for k in size):
        size = tf.stack(size)
    y = tf.slice(x, begin, size)
    y.set_shape(static)
    return y


def _crop_to_ceil(y, x, axes, strides):
    """Theano's crop of spatial axes `axes` to ceil(input length / stride)."""
    if not axes:
        return y
    sizes = {}
    for j in axes:
        ceil, n = (_length(x, 1 + j) + strides[j] - 1) // strides[j], _length(y, 1 + j)
        both_known = not isinstance(ceil, tf.Tensor) and not isinstance(n, tf.Tensor)
        sizes[1 + j] = min(ceil, n) if both_known else tf.minimum(ceil, n)
    return _slice(y, {}, sizes)


def _explicit(pads):
    """A `tf.nn` op's explicit padding of spatial `pads`, ((before, after), ...)."""
    return [[0, 0]] + [list(p) for p in pads] + [[0, 0]]


def _spatial_pad(x, pads):
    """Pads spatial axes by `pads`, ((before, after), ...)."""
    if not any(any(p) for p in pads):
        return x
    return tf.pad(x, _explicit(pads))


def convolve(x, kernel, kernel_size, strides, dilations, border_mode, keras1_backend,
             theano_same="half"):
    """A Keras 1 convolution (cross-correlation on TensorFlow; flip the kernel for Theano).

    `theano_same`: how the layer padded 'same' on Theano (`theano_plans.conv`).
    """
    if keras1_backend == "tensorflow":
        return tf.nn.convolution(
            x, kernel, strides=strides, padding=PADDING[border_mode], dilations=dilations
        )
    plan = plans.conv(kernel_size, strides, dilations, border_mode, theano_same)
    if plan.same:
        return tf.nn.convolution(x, kernel, padding="SAME", dilations=dilations)
    pads, crops = plan.pads, None
    if not plan.subsample and all(x.shape[1 + j] is not None for j in plans.needs_length(plan)):
        # The crop folded into less padding after; conv2d's explicit padding would fold the
        # padding too, but its gradients are slower on CPU than tf.pad's.
        pads, crops = plans.fitted(plan, kernel_size, dilations, list(x.shape[1:-1]))
    y = tf.nn.convolution(_spatial_pad(x, pads), kernel, strides=plan.strides,
                          padding="VALID", dilations=dilations)
    if plan.subsample:  # tf.nn cannot stride a dilated convolution; Theano did.
        y = y[(slice(None),) + tuple(slice(None, None, s) for s in plan.subsample)]
    if crops is None:
        return _crop_to_ceil(y, x, plan.crop_axes, plan.steps)
    return crop(y, crops) if any(any(c) for c in crops) else y


def separable_convolve(x, depthwise, pointwise, strides, border_mode):
    """Keras 1's SeparableConvolution2D (TensorFlow backend only)."""
    return tf.nn.separable_conv2d(
        x, depthwise, pointwise, (1,) + tuple(strides) + (1,), PADDING[border_mode]
    )


def separable_convolve_channels_first(x, depthwise, pointwise, strides, border_mode):
    """`separable_convolve` of channels-last `x` to a channels-first result: the pointwise
    step as a matmul that writes that layout itself (no transpose of the output)."""
    z = tf.nn.depthwise_conv2d(x, depthwise, (1,) + tuple(strides) + (1,), PADDING[border_mode])
    batch, rows, cols, channels = (_length(z, a) for a in range(4))
    y = tf.linalg.matmul(tf.transpose(pointwise[0, 0]),
                         tf.reshape(z, [batch, rows * cols, channels]), adjoint_b=True)
    return tf.reshape(y, [batch, pointwise.shape[-1], rows, cols])


def deconvolve(x, kernel, output_size, filters, batch, strides, border_mode, keras1_backend,
               finish=None):
    """Keras 1's Deconvolution2D: `kernel` is (rows, cols, out, in); `finish`, the layer's
    bias and activation (elementwise), applied before Theano's crop (the same numbers;
    a crop after them was measured the faster gradient).

    Theano's, for known input lengths: a 'valid' transposed convolution and a crop
    (`theano_plans.deconv_axis`), faster than the op's explicit padding.
    """
    finish = finish or (lambda y: y)
    if batch is None:
        batch = tf.shape(x)[0]
    strides = (1,) + tuple(strides) + (1,)
    lengths, kernel_size = list(x.shape[1:3]), kernel.shape[:2]
    if keras1_backend == "theano" and None not in lengths:
        axes = [plans.deconv_axis(n, k, s, o, border_mode, keras1_backend)
                for n, k, s, o in zip(lengths, kernel_size, strides[1:], output_size)]
        full = [(n - 1) * s + k + padding
                for n, k, s, (padding, _) in zip(lengths, kernel_size, strides[1:], axes)]
        y = tf.nn.conv2d_transpose(x, kernel, tf.stack([batch, *full, filters]), strides,
                                   "VALID")
        return crop(finish(y), [c for _, c in axes])
    if keras1_backend == "tensorflow":
        padding = PADDING[border_mode]
    else:
        padding = _explicit((p, p) for p in (plans.theano_pad(k, border_mode)
                                             for k in kernel_size))
    shape = tf.stack([batch, output_size[0], output_size[1], filters])
    y = finish(tf.nn.conv2d_transpose(x, kernel, shape, strides, padding=padding))
    if keras1_backend == "theano":
        y = _crop_to_ceil(y, x, plans.theano_crops(kernel_size, border_mode), strides[1:])
    return y


def pad(x, pads, first_axis=1):
    """Zero padding of spatial axes `first_axis`, ...; `pads` = ((before, after), ...)."""
    paddings = [[0, 0]] * len(x.shape)
    for axis, pair in enumerate(pads, start=first_axis):
        paddings[axis] = list(pair)
    return tf.pad(x, paddings)


def crop(x, crops, first_axis=1):
    """Cropping of spatial axes `first_axis`, ...; `crops` = ((before, after), ...)."""
    axes = list(enumerate(crops, start=first_axis))
    sizes = {}
    for axis, (before, after) in axes:
        if after:  # (-1 would be tf.slice's "to the end")
            n = _length(x, axis) - before - after
            sizes[axis] = tf.maximum(n, 0) if isinstance(n, tf.Tensor) else max(n, 0)
    return _slice(x, {axis: before for axis, (before, _) in axes}, sizes)


_BOTH_HALVES = 0x100000001  # a 32-bit pattern times this fills both halves of 64 bits


@tf.custom_gradient
def _repeat_pairs(x):
    """`tf.repeat(x, 2, axis=-1)` of float32 `x` by its bits: each step copied into both
    halves of a 64-bit integer (on CPU 2.5x faster than tf.repeat's step-by-step copies)."""
    dims = [_length(x, a) for a in range(len(x.shape))]
    v = tf.cast(tf.bitcast(x, tf.uint32), tf.uint64) * tf.constant(_BOTH_HALVES, tf.uint64)
    return tf.reshape(tf.bitcast(v, tf.float32), dims[:-1] + [2 * dims[-1]]), _sum_pairs


@tf.custom_gradient
def _sum_pairs(y):
    """The sums of the pairs of steps of float32 `y`'s last axis (`_repeat_pairs`' gradient,
    and it this one's), by the halves of each pair's 64 bits."""
    dims = [_length(y, a) for a in range(len(y.shape))]
    v = tf.bitcast(tf.reshape(y, dims[:-1] + [dims[-1] // 2, 2]), tf.uint64)
    halves = [tf.bitwise.bitwise_and(v, tf.constant(0xFFFFFFFF, tf.uint64)),
              tf.bitwise.right_shift(v, tf.constant(32, tf.uint64))]
    low, high = (tf.bitcast(tf.cast(h, tf.uint32), tf.float32) for h in halves)
    return low + high, _repeat_pairs


def upsample(x, sizes, first_axis=1):
    """Repeats each step of spatial axes `first_axis`, ... `sizes[j]` times (nearest neighbour).

    Each axis but the tensor's last is repeated as whole blocks, cheaper than `tf.repeat`:
    channels-last by a broadcast, channels-first by copies concatenated along the next axis
    (whose gradient, slices of rows, is faster there); the last one ('th' columns) element
    by element (`_repeat_pairs` for 2), first, while smallest.
    """
    rank = len(x.shape)
    for axis, size in reversed(list(enumerate(sizes, start=first_axis))):
        if size == 1:
            continue
        if axis == rank - 1:
            pairs = size == 2 and x.dtype == tf.float32
            x = _repeat_pairs(x) if pairs else tf.repeat(x, size, axis=axis)
            continue
        dims = [_length(x, a) for a in range(rank)]
        if first_axis == 1:  # channels-last
            y = tf.broadcast_to(tf.expand_dims(x, axis + 1),
                                dims[:axis + 1] + [size] + dims[axis + 1:])
        else:
            y = tf.concat([x] * size, axis + 1)
        x = tf.reshape(y, dims[:axis] + [dims[axis] * size] + dims[axis + 1:])
    return x


def _channels_last_perm(rank):
    return [0] + list(range(2, rank)) + [1]


def _channels_first_perm(rank):
    return [0, rank - 1] + list(range(1, rank - 1))


# Elementwise ops that a channels-last source passes through: exact in any layout (others,
# such as Sigmoid, can differ in the last bit where the vectorized loop ends).
_LAYOUT_FREE = {"Relu": tf.nn.relu, "Relu6": tf.nn.relu6, "Identity": tf.identity}


def channels_last_source(x):
    """The channels-last tensor that graph tensor `x` is `to_channels_first` of, else None.

    A 'th' layer's output is its channels-last result transposed; the next 'th' layer of a
    model reads that result instead of transposing back, so that between consecutive 'th'
    layers activations stay channels-last (the same numbers: a transpose only moves them).
    Through a ReLU or identity between them (Keras 1's Activation('relu')), that op is
    applied to the result. Eager tensors have no op: None.
    """
    op = getattr(x, "op", None)
    if op is not None and op.type in _LAYOUT_FREE and not op.control_inputs:
        source = channels_last_source(op.inputs[0])
        return None if source is None else _LAYOUT_FREE[op.type](source)
    if op is None or op.type != "Transpose" or op.control_inputs:  # (keep what it waits for)
        return None
    perm, rank = tf.get_static_value(op.inputs[1]), x.shape.rank
    if perm is None or rank is None or rank < 3 or list(perm) != _channels_first_perm(rank):
        return None
    return op.inputs[0]


def to_channels_last(x):
    """NC... -> N...C; in a graph, without an op where `x` was `to_channels_first(y)`."""
    source = channels_last_source(x)
    if source is not None:
        return source
    return tf.transpose(x, _channels_last_perm(len(x.shape)))


def to_channels_first(x):
    return tf.transpose(x, _channels_first_perm(len(x.shape)))


# -- pooling ------------------------------------------------------------------------------
POOLS = {"max": tf.nn.max_pool, "avg": tf.nn.avg_pool}  # 1D, 2D and 3D


def _theano_same_pool(x, pool_size, strides, pads, pool_mode):
    """Clipped windows starting at j*stride - pad (channels-last, pads >= 0)."""
    paddings = [[0, 0]]
    outs = []
    for axis, (k, s, p) in enumerate(zip(pool_size, strides, pads), start=1):
        n = _length(x, axis)
        out = (n + s - 1) // s
        after = tf.maximum(plans.same_pool_after(n, k, s, p), 0)
        paddings.append(tf.stack([p, after]) if isinstance(after, tf.Tensor) else [p, after])
        outs.append(out)
    paddings.append([0, 0])
    if pool_mode == "max":
        y = tf.nn.max_pool(tf.pad(x, paddings, constant_values=float("-inf")), pool_size,
                           strides, "VALID")
    else:  # average over the real steps only ('average_exc_pad')
        ones = tf.ones_like(x[..., :1])
        y = (tf.nn.avg_pool(tf.pad(x, paddings), pool_size, strides, "VALID")
             / tf.nn.avg_pool(tf.pad(ones, paddings), pool_size, strides, "VALID"))
    return _slice(y, {}, dict(enumerate(outs, start=1)))


def _theano_unit_pool3d(x, pool_size, strides, pads, pool_mode):
    """Theano's pool3d where Keras 1 passed a pad of -1 (pool size 1, 'same').

    Theano's C code then reads step j*stride + 1 of that axis for output j, for the
    (n - 3) // stride + 1 outputs it makes, except that the window of step n - 2 is
    empty: there max returns the first element of the (other axes') window and average
    divides 0 by 0 (NaN).
    """
    lengths = x.shape[1:-1]
    if any(n is None for n in lengths):
        raise ValueError("Keras 1's Theano 'same' pooling with a pool size of 1 needs "
                         f"known spatial sizes. Received: input shape {tuple(x.shape)}")
    empty = []
    for axis, (n, s, p) in enumerate(zip(lengths, strides, pads)):
        if p < 0:
            steps = list(range(1, n - 2, s)) + ([n - 2] if (n - 3) % s == 0 else [])
            x = tf.gather(x, steps, axis=axis + 1)
            empty.append([j * s + 1 >= n - 2 for j in range(len(steps))])
        else:
            empty.append([False] * -(-n // s))
    unit = [1 if p < 0 else s for s, p in zip(strides, pads)]
    y = _theano_same_pool(x, pool_size, unit, [max(p, 0) for p in pads], pool_mode)
    mask = np.zeros([len(e) for e in empty], bool)
    for axis, flags in enumerate(empty):
        mask |= np.reshape(flags, [-1 if a == axis else 1 for a in range(3)])
    if not mask.any():
        return y
    if pool_mode == "max":  # the window's first element
        first = x
        for axis, (n, s, p) in enumerate(zip(lengths, strides, pads)):
            if p >= 0:
                first = tf.gather(first, [max(j * s - p, 0) for j in range(-(-n // s))],
                                  axis=axis + 1)
    else:
        first = tf.fill(tf.shape(y), float("nan"))
    return tf.where(mask[None, ..., None], first, y)


def pool(x, pool_size, strides, border_mode, pool_mode, keras1_backend):
    """Keras 1 max ('max') or average ('avg') pooling of a channels-last tensor."""
    if keras1_backend == "tensorflow":
        return POOLS[pool_mode](x, pool_size, strides, PADDING[border_mode])
    rank = len(pool_size)
    lengths = [plans.pool_output_length(n, k, border_mode, s, keras1_backend, rank)
               for n, k, s in zip(x.shape[1:-1], pool_size, strides)]
    if 0 in lengths:  # Theano returns an empty axis
        return tf.zeros(tf.stack([tf.shape(x)[0]] + lengths + [tf.shape(x)[-1]]), x.dtype)
    if border_mode == "valid":
        return POOLS[pool_mode](x, pool_size, strides, "VALID")
    pads = plans.same_pool_pads(rank, pool_size)
    if any(p < 0 for p in pads):
        return _theano_unit_pool3d(x, pool_size, strides, pads, pool_mode)
    if plans.tf_same_pool_pads(x.shape[1:-1], pool_size, strides) == pads:
        # Theano's windows are TensorFlow's SAME windows here
        return POOLS[pool_mode](x, pool_size, strides, "SAME")
    return _theano_same_pool(x, pool_size, strides, pads, pool_mode)


# -- Keras 1's batch_dot (Merge 'dot' and 'cos') ----------------------------------------------
# Theano: T.batched_tensordot, a true batched tensor contraction of x's axis a0 with y's
# axis a1. TensorFlow: for two 2D tensors a reduce_sum of a product; otherwise one matmul
# whose adjoint flags only say whether each axis is the last one, so for other axes (or
# negative ones, or 4D inputs) it contracts something else, and 2D x 3D inputs broadcast.
# Both append an axis of length 1 to a 1D result.
_LETTERS = "bcdefghijklmnopqrstuvwxyz"


def _axis(a, ndim):
    return a % ndim


def _theano_batch_dot(x, y, axes):
    nx, ny = len(x.shape), len(y.shape)
    a0, a1 = _axis(axes[0], nx), _axis(axes[1], ny)
    xs = "a" + _LETTERS[: nx - 1]
    ys = "a" + _LETTERS[nx - 1: nx + ny - 2]
    ys = ys[:a1] + xs[a0] + ys[a1 + 1:]
    out = xs[:a0] + xs[a0 + 1:] + "".join(c for i, c in enumerate(ys) if i not in (0, a1))
    return tf.einsum(f"{xs},{ys}->{out}", x, y)


def _tf_matmul_flags(axes, nx, ny):
    return axes[0] != nx - 1, axes[1] == ny - 1


def _tensorflow_batch_dot(x, y, axes):
    nx, ny = len(x.shape), len(y.shape)
    if nx == 2 and ny == 2:
        if axes[0] == axes[1]:
            return tf.reduce_sum(x * y, axes[0])
        return tf.reduce_sum(tf.transpose(x) * y, axes[1])
    adjoint_a, adjoint_b = _tf_matmul_flags(axes, nx, ny)
    return tf.linalg.matmul(x, y, adjoint_a=adjoint_a, adjoint_b=adjoint_b)


BATCH_DOT = {"theano": _theano_batch_dot, "tensorflow": _tensorflow_batch_dot}


def batch_dot(x, y, axes, keras1_backend):
    """Keras 1.2.2's `K.batch_dot(x, y, axes)` (`axes` = [axis of x, axis of y])."""
    out = BATCH_DOT[keras1_backend](x, y, axes)
    return out[:, None] if len(out.shape) == 1 else out


def broadcast_shapes(a, b):
    """NumPy broadcasting of two static shapes (None = unknown)."""
    n = max(len(a), len(b))
    a, b = [1] * (n - len(a)) + list(a), [1] * (n - len(b)) + list(b)
    out = []
    for p, q in zip(a, b):
        if p is not None and q is not None and 1 not in (p, q) and p != q:
            raise ValueError(f"shapes {tuple(a)} and {tuple(b)} do not broadcast")
        out.append(q if p == 1 else p if q in (1, None) else q)
    return out


def batch_dot_shape(x_shape, y_shape, axes, keras1_backend):
    """The shape `batch_dot` returns (None for unknown sizes)."""
    x_shape, y_shape = list(x_shape), list(y_shape)
    nx, ny = len(x_shape), len(y_shape)
    if keras1_backend == "theano":
        a0, a1 = _axis(axes[0], nx), _axis(axes[1], ny)
        out = x_shape[:a0] + x_shape[a0 + 1:] + [
            d for i, d in enumerate(y_shape) if i not in (0, a1)]
    elif nx == 2 and ny == 2:  # reduce_sum(x * y, a0), or of transpose(x) * y over a1
        if axes[0] == axes[1]:
            shape, axis = broadcast_shapes(x_shape, y_shape), _axis(axes[0], 2)
        else:
            shape, axis = broadcast_shapes(x_shape[::-1], y_shape), _axis(axes[1], 2)
        out = shape[:axis] + shape[axis + 1:]
    else:
        adjoint_a, adjoint_b = _tf_matmul_flags(axes, nx, ny)
        if adjoint_a:
            x_shape = x_shape[:-2] + x_shape[-2:][::-1]
        if adjoint_b:
            y_shape = y_shape[:-2] + y_shape[-2:][::-1]
        out = broadcast_shapes(x_shape[:-2], y_shape[:-2]) + [x_shape[-2], y_shape[-1]]
    return tuple(out + [1] if len(out) == 1 else out)
