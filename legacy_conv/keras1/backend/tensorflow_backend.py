"""Keras 1.2.2's backend functions (`keras.backend.tensorflow_backend`) on TensorFlow 2.

Each function takes Keras 1's arguments, defaults and meaning, and works on three kinds of
tensor: eager ones (and variables), the graph tensors of a traced Keras 3 call, and Keras 3's
symbolic tensors (`placeholder`, a model's `input`/`output`), on which it records an
operation, so `function(inputs, outputs)` can compute it later. Where Keras 1's Theano
backend computed other numbers (convolution, pooling, `batch_dot`), the Keras 1 backend of
`legacy_conv.keras1_backend()` decides, as it does for this package's layers.
"""

import contextlib
import contextvars
import functools

import keras
import numpy as np
import tensorflow as tf

from legacy_conv import _ops, _validation
from legacy_conv import activations as _activations
from legacy_conv import backend as _settings
from legacy_conv.keras1.backend import theano_mrg
from legacy_conv.keras1.backend.common import (
    epsilon,
    floatx,
    get_uid,
    image_dim_ordering,
    reset_uids,
)
from legacy_conv.spec import backend as spec

py_all, py_any, py_sum = all, any, sum


class _Op(keras.Operation):
    """One Keras 1 backend call recorded on Keras 3's symbolic tensors."""

    def __init__(self, function):
        name = function.__name__.strip("_<>")
        super().__init__(name=f"k1_{name}_{get_uid('k1_' + name)}")
        self.function = function

    def call(self, *args, **kwargs):
        return self.function(*args, **kwargs)


def _symbolic(function):
    """Runs `function` now on concrete tensors, or records it on symbolic ones."""
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        if py_any(keras.backend.is_keras_tensor(t) for t in keras.tree.flatten((args, kwargs))):
            return _Op(function)(*args, **kwargs)
        return function(*args, **kwargs)
    return wrapper


def _t(x):
    return x if isinstance(x, tf.Tensor) else tf.convert_to_tensor(x)


def _ordering(owner, dim_ordering):
    if dim_ordering == "default":
        dim_ordering = image_dim_ordering()
    return _validation.check_choice(owner, "dim_ordering", dim_ordering, _settings.DIM_ORDERINGS)


def _keras1_backend():
    return _settings.keras1_backend()


# -- the learning phase ----------------------------------------------------------------------
class _LearningPhase:
    """Keras 1's learning phase placeholder: feed 0 (test) or 1 (train) to `function`."""

    def __repr__(self):
        return "<keras_learning_phase>"


LEARNING_PHASE = _LearningPhase()
_phase = {"value": None}
_fed_phase = contextvars.ContextVar("keras1_learning_phase", default=None)


def learning_phase():
    """Keras 1's `learning_phase()`: the value `set_learning_phase` gave, else the
    placeholder that `function` inputs take."""
    return LEARNING_PHASE if _phase["value"] is None else _phase["value"]


def set_learning_phase(value):
    """Keras 1's `set_learning_phase(value)`: 0 (test) or 1 (train)."""
    if value not in spec.LEARNING_PHASES:
        raise _validation.argument_error("set_learning_phase", "value", value, "must be 0 or 1")
    _phase["value"] = value


def clear_session():
    """Keras 1's `clear_session()`: Keras 3's, and the learning phase a placeholder again."""
    keras.backend.clear_session()
    reset_uids()
    _phase["value"] = None


@contextlib.contextmanager
def phase_fed(value):
    """The learning phase while a `function` (or a Keras 3 call with `training`) runs."""
    token = _fed_phase.set(None if value is None else int(bool(value)))
    try:
        yield
    finally:
        _fed_phase.reset(token)


def _current_phase():
    """The set phase, else the fed one, else test (Keras 3's default outside `fit`)."""
    if _phase["value"] is not None:
        return _phase["value"]
    return _fed_phase.get() or 0


def _choose(x, alt):
    chosen = x if _current_phase() else alt
    return chosen() if callable(chosen) else chosen


def in_train_phase(x, alt):
    """Keras 1's `in_train_phase(x, alt)`: `x` in the training phase, else `alt`."""
    if py_any(keras.backend.is_keras_tensor(t) for t in (x, alt)):
        return _Op(_choose)(x, alt)
    return _choose(x, alt)


def in_test_phase(x, alt):
    """Keras 1's `in_test_phase(x, alt)`: `x` in the test phase, else `alt`."""
    return in_train_phase(alt, x)


# -- variables and placeholders -------------------------------------------------------------
def _operator(name, op, reflected):
    plain = getattr(keras.Variable, name)

    def method(self, other):
        if keras.backend.is_keras_tensor(other):
            return op(other, self) if reflected else op(self, other)
        return plain(self, other)
    method.__name__ = name
    return method


# Variable (op) symbolic tensor: the symbolic operation, as Keras 1's `v + expr` was.
_OPERATORS = {"add": keras.ops.add, "sub": keras.ops.subtract, "mul": keras.ops.multiply,
              "truediv": keras.ops.divide, "pow": keras.ops.power}


class Variable(keras.Variable):
    """A `keras.Variable` that also combines with symbolic tensors (`v + expr`)."""

    locals().update({f"__{r}{n}__": _operator(f"__{r}{n}__", op, r == "r")
                     for n, op in _OPERATORS.items() for r in ("", "r")})


def variable(value, dtype=None, name=None):
    """Keras 1's `variable(value, dtype, name)`: a `keras.Variable` holding `value`."""
    value = np.asarray(value, dtype=dtype or floatx())
    return Variable(value, dtype=str(value.dtype), name=name)


def placeholder(shape=None, ndim=None, dtype=None, sparse=False, name=None):
    """Keras 1's `placeholder(shape, ndim, dtype, sparse, name)`: a symbolic Keras input of
    `shape` (batch axis included)."""
    if shape is None:
        shape = (None,) * (ndim or 0)
    return keras.Input(batch_shape=tuple(shape), dtype=dtype or floatx(), sparse=sparse,
                       name=name)


def is_sparse(tensor):
    return isinstance(tensor, tf.SparseTensor) or bool(getattr(tensor, "sparse", False))


def to_dense(tensor):
    return tf.sparse.to_dense(tensor) if isinstance(tensor, tf.SparseTensor) else tensor


def int_shape(x):
    """Keras 1's `int_shape(x)`: a tuple of ints (None where unknown)."""
    return tuple(None if d is None else int(d) for d in x.shape)


def ndim(x):
    return len(x.shape)


def dtype(x):
    return keras.backend.standardize_dtype(x.dtype)


def eval(x):
    """Keras 1's `eval(x)`: the value of a variable or tensor, as a NumPy array."""
    return keras.ops.convert_to_numpy(x)


get_value = eval


def batch_get_value(xs):
    return [get_value(x) for x in xs]


def set_value(x, value):
    """Keras 1's `set_value(x, value)`: assigns a NumPy value to a variable."""
    x.assign(np.asarray(value, dtype=dtype(x)))


def batch_set_value(tuples):
    for x, value in tuples:
        set_value(x, value)


def get_variable_shape(x):
    return int_shape(x)


def count_params(x):
    return int(np.prod(int_shape(x)))


def zeros(shape, dtype=None, name=None):
    return variable(np.zeros(shape), dtype, name)


def ones(shape, dtype=None, name=None):
    return variable(np.ones(shape), dtype, name)


def eye(size, dtype=None, name=None):
    return variable(np.eye(size), dtype, name)


def random_uniform_variable(shape, low, high, dtype=None, name=None, seed=None):
    return variable(np.random.RandomState(seed).uniform(low, high, shape), dtype, name)


def random_normal_variable(shape, mean, scale, dtype=None, name=None, seed=None):
    return variable(np.random.RandomState(seed).normal(mean, scale, shape), dtype, name)


# -- tensor functions ------------------------------------------------------------------------
@_symbolic
def shape(x):
    return tf.shape(x)


@_symbolic
def zeros_like(x, dtype=None, name=None):
    return tf.zeros_like(x, dtype=dtype or floatx())


@_symbolic
def ones_like(x, dtype=None, name=None):
    return tf.ones_like(x, dtype=dtype or floatx())


@_symbolic
def cast(x, dtype):
    return tf.cast(x, dtype)


@_symbolic
def dot(x, y):
    """Keras 1's `dot(x, y)`: for ND tensors, x's last axis with y's second to last."""
    x, y = _t(x), _t(y)
    if len(x.shape) > 2 or len(y.shape) > 2:
        return tf.tensordot(x, tf.experimental.numpy.moveaxis(y, -2, 0), [[-1], [0]])
    return tf.matmul(x, y)


@_symbolic
def batch_dot(x, y, axes=None):
    """Keras 1's `batch_dot(x, y, axes)`: `axes` an int or [axis of x, axis of y]; None is
    (last of x, second to last of y) on Theano, a plain batched matmul on TensorFlow."""
    x, y = _t(x), _t(y)
    if isinstance(axes, int):
        axes = (axes, axes)
    if axes is None:
        axes = (len(x.shape) - 1, len(y.shape) - 2)
    return _ops.batch_dot(x, y, tuple(axes), _keras1_backend())


@_symbolic
def transpose(x):
    return tf.transpose(x)


@_symbolic
def gather(reference, indices):
    return tf.gather(reference, indices)


def _axis(x, axis):
    """Keras 1's `_normalize_axis`: negative axes counted from the end."""
    n = len(x.shape)
    if isinstance(axis, (tuple, list)):
        return [a % n for a in axis]
    return axis if axis is None else axis % n


def _nonfloat_cast(name, x):
    """x as Keras 1's backend reduced it (`spec.NONFLOAT_REDUCTIONS`)."""
    which, dtype = spec.NONFLOAT_REDUCTIONS[_keras1_backend()].get(name, (None, None))
    if x.dtype == tf.bool and which or x.dtype.is_integer and which == "int":
        return tf.cast(x, floatx() if dtype == "floatx" else dtype)
    return x


def _reduction(name, reduce):
    def function(x, axis=None, keepdims=False):
        x = _nonfloat_cast(name, _t(x))
        return reduce(x, axis=_axis(x, axis), keepdims=keepdims)
    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"Keras 1's `{name}(x, axis=None, keepdims=False)`."
    return _symbolic(function)


def _logical(reduce):
    return lambda x, **kw: tf.cast(reduce(tf.cast(x, tf.bool), **kw),
                                   spec.LOGICAL_DTYPES[_keras1_backend()])


max = _reduction("max", tf.reduce_max)
min = _reduction("min", tf.reduce_min)
sum = _reduction("sum", tf.reduce_sum)
prod = _reduction("prod", tf.reduce_prod)
mean = _reduction("mean", tf.reduce_mean)
any = _reduction("any", _logical(tf.reduce_any))
all = _reduction("all", _logical(tf.reduce_all))


@_symbolic
def var(x, axis=None, keepdims=False):
    """Keras 1's `var(x, axis=None, keepdims=False)` (integers: see `_nonfloat_cast`)."""
    x = _nonfloat_cast("var", _t(x))
    axis = _axis(x, axis)
    m = tf.reduce_mean(x, axis=axis, keepdims=True)
    return tf.reduce_mean(tf.square(x - m), axis=axis, keepdims=keepdims)


@_symbolic
def std(x, axis=None, keepdims=False):
    return tf.sqrt(var(x, axis, keepdims))


@_symbolic
def argmax(x, axis=-1):
    return tf.argmax(x, axis=_axis(_t(x), axis))


@_symbolic
def argmin(x, axis=-1):
    return tf.argmin(x, axis=_axis(_t(x), axis))


def _elementwise(name, function):
    out = _symbolic(lambda *args: function(*(_t(a) if i == 0 else a for i, a in enumerate(args))))
    out.__name__ = out.__qualname__ = name
    out.__doc__ = f"Keras 1's `{name}`."
    return out


# Keras 1's elementwise functions, each the TensorFlow op of the same meaning.
_ELEMENTWISE = {
    "square": tf.square, "abs": tf.abs, "exp": tf.exp, "log": tf.math.log, "round": tf.round,
    "sign": tf.sign, "sin": tf.sin, "cos": tf.cos, "tanh": tf.tanh, "sigmoid": tf.sigmoid,
    "softplus": tf.nn.softplus, "softsign": tf.nn.softsign, "equal": tf.equal,
    "not_equal": tf.not_equal, "greater": tf.greater, "greater_equal": tf.greater_equal,
    "lesser": tf.less, "lesser_equal": tf.less_equal, "maximum": tf.maximum, "minimum": tf.minimum,
    "pow": tf.pow,
}
globals().update({name: _elementwise(name, op) for name, op in _ELEMENTWISE.items()})


@_symbolic
def sqrt(x):
    """Keras 1's `sqrt(x)`: of x clipped to [0, inf)."""
    return tf.sqrt(tf.clip_by_value(x, 0.0, np.inf))


@_symbolic
def clip(x, min_value, max_value):
    """Keras 1's `clip(x, min_value, max_value)` (max_value below min_value: min_value)."""
    if max_value is not None and max_value < min_value:
        max_value = min_value
    return tf.clip_by_value(x, min_value, np.inf if max_value is None else max_value)


@_symbolic
def relu(x, alpha=0.0, max_value=None):
    """Keras 1's `relu(x, alpha=0., max_value=None)`: max_value clips before alpha's slope
    (on Theano, `T.nnet.relu`'s formula and gradients: `activations.theano_relu`)."""
    x = _t(x)
    if _settings.keras1_backend() == "theano":
        return _activations.theano_relu(x, alpha, max_value)
    y = tf.nn.relu(x)
    if max_value is not None:
        y = tf.clip_by_value(y, 0.0, max_value)
    return y - alpha * tf.nn.relu(-x) if alpha else y


@_symbolic
def elu(x, alpha=1.0):
    x = _t(x)
    y = tf.nn.elu(x)
    return y if alpha == 1 else tf.where(x > 0, y, alpha * y)


@_symbolic
def softmax(x):
    return tf.nn.softmax(x)


@_symbolic
def hard_sigmoid(x):
    """Keras 1's `hard_sigmoid(x)`: clip(0.2 x + 0.5, 0, 1) (on Theano, with its gradients)."""
    return _activations.get("hard_sigmoid", _settings.keras1_backend())(_t(x))


@_symbolic
def categorical_crossentropy(output, target, from_logits=False):
    """Keras 1's `categorical_crossentropy(output, target, from_logits=False)`: the output
    scaled to sum to 1 and clipped to [epsilon, 1 - epsilon]."""
    output, target = _t(output), _t(target)
    if from_logits:
        return tf.nn.softmax_cross_entropy_with_logits(labels=target, logits=output)
    output = output / tf.reduce_sum(output, axis=-1, keepdims=True)
    output = tf.clip_by_value(output, epsilon(), 1.0 - epsilon())
    return -tf.reduce_sum(target * tf.math.log(output), axis=-1)


@_symbolic
def sparse_categorical_crossentropy(output, target, from_logits=False):
    """Keras 1's `sparse_categorical_crossentropy(output, target, from_logits=False)`: integer
    targets; on Theano the categorical one of their one-hot rows, on TensorFlow the softmax
    cross-entropy of log(clipped output)."""
    output, target = _t(output), tf.reshape(tf.cast(target, tf.int64), [-1])
    if _keras1_backend() == "theano":
        one_hot_target = tf.reshape(tf.one_hot(target, output.shape[-1]), tf.shape(output))
        return categorical_crossentropy(output, one_hot_target, from_logits)
    if not from_logits:
        output = tf.math.log(tf.clip_by_value(output, epsilon(), 1 - epsilon()))
    res = tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=target, logits=tf.reshape(output, [-1, output.shape[-1]]))
    return tf.reshape(res, tf.shape(output)[:-1]) if len(output.shape) == 3 else res


@_symbolic
def batch_normalization(x, mean, var, beta, gamma, epsilon=1e-3):
    """Keras 1's `batch_normalization(x, mean, var, beta, gamma, epsilon=1e-3)`:
    (x - mean) / sqrt(var + epsilon) * gamma + beta."""
    return tf.nn.batch_normalization(x, mean, var, beta, gamma, epsilon)


@_symbolic
def binary_crossentropy(output, target, from_logits=False):
    """Keras 1's `binary_crossentropy(output, target, from_logits=False)`."""
    output, target = _t(output), _t(target)
    if not from_logits:
        output = tf.clip_by_value(output, epsilon(), 1 - epsilon())
        output = tf.math.log(output / (1 - output))
    return tf.nn.sigmoid_cross_entropy_with_logits(labels=target, logits=output)


@_symbolic
def dropout(x, level, noise_shape=None, seed=None):
    """Keras 1's `dropout(x, level)`: zeroes a `level` fraction, scales the rest up."""
    if level == 0:
        return _t(x) * 1.0
    return tf.nn.dropout(x, rate=level, noise_shape=noise_shape, seed=seed)


@_symbolic
def l2_normalize(x, axis):
    return tf.nn.l2_normalize(x, axis=_axis(_t(x), axis))


@_symbolic
def in_top_k(predictions, targets, k):
    return tf.math.in_top_k(targets, predictions, k)


def switch(condition, then_expression, else_expression):
    """Keras 1's `switch(condition, then_expression, else_expression)` (elementwise where the
    condition is a tensor of the expressions' shape, as on Theano); `learning_phase()` as the
    condition is `in_train_phase`."""
    if condition is LEARNING_PHASE:
        return in_train_phase(then_expression, else_expression)
    return _where(condition, then_expression, else_expression)


@_symbolic
def _where(condition, then_expression, else_expression):
    return tf.where(tf.cast(condition, tf.bool), then_expression, else_expression)


# -- shapes ------------------------------------------------------------------------------
@_symbolic
def concatenate(tensors, axis=-1):
    return tf.concat([to_dense(t) for t in tensors], axis)


@_symbolic
def reshape(x, shape):
    return tf.reshape(x, shape)


@_symbolic
def permute_dimensions(x, pattern):
    return tf.transpose(x, pattern)


@_symbolic
def repeat_elements(x, rep, axis):
    return tf.repeat(x, rep, axis=axis)


@_symbolic
def repeat(x, n):
    """Keras 1's `repeat(x, n)`: (samples, dim) -> (samples, n, dim)."""
    return tf.tile(tf.expand_dims(x, 1), [1, n, 1])


@_symbolic
def tile(x, n):
    return tf.tile(x, [n] if isinstance(n, int) else n)


@_symbolic
def arange(start, stop=None, step=1, dtype="int32"):
    return tf.range(start, stop, step, dtype=dtype)


@_symbolic
def flatten(x):
    return tf.reshape(x, [-1])


@_symbolic
def batch_flatten(x):
    x = _t(x)
    return tf.reshape(x, tf.stack([-1, tf.reduce_prod(tf.shape(x)[1:])]))


@_symbolic
def expand_dims(x, dim=-1):
    return tf.expand_dims(x, dim)


@_symbolic
def squeeze(x, axis):
    return tf.squeeze(x, [axis])


@_symbolic
def stack(x):
    return tf.stack(x)


@_symbolic
def one_hot(indices, nb_classes):
    return tf.one_hot(indices, depth=nb_classes, axis=-1)


@_symbolic
def reverse(x, axes):
    return tf.reverse(x, [axes] if isinstance(axes, int) else list(axes))


@_symbolic
def temporal_padding(x, padding=1):
    return tf.pad(x, [[0, 0], [padding, padding], [0, 0]])


@_symbolic
def asymmetric_temporal_padding(x, left_pad=1, right_pad=1):
    return tf.pad(x, [[0, 0], [left_pad, right_pad], [0, 0]])


def _spatial_axes(owner, dim_ordering, rank):
    ordering = _ordering(owner, dim_ordering)
    return range(2, 2 + rank) if ordering == "th" else range(1, 1 + rank)


def _spatial_padding(owner, x, padding, dim_ordering):
    pattern = [[0, 0]] * (len(padding) + 2)
    for a, p in zip(_spatial_axes(owner, dim_ordering, len(padding)), padding):
        pattern[a] = [p, p]
    return tf.pad(x, pattern)


def _resize(owner, x, factors, dim_ordering):
    if dim_ordering == "default":  # Keras 1's resize_* take no default
        _validation.check_choice(owner, "dim_ordering", dim_ordering, _settings.DIM_ORDERINGS)
    for a, factor in zip(_spatial_axes(owner, dim_ordering, len(factors)), factors):
        x = tf.repeat(x, factor, axis=a)
    return x


@_symbolic
def spatial_2d_padding(x, padding=(1, 1), dim_ordering="default"):
    """Keras 1's `spatial_2d_padding(x, padding=(1, 1), dim_ordering='default')`."""
    return _spatial_padding("spatial_2d_padding", x, padding, dim_ordering)


@_symbolic
def spatial_3d_padding(x, padding=(1, 1, 1), dim_ordering="default"):
    """Keras 1's `spatial_3d_padding(x, padding=(1, 1, 1), dim_ordering='default')`."""
    return _spatial_padding("spatial_3d_padding", x, padding, dim_ordering)


@_symbolic
def asymmetric_spatial_2d_padding(x, top_pad=1, bottom_pad=1, left_pad=1, right_pad=1,
                                  dim_ordering="default"):
    """Keras 1's `asymmetric_spatial_2d_padding(x, top_pad, bottom_pad, left_pad, right_pad,
    dim_ordering)`: zero rows above and below, columns left and right."""
    rows, cols = _spatial_axes("asymmetric_spatial_2d_padding", dim_ordering, 2)
    pattern = [[0, 0]] * 4
    pattern[rows], pattern[cols] = [top_pad, bottom_pad], [left_pad, right_pad]
    return tf.pad(x, pattern)


@_symbolic
def resize_images(X, height_factor, width_factor, dim_ordering):
    """Keras 1's `resize_images(X, height_factor, width_factor, dim_ordering)`: each pixel
    repeated (nearest neighbour)."""
    return _resize("resize_images", X, (height_factor, width_factor), dim_ordering)


@_symbolic
def resize_volumes(X, depth_factor, height_factor, width_factor, dim_ordering):
    """Keras 1's `resize_volumes(X, depth_factor, height_factor, width_factor, dim_ordering)`."""
    return _resize("resize_volumes", X, (depth_factor, height_factor, width_factor),
                   dim_ordering)


# -- convolution and pooling -----------------------------------------------------------------
def _channels_last(x, ordering):
    return _ops.to_channels_last(x) if ordering == "th" else x


def _in_ordering(y, ordering):
    return _ops.to_channels_first(y) if ordering == "th" else y


def _checked(owner, dim_ordering, border_mode):
    ordering = _ordering(owner, dim_ordering)
    _validation.check_choice(owner, "border_mode", border_mode, spec.BORDER_MODES)
    return ordering


def _conv(owner, x, kernel, strides, border_mode, dim_ordering, dilation, backend=None):
    """Keras 1's convolution of rank 2 or 3: the kernel in Keras 1's layout for
    `dim_ordering`; a true convolution (kernel flipped) on the Theano backend."""
    ordering = _checked(owner, dim_ordering, border_mode)
    rank = len(strides)
    kernel = tf.transpose(kernel, spec.CONV_KERNEL_TO_TF[rank, ordering])
    backend = backend or _keras1_backend()
    if backend == "theano":
        kernel = tf.reverse(kernel, list(range(rank)))
    y = _ops.convolve(_channels_last(x, ordering), kernel, kernel.shape[:rank], tuple(strides),
                      tuple(dilation), border_mode, backend)
    return _in_ordering(y, ordering)


@_symbolic
def conv1d(x, kernel, stride=1, border_mode="valid", image_shape=None, filter_shape=None):
    """Keras 1's `conv1d(x, kernel, stride=1, border_mode='valid')`: x (samples, steps,
    input_dim), kernel (length, input_dim, nb_filter), a cross-correlation (Keras 1's
    TensorFlow backend; its Theano one raised NotImplementedError)."""
    _validation.check_choice("conv1d", "border_mode", border_mode, spec.BORDER_MODES)
    return tf.nn.conv1d(x, kernel, stride, padding=_ops.PADDING[border_mode])


@_symbolic
def conv2d(x, kernel, strides=(1, 1), border_mode="valid", dim_ordering="default",
           image_shape=None, filter_shape=None, filter_dilation=(1, 1)):
    """Keras 1's `conv2d(x, kernel, strides, border_mode, dim_ordering, image_shape,
    filter_shape, filter_dilation)`: the kernel in Keras 1's layout for `dim_ordering`
    ('th': (nb_filter, stack, rows, cols); 'tf': (rows, cols, stack, nb_filter)); a true
    convolution (kernel flipped) on the Theano backend."""
    return _conv("conv2d", x, kernel, strides, border_mode, dim_ordering, filter_dilation)


@_symbolic
def conv3d(x, kernel, strides=(1, 1, 1), border_mode="valid", dim_ordering="default",
           volume_shape=None, filter_shape=None, filter_dilation=(1, 1, 1)):
    """Keras 1's `conv3d(x, kernel, strides, border_mode, dim_ordering, volume_shape,
    filter_shape, filter_dilation)`: 'th' kernels (nb_filter, stack, d1, d2, d3), 'tf' ones
    (d1, d2, d3, stack, nb_filter); a true convolution on the Theano backend."""
    return _conv("conv3d", x, kernel, strides, border_mode, dim_ordering, filter_dilation)


@_symbolic
def atrous_conv2d(x, kernel, rate=1, border_mode="valid", dim_ordering="default",
                  image_shape=None, filter_shape=None):
    """Keras 1's `atrous_conv2d(x, kernel, rate=1, border_mode, dim_ordering)`: the kernel
    dilated by `rate`, a cross-correlation (Keras 1's TensorFlow backend; its Theano one
    raised NotImplementedError)."""
    return _conv("atrous_conv2d", x, kernel, (1, 1), border_mode, dim_ordering, (rate, rate),
                 "tensorflow")


@_symbolic
def separable_conv2d(x, depthwise_kernel, pointwise_kernel, strides=(1, 1),
                     border_mode="valid", dim_ordering="default"):
    """Keras 1's `separable_conv2d(x, depthwise_kernel, pointwise_kernel, strides,
    border_mode, dim_ordering)`: both kernels in Keras 1's layout for `dim_ordering`
    (Keras 1's TensorFlow backend; its Theano one raised NotImplementedError)."""
    ordering = _checked("separable_conv2d", dim_ordering, border_mode)
    perm = spec.CONV_KERNEL_TO_TF[2, ordering]
    y = _ops.separable_convolve(_channels_last(x, ordering),
                                tf.transpose(depthwise_kernel, perm),
                                tf.transpose(pointwise_kernel, perm), strides, border_mode)
    return _in_ordering(y, ordering)


@_symbolic
def deconv2d(x, kernel, output_shape, strides=(1, 1), border_mode="valid",
             dim_ordering="default", image_shape=None, filter_shape=None):
    """Keras 1's `deconv2d(x, kernel, output_shape, strides, border_mode, dim_ordering)`: the
    transposed convolution of Keras 1's Deconvolution2D (kernel in its layout; a true
    convolution's transpose on the Theano backend) to `output_shape`, the whole output
    shape in `dim_ordering`'s order (a batch of None: the input's)."""
    ordering = _checked("deconv2d", dim_ordering, border_mode)
    backend = _keras1_backend()
    kernel = tf.transpose(kernel, spec.DECONV2D_KERNEL_TO_TF[ordering])
    if backend == "theano":
        kernel = tf.reverse(kernel, [0, 1])
    shape = list(output_shape)
    batch, filters, *size = [shape[0], shape[1]] + shape[2:] if ordering == "th" else \
        [shape[0], shape[3]] + shape[1:3]
    y = _ops.deconvolve(_channels_last(x, ordering), kernel, tuple(size), filters, batch,
                        tuple(strides), border_mode, backend)
    return _in_ordering(y, ordering)


def _pool(owner, x, pool_size, strides, border_mode, dim_ordering, pool_mode):
    ordering = _checked(owner, dim_ordering, border_mode)
    _validation.check_choice(owner, "pool_mode", pool_mode, spec.POOL_MODES)
    y = _ops.pool(_channels_last(x, ordering), tuple(pool_size), tuple(strides), border_mode,
                  pool_mode, _keras1_backend())
    return _in_ordering(y, ordering)


@_symbolic
def pool2d(x, pool_size, strides=(1, 1), border_mode="valid", dim_ordering="default",
           pool_mode="max"):
    """Keras 1's `pool2d(x, pool_size, strides, border_mode, dim_ordering, pool_mode)`."""
    return _pool("pool2d", x, pool_size, strides, border_mode, dim_ordering, pool_mode)


@_symbolic
def pool3d(x, pool_size, strides=(1, 1, 1), border_mode="valid", dim_ordering="default",
           pool_mode="max"):
    """Keras 1's `pool3d(x, pool_size, strides, border_mode, dim_ordering, pool_mode)`."""
    return _pool("pool3d", x, pool_size, strides, border_mode, dim_ordering, pool_mode)


# -- functions and gradients -----------------------------------------------------------------
def _source_inputs(tensors):
    """The Keras inputs (placeholders) that symbolic `tensors` were computed from."""
    found, seen, todo = [], set(), list(tensors)
    while todo:
        t = todo.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        operation = t._keras_history.operation
        if isinstance(operation, keras.layers.InputLayer):
            found.append(t)
            continue
        node = operation._inbound_nodes[t._keras_history.node_index]
        todo.extend(node.input_tensors)
    return found[::-1]


def gradients(loss, variables):
    """Keras 1's `gradients(loss, variables)`: symbolic gradients of a symbolic `loss` with
    respect to variables or placeholders, to compute with `function`."""
    inputs = _source_inputs([loss])
    graph = keras.Model(inputs, loss)

    def grads(*values):
        values = [tf.convert_to_tensor(v) for v in values]
        with tf.GradientTape() as tape:
            tape.watch(values)
            out = graph(values)
        targets = [values[_index(inputs, v)] if keras.backend.is_keras_tensor(v) else v
                   for v in variables]
        return [tf.zeros_like(t) if g is None else g
                for g, t in zip(tape.gradient(out, targets), targets)]
    grads.__name__ = "gradients"
    out = _Op(grads)(*inputs)
    return list(out)


def _index(inputs, tensor):
    for i, t in enumerate(inputs):
        if t is tensor:
            return i
    raise _validation.argument_error(
        "gradients", "variables", tensor,
        "must hold variables or the placeholders the loss is computed from")


def stop_gradient(variables):
    return _symbolic(tf.stop_gradient)(variables)


def update(x, new_x):
    """Keras 1's `update(x, new_x)`: an update for `function(updates=...)`."""
    return (x, new_x)


def update_add(x, increment):
    return (x, x + increment)


def update_sub(x, decrement):
    return (x, x - decrement)


def moving_average_update(variable, value, momentum):
    """Keras 1's `moving_average_update`: variable * momentum + value * (1 - momentum)."""
    return (variable, variable * momentum + value * (1.0 - momentum))


class Function:
    """Keras 1's `function(inputs, outputs, updates)`: call it with a list of NumPy values,
    one per input (0 or 1 for `learning_phase()`), for a list of NumPy outputs; then the
    updates (variable, new value) are applied."""

    def __init__(self, inputs, outputs, updates=()):
        for arg, value in (("inputs", inputs), ("outputs", outputs), ("updates", updates)):
            if not isinstance(value, (list, tuple)):
                raise TypeError(f"`{arg}` to a TensorFlow backend function should be a list "
                                f"or tuple. Received: {arg}={value!r}")
        self.inputs = list(inputs)
        self.outputs = list(outputs)
        self.updates = [u for u in updates if isinstance(u, tuple)]
        new_values = [v for _, v in self.updates]
        tensors = [t for t in self.inputs if t is not LEARNING_PHASE]
        symbolic = [t for t in self.outputs + new_values if keras.backend.is_keras_tensor(t)]
        self._graph = keras.Model(tensors, symbolic) if symbolic else None

    def __call__(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise TypeError(f"`inputs` should be a list or tuple. Received: inputs={inputs!r}")
        values = [v for t, v in zip(self.inputs, inputs) if t is not LEARNING_PHASE]
        phase = [v for t, v in zip(self.inputs, inputs) if t is LEARNING_PHASE]
        phase = phase[0] if phase else None
        with phase_fed(phase):
            computed = iter(keras.tree.flatten(self._graph(
                [np.asarray(v) for v in values], training=bool(phase))) if self._graph else [])
        results = [next(computed) if keras.backend.is_keras_tensor(t) else t
                   for t in self.outputs + [v for _, v in self.updates]]
        outputs, new_values = results[:len(self.outputs)], results[len(self.outputs):]
        for (variable_, _), value in zip(self.updates, new_values):
            variable_.assign(tf.cast(value, variable_.dtype))
        return [eval(o) for o in outputs]


def function(inputs, outputs, updates=(), **kwargs):
    """Keras 1's `function(inputs, outputs, updates=[])`."""
    return Function(inputs, outputs, updates=updates)


# -- higher-order functions ------------------------------------------------------------------
def map_fn(fn, elems, name=None):
    """Keras 1's `map_fn(fn, elems, name=None)`: `fn` of each element along the first axis,
    stacked."""
    return _symbolic(lambda e: tf.map_fn(fn, e))(elems)


def foldl(fn, elems, initializer=None, name=None):
    """Keras 1's `foldl(fn, elems, initializer=None, name=None)`: `fn(accumulator, element)`
    from the first element on (without an initializer, the first element starts it)."""
    return _symbolic(lambda e, i=None: tf.foldl(fn, e, initializer=i))(elems, initializer)


def foldr(fn, elems, initializer=None, name=None):
    """Keras 1's `foldr(fn, elems, initializer=None, name=None)`: from the last element."""
    return _symbolic(lambda e, i=None: tf.foldr(fn, e, initializer=i))(elems, initializer)


# -- random draws ----------------------------------------------------------------------------
def _seed(seed):
    if seed is None:  # Keras 1 drew the op's seed from NumPy's global generator
        seed = np.random.randint(spec.RANDOM_SEED_LOW[_keras1_backend()],
                                 spec.RANDOM_SEED_HIGH)
    return int(seed)


def _draw(kind, shape, dtype, seed, **params):
    """Keras 1's draw for a seed: on Theano its MRG generator's (`theano_mrg`); on TensorFlow
    what its graph's op drew the first time it ran (the op's seed with TensorFlow's default
    graph seed, whatever global seed is set now: a new op each call)."""
    seed, dtype = _seed(seed), dtype or floatx()
    if _keras1_backend() == "theano":
        return tf.constant(theano_mrg.draw(kind, seed, tuple(shape), dtype, **params))
    op = tf.raw_ops.RandomStandardNormal if kind == "normal" else tf.raw_ops.RandomUniform
    seeds = {"seed": spec.TENSORFLOW_GRAPH_SEED, "seed2": seed}
    return _TENSORFLOW_DRAWS[kind](
        tf.function(lambda: op(shape=shape, dtype=dtype, **seeds), autograph=False)(),
        dtype, **params)


# What Keras 1's TensorFlow backend made of the op's draw (`tf.random_normal`, ...).
_TENSORFLOW_DRAWS = {
    "normal": lambda x, dtype, mean, std: x * tf.cast(std, dtype) + tf.cast(mean, dtype),
    "uniform": lambda x, dtype, low, high: x * tf.cast(high - low, dtype) + tf.cast(low, dtype),
    "binomial": lambda x, dtype, p: tf.where(x <= p, tf.ones_like(x), tf.zeros_like(x)),
}


def random_normal(shape, mean=0.0, std=1.0, dtype=None, seed=None):
    """Keras 1's `random_normal(shape, mean=0.0, std=1.0, dtype=None, seed=None)`: for a seed,
    the numbers Keras 1 drew on the Keras 1 backend set (without one, the seed comes from
    NumPy's global generator, as Keras 1 took it). A tensor, not an op: evaluating it again
    gives the same numbers (Keras 1's graph drew anew each run)."""
    return _draw("normal", shape, dtype, seed, mean=mean, std=std)


def random_uniform(shape, low=0.0, high=1.0, dtype=None, seed=None):
    """Keras 1's `random_uniform(shape, low=0.0, high=1.0, dtype=None, seed=None)` (as
    `random_normal`)."""
    return _draw("uniform", shape, dtype, seed, low=low, high=high)


def random_binomial(shape, p=0.0, dtype=None, seed=None):
    """Keras 1's `random_binomial(shape, p=0.0, dtype=None, seed=None)`: 1 where a uniform
    draw is below p (TensorFlow: <= p), else 0 (as `random_normal`)."""
    return _draw("binomial", shape, dtype, seed, p=p)


# -- CTC (TensorFlow's, on dense tensors) ---------------------------------------------------
@_symbolic
def ctc_label_dense_to_sparse(labels, label_lengths):
    """Keras 1's `ctc_label_dense_to_sparse(labels, label_lengths)`: the first
    `label_lengths[i]` labels of each row, as a `tf.SparseTensor`."""
    labels = _t(labels)
    mask = tf.sequence_mask(tf.reshape(label_lengths, [-1]), tf.shape(labels)[1])
    indices = tf.where(mask)
    return tf.SparseTensor(indices, tf.gather_nd(labels, indices),
                           tf.cast(tf.shape(labels), tf.int64))


@_symbolic
def ctc_batch_cost(y_true, y_pred, input_length, label_length):
    """Keras 1's `ctc_batch_cost(y_true, y_pred, input_length, label_length)`, the blank the
    last class: on TensorFlow (batch, 1), TensorFlow's `ctc_loss` of log(y_pred + 1e-8); on
    Theano (1, batch) in float64, Keras 1's own Theano CTC (`_theano_ctc_cost`)."""
    label_length = tf.cast(tf.reshape(label_length, [-1]), tf.int32)
    input_length = tf.cast(tf.reshape(input_length, [-1]), tf.int32)
    if _keras1_backend() == "theano":
        return _theano_ctc_cost(tf.cast(y_true, tf.int32), _t(y_pred), input_length,
                                label_length)[None]
    sparse = ctc_label_dense_to_sparse(y_true, label_length)
    sparse = tf.SparseTensor(sparse.indices, tf.cast(sparse.values, tf.int32),
                             sparse.dense_shape)
    logits = tf.math.log(tf.transpose(_t(y_pred), [1, 0, 2]) + 1e-8)
    return tf.expand_dims(tf.compat.v1.nn.ctc_loss(sparse, logits, input_length), 1)


def _logsumexp(*terms):
    return tf.reduce_logsumexp(tf.stack(terms), axis=0)


def _theano_ctc_cost(labels, y_pred, input_length, label_length):
    """Keras 1.2.2's Theano CTC (Shawn Tan's, `theano_backend.ctc_cost`), per sample: the
    labels interleaved with blanks (s = 0 .. 2L), the probabilities smoothed as
    (1 - 1e-4) y + 1e-4 / (2L + 1) in float64, forward (alpha) and backward (beta) paths, and
    -log of the sum over every step t and state s of alpha * beta / y: the label's
    probability summed over the T steps (Theano's cost is -log(T P), not -log P)."""
    steps, states = y_pred.shape[1], 2 * labels.shape[1] + 1
    blank = y_pred.shape[2] - 1
    s_index = tf.range(states)
    extended = tf.where(s_index[None] % 2 == 1,
                        tf.gather(labels, tf.maximum(s_index - 1, 0) // 2, axis=1), blank)
    valid = s_index[None] < (2 * label_length + 1)[:, None]
    size = tf.cast(2 * label_length + 1, tf.float64)[:, None, None]
    y = tf.gather(tf.cast(y_pred, tf.float64), extended, axis=2, batch_dims=1)
    log_y = tf.math.log((1 - 1e-4) * y + 1e-4 / size)  # (batch, steps, states)
    none = tf.constant(-np.inf, tf.float64)
    skip = tf.concat([tf.zeros_like(extended[:, :2], tf.bool),
                      (extended[:, 2:] != extended[:, :-2]) & (s_index[None, 2:] % 2 == 1)],
                     axis=1)  # s may come from s - 2

    def shifted(a, k):  # a[s - k] (k > 0) or a[s + |k|] (k < 0), -inf outside
        pad = tf.fill(tf.stack([tf.shape(a)[0], abs(k)]), none)
        return tf.concat([pad, a[:, :-k]], 1) if k > 0 else tf.concat([a[:, -k:], pad], 1)

    first = tf.where(valid & (s_index[None] < 2), log_y[:, 0], none)
    alphas, alpha = [first], first
    for t in range(1, steps):
        alpha = tf.where(valid, log_y[:, t] + _logsumexp(
            alpha, shifted(alpha, 1), tf.where(skip, shifted(alpha, 2), none)), none)
        alphas.append(alpha)
    last = (2 * label_length + 1)[:, None]
    end = valid & (s_index[None] >= last - 2)
    skip_back = tf.concat([skip[:, 2:], tf.zeros_like(skip[:, :2])], axis=1)
    betas, beta = [], tf.fill(tf.shape(first), none)
    for t in reversed(range(steps)):
        here = (t == input_length - 1)[:, None]
        after = (t > input_length - 1)[:, None]
        step = log_y[:, t] + _logsumexp(beta, shifted(beta, -1),
                                        tf.where(skip_back, shifted(beta, -2), none))
        beta = tf.where(after | ~valid, none,
                        tf.where(here, tf.where(end, log_y[:, t], none), step))
        betas.append(beta)
    both = tf.stack(alphas, 1) + tf.stack(betas[::-1], 1) - log_y
    inside = (tf.range(steps)[None, :, None] < input_length[:, None, None]) & valid[:, None]
    return -tf.reduce_logsumexp(tf.where(inside, both, none), axis=[1, 2])


def ctc_decode(y_pred, input_length, greedy=True, beam_width=100, top_paths=1):
    """Keras 1's `ctc_decode(y_pred, input_length, greedy=True, beam_width=100,
    top_paths=1)`: ([each path's labels, -1 after its end], their log probabilities)."""
    logits = tf.math.log(tf.transpose(_t(y_pred), [1, 0, 2]) + 1e-8)
    input_length = tf.cast(tf.reshape(input_length, [-1]), tf.int32)
    if greedy:
        decoded, log_prob = tf.nn.ctc_greedy_decoder(logits, input_length)
    else:
        decoded, log_prob = tf.compat.v1.nn.ctc_beam_search_decoder(
            logits, input_length, beam_width=beam_width, top_paths=top_paths)
    return ([tf.sparse.to_dense(d, default_value=-1) for d in decoded], log_prob)


# -- normalization and printing ---------------------------------------------------------------
def normalize_batch_in_training(x, gamma, beta, reduction_axes, epsilon=1e-3):
    """Keras 1's `normalize_batch_in_training(x, gamma, beta, reduction_axes, epsilon=1e-3)`:
    (x normalized by the batch's mean and variance over `reduction_axes`, then scaled by
    gamma and shifted by beta; the mean; the variance: on Theano the variance plus
    epsilon, as Keras 1's Theano backend returned it)."""
    return _symbolic(functools.partial(_batch_moments_normalized,
                                       reduction_axes=tuple(reduction_axes),
                                       epsilon=epsilon))(x, gamma, beta)


def _batch_moments_normalized(x, gamma, beta, reduction_axes, epsilon):
    x = _t(x)
    theano = _keras1_backend() == "theano"
    mean, var = tf.nn.moments(x, list(reduction_axes), keepdims=True)
    shape = [1 if a in reduction_axes else -1 for a in range(len(x.shape))]
    normed = tf.nn.batch_normalization(x, mean, var, tf.reshape(beta, shape),
                                       tf.reshape(gamma, shape), epsilon)
    mean, var = tf.squeeze(mean, reduction_axes), tf.squeeze(var, reduction_axes)
    return normed, mean, var + epsilon if theano else var


@_symbolic
def print_tensor(x, message=""):
    """Keras 1's `print_tensor(x, message='')`: prints `message` and the value, returns x."""
    tf.print(message, x)
    return tf.identity(x)


# -- the session (Keras 1's TensorFlow backend) -----------------------------------------------
def get_session():
    raise NotImplementedError(
        "get_session: Keras 1's TensorFlow session does not exist here: this package "
        "computes eagerly on TensorFlow 2 (values: K.eval / K.get_value; graphs: K.function)")


set_session = get_session


def manual_variable_initialization(value):
    """Keras 1's `manual_variable_initialization(value)`: accepted; variables are
    initialized when made (TensorFlow 2), there is nothing left to initialize."""


# -- recurrence ------------------------------------------------------------------------------
def rnn(step_function, inputs, initial_states, go_backwards=False, mask=None, constants=None,
        unroll=False, input_length=None):
    """Keras 1's `rnn(step_function, inputs, initial_states, go_backwards, mask, constants,
    unroll, input_length)`: (last output, outputs (samples, time, ...), new states), the outputs
    in the order the steps ran. Runs in Python over the static number of time steps. A masked
    step keeps the states, and gives the previous output (zeros first) on Theano or unrolled,
    the previous first state on TensorFlow (Keras 1's `tf.while_loop`)."""
    inputs = _t(inputs)
    constants = list(constants or [])
    states = [_t(s) for s in initial_states]
    order = range(inputs.shape[1])[::-1] if go_backwards else range(inputs.shape[1])
    previous_state = _keras1_backend() == "tensorflow" and not unroll
    outputs = []
    for t in order:
        output, new_states = step_function(inputs[:, t], states + constants)
        if mask is not None:
            keep = tf.cast(_t(mask)[:, t], tf.bool)[:, None]
            previous = (states[0] if previous_state else
                        outputs[-1] if outputs else tf.zeros_like(output))
            output = tf.where(keep, output, previous)
            new_states = [tf.where(keep, n, s) for n, s in zip(new_states, states)]
        outputs.append(output)
        states = list(new_states)
    return outputs[-1], tf.stack(outputs, axis=1), states
