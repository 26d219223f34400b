"""How each Keras 1 layer class becomes a Keras 3 layer, as data.

`RULES[keras1_class]` says which Keras 3 built-in means the same thing, how each Keras 1
argument maps onto it (`{keras1_key: (keras3_key, value_kind)}`), and when only a layer of
this package is exact (`LEGACY_WHEN`). `OURS` are the classes that always become ours
(their configs keep the Keras 1 vocabulary, which our layers read directly).
"""

import numbers
from collections import namedtuple

Rule = namedtuple("Rule", "keras3 args fixed")
Rule.__new__.__defaults__ = ({},)

_REGULARIZED = {
    "activity_regularizer": ("activity_regularizer", "activity_regularizer"),
}
_DENSE_LIKE = {
    "init": ("kernel_initializer", "init"),
    "activation": ("activation", "activation"),
    "W_regularizer": ("kernel_regularizer", "regularizer"),
    "b_regularizer": ("bias_regularizer", "regularizer"),
    "W_constraint": ("kernel_constraint", "constraint"),
    "b_constraint": ("bias_constraint", "constraint"),
    "bias": ("use_bias", "bool"),
    **_REGULARIZED,
}
_POOL_1D = {"pool_length": ("pool_size", "int"), "stride": ("strides", "int_or_none"),
            "border_mode": ("padding", "padding")}
_POOL_ND = {"pool_size": ("pool_size", "ints"), "strides": ("strides", "ints_or_none"),
            "border_mode": ("padding", "padding"), "dim_ordering": ("data_format", "data_format")}
_ORDERED = {"dim_ordering": ("data_format", "data_format")}
_RATE = {"p": ("rate", "rate")}

RULES = {
    "Dense": Rule("Dense", {"output_dim": ("units", "int"), **_DENSE_LIKE}),
    "Activation": Rule("Activation", {"activation": ("activation", "activation")}),
    "Dropout": Rule("Dropout", _RATE),
    "SpatialDropout1D": Rule("SpatialDropout1D", _RATE),
    "SpatialDropout2D": Rule("SpatialDropout2D", {**_RATE, **_ORDERED}),
    "SpatialDropout3D": Rule("SpatialDropout3D", {**_RATE, **_ORDERED}),
    "GaussianNoise": Rule("GaussianNoise", {"sigma": ("stddev", "float")}),
    "GaussianDropout": Rule("GaussianDropout", _RATE),
    # Keras 1 flattened tensors in memory order, channels-first ones included.
    "Flatten": Rule("Flatten", {}, {"data_format": "channels_last"}),
    "Reshape": Rule("Reshape", {"target_shape": ("target_shape", "shape")}),
    "Permute": Rule("Permute", {"dims": ("dims", "ints")}),
    "RepeatVector": Rule("RepeatVector", {"n": ("n", "int")}),
    "Masking": Rule("Masking", {"mask_value": ("mask_value", "float")}),
    "MaxPooling1D": Rule("MaxPooling1D", _POOL_1D),
    "AveragePooling1D": Rule("AveragePooling1D", _POOL_1D),
    "MaxPooling2D": Rule("MaxPooling2D", _POOL_ND),
    "AveragePooling2D": Rule("AveragePooling2D", _POOL_ND),
    "MaxPooling3D": Rule("MaxPooling3D", _POOL_ND),
    "AveragePooling3D": Rule("AveragePooling3D", _POOL_ND),
    "GlobalMaxPooling1D": Rule("GlobalMaxPooling1D", {}),
    "GlobalAveragePooling1D": Rule("GlobalAveragePooling1D", {}),
    "GlobalMaxPooling2D": Rule("GlobalMaxPooling2D", _ORDERED),
    "GlobalAveragePooling2D": Rule("GlobalAveragePooling2D", _ORDERED),
    "GlobalMaxPooling3D": Rule("GlobalMaxPooling3D", _ORDERED),
    "GlobalAveragePooling3D": Rule("GlobalAveragePooling3D", _ORDERED),
    "BatchNormalization": Rule("BatchNormalization", {
        "epsilon": ("epsilon", "float"), "momentum": ("momentum", "float"),
        "axis": ("axis", "int_any"), "mode": (None, "int_any"),
        "beta_init": ("beta_initializer", "init"), "gamma_init": ("gamma_initializer", "init"),
        "gamma_regularizer": ("gamma_regularizer", "regularizer"),
        "beta_regularizer": ("beta_regularizer", "regularizer"),
    }),
    "Embedding": Rule("Embedding", {
        "input_dim": ("input_dim", "int"), "output_dim": ("output_dim", "int"),
        "init": ("embeddings_initializer", "init"),
        "W_regularizer": ("embeddings_regularizer", "regularizer"),
        "W_constraint": ("embeddings_constraint", "constraint"),
        "mask_zero": ("mask_zero", "bool"), "input_length": (None, "int_or_none"),
        "dropout": (None, "float"), **_REGULARIZED,
    }),
    "LeakyReLU": Rule("LeakyReLU", {"alpha": ("negative_slope", "float")}),
    "ELU": Rule("ELU", {"alpha": ("alpha", "float")}),
    "PReLU": Rule("PReLU", {"init": ("alpha_initializer", "init"),
                            "shared_axes": ("shared_axes", "ints_or_none")}),
    "ThresholdedReLU": Rule(None, {"theta": (None, "float")}),
    "TimeDistributed": Rule("TimeDistributed", {"layer": ("layer", "layer")}),
    "Merge": Rule(None, {
        "mode": (None, "merge_mode"), "concat_axis": (None, "int_any"),
        "dot_axes": (None, "any"), "output_shape": (None, "any"), "output_mask": (None, "any"),
        "mode_type": (None, "any"), "output_shape_type": (None, "any"),
        "output_mask_type": (None, "any"), "arguments": (None, "arguments"),
        "node_indices": (None, "any"), "tensor_indices": (None, "any"), "layers": (None, "any"),
    }),
}

# Keras 1 class -> f(config, ctx, where) -> config, run before the table: defaults and
# arguments whose meaning depends on other arguments or the release (see recurrent.py).
PREPROCESSORS = {}

# Keras 1 class -> our subclass of the Keras 3 built-in (same config), where the built-in
# alone differs from Keras 1 (see recurrent.py).
SUBCLASSES = {}

FLOAT32_MAX = 3.4028234663852886e38


def outside(low, high):
    """A `LEGACY_WHEN` test: a number not in [low, high] (NaN included). Anything else is
    left to the argument's value check (and its ConversionError)."""
    def test(value):
        return isinstance(value, numbers.Real) and not isinstance(value, bool) and not (
            low <= value <= high)
    test.__doc__ = f"a number outside [{low}, {high}]"
    return test


# The conditions under which only our layer reproduces Keras 1: {class: (key, values, backend)}
# where `values` is a tuple of the Keras 1 values, or a test of the Keras 1 value.
LEGACY_WHEN = {
    **{name: ("border_mode", ("same",), "theano") for name in (
        "MaxPooling1D", "AveragePooling1D", "MaxPooling2D", "AveragePooling2D",
        "MaxPooling3D", "AveragePooling3D")},
    "BatchNormalization": ("mode", (1, 2), None),
    "Merge": ("mode", ("dot", "cos"), None),
    # Keras 3 refuses a negative slope, and keeps x > 0 where an infinite or NaN one
    # (in float32) gave Keras 1 NaN.
    "LeakyReLU": ("alpha", outside(0.0, FLOAT32_MAX), None),
    # Keras 3's GaussianNoise refuses a stddev outside [0, 1] (NaN too); Keras 1 took any.
    "GaussianNoise": ("sigma", outside(0.0, 1.0), None),
}

# Always ours: the Keras 1 convolutional layers (and layers Keras 3 lacks).
OURS = (
    "Convolution1D", "AtrousConvolution1D", "Convolution2D", "AtrousConvolution2D",
    "SeparableConvolution2D", "Deconvolution2D", "Convolution3D", "Cropping1D", "Cropping2D",
    "Cropping3D", "UpSampling1D", "UpSampling2D", "UpSampling3D", "ZeroPadding1D",
    "ZeroPadding2D", "ZeroPadding3D", "ThresholdedReLU",
)

# Ours that take `keras1_backend` (the numbers depend on it).
BACKEND_DEPENDENT = OURS[:7] + (
    "MaxPooling1D", "AveragePooling1D", "MaxPooling2D", "AveragePooling2D", "MaxPooling3D",
    "AveragePooling3D",
)

# Layers whose Keras 1 config may omit `dim_ordering` although the layer has one.
ORDERED = (
    "Convolution2D", "AtrousConvolution2D", "SeparableConvolution2D", "Deconvolution2D",
    "Convolution3D", "Cropping2D", "Cropping3D", "UpSampling2D", "UpSampling3D",
    "ZeroPadding2D", "ZeroPadding3D", "MaxPooling2D", "AveragePooling2D", "MaxPooling3D",
    "AveragePooling3D", "GlobalMaxPooling2D", "GlobalAveragePooling2D", "GlobalMaxPooling3D",
    "GlobalAveragePooling3D", "SpatialDropout2D", "SpatialDropout3D",
)

# Arguments Keras 1 did not save but its weights reveal: {class: (Keras 3 key, derive)}.
# PReLU's alphas have size 1 on the shared axes (Keras 1.2.2 does not save `shared_axes`).
FROM_WEIGHTS = {
    "PReLU": ("shared_axes", lambda shapes: [i + 1 for i, d in enumerate(shapes[0]) if d == 1]
              or None),
}

# Keys every Keras 1 layer config may hold (Keras 1's `Layer.__init__` keywords).
# Arguments of our layers checked before they are passed on ({key: value kind}): their
# initializers (a Keras 1 name, or a function from custom_objects) and Merge's plain-data
# `arguments`; the layers check the rest.
OUR_CHECKS = {"init": "init", "beta_init": "init", "gamma_init": "init",
              "arguments": "arguments"}

COMMON_KEYS = ("name", "trainable", "batch_input_shape", "input_dtype", "input_shape",
               "input_dim", "input_length", "create_input_layer")

# What the inference of a layer does not reproduce although its outputs are exact.
TRAINING_NOTES = {
    "Embedding": ("dropout", "Keras 1's word dropout (training only) is not reproduced"),
}

CONTAINERS = ("Sequential", "Model", "Container")
