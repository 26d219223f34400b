"""Graph and config forms of Keras 1 model files (issue 14): a `merge` whose mode is a Python
function (supplied through custom_objects), a Sequential config that starts with an
InputLayer, layer names with '/', and a `dim_ordering` that nothing in the file records.

The files and Keras 1's predictions were written by Keras 1.2.2 on Theano and TensorFlow
(tests/fixtures/keras1_models/make_models.py: merge_function, seq_input_layer, slash_names,
pad_tf_unrecorded).
"""

import copy
import json
import warnings

import keras
import numpy as np
import pytest

from _fixtures import CUSTOM_OBJECTS, MODELS, assert_predicts, manifest

import legacy_conv as lc
from legacy_conv.errors import ConversionError

TARGETS = ("legacy", "native")


def _cases(name):
    for folder in sorted(MODELS.glob("k122_*")):
        if any(m["name"] == name for m in manifest(folder)["models"]):
            backend = manifest(folder)["backend"]
            for target in TARGETS:
                yield pytest.param(folder, backend, target, id=f"{folder.name}-{target}")


def _config(folder, name):
    return json.loads((folder / f"{name}.json").read_text())


def _load(folder, name, backend, target, route="h5", config=None, **kwargs):
    """The model NAME by `route` ('h5': load_model; 'json': model_from_json + load_weights),
    with the warnings it gave."""
    kwargs.setdefault("custom_objects", CUSTOM_OBJECTS.get(name))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if route == "h5":
            model = lc.load_model(folder / f"{name}.h5", keras1_backend=backend, target=target,
                                  compile=False, **kwargs)
        else:
            text = json.dumps(config or _config(folder, name))
            model = lc.model_from_json(text, keras1_backend=backend, target=target, **kwargs)
            origin = dict(keras1_config=text, custom_objects=kwargs["custom_objects"]) \
                if target == "native" else {}
            lc.load_weights(model, folder / f"{name}_weights.h5", keras1_backend=backend,
                            **origin)
    return model, [str(w.message) for w in caught]


# -- Merge with a function mode ----------------------------------------------------------------
@pytest.mark.parametrize("route", ("h5", "json"))
@pytest.mark.parametrize("folder, backend, target", _cases("merge_function"))
def test_function_merge_gives_keras1_predictions(folder, backend, target, route):
    model, _ = _load(folder, "merge_function", backend, target, route)
    assert_predicts(model, folder, "merge_function")
    kinds = {layer.name: type(layer).__name__ for layer in model.layers}
    assert kinds["diff"] == ("Merge" if target == "legacy" else "Lambda")


@pytest.mark.parametrize("route", ("h5", "json"))
@pytest.mark.parametrize("folder, backend, target", _cases("seq_merge_function"))
def test_sequential_merge_of_branches_with_a_function_mode(folder, backend, target, route):
    """Keras 1's `Sequential([Merge([left, right], mode=lambda ...)])`, `left` starting with
    an InputLayer."""
    model, _ = _load(folder, "seq_merge_function", backend, target, route)
    assert_predicts(model, folder, "seq_merge_function")
    assert [t.name for t in model.inputs][0] == "left_in"


@pytest.mark.parametrize("folder, backend, target", [
    case for case in _cases("merge_function") if case.values[2] == "legacy"])
def test_function_merge_saves_to_keras_and_reloads_in_safe_mode(folder, backend, target,
                                                                 tmp_path):
    """Our Merge saves its functions by their custom_objects keys (a native Lambda holding a
    Python lambda saves its bytecode, as every Keras 3 Lambda does)."""
    model, _ = _load(folder, "merge_function", backend, target)
    model.save(tmp_path / "m.keras")
    again = keras.models.load_model(tmp_path / "m.keras", compile=False,
                                    custom_objects=CUSTOM_OBJECTS["merge_function"])
    assert_predicts(again, folder, "merge_function")


def test_function_merge_without_the_function_names_the_layer_and_the_key():
    folder = MODELS / "k122_theano"
    with pytest.raises(ConversionError) as info:
        lc.load_model(folder / "merge_function.h5", keras1_backend="theano",
                      custom_objects={"scaled": lambda xs, scale: xs[0]})
    message = str(info.value)
    assert 'layer "diff" (Merge): `mode` holds Python code that Keras 1 marshalled' in message
    assert "custom_objects={'diff': function}" in message


def test_function_merge_found_by_the_function_name_keras1_saved():
    """Keras 1 saved a callable that is no Python function (mode_type 'function') by name."""
    folder = MODELS / "k122_tensorflow"
    config = _config(folder, "merge_function")
    layer = next(item for item in config["config"]["layers"] if item["name"] == "diff")
    layer["config"].update(mode="twice_minus", mode_type="function")
    custom = {"twice_minus": CUSTOM_OBJECTS["merge_function"]["diff"],
              "scaled": CUSTOM_OBJECTS["merge_function"]["scaled"]}
    model, _ = _load(folder, "merge_function", "tensorflow", "legacy", "json", config,
                     custom_objects=custom)
    assert_predicts(model, folder, "merge_function")


def test_function_merge_output_mask_function_must_be_supplied():
    folder = MODELS / "k122_tensorflow"
    config = _config(folder, "merge_function")
    layer = next(item for item in config["config"]["layers"] if item["name"] == "diff")
    layer["config"].update(output_mask=layer["config"]["mode"], output_mask_type="lambda")
    with pytest.raises(ConversionError, match=r"`output_mask` holds Python code .* "
                       r"custom_objects=\{'diff_output_mask': function\}"):
        lc.model_from_json(json.dumps(config), custom_objects=CUSTOM_OBJECTS["merge_function"])
    custom = {**CUSTOM_OBJECTS["merge_function"], "diff_output_mask": lambda masks: masks[0]}
    model = lc.model_from_json(json.dumps(config), custom_objects=custom)
    assert callable(model.get_layer("diff").output_mask)
    with pytest.raises(ConversionError, match="output_mask"):
        lc.model_from_json(json.dumps(config), custom_objects=custom, target="native")


def test_merge_in_code_takes_a_function_mode_arguments_and_mask():
    a, b = keras.Input((3,)), keras.Input((3,))
    y = lc.merge([a, b], mode=_scaled, arguments={"scale": 2.0}, output_shape=(3,),
                 name="m")
    model = keras.Model([a, b], y)
    x1, x2 = np.ones((2, 3), "float32"), np.full((2, 3), 0.5, "float32")
    np.testing.assert_allclose(model.predict([x1, x2], verbose=0), np.full((2, 3), 1.5))
    layer = model.get_layer("m")
    with keras.saving.custom_object_scope({"_scaled": _scaled}):
        again = lc.Merge.from_config(layer.get_config())
    assert again.mode is _scaled and again.arguments == {"scale": 2.0}
    masked = lc.Merge(mode=_with_mask, output_mask=lambda masks: masks[1])
    x, m = [np.ones((1, 2, 1), "float32")] * 2, [None, np.array([[True, False]])]
    np.testing.assert_array_equal(masked.compute_mask(x, m), m[1])
    np.testing.assert_allclose(masked(x, mask=m), np.ones((1, 2, 1)))


def _scaled(xs, scale):
    return xs[0] * scale - xs[1]


def _with_mask(xs, mask=None):
    return xs[0] if mask is None else xs[1]


def test_merge_refuses_saved_code_with_how_to_supply_it():
    with pytest.raises(ValueError, match=r"custom_objects=\{'m': function\}"):
        lc.Merge.from_config({"name": "m", "mode": "<bytecode>", "mode_type": "lambda"})


# -- a Sequential config that starts with an InputLayer ------------------------------------
@pytest.mark.parametrize("route", ("h5", "json"))
@pytest.mark.parametrize("folder, backend, target", _cases("seq_input_layer"))
def test_sequential_starting_with_an_input_layer(folder, backend, target, route):
    model, _ = _load(folder, "seq_input_layer", backend, target, route)
    assert_predicts(model, folder, "seq_input_layer")


def test_sequential_input_layer_becomes_the_keras3_input():
    config = lc.convert_config(_config(MODELS / "k122_theano", "seq_input_layer"))
    first = config["config"]["layers"][0]
    assert first["class_name"] == "InputLayer"
    assert first["config"]["name"] == "inputs"
    assert first["config"]["batch_shape"] == [None, 5]
    assert [layer["class_name"] for layer in config["config"]["layers"]].count(
        "InputLayer") == 1


def test_merge_branch_starting_with_an_input_layer():
    """A Sequential `Merge([branch, ...])` whose branch starts with an InputLayer."""
    seq = _config(MODELS / "k122_theano", "seq_input_layer")["config"]
    other = copy.deepcopy(seq)
    for layer in other:
        layer["config"]["name"] += "_b"
    merge = {"class_name": "Merge", "config": {
        "name": "merge_1", "mode": "sum", "mode_type": "raw", "layers": [
            {"class_name": "Sequential", "config": seq},
            {"class_name": "Sequential", "config": other}]}}
    model = lc.model_from_json(json.dumps({"class_name": "Sequential", "config": [merge]}))
    assert [t.name for t in model.inputs] == ["inputs", "inputs_b"]
    assert model.output_shape == (None, 2)


# -- layer names with '/' --------------------------------------------------------------------
RENAMED = ('renamed: "in/x" -> "in_x", "block1/dense" -> "block1_dense_1", '
           '"head/out" -> "head_out"')


@pytest.mark.parametrize("route", ("h5", "json"))
@pytest.mark.parametrize("folder, backend, target", _cases("slash_names"))
def test_slash_names_renamed_with_a_warning(folder, backend, target, route):
    model, caught = _load(folder, "slash_names", backend, target, route)
    assert_predicts(model, folder, "slash_names")
    assert any(RENAMED in w for w in caught), caught
    assert not any("matching layers by order" in w for w in caught)
    names = {layer.name for layer in model.layers}
    assert {"in_x", "block1_dense_1", "block1_dense", "head_out"} <= names
    # each weight came by its Keras 1 name: 'block1_dense' is not 'block1/dense'
    kernel = model.get_layer("block1_dense").get_weights()[0]
    assert kernel.shape == (4, 4)


# -- an unrecorded dim_ordering --------------------------------------------------------------
@pytest.mark.parametrize("route", ("h5", "json"))
@pytest.mark.parametrize("folder, backend, target", _cases("pad_tf_unrecorded"))
def test_unrecorded_ordering_from_the_release_with_a_warning(folder, backend, target, route):
    model, caught = _load(folder, "pad_tf_unrecorded", backend, target, route)
    assert_predicts(model, folder, "pad_tf_unrecorded")
    guessed = sorted({w for w in caught if "record no dim_ordering" in w})
    assert len(guessed) == 1  # (load_weights of a native model converts its origin again)
    assert guessed[0].startswith('(Manual check required) Layers "zeropadding2d_1", '
                                 '"upsampling2d_1", "cropping2d_1"')
    assert "guessed 'tf' (Keras 1.2.2 defaulted to 'tf')" in guessed[0]


def test_unrecorded_ordering_without_a_release_says_so():
    config = _config(MODELS / "k122_tensorflow", "pad_tf_unrecorded")
    del config["keras_version"]
    with pytest.warns(UserWarning, match="the file names no Keras release"):
        lc.convert_config(config)


def test_given_ordering_is_no_guess():
    config = _config(MODELS / "k122_tensorflow", "pad_tf_unrecorded")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lc.convert_config(config, image_dim_ordering="tf")
