"""`legacy_conv.keras1`: Keras 1.2.2's layer API for code, checked against Keras 1 itself.

- the names each Keras 1 module exported (tests/fixtures/keras1_namespace/names.json,
  written inside Keras 1.2.2) are importable from the module of the same path;
- the Keras 1 code of the whole-model fixtures (tests/fixtures/keras1_models/model_defs.py,
  the code that Keras 1 ran to write them), run with only its imports pointed at this
  namespace, gives Keras 1's predictions (with Keras 1's weights) and the layers that
  loading the same model's file gives;
- Keras 1's errors for bad calls, positional arguments, `isinstance`, `get_config` round
  trips and `.keras` files.
"""

import contextlib
import importlib
import importlib.util
import inspect
import json
import sys
import types

import keras
import numpy as np
import pytest

from _fixtures import CONFIGS, CUSTOM_OBJECTS, FIXTURES, MODELS, assert_predicts, manifest
from _fixtures import read_json

import legacy_conv
from legacy_conv import backend as k1_backend
from legacy_conv import keras1
from legacy_conv.convert import layers as converter
from legacy_conv.convert import model_config
from legacy_conv.keras1 import layers as K1
from legacy_conv.spec import layers as spec

NAMES = read_json(FIXTURES / "keras1_namespace" / "names.json")
# Keras 1's abstract bases and models: exported by Keras 1, no layer by themselves.
NOT_LAYERS = set(spec.ABSTRACT) | set(spec.CONTAINERS)


def _mirror(keras1_module):
    return "legacy_conv.keras1" + keras1_module[len("keras"):]


# -- names --------------------------------------------------------------------------------------
NAME_CASES = [pytest.param(module, name, id=f"{module}.{name}")
              for module, names in NAMES["modules"].items() for name in names
              if name not in NOT_LAYERS]


def test_fixture_was_written_by_keras_122():
    assert NAMES["keras_version"] == spec.KERAS_VERSION
    assert len(NAME_CASES) > 150


@pytest.mark.parametrize("module, name", NAME_CASES)
def test_every_keras1_name_is_importable_from_its_module(module, name):
    mirror = importlib.import_module(_mirror(module))
    assert getattr(mirror, name) is getattr(K1, name)
    assert name in mirror.__all__


def test_modules_export_only_keras1_names():
    for module, names in NAMES["modules"].items():
        assert set(importlib.import_module(_mirror(module)).__all__) == set(names) - NOT_LAYERS


def test_merge_is_the_function_as_in_keras1():
    assert K1.merge is keras1.engine.merge and inspect.isfunction(K1.merge)
    assert K1.Merge is keras1.layers.core.Merge is keras1.engine.topology.Merge


def test_our_layers_are_exported_as_they_are_and_top_level_names_stay():
    for name in spec.converted("ours"):
        assert getattr(K1, name) is getattr(legacy_conv, name)
    assert K1.Conv2D is legacy_conv.Conv2D is legacy_conv.Convolution2D


def test_adapters_have_keras1_signatures():
    assert str(inspect.signature(K1.Dense)).startswith("(output_dim, init='glorot_uniform'")
    assert K1.LSTM.__module__ == "legacy_conv.keras1.layers.recurrent"
    assert "Keras 1's `LSTM(output_dim" in K1.LSTM.__doc__


# -- Keras 1's code, only its imports changed ---------------------------------------------------
def _model_defs():
    spec_ = importlib.util.spec_from_file_location("model_defs", MODELS / "model_defs.py")
    module = importlib.util.module_from_spec(spec_)
    spec_.loader.exec_module(module)
    return {m["name"]: m for m in module.MODELS}


class Sequential(keras.Sequential):
    def compile(self, *args, **kwargs):  # Keras 1's optimizers are not what is tested
        pass


def _model(input, output, name=None):
    model = keras.Model(input, output, name=name)
    model.compile = lambda *args, **kwargs: None
    return model


def _stand_ins():
    """The Keras 1 modules model_defs.py imports: this namespace, and stand-ins for the
    models (Keras 3's, compile ignored) and optimizers."""
    modules = {f"keras{m[len('legacy_conv.keras1'):]}": sys.modules[m]
               for m in list(sys.modules)
               if m.startswith(("legacy_conv.keras1.layers", "legacy_conv.keras1.engine"))}
    models = types.ModuleType("keras.models")
    models.Sequential, models.Model = Sequential, _model
    optimizers = types.ModuleType("keras.optimizers")
    optimizers.__getattr__ = lambda name: (lambda *args, **kwargs: None)
    modules.update({"keras.models": models, "keras.optimizers": optimizers,
                    "keras.regularizers": legacy_conv.regularizers,
                    "keras.constraints": legacy_conv.constraints})
    return modules


@contextlib.contextmanager
def keras1_imports(dim_ordering):
    """`from keras.layers import Dense` gives `legacy_conv.keras1.layers.Dense` (and so on)
    while the block runs; `dim_ordering` as a user's keras.json would set it."""
    for module in ("core", "convolutional", "pooling", "normalization", "embeddings",
                   "advanced_activations", "noise", "recurrent", "wrappers", "local",
                   "convolutional_recurrent"):
        importlib.import_module(f"legacy_conv.keras1.layers.{module}")
    importlib.import_module("legacy_conv.keras1.engine.topology")
    stand_ins = _stand_ins()
    saved = {name: sys.modules.get(name) for name in stand_ins}
    state = dict(k1_backend._state)  # restored as it was: unset stays unset (keras.json)
    sys.modules.update(stand_ins)
    if dim_ordering:
        legacy_conv.set_image_dim_ordering(dim_ordering)
    try:
        yield
    finally:
        k1_backend._state.update(state)
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module


def _refusal(folder, name):
    """What Keras 3 cannot hold in the model's Keras 1 code (the argument each refusal
    names), read from the Keras 1 config: a Sequential whose first layer merges Sequential
    branches (`layers`), a layer name with '/' (files are renamed, code is not)."""
    config = json.loads((folder / f"{name}.json").read_text())
    layers = config["config"]["layers"] if isinstance(config["config"], dict) else config[
        "config"]
    if config["class_name"] == "Sequential" and layers[0]["class_name"] == "Merge" and \
            layers[0]["config"].get("layers"):
        return "layers"
    if "/" in json.dumps([layer.get("name", "") for layer in layers]):
        return "/"
    return None
# Models with merges whose mode is a Python function (this package's Merge in code).
MERGE_FUNCTIONS = ("merge_function",)


def _model_cases():
    for backend in ("theano", "tensorflow"):
        folder = MODELS / f"k122_{backend}"
        for recorded in manifest(folder)["models"]:
            if not recorded.get("skipped"):
                yield pytest.param(folder, backend, recorded, id=f"{backend}-{recorded['name']}")


MODEL_CASES = list(_model_cases())


@pytest.mark.slow(quick=10)
@pytest.mark.parametrize("folder, backend, recorded", MODEL_CASES)
def test_keras1_code_gives_keras1_predictions(folder, backend, recorded):
    name = recorded["name"]
    definition = _model_defs()[name]
    legacy_conv.set_keras1_backend(backend)
    try:
        with keras1_imports(recorded.get("image_dim_ordering")):
            refused = _refusal(folder, name)
            if refused:
                with pytest.raises(ValueError, match=f"`{refused}`"):
                    definition["build"]()
                return
            model = definition["build"]()
        if name in MERGE_FUNCTIONS:  # its file needs the functions: weights in Keras 1's order
            legacy_conv.load_weights(model, folder / f"{name}_weights.h5",
                                     keras1_backend=backend)
            assert_predicts(model, folder, name)
            return
        # the same Keras 3 layers as the model loaded from Keras 1's file ...
        loaded = legacy_conv.model_from_json((folder / f"{name}.json").read_text(),
                                             keras1_backend=backend,
                                             custom_objects=CUSTOM_OBJECTS.get(name))
        assert [type(layer) for layer in _leaves(model)] == [
            type(layer) for layer in _leaves(loaded)]
        # ... and, with Keras 1's weights, Keras 1's predictions. (The weights come through
        # the loaded model: the code's layers have Keras 3's names, not Keras 1's, and a
        # nested model's weights are matched by name.)
        legacy_conv.load_weights(loaded, folder / f"{name}_weights.h5", keras1_backend=backend)
        for mine, theirs in zip(_leaves(model), _leaves(loaded)):
            # PReLU's shared alphas: the JSON alone (no shared_axes) broadcast them
            mine.set_weights([w[tuple(slice(0, d) for d in v.shape)]
                              for w, v in zip(theirs.get_weights(), mine.weights)])
        assert_predicts(model, folder, name)
    finally:
        legacy_conv.set_keras1_backend(None)


def _leaves(model):
    out = []
    for layer in model.layers:
        out += _leaves(layer) if isinstance(layer, keras.Model) else [layer]
    return [layer for layer in out if not isinstance(layer, keras.layers.InputLayer)]


# -- each layer of Keras 1's configs, called with its config's arguments -------------------------
def _without_seeds(config):
    if isinstance(config, dict):
        return {k: _without_seeds(v) for k, v in config.items() if k not in ("name", "seed")}
    if isinstance(config, list):
        return [_without_seeds(v) for v in config]
    return config


def _config_layers():
    for backend in ("theano", "tensorflow"):
        for path in sorted((CONFIGS / backend).glob("*.json")):
            yield pytest.param(backend, path, id=f"{backend}-{path.stem}")


@pytest.mark.parametrize("backend, path", list(_config_layers()))
def test_a_call_with_a_keras1_config_gives_the_converted_layer(backend, path):
    """`Class(**config)` for every layer config that Keras 1 wrote (wrappers and merges are
    covered by the model test) is the layer the converter makes of that config (with the
    Keras 1 defaults of what Keras 1 did not save, e.g. BatchNormalization's beta_init)."""
    model = json.loads(path.read_text())
    legacy_conv.set_keras1_backend(backend)
    try:
        for class_name, config in model_config.walk(model["class_name"], model["config"]):
            record = spec.LAYERS.get(class_name)
            if record is None or record.converts != "builtin" or "layer" in record.args or \
                    class_name == "Merge":
                continue
            ctx = model_config.Context(keras1_backend=backend)
            ctx.keras_version = model["keras_version"]
            defaults = {k: v for k, v in spec.defaults(class_name).items() if k in record.args}
            converted, _ = converter.convert_layer(class_name, {**defaults, **config}, ctx)
            expected = keras.saving.deserialize_keras_object(converted)
            layer = getattr(K1, class_name)(**config)
            assert type(layer) is type(expected)
            assert _without_seeds(layer.get_config()) == _without_seeds(expected.get_config())
    finally:
        legacy_conv.set_keras1_backend(None)


# -- calls ------------------------------------------------------------------------------------
@pytest.mark.parametrize("error", NAMES["errors"], ids=lambda e: e["call"])
def test_bad_calls_raise_what_keras1_raised(error):
    with pytest.raises(Exception) as info:
        eval(error["call"], vars(K1))
    assert type(info.value).__name__ == error["error"]  # TypeError or ValueError, as Keras 1's
    message = str(info.value)
    words = [w.strip("'\"(),:") for w in error["message"].split()]
    named = [w for w in words if w in message and w not in ("", "argument")]
    assert named, (message, error["message"])  # names the argument or the value


def test_argument_errors_name_layer_argument_and_value():
    with pytest.raises(ValueError, match=r"^Dense layer \"d\": `init` must be a Keras 1 "
                                         r"initialization name .*Received: init='nope'$"):
        K1.Dense(3, init="nope", name="d")
    with pytest.raises(ValueError, match="`noise_shape` .*Keras 1's default None"):
        K1.Dropout(0.5, noise_shape=(1, 2))


@pytest.mark.parametrize("call, message", [
    ("TimeDistributed(5)", r"^TimeDistributed layer: `layer` must be a layer\. Received: layer=5"),
    ("Dense('ten')", r"^Dense layer: `output_dim` must be a positive integer"),
    ("Dense(3, W_regularizer='l9')", r"^Dense layer: `W_regularizer` is not a Keras 1 regular"),
    ("Dense(3, input_shape=5)", r"^Dense layer: `input_shape` must be a tuple"),
    ("LSTM(3, consume_less='fast')", r"^LSTM layer: `consume_less` must be one of 'cpu'"),
], ids=lambda v: v if "(" in v else "")
def test_bad_values_name_layer_argument_and_value(call, message):
    with pytest.raises(ValueError, match=message):
        eval(call, vars(K1))


def test_backend_dependent_layers_follow_the_keras1_backend():
    try:
        legacy_conv.set_keras1_backend("theano")
        assert type(K1.AveragePooling2D(border_mode="same")) is legacy_conv.AveragePooling2D
        legacy_conv.set_keras1_backend("tensorflow")
        assert type(K1.AveragePooling2D(border_mode="same")) is keras.layers.AveragePooling2D
    finally:
        legacy_conv.set_keras1_backend(None)


def test_positional_arguments_are_keras1s():
    assert K1.Dense(10).units == 10
    conv = K1.Convolution2D(32, 3, 5)
    config = conv.get_config()
    assert (config["nb_filter"], config["nb_row"], config["nb_col"]) == (32, 3, 5)
    lstm = K1.LSTM(4, "zero")
    assert lstm.get_config()["kernel_initializer"]["config"]["init"] == "zero"
    assert K1.Dropout(0.3).rate == pytest.approx(0.3)


def test_keras1_defaults_and_meaning():
    gru = K1.GRU(3)
    assert gru.get_config()["recurrent_activation"]["config"] == "legacy_conv>hard_sigmoid"
    assert gru.get_config()["reset_after"] is False
    dense = K1.Dense(10, init="he_normal", W_regularizer=legacy_conv.regularizers.l2(0.01))
    weights = np.ones((4, 10), "float32")
    assert float(dense.kernel_regularizer(weights)) == pytest.approx(0.4)
    lstm = K1.LSTM(32, consume_less="gpu", dropout_W=0.2)
    assert lstm.get_config()["dropout"] == pytest.approx(0.2)
    # Keras 1 dropped nothing for a rate outside (0, 1)
    assert K1.LSTM(3, dropout_U=1.5).get_config()["recurrent_dropout"] == 0.0


def test_activations_given_as_functions():
    assert K1.Dense(3, activation=legacy_conv.activations.relu).get_config()[
        "activation"] == "relu"
    doubled = K1.Dense(2, init="one", activation=lambda x: x * 2)(np.ones((1, 3), "float32"))
    np.testing.assert_array_equal(doubled, [[6.0, 6.0]])


def test_legacy_layers_where_only_ours_is_exact():
    assert isinstance(K1.BatchNormalization(mode=1), legacy_conv.BatchNormalization)
    assert type(K1.BatchNormalization()) is keras.layers.BatchNormalization
    assert isinstance(K1.LeakyReLU(alpha=-0.5), legacy_conv.LeakyReLU)


def test_isinstance_holds_for_what_an_adapter_returns():
    dense = K1.Dense(3)
    assert isinstance(dense, K1.Dense) and isinstance(dense, keras.layers.Dense)
    assert not isinstance(dense, K1.LSTM)
    assert isinstance(K1.BatchNormalization(mode=2), K1.BatchNormalization)
    assert isinstance(K1.Merge(mode="concat"), K1.Merge)
    assert isinstance(K1.Merge(mode="cos"), K1.Merge)


def test_wrappers_and_input_shapes():
    model = keras.Sequential([K1.TimeDistributed(K1.Dense(2), input_shape=(5, 3)),
                              K1.Bidirectional(K1.LSTM(4, return_sequences=True))])
    assert model.output_shape == (None, 5, 8)
    assert keras.Sequential([K1.Dense(3, input_dim=7)]).input_shape == (None, 7)
    assert keras.Sequential([K1.LSTM(3, input_dim=2, input_length=6)]).input_shape == (
        None, 6, 2)
    assert keras.Sequential([K1.Embedding(9, 2, input_length=4)]).input_shape == (None, 4)
    assert keras.Sequential([K1.Lambda(lambda x: x, input_shape=(3,))]).input_shape == (None, 3)


def test_keras1_weights_argument_is_in_keras1s_layout():
    matrix = np.arange(12, dtype="float32").reshape(6, 2)
    embedding = K1.Embedding(6, 2, weights=[matrix])
    np.testing.assert_array_equal(embedding(np.array([[5, 0]])).numpy()[0], matrix[[5, 0]])


def test_modernize_takes_a_model_built_in_code():
    model = keras.Sequential([
        keras.Input((1, 6, 6)), K1.Convolution2D(2, 3, 3, dim_ordering="th"),
        K1.MaxPooling2D(border_mode="same", dim_ordering="th"), K1.Flatten(), K1.Dense(3),
        K1.BatchNormalization()])
    native = legacy_conv.modernize(model)
    assert not any(type(layer).__module__.startswith("legacy_conv") for layer in native.layers)
    x = np.random.RandomState(0).rand(2, 1, 6, 6).astype("float32")
    np.testing.assert_allclose(native.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)


def test_keras1_weights_of_a_gated_layer_are_its_per_gate_arrays():
    # Keras 1's LSTM file order: W, U, b of the gates i, c, f, o; Keras 3's: i, f, c, o
    arrays = [np.full(shape, i, "float32") for i, shape in enumerate([(3, 2), (2, 2), (2,)] * 4)]
    lstm = K1.LSTM(2, weights=arrays, input_dim=3, input_length=4)
    keras.Sequential([lstm])
    np.testing.assert_array_equal(lstm.get_weights()[2], [2, 2, 8, 8, 5, 5, 11, 11])


def test_functions_input_merge_lambda():
    a, b = K1.Input(shape=(3,)), K1.Input(shape=(3,))
    out = K1.merge([a, b], mode="concat")
    assert tuple(out.shape) == (None, 6)
    doubled = K1.Lambda(lambda x: x * 2)(a)
    assert tuple(doubled.shape) == (None, 3)
    assert isinstance(K1.Merge(mode=lambda xs: xs[0] - xs[1]), legacy_conv.Merge)


def test_merge_of_branches_is_refused_with_the_fix():
    with pytest.raises(ValueError, match=r"`layers` must be None.*Call merge\("):
        K1.Merge([keras.Sequential(), keras.Sequential()], mode="concat")


def test_a_class_not_converted_says_why(monkeypatch):
    from legacy_conv.keras1 import _adapters
    monkeypatch.setitem(spec.LAYERS, "Highway", spec.LAYERS["Highway"]._replace(
        converts=None, why="no layer for it yet"))
    with pytest.raises(NotImplementedError, match="^Highway: .*no layer for it yet"):
        _adapters._adapter("Highway")()


# -- serialization ---------------------------------------------------------------------------
# One call per adapter (Keras 1 arguments, an input shape).
SAMPLES = [
    ("Dense(3, init='he_normal', W_regularizer=l2(0.01), activity_regularizer=l1(0.1))", (4,)),
    ("Activation('hard_sigmoid')", (4,)),
    ("Dropout(0.5)", (4,)),
    ("Reshape((2, 2))", (4,)),
    ("Permute((2, 1))", (2, 3)),
    ("RepeatVector(2)", (4,)),
    ("Masking(0.0)", (2, 3)),
    ("Flatten()", (2, 3)),
    ("MaxPooling2D(border_mode='same', dim_ordering='th')", (2, 5, 5)),
    ("AveragePooling1D(3, border_mode='same')", (5, 2)),
    ("GlobalAveragePooling2D(dim_ordering='th')", (2, 3, 3)),
    ("BatchNormalization(mode=1)", (4,)),
    ("BatchNormalization(axis=1)", (2, 3)),
    ("Embedding(7, 3)", (4,)),
    ("LeakyReLU(0.2)", (4,)),
    ("ELU(0.5)", (4,)),
    ("PReLU()", (4,)),
    ("GaussianNoise(2.0)", (4,)),
    ("SimpleRNN(2)", (3, 2)),
    ("GRU(2, return_sequences=True)", (3, 2)),
    ("LSTM(2, consume_less='gpu')", (3, 2)),
    ("TimeDistributed(Dense(2))", (3, 2)),
    ("Bidirectional(LSTM(2), merge_mode='sum')", (3, 2)),
]


@pytest.mark.parametrize("call, shape", SAMPLES, ids=[c for c, _ in SAMPLES])
def test_get_config_round_trips_and_saves(call, shape, tmp_path):
    scope = {**vars(K1), **vars(legacy_conv.regularizers)}
    layer = eval(call, scope)
    again = type(layer).from_config(layer.get_config())
    assert json.dumps(again.get_config(), sort_keys=True, default=str) == json.dumps(
        layer.get_config(), sort_keys=True, default=str)
    model = keras.Sequential([keras.Input(shape), layer])
    x = np.random.RandomState(0).uniform(0, 6, (2,) + shape).astype("float32")
    if call.startswith("Embedding"):
        x = x.astype("int32")
    path = tmp_path / "layer.keras"
    model.save(path)
    reloaded = keras.saving.load_model(path)
    np.testing.assert_allclose(reloaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6, atol=1e-6)
