"""Keras 1 weights files into models of both targets, by every route, against Keras 1 itself.

Routes: `load_model` on a `model.save()` file ('h5'); `model_from_json` or `model_from_yaml`
then `load_weights` on a `model.save_weights()` file ('json', 'yaml'); and a model that Keras
built from `convert_config` ('keras'), which takes `load_weights(..., keras1_config=...)`
where it is native. Every Keras 1 release, backend and ordering the model fixtures cover
(tests/fixtures/keras1_models/), and the recurrent ones (tests/fixtures/keras1_recurrent/,
whose JSON is the config a `model.save()` file holds, its weights those of the same file).
"""

import json
import pathlib

import h5py
import keras
import numpy as np
import pytest
import yaml

from _fixtures import CUSTOM_OBJECTS, assert_predicts, call_all, model_io, predict_all

import legacy_conv as lc
from legacy_conv.errors import ConversionError

FIXTURES = pathlib.Path(__file__).parent / "fixtures"
MODELS = FIXTURES / "keras1_models"
RECURRENT = FIXTURES / "keras1_recurrent"
# (route, target): the legacy routes that tests/test_model_files_keras1.py does not take, and
# every native one.
ROUTES = (("yaml", "legacy"), ("json", "native"), ("yaml", "native"), ("keras", "native"),
          ("h5", "native"))
# The YAML route (this test's YAML of the same config as the JSON route's), and the traced
# predictions of the h5 route, on Keras 1.2.2's files of each backend.
K122_FOLDERS = ("k122_theano", "k122_tensorflow")
RECURRENT_ROUTES = (("json", "legacy"), ("json", "native"), ("keras", "native"))
# The route whose native models `model.predict` runs (traced); the others call theirs eagerly,
# the same numbers at a tenth of the cost (tests/test_model_files_keras1.py predicts the
# legacy models of the files). Recurrent models are traced on the 1.2.2 files only, one model
# of each family (their classes are those of the older releases', the other models' layers
# the same in other arrangements, and a traced LSTM costs ~0.4 s).
PREDICTED = {"models": ("h5", "native"), "recurrent": ("json", "native")}
TRACED_RECURRENT = ("bidi_concat", "convlstm_th", "genomics", "gru_gpu", "lstm_cpu", "masked",
                    "simplernn_mem", "stacked", "stateful_unrolled")


def _model_cases():
    for manifest in sorted(MODELS.glob("*/manifest.json")):
        data = json.loads(manifest.read_text())
        for spec in data["models"]:
            if spec.get("skipped"):
                continue
            for route, target in ROUTES:
                if route in ("yaml", "keras") and manifest.parent.name not in K122_FOLDERS:
                    continue  # the JSON route covers the other releases (the same reader)
                yield pytest.param(manifest.parent, data["backend"], spec, route, target,
                                   id=f"{manifest.parent.name}-{spec['name']}-{route}-{target}")


def _recurrent_cases():
    for manifest in sorted(RECURRENT.glob("*/manifest.json")):
        data = json.loads(manifest.read_text())
        for name, spec in sorted(data["models"].items()):
            if "skipped" in spec:
                continue
            for route, target in RECURRENT_ROUTES:
                if route == "keras" and not manifest.parent.name.startswith("k122_"):
                    continue  # the json route covers the older releases
                yield pytest.param(manifest.parent, data["backend"], name, spec, route, target,
                                   id=f"{manifest.parent.name}-{name}-{route}-{target}")


def _keep_legacy(make):
    """`make(keep_legacy)`: where no built-in is exact, the refusal says so and
    keep_legacy=True keeps our layer."""
    try:
        return make(False)
    except ConversionError as error:
        if "keep_legacy=True" not in str(error):
            raise
        return make(True)


def _loaded(route, target, text, weights, backend, custom, keras_version=None):
    """The model of a Keras 1 JSON `text` and its weights file, by `route`."""
    if route == "keras":
        def make(keep):
            config = lc.convert_config(text, target=target, keras1_backend=backend,
                                       custom_objects=custom, keep_legacy=keep)
            return keras.models.model_from_json(json.dumps(config), custom_objects=custom)
        model = _keep_legacy(make) if target == "native" else make(False)
        origin = dict(keras1_config=text, custom_objects=custom) if target == "native" \
            else dict(keras_version=keras_version)
        return lc.load_weights(model, weights, keras1_backend=backend, **origin)
    read = lc.model_from_json if route == "json" else lc.model_from_yaml
    source = text if route == "json" else yaml.safe_dump(json.loads(text))
    model = _keep_legacy(lambda keep: read(source, target=target, keras1_backend=backend,
                                           custom_objects=custom,
                                           keep_legacy=keep if target == "native" else False))
    return lc.load_weights(model, weights, keras1_backend=backend)


def _need(folder, spec, suffix):
    name = spec["name"] + suffix
    if name not in spec.get("files", [name]) or not (folder / name).exists():
        pytest.skip(f"Keras {spec.get('keras_version', '1.x')} wrote no {name}")
    return folder / name


# A few cases of each route stay in the quick tier.
QUICK = tuple(f"k122_theano-vgg_th-{route}-{target}" for route, target in ROUTES) + (
    "k105_theano-bn_net-json-native", "k122_tensorflow-separable_th-keras-native",
    "k122_theano-nested-json-native", "k112_theano-text_cnn-json-native")


@pytest.mark.slow(quick=QUICK)
@pytest.mark.parametrize("folder, backend, spec, route, target", list(_model_cases()))
def test_model_files_by_every_route(folder, backend, spec, route, target):
    name, custom = spec["name"], CUSTOM_OBJECTS.get(spec["name"])
    if route == "h5":
        model = _keep_legacy(lambda keep: lc.load_model(
            _need(folder, spec, ".h5"), target=target, keras1_backend=backend,
            custom_objects=custom, compile=False,
            keep_legacy=keep if target == "native" else False))
    else:
        text = _need(folder, spec, ".json").read_text()
        model = _loaded(route, target, text, _need(folder, spec, "_weights.h5"), backend,
                        custom, json.loads((folder / "manifest.json").read_text())[
                            "keras_version"])
    traced = (route, target) == PREDICTED["models"] and folder.name in K122_FOLDERS
    assert_predicts(model, folder, name, predict_all if traced else call_all)


@pytest.mark.slow(quick=("k122_theano-lstm_cpu-json-native", "k122_tensorflow-masked-keras-native",
                         "k108_theano-masked-json-native"))
@pytest.mark.parametrize("folder, backend, name, spec, route, target", list(_recurrent_cases()))
def test_recurrent_files_by_json_and_keras_routes(folder, backend, name, spec, route, target):
    path = folder / f"{name}.h5"
    with h5py.File(path, "r") as f:
        text = f.attrs["model_config"]
        text = text.decode() if isinstance(text, bytes) else text
    model = _loaded(route, target, text, path, backend, None,
                    json.loads((folder / "manifest.json").read_text())["keras_version"])
    data = np.load(folder / "data.npz")
    xs = [data[f"{name}.x{i}"] for i in range(spec["inputs"])]
    traced = (route, target) == PREDICTED["recurrent"] and folder.name.startswith("k122_") \
        and name in TRACED_RECURRENT
    outs = (predict_all if traced else call_all)(model, xs)
    assert len(outs) == spec["outputs"]
    for i, out in enumerate(outs):
        np.testing.assert_allclose(out, data[f"{name}.y{i}"], rtol=1e-4, atol=1e-5)


# -- Keras 1.2.2's configs (no weights recorded): a Keras 1 weights file of random values ------
CONFIGS = FIXTURES / "keras1_configs"
RECURRENT_CLASSES = {"LSTM", "GRU", "SimpleRNN", "Bidirectional"}  # tests/test_recurrent_files


def _config_cases():
    for backend in ("theano", "tensorflow"):
        manifest = json.loads((CONFIGS / f"manifest_{backend}.json").read_text())["models"]
        for name, spec in sorted(manifest.items()):
            if not spec.get("error") and not RECURRENT_CLASSES & set(spec["classes"]):
                yield pytest.param(backend, name, id=f"{backend}-{name}")


def _randomized(model, rng):
    for variable in model.weights:
        positive = any(word in variable.path for word in ("variance", "running_std"))
        variable.assign(rng.uniform(0.5, 1.5, variable.shape) if positive
                        else rng.uniform(-0.5, 0.5, variable.shape))
    return model


def _save_weights_like_keras1(model, path):
    """A Keras 1 `model.save_weights()` file of a legacy model's weights (its variables hold
    Keras 1's layouts; a nested model's group holds its layers' weights, named after them)."""
    with h5py.File(path, "w") as f:
        layer_names = []
        for layer in model.layers:
            leaves = [leaf for leaf in (layer.layers if isinstance(layer, keras.Model)
                                        else [layer]) if leaf.weights]
            if not leaves:
                continue
            group, names = f.create_group(layer.name), []
            for leaf in leaves:
                for i, variable in enumerate(leaf.weights):
                    names.append(f"{leaf.name}_{i}")
                    group.create_dataset(names[-1], data=np.asarray(variable))
            group.attrs["weight_names"] = [name.encode() for name in names]
            layer_names.append(layer.name)
        f.attrs["layer_names"] = [name.encode() for name in layer_names]


@pytest.mark.slow(quick=("theano-conv2d_th", "tensorflow-functional_images"))
@pytest.mark.parametrize("backend, name", list(_config_cases()))
def test_configs_native_json_route_matches_legacy(backend, name, tmp_path):
    """Each Keras 1.2.2 config: the native model from its JSON and a Keras 1 weights file
    predicts what the legacy model with those weights predicts (the legacy models match
    Keras 1 layer by layer: tests/test_layers_keras1.py, tests/test_core_layers_keras1.py)."""
    text = (CONFIGS / backend / f"{name}.json").read_text()
    rng = np.random.RandomState(0)
    legacy = _randomized(lc.model_from_json(text, keras1_backend=backend), rng)
    _save_weights_like_keras1(legacy, tmp_path / "weights.h5")
    model = _loaded("json", "native", text, tmp_path / "weights.h5", backend, None)
    xs = [rng.randint(0, 2, (2,) + tuple(t.shape[1:])) if "int" in str(t.dtype)
          else rng.uniform(-1, 1, (2,) + tuple(t.shape[1:])).astype("float32")
          for t in legacy.inputs]
    for ours, theirs in zip(predict_all(model, xs), call_all(legacy, xs)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)


# -- what a native model remembers, and what it needs without -------------------------------
VGG = MODELS / "k122_theano"


def _vgg(target="native", **kwargs):
    return lc.model_from_json((VGG / "vgg_th.json").read_text(), target=target,
                              keras1_backend="theano", **kwargs)


def test_native_model_from_keras_without_its_config_is_refused_naming_keras1_config():
    config = lc.convert_config((VGG / "vgg_th.json").read_text(), target="native",
                               keras1_backend="theano")
    model = keras.models.model_from_json(json.dumps(config))
    with pytest.raises(ConversionError) as caught:
        lc.load_weights(model, VGG / "vgg_th_weights.h5", keras1_backend="theano")
    assert str(caught.value) == (
        'layer "convolution2d_1" (Conv2D): is a Keras 3 '
        "built-in that only target='native' gives: the model is native, and Keras 1 weights "
        "need its Keras 1 config to reach it. Pass keras1_config=<the Keras 1 "
        "model.to_json() text or dict> to load_weights")
    lc.load_weights(model, VGG / "vgg_th_weights.h5", keras1_backend="theano",
                    keras1_config=json.loads((VGG / "vgg_th.json").read_text()))
    assert_predicts(model, VGG, "vgg_th")


def test_keras1_config_of_another_model_is_refused_naming_the_first_difference():
    config = lc.convert_config((VGG / "vgg_th.json").read_text(), target="native",
                               keras1_backend="theano")
    model = keras.models.model_from_json(json.dumps(config))
    with pytest.raises(ConversionError) as caught:
        lc.load_weights(model, VGG / "vgg_tf_weights.h5", keras1_backend="theano",
                        keras1_config=(VGG / "vgg_tf.json").read_text())
    assert str(caught.value) == (
        f'{VGG / "vgg_tf_weights.h5"}: the model is not the native form of its Keras 1 config: '
        'its layer 0 is "convolution2d_1_input_to_channels_last" (Permute), the config\'s '
        'native model has "convolution2d_1" (Conv2D). Pass the Keras 1 config that the model '
        'was converted from')


@pytest.mark.parametrize("bad, message", [
    pytest.param("{bad", "`keras1_config` is not valid JSON (Expecting property name enclosed "
                         "in double quotes at line 1 column 2). Received: keras1_config='{bad'",
                 id="not-json"),
    pytest.param(123, "`keras1_config` must be a Keras 1 model config: a dict whose "
                      "'class_name' is 'Sequential' or 'Model' (what Keras 1's model.to_json() "
                      "wrote). Received: keras1_config=123", id="number"),
    pytest.param({"class_name": "Sequential"}, "`keras1_config` has no 'config'. Received: "
                 "keras1_config=['class_name']", id="no-config"),
])
def test_a_bad_keras1_config_is_refused_by_name(bad, message):
    model = keras.models.model_from_json(json.dumps(lc.convert_config(
        (VGG / "vgg_th.json").read_text(), target="native", keras1_backend="theano")))
    with pytest.raises(ConversionError) as caught:
        lc.load_weights(model, VGG / "vgg_th_weights.h5", keras1_config=bad)
    assert str(caught.value) == message


def test_a_remembered_model_refuses_weights_for_the_other_backend():
    with pytest.raises(ConversionError, match="was made for Keras 1 on 'theano'"):
        lc.load_weights(_vgg(), VGG / "vgg_th_weights.h5", keras1_backend="tensorflow")


def test_a_failed_load_leaves_the_native_model_as_it_was():
    model = _vgg()
    before = [np.array(w) for w in model.get_weights()]
    with pytest.raises(ConversionError, match="does not match the model"):
        lc.load_weights(model, VGG / "bn_net_weights.h5")
    for old, new in zip(before, model.get_weights()):
        np.testing.assert_array_equal(old, new)


def test_remembering_leaves_config_and_keras_file_alone(tmp_path):
    """The origin is kept beside the model (nothing on it): its config and `.keras` file are
    those of the same model built by Keras, and the reloaded model predicts Keras 1's."""
    model = lc.load_weights(_vgg(), VGG / "vgg_th_weights.h5")
    plain = keras.models.model_from_json(json.dumps(lc.convert_config(
        (VGG / "vgg_th.json").read_text(), target="native", keras1_backend="theano")))
    assert model.get_config() == plain.get_config()
    model.save(tmp_path / "vgg.keras")
    reloaded = keras.models.load_model(tmp_path / "vgg.keras")
    assert_predicts(reloaded, VGG, "vgg_th")
    xs, _, _ = model_io(VGG, "vgg_th")
    np.testing.assert_array_equal(predict_all(model, xs)[0], predict_all(reloaded, xs)[0])


def test_a_legacy_model_keeps_loading_as_before():
    model = lc.load_weights(_vgg("legacy"), VGG / "vgg_th_weights.h5", keras1_backend="theano")
    assert_predicts(model, VGG, "vgg_th")


def test_loading_draws_no_initial_value(monkeypatch):
    """The legacy twin that the file is loaded into is built without drawing initial values
    (its variables are zeros the file's weights are read into), and the plan that maps its
    weights onto the native model is built without values."""
    from keras.src.initializers import random_initializers

    from legacy_conv import initializers

    model = _vgg()
    drawn, real = [], random_initializers.random

    def recorded(kind, function):
        def draw(*args, **kwargs):
            drawn.append(kind)
            return function(*args, **kwargs)
        return draw

    class Recording:  # Keras's draws
        def __getattr__(self, kind):
            function = getattr(real, kind)
            if kind not in ("uniform", "normal", "truncated_normal"):
                return function
            return recorded(kind, function)
    monkeypatch.setattr(random_initializers, "random", Recording())
    for kind, function in list(initializers.DRAWS.items()):  # Keras 1's, ours
        monkeypatch.setitem(initializers.DRAWS, kind, recorded(kind, function))
    lc.load_weights(model, VGG / "vgg_th_weights.h5")
    assert drawn == []
    assert_predicts(model, VGG, "vgg_th")
    _vgg("legacy")
    _vgg("native")
    assert set(drawn) >= {"uniform"}  # building from a config draws: the recording works


POOL_FLATTEN_DENSE = {"class_name": "Sequential", "config": [
    {"class_name": "MaxPooling2D", "config": {
        "name": "pool", "batch_input_shape": [None, 3, 8, 8], "pool_size": [2, 2],
        "strides": [2, 2], "border_mode": "valid", "dim_ordering": "th", "trainable": True}},
    {"class_name": "Flatten", "config": {"name": "flat", "trainable": True}},
    {"class_name": "Dense", "config": {
        "name": "dense", "output_dim": 4, "init": "glorot_uniform", "activation": "linear",
        "W_regularizer": None, "b_regularizer": None, "activity_regularizer": None,
        "W_constraint": None, "b_constraint": None, "bias": True, "input_dim": 48,
        "trainable": True}}]}


def test_a_native_th_model_of_builtins_only_is_refused_not_loaded_in_the_wrong_order(tmp_path):
    """Pooling → Flatten → Dense on 'th': every native layer is one a legacy model may hold,
    but the native Dense takes its rows channels-last; the unlisted Permute gives it away."""
    path = tmp_path / "weights.h5"
    rng = np.random.default_rng(0)
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = [b"pool", b"flat", b"dense"]
        for name, weights in (("pool", {}), ("flat", {}), ("dense", {
                "dense_W": rng.standard_normal((48, 4)), "dense_b": rng.standard_normal(4)})):
            group = f.create_group(name)
            group.attrs["weight_names"] = [w.encode() for w in weights]
            for weight, value in weights.items():
                group[weight] = value.astype("float32")
    x = rng.standard_normal((2, 3, 8, 8)).astype("float32")
    legacy = lc.model_from_json(json.dumps(POOL_FLATTEN_DENSE), keras1_backend="theano")
    expected = lc.load_weights(legacy, path).predict(x, verbose=0)
    native = keras.models.model_from_json(json.dumps(lc.convert_config(
        POOL_FLATTEN_DENSE, target="native", keras1_backend="theano")))
    with pytest.raises(ConversionError, match=r'layer "pool_input_to_channels_last" '
                       r"\(Permute\): is a Permute that the file does not list.*Pass "
                       r"keras1_config="):
        lc.load_weights(native, path, keras1_backend="theano")
    lc.load_weights(native, path, keras1_backend="theano", keras1_config=POOL_FLATTEN_DENSE)
    np.testing.assert_allclose(native.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-5)
