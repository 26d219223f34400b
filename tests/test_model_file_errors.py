"""Bad Keras 1 configs and files: one ConversionError that names the file, layer, field, value."""

import json

import h5py
import numpy as np
import pytest

import legacy_conv
from legacy_conv import loading
from legacy_conv.errors import ConversionError

CONV = {"class_name": "Convolution2D", "config": {
    "name": "conv", "trainable": True, "batch_input_shape": [None, 3, 8, 8],
    "input_dtype": "float32", "nb_filter": 4, "nb_row": 3, "nb_col": 3, "init": "glorot_uniform",
    "activation": "relu", "border_mode": "same", "subsample": [1, 1], "dim_ordering": "th",
    "W_regularizer": None, "b_regularizer": None, "activity_regularizer": None,
    "W_constraint": None, "b_constraint": None, "bias": True}}
FLATTEN = {"class_name": "Flatten", "config": {"name": "flat", "trainable": True}}
DENSE = {"class_name": "Dense", "config": {
    "name": "dense", "trainable": True, "output_dim": 2, "init": "glorot_uniform",
    "activation": "softmax", "W_regularizer": None, "b_regularizer": None,
    "activity_regularizer": None, "W_constraint": None, "b_constraint": None, "bias": True,
    "input_dim": None}}


def sequential(*layers):
    return {"class_name": "Sequential", "config": [json.loads(json.dumps(l)) for l in layers],
            "keras_version": "1.2.2"}


def with_changes(layer, **changes):
    layer = json.loads(json.dumps(layer))
    layer["config"].update(changes)
    return layer


def test_a_valid_config_builds_and_round_trips_through_keras_json():
    config = legacy_conv.convert_config(sequential(CONV, FLATTEN, DENSE))
    import keras
    model = keras.models.model_from_json(json.dumps(config))
    assert model.output_shape == (None, 2)
    assert model.input_shape == (None, 3, 8, 8)


def test_double_encoded_json_is_accepted():
    text = json.dumps(json.dumps(sequential(CONV, FLATTEN, DENSE)))
    assert legacy_conv.model_from_json(text).output_shape == (None, 2)


@pytest.mark.parametrize("text, words", [
    ("{not json", ["config", "not valid JSON"]),
    ("[1, 2]", ["must be a Keras 1 model config"]),
    (json.dumps({"class_name": "Graph", "config": {}}), ["'Sequential' or 'Model'", "Graph"]),
    (json.dumps({"class_name": "Sequential"}), ["has no 'config'"]),
    (json.dumps({"class_name": "Sequential", "config": []}), ["non-empty list"]),
    (json.dumps({"class_name": "Sequential", "config": [1]}), ["class_name", "Received"]),
])
def test_malformed_configs(text, words):
    with pytest.raises(ConversionError) as info:
        legacy_conv.convert_config(text)
    for word in words:
        assert word in str(info.value)


@pytest.mark.parametrize("layer, words", [
    (with_changes(DENSE, output_dim="2"), ['"dense" (Dense)', "`output_dim`", "'2'"]),
    (with_changes(DENSE, activation="swish"), ["`activation`", "'swish'", "custom_objects"]),
    (with_changes(DENSE, init="<lambda>"), ["`init`", "'<lambda>'", "custom_objects"]),
    (with_changes(DENSE, colour="red"), ["`colour`", "not an argument", "'red'"]),
    (with_changes(DENSE, W_regularizer={"name": "Nope"}), ["`W_regularizer`", "Nope"]),
    (with_changes(FLATTEN, name=""), ["`name`"]),
])
def test_ill_typed_or_unknown_arguments(layer, words):
    with pytest.raises(ConversionError) as info:
        legacy_conv.convert_config(sequential(CONV, FLATTEN, layer))
    for word in words:
        assert word in str(info.value)


def test_errors_from_our_layers_become_conversion_errors_naming_the_layer():
    bad = with_changes(CONV, border_mode="fancy")
    with pytest.raises(ConversionError) as info:
        legacy_conv.model_from_json(json.dumps(sequential(bad, FLATTEN, DENSE)))
    assert "border_mode" in str(info.value) and "fancy" in str(info.value)


def test_every_unconvertible_class_is_listed_in_one_error():
    lstm = {"class_name": "AttentionLSTM", "config": {"name": "rnn"}}  # a 2016 add-on
    odd = {"class_name": "MyLayer", "config": {"name": "mine"}}
    with pytest.raises(ConversionError) as info:
        legacy_conv.convert_config(sequential(CONV, lstm, FLATTEN, odd, DENSE))
    message = str(info.value)
    assert 'AttentionLSTM (layer "rnn")' in message and 'MyLayer (layer "mine")' in message
    assert "custom_objects" in message


def test_a_custom_class_converts_when_supplied():
    import keras

    @keras.saving.register_keras_serializable(package="test_custom")
    class Doubler(keras.layers.Layer):
        def call(self, x):
            return 2 * x

    odd = {"class_name": "Doubler", "config": {"name": "twice", "trainable": True}}
    model = legacy_conv.model_from_json(json.dumps(sequential(CONV, odd, FLATTEN, DENSE)),
                                        custom_objects={"Doubler": Doubler})
    assert isinstance(model.get_layer("twice"), Doubler)


def test_lambda_needs_custom_objects_and_is_never_executed():
    marshalled = {"class_name": "Lambda", "config": {
        "name": "scale", "trainable": True, "function": ["\u00e3\u0001garbage", None, None],
        "function_type": "lambda", "output_shape": None, "output_shape_type": "raw",
        "arguments": {}}}
    config = sequential(CONV, marshalled, FLATTEN, DENSE)
    with pytest.raises(ConversionError) as info:
        legacy_conv.model_from_json(json.dumps(config))
    assert '"scale" (Lambda)' in str(info.value) and "custom_objects={'scale'" in str(info.value)
    model = legacy_conv.model_from_json(json.dumps(config),
                                        custom_objects={"scale": lambda x: x * 3})
    x = np.ones((1, 3, 8, 8), "float32")
    scale = model.get_layer("scale")
    np.testing.assert_allclose(scale(x), 3 * x)


YAML = """class_name: Sequential
config:
- class_name: Dense
  config: {W_constraint: null, W_regularizer: null, activation: linear,
    activity_regularizer: null, b_constraint: null, b_regularizer: null, bias: true,
    batch_input_shape: !!python/tuple [null, 4], init: glorot_uniform, input_dim: 4,
    input_dtype: float32, name: dense_1, output_dim: 3, trainable: true}
keras_version: 1.2.2
"""


def test_yaml_with_python_tuples_loads_and_other_python_tags_are_refused():
    assert legacy_conv.model_from_yaml(YAML).input_shape == (None, 4)
    with pytest.raises(ConversionError) as info:
        legacy_conv.model_from_yaml(YAML.replace("!!python/tuple", "!!python/object/apply:os.system"))
    assert "YAML" in str(info.value)


def test_unrecorded_orderings_follow_the_given_or_inferred_one():
    pad = {"class_name": "ZeroPadding2D", "config": {"name": "pad", "trainable": True,
                                                      "padding": [1, 1]}}
    config = sequential(CONV, pad, FLATTEN, DENSE)
    model = legacy_conv.model_from_json(json.dumps(config))
    assert model.get_layer("pad").dim_ordering == "th"  # its neighbours record 'th'
    model = legacy_conv.model_from_json(json.dumps(config), image_dim_ordering="tf")
    assert model.get_layer("pad").dim_ordering == "tf"


# -- files ------------------------------------------------------------------------------
def test_missing_non_hdf5_and_weights_only_files(tmp_path):
    with pytest.raises(ConversionError, match="does not exist"):
        legacy_conv.load_model(tmp_path / "nope.h5")
    junk = tmp_path / "junk.h5"
    junk.write_bytes(b"not an hdf5 file at all")
    with pytest.raises(ConversionError) as info:
        legacy_conv.load_model(junk)
    assert str(junk) in str(info.value) and "HDF5" in str(info.value)
    weights_only = tmp_path / "weights.h5"
    with h5py.File(weights_only, "w") as f:
        f.attrs["layer_names"] = [b"conv"]
        f.create_group("conv").attrs["weight_names"] = []
    with pytest.raises(ConversionError, match="load_weights"):
        legacy_conv.load_model(weights_only)


def _weights_file(path, layers):
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = [name.encode() for name in layers]
        for name, arrays in layers.items():
            g = f.create_group(name)
            g.attrs["weight_names"] = [f"{name}_{i}".encode() for i in range(len(arrays))]
            for i, array in enumerate(arrays):
                g.create_dataset(f"{name}_{i}", data=array)


def test_weights_that_do_not_match_the_model_leave_it_untouched(tmp_path):
    model = legacy_conv.model_from_json(json.dumps(sequential(CONV, FLATTEN, DENSE)))
    before = [w.copy() for w in model.get_weights()]
    path = tmp_path / "w.h5"
    _weights_file(path, {"conv": [np.ones((4, 3, 3, 3)), np.ones(4)],
                         "dense": [np.ones((255, 2)), np.ones(2)]})
    with pytest.raises(ConversionError) as info:
        legacy_conv.load_weights(model, path)
    message = str(info.value)
    assert str(path) in message and '"dense"' in message and "(255, 2)" in message
    for old, new in zip(before, model.get_weights()):
        np.testing.assert_array_equal(old, new)
    _weights_file(path, {"conv": [np.ones((4, 3, 3, 3)), np.ones(4)]})
    with pytest.raises(ConversionError, match="in the model only: \\['dense'\\]"):
        legacy_conv.load_weights(model, path)


def test_weights_match_by_order_when_names_differ(tmp_path):
    model = legacy_conv.model_from_json(json.dumps(sequential(CONV, FLATTEN, DENSE)))
    path = tmp_path / "w.h5"
    _weights_file(path, {"c1": [np.full((4, 3, 3, 3), 0.5), np.ones(4)],
                         "d1": [np.full((256, 2), 0.25), np.ones(2)]})
    with pytest.warns(UserWarning, match="by order"):
        legacy_conv.load_weights(model, path)
    np.testing.assert_array_equal(model.get_layer("dense").get_weights()[0], 0.25)


def test_truncated_file(tmp_path):
    model = legacy_conv.model_from_json(json.dumps(sequential(CONV, FLATTEN, DENSE)))
    path = tmp_path / "w.h5"
    _weights_file(path, {"conv": [np.ones((4, 3, 3, 3)), np.ones(4)],
                         "dense": [np.ones((256, 2)), np.ones(2)]})
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ConversionError) as info:
        legacy_conv.load_weights(model, path)
    assert str(path) in str(info.value)


def test_bad_api_arguments():
    with pytest.raises(ConversionError, match="target"):
        legacy_conv.convert_config(sequential(DENSE), target="modern")
    with pytest.raises(ConversionError, match="keras1_backend"):
        legacy_conv.convert_config(sequential(DENSE), keras1_backend="cntk")
    with pytest.raises(ConversionError, match="image_dim_ordering"):
        legacy_conv.convert_config(sequential(DENSE), image_dim_ordering="nchw")
    assert issubclass(ConversionError, ValueError)
    assert loading.TARGETS == ("legacy", "native")


def test_a_custom_init_of_our_layer_needs_custom_objects():
    bad = with_changes(CONV, init="<lambda>")  # as a user's lambda init was saved (FlappyBird)
    with pytest.raises(ConversionError) as info:
        legacy_conv.convert_config(sequential(bad, FLATTEN, DENSE))
    for word in ['"conv" (Convolution2D)', "`init`", "'<lambda>'", "custom_objects"]:
        assert word in str(info.value)


@pytest.mark.parametrize("supplied", ["keras3", "keras1"])
def test_a_custom_init_of_our_layer_converts_when_supplied(supplied, tmp_path):
    import keras

    def keras1_normal(shape, name=None):  # Keras 1's signature, as user code had it
        return np.random.RandomState(0).normal(0.0, 0.01, shape).astype("float32")

    init = {"keras3": keras.initializers.RandomNormal(stddev=0.01, seed=1),
            "keras1": keras1_normal}[supplied]
    text = json.dumps(sequential(with_changes(CONV, init="<lambda>"), FLATTEN, DENSE))
    model = legacy_conv.model_from_json(text, custom_objects={"<lambda>": init})
    kernel = model.get_layer("conv").get_weights()[0]
    assert kernel.shape == (4, 3, 3, 3) and 0.005 < kernel.std() < 0.015
    assert model.get_layer("conv").get_config()["init"] == "<lambda>"
    path = tmp_path / "custom_init.keras"
    model.save(path)
    again = keras.models.load_model(path, custom_objects={"<lambda>": init})
    np.testing.assert_array_equal(again.get_layer("conv").get_weights()[0], kernel)


def test_batchnormalization_takes_custom_inits_by_name():
    import keras

    with keras.saving.custom_object_scope({"halves": keras.initializers.Constant(0.5)}):
        layer = legacy_conv.BatchNormalization(gamma_init="halves", input_shape=(3,))
        model = keras.Sequential([layer])
    np.testing.assert_array_equal(layer.get_weights()[0], [0.5, 0.5, 0.5])
    assert model.layers[0].get_config()["gamma_init"] == "halves"
    with pytest.raises(ValueError, match="gamma_init.*custom_objects"):
        legacy_conv.BatchNormalization(gamma_init="nowhere")
