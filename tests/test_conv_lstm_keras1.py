"""Keras 1 ConvLSTM2D files, against Keras 1 itself, through both targets.

The files and Keras 1's predictions (`convlstm_*` in tests/fixtures/keras1_recurrent/) come
from make_recurrent.py, run in Keras 1.2.2 on Theano and on TensorFlow: 'th' and 'tf',
return_sequences x go_backwards, 'same' and 'valid', odd and even kernels, a stateful
Sequential stack, and a layer built with subsample, dropout and regularizers that its
file does not record.
"""

import json

import keras
import numpy as np
import pytest

import legacy_conv
from _fixtures import RECURRENT, manifest, npz, predict_all
from legacy_conv.convert import conv_recurrent
from legacy_conv.errors import ConversionError
from legacy_conv.layers.conv_recurrent import Keras1ConvLSTM2D

FOLDERS = {backend: RECURRENT / f"k122_{backend}" for backend in ("theano", "tensorflow")}
NAMES = sorted(name for name in manifest(FOLDERS["theano"])["models"]
               if name.startswith("convlstm"))
# Keras 1 on Theano padded an even kernel's 'same' with the extra zero first; Keras 3's
# ConvLSTM2D can follow only where its input convolution is 'same' too.
NATIVE_REFUSED = {("theano", "convlstm_even_tf"): ["convlstm_1", "convlstm_3"],
                  ("theano", "convlstm_even_th"): ["convlstm_1", "convlstm_3"]}


def io(backend, name):
    entry = manifest(FOLDERS[backend])["models"][name]
    data = npz(FOLDERS[backend] / "data.npz")
    return ([data[f"{name}.x{i}"] for i in range(entry["inputs"])],
            [data[f"{name}.y{i}"] for i in range(entry["outputs"])])


def load(backend, name, **kwargs):
    return legacy_conv.load_model(FOLDERS[backend] / f"{name}.h5", keras1_backend=backend,
                                  compile=False, **kwargs)


def assert_matches(model, backend, name):
    xs, ys = io(backend, name)
    got = predict_all(model, xs)
    assert [y.shape for y in got] == [y.shape for y in ys]
    for y, y1 in zip(got, ys):
        np.testing.assert_allclose(y, y1, rtol=0, atol=1e-5)


def params():
    return [pytest.param(backend, name, id=f"{backend}-{name}")
            for backend in FOLDERS for name in NAMES]


def test_the_fixtures_cover_both_orderings_and_border_modes():
    assert {"convlstm_tf", "convlstm_th", "convlstm_even_tf", "convlstm_even_th",
            "convlstm_stack", "convlstm_subsample"} <= set(NAMES)
    for folder in FOLDERS.values():
        assert manifest(folder)["keras_version"] == "1.2.2"


@pytest.mark.slow(quick=2)
@pytest.mark.parametrize("backend, name", params())
def test_legacy_target_matches_keras1(backend, name):
    model = load(backend, name)
    assert {type(layer).__name__ for layer in model.layers} & {"Keras1ConvLSTM2D"}
    assert_matches(model, backend, name)


@pytest.mark.slow(quick=("theano-convlstm_even_th", "tensorflow-convlstm_th"))
@pytest.mark.parametrize("backend, name", params())
def test_native_target_matches_keras1_or_refuses_naming_why(backend, name):
    refused = NATIVE_REFUSED.get((backend, name))
    if refused:
        with pytest.raises(ConversionError) as info:
            load(backend, name, target="native")
        message = str(info.value)
        for layer in refused:
            assert f'layer "{layer}" (Keras1ConvLSTM2D)' in message
        assert "put an even kernel's extra zero before" in message
        assert "border_mode 'valid'" in message and "keep_legacy=True" in message
        model = load(backend, name, target="native", keep_legacy=True)
        kept = sorted(layer.name for layer in model.layers
                      if type(layer).__name__ == "Keras1ConvLSTM2D")
        assert kept == refused
    else:
        model = load(backend, name, target="native")
        assert all(type(layer).__module__.startswith("keras.") for layer in model.layers)
    assert_matches(model, backend, name)


def test_native_theano_even_same_kernels_grow_by_a_zero_tap():
    model = load("theano", "convlstm_even_tf", target="native", keep_legacy=True)
    sizes = {layer.name: tuple(layer.kernel_size) for layer in model.layers
             if isinstance(layer, keras.layers.ConvLSTM2D)}
    assert sizes == {"convlstm_0": (3, 3), "convlstm_1": (2, 3), "convlstm_2": (3, 3),
                     "convlstm_3": (2, 2)}
    kernel = model.get_layer("convlstm_0").cell.kernel.numpy()
    assert not kernel[2].any() and not kernel[:, 2].any()


def test_the_file_backend_matters():
    """Theano convolved (a flipped kernel) and padded even kernels otherwise: read as
    TensorFlow's, a Theano file gives other numbers."""
    xs, ys = io("theano", "convlstm_even_th")
    model = legacy_conv.load_model(FOLDERS["theano"] / "convlstm_even_th.h5",
                                   keras1_backend="tensorflow", compile=False)
    for y, y1 in zip(predict_all(model, xs), ys):
        assert np.abs(y - y1).max() > 1e-3


# -- the weights ------------------------------------------------------------------------------
@pytest.mark.parametrize("ordering, backend", [("th", "theano"), ("th", "tensorflow"),
                                               ("tf", "theano"), ("tf", "tensorflow")])
def test_each_gate_kernel_is_laid_out_then_joined_as_i_f_c_o(ordering, backend):
    rows, cols, channels, filters = 3, 2, 4, 5
    layer = Keras1ConvLSTM2D(filters, (rows, cols), keras1_backend=backend,
                             data_format="channels_first" if ordering == "th" else
                             "channels_last")
    rng = np.random.default_rng(0)
    th = {g: (rng.normal(size=(filters, channels, rows, cols)),
              rng.normal(size=(filters, filters, rows, cols)), rng.normal(size=filters))
          for g in "icfo"}
    arrays = []
    for g in "icfo":  # the file's order
        w, u, b = th[g]
        to_file = (lambda a: a) if ordering == "th" else (lambda a: a.transpose(2, 3, 1, 0))
        arrays += [to_file(w), to_file(u), b]
    kernel, recurrent_kernel, bias = conv_recurrent.conv_gates(arrays, layer)
    assert kernel.shape == (rows, cols, channels, 4 * filters)
    assert recurrent_kernel.shape == (rows, cols, filters, 4 * filters)
    for j, g in enumerate("ifco"):
        w, u, b = th[g]
        for k1, k3 in ((w, kernel), (u, recurrent_kernel)):
            want = k1.transpose(2, 3, 1, 0)
            if backend == "theano":
                want = want[::-1, ::-1]
            np.testing.assert_array_equal(k3[..., j * filters:(j + 1) * filters], want)
        np.testing.assert_array_equal(bias[j * filters:(j + 1) * filters], b)


# -- what the files hold: no subsample, regularizers or dropout -------------------------------
def _file_config(backend, name):
    import h5py
    with h5py.File(FOLDERS[backend] / f"{name}.h5", "r") as f:
        text = f.attrs["model_config"]
    return json.loads(text.decode() if isinstance(text, bytes) else text)


def test_a_file_reloads_without_subsample_regularizers_or_dropout_as_in_keras1():
    config = _file_config("tensorflow", "convlstm_subsample")["config"][0]["config"]
    assert not {"subsample", "W_regularizer", "dropout_W", "dropout_U"} & set(config)
    model = load("tensorflow", "convlstm_subsample")
    layer = model.layers[0]
    assert tuple(layer.cell.strides) == (1, 1)
    assert layer.cell.dropout == layer.cell.recurrent_dropout == 0
    assert not model.losses


@pytest.mark.parametrize("backend", FOLDERS)
def test_a_config_given_its_subsample_back_gives_the_built_models_outputs(backend):
    """The layer as Keras 1 built it (subsample (2, 2), 'same', 4 columns: Theano's
    strided 'same' sampled other columns than TensorFlow's)."""
    config = _file_config(backend, "convlstm_subsample")
    config["config"][0]["config"]["subsample"] = [2, 2]
    model = legacy_conv.model_from_json(json.dumps(config), keras1_backend=backend)
    legacy_conv.load_weights(model, FOLDERS[backend] / "convlstm_subsample.h5",
                             keras1_backend=backend)
    xs, _ = io(backend, "convlstm_subsample")
    built = npz(FOLDERS[backend] / "data.npz")["convlstm_subsample.built0"]
    (got,) = predict_all(model, xs)
    assert got.shape == built.shape == (3, 3, 2, 3)
    np.testing.assert_allclose(got, built, rtol=0, atol=1e-5)
    if backend == "theano":
        with pytest.raises(ConversionError, match=r"subsample \(2, 2\)"):
            legacy_conv.model_from_json(json.dumps(config), keras1_backend=backend,
                                        target="native")


def _converted(**config):
    layer = {"class_name": "ConvLSTM2D", "config": {
        "name": "clstm", "nb_filter": 2, "nb_row": 3, "nb_col": 3, "dim_ordering": "tf",
        "batch_input_shape": [None, 4, 6, 6, 2], **config}}
    out = legacy_conv.convert_config({"class_name": "Sequential", "config": [layer],
                                      "keras_version": "1.2.2"}, keras1_backend="theano")
    return next(item for item in out["config"]["layers"] if item["class_name"] != "InputLayer")


def test_a_written_config_keeps_what_keras1_took_from_its_arguments():
    item = _converted(subsample=[2, 2], border_mode="same", dropout_W=0.2, dropout_U=1.0,
                      W_regularizer={"name": "L1L2Regularizer", "l1": 0.0, "l2": 0.01})
    config = item["config"]
    assert item["registered_name"] == "legacy_conv>Keras1ConvLSTM2D"
    assert config["kernel_size"] == [3, 3] and config["strides"] == [2, 2]
    assert config["padding"] == "same" and config["keras1_backend"] == "theano"
    assert config["dropout"] == 0.2 and config["recurrent_dropout"] == 0.0
    assert config["kernel_regularizer"] is not None and config["unit_forget_bias"] is True
    layer = keras.layers.deserialize(item)
    x = np.array([-3.0, -1.0, 2.0], "float32")
    np.testing.assert_allclose(layer.cell.recurrent_activation(x), np.clip(0.2 * x + 0.5, 0, 1))


def test_keras1_conv_lstm_round_trips_through_get_config_and_a_keras_file(tmp_path):
    model = load("theano", "convlstm_even_th")
    path = tmp_path / "convlstm.keras"
    model.save(path)
    reloaded = keras.saving.load_model(path)
    layers = [layer for layer in reloaded.layers if isinstance(layer, Keras1ConvLSTM2D)]
    assert len(layers) == 4 and all(layer.keras1_backend == "theano" for layer in layers)
    assert_matches(reloaded, "theano", "convlstm_even_th")
    config = layers[0].get_config()
    assert Keras1ConvLSTM2D.from_config(config).get_config() == config
    assert legacy_conv.Keras1ConvLSTM2D is Keras1ConvLSTM2D


# -- errors -----------------------------------------------------------------------------------
@pytest.mark.parametrize("bad, words", [
    pytest.param({"border_mode": "full"}, ["`border_mode`", "'valid' or 'same'", "'full'"],
                 id="border_mode"),
    pytest.param({"nb_row": "3"}, ["`nb_row`", "'3'"], id="nb_row"),
    pytest.param({"dim_ordering": "channels_last"}, ["`dim_ordering`", "'th' or 'tf'"],
                 id="dim_ordering"),
    pytest.param({"forget_bias_init": "ones"}, ["`forget_bias_init`", "'ones'"],
                 id="forget_bias_init"),
    pytest.param({"consume_less": "gpu"}, ["`consume_less`", "not an argument"],
                 id="not-an-argument"),
])
def test_bad_arguments_name_the_layer_field_and_value(bad, words):
    with pytest.raises(ConversionError) as info:
        _converted(**bad)
    assert 'layer "clstm" (ConvLSTM2D)' in str(info.value)
    for word in words:
        assert word in str(info.value)


def test_an_unknown_keras1_backend_is_refused():
    with pytest.raises(ValueError, match="Received: keras1_backend='cntk'"):
        Keras1ConvLSTM2D(2, 3, keras1_backend="cntk")


# -- fresh weights: each gate drawn alone, in Keras 1's shape, with Keras 1's fans ------------
def _keras1_layout(kernel, ordering):
    """A Keras 3 gate kernel (rows, cols, in, out) in the Keras 1 layout it was drawn in."""
    return kernel.transpose(3, 2, 0, 1) if ordering == "th" else kernel


@pytest.mark.parametrize("backend", FOLDERS)
@pytest.mark.parametrize("name, ordering", [("convlstm_tf", "tf"), ("convlstm_th", "th")])
def test_fresh_kernels_are_drawn_per_gate_as_keras1_drew_them(backend, name, ordering):
    """Keras 1 drew each gate's W with glorot_uniform over the fans of its Keras 1 shape
    taken as 'th' (for 'tf' kernels too), and each U orthogonal (gain 1.1) over
    (shape[0], rest) of its Keras 1 shape: the recorded draws against ours."""
    keras.utils.set_random_seed(1)
    model = legacy_conv.model_from_json(json.dumps(_file_config(backend, name)),
                                        keras1_backend=backend)
    fresh = manifest(FOLDERS[backend])["models"][name]["fresh_weights"]
    for layer in model.layers:
        if not isinstance(layer, Keras1ConvLSTM2D):
            continue
        filters = layer.cell.filters
        keras1 = {key.split(":")[0][len(layer.name) + 1:]: value
                  for key, value in fresh.items() if key.startswith(layer.name + "_")}
        limit = max(keras1[f"W_{g}"][0] for g in "icfo")  # Keras 1's largest |W| drawn
        for j, g in enumerate("ifco"):
            w = layer.cell.kernel.numpy()[..., j * filters:(j + 1) * filters]
            assert 0.8 * limit < np.abs(w).max() < limit / 0.95, (layer.name, g)
            u = _keras1_layout(layer.cell.recurrent_kernel.numpy()[
                ..., j * filters:(j + 1) * filters], ordering)
            singular = np.linalg.svd(u.reshape(u.shape[0], -1), compute_uv=False)
            np.testing.assert_allclose(singular, keras1[f"U_{g}"][2], rtol=1e-5)
