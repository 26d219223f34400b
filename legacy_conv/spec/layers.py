"""One record per public Keras 1.2.2 layer class: what it is and what it becomes. Plain data.

A record (`Layer`) holds what no signature says; the signature and defaults are read from
the generated `keras1_signatures` (`signature`, `defaults`). Fields:

- `module`: the Keras 1 module that defines it (`keras.layers.<module>`);
- `converts`: 'ours' (always this package's layer of the same name), 'builtin' (the Keras 3
  built-in `keras3`, or ours where `legacy_when` holds), 'graph' (handled by the model walk
  itself), or None (not converted: `why` says why);
- `ours`: the family of this package's layer of the same name (its native handler's), or
  None where this package has none;
- `keras3`: the Keras 3 class it becomes (for 'ours': the built-in of its native form);
- `args`: {Keras 1 argument: (Keras 3 argument(s) or None, value kind)}; value kinds are
  `convert.values`'s; a tuple of Keras 3 arguments where one Keras 1 argument gives several;
- `fixed`: Keras 3 arguments set whatever the config says;
- `legacy_when`: (argument, Keras 1 values or a test of the value, Keras 1 backend or None):
  where only this package's layer reproduces Keras 1;
- `ordered`: it has a `dim_ordering` (which a config may leave out);
- `backend`: its numbers depend on the Keras 1 backend (Theano or TensorFlow), or the only
  backend Keras 1 had it on;
- `weights`: its Keras 1 weights in file order, as (name, `spec.weights` layout family or
  None);
- `base`: the Keras 1 base class whose keywords its `**kwargs` take (with their defaults);
- `input_args`: arguments that state its input shape, in the shape's order;
- `from_weights`: (Keras 3 argument, f(weight shapes)) for an argument Keras 1 did not save
  but its weights reveal;
- `training_note`: (argument, what the inference does not reproduce where it is set);
- `aliases`: its other Keras 1 names;
- `why`: why it is not converted, or how the model walk handles it;
- `native`: where the native target (Keras 3 built-ins only) refuses it (no built-in is exact);
- `drift`: (argument, why): a Keras 1 default that the Keras 3 layer of the same name does
  not share (a call that leaves it out means something else in each).
- `subclass`: (name, what it adds): this package's subclass of `keras3` that the legacy
  target always gives (`convert.layer_rules.SUBCLASSES` holds the classes).

The native target also refuses any layer whose activation has no Keras 3 formula, or that
has an activity penalty (Keras 3 divides those by the batch size).
"""

import numbers
from collections import namedtuple

from legacy_conv.spec import keras1_signatures as _k1
from legacy_conv.spec.activations import HARD_SIGMOID

Layer = namedtuple("Layer", "name module converts ours keras3 args fixed legacy_when ordered "
                            "backend weights base input_args from_weights training_note "
                            "aliases why native drift subclass")
Layer.__new__.__defaults__ = (None, None, None, {}, {}, None, False, False, (), None, (), None,
                              None, (), "", "", None, None)

REQUIRED = _k1.REQUIRED
KERAS_VERSION = _k1.KERAS_VERSION

# Keras 1.2.2's `Layer.__init__` keywords (a config saves the first three only when set).
INPUT_KEYWORDS = ("input_shape", "batch_input_shape", "input_dtype")
LAYER_KEYWORDS = INPUT_KEYWORDS + ("name", "trainable")
# Keywords some layers pass on as `input_shape` (Dense, Convolution1D, the recurrent layers).
INPUT_SHAPE_KEYWORDS = ("input_dim", "input_length")
# Keys any Keras 1 layer config may hold besides the layer's own arguments.
CONFIG_KEYWORDS = LAYER_KEYWORDS + INPUT_SHAPE_KEYWORDS + ("create_input_layer",)

# Arguments whose value is a number of steps/units/filters, or a factor (layers' and the
# regularizer and constraint helpers').
INT_ARGUMENTS = ("nb_filter", "nb_row", "nb_col", "filter_length", "kernel_dim1", "kernel_dim2",
                 "kernel_dim3", "output_dim", "input_dim", "input_length", "depth_multiplier",
                 "pool_length", "stride", "subsample_length", "n", "length")
# The classes whose Keras 1.2.2 `build` set `input_dim` from the input's last axis, so that
# their config holds it even when the call did not give it (keras/layers/core.py Dense,
# keras/layers/recurrent.py SimpleRNN, GRU, LSTM).
INPUT_DIM_AT_BUILD = ("Dense", "SimpleRNN", "GRU", "LSTM")
# The classes whose Keras 1.2.2 `__init__` set `input_dtype` whatever the call said
# (keras/layers/embeddings.py: `kwargs['input_dtype'] = 'int32'`).
INPUT_DTYPE = {"Embedding": "int32"}
# Arguments Keras 1.2.2's `get_config` did not save (keras/layers/normalization.py,
# advanced_activations.py, convolutional_recurrent.py; observed: tests/fixtures/keras1_saving/).
NOT_SAVED = {"BatchNormalization": ("beta_init", "gamma_init"), "PReLU": ("shared_axes",),
             "ConvLSTM2D": ("W_regularizer", "U_regularizer", "b_regularizer", "dropout_W",
                            "dropout_U", "subsample")}
# Arguments Keras 1's `__init__` set from another when None (the pooling layers).
DEFAULTED_FROM = {"strides": "pool_size", "stride": "pool_length"}
# The Keras 1 arguments that are one axis of Keras 3's `kernel_size`: that axis.
KERNEL_AXES = {"nb_row": 0, "nb_col": 1, "filter_length": 0, "kernel_dim1": 0,
               "kernel_dim2": 1, "kernel_dim3": 2}
FLOAT_ARGUMENTS = ("p", "l", "l1", "l2", "m", "theta", "epsilon", "momentum", "sigma", "alpha",
                   "low", "high", "rate")

# The model classes, whose configs hold layers.
# Why a Keras 3 layer with a bias may not compute channels-first (Keras 3.15.1 on TensorFlow):
# `ops.add` treats a (1, n, 1, ...) bias as `tf.nn.bias_add(..., 'NHWC')` whenever the last axis
# also has n entries (keras/src/backend/tensorflow/numpy.py `add`), so every channels_first
# convolution adds its bias along the wrong axis at such shapes (Keras 1.2.2's own 'th'
# Convolution3D weights: 0.56 off; tests/test_migrate.py checks that it still does).
# `migrate --to native` keeps such a 'th' call Keras 1's instead of writing
# data_format='channels_first'.
CHANNELS_FIRST_BIAS = ("Keras 3's channels_first layers add their bias along the last axis "
                       "wherever it has as many entries as the bias (keras.ops.add on "
                       "TensorFlow), so they compute other numbers at such shapes")
# Keras 1's names of a recurrent layer's weights where its gates were concatenated
# (LSTM, GRU with consume_less='gpu'; one W, U and b instead of one per gate).
CONCATENATED_GATE_WEIGHTS = ("W", "U", "b")
CONTAINERS = ("Sequential", "Model", "Container")
# Keras 1's base classes: never in a saved model, and no layer by themselves.
ABSTRACT = {"Layer": "the base of every layer", "Recurrent": "the base of the recurrent layers",
            "ConvRecurrent2D": "the base of ConvLSTM2D", "Wrapper": "the base of the wrappers"}

# (class, argument, value) that only Keras 1's Theano backend computed (observed with Keras
# 1.2.2: its TensorFlow backend raised "Invalid border mode").
THEANO_ONLY = tuple((name, "border_mode", "full") for name in (
    "Convolution1D", "Convolution2D", "Convolution3D", "AtrousConvolution1D",
    "AtrousConvolution2D"))


def outside(low, high):
    """A `legacy_when` test: a number not in [low, high] (NaN included). Anything else is
    left to the argument's value check."""
    def test(value):
        return isinstance(value, numbers.Real) and not isinstance(value, bool) and not (
            low <= value <= high)
    test.__doc__ = f"a number outside [{low}, {high}]"
    return test


def between(low, high):
    """A `legacy_when` test: a number strictly between `low` and `high`."""
    def test(value):
        return isinstance(value, numbers.Real) and not isinstance(value, bool) and (
            low < value < high)
    test.__doc__ = f"a number strictly between {low} and {high}"
    return test


def _shared_axes(shapes):
    """PReLU's alphas have size 1 on the shared axes (Keras 1.2.2 does not save them)."""
    return [i + 1 for i, d in enumerate(shapes[0]) if d == 1] or None


# -- argument maps shared by several classes -----------------------------------------------------
_ACTIVITY = {"activity_regularizer": ("activity_regularizer", "activity_regularizer")}
_KERNEL = {
    "W_regularizer": ("kernel_regularizer", "regularizer"),
    "b_regularizer": ("bias_regularizer", "regularizer"),
    "W_constraint": ("kernel_constraint", "constraint"),
    "b_constraint": ("bias_constraint", "constraint"),
    "bias": ("use_bias", "bool"), **_ACTIVITY,
}
_DENSE_LIKE = {"init": ("kernel_initializer", "init"),
               "activation": ("activation", "activation"), **_KERNEL}
_ORDERING = {"dim_ordering": ("data_format", "data_format")}
_WEIGHTS = {"weights": (None, "weights")}
_CONV = {"nb_filter": ("filters", "int"), **_DENSE_LIKE, **_WEIGHTS,
         "border_mode": ("padding", "padding")}
_CONV_1D = {**_CONV, "filter_length": ("kernel_size", "int"),
            "subsample_length": ("strides", "int")}
_CONV_2D = {**_CONV, "nb_row": ("kernel_size", "kernel_size"),
            "nb_col": ("kernel_size", "kernel_size"), "subsample": ("strides", "strides"),
            **_ORDERING}
_ATROUS = {"atrous_rate": ("dilation_rate", "dilation_rate")}
_RATE = {"p": ("rate", "rate")}
_POOL_1D = {"pool_length": ("pool_size", "int"), "stride": ("strides", "int_or_none"),
            "border_mode": ("padding", "padding")}
_POOL_ND = {"pool_size": ("pool_size", "ints"), "strides": ("strides", "ints_or_none"),
            "border_mode": ("padding", "padding"), **_ORDERING}
_RECURRENT = {
    "output_dim": ("units", "int"),
    **{key: _DENSE_LIKE[key] for key in ("init", "activation", "W_regularizer", "b_regularizer")},
    "inner_init": ("recurrent_initializer", "init"),
    "U_regularizer": ("recurrent_regularizer", "regularizer"),
    "dropout_W": ("dropout", "rate"),
    "dropout_U": ("recurrent_dropout", "rate"),
    "return_sequences": ("return_sequences", "bool"),
    "go_backwards": ("go_backwards", "bool"),
    "stateful": ("stateful", "bool"),
    "unroll": ("unroll", "bool"),
    "consume_less": (None, "consume_less"),
}
_GATED = {**_RECURRENT, "inner_activation": ("recurrent_activation", "activation"),
          "consume_less": ("implementation", "implementation")}
_KERNEL_WEIGHTS = (("W", "conv"), ("b", None))
_DENSE_WEIGHTS = (("W", None), ("b", None))


def _gates(*gates):
    return tuple((f"{w}_{g}", None) for g in gates for w in ("W", "U", "b"))


_THEANO_SAME_POOL = "Theano's 'same' average pooling whose windows are not TensorFlow's"
_THEANO_SAME_POOL_3D = _THEANO_SAME_POOL + ", and Theano's 'same' pooling of size 1"
_NO_LAYER = "Keras 3 has no built-in that computes it, and this package has no layer for it yet"
_NO_LOCAL = "no Keras 3 built-in has a kernel per output position"

# -- the records, by Keras 1 module ---------------------------------------------------------------
_RECORDS = [
    # keras.layers.convolutional: this package's layers (native: Keras 3's, Theano made explicit)
    Layer("Convolution1D", "convolutional", "ours", "conv", "Conv1D", _CONV_1D,
          backend=True, weights=(("W", "conv1d"), ("b", None)),
          input_args=("input_length", "input_dim"), aliases=("Conv1D",),
          drift=("init", ("Keras 1's Convolution1D drew glorot_uniform with other fans (its "
                          "kernel was 4D), so its initial weights had another scale"))),
    Layer("AtrousConvolution1D", "convolutional", "ours", "conv", "Conv1D", {**_CONV_1D, **_ATROUS},
          backend=True, weights=(("W", "conv1d"), ("b", None)),
          input_args=("input_length", "input_dim"), aliases=("AtrousConv1D",)),
    Layer("Convolution2D", "convolutional", "ours", "conv", "Conv2D", _CONV_2D, ordered=True,
          backend=True, weights=_KERNEL_WEIGHTS, aliases=("Conv2D",)),
    Layer("AtrousConvolution2D", "convolutional", "ours", "conv", "Conv2D", {**_CONV_2D, **_ATROUS},
          ordered=True, backend=True, weights=_KERNEL_WEIGHTS, aliases=("AtrousConv2D",)),
    Layer("SeparableConvolution2D", "convolutional", "ours", "separable", "SeparableConv2D", {
        **{k: v for k, v in _CONV_2D.items() if not k.startswith(("W_", "init"))},
        "init": (("depthwise_initializer", "pointwise_initializer"), "init"),
        "depth_multiplier": ("depth_multiplier", "int"),
        "depthwise_regularizer": ("depthwise_regularizer", "regularizer"),
        "pointwise_regularizer": ("pointwise_regularizer", "regularizer"),
        "depthwise_constraint": ("depthwise_constraint", "constraint"),
        "pointwise_constraint": ("pointwise_constraint", "constraint"),
    }, ordered=True, backend="tensorflow", aliases=("SeparableConv2D",),
        weights=(("depthwise_kernel", "depthwise"), ("pointwise_kernel", "conv"), ("b", None))),
    Layer("Deconvolution2D", "convolutional", "ours", "deconv", "Conv2DTranspose", {
        **_CONV_2D, "output_shape": ("output_padding", "output_shape")}, ordered=True,
        backend=True, weights=(("W", "deconv"), ("b", None)), aliases=("Deconv2D",),
        native="inputs whose rows or columns are not fixed, and one layer applied to inputs "
               "of different sizes (each needs its own output_padding)"),
    Layer("Convolution3D", "convolutional", "ours", "conv", "Conv3D", {
        **{k: v for k, v in _CONV_2D.items() if k not in ("nb_row", "nb_col")},
        **{f"kernel_dim{j}": ("kernel_size", "kernel_size") for j in (1, 2, 3)}},
        ordered=True, backend=True, weights=_KERNEL_WEIGHTS, aliases=("Conv3D",)),
    *(Layer(f"{kind}{rank}D", "convolutional", "ours", "spatial", f"{kind}{rank}D", {
        arg_1d if rank == 1 else arg: (k3, "ints"), **(_ORDERING if rank > 1 else {})},
        ordered=rank > 1, native="crops that leave no step (Keras 3's Cropping refuses them)"
        if kind == "Cropping" else "")
      for kind, arg_1d, arg, k3 in (("Cropping", "cropping", "cropping", "cropping"),
                                    ("UpSampling", "length", "size", "size"),
                                    ("ZeroPadding", "padding", "padding", "padding"))
      for rank in (1, 2, 3)),
    # keras.layers.pooling
    *(Layer(f"{mode}Pooling1D", "pooling", "builtin", "pooling", f"{mode}Pooling1D", _POOL_1D,
            legacy_when=("border_mode", ("same",), "theano"), backend=True,
            native=_THEANO_SAME_POOL)
      for mode in ("Max", "Average")),
    *(Layer(f"{mode}Pooling{rank}D", "pooling", "builtin", "pooling", f"{mode}Pooling{rank}D",
            _POOL_ND, legacy_when=("border_mode", ("same",), "theano"), ordered=True,
            backend=True, native=_THEANO_SAME_POOL_3D if rank == 3 else _THEANO_SAME_POOL)
      for rank in (2, 3) for mode in ("Max", "Average")),
    *(Layer(f"Global{mode}Pooling{rank}D", "pooling", "builtin", None,
            f"Global{mode}Pooling{rank}D", _ORDERING if rank > 1 else {}, ordered=rank > 1)
      for mode in ("Max", "Average") for rank in (1, 2, 3)),
    # keras.layers.core
    Layer("Dense", "core", "builtin", None, "Dense", {
        "output_dim": ("units", "int"), **_DENSE_LIKE}, weights=_DENSE_WEIGHTS,
        input_args=("input_dim",)),
    Layer("Activation", "core", "builtin", None, "Activation",
          {"activation": ("activation", "activation")}),
    Layer("Dropout", "core", "builtin", None, "Dropout", _RATE),
    Layer("SpatialDropout1D", "core", "builtin", None, "SpatialDropout1D", _RATE),
    Layer("SpatialDropout2D", "core", "builtin", None, "SpatialDropout2D",
          {**_RATE, **_ORDERING}, ordered=True),
    Layer("SpatialDropout3D", "core", "builtin", None, "SpatialDropout3D",
          {**_RATE, **_ORDERING}, ordered=True),
    # Keras 1 flattened tensors in memory order, channels-first ones included.
    Layer("Flatten", "core", "builtin", None, "Flatten", {}, {"data_format": "channels_last"}),
    Layer("Reshape", "core", "builtin", None, "Reshape",
          {"target_shape": ("target_shape", "shape")}),
    Layer("Permute", "core", "builtin", None, "Permute", {"dims": ("dims", "ints")}),
    Layer("RepeatVector", "core", "builtin", None, "RepeatVector", {"n": ("n", "int")}),
    Layer("Masking", "core", "builtin", None, "Masking",
          {"mask_value": ("mask_value", "float")}),
    Layer("Lambda", "core", "graph", None, "Lambda", {
        "function": ("function", "function"), "output_shape": ("output_shape", "ints"),
        "arguments": ("arguments", "arguments")},
        why="its function from custom_objects (Keras 1 saved marshalled bytecode, never run)"),
    # Ours: Keras 1 summed activity penalties over the batch; Highway's gate and MaxoutDense's
    # maximum over its linear pieces are no single built-in (`layers/core.py`; natively
    # several, `native/handlers/core.py`).
    Layer("ActivityRegularization", "core", "ours", "core", "ActivityRegularization",
          {"l1": ("l1", "float"), "l2": ("l2", "float")},
          native="a non-zero l1 or l2 (Keras 3's ActivityRegularization divides the penalty "
                 "by the batch size; with both 0 the native layer is an Identity)"),
    Layer("MaxoutDense", "core", "ours", "core", None, {
        "output_dim": (None, "int"), "nb_feature": (None, "int"),
        **{k: (None, kind) for k, (_, kind) in _DENSE_LIKE.items() if k != "activation"},
        **_WEIGHTS}, weights=_DENSE_WEIGHTS, input_args=("input_dim",),
        native="a W_constraint or b_constraint other than NonNeg (Keras 1 applied it along "
               "the nb_feature axis, which the native Dense merges with output_dim)"),
    Layer("Highway", "core", "ours", "core", None, {
        **{k: (None, kind) for k, (_, kind) in _DENSE_LIKE.items()}, **_WEIGHTS},
        weights=(("W", None), ("W_carry", None), ("b", None), ("b_carry", None)),
        input_args=("input_dim",), backend=True),
    Layer("TimeDistributedDense", "core", "ours", "core", "Dense", {
        "output_dim": ("units", "int"), **_DENSE_LIKE, **_WEIGHTS},
        weights=_DENSE_WEIGHTS, input_args=("input_length", "input_dim"), backend=True),
    # keras.layers.normalization
    Layer("BatchNormalization", "normalization", "builtin", "normalization",
          "BatchNormalization", {
              "epsilon": ("epsilon", "float"), "momentum": ("momentum", "float"),
              "axis": ("axis", "int_any"), "mode": (None, "int_any"),
              "beta_init": ("beta_initializer", "init"),
              "gamma_init": ("gamma_initializer", "init"),
              "gamma_regularizer": ("gamma_regularizer", "regularizer"),
              "beta_regularizer": ("beta_regularizer", "regularizer")},
          legacy_when=("mode", (1, 2), None),
          weights=(("gamma", None), ("beta", None), ("running_mean", None),
                   ("running_std", None)),
          backend=True, native="modes 1 (per-sample statistics) and 2 (the batch's "
                               "statistics at inference too)"),
    # keras.layers.embeddings
    Layer("Embedding", "embeddings", "builtin", "embedding", "Embedding", {
        "input_dim": ("input_dim", "int"), "output_dim": ("output_dim", "int"),
        "init": ("embeddings_initializer", "init"),
        "W_regularizer": ("embeddings_regularizer", "regularizer"),
        "W_constraint": ("embeddings_constraint", "constraint"),
        "mask_zero": ("mask_zero", "bool"), "input_length": (None, "int_or_none"),
        "dropout": (None, "float"), **_ACTIVITY},
        weights=(("W", None),), input_args=("input_length",),
        legacy_when=("dropout", between(0.0, 1.0), None),
        native="dropout in (0, 1) (Keras 1 dropped whole words, rows of W, in training; "
               "no Keras 3 built-in does)"),
    # keras.layers.advanced_activations
    # Ours: Keras 3's LeakyReLU has another gradient at 0 (`spec.activations.KINKS`), refuses
    # a negative slope, and keeps x > 0 where an infinite or NaN one (in float32) gave Keras 1
    # NaN. Keras 1's PReLU: Keras 3's values, its own gradient at 0 (`Keras1PReLU`).
    Layer("LeakyReLU", "advanced_activations", "ours", "leaky_relu", "LeakyReLU",
          {"alpha": ("negative_slope", "float")}, backend=True),
    Layer("ELU", "advanced_activations", "builtin", None, "ELU", {"alpha": ("alpha", "float")}),
    Layer("PReLU", "advanced_activations", "builtin", None, "PReLU", {
        "init": ("alpha_initializer", "init"), "shared_axes": ("shared_axes", "ints_or_none")},
        weights=(("alphas", None),), from_weights=("shared_axes", _shared_axes), backend=True,
        subclass=("Keras1PReLU", "Keras 1's gradient at 0 on each backend")),
    Layer("ThresholdedReLU", "advanced_activations", "ours", "thresholded_relu", "ReLU",
          {"theta": ("threshold", "float")}, native="theta < 0 (Keras 3's ReLU refuses it)"),
    # Ours: trainable parameters per input element; Keras 1 did not save `shared_axes`.
    Layer("ParametricSoftplus", "advanced_activations", "ours", "parametric", None, {
        "alpha_init": (None, "float"), "beta_init": (None, "float"), **_WEIGHTS,
        "shared_axes": (None, "ints_or_none")},
        weights=(("alphas", None), ("betas", None)), from_weights=("shared_axes", _shared_axes),
        native="any ParametricSoftplus: no Keras 3 built-in trains alpha * softplus(beta * x)"),
    Layer("SReLU", "advanced_activations", "ours", "parametric", None, {
        **{f"{w}_init": (None, "init") for w in ("t_left", "a_left", "t_right", "a_right")},
        "shared_axes": (None, "ints_or_none")},
        weights=(("t_left", None), ("a_left", None), ("t_right", None), ("a_right", None)),
        from_weights=("shared_axes", _shared_axes), backend=True,
        native="any SReLU: no Keras 3 built-in trains its two thresholds and slopes"),
    # keras.layers.noise. Keras 3's GaussianNoise refuses a stddev outside [0, 1] (NaN too).
    Layer("GaussianNoise", "noise", "builtin", "gaussian_noise", "GaussianNoise",
          {"sigma": ("stddev", "float")}, legacy_when=("sigma", outside(0.0, 1.0), None),
          native="abs(sigma) > 1 (Keras 3's GaussianNoise refuses it)"),
    Layer("GaussianDropout", "noise", "builtin", None, "GaussianDropout", _RATE),
    # keras.layers.recurrent
    Layer("SimpleRNN", "recurrent", "builtin", None, "SimpleRNN", _RECURRENT,
          weights=(("W", None), ("U", None), ("b", None)), base="Recurrent",
          input_args=("input_length", "input_dim"),
          drift=("inner_init", "Keras 1's orthogonal recurrent initializer had gain 1.1")),
    Layer("GRU", "recurrent", "builtin", None, "GRU", _GATED, {"reset_after": False},
          weights=_gates("z", "r", "h"), base="Recurrent",
          input_args=("input_length", "input_dim"),
          drift=("inner_activation", (f"Keras 1's GRU gates default to its hard_sigmoid "
                                      f"({HARD_SIGMOID}), Keras 3's to sigmoid, and Keras 3 "
                                      "resets after"))),
    Layer("LSTM", "recurrent", "builtin", None, "LSTM", {
        **_GATED, "forget_bias_init": ("unit_forget_bias", "forget_bias_init")},
        weights=_gates("i", "c", "f", "o"), base="Recurrent",
        input_args=("input_length", "input_dim"),
        drift=("inner_activation", (f"Keras 1's LSTM gates default to its hard_sigmoid "
                                    f"({HARD_SIGMOID}), Keras 3's to sigmoid"))),
    # keras.layers.convolutional_recurrent
    # Its get_config omits subsample, the regularizers and the dropouts: a Keras 1 file
    # reloads with none of them (stride 1), and so does the conversion.
    Layer("ConvLSTM2D", "convolutional_recurrent", "builtin", None, "ConvLSTM2D", {
        **{key: _GATED[key] for key in (
            "init", "inner_init", "activation", "inner_activation", "W_regularizer",
            "U_regularizer", "b_regularizer", "dropout_W", "dropout_U", "return_sequences",
            "go_backwards", "stateful")},
        "nb_filter": ("filters", "int"), "nb_row": ("kernel_size", "int"),
        "nb_col": ("kernel_size", "int"), "border_mode": ("padding", "padding"),
        "subsample": ("strides", "ints"), "forget_bias_init": ("unit_forget_bias",
                                                               "forget_bias_init"),
        **_ORDERING}, ordered=True, backend=True, weights=_gates("i", "c", "f", "o"),
        base="ConvRecurrent2D",
        training_note=("dropout_W", "Keras 1 drew a dropout mask per gate"),
        drift=("inner_activation", (f"Keras 1's ConvLSTM2D gates default to its "
                                    f"hard_sigmoid ({HARD_SIGMOID}), Keras 3's to sigmoid")),
        native="Theano's 'same' convolutions that are not TensorFlow's: kernels of even "
               "size with border_mode 'valid' (its recurrent convolution is always "
               "'same'), and 'same' with subsample",
        subclass=("Keras1ConvLSTM2D", "Theano's 'same' padding on Theano")),
    # keras.layers.wrappers
    Layer("TimeDistributed", "wrappers", "builtin", None, "TimeDistributed",
          {"layer": ("layer", "layer")}, base="Wrapper",
          subclass=("Keras1TimeDistributed", "a wrapped Dense run once over all steps")),
    Layer("Bidirectional", "wrappers", "builtin", None, "Bidirectional", {
        "layer": ("layer", "layer"), "merge_mode": ("merge_mode", "bidirectional_merge")},
        base="Wrapper", native="masked inputs where it returns sequences (Keras 3 outputs "
                               "zeros at masked steps, Keras 1 the previous step's output)",
        subclass=("Keras1Bidirectional", "Keras 1's outputs at masked steps")),
    # keras.layers.local
    Layer("LocallyConnected1D", "local", "ours", "local", None, _CONV_1D,
          weights=_DENSE_WEIGHTS, input_args=("input_length", "input_dim"), backend=True,
          native="any LocallyConnected1D: " + _NO_LOCAL),
    Layer("LocallyConnected2D", "local", "ours", "local", None, _CONV_2D, ordered=True,
          weights=_DENSE_WEIGHTS, backend=True, native="any LocallyConnected2D: " + _NO_LOCAL),
    # keras.engine.topology
    Layer("InputLayer", "topology", "graph", None, "InputLayer",
          why="a model's input (keras.Input), also as a Sequential config's first entry"),
    # Merge: the Keras 3 merge layer of its mode (`spec.merge`); ours for 'dot' and 'cos'.
    Layer("Merge", "topology", "builtin", "merge", None, {
        "mode": (None, "merge_mode"), "concat_axis": (None, "int_any"),
        "dot_axes": (None, "any"), "output_shape": (None, "any"), "output_mask": (None, "any"),
        "mode_type": (None, "any"), "output_shape_type": (None, "any"),
        "output_mask_type": (None, "any"), "arguments": (None, "arguments"),
        "node_indices": (None, "any"), "tensor_indices": (None, "any"),
        "layers": (None, "any")}, legacy_when=("mode", ("dot", "cos"), None), backend=True,
        why="a function mode (and output_shape/output_mask) from custom_objects, keyed by "
            "the layer name ('<name>_output_mask' for its mask function; Keras 1 saved "
            "marshalled bytecode, never run)",
        native="mode 'cos', 'dot' where no Keras 3 Dot computes Keras 1's batch_dot, and a "
               "function mode with an output_mask (Keras 3's Lambda calls it with the inputs)"),
]
LAYERS = {layer.name: layer for layer in _RECORDS}
# Keras 1 alias -> the class it names (Conv2D -> Convolution2D).
ALIASES = {alias: layer.name for layer in _RECORDS for alias in layer.aliases}


# -- queries ------------------------------------------------------------------------------------
def canonical(name):
    """The Keras 1 class a layer name means (aliases resolved)."""
    return ALIASES.get(name, name)


def ours(*families):
    """The Keras 1 classes this package has a layer of (of these families, if given)."""
    return tuple(n for n, layer in LAYERS.items()
                 if layer.ours and (not families or layer.ours in families))


def converted(*ways):
    """The Keras 1 classes converted in one of these ways ('ours', 'builtin', 'graph')."""
    return tuple(n for n, layer in LAYERS.items() if layer.converts in ways)


def ordered():
    """The classes that have a `dim_ordering`."""
    return tuple(n for n, layer in LAYERS.items() if layer.ordered)


def signature(name):
    """Keras 1.2.2's parameters of a class (or `merge`): ((name, default or REQUIRED), ...)."""
    return _k1.LAYERS[canonical(name)][0]


def defaults(name):
    """{parameter: Keras 1.2.2 default} of a class, its base class's keywords included."""
    layer = LAYERS.get(canonical(name))
    base = layer.base if layer is not None else None
    params = (signature(base) if base else ()) + signature(name)
    return {p: default for p, default in params if default != REQUIRED}
