"""Keras 1.2.2's `keras.utils.np_utils`: NumPy helpers, Keras 1's results (float64 one-hot
matrices, 0/1 classes from a 0.5 threshold)."""

import numpy as np

from legacy_conv import _validation
from legacy_conv import backend


def to_categorical(y, nb_classes=None):
    """Keras 1's one-hot matrix (float64) of a class vector; `nb_classes` defaults to max + 1."""
    y = np.array(y, dtype="int").ravel()
    if not nb_classes:
        nb_classes = np.max(y) + 1
    categorical = np.zeros((y.shape[0], nb_classes))
    categorical[np.arange(y.shape[0]), y] = 1
    return categorical


def normalize(a, axis=-1, order=2):
    """`a` divided by its `order`-norm along `axis` (zero norms left alone)."""
    l2 = np.atleast_1d(np.linalg.norm(a, order, axis))
    l2[l2 == 0] = 1
    return a / np.expand_dims(l2, axis)


def probas_to_classes(y_pred):
    """Argmax classes of a (samples, >1) prediction, else 1 where the prediction exceeds 0.5."""
    if len(y_pred.shape) > 1 and y_pred.shape[1] > 1:
        return categorical_probas_to_classes(y_pred)
    return np.array([1 if p > 0.5 else 0 for p in y_pred])


def categorical_probas_to_classes(p):
    return np.argmax(p, axis=1)


def convert_kernel(kernel, dim_ordering=None):
    """Keras 1's Theano <-> TensorFlow kernel conversion: every spatial axis reversed.

    `dim_ordering` ('th': (out, in, ...) kernels, 'tf': (..., in, out)) defaults to
    `image_dim_ordering()`. Kernels of rank 4 or 5 only.
    """
    if dim_ordering is None:
        dim_ordering = backend.image_dim_ordering()
    kernel = np.asarray(kernel)
    if not 4 <= kernel.ndim <= 5:
        raise _validation.argument_error("convert_kernel", "kernel", kernel.shape,
                                         "must be a 4D or 5D kernel (its shape is shown)")
    _validation.check_choice("convert_kernel", "dim_ordering", dim_ordering,
                             backend.DIM_ORDERINGS)
    slices = [slice(None, None, -1)] * kernel.ndim
    kept = slice(0, 2) if dim_ordering == "th" else slice(kernel.ndim - 2, kernel.ndim)
    slices[kept] = [slice(None)] * 2
    return np.copy(kernel[tuple(slices)])


def conv_output_length(input_length, filter_size, border_mode, stride, dilation=1):
    """Keras 1's output length of a convolution ('same', 'valid' or 'full')."""
    if input_length is None:
        return None
    _validation.check_choice("conv_output_length", "border_mode", border_mode,
                             ("same", "valid", "full"))
    dilated = filter_size + (filter_size - 1) * (dilation - 1)
    length = {"same": input_length, "valid": input_length - dilated + 1,
              "full": input_length + dilated - 1}[border_mode]
    return (length + stride - 1) // stride


def conv_input_length(output_length, filter_size, border_mode, stride):
    """Keras 1's input length of a convolution of a given output length."""
    if output_length is None:
        return None
    _validation.check_choice("conv_input_length", "border_mode", border_mode,
                             ("same", "valid", "full"))
    pad = {"same": filter_size // 2, "valid": 0, "full": filter_size - 1}[border_mode]
    return (output_length - 1) * stride - 2 * pad + filter_size
