"""target='native': the same model from Keras 3 built-ins only, against Keras 1 itself.

Every golden layer case that Keras 1.2.2 ran (tests/fixtures/keras1/, both backends) is
modernized and compared with Keras 1's recorded output; whole models ('th' ones above all)
are compared with their legacy form, saved, and reloaded where legacy_conv is not imported.
"""

import json
import os
import re
import subprocess
import sys

import keras
import numpy as np
import pytest

import _native
from _fixtures import (BACKENDS, CONFIGS, CUSTOM_OBJECTS, RECURRENT, arrays, assert_predicts,
                       conv3d_legacy_params, layer_kwargs, manifest, model_io, npz, results)
from _fixtures import MODELS as MODEL_FILES

import legacy_conv as lc
from legacy_conv import constraints as k1_constraints
from legacy_conv import initializers as k1_initializers
from legacy_conv import regularizers as k1_regularizers
from legacy_conv import native
from legacy_conv.native import objects as native_objects
from legacy_conv.errors import ConversionError

ATOL = RTOL = 1e-5
# Models with one input in a list, called with the bare array, as Keras 1 code did.
pytestmark = pytest.mark.filterwarnings("ignore:The structure of `inputs`:UserWarning")
# The golden cases no Keras 3 built-in reproduces: (backend or None, case id regex, why).
REFUSED = [
    (None, r"^cropping[123]d_((th|tf)_)?(3x4|to_zero)", "Keras 3's Cropping does not"),
    (None, r"^bn_mode[12]_", "Keras 3's BatchNormalization does neither"),
    (None, r"^merge_cos_", "mode='cos'"),
    ("tensorflow", r"^merge_dot_(2d_3d|3d_2d|4d)_", "one matmul"),
    (None, r"^thresholdedrelu_theta-0\.5$", "accepts only thresholds >= 0"),
    (None, r"^gaussiannoise_sigma2\.0$", "a standard deviation in [0, 1] only"),
    (None, r"^reg_.*(_all|_activity_l1l2|_activity_l1)$", "divides every activity penalty"),
    ("theano", r"^(max|average)pool3d_(th|tf)_same_k(1x\d|\dx1)", "pool size 1, 'same'"),
    ("theano", r"pool[123]d_.*valid_larger_than_input$", "returned an empty axis"),
    # Theano's 'same' average pooling where its windows are not TensorFlow's SAME ones.
    ("theano", r"^averagepool1d_same_(k2_snone_len[78]|k3_snone_len8|k[245]_s1_len[78]|"
               r"k3_s2_len8|k4_s2_len[78]|k[25]_s3_len[78])$", "average pooling"),
    ("theano", r"^averagepool2d_(th|tf)_same_(k2x2_snone|k3x3_snone|k2x2_s1x1|k4x4_s1x1|"
               r"k5x5_s2x2|k2x3_s3x1|k4x3_s2x3|k2x2_in6x6)$|^averagepool2d_default_dim_ordering$",
     "average pooling"),
    ("theano", r"^averagepool3d_(th|tf)_same_(k2x2x2_snone|k4x3x2_s1x2x2)$", "average pooling"),
]


def _refusal(backend, case_id):
    for only, pattern, why in REFUSED:
        if only in (None, backend) and re.search(pattern, case_id):
            return why
    return None


def _groups():
    params = []
    for suite in _native.SUITES:
        for backend in BACKENDS:
            if not _native.available(suite, backend):
                continue
            for layer, cases in _native.runnable(suite, backend).items():
                params.append(pytest.param(suite, backend, layer, cases,
                                           id=f"{suite}-{backend}-{layer}"))
    return params


def _no_legacy_objects(config, allowed=()):
    """The registered names of this package's objects in a serialized config."""
    found = set(re.findall(r'"(legacy_conv>[A-Za-z0-9_]+)"', json.dumps(config)))
    return found - {f"legacy_conv>{name}" for name in allowed}


@pytest.mark.slow(quick=("layers-theano-Convolution2D", "layers-tensorflow-Convolution2D",
                         "core-theano-BatchNormalization"))
@pytest.mark.parametrize("suite, backend, layer, cases", _groups())
def test_golden_cases_match_keras1(suite, backend, layer, cases):
    """All of a class's cases as one model: modernized, compared with Keras 1's outputs."""
    legacy, xs, expected, ids, unbuilt = _native.group_model(suite, backend, cases)
    plan = native.weight_plan(legacy, keep_legacy=True)
    model = plan.transfer()
    kept = {name: why for name, _, why in plan.kept}
    wanted = {_native.layer_name(c): _refusal(backend, c["id"]) for c in cases
              if c["id"] in ids and _refusal(backend, c["id"])}
    assert sorted(kept) == sorted(wanted)
    for name, why in wanted.items():
        assert why in kept[name]
    kept_classes = {cls for _, cls, _ in plan.kept}
    assert not _no_legacy_objects(keras.saving.serialize_keras_object(model), kept_classes)
    outputs = model(xs)
    outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    legacy_outputs = None
    for case_id, out, want in zip(ids, outputs, expected):
        out = np.asarray(out)
        if out.shape == want.shape and np.allclose(out, want, RTOL, ATOL, equal_nan=True):
            continue
        # Where our legacy layer itself differs from Keras 1 (tests/test_*_keras1.py say
        # so), the native model must compute what the legacy one computes.
        legacy_outputs = legacy_outputs or [np.asarray(o) for o in legacy(xs)]
        mine = legacy_outputs[ids.index(case_id)]
        assert not (mine.shape == want.shape and np.allclose(mine, want, RTOL, ATOL,
                                                             equal_nan=True)), case_id
        assert out.shape == mine.shape, case_id
        np.testing.assert_allclose(out, mine, RTOL, ATOL, err_msg=case_id)


# -- refusals ------------------------------------------------------------------------------------
def _refused_model():
    x = keras.Input((4, 5), name="x")
    a = lc.BatchNormalization(mode=1, name="bn_samplewise")(x)
    b = lc.Merge(mode="cos", dot_axes=2, name="cosine")([a, x])
    return keras.Model(x, b)


def test_refusal_names_every_layer_and_keep_legacy_keeps_them():
    model = _refused_model()
    with pytest.raises(ConversionError) as info:
        native.modernize(model)
    message = str(info.value)
    for name, cls in (("bn_samplewise", "BatchNormalization"), ("cosine", "Merge")):
        assert f'layer "{name}" ({cls})' in message
    assert "keep_legacy=True" in message
    kept = native.modernize(model, keep_legacy=True)
    x = np.random.RandomState(0).uniform(-1, 1, (2, 4, 5)).astype("float32")
    np.testing.assert_allclose(np.asarray(kept(x)), np.asarray(model(x)), RTOL, ATOL)
    assert {type(layer).__name__ for layer in kept.layers} >= {"BatchNormalization", "Merge"}


def test_one_refusal_names_its_layer():
    x = keras.Input((6, 6, 2))
    y = lc.AveragePooling2D((2, 2), border_mode="same", dim_ordering="tf",
                            keras1_backend="theano", name="avg_same")(x)
    with pytest.raises(ConversionError, match=r'layer "avg_same" \(AveragePooling2D\): .*'
                                              r"average pooling"):
        native.modernize(keras.Model(x, y))


# -- whole models: legacy vs native ----------------------------------------------------------
def _randomize(model, seed=0):
    rng = np.random.RandomState(seed)
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            _randomize(layer, seed + 1)
            continue
        weights = layer.get_weights()
        names = [v.name for v in layer.weights]
        layer.set_weights([rng.uniform(0.5, 1.5, w.shape).astype("float32")
                           if re.search("running_std|moving_variance", n)
                           else rng.uniform(-0.5, 0.5, w.shape).astype("float32")
                           for w, n in zip(weights, names)])
    return model


def _batch(model, default=3):
    """The batch size the model fixes (an input's, or a Keras 1 Deconvolution2D's)."""
    fixed = [t.shape[0] for t in model.inputs] + [
        getattr(layer, "deconv_output_shape", (None,))[0] for layer in model.layers]
    return next((b for b in fixed if b is not None), default)


def _inputs(model, batch=None, seed=1):
    batch = batch or _batch(model)
    rng = np.random.RandomState(seed)
    return [rng.uniform(-1, 1, (batch,) + tuple(t.shape[1:])).astype("float32")
            for t in model.inputs]


def _outputs(model, xs):
    out = model(xs if len(xs) > 1 else xs[0])
    return [np.asarray(o) for o in (out if isinstance(out, (list, tuple)) else [out])]


def _assert_same(legacy, modern, xs):
    a, b = _outputs(legacy, xs), _outputs(modern, xs)
    assert len(a) == len(b)
    for u, v in zip(a, b):
        assert u.shape == v.shape
        np.testing.assert_allclose(v, u, RTOL, ATOL)
    return b


def _output_names(model):
    return [t._keras_history.operation.name for t in model.outputs]


def th_sequential(backend):
    """A 'th' classifier: even-kernel Theano 'same', pooling, Flatten → Dropout → Dense."""
    return _randomize(keras.Sequential([
        keras.Input((3, 9, 8), name="image"),
        lc.Convolution2D(4, 2, 3, border_mode="same", activation="relu", dim_ordering="th",
                         keras1_backend=backend, name="conv1"),
        lc.AtrousConvolution2D(3, 3, 3, atrous_rate=(2, 2), dim_ordering="th",
                               keras1_backend=backend, name="atrous"),
        keras.layers.MaxPooling2D((2, 2), data_format="channels_first", name="pool"),
        keras.layers.Flatten(name="flatten"),
        keras.layers.Dropout(0.3, name="dropout"),
        keras.layers.Dense(5, activation="softmax", name="probs"),
    ], name="th_sequential"))


def th_functional(backend):
    """Two 'th' inputs, a shared conv, merges with axes, BN axis=1, PReLU, pooling, a
    deconvolution as a channels-first output, a dot merge and Flatten as an output."""
    left = keras.Input((2, 7, 6), name="left")
    right = keras.Input((2, 7, 6), name="right")
    shared = lc.Convolution2D(3, 2, 2, border_mode="same", activation="tanh",
                              dim_ordering="th", keras1_backend=backend, name="shared")
    a, b = shared(left), shared(right)
    s = lc.Merge(mode="sum", name="sum")([a, b])
    c = keras.layers.Concatenate(axis=1, name="concat_channels")([s, a])      # (6, 7, 6)
    c = lc.BatchNormalization(mode=0, axis=1, name="bn")(c)
    c = keras.layers.PReLU(shared_axes=[2, 3], name="prelu")(c)
    p = lc.MaxPooling2D((2, 2), border_mode="same", dim_ordering="th",
                        keras1_backend=backend, name="pool")(c)                # (6, 4, 3)
    u = lc.UpSampling2D((2, 1), dim_ordering="th", name="up")(p)              # (6, 8, 3)
    u = lc.ZeroPadding2D((1, 0, 0, 2), dim_ordering="th", name="pad")(u)     # (6, 9, 5)
    d = lc.Deconvolution2D(2, 3, 3, (None, 2, 17, 9), subsample=(2, 2), border_mode="same",
                           dim_ordering="th", keras1_backend=backend, name="deconv")(u)
    g = keras.layers.GlobalAveragePooling2D(data_format="channels_first", name="gap")(c)
    v1 = keras.layers.Dense(4, activation="tanh", name="dense_left")(
        keras.layers.Flatten(name="flat_left")(p))
    v2 = keras.layers.Dense(4, name="dense_right")(keras.layers.Flatten(name="flat_right")(
        lc.Cropping2D(((1, 0), (0, 2)), dim_ordering="th", name="crop")(b)))
    dot = lc.Merge(mode="dot", dot_axes=1, name="dot")([v1, v2])
    h = keras.layers.Concatenate(name="concat_features")([v1, g, dot])
    probs = keras.layers.Dense(3, activation="softmax", name="probs")(h)
    flat = keras.layers.Flatten(name="flat_out")(a)
    return _randomize(keras.Model([left, right], [probs, d, flat], name="th_functional"))


def th_nested(backend):
    """A 'th' Sequential used twice inside a functional model (a shared nested model)."""
    inner = keras.Sequential([
        keras.Input((3, 8, 8)),
        lc.Convolution2D(4, 3, 3, dim_ordering="th", keras1_backend=backend, name="inner_conv"),
        keras.layers.MaxPooling2D(data_format="channels_first", name="inner_pool"),
    ], name="inner")
    x1, x2 = keras.Input((3, 8, 8), name="x1"), keras.Input((3, 8, 8), name="x2")
    merged = keras.layers.Add(name="add")([inner(x1), inner(x2)])
    out = keras.layers.Dense(2, name="out")(keras.layers.Flatten(name="flat")(merged))
    return _randomize(keras.Model([x1, x2], [out, merged], name="th_nested"))


MODELS = {"th_sequential": th_sequential, "th_functional": th_functional,
          "th_nested": th_nested}
# The saved native models that a process without legacy_conv loads (the Theano forms hold
# the most: explicit paddings, crops, edge-padded max pooling).
SAVED = [("th_sequential", "theano"), ("th_functional", "theano"), ("th_nested", "theano"),
         ("th_functional", "tensorflow")]


@pytest.fixture(scope="module")
def saved_models(tmp_path_factory):
    """{(name, backend): (legacy, native, inputs, native predictions, .keras path)}."""
    folder = tmp_path_factory.mktemp("native")
    out = {}
    for name, make in MODELS.items():
        for backend in BACKENDS:
            legacy = make(backend)
            modern = native.modernize(legacy)
            xs = _inputs(legacy)
            path = folder / f"{name}_{backend}.keras"
            if (name, backend) in SAVED:
                modern.save(path)
                np.savez(folder / f"{name}_{backend}_inputs.npz", *xs)
            out[(name, backend)] = (legacy, modern, xs, path)
    return out


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", MODELS)
def test_th_models_predict_what_the_legacy_models_predict(saved_models, name, backend):
    legacy, modern, xs, _ = saved_models[(name, backend)]
    _assert_same(legacy, modern, xs)
    assert [tuple(t.shape) for t in modern.inputs] == [tuple(t.shape) for t in legacy.inputs]
    assert _output_names(modern) == _output_names(legacy)
    assert not _no_legacy_objects(keras.saving.serialize_keras_object(modern))


def test_th_flatten_to_dense_stays_channels_last(saved_models):
    legacy, modern, _, _ = saved_models[("th_sequential", "theano")]
    assert isinstance(modern, keras.Sequential)
    kinds = [type(layer).__name__ for layer in modern.layers]
    assert kinds.count("Permute") == 1 and kinds[0] == "Permute"  # at the input only
    assert kinds[-3:] == ["Flatten", "Dropout", "Dense"]
    # The Dense rows are permuted instead: channels-last order of the (3, 2, 2) features.
    rows = np.arange(3 * 2 * 2).reshape(3, 2, 2).transpose(1, 2, 0).reshape(-1)
    np.testing.assert_array_equal(modern.get_layer("probs").get_weights()[0],
                                  legacy.get_layer("probs").get_weights()[0][rows])


def test_th_functional_keeps_contract_and_names(saved_models):
    legacy, modern, _, _ = saved_models[("th_functional", "tensorflow")]
    assert modern.output_names == ["probs", "deconv", "flat_out"]
    # The deconvolution output leaves through a Permute that took the legacy name.
    assert type(modern.get_layer("deconv")).__name__ == "Permute"
    assert type(modern.get_layer("deconv_core")).__name__ == "Conv2DTranspose"
    assert type(modern.get_layer("bn")).__name__ == "BatchNormalization"
    assert modern.get_layer("bn").axis == 3
    assert modern.get_layer("concat_channels").axis == 3
    assert modern.get_layer("prelu").shared_axes == [1, 2]
    assert modern.get_layer("prelu").get_weights()[0].shape == (1, 1, 6)


@pytest.mark.subprocess
def test_saved_native_models_load_without_legacy_conv(saved_models, tmp_path):
    """The .keras files load and predict in a process that never imports legacy_conv."""
    script = (
        "import sys, numpy as np, keras\n"
        "for path in sys.argv[1:]:\n"
        "    model = keras.models.load_model(path)\n"
        "    data = np.load(path[:-len('.keras')] + '_inputs.npz')\n"
        "    xs = [data[f'arr_{i}'] for i in range(len(data.files))]\n"
        "    out = model(xs if len(xs) > 1 else xs[0])\n"
        "    out = out if isinstance(out, (list, tuple)) else [out]\n"
        "    np.savez(path[:-len('.keras')] + '_out.npz', *[np.asarray(o) for o in out])\n"
        "assert not any(m.startswith('legacy_conv') for m in sys.modules), 'imported'\n")
    chosen = [saved_models[key] for key in SAVED]
    paths = [str(p) for _, _, _, p in chosen]
    env = dict(os.environ, KERAS_BACKEND="tensorflow", CUDA_VISIBLE_DEVICES="",
               TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH="")
    done = subprocess.run([sys.executable, "-c", script, *paths], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    for legacy, modern, xs, path in chosen:
        data = np.load(str(path)[:-len(".keras")] + "_out.npz")
        for i, w in enumerate(_outputs(legacy, xs)):
            np.testing.assert_allclose(data[f"arr_{i}"], w, RTOL, ATOL)


def test_nested_models_stay_nested_and_are_shared(saved_models):
    _, modern, _, _ = saved_models[("th_nested", "theano")]
    inner = modern.get_layer("inner")
    assert isinstance(inner, keras.Sequential)
    assert [type(layer).__name__ for layer in inner.layers] == [
        "Permute", "Conv2D", "MaxPooling2D", "Permute"]
    assert len([layer for layer in modern.layers if isinstance(layer, keras.Model)]) == 1


# -- configs and model files -----------------------------------------------------------------
# Keras 1 configs with 'th' images, merges, nesting and masks.
CONFIG_NAMES = ("conv2d_th", "conv3d_th", "functional_images", "functional_merges",
                "nested_sequential", "masking")


def _config_cases():
    for backend in BACKENDS:
        for name in CONFIG_NAMES:
            path = CONFIGS / backend / f"{name}.json"
            if path.exists():
                yield pytest.param(backend, path, id=f"{backend}-{name}")


@pytest.mark.slow(quick=2)
@pytest.mark.parametrize("backend, path", list(_config_cases()))
def test_convert_config_native_uses_builtins_only(backend, path):
    text = path.read_text()
    try:
        config = lc.convert_config(text, target="native", keras1_backend=backend)
    except ConversionError as error:
        assert "keep_legacy=True" in str(error)
        config = lc.convert_config(text, target="native", keras1_backend=backend,
                                   keep_legacy=True)
        assert _no_legacy_objects(config)
        return
    assert not _no_legacy_objects(config)
    modern = keras.models.model_from_json(json.dumps(config))
    legacy = _randomize(lc.model_from_json(text, keras1_backend=backend))
    assert [tuple(t.shape) for t in modern.outputs] == [tuple(t.shape) for t in legacy.outputs]
    assert [layer.name for layer in modern.layers] == [
        layer.name for layer in native.modernize(legacy).layers]
    if all(t.dtype == "float32" for t in legacy.inputs):  # (Embedding inputs are ints)
        _assert_same(legacy, native.modernize(legacy), _inputs(legacy))




def _model_file_cases():
    """Keras 1.2.2's files on both backends (older releases and h5py 2 files differ mostly in
    what the weight loader that both targets share reads, tests/test_model_files_keras1.py;
    Keras 1.0.8's Convolution3D is tested on its own)."""
    for folder in (MODEL_FILES / "k122_tensorflow", MODEL_FILES / "k122_theano"):
        if not (folder / "manifest.json").exists():
            continue
        data = manifest(folder)
        for spec in data["models"]:
            if not spec.get("skipped") and (folder / f"{spec['name']}.h5").exists():
                yield pytest.param(folder, data["backend"], spec["name"],
                                   id=f"{folder.name}-{spec['name']}")


@pytest.mark.slow(quick=2)
@pytest.mark.parametrize("folder, backend, name", list(_model_file_cases()))
def test_load_model_native_matches_keras1(folder, backend, name):
    path = folder / f"{name}.h5"
    kwargs = dict(keras1_backend=backend, custom_objects=CUSTOM_OBJECTS.get(name),
                  compile=False)  # compiling natively: tests/test_load_compile.py
    try:
        model = lc.load_model(path, target="native", **kwargs)
    except ConversionError as error:
        assert "keep_legacy=True" in str(error)
        model = lc.load_model(path, target="native", keep_legacy=True, **kwargs)
    xs, ys, _ = model_io(folder, name)
    out = _outputs(model, xs)
    assert len(out) == len(ys)
    if all(o.shape == y.shape and np.allclose(o, y, 1e-4, 1e-5) for o, y in zip(out, ys)):
        return
    # Where the legacy model itself differs from Keras 1 (a release difference that
    # tests/test_model_files_keras1.py records), native must compute what legacy computes.
    legacy = _outputs(lc.load_model(path, compile=False, **kwargs), xs)
    assert not all(u.shape == y.shape and np.allclose(u, y, 1e-4, 1e-5)
                   for u, y in zip(legacy, ys))
    for o, u in zip(out, legacy):
        np.testing.assert_allclose(o, u, RTOL, ATOL)


@pytest.mark.parametrize("name", ["vgg_th", "bn_net", "text_cnn"])
def test_load_model_native_draws_no_initial_value(name, monkeypatch):
    """The native layers that the file's weights fill are built without drawing initial
    values (each weight is copied once, into the native variable), and keep in their
    configs the initializers that the converted config gives them."""
    from keras.src.initializers import random_initializers

    drawn, real = [], random_initializers.random

    class Recording:
        def __getattr__(self, kind):
            function = getattr(real, kind)
            if kind not in ("uniform", "normal", "truncated_normal"):
                return function

            def draw(*args, **kwargs):
                drawn.append(kind)
                return function(*args, **kwargs)
            return draw
    monkeypatch.setattr(random_initializers, "random", Recording())
    folder = MODEL_FILES / "k122_theano"
    model = lc.load_model(folder / f"{name}.h5", target="native", keras1_backend="theano",
                          compile=False, keep_legacy=True)  # bn_net: modes 1 and 2 kept
    assert drawn == []
    xs, ys, _ = model_io(folder, name)
    np.testing.assert_allclose(_outputs(model, xs[:1])[0], ys[0], RTOL, ATOL)
    fresh = keras.models.model_from_json(json.dumps(lc.convert_config(
        (folder / f"{name}.json").read_text(), target="native", keras1_backend="theano",
        keep_legacy=True)))
    assert drawn  # building from the config draws: the recording works
    assert [layer.get_config() for layer in model.layers] == \
        [layer.get_config() for layer in fresh.layers]


# -- Convolution3D of Keras 1.0.0-1.1.0 on Theano ('same' padded explicitly) -------------------
@pytest.mark.parametrize("prefix, case", [p for p in conv3d_legacy_params()
                                          if results("theano", p.values[0])[
                                              p.values[1]["id"]]["error"] is None])
def test_older_conv3d_releases_native_match_keras1(prefix, case):
    record, data = results("theano", prefix)[case["id"]], arrays("theano", prefix)
    layer = lc.Convolution3D(*case["args"], **layer_kwargs(case), keras1_backend="theano",
                             keras1_version=record["keras_version"],
                             weights=[data[f"{case['id']}/weights/{i}"] for i in range(2)])
    model = native.modernize(keras.Sequential([keras.Input(case["input_shape"][1:]), layer]))
    assert not _no_legacy_objects(keras.saving.serialize_keras_object(model))
    np.testing.assert_allclose(np.asarray(model(data[f"{case['id']}/input"])),
                               data[f"{case['id']}/output"], RTOL, ATOL)


def test_keras108_conv3d_file_native_matches_keras1():
    folder = MODEL_FILES / "k108_theano"
    model = lc.load_model(folder / "conv3d.h5", target="native", keras1_backend="theano",
                          compile=False)
    assert not _no_legacy_objects(keras.saving.serialize_keras_object(model))
    assert_predicts(model, folder, "conv3d")


# Keras 1 defaults LSTM/GRU gates to its hard_sigmoid; Bidirectional; masks (refused).
RECURRENT_NAMES = ("lstm_cpu", "gru_gpu", "bidi_backwards_seq", "genomics", "masked")


def _recurrent_cases():
    for folder in (RECURRENT / "k122_tensorflow", RECURRENT / "k122_theano"):
        if not (folder / "manifest.json").exists():
            continue
        data = manifest(folder)
        for name in RECURRENT_NAMES:
            spec = data["models"].get(name)
            if spec and not spec.get("skipped") and (folder / f"{name}.h5").exists():
                yield pytest.param(folder, data["backend"], name, spec,
                                   id=f"{folder.name}-{name}")


@pytest.mark.slow(quick=1)
@pytest.mark.parametrize("folder, backend, name, spec", list(_recurrent_cases()))
def test_recurrent_files_native_match_keras1(folder, backend, name, spec):
    path = folder / f"{name}.h5"
    try:
        model = lc.load_model(path, target="native", keras1_backend=backend, compile=False)
        assert not _no_legacy_objects(keras.saving.serialize_keras_object(model))
    except ConversionError as error:
        assert name == "masked" and "masked steps" in str(error)
        model = lc.load_model(path, target="native", keras1_backend=backend, compile=False,
                              keep_legacy=True)
    data = npz(folder / "data.npz")
    xs = [data[f"{name}.x{i}"] for i in range(spec["inputs"])]
    for out, i in zip(_outputs(model, xs), range(spec["outputs"])):
        np.testing.assert_allclose(out, data[f"{name}.y{i}"], rtol=1e-4, atol=1e-5)


# -- initializers, regularizers, constraints -------------------------------------------------
def _limit(init, shape):
    """The uniform limit (or normal stddev) a Keras 3 initializer gives `shape`."""
    config = init.get_config()
    fan_in, fan_out = native_objects.keras3_fans(shape)
    scale = config.get("scale", {"GlorotUniform": 1.0, "HeUniform": 2.0,
                                 "LecunUniform": 1.0}.get(type(init).__name__))
    mode = config.get("mode", "fan_in" if type(init).__name__ != "GlorotUniform" else "fan_avg")
    fan = fan_in if mode == "fan_in" else (fan_in + fan_out) / 2
    uniform = config.get("distribution", "uniform") == "uniform"
    return np.sqrt((3.0 if uniform else 1.0) * scale / fan)


@pytest.mark.parametrize("name, numerator, fans", [
    ("glorot_uniform", 6.0, "sum"), ("he_uniform", 6.0, "in"), ("lecun_uniform", 3.0, "in"),
    ("glorot_normal", 2.0, "sum"), ("he_normal", 2.0, "in")])
@pytest.mark.parametrize("k1_shape, native_shape, ordering", [
    ((4, 1, 3, 5), (4, 3, 5), "th"),              # Convolution1D: Keras 1's odd fans
    ((5, 3, 2, 2), (2, 2, 3, 5), "th"),           # 'th' Convolution2D
    ((2, 3, 2, 3, 5), (2, 3, 2, 3, 5), "tf"),     # 'tf' Convolution3D: Keras 1's odd fans
    ((6, 4), (6, 4), "tf")])                      # Dense
def test_scaled_inits_keep_keras1_distributions(name, numerator, fans, k1_shape, native_shape,
                                                ordering):
    init = k1_initializers.Keras1Initializer(name, ordering)
    mapped, note = native_objects.native_initializer(init, k1_shape, native_shape)
    assert not note and type(mapped).__module__.startswith("keras")
    fan_in, fan_out = k1_initializers.get_fans(k1_shape, ordering)
    assert np.isclose(_limit(mapped, native_shape),
                      np.sqrt(numerator / (fan_in + fan_out if fans == "sum" else fan_in)))
    if "normal" in name:
        assert mapped.get_config()["distribution"] == "untruncated_normal"


def test_fixed_and_orthogonal_inits():
    assert native_objects.native_initializer(
        k1_initializers.Keras1Initializer("uniform"), (3, 4))[0].get_config()["maxval"] == 0.05
    assert native_objects.native_initializer(
        k1_initializers.Keras1Initializer("normal"), (3, 4))[0].get_config()["stddev"] == 0.05
    ortho = k1_initializers.Keras1Initializer("orthogonal", "th")
    mapped, note = native_objects.native_initializer(ortho, (5, 3, 2, 2), (2, 2, 3, 5),
                                                     (2, 3, 1, 0))
    assert not note and mapped.get_config()["gain"] == 1.1
    _, note = native_objects.native_initializer(
        k1_initializers.Keras1Initializer("orthogonal", "tf"), (2, 2, 3, 5), (2, 2, 3, 5))
    assert "other axes" in note


def test_regularizers_and_the_batch_summed_activity_penalty():
    native_l1l2, note = native_objects.native_regularizer(k1_regularizers.l1l2(0.01, 0.002))
    assert isinstance(native_l1l2, keras.regularizers.L1L2) and not note
    w = np.random.RandomState(0).uniform(-1, 1, (3, 4)).astype("float32")
    np.testing.assert_allclose(float(native_l1l2(w)), float(k1_regularizers.l1l2(0.01, 0.002)(w)),
                               rtol=1e-6)
    assert native_objects.native_regularizer(k1_regularizers.Regularizer()) == (None, "")
    summed = k1_regularizers.BatchSummed(k1_regularizers.l2(0.01))
    assert "divides every activity penalty" in native_objects.activity_refusal(summed)
    assert native_objects.activity_refusal(k1_regularizers.BatchSummed(
        k1_regularizers.l1l2(0.0, 0.0))) is None


def test_constraints_follow_the_native_kernel_layout():
    """Keras 1's MaxNorm(axis=0) of a 'th' kernel = Keras 3's MaxNorm on the filter axis."""
    layer = lc.Convolution2D(4, 3, 2, dim_ordering="th", W_constraint=k1_constraints.MaxNorm(
        0.5, axis=0), b_constraint=k1_constraints.NonNeg())
    legacy = _randomize(keras.Sequential([keras.Input((3, 6, 5)), layer]))
    modern = native.modernize(legacy)
    conv = modern.layers[1]
    assert isinstance(conv.kernel_constraint, keras.constraints.MaxNorm)
    assert conv.kernel_constraint.axis == 3
    w = layer.get_weights()[0]
    expected = np.asarray(k1_constraints.MaxNorm(0.5, axis=0)(w)).transpose(2, 3, 1, 0)
    np.testing.assert_allclose(np.asarray(conv.kernel_constraint(conv.kernel.value)), expected,
                               rtol=1e-6, atol=1e-7)
    unit = native_objects.native_constraint(k1_constraints.UnitNorm(axis=1), 4, (0, 2, 3))[0]
    assert unit.axis == []  # Conv1D's unit axis: the norm of one element


def test_plan_reports_what_training_would_show():
    layer = lc.Convolution2D(2, 3, 3, dim_ordering="tf", activity_regularizer=k1_regularizers
                             .activity_l2(0.0), init="orthogonal", name="conv")
    plan = native.weight_plan(_randomize(keras.Sequential([keras.Input((5, 5, 1)), layer])))
    notes = " ".join(note for name, note in plan.notes if name == "conv")
    assert "orthogonal" in notes
    assert plan.model.layers[-1].activity_regularizer is None  # a penalty that is always 0


def test_hard_sigmoid_is_rescaling_then_relu():
    x = keras.Input((5,))
    y = keras.layers.Activation(lc.activations.hard_sigmoid, name="hs")(x)
    conv_in = keras.Input((6, 2))
    z = lc.Convolution1D(3, 2, activation="hard_sigmoid", name="conv_hs")(conv_in)
    legacy = _randomize(keras.Model([x, conv_in], [y, z]))
    modern = native.modernize(legacy)
    assert {type(layer).__name__ for layer in modern.layers} >= {"Rescaling", "ReLU"}
    assert modern.output_names == ["hs", "conv_hs"]
    xs = [np.linspace(-4, 4, 15, dtype="float32").reshape(3, 5),
          np.random.RandomState(0).uniform(-3, 3, (3, 6, 2)).astype("float32")]
    _assert_same(legacy, modern, xs)


def test_modernize_refuses_what_it_cannot_walk():
    class Sub(keras.Model):
        def call(self, x):
            return x

    with pytest.raises(ConversionError, match="Sequential or functional"):
        native.modernize(Sub())
    with pytest.raises(ConversionError, match="must be built"):
        native.modernize(keras.Sequential([keras.layers.Dense(2)]))
