"""The layers as Keras 3 citizens: registration, configs, .keras files, training, defaults."""

import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

import legacy_conv as lc
from legacy_conv import backend as k1_backend
from legacy_conv import constraints, regularizers

# One instance of each layer (and its input shape without batch), for generic checks.
INSTANCES = [
    (lambda: lc.Convolution1D(4, 3, border_mode="same"), (9, 3)),
    (lambda: lc.AtrousConvolution1D(4, 3, atrous_rate=2, keras1_backend="theano"), (9, 3)),
    (lambda: lc.Convolution2D(4, 3, 2, subsample=(2, 1), dim_ordering="th"), (3, 8, 7)),
    (lambda: lc.AtrousConvolution2D(4, 3, 3, atrous_rate=(2, 2), dim_ordering="tf"), (9, 8, 3)),
    (lambda: lc.SeparableConvolution2D(4, 3, 3, depth_multiplier=2, dim_ordering="th"), (3, 8, 7)),
    (lambda: lc.Deconvolution2D(4, 3, 3, (None, 4, 10, 9), dim_ordering="th"), (3, 8, 7)),
    (lambda: lc.Convolution3D(4, 2, 3, 3, border_mode="full", keras1_backend="theano",
                              dim_ordering="tf"), (5, 4, 4, 2)),
    (lambda: lc.Cropping1D((1, 2)), (9, 3)),
    (lambda: lc.Cropping2D(((1, 0), (2, 1)), dim_ordering="th"), (3, 8, 7)),
    (lambda: lc.Cropping3D(((1, 0), (0, 1), (1, 1)), dim_ordering="tf"), (5, 4, 4, 2)),
    (lambda: lc.UpSampling1D(3), (9, 3)),
    (lambda: lc.UpSampling2D((2, 3), dim_ordering="th"), (3, 8, 7)),
    (lambda: lc.UpSampling3D((1, 2, 1), dim_ordering="tf"), (5, 4, 4, 2)),
    (lambda: lc.ZeroPadding1D({"left_pad": 2}), (9, 3)),
    (lambda: lc.ZeroPadding2D((1, 2, 0, 3), dim_ordering="th"), (3, 8, 7)),
    (lambda: lc.ZeroPadding3D((1, 0, 2), dim_ordering="tf"), (5, 4, 4, 2)),
]
IDS = [make().__class__.__name__ for make, _ in INSTANCES]


def _x(shape, batch=2, seed=0):
    return np.random.RandomState(seed).uniform(-1, 1, (batch,) + shape).astype("float32")


def test_every_keras1_layer_and_alias_is_exported():
    assert len(lc.LAYERS) == 36  # 16 convolutional layers and 20 other Keras 1 layers
    aliases = {"Conv1D": "Convolution1D", "Conv2D": "Convolution2D", "Conv3D": "Convolution3D",
               "Deconv2D": "Deconvolution2D", "AtrousConv1D": "AtrousConvolution1D",
               "AtrousConv2D": "AtrousConvolution2D", "SeparableConv2D": "SeparableConvolution2D"}
    for alias, name in aliases.items():
        assert getattr(lc, alias) is getattr(lc, name)


@pytest.mark.parametrize("cls", lc.LAYERS, ids=lambda c: c.__name__)
def test_registered_under_the_package_name(cls):
    assert keras.saving.get_registered_name(cls) == f"legacy_conv>{cls.__name__}"
    assert keras.saving.get_registered_object(f"legacy_conv>{cls.__name__}") is cls


@pytest.mark.parametrize("make, shape", INSTANCES, ids=IDS)
def test_config_round_trip(make, shape):
    layer = make()
    x = _x(shape)
    y = layer(x)
    config = layer.get_config()
    json.dumps(config)  # Keras 1 vocabulary, JSON-serializable
    clone = type(layer).from_config(config)
    clone(x)
    clone.set_weights(layer.get_weights())
    assert clone.get_config() == config
    np.testing.assert_array_equal(np.asarray(clone(x)), np.asarray(y))


@pytest.mark.slow(quick=2)
@pytest.mark.parametrize("make, shape", INSTANCES, ids=IDS)
def test_dot_keras_file_round_trip(make, shape, tmp_path):
    inputs = keras.Input(shape)
    model = keras.Model(inputs, make()(inputs))
    x = _x(shape, batch=3)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert type(loaded.layers[-1]) is type(model.layers[-1])


def _trainable_model(backend):
    inputs = keras.Input((3, 8, 8))
    x = lc.Convolution2D(
        4, 3, 3, border_mode="same", dim_ordering="th", keras1_backend=backend,
        W_regularizer=regularizers.l2(0.01), b_regularizer=regularizers.l1(0.1),
        activity_regularizer=regularizers.activity_l1(0.001), W_constraint=constraints.maxnorm(0.2),
        b_constraint=constraints.nonneg())(inputs)
    x = lc.Deconvolution2D(2, 2, 2, (None, 2, 16, 16), subsample=(2, 2), dim_ordering="th",
                           keras1_backend=backend, W_constraint=constraints.unitnorm())(x)
    x = keras.layers.Flatten()(x)
    return keras.Model(inputs, keras.layers.Dense(1)(x))


@pytest.mark.parametrize("backend", ["tensorflow", "theano"])
def test_fit_trains_with_regularizers_and_constraints(backend):
    keras.utils.set_random_seed(0)
    model = _trainable_model(backend)
    x, y = _x((3, 8, 8), batch=8), np.ones((8, 1), "float32")
    model.compile(keras.optimizers.SGD(0.1), "mse")
    before = [w.copy() for w in model.get_weights()]
    model.fit(x, y, epochs=2, batch_size=4, verbose=0)
    kernels = [0, 2, 4]  # conv W, deconv W, dense W (a non-negative bias may stay at 0)
    after = model.get_weights()
    assert all(not np.array_equal(before[i], after[i]) for i in kernels)
    conv, deconv = model.layers[1], model.layers[2]
    W, b = conv.get_weights()
    assert np.sqrt((W ** 2).sum(axis=0)).max() <= 0.2 + 1e-6  # Keras 1 axis 0 of (out, in, r, c)
    assert b.min() >= 0
    np.testing.assert_allclose(np.sqrt((deconv.get_weights()[0] ** 2).sum(axis=0)), 1, rtol=1e-5)


def test_penalties_count_in_the_loss_with_keras1_values():
    """Weight penalties and Keras 1's batch-summed activity penalty enter the training loss."""
    inputs = keras.Input((5, 2))
    conv = lc.Convolution1D(3, 2, W_regularizer=regularizers.l1l2(0.01, 0.02),
                            activity_regularizer=regularizers.activity_l2(0.5))
    model = keras.Model(inputs, conv(inputs))
    model.compile("sgd", loss=lambda y_true, y_pred: keras.ops.zeros_like(y_pred[:, 0, 0]))
    x = _x((5, 2), batch=4)
    loss = model.evaluate(x, np.zeros((4, 4, 3), "float32"), batch_size=4, verbose=0)
    W = conv.get_weights()[0]
    y = model.predict(x, verbose=0)
    expected = 0.01 * np.abs(W).sum() + 0.02 * (W ** 2).sum() + 0.5 * (y ** 2).sum()
    np.testing.assert_allclose(loss, expected, rtol=1e-5)
    assert len(model.losses) >= 1


# Output shapes from the examples of Keras 1's documentation.
DOC_EXAMPLES = [
    ([lambda: lc.Convolution1D(64, 3, border_mode="same", input_shape=(10, 32)),
      lambda: lc.Convolution1D(32, 3, border_mode="same")], [(None, 10, 64), (None, 10, 32)]),
    ([lambda: lc.Convolution1D(64, 3, input_dim=32, input_length=10)], [(None, 8, 64)]),
    ([lambda: lc.Convolution1D(8, 3, input_dim=32)], [(None, None, 8)]),
    ([lambda: lc.AtrousConvolution1D(64, 3, atrous_rate=2, border_mode="same", input_shape=(10, 32)),
      lambda: lc.AtrousConvolution1D(32, 3, atrous_rate=2, border_mode="same")],
     [(None, 10, 64), (None, 10, 32)]),
    ([lambda: lc.Convolution2D(64, 3, 3, border_mode="same", input_shape=(3, 256, 256),
                               dim_ordering="th"),
      lambda: lc.Convolution2D(32, 3, 3, border_mode="same", dim_ordering="th")],
     [(None, 64, 256, 256), (None, 32, 256, 256)]),
    ([lambda: lc.AtrousConvolution2D(64, 3, 3, atrous_rate=(2, 2), border_mode="valid",
                                     input_shape=(3, 256, 256), dim_ordering="th")],
     [(None, 64, 252, 252)]),
    ([lambda: lc.Deconvolution2D(3, 3, 3, output_shape=(None, 3, 14, 14), border_mode="valid",
                                 input_shape=(3, 12, 12), dim_ordering="th")], [(None, 3, 14, 14)]),
    ([lambda: lc.Deconvolution2D(3, 3, 3, output_shape=(None, 3, 25, 25), subsample=(2, 2),
                                 border_mode="valid", input_shape=(3, 12, 12), dim_ordering="th")],
     [(None, 3, 25, 25)]),
    ([lambda: lc.Cropping2D(cropping=((2, 2), (4, 4)), input_shape=(3, 28, 28), dim_ordering="th"),
      lambda: lc.Convolution2D(64, 3, 3, border_mode="same", dim_ordering="th"),
      lambda: lc.Cropping2D(cropping=((2, 2), (2, 2)), dim_ordering="th")],
     [(None, 3, 24, 20), (None, 64, 24, 20), (None, 64, 20, 16)]),
    ([lambda: lc.Convolution2D(8, 3, 3, input_shape=(3, None, None), dim_ordering="th")],
     [(None, 8, None, None)]),
    ([lambda: lc.Convolution3D(8, 3, 3, 3, batch_input_shape=(4, 10, 16, 16, 3), dim_ordering="tf")],
     [(None, 8, 14, 14, 8)]),
]


@pytest.mark.parametrize("makers, shapes", DOC_EXAMPLES)
def test_sequential_output_shapes_as_documented_for_keras1(makers, shapes):
    model = keras.Sequential()
    for make, shape in zip(makers, shapes):
        model.add(make())
        assert model.output_shape == shape


def test_batch_input_shape_and_input_dtype_work_in_functional_models():
    layer = lc.Convolution2D(2, 3, 3, batch_input_shape=(4, 6, 6, 1), input_dtype="float32",
                             dim_ordering="tf", name="conv1", trainable=False)
    inputs = keras.Input(batch_shape=layer._batch_input_shape)
    model = keras.Model(inputs, layer(inputs))
    assert model.output_shape == (4, 4, 4, 2)
    assert layer.name == "conv1" and not layer.trainable_weights and len(layer.weights) == 2
    config = layer.get_config()
    assert config["batch_input_shape"] == (4, 6, 6, 1) and config["input_dtype"] == "float32"


def test_weights_argument_takes_the_keras1_layout():
    W = np.random.rand(5, 3, 2, 2).astype("float32")  # 'th': (nb_filter, stack, rows, cols)
    b = np.arange(5, dtype="float32")
    layer = lc.Convolution2D(5, 2, 2, weights=[W, b], dim_ordering="th")
    layer(np.zeros((1, 3, 4, 4), "float32"))
    np.testing.assert_array_equal(layer.get_weights()[0], W)
    np.testing.assert_array_equal(layer.get_weights()[1], b)
    conv1d = lc.Convolution1D(5, 3, weights=[np.zeros((3, 1, 2, 5)), b])
    conv1d(np.zeros((1, 6, 2), "float32"))
    assert conv1d.get_weights()[0].shape == (3, 1, 2, 5)


@pytest.fixture
def fresh_settings(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.delenv(k1_backend.ENV_VAR, raising=False)
    saved = dict(k1_backend._state)
    k1_backend._state.update(keras1_backend=None, image_dim_ordering=None)
    yield tmp_path
    k1_backend._state.update(saved)


def test_dim_ordering_default_reads_keras_json(fresh_settings):
    assert lc.Convolution2D(1, 1, 1).dim_ordering == "tf"  # no keras.json: 'tf'
    (fresh_settings / "keras.json").write_text(json.dumps({"image_dim_ordering": "th"}))
    assert lc.image_dim_ordering() == "th"
    assert lc.Convolution2D(1, 1, 1).dim_ordering == "th"
    assert lc.ZeroPadding2D().dim_ordering == "th"
    lc.set_image_dim_ordering("tf")
    assert lc.UpSampling3D().dim_ordering == "tf"
    with pytest.raises(ValueError, match="'th', 'tf'"):
        lc.set_image_dim_ordering("channels_last")


def test_keras1_backend_default(fresh_settings, monkeypatch):
    assert lc.Convolution2D(1, 1, 1).keras1_backend == "tensorflow"
    monkeypatch.setenv(k1_backend.ENV_VAR, "theano")
    assert lc.Convolution2D(1, 1, 1).keras1_backend == "theano"
    lc.set_keras1_backend("tensorflow")
    assert lc.Convolution1D(1, 1).keras1_backend == "tensorflow"
    assert lc.Convolution1D(1, 1, keras1_backend="theano").keras1_backend == "theano"
    with pytest.raises(ValueError, match="keras1_backend"):
        lc.Convolution2D(1, 1, 1, keras1_backend="cntk")
    lc.set_keras1_backend(None)
    monkeypatch.setenv(k1_backend.ENV_VAR, "mxnet")
    with pytest.raises(ValueError, match="LEGACY_CONV_KERAS1_BACKEND"):
        lc.Convolution2D(1, 1, 1)


@pytest.mark.subprocess
def test_import_under_another_keras_backend_says_how_to_fix():
    code = "import keras; keras.backend.backend = lambda: 'jax'; import legacy_conv"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode != 0
    assert "ImportError" in result.stderr and "KERAS_BACKEND=tensorflow" in result.stderr


BAD_ARGUMENTS = [
    (lambda: lc.Convolution2D(8, 3, 3, border_mode="causal"), "`border_mode` must be one of 'valid', 'same', 'full'. Received: border_mode='causal'"),
    (lambda: lc.Convolution2D(8, 3, 3, dim_ordering="channels_first"), "`dim_ordering` must be one of"),
    (lambda: lc.Convolution2D(8, 3, 3, subsample=(2,)), "`subsample` must be a tuple of 2 positive integers. Received: subsample=(2,)"),
    (lambda: lc.Convolution2D(0, 3, 3), "`nb_filter` must be a positive integer. Received: nb_filter=0"),
    (lambda: lc.Convolution2D(8, -1, 3), "`nb_row` must be a positive integer"),
    (lambda: lc.Convolution1D(8, 3, subsample_length=(2, 2)), "`subsample_length` must be a positive integer"),
    (lambda: lc.Convolution3D(8, 3, 3, 3, subsample=(1, 1)), "`subsample` must be a tuple of 3"),
    (lambda: lc.Convolution2D(8, 3, 3, border_mode="full"), "cannot be 'full' on Keras 1's TensorFlow backend"),
    (lambda: lc.AtrousConvolution2D(8, 3, 3, atrous_rate=(2, 2), subsample=(2, 2)), "must be 1 when atrous_rate > 1"),
    (lambda: lc.AtrousConvolution2D(8, 3, 3, atrous_rate=(1, 2)), "must have equal rates"),
    (lambda: lc.SeparableConvolution2D(8, 3, 3, keras1_backend="theano"), "TensorFlow backend only"),
    (lambda: lc.SeparableConvolution2D(8, 3, 3, border_mode="full", keras1_backend="theano"), "border_mode"),
    (lambda: lc.Convolution2D(8, 3, 3, init="he_truncated"), "`init` must be one of"),
    (lambda: lc.Convolution2D(8, 3, 3, init="identity"), "cannot be 'identity'"),
    (lambda: lc.Convolution2D(8, 3, 3, activation="softmax"), "cannot be applied to this layer's 4D output"),
    (lambda: lc.Convolution2D(8, 3, 3, activation="swish"), "Unknown Keras 1 activation 'swish'"),
    (lambda: lc.Convolution2D(8, 3, 3, W_regularizer="l3"), "Unknown Keras 1 regularizer 'l3'"),
    (lambda: lc.Convolution2D(8, 3, 3, W_constraint={"name": "MaxNorm", "q": 1}), "Invalid Keras 1 constraint config"),
    (lambda: lc.Convolution2D(8, 3, 3, weights=np.zeros(3)), "`weights` must be a list of arrays"),
    (lambda: lc.Deconvolution2D(8, 3, 3, (None, 8, 10)), "`output_shape` must be a tuple (batch, channels, rows, cols)"),
    (lambda: lc.Deconvolution2D(8, 3, 3, (None, 10, 10, 4), dim_ordering="tf"), "must have nb_filter=8 channels"),
    (lambda: lc.ZeroPadding2D((1, 2, 3)), "must be a tuple of 2 (rows, cols) or 4 (top, bottom, left, right)"),
    (lambda: lc.ZeroPadding2D({"top": 1}), "as a dict may only have the keys 'top_pad', 'bottom_pad', 'left_pad', 'right_pad'"),
    (lambda: lc.ZeroPadding1D(-1), "`padding` must be a tuple of 2 non-negative integers"),
    (lambda: lc.Cropping2D((1, 1)), "`cropping` must be a tuple of 2 (before, after) pairs"),
    (lambda: lc.Cropping1D((1, 1, 1)), "`cropping` must be a tuple of 2 non-negative integers"),
    (lambda: lc.UpSampling2D(2), "`size` must be a tuple of 2 positive integers. Received: size=2"),
    (lambda: lc.UpSampling1D(0), "`length` must be a positive integer"),
    (lambda: lc.Convolution2D(8, 3, 3, input_shape=(3, -4, 4)), "`input_shape` must be a tuple of positive integers or None"),
]


@pytest.mark.parametrize("make, message", BAD_ARGUMENTS, ids=[m for _, m in BAD_ARGUMENTS])
def test_bad_arguments_raise_clear_errors_at_construction(make, message):
    with pytest.raises(ValueError) as info:
        make()
    assert message in str(info.value)
    assert " layer " in str(info.value) or "Keras 1" in str(info.value)


BAD_INPUTS = [
    (lambda: lc.Convolution2D(8, 3, 3, dim_ordering="tf"), (2, 5, 5), "`input` must be a 4D tensor (samples, channels, 2 spatial axes) for 'th'"),
    (lambda: lc.Convolution2D(8, 5, 5, dim_ordering="tf"), (2, 4, 9, 3), "is too small for the kernel (nb_row=5"),
    (lambda: lc.Convolution2D(8, 3, 3, dim_ordering="th"), (2, None, 9, 9), "must have a known channel dimension"),
    (lambda: lc.Deconvolution2D(8, 3, 3, (None, 8, 12, 12), dim_ordering="th"), (2, 3, 9, 9), "is inconsistent with the input's 9 rows"),
    (lambda: lc.Deconvolution2D(8, 3, 3, (5, 8, 11, 11), dim_ordering="th"), (2, 3, 9, 9), "fixes the batch size to 5"),
    (lambda: lc.Cropping2D(((3, 3), (0, 0)), dim_ordering="tf"), (2, 5, 9, 3), "crops 6 steps from input axis 1, which has only 5"),
    (lambda: lc.Cropping1D((4, 4)), (2, 7, 3), "crops 8 steps"),
]


@pytest.mark.parametrize("make, shape, message", BAD_INPUTS, ids=[m for *_, m in BAD_INPUTS])
def test_bad_inputs_raise_clear_errors_at_build(make, shape, message):
    layer = make()
    with pytest.raises(ValueError) as info:
        layer(keras.Input(batch_shape=shape))
    assert message in str(info.value)
    assert type(layer).__name__ in str(info.value)


def test_bad_weights_raise_clear_errors():
    layer = lc.Convolution2D(5, 2, 2, weights=[np.zeros((5, 3, 2, 2))], dim_ordering="th")
    with pytest.raises(ValueError, match=r"must be a list of 2 arrays of shapes \[\(5, 3, 2, 2\), \(5,\)\]"):
        layer(np.zeros((1, 3, 4, 4), "float32"))
    layer = lc.Convolution2D(5, 2, 2, weights=[np.zeros((2, 2, 3, 5)), np.zeros(5)], dim_ordering="th")
    with pytest.raises(ValueError, match=r"weights\[0\].*must have the Keras 1 shape \(5, 3, 2, 2\)"):
        layer(np.zeros((1, 3, 4, 4), "float32"))


def test_deconvolution_output_shape_forms_keras1_accepted():
    d = lc.Deconvolution2D(2, 3, 3, (None, np.int64(7), 7, 2), dim_ordering="tf")
    assert d(np.ones((1, 5, 5, 1), "float32")).shape == (1, 7, 7, 2)
    for channels in (5, None):  # Theano ignored the channel entry
        d = lc.Deconvolution2D(2, 3, 3, (None, channels, 7, 7), dim_ordering="th",
                               keras1_backend="theano")
        assert d(np.ones((1, 1, 5, 5), "float32")).shape == (1, 2, 7, 7)


def test_deconvolution_fixed_batch_is_checked_on_every_call():
    d = lc.Deconvolution2D(1, 3, 3, output_shape=(1, 1, 5, 5), subsample=(2, 2), dim_ordering="th")
    d(np.ones((1, 1, 2, 2), "float32"))
    with pytest.raises(ValueError, match="fixes the batch size to 1 but the input batch is 3"):
        d(np.ones((3, 1, 2, 2), "float32"))


def test_unknown_keyword_is_refused():
    with pytest.raises(TypeError, match="unexpected keyword argument.*'padding'"):
        lc.Convolution2D(8, 3, 3, padding="same")


def test_callable_activation_and_init():
    def my_init(shape, name=None, dim_ordering="th"):
        return np.full(shape, 0.5, "float32")

    layer = lc.Convolution1D(2, 2, init=my_init, activation=lambda x: 2 * x)
    y = np.asarray(layer(np.ones((1, 3, 1), "float32")))
    np.testing.assert_allclose(y, 2.0)
