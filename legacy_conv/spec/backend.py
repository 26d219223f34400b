"""Keras 1.2.2's backend settings and choices (`keras/backend/common.py`,
`keras/backend/tensorflow_backend.py`): plain data."""

FLOATX = "float32"
FLOATXS = ("float16", "float32", "float64")
EPSILON = 10e-8  # written so in Keras 1 (1e-7)
LEARNING_PHASES = (0, 1)

BORDER_MODES = ("same", "valid")  # conv2d and pool2d
POOL_MODES = ("max", "avg")

# How each Keras 1 backend reduced non-float tensors: reduction -> (which inputs: "bool" or
# "int" (ints and bools), the dtype they were cast to first; "floatx" is K.floatx()). So
# Theano's mean of int32 [1, 2] is 1.5 (float32), TensorFlow's 1 (int32).
NONFLOAT_REDUCTIONS = {
    "tensorflow": {"mean": ("bool", "floatx"), "var": ("bool", "floatx")},
    "theano": {"mean": ("int", "floatx"), "var": ("int", "float64"), "sum": ("int", "int64")},
}
# The dtype of `any` and `all`.
LOGICAL_DTYPES = {"tensorflow": "uint8", "theano": "bool"}

# -- `--to native` (`spec.api.Twin`): Keras 1 backend functions that `keras.ops` computes alike
# on both Keras 1 backends: values, shapes and dtypes of every call of tests/fixtures/
# keras1_backend (tests/test_migrate_native_api.py runs them). Those left out say why:
OPS_KEPT = {
    "sqrt": "Keras 1's sqrt clipped negative inputs to 0 (keras.ops.sqrt gives nan)",
    "sum": "Keras 1 on Theano summed int32 tensors into int64",
    "mean": "Keras 1 on TensorFlow kept the mean of ints an int",
    "var": "Keras 1 on TensorFlow kept the variance of ints an int",
    "any": "Keras 1 on TensorFlow returned uint8, not bool",
    "all": "Keras 1 on TensorFlow returned uint8, not bool",
    "argmax": "Keras 1 returned int64 indices (keras.ops: int32)",
    "argmin": "Keras 1 returned int64 indices (keras.ops: int32)",
    "clip": "Keras 1 raised max_value to min_value where it was below",
}


def _ops(name, *params, kept=None):
    """A Twin of `keras.ops.<name>`: params 'x' (required, same name), 'x>x1' (renamed), or
    (Keras 1 name, Keras 3 name, Keras 1's default)."""
    from legacy_conv.spec.api import REQUIRED, Twin

    def row(param):
        if isinstance(param, tuple):
            return param
        keras1, _, keras3 = param.partition(">")
        return keras1, keras3 or keras1, REQUIRED

    rows = tuple(row(p) for p in params)
    return Twin(f"keras.ops.{name}", rows, kept or {})


_REDUCE = (("axis", "axis", None), ("keepdims", "keepdims", False))
OPS = {
    **{n: _ops(n, "x") for n in ("square", "exp", "log", "round", "sign", "sin", "cos",
                                 "sigmoid", "tanh", "softmax", "softplus", "transpose")},
    **{n: _ops(n, "x>x1", "y>x2") for n in ("equal", "not_equal", "greater", "maximum",
                                            "minimum", "dot")},
    **{n: _ops(n, "x", *_REDUCE) for n in ("max", "min", "prod", "std")},
    "abs": _ops("absolute", "x"),
    "pow": _ops("power", "x>x1", "a>x2"),
    "lesser_equal": _ops("less_equal", "x>x1", "y>x2"),
    "elu": _ops("elu", "x", ("alpha", "alpha", 1.0)),
    "relu": _ops("relu", "x", kept={"alpha": "Keras 3's ops.relu has no alpha",
                                     "max_value": "Keras 3's ops.relu has no max_value"}),
    "permute_dimensions": _ops("transpose", "x", "pattern>axes"),
    "concatenate": _ops("concatenate", "tensors>xs", ("axis", "axis", -1)),
    "expand_dims": _ops("expand_dims", "x", ("dim", "axis", -1)),
    "squeeze": _ops("squeeze", "x", "axis"),
    "tile": _ops("tile", "x", "n>repeats"),
    "one_hot": _ops("one_hot", "indices>x", "nb_classes>num_classes"),
    "zeros_like": _ops("zeros_like", "x", ("dtype", "dtype", None)),
    "ones_like": _ops("ones_like", "x", ("dtype", "dtype", None)),
    "cast": _ops("cast", "x", "dtype"),
    "reshape": _ops("reshape", "x", "shape>newshape"),
    "l2_normalize": _ops("normalize", "x", "axis"),
}

# -- convolution kernels: Keras 1's layout for a dim_ordering -> tf.nn's ----------------------
# (rank, dim_ordering) -> the axes to transpose a Keras 1 kernel by: 'th' kernels are
# (nb_filter, stack, *spatial), 'tf' ones (*spatial, stack, nb_filter), tf.nn's are the latter.
CONV_KERNEL_TO_TF = {(2, "th"): (2, 3, 1, 0), (2, "tf"): (0, 1, 2, 3),
                     (3, "th"): (2, 3, 4, 1, 0), (3, "tf"): (0, 1, 2, 3, 4)}
# deconv2d's kernel (Keras 1's Deconvolution2D: the same layouts) -> conv2d_transpose's
# (rows, cols, nb_filter, stack).
DECONV2D_KERNEL_TO_TF = {"th": (2, 3, 0, 1), "tf": (0, 1, 3, 2)}
# Keras 1.2.2's Theano backend raised NotImplementedError for these; this package computes
# its TensorFlow backend's numbers there too (cross-correlations, as tf.nn computes them).
TENSORFLOW_ONLY = ("conv1d", "atrous_conv2d", "separable_conv2d", "ctc_decode",
                   "ctc_label_dense_to_sparse")
# Random draws when no seed is given: Keras 1 drew the op's seed from NumPy's global
# generator, np.random.randint(low, 10e6) (Theano: low 1; TensorFlow: 0).
RANDOM_SEED_LOW = {"theano": 1, "tensorflow": 0}
RANDOM_SEED_HIGH = 10e6
# The graph-level seed of Keras 1's TensorFlow graphs (no tf.set_random_seed): TensorFlow's
# default (`random_seed.DEFAULT_GRAPH_SEED`), paired with each op's own seed.
TENSORFLOW_GRAPH_SEED = 87654321
# Public names of Keras 1.2.2's `keras.backend` that were not its API: the modules and objects
# its backend modules imported (Theano's `T`, `RandomStreams`, `Print`; TensorFlow's `tf`,
# `ctc`, ...; `np`, `os`), Theano's CTC helpers and shape utilities. The namespace leaves them out.
NOT_MIRRORED = (
    "Print", "RandomStreams", "T", "T_softsign", "conv3d2d", "ctc_cost", "ctc_create_skip_idxs",
    "ctc_interleave_blanks", "ctc_path_probs", "ctc_update_log_p", "is_explicit_shape",
    "pattern_broadcast", "pool", "th_sparse_module", "theano", "theano_backend",
    "control_flow_ops", "ctc", "moving_averages", "tensor_array_ops", "tf", "tf_major_version",
    "tf_minor_version", "absolute_import", "print_function", "inspect", "json", "np", "os",
    "sys", "warnings")
