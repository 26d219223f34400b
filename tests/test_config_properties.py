"""Property tests (hypothesis) of the Keras 1 model-config converter.

1. Random VALID Keras 1 configs — Sequential chains, small functional graphs (merges, shared
   layers, nested Sequential models) and Sequential models that start with a `Merge` of
   Sequential branches — drawn from the argument ranges Keras 1.2.2 accepted and written
   the way its `model.to_json()` wrote them (each layer starts from a config the real Keras 1
   wrote, in `fixtures/keras1_configs/`). Each must convert and build for every Keras 1
   backend that could build it, with the output shape Keras 1's shape arithmetic gives. A
   recorded sample of them went through the real Keras 1 on both backends
   (`fixtures/keras1_configs/generated.json`), which checks this file's arithmetic and
   backend rules as well as the converter.
2. Random CORRUPTIONS of the real configs: each either converts and builds, or raises
   `ConversionError`, from `convert_config` and from `model_from_json`; nothing else escapes.
"""

import collections
import copy
import functools
import json
import math

import keras
import numpy as np
import pytest
from hypothesis import HealthCheck
from hypothesis import assume
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

import legacy_conv
from _fixtures import BACKENDS, CONFIGS, read_json
from legacy_conv.errors import ConversionError

SETTINGS = dict(deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _manifest(backend):
    """{name: what Keras 1 on `backend` computed for the config NAME}."""
    return read_json(CONFIGS / f"manifest_{backend}.json")["models"]


def _real_configs():
    """[(id, JSON text, manifest entry)] of the real Keras 1 configs, one per distinct text."""
    seen, out = set(), []
    for backend in BACKENDS:
        manifest = _manifest(backend)
        for path in sorted((CONFIGS / backend).glob("*.json")):
            text = path.read_text()
            if text not in seen:
                seen.add(text)
                out.append((f"{backend}/{path.stem}", text, manifest[path.stem]))
    return out


REAL = _real_configs()


def _walk(item):
    """Every {'class_name', 'config'} layer item in a Keras 1 config, nested ones included."""
    if isinstance(item, dict):
        if isinstance(item.get("class_name"), str) and "config" in item:
            yield item
        for value in item.values():
            yield from _walk(value)
    elif isinstance(item, list):
        for value in item:
            yield from _walk(value)


def _templates():
    """{class_name: the first layer config the real Keras 1 wrote for that class}."""
    out = {}
    for _, text, _ in REAL:
        for item in _walk(json.loads(text)):
            if isinstance(item["config"], dict):
                out.setdefault(item["class_name"], item["config"])
    return out


TEMPLATES = _templates()




def _shapes(model):
    out = model.output_shape if isinstance(model.output_shape, list) else [model.output_shape]
    return [list(s) for s in out]


# == 0. The real configs ==========================================================================
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("case", [r[0] for r in REAL])
def test_real_configs_build_with_the_shapes_keras1_computed(case, backend):
    name = case.split("/")[1]
    recorded = _manifest(backend)[name]
    text = dict((r[0], r[1]) for r in REAL)[case]
    if "error" in recorded:
        pytest.skip(f"Keras 1 on {backend} could not build it: {recorded['error']}")
    model = legacy_conv.model_from_json(text, keras1_backend=backend,
                                        image_dim_ordering=recorded["image_dim_ordering"])
    batch = [s[0] for s in recorded["output_shapes"]]
    assert _shapes(model) == [[b] + c for b, c in zip(batch, recorded["computed_shapes"])]


# == 1. Random valid Keras 1 configs ==============================================================
# Values Keras 1.2.2 accepted (keras/activations.py, initializations.py, regularizers.py,
# constraints.py); the softmax activation only on 2-D and 3-D tensors (batch included).
ACTIVATIONS = ("linear", "relu", "tanh", "sigmoid", "hard_sigmoid", "softplus", "softsign",
               "elu", "softmax")
INITS = ("glorot_normal", "glorot_uniform", "he_normal", "he_uniform", "lecun_uniform",
         "normal", "orthogonal", "uniform", "zero", "one")  # `identity`: square kernels only
MAX_SIZE = 14  # spatial sizes stay small (every layer is built, some are computed)
# Layers whose Keras 1 versions pass a mask on (`supports_masking = True`); the others raise
# when they receive one, so nothing else may follow Masking or Embedding(mask_zero=True).
MASKING = ("Masking", "Dropout", "SpatialDropout1D", "Activation", "BatchNormalization",
           "TimeDistributed", "GaussianNoise", "GaussianDropout", "LeakyReLU", "PReLU", "ELU",
           "ThresholdedReLU", "SimpleRNN", "GRU", "LSTM", "Bidirectional")


def f32(low, high):
    """Floats Keras 1 kept as float32 (regularizer factors)."""
    return st.floats(low, high, width=32).map(float)


def conv_length(length, size, mode, stride, dilation=1):
    """Keras 1's `conv_output_length` (keras/utils/np_utils.py)."""
    size = size + (size - 1) * (dilation - 1)
    out = {"valid": length - size + 1, "same": length, "full": length + size - 1}[mode]
    return (out + stride - 1) // stride


class Drawer:
    """One Keras 1 model being drawn: the draw function, the ordering, names, the backends
    that can build it (a Keras 1 backend that raises for a combination drops out)."""

    def __init__(self, draw, ordering, batch=None):
        self.draw = draw
        self.ordering = ordering
        self.batch = batch
        self.backends = set(BACKENDS)
        self.unpredicted = set()  # backends whose shapes a Keras 1 quirk changes
        self.counts = collections.Counter()
        self.first = False  # drawing a layer applied to a model input
        self.time_unknown_on_tf = False  # see AFTER_K_RNN
        # Keras 1 saves an `input_shape` given to a later layer of a Sequential (and
        # ignores it); set by sequential_configs.
        self.stray_shapes = False
        # Keras 1 gives a Dense or recurrent layer rebuilt from a config (input_dim known)
        # an input shape, so a model loaded and saved again records it on those layers.
        self.resaved = draw(st.booleans())

    def name(self, class_name):
        self.counts[class_name] += 1
        return f"{class_name.lower()}_{self.counts[class_name]}"

    def layer(self, class_name, args):
        """A layer item the way Keras 1 wrote it: the real template, the drawn arguments."""
        config = {k: v for k, v in TEMPLATES[class_name].items()
                  if k not in ("batch_input_shape", "input_dtype")}
        for key in ("input_dim", "input_length"):
            if key in config and class_name != "Embedding":
                config[key] = None
        config.update(args)
        config = {k: v for k, v in config.items() if v != "<drop>"}
        if class_name == "Dense" and self.resaved:
            config.update(batch_input_shape=[None, args["input_dim"]], input_dtype="float32")
        config["name"] = self.name(class_name)
        config["trainable"] = self.draw(st.sampled_from((True, True, True, False)))
        return {"class_name": class_name, "config": config}

    def ints(self, low, high):
        return self.draw(st.integers(low, max(low, high)))

    def pick(self, *choices):
        return self.draw(st.sampled_from(choices))

    # -- argument values ----------------------------------------------------------------------
    def activation(self, out_rank):
        names = ACTIVATIONS if out_rank <= 2 else ACTIVATIONS[:-1]
        return self.pick(*names)

    def init(self, square=False):
        return self.pick(*INITS, *(("identity",) if square else ()))

    def regularizer(self):
        return self.draw(st.one_of(st.none(), st.fixed_dictionaries(
            {"name": st.just("L1L2Regularizer"), "l1": f32(0, 0.125), "l2": f32(0, 0.125)})))

    def constraint(self):
        return self.draw(st.one_of(
            st.none(), st.just({"name": "NonNeg"}),
            st.fixed_dictionaries({"name": st.just("MaxNorm"), "m": st.integers(1, 4),
                                   "axis": st.just(0)}),
            st.fixed_dictionaries({"name": st.just("UnitNorm"), "axis": st.just(0)}),
            st.fixed_dictionaries({"name": st.just("MinMaxNorm"), "low": st.just(0.0),
                                   "high": st.just(1.0), "rate": st.just(1.0),
                                   "axis": st.just(0)})))

    def weighted(self, out_rank, square=False, prefix="W"):
        """The arguments Keras 1 gave every layer with a kernel and a bias."""
        return {"init": self.init(square), "activation": self.activation(out_rank),
                f"{prefix}_regularizer": self.regularizer(), "b_regularizer": self.regularizer(),
                "activity_regularizer": self.regularizer(),
                f"{prefix}_constraint": self.constraint(), "b_constraint": self.constraint(),
                "bias": self.pick(True, False)}

    # -- image axes ---------------------------------------------------------------------------
    def split(self, shape):
        """(channels, spatial sizes) of an image or volume in this model's ordering."""
        if self.ordering == "th":
            return shape[0], list(shape[1:])
        return shape[-1], list(shape[:-1])

    def join(self, channels, dims):
        return (channels, *dims) if self.ordering == "th" else (*dims, channels)

    def window(self, length, mode, dilation=1, stride=(1, 3), largest=4):
        """(size, stride, output length) of one axis of a window that fits `length`."""
        fits = length if mode == "valid" else MAX_SIZE
        size = self.ints(1, min(largest, (fits - 1) // dilation + 1))
        step = self.ints(*stride)
        return size, step, conv_length(length, size, mode, step, dilation)


# -- the layer classes: {class_name: (input ranks, draw)}; draw(m, shape) -> (args, shape) ------
SPECS = {}


def spec(*class_names, ranks):
    def register(fn):
        for class_name in class_names:
            SPECS[class_name] = (ranks, functools.partial(fn, class_name=class_name))
        return fn
    return register


ANY_RANK = (1, 2, 3, 4)


@spec("Dense", ranks=ANY_RANK)
def _dense(m, shape, class_name):
    units = m.ints(1, 6)
    return ({"output_dim": units, "input_dim": shape[-1],
             **m.weighted(len(shape), square=units == shape[-1] and len(shape) == 1)},
            (*shape[:-1], units))


# Keras 1 returns its input tensor itself from Activation('linear') and from Dropout with
# p = 0: applied to a model input, that breaks Keras 1's own Model (AssertionError), so
# no Keras 1 file has one there.
@spec("Activation", ranks=ANY_RANK)
def _activation(m, shape, class_name):
    activation = m.activation(len(shape))
    return {"activation": "tanh" if m.first and activation == "linear" else activation}, shape


@spec("Dropout", "GaussianDropout", ranks=ANY_RANK)
def _dropout(m, shape, class_name):
    return {"p": m.draw(st.floats(0.01, 0.9))}, shape


# Keras 1 took any sigma and any LeakyReLU alpha; outside what Keras 3's built-ins take
# (sigma in [0, 1], alpha >= 0) the converter uses our layers.
@spec("GaussianNoise", ranks=ANY_RANK)
def _noise(m, shape, class_name):
    return {"sigma": m.draw(st.one_of(st.floats(0, 1), st.floats(-3, 3)))}, shape


@spec("LeakyReLU", "ELU", ranks=ANY_RANK)
def _alpha(m, shape, class_name):
    # ELU keeps alpha as a float32 (K.cast_to_floatx), LeakyReLU as given
    return {"alpha": m.draw(f32(0, 2) if class_name == "ELU" else st.floats(-2, 2))}, shape


@spec("ThresholdedReLU", ranks=ANY_RANK)
def _theta(m, shape, class_name):
    return {"theta": m.draw(f32(-1, 2))}, shape


@spec("PReLU", ranks=ANY_RANK)
def _prelu(m, shape, class_name):
    init = m.init()
    if init == "orthogonal" and len(shape) == 1:
        init = "normal"  # Keras 1's orthogonal raises on 1-D weights (TypeError)
    return {"init": init}, shape


@spec("BatchNormalization", ranks=ANY_RANK)
def _batch_norm(m, shape, class_name):
    mode = m.pick(0, 1, 2)
    rank = len(shape)
    axes = (-1, rank) if mode == 1 else (*range(-rank, 0), *range(1, rank + 1))
    # (the oracle's Theano 1.0 refuses an epsilon below 1e-5, and 1e-5 itself once it is a
    # float32: drawn above, so that the recorded sample runs there)
    return {"mode": mode, "axis": m.pick(*axes), "epsilon": m.draw(st.floats(2e-5, 1e-2)),
            "momentum": m.draw(st.floats(0.5, 0.999)), "gamma_regularizer": m.regularizer(),
            "beta_regularizer": m.regularizer()}, shape


@spec("Reshape", ranks=ANY_RANK)
def _reshape(m, shape, class_name):
    remaining, target = math.prod(shape), []
    for _ in range(m.ints(0, 3)):
        divisors = [d for d in range(1, min(remaining, MAX_SIZE) + 1) if remaining % d == 0]
        target.append(m.pick(*divisors))
        remaining //= target[-1]
    target.append(remaining)
    out = tuple(target)
    if m.pick(False, True):
        target[m.ints(0, len(target) - 1)] = -1
    return {"target_shape": target}, out


@spec("Permute", ranks=(2, 3, 4))
def _permute(m, shape, class_name):
    dims = m.draw(st.permutations(range(1, len(shape) + 1)))
    return {"dims": list(dims)}, tuple(shape[d - 1] for d in dims)


@spec("Flatten", ranks=(2, 3, 4))
def _flatten(m, shape, class_name):
    return {}, (math.prod(shape),)


@spec("RepeatVector", ranks=(1,))
def _repeat(m, shape, class_name):
    m.time_unknown_on_tf = True  # K.repeat tiles by a dynamic pattern: no static shape
    n = m.ints(1, 4)
    return {"n": n}, (n, shape[0])


@spec("Masking", ranks=(2,))
def _masking(m, shape, class_name):
    return {"mask_value": m.pick(0.0, 1.0, -1.5)}, shape


@spec("TimeDistributed", ranks=(2, 3))
def _time_distributed(m, shape, class_name):
    m.time_unknown_on_tf |= m.batch is not None
    inner, inner_shape = _dense(m, shape[1:], "Dense")
    return {"layer": m.layer("Dense", inner)}, (shape[0], *inner_shape)


@spec("SimpleRNN", "GRU", "LSTM", ranks=(2,))
def _recurrent(m, shape, class_name, stateful=None, wrapped=False):
    units = m.ints(1, 4)
    if units == 1 or shape[0] == 1:
        # Keras 1 on Theano trips over length-1 (broadcastable) axes in its recurrent
        # layers: the scan fails to compile, or the output loses an axis or its values.
        m.unpredicted.add("theano")
    sequences = m.pick(False, True)
    stateful = m.batch is not None and m.pick(False, True) if stateful is None else stateful
    args = {"output_dim": units, "init": m.init(), "inner_init": m.init(),
            "activation": m.pick(*ACTIVATIONS), "W_regularizer": m.regularizer(),
            "U_regularizer": m.regularizer(), "b_regularizer": m.regularizer(),
            "dropout_W": m.pick(0.0, 0.0, 0.25), "dropout_U": m.pick(0.0, 0.0, 0.5),
            "return_sequences": sequences, "go_backwards": m.pick(False, True),
            "stateful": stateful, "unroll": m.pick(False, True),
            "consume_less": m.pick("cpu", "mem", "gpu")}
    if class_name != "SimpleRNN":
        args["inner_activation"] = m.pick(*ACTIVATIONS)
    if class_name == "LSTM":
        args["forget_bias_init"] = m.init()
    # Keras 1's build() sets input_dim (saved, except for the layer a Bidirectional
    # wraps); stateful layers save their full input shape instead; a model loaded and
    # saved again gives the layer the input shape it was rebuilt with.
    if stateful:
        args.update(batch_input_shape=[m.batch, *shape], input_dim="<drop>",
                    input_length="<drop>")
        if m.resaved:
            args["input_dtype"] = "float32"
    elif not wrapped:
        args["input_dim"] = shape[-1]
        if m.resaved:
            args.update(batch_input_shape=[None, None, shape[-1]], input_dtype="float32")
    m.time_unknown_on_tf |= sequences and not args["unroll"]
    return args, (shape[0], units) if sequences else (units,)


@spec("Bidirectional", ranks=(2,))
def _bidirectional(m, shape, class_name):
    inner_class = m.pick("SimpleRNN", "GRU", "LSTM")
    args, out = _recurrent(m, shape, inner_class, stateful=False, wrapped=True)
    mode = m.pick("sum", "mul", "ave", "concat")
    if mode == "concat":
        out = (*out[:-1], 2 * out[-1])
    return {"layer": m.layer(inner_class, args), "merge_mode": mode}, out


# -- 1D: (steps, features) --------------------------------------------------------------------
@spec("Convolution1D", "AtrousConvolution1D", ranks=(2,))
def _conv1d(m, shape, class_name):
    steps, _ = shape
    mode = m.pick("valid", "same", "full")
    rate = m.ints(1, 3) if class_name == "AtrousConvolution1D" else 1
    if rate > (steps - 1) and mode == "valid":
        rate = 1
    size, stride, out = m.window(steps, mode, rate)
    filters = m.ints(1, 4)
    if mode == "full":
        m.backends.discard("tensorflow")  # the TensorFlow backend has no 'full'
    if rate > 1 and stride > 1:
        m.backends.discard("tensorflow")  # AssertionError in K.conv2d
    args = {"nb_filter": filters, "filter_length": size, "border_mode": mode,
            "subsample_length": stride, **m.weighted(2)}
    if class_name == "AtrousConvolution1D":
        args["atrous_rate"] = rate
    return args, (out, filters)


@spec("MaxPooling1D", "AveragePooling1D", ranks=(2,))
def _pool1d(m, shape, class_name):
    mode = m.pick("valid", "same")
    size, stride, out = m.window(shape[0], mode, largest=3)
    return {"pool_length": size, "stride": stride, "border_mode": mode}, (out, shape[1])


@spec("GlobalMaxPooling1D", "GlobalAveragePooling1D", ranks=(2,))
def _global1d(m, shape, class_name):
    return {}, (shape[1],)


@spec("UpSampling1D", ranks=(2,))
def _upsampling1d(m, shape, class_name):
    length = m.ints(1, 3)
    return {"length": length}, (shape[0] * length, shape[1])


@spec("ZeroPadding1D", ranks=(2,))
def _zero_padding1d(m, shape, class_name):
    left, right = m.ints(0, 2), m.ints(0, 2)
    padding = m.pick(left, [left, right], {"left_pad": left, "right_pad": right},
                     {"left_pad": left}, {})
    if isinstance(padding, int):
        right = left
    elif isinstance(padding, dict):
        left, right = padding.get("left_pad", 0), padding.get("right_pad", 0)
    return {"padding": padding}, (shape[0] + left + right, shape[1])


@spec("Cropping1D", ranks=(2,))
def _cropping1d(m, shape, class_name):
    left = m.ints(0, shape[0] - 1)
    right = m.ints(0, shape[0] - 1 - left)
    return {"cropping": [left, right]}, (shape[0] - left - right, shape[1])


def _spatial_dropout_quirk(m, shape):
    """Keras 1 on Theano fails to build a SpatialDropout whose input has a length-1 axis that
    Theano knows to be broadcastable (it depends on the op that made it)."""
    if 1 in shape:
        m.unpredicted.add("theano")


@spec("SpatialDropout1D", ranks=(2,))
def _spatial_dropout1d(m, shape, class_name):
    _spatial_dropout_quirk(m, shape)
    return {"p": m.draw(st.floats(0.01, 0.9))}, shape


# -- 2D and 3D: images and volumes in the model's ordering ------------------------------------
@spec("Convolution2D", "AtrousConvolution2D", "SeparableConvolution2D", "Convolution3D",
      ranks=(3, 4))
def _conv_nd(m, shape, class_name):
    _, dims = m.split(shape)
    rank = len(dims)
    if (rank == 3) != (class_name == "Convolution3D"):
        return None
    atrous = class_name == "AtrousConvolution2D"
    modes = ("valid", "same") if class_name == "SeparableConvolution2D" else (
        "valid", "same", "full")
    mode = m.pick(*modes)
    rates = [m.ints(1, 3) if atrous else 1 for _ in dims]
    rates = [r if mode != "valid" or r <= d - 1 else 1 for r, d in zip(rates, dims)]
    windows = [m.window(d, mode, r) for d, r in zip(dims, rates)]
    if class_name == "SeparableConvolution2D" and windows[0][1] != windows[1][1]:
        # TensorFlow's depthwise convolution takes equal row and column strides only
        step = windows[0][1]
        windows = [(k, step, conv_length(d, k, mode, step)) for (k, _, _), d in
                   zip(windows, dims)]
    filters = m.ints(1, 4)
    if mode == "full":
        m.backends.discard("tensorflow")
    if any(r > 1 for r in rates) and (len(set(rates)) > 1 or any(w[1] > 1 for w in windows)):
        m.backends.discard("tensorflow")  # AssertionError in K.conv2d
    if class_name == "SeparableConvolution2D":
        m.backends.discard("theano")  # Keras 1 had it on TensorFlow only
    kernel = [w[0] for w in windows]
    args = {"nb_filter": filters, "border_mode": mode, "subsample": [w[1] for w in windows],
            "dim_ordering": m.ordering}
    if class_name == "Convolution3D":
        args.update(zip(("kernel_dim1", "kernel_dim2", "kernel_dim3"), kernel))
    else:
        args.update(nb_row=kernel[0], nb_col=kernel[1])
    if class_name == "SeparableConvolution2D":
        args["depth_multiplier"] = m.ints(1, 2)
        args.update(m.weighted(3, prefix="depthwise"))
        # Keras 1's get_config() writes the depthwise regularizer under this key too
        args["pointwise_regularizer"] = args["depthwise_regularizer"]
        args["pointwise_constraint"] = m.constraint()
    else:
        args.update(m.weighted(len(shape)))
    if atrous:
        args["atrous_rate"] = rates
    return args, m.join(filters, [w[2] for w in windows])


@spec("Deconvolution2D", ranks=(3,))
def _deconv2d(m, shape, class_name):
    _, dims = m.split(shape)
    mode = m.pick("valid", "same")
    kernel = [m.ints(1, 4) for _ in dims]
    strides = [m.ints(1, 3) for _ in dims]
    # The output sizes whose convolution gives back the input size (conv_output_length).
    sizes = []
    for d, k, s in zip(dims, kernel, strides):
        low = (d - 1) * s + (k if mode == "valid" else 1)
        sizes.append(m.ints(low, low + s - 1))
    if max(sizes) > 2 * MAX_SIZE:
        return None
    filters = m.ints(1, 4)
    if mode == "same" and any(k % 2 == 0 for k in kernel):
        # Keras 1's Theano deconv2d pads an even kernel by k//2 and crops: the output is
        # smaller than `output_shape` says, or the run fails (CorrMM shape inconsistency).
        m.unpredicted.add("theano")
    out = m.join(filters, sizes)
    return {"nb_filter": filters, "nb_row": kernel[0], "nb_col": kernel[1],
            "output_shape": [m.batch, *out], "border_mode": mode, "subsample": strides,
            "dim_ordering": m.ordering, **m.weighted(3)}, out


@spec("MaxPooling2D", "AveragePooling2D", "MaxPooling3D", "AveragePooling3D", ranks=(3, 4))
def _pool_nd(m, shape, class_name):
    channels, dims = m.split(shape)
    if len(dims) != int(class_name[-2]):
        return None
    mode = m.pick("valid", "same")
    windows = [m.window(d, mode, largest=3) for d in dims]
    if len(dims) == 3 and mode == "same" and any(w[0] == 1 for w in windows):
        # Keras 1's Theano pool3d pads a size-1 window by -1 on each side: the axis loses
        # two positions (keras/backend/theano_backend.py); see the recorded sample.
        m.unpredicted.add("theano")
    return ({"pool_size": [w[0] for w in windows], "strides": [w[1] for w in windows],
             "border_mode": mode, "dim_ordering": m.ordering},
            m.join(channels, [w[2] for w in windows]))


@spec("GlobalMaxPooling2D", "GlobalAveragePooling2D", "GlobalMaxPooling3D",
      "GlobalAveragePooling3D", ranks=(3, 4))
def _global_nd(m, shape, class_name):
    channels, dims = m.split(shape)
    if len(dims) != int(class_name[-2]):
        return None
    return {"dim_ordering": m.ordering}, (channels,)


@spec("UpSampling2D", "UpSampling3D", ranks=(3, 4))
def _upsampling_nd(m, shape, class_name):
    channels, dims = m.split(shape)
    if len(dims) != int(class_name[-2]):
        return None
    size = [m.ints(1, 2) for _ in dims]
    return {"size": size}, m.join(channels, [d * s for d, s in zip(dims, size)])


@spec("ZeroPadding2D", "ZeroPadding3D", ranks=(3, 4))
def _zero_padding_nd(m, shape, class_name):
    channels, dims = m.split(shape)
    if len(dims) != int(class_name[-2]):
        return None
    pads = [m.ints(0, 2) for _ in range(2 * len(dims))]
    keys = ("top_pad", "bottom_pad", "left_pad", "right_pad")
    if len(dims) == 3:
        padding = pads[:3]
        pads = [p for p in padding for _ in (0, 1)]
    else:
        padding = m.pick(pads[::2], pads, dict(zip(keys, pads)),
                         dict(list(zip(keys, pads))[1:3]))
        if isinstance(padding, dict):
            pads = [padding.get(k, 0) for k in keys]
        elif len(padding) == 2:
            pads = [p for p in padding for _ in (0, 1)]
    return {"padding": padding}, m.join(
        channels, [d + pads[2 * i] + pads[2 * i + 1] for i, d in enumerate(dims)])


@spec("Cropping2D", "Cropping3D", ranks=(3, 4))
def _cropping_nd(m, shape, class_name):
    channels, dims = m.split(shape)
    if len(dims) != int(class_name[-2]):
        return None
    cropping = []
    for d in dims:
        first = m.ints(0, d - 1)
        cropping.append([first, m.ints(0, d - 1 - first)])
    return {"cropping": cropping}, m.join(channels, [d - a - b for d, (a, b) in
                                                     zip(dims, cropping)])


@spec("SpatialDropout2D", "SpatialDropout3D", ranks=(3, 4))
def _spatial_dropout_nd(m, shape, class_name):
    if len(shape) - 1 != int(class_name[-2]):
        return None
    _spatial_dropout_quirk(m, shape)
    # Keras 1 saves only `p` (Dropout.get_config): no dim_ordering, as for ZeroPadding2D
    return {"p": m.draw(st.floats(0.01, 0.9))}, shape


# Layers that leave the shape alone (for the branches of a merge), weightless ones first.
WEIGHTLESS = ("Activation", "Dropout", "GaussianNoise", "GaussianDropout", "LeakyReLU", "ELU",
              "ThresholdedReLU")
SHAPE_KEEPING = WEIGHTLESS + ("PReLU", "BatchNormalization")


# Keras 1's K.rnn (recurrent layers that return sequences; TimeDistributed with a fixed
# batch size) and K.repeat (RepeatVector) give on TensorFlow outputs without a static
# shape; these layers of Keras 1 need one there (TypeError, ValueError).
AFTER_K_RNN = ("BatchNormalization", "UpSampling1D", "UpSampling2D", "UpSampling3D",
               "TimeDistributed")


def _next_layer(m, shape, masked, only=None, force=None):
    """(layer item, output shape) of one layer drawn among those that accept `shape`
    (those made for this rank two times in three)."""
    names = [n for n, (ranks, _) in SPECS.items() if len(shape) in ranks
             and (not masked or n in MASKING) and (only is None or n in only)
             and not (max(shape) > MAX_SIZE and n.startswith(("UpSampling", "ZeroPadding",
                                                                "Deconvolution")))]
    if m.time_unknown_on_tf:
        names = [n for n in names if n not in AFTER_K_RNN]
    specific = [n for n in names if SPECS[n][0] != ANY_RANK]
    if force:
        names = [force]
    elif specific and m.pick(True, True, False):
        names = specific
    while names:
        class_name = m.draw(st.sampled_from(sorted(names)))
        drawn = SPECS[class_name][1](m, shape)
        if drawn is not None:
            args, out = drawn
            return m.layer(class_name, args), tuple(out)
        names.remove(class_name)
    assume(False)  # `force` does not fit this shape: draw another model


def _input_shape(m, kind):
    channels = m.ints(1, 3)
    if kind == "vector":
        return (m.ints(1, 8),)
    if kind == "sequence":
        return (m.ints(1, 12), m.ints(1, 4))
    return m.join(channels, [m.ints(1, 10) for _ in range(2 if kind == "image" else 3)])


def _chain(m, shape, count, masked=False, only=None, force=None, first=False):
    """(layer items, output shape, masked) of `count` layers drawn one after the other
    (the first of class `force` if given)."""
    items = []
    for i in range(count):
        m.first = first and i == 0
        if m.stray_shapes and not m.first:
            stray = {"batch_input_shape": [None, *shape], "input_dtype": "float32"}
        item, shape = _next_layer(m, shape, masked, only, force if i == 0 else None)
        config = item["config"]
        if m.stray_shapes and not m.first and "batch_input_shape" not in config:
            config.update(stray)
        masked = masked or item["class_name"] == "Masking"
        inner = config.get("layer", config)
        if "return_sequences" in inner and not inner["return_sequences"]:
            masked = False  # Keras 1's recurrent layers drop the mask with the time axis
        items.append(item)
    return items, shape, masked


def _first(items, shape, m, dtype="float32"):
    items[0]["config"]["batch_input_shape"] = [m.batch, *shape]
    items[0]["config"]["input_dtype"] = dtype
    return items


KINDS = {1: "vector", 2: "sequence", 3: "image", 4: "volume"}


def _kinds(class_name):
    """The inputs a model that starts with `class_name` may have."""
    if class_name == "Embedding":
        return ("embedding",)
    if class_name[-2:] in ("1D", "2D", "3D"):
        return ({"1D": "sequence", "2D": "image", "3D": "volume"}[class_name[-2:]],)
    return tuple(KINDS[r] for r in SPECS[class_name][0])


@st.composite
def sequential_configs(draw, force=None):
    """(Keras 1 Sequential config, Drawer, [expected output shape]) of a buildable model
    (whose first layer is of class `force` if given)."""
    m = Drawer(draw, draw(st.sampled_from(("th", "tf"))), draw(st.sampled_from((None, 2))))
    m.stray_shapes = draw(st.sampled_from((False, False, True)))
    kinds = _kinds(force) if force else ("image", "sequence", "volume", "vector",
                                         "embedding")
    kind = draw(st.sampled_from(kinds))
    count = draw(st.integers(1, 5))
    if kind == "embedding":
        length = m.ints(1, 10)
        mask_zero = m.pick(False, True)
        embedding = m.layer("Embedding", {
            "input_dim": m.ints(2, 20), "output_dim": m.ints(1, 6), "input_length": length,
            "init": m.init(), "mask_zero": mask_zero, "dropout": m.pick(0.0, 0.25),
            "W_regularizer": m.regularizer(), "activity_regularizer": m.regularizer(),
            "W_constraint": m.constraint()})
        shape = (length, embedding["config"]["output_dim"])
        items, shape, _ = _chain(m, shape, count - 1, masked=mask_zero)
        items = _first([embedding] + items, (length,), m, "int32")
    else:
        first = _input_shape(m, kind)
        items, shape, _ = _chain(m, first, count, force=force, first=True)
        items = _first(items, first, m)
    config = {"class_name": "Sequential", "config": items, "keras_version": "1.2.2"}
    return config, m, [[m.batch, *shape]]


def _node(layer):
    return [[layer, 0, 0]]


@st.composite
def functional_configs(draw):
    """A Keras 1 functional Model: two inputs through branches (a shared layer included),
    one Merge, a tail, maybe a nested Sequential; two outputs."""
    m = Drawer(draw, draw(st.sampled_from(("th", "tf"))))
    mode = m.pick("sum", "mul", "ave", "max", "concat", "dot", "cos")
    kind = "vector" if mode in ("dot", "cos") else m.pick("vector", "sequence", "image")
    shape = _input_shape(m, kind)
    shapes = [shape, shape]
    concat_axis = -1
    if mode == "concat":
        concat_axis = m.pick(*range(-len(shape), 0), *range(1, len(shape) + 1))
        other = list(shape)
        other[concat_axis if concat_axis < 0 else concat_axis - 1] = m.ints(1, 4)
        shapes[1] = tuple(other)
    layers = []
    for name, s in zip(("input_a", "input_b"), shapes):
        layers.append({"name": name, "class_name": "InputLayer", "config": {
            "batch_input_shape": [None, *s], "input_dtype": "float32", "sparse": False,
            "name": name}, "inbound_nodes": []})
    # A layer applied to both inputs (weightless where the two shapes differ).
    m.first = True
    shared, _ = _next_layer(m, shape, False,
                            only=WEIGHTLESS if mode == "concat" else SHAPE_KEEPING)
    m.first = False
    layers.append({**shared, "name": shared["config"]["name"],
                   "inbound_nodes": [_node("input_a"), _node("input_b")]})
    refs = [[shared["config"]["name"], 0, 0], [shared["config"]["name"], 1, 0]]
    for i in range(2):
        branch, _, _ = _chain(m, shapes[i], m.ints(0, 2), only=SHAPE_KEEPING)
        for item in branch:
            layers.append({**item, "name": item["config"]["name"], "inbound_nodes": [[refs[i]]]})
            refs[i] = [item["config"]["name"], 0, 0]
    merge = {"name": m.name("Merge"), "mode": mode, "mode_type": "raw",
             "concat_axis": concat_axis, "dot_axes": -1, "output_shape": None,
             "output_shape_type": "raw", "output_mask": None, "output_mask_type": "raw",
             "arguments": {}}
    if mode in ("dot", "cos"):
        merge["dot_axes"] = [1, 1]  # Keras 1 saved the axes it validated
        # cos computes (batch, 1, 1), although Keras 1 declares (batch, 1)
        merged = (1,) if mode == "dot" else (1, 1)
    elif mode == "concat":
        merged = list(shape)
        axis = concat_axis if concat_axis < 0 else concat_axis - 1
        merged[axis] += shapes[1][axis]
        merged = tuple(merged)
    else:
        merged = shape
    layers.append({"name": merge["name"], "class_name": "Merge", "config": merge,
                   "inbound_nodes": [refs]})
    out = [merge["name"], 0, 0]
    # After 'cos' Keras 1's layers see the shape it declares, (batch, 1), but compute on the
    # (batch, 1, 1) tensor: a model goes on from there only by luck, so it ends there.
    tail, shape, masked = _chain(m, merged, 0 if mode == "cos" else m.ints(0, 2))
    for item in tail:
        layers.append({**item, "name": item["config"]["name"], "inbound_nodes": [[out]]})
        out = [item["config"]["name"], 0, 0]
    # (a masked tensor breaks a nested Sequential in Keras 1: its input layer takes no mask)
    if mode != "cos" and not masked and m.pick(False, True):
        inner, inner_shape, _ = _chain(m, shape, m.ints(1, 2), masked, first=True)
        name = m.name("Sequential")
        layers.append({"name": name, "class_name": "Sequential",
                       "config": _first(inner, shape, m), "inbound_nodes": [[out]]})
        out, shape = [name, 1, 0], inner_shape  # Keras 1: node 0 is the model's own
    outputs, expected = [out], [[None, *shape]]
    if out[0] != merge["name"]:
        outputs.append([merge["name"], 0, 0])
        expected.append([None, *merged])
    config = {"class_name": "Model", "config": {
        "name": "model_1", "layers": layers, "input_layers": [["input_a", 0, 0],
                                                               ["input_b", 0, 0]],
        "output_layers": outputs}, "keras_version": "1.2.2"}
    return config, m, expected


@st.composite
def merged_sequential_configs(draw):
    """A Keras 1 Sequential model that starts with `Merge([Sequential, Sequential])`."""
    m = Drawer(draw, draw(st.sampled_from(("th", "tf"))))
    mode = m.pick("sum", "mul", "ave", "max", "concat")
    branches, outs = [], []
    width = m.ints(1, 5)
    for _ in range(2):
        first = (m.ints(1, 6),)
        dense = m.layer("Dense", {"output_dim": width if mode != "concat" else m.ints(1, 5),
                                  "input_dim": first[0], **m.weighted(1)})
        rest, out, _ = _chain(m, (dense["config"]["output_dim"],), m.ints(0, 2),
                              only=SHAPE_KEEPING)  # after a Dense: not a model input
        branches.append({"class_name": "Sequential",
                         "config": _first([dense] + rest, first, m)})
        outs.append(out)
    merged = (outs[0][0] + outs[1][0],) if mode == "concat" else outs[0]
    merge = m.layer("Merge", {"mode": mode, "concat_axis": -1, "dot_axes": -1,
                              "layers": branches})
    del merge["config"]["trainable"]  # Merge.get_config() has no `trainable`
    tail, shape, _ = _chain(m, merged, m.ints(0, 2))
    config = {"class_name": "Sequential", "config": [merge] + tail, "keras_version": "1.2.2"}
    return config, m, [[None, *shape]]


VALID = st.one_of(sequential_configs(), sequential_configs(), functional_configs(),
                  merged_sequential_configs())


def _check_builds(config, m, expected):
    """Converts and builds for every backend Keras 1 allows, with Keras 1's shapes; the
    backends Keras 1 refused (border_mode 'full' and atrous strides on TensorFlow,
    SeparableConvolution2D on Theano) give a ConversionError."""
    for shape in expected:
        assert all(d is None or (isinstance(d, int) and d > 0) for d in shape), shape
        assert all(d is not None for d in shape[1:]), shape
    text = json.dumps(config)
    built = []
    for backend in sorted(m.backends - m.unpredicted):
        converted = legacy_conv.convert_config(copy.deepcopy(config), keras1_backend=backend,
                                               image_dim_ordering=m.ordering)
        assert converted["class_name"] in ("Sequential", "Functional")
        if converted in built:
            continue  # the same Keras 3 model: built once (keeps the test fast)
        built.append(converted)
        model = legacy_conv.model_from_json(text, keras1_backend=backend,
                                            image_dim_ordering=m.ordering)
        assert _shapes(model) == expected, (backend, text)
    for backend in sorted(set(BACKENDS) - m.backends - m.unpredicted):
        with pytest.raises(ConversionError):  # as Keras 1 on that backend refused it
            legacy_conv.model_from_json(text, keras1_backend=backend,
                                        image_dim_ordering=m.ordering)


@settings(max_examples=80, **SETTINGS)
@given(VALID)
def test_random_valid_configs_convert_and_build(drawn):
    _check_builds(*drawn)


@pytest.mark.slow(quick=5)
@pytest.mark.parametrize("class_name", sorted(SPECS) + ["Embedding"])
def test_every_layer_class_in_random_valid_configs(class_name):
    """Each class Keras 1 models may hold starts a few random models."""
    @settings(max_examples=4, **SETTINGS)
    @given(sequential_configs(force=class_name))
    def check(drawn):
        _check_builds(*drawn)
    check()


@pytest.mark.parametrize("class_name", ["Dropout", "SpatialDropout1D", "GaussianDropout"])
@pytest.mark.parametrize("p, rate", [(1.0, 0.0), (1.5, 0.0), (0.0, 0.0), (-0.5, 0.0), (0.25, 0.25)])
def test_dropout_rates_outside_0_1_drop_nothing_as_in_keras1(class_name, p, rate):
    """Keras 1.2.2 dropped only `if 0. < self.p < 1.` (core.py, noise.py); Keras 3's
    Dropout(1.0) would drop everything in training."""
    shape = [None, 3, 4] if class_name == "SpatialDropout1D" else [None, 4]
    layer = {"class_name": class_name, "config": {
        "name": "drop", "trainable": True, "batch_input_shape": shape, "p": p}}
    config = legacy_conv.convert_config(
        {"class_name": "Sequential", "config": [layer], "keras_version": "1.2.2"})
    layers = config["config"]["layers"]
    assert layers[-1]["config"]["rate"] == rate
    model = keras.models.model_from_json(json.dumps(config))
    x = np.ones([2] + shape[1:], "float32")
    if rate == 0.0:
        np.testing.assert_array_equal(model(x, training=True), x)


# Values the real Keras 1.2.2 built and ran (both backends, `model.predict`), which Keras 3's
# built-ins refuse (negative_slope < 0, stddev outside [0, 1]) or read otherwise (Keras 3
# keeps x > 0 for an infinite or NaN slope): our layers instead. The outputs are Keras 1's
# (also in fixtures/keras1/core_*, see test_core_layers_keras1.py).
X = [[-3.0, 0.0, 2.0, -1.0]]
KERAS3_REFUSES = [
    pytest.param("GaussianNoise", {"sigma": 2.0}, X, id="GaussianNoise-sigma-above-1"),
    pytest.param("GaussianNoise", {"sigma": -0.5}, X, id="GaussianNoise-negative-sigma"),
    pytest.param("GaussianNoise", {"sigma": math.nan}, X, id="GaussianNoise-nan-sigma"),
    pytest.param("LeakyReLU", {"alpha": -0.5}, [[1.5, 0.0, 2.0, 0.5]],
                 id="LeakyReLU-negative-alpha"),
    pytest.param("LeakyReLU", {"alpha": math.inf}, [[-math.inf, math.nan, math.nan, -math.inf]],
                 id="LeakyReLU-infinite-alpha"),
    pytest.param("LeakyReLU", {"alpha": math.nan}, [[math.nan] * 4], id="LeakyReLU-nan-alpha"),
]


@pytest.mark.parametrize("class_name, args, keras1", KERAS3_REFUSES)
def test_values_keras3_refuses_become_our_layers(class_name, args, keras1, tmp_path):
    """model_from_json builds our layer, which predicts what Keras 1 predicted and survives
    a .keras file."""
    layer = {"class_name": class_name, "config": {
        "name": "layer", "trainable": True, "batch_input_shape": [None, 4],
        "input_dtype": "float32", **args}}
    config = {"class_name": "Sequential", "config": [layer], "keras_version": "1.2.2"}
    converted = legacy_conv.convert_config(copy.deepcopy(config))["config"]["layers"][-1]
    assert converted["registered_name"] == f"legacy_conv>{class_name}"
    model = legacy_conv.model_from_json(json.dumps(config))
    assert type(model.layers[-1]) is getattr(legacy_conv, class_name)
    x = np.array(X, "float32")
    np.testing.assert_array_equal(model.predict(x, verbose=0), np.array(keras1, "float32"))
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded.layers[-1]) is type(model.layers[-1])
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), np.array(keras1, "float32"))


@pytest.mark.parametrize("class_name, key", [("LeakyReLU", "alpha"), ("GaussianNoise", "sigma")])
@pytest.mark.parametrize("value", [None, "0.5", [2.0], True, {"x": 1}])
def test_non_numbers_still_get_the_value_check(class_name, key, value):
    layer = {"class_name": class_name, "config": {"name": "layer", "trainable": True,
                                                  "batch_input_shape": [None, 4], key: value}}
    config = {"class_name": "Sequential", "config": [layer], "keras_version": "1.2.2"}
    with pytest.raises(ConversionError, match=f'layer "layer" \\({class_name}\\): `{key}` '
                                              "must be a number"):
        legacy_conv.convert_config(config)


def _generated():
    path = CONFIGS / "generated.json"
    return read_json(path)["cases"] if path.exists() else []


GENERATED = _generated()


def _harmless(difference, case):
    """A difference between a generated config and the one Keras 1 saved after loading it
    that is Keras 1's doing: a layer saved once gains the input shape it was rebuilt with
    (`resaved` configs have it already), and a nested Sequential a new name (Keras 1 does
    not save its name)."""
    path, ours, theirs = difference
    if ours == "<missing>" and path.endswith(("/batch_input_shape", "/input_dtype")):
        return not case["resaved"]
    return all(isinstance(v, str) and v.startswith("sequential_") for v in (ours, theirs))


@pytest.mark.parametrize("case", GENERATED, ids=[c["id"] for c in GENERATED])
def test_generated_sample_matches_keras1(case):
    """Configs drawn by the strategies above, run by the real Keras 1 on both backends
    (model_from_json, predict, to_json): the backends and shapes predicted here are
    Keras 1's, the configs are what Keras 1 writes, and the converter agrees."""
    expected, keras1 = case["expected"], case["keras1"]
    unpredicted = set(expected["unpredicted"])
    built = {b for b in BACKENDS if "error" not in keras1[b]}
    # Theano >= 0.9 (the oracle's) refuses BatchNormalization epsilon < 1e-5, which the
    # Theano of Keras 1's day ran; legacy_conv accepts it (see the core-layer fixtures).
    theano_version_only = {b for b in BACKENDS
                           if "epsilon must be at least 1e-5" in keras1[b].get("error", "")}
    predicted = set(expected["backends"]) - unpredicted - theano_version_only
    assert built - unpredicted == predicted, {b: keras1[b].get("error") for b in BACKENDS}
    text = json.dumps(case["config"])
    for backend in BACKENDS:
        load = functools.partial(legacy_conv.model_from_json, text, keras1_backend=backend,
                                 image_dim_ordering=case["image_dim_ordering"])
        if backend not in built:
            _no_escape(load, f"{case['id']} on {backend}")  # Keras 1 failed: ours may too
            continue
        found = keras1[backend].get("differences", [])
        assert all(_harmless(d, case) for d in found), found
        computed = [[declared[0]] + shape for declared, shape in zip(
            keras1[backend]["output_shapes"], keras1[backend]["computed_shapes"])]
        if backend not in unpredicted:
            assert computed == expected["output_shapes"]
        assert _shapes(load()) == computed


# == 2. Random corruptions of the real configs ====================================================
ODD_VALUES = (None, 0, -1, 1, 3, 2.5, float("nan"), True, "", "x", "th", "same", [], [1],
              [None, -1], ["a", 0, 0], {}, {"name": "L1L2Regularizer"},
              {"class_name": "Dense", "config": {}})
CLASS_NAMES = ("Dense", "Convolution2D", "Sequential", "Model", "InputLayer", "Merge",
               "Lambda", "LSTM", "NoSuchLayer", "", "TimeDistributed", "ZeroPadding2D")


def _paths(item, path=()):
    """Every path (tuple of keys and indices) into a JSON value."""
    yield path
    if isinstance(item, dict):
        for key, value in item.items():
            yield from _paths(value, (*path, key))
    elif isinstance(item, list):
        for index, value in enumerate(item):
            yield from _paths(value, (*path, index))


def _get(item, path):
    for step in path:
        item = item[step]
    return item


@st.composite
def corrupted(draw):
    """(description, corrupted config: a dict, a JSON text, bytes or anything else)."""
    index = draw(st.integers(0, len(REAL) - 1))
    name, text, manifest = REAL[index]
    config = json.loads(text)
    kind = draw(st.sampled_from(("delete", "retype", "retype", "unknown_key", "class_name",
                                 "reference", "text", "nesting", "several")))
    steps = draw(st.integers(2, 4)) if kind == "several" else 1
    described = []
    for _ in range(steps):
        op = draw(st.sampled_from(("delete", "retype", "unknown_key", "class_name",
                                   "reference"))) if kind == "several" else kind
        if op in ("text", "nesting"):
            break
        paths = list(_paths(config))
        if op == "class_name":
            paths = [p for p in paths if p and p[-1] == "class_name"]
        elif op == "reference":
            paths = [p for p in paths if len(p) > 1 and p[-2:-1] in (
                ("inbound_nodes",), ("input_layers",), ("output_layers",))
                or (len(p) > 2 and "inbound_nodes" in p)] or paths[1:]
        elif op == "unknown_key":
            paths = [p for p in paths if isinstance(_get(config, p), dict)]
        else:
            paths = paths[1:]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = _get(config, path[:-1]) if path else None
        if op == "delete":
            del parent[path[-1]]
        elif op == "unknown_key":
            _get(config, path)[draw(st.sampled_from(("colour", "name2", "layers", "config",
                                                     "dim_ordering", "")))] = \
                copy.deepcopy(draw(st.sampled_from(ODD_VALUES)))
        elif op == "class_name":
            parent[path[-1]] = draw(st.sampled_from(CLASS_NAMES))
        else:  # retype, reference
            parent[path[-1]] = copy.deepcopy(draw(st.sampled_from(ODD_VALUES)))
        described.append(f"{op} at {list(path)}")
    if kind == "text":
        out = json.dumps(config)
        how = draw(st.sampled_from(("truncate", "double", "bytes", "flip")))
        if how == "truncate":
            out = out[:draw(st.integers(0, len(out) - 1))]
        elif how == "double":
            out = json.dumps(out)
        elif how == "bytes":
            out = out.encode("utf-8")
        else:
            at = draw(st.integers(0, len(out) - 1))
            out = out[:at] + draw(st.sampled_from("{}[],:\"0x ")) + out[at + 1:]
        return f"{name}: text {how}", out, manifest
    if kind == "nesting":
        how = draw(st.sampled_from(("list", "config", "layer", "model_in_layer", "triple")))
        if how == "list":
            out = [config]
        elif how == "config":
            out = {"class_name": "Sequential", "config": config}
        elif how == "layer":
            out = {"class_name": "Sequential", "config": [config]}
        elif how == "model_in_layer":
            out = copy.deepcopy(config)
            target = next(_walk(out["config"]), None)
            if target is not None:
                target["config"] = copy.deepcopy(config)
        else:
            out = json.dumps(json.dumps(json.dumps(config)))
        return f"{name}: nesting {how}", out, manifest
    return f"{name}: {'; '.join(described)}", config, manifest


def _no_escape(call, described):
    try:
        call()
    except ConversionError as error:
        assert str(error).strip(), described
    except Exception as error:  # noqa: BLE001 — exactly what must not happen
        pytest.fail(f"{type(error).__name__} escaped ({described}): {error}")


@settings(max_examples=500, **SETTINGS)
@given(corrupted(), st.sampled_from(BACKENDS))
def test_corrupted_configs_raise_only_conversion_errors(drawn, backend):
    described, config, manifest = drawn
    ordering = manifest.get("image_dim_ordering")
    as_text = config if isinstance(config, (str, bytes)) else json.dumps(config)
    _no_escape(lambda: legacy_conv.convert_config(
        copy.deepcopy(config), keras1_backend=backend, image_dim_ordering=ordering), described)
    _no_escape(lambda: legacy_conv.model_from_json(
        as_text, keras1_backend=backend, image_dim_ordering=ordering), described)


@pytest.mark.parametrize("wrap", [
    pytest.param(lambda t: json.dumps(t), id="double-encoded"),
    pytest.param(lambda t: t.encode("utf-8"), id="bytes"),
    pytest.param(lambda t: json.loads(t), id="dict"),
])
@pytest.mark.parametrize("case", [r[0] for r in REAL if "tensorflow" not in r[0]])
def test_harmless_encodings_still_build(case, wrap):
    text = dict((r[0], r[1]) for r in REAL)[case]
    recorded = _manifest("theano")[case.split("/")[1]]
    ordering = recorded["image_dim_ordering"]
    config = legacy_conv.convert_config(wrap(text), image_dim_ordering=ordering)
    assert _seedless(config) == _seedless(legacy_conv.convert_config(
        text, image_dim_ordering=ordering))


def _seedless(item):
    """A converted config without its initializers' random seeds (new on every call)."""
    if isinstance(item, dict):
        return {k: _seedless(v) for k, v in item.items() if k != "seed"}
    if isinstance(item, list):
        return [_seedless(v) for v in item]
    return item
