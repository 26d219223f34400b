"""The native plan's provenance: each native layer's Keras 1 layer and role (`plan.ROLES`),
as `inspect` and the migrate report read it (no name matching)."""

import json

import keras
import pytest

from _fixtures import CUSTOM_OBJECTS, MODELS
import legacy_conv as lc
from legacy_conv import cli
from legacy_conv import native
from legacy_conv.convert import model_config
from legacy_conv.migration import migrate_source
from legacy_conv.native import plan as native_plan

CONV = {"init": "glorot_uniform", "activation": "linear", "subsample": [1, 1],
        "dim_ordering": "th", "W_regularizer": None, "b_regularizer": None,
        "activity_regularizer": None, "W_constraint": None, "b_constraint": None,
        "bias": True, "trainable": True}
DENSE = {k: v for k, v in CONV.items() if k not in ("subsample", "dim_ordering")}


def _layer(class_name, name, **config):
    return {"class_name": class_name, "config": dict(config, name=name)}


# A 'th' Keras 1 model, run on Theano: an even-kernel strided 'same' convolution (Theano's
# padding and crop), a user ZeroPadding2D named like that convolution's padding, a strided
# dilated convolution (a subsample), Theano's 'same' max pooling (edge padding), hard_sigmoid
# as an activation and as a layer, Flatten -> Dense (rows reordered).
TH_THEANO = {"class_name": "Sequential", "keras_version": "1.2.2", "config": [
    _layer("Convolution2D", "conv", batch_input_shape=[None, 3, 9, 8], input_dtype="float32",
           nb_filter=4, nb_row=2, nb_col=2, **dict(CONV, border_mode="same",
                                                   subsample=[2, 2])),
    _layer("ZeroPadding2D", "conv_theano_pad", padding=[1, 1], dim_ordering="th",
           trainable=True),
    _layer("AtrousConvolution2D", "atrous", nb_filter=3, nb_row=2, nb_col=2,
           atrous_rate=[2, 2], **dict(CONV, border_mode="valid", subsample=[2, 2])),
    _layer("MaxPooling2D", "pool", pool_size=[2, 2], strides=[1, 1], border_mode="same",
           dim_ordering="th", trainable=True),
    _layer("Activation", "hs", activation="hard_sigmoid", trainable=True),
    _layer("Flatten", "flat", trainable=True),
    _layer("Dense", "dense", output_dim=5, **dict(DENSE, activation="hard_sigmoid")),
]}

# Legacy layer -> the roles of its native layers, in the order they were made.
ROLES = {
    "conv_input": ["input", "layout"],
    "conv": ["theano_pad", "core", "theano_crop"],
    "conv_theano_pad": ["core"],
    "atrous": ["core", "subsample"],
    "pool": ["edge_pad"] * 4 + ["core"],
    "hs": ["hard_sigmoid", "hard_sigmoid"],
    "flat": ["core"],
    "dense": ["core", "hard_sigmoid", "hard_sigmoid"],
}


@pytest.fixture(scope="module")
def th_theano():
    legacy = lc.model_from_json(json.dumps(TH_THEANO), keras1_backend="theano")
    return legacy, native.weight_plan(legacy)


def _layers(model):
    """Every layer of a model, nested models' too."""
    for layer in model.layers:
        yield layer
        if isinstance(layer, keras.Model):
            yield from _layers(layer)


def _legacy_names(model):
    """The names a record may give: the legacy model's layers and inputs, nested too."""
    names = {tensor._keras_history.operation.name for tensor in model.inputs}
    for layer in _layers(model):
        names.add(layer.name)
        if isinstance(layer, keras.Model):
            names |= _legacy_names(layer)
    return names


def _assert_one_record_each(legacy, plan):
    layers = list(_layers(plan.model))
    assert len(plan.provenance) == len(layers) == len({id(layer) for layer in layers})
    assert [plan.origin(layer).native_name for layer in layers] == [l.name for l in layers]
    assert {r.legacy_name for r in plan.provenance} <= _legacy_names(legacy)
    assert all(r.role in native_plan.ROLES and r.why for r in plan.provenance)


def test_every_native_layer_has_exactly_one_record(th_theano):
    legacy, plan = th_theano
    _assert_one_record_each(legacy, plan)
    assert {r.legacy_name for r in plan.provenance} == _legacy_names(legacy) == set(ROLES)


FIXTURE_MODELS = sorted(p.stem for p in (MODELS / "k122_theano").glob("*.json")
                        if p.stem != "manifest")


@pytest.mark.parametrize("name", FIXTURE_MODELS)
def test_every_fixture_model_has_one_record_per_native_layer(name):
    """Keras 1.2.2's own model configs (Theano): nested and shared models, two inputs, kept
    layers (keep_legacy=True)."""
    text = (MODELS / "k122_theano" / f"{name}.json").read_text()
    legacy = lc.model_from_json(text, keras1_backend="theano",
                                custom_objects=CUSTOM_OBJECTS.get(name))
    _assert_one_record_each(legacy, native.weight_plan(legacy, keep_legacy=True))


def test_roles_by_legacy_layer(th_theano):
    _, plan = th_theano
    found = {}
    for record in plan.provenance:
        found.setdefault(record.legacy_name, []).append(record.role)
    assert found == ROLES
    assert plan.roles() == [plan.origin(layer).role for layer in plan.model.layers]
    core = {r.legacy_name: r.why for r in plan.provenance if r.role == "core"}
    assert "Theano kernel flip" in core["conv"] and "Theano kernel flip" in core["atrous"]
    assert "rows are reordered" in core["dense"]


def test_a_layer_named_like_a_derived_one_is_not_misattributed(th_theano):
    _, plan = th_theano
    by_name = {r.native_name: r for r in plan.provenance}
    user = by_name["conv_theano_pad"]
    assert (user.legacy_name, user.role) == ("conv_theano_pad", "core")
    derived = [r for r in plan.provenance if r.role == "theano_pad"]
    assert [(r.native_name, r.legacy_name) for r in derived] == [("conv_theano_pad_1", "conv")]


def test_to_native_puts_the_records_on_the_context():
    ctx = model_config.Context("native", "theano")
    config = native.to_native(model_config.convert(model_config.parse(TH_THEANO), ctx), ctx)
    names = [layer["config"]["name"] for layer in config["config"]["layers"]]
    assert sorted(r.native_name for r in ctx.native_provenance) == sorted(names)
    found = {}
    for record in ctx.native_provenance:
        found.setdefault(record.legacy_name, []).append(record.role)
    assert found == ROLES


def test_main_step_is_the_most_telling_role():
    assert native_plan.main_step(["layout", "theano_pad", "core", "hard_sigmoid"]) == \
        "hard_sigmoid"
    assert native_plan.main_step(["layout", "core", "layout"]) is None


def test_inspect_reads_the_records(tmp_path, capsys):
    path = tmp_path / "th_theano.json"
    path.write_text(json.dumps(TH_THEANO))
    status = cli.main(["inspect", str(path), "--json", "--target", "native",
                       "--keras1-backend", "theano"])
    out = capsys.readouterr().out
    assert status == 0
    rows = {row["name"]: row for row in json.loads(out)["layers"]}
    assert rows["conv"]["keras3_class"] == "ZeroPadding2D + Conv2D + Cropping2D"
    assert rows["conv_theano_pad"]["keras3_class"] == "ZeroPadding2D"  # not conv's padding
    assert rows["atrous"]["keras3_class"] == "Conv2D + MaxPooling2D"
    assert rows["hs"]["keras3_class"] == "Rescaling + ReLU"
    assert rows["conv_input"]["keras3_class"] == "InputLayer + Permute"  # a functional model


@pytest.mark.parametrize("line, backend, role", [
    pytest.param("x = MaxPooling2D((2, 2), strides=(1, 1), border_mode='same', "
                 "input_shape=(3, 9, 8))(x)", "theano", "edge_pad", id="edge-pad"),
    pytest.param("x = Convolution2D(4, 3, 3, activation='hard_sigmoid', "
                 "input_shape=(3, 9, 8))(x)", "tensorflow", "hard_sigmoid", id="hard-sigmoid"),
    pytest.param("x = Deconvolution2D(3, 4, 4, output_shape=(None, 3, 16, 16), "
                 "subsample=(2, 2), border_mode='same', input_shape=(3, 8, 8))(x)",
                 "tensorflow", "output_shape", id="output-shape"),
])
def test_migrate_says_why_from_the_records(line, backend, role):
    source = "from keras.layers import *\n" + line + "\n"
    result = migrate_source(source, to="native", keras1_backend=backend,
                            image_dim_ordering="th")
    kept = [e for e in result.report_entries if e.kind == "kept"]
    assert len(kept) == 1 and kept[0].reason.startswith(
        native_plan.ROLES[role] + " (its exact Keras 3 form is several layers: "), kept
