"""Keras 1.2.2's backend settings and choices (`keras/backend/common.py`,
`keras/backend/tensorflow_backend.py`): plain data."""

FLOATX = "float32"
FLOATXS = ("float16", "float32", "float64")
EPSILON = 10e-8  # written so in Keras 1 (1e-7)
LEARNING_PHASES = (0, 1)

BORDER_MODES = ("same", "valid")  # conv2d and pool2d
POOL_MODES = ("max", "avg")
# 'th' kernels are (nb_filter, stack, rows, cols), 'tf' ones (rows, cols, stack, nb_filter);
# tf.nn takes the 'tf' layout: the axes of a 'th' kernel to transpose to it.
CONV2D_KERNEL_TO_TF = {"th": (2, 3, 1, 0), "tf": (0, 1, 2, 3)}

# How each Keras 1 backend reduced non-float tensors: reduction -> (which inputs: "bool" or
# "int" (ints and bools), the dtype they were cast to first; "floatx" is K.floatx()). So
# Theano's mean of int32 [1, 2] is 1.5 (float32), TensorFlow's 1 (int32).
NONFLOAT_REDUCTIONS = {
    "tensorflow": {"mean": ("bool", "floatx"), "var": ("bool", "floatx")},
    "theano": {"mean": ("int", "floatx"), "var": ("int", "float64"), "sum": ("int", "int64")},
}
# The dtype of `any` and `all`.
LOGICAL_DTYPES = {"tensorflow": "uint8", "theano": "bool"}
