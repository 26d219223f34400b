"""LocallyConnected1D and LocallyConnected2D against Keras 1.2.2's own records.

Per-layer cases: tests/fixtures/keras1/local_<backend>.* (`make_fixtures.py --suite local`,
Keras 1.2.2 on Theano and on TensorFlow). Whole models: keras1_models/k122_*/local*.
"""

import numpy as np
import pytest

import keras

import legacy_conv as lc
from _fixtures import (BACKENDS, LOCAL_CASES, MODELS, arrays, assert_predicts, case_params,
                       layer_kwargs, manifest, model_io, results)
from _keras1_errors import assert_names_the_argument
from legacy_conv import ConversionError
from legacy_conv import backend as k1_backend

PREFIX = "local"
ATOL = RTOL = 1e-5
PARAMS = [p for backend in BACKENDS for p in case_params(backend, LOCAL_CASES)]
RAN = [p for p in PARAMS if results(p.values[0], PREFIX)[p.values[1]["id"]]["error"] is None]
MODEL_NAMES = ("local2d_th", "local2d_tf", "local1d")
MODEL_PARAMS = [pytest.param(backend, name, id=f"{backend}-{name}")
                for backend in BACKENDS for name in MODEL_NAMES]


@pytest.fixture(autouse=True)
def _image_dim_ordering_tf(monkeypatch):
    """The generator pinned image_dim_ordering 'tf' (what dim_ordering='default' means)."""
    monkeypatch.setitem(k1_backend._state, "image_dim_ordering", "tf")


def _record(backend, case):
    return results(backend, PREFIX)[case["id"]]


def _make(case, **extra):
    return getattr(lc, case["layer"])(*case["args"], **dict(layer_kwargs(case), **extra))


def _weights(backend, case):
    data, count = arrays(backend, PREFIX), len(_record(backend, case)["weight_shapes"])
    return [data[f"{case['id']}/weights/{i}"] for i in range(count)]


def _run(backend, case):
    """Our layer with Keras 1's weights, and its output on Keras 1's input."""
    x = arrays(backend, PREFIX)[f"{case['id']}/input"]
    if case.get("weights_spec") == "ok":
        layer = _make(case, weights=_weights(backend, case))
    else:
        layer = _make(case)
        layer.build(x.shape)
        layer.set_weights(_weights(backend, case))
    return layer, np.asarray(layer(x))


def _bad_weights(case, spec):
    probe = _make(case)
    probe.build(tuple(case["input_shape"]))
    good = [np.zeros(w.shape, "float32") for w in probe.get_weights()]
    if spec == "wrong_count":
        return good[:-1]
    return [np.zeros(good[0].shape[:-1] + (good[0].shape[-1] + 1,), "float32")] + good[1:]


@pytest.mark.parametrize("backend", BACKENDS)
def test_fixture_files_cover_every_case(backend):
    assert {c["id"] for c in LOCAL_CASES} <= set(results(backend, PREFIX))


@pytest.mark.parametrize("backend, case", PARAMS)
def test_matches_keras1(backend, case):
    record = _record(backend, case)
    if record["error"] is not None:
        spec = case.get("weights_spec")
        with pytest.raises((ValueError, TypeError)) as info:
            extra = {"weights": _bad_weights(case, spec)} if spec else {}
            _make(case, **extra)(np.zeros(case["input_shape"], "float32"))
        assert_names_the_argument(getattr(lc, case["layer"]), case["args"], layer_kwargs(case),
                                  record["error"], str(info.value))
        return
    layer, output = _run(backend, case)
    expected = arrays(backend, PREFIX)[f"{case['id']}/output"]
    assert output.shape == expected.shape
    np.testing.assert_allclose(output, expected, rtol=RTOL, atol=ATOL)
    assert [list(w.shape) for w in layer.get_weights()] == record["weight_shapes"]
    assert list(layer.compute_output_shape((None,) + tuple(case["input_shape"][1:]))) == \
        record["output_shape"]


def test_both_keras1_backends_computed_the_same():
    """Why the layers take no `keras1_backend`: Theano's and TensorFlow's outputs agree."""
    theano, tensorflow = arrays("theano", PREFIX), arrays("tensorflow", PREFIX)
    outputs = [key for key in theano if key.endswith("/output")]
    assert len(outputs) > 40
    for key in outputs:
        np.testing.assert_allclose(theano[key], tensorflow[key], rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("backend, case", [p for p in RAN if p.values[1].get("training_losses")])
def test_regularizer_penalties_match_keras1(backend, case):
    layer, _ = _run(backend, case)
    record = _record(backend, case)
    np.testing.assert_allclose(sum(float(loss) for loss in layer.losses),
                               record["weight_penalty"] + record["activity_penalty"],
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("backend, case", [p for p in RAN if p.values[1].get("constraints")])
def test_constraints_match_keras1(backend, case):
    layer, _ = _run(backend, case)
    data = arrays(backend, PREFIX)
    constrained = _record(backend, case)["constrained"]
    assert constrained
    for index in constrained:
        variable = layer.weights[index]
        np.testing.assert_allclose(np.asarray(variable.constraint(variable.value)),
                                   data[f"{case['id']}/constrained/{index}"], rtol=1e-5,
                                   atol=1e-6)


@pytest.mark.parametrize("backend, case", RAN)
def test_keras1_config_builds_the_same_layer(backend, case):
    """Keras 1's own get_config() (as a file holds it) builds the same layer, and ours
    writes every key Keras 1 wrote, with Keras 1's value."""
    ours, output = _run(backend, case)
    record = _record(backend, case)
    rebuilt = type(ours).from_config(record["config"])
    x = arrays(backend, PREFIX)[f"{case['id']}/input"]
    rebuilt.build(x.shape)
    rebuilt.set_weights(ours.get_weights())
    np.testing.assert_array_equal(np.asarray(rebuilt(x)), output)
    mine = ours.get_config()
    for key, value in record["config"].items():
        if key != "name":
            assert _listed(mine[key]) == value, key


def _listed(value):
    if isinstance(value, (tuple, list)):
        return [_listed(v) for v in value]
    return value


@pytest.mark.parametrize("layer", [
    lambda: lc.LocallyConnected1D(3, 2, activation="tanh", W_regularizer=lc.regularizers.l2(0.1),
                                  input_shape=(6, 4)),
    lambda: lc.LocallyConnected2D(3, 2, 3, subsample=(2, 1), dim_ordering="th",
                                  activity_regularizer=lc.regularizers.activity_l1(0.1),
                                  input_shape=(2, 5, 6)),
], ids=["1d", "2d_th"])
def test_dot_keras_round_trip(layer, tmp_path):
    model = keras.Sequential([layer()])
    x = np.random.RandomState(0).uniform(-1, 1, (2,) + model.input_shape[1:]).astype("float32")
    model.save(tmp_path / "m.keras")
    reloaded = keras.models.load_model(tmp_path / "m.keras")
    assert type(reloaded.layers[0]) is type(model.layers[0])
    np.testing.assert_array_equal(np.asarray(reloaded(x)), np.asarray(model(x)))
    assert reloaded.layers[0].get_config() == model.layers[0].get_config()


def test_unknown_or_other_input_size_is_refused_naming_the_layer():
    with pytest.raises(ValueError, match=r'LocallyConnected1D layer "lc": `input shape`.*fully '
                                         r"known"):
        lc.LocallyConnected1D(3, 2, name="lc")(keras.Input((None, 4)))
    layer = lc.LocallyConnected2D(3, 2, 2, dim_ordering="th", name="lc2")
    layer(np.zeros((1, 2, 5, 4), "float32"))
    with pytest.raises(ValueError, match="lc2.*expected axis 2 of input shape to have value 5"):
        layer(np.zeros((1, 2, 6, 4), "float32"))


# -- whole models ---------------------------------------------------------------------------
def _folder(backend):
    return MODELS / f"k122_{backend}"


@pytest.mark.parametrize("backend, name", MODEL_PARAMS)
def test_load_model(backend, name):
    model = lc.load_model(_folder(backend) / f"{name}.h5", keras1_backend=backend,
                          compile=False)
    assert_predicts(model, _folder(backend), name)


@pytest.mark.parametrize("backend, name", MODEL_PARAMS)
def test_model_from_json_and_load_weights(backend, name):
    folder = _folder(backend)
    model = lc.model_from_json((folder / f"{name}.json").read_text(), keras1_backend=backend)
    lc.load_weights(model, folder / f"{name}_weights.h5", keras1_backend=backend)
    assert_predicts(model, folder, name)
    layers = [type(layer).__name__ for layer in model.layers]
    assert sum(n.startswith("LocallyConnected") for n in layers) == 2


@pytest.mark.parametrize("backend, name", MODEL_PARAMS)
def test_native_target_refuses_naming_the_layer(backend, name):
    path = _folder(backend) / f"{name}.h5"
    with pytest.raises(ConversionError) as info:
        lc.load_model(path, target="native", keras1_backend=backend, compile=False)
    cls = "LocallyConnected1D" if name == "local1d" else "LocallyConnected2D"
    message = str(info.value)
    assert f"({cls})" in message and "kernel per output position" in message, message
    kept = lc.load_model(path, target="native", keep_legacy=True, keras1_backend=backend,
                         compile=False)
    assert_predicts(kept, _folder(backend), name)


@pytest.mark.parametrize("backend, name", MODEL_PARAMS)
def test_evaluated_loss_holds_keras1s_penalties(backend, name):
    """The W l2 (2D) and activity (1D) penalties are in Keras 1's evaluated loss."""
    folder = _folder(backend)
    xs, _, data = model_io(folder, name)
    spec = next(m for m in manifest(folder)["models"] if m["name"] == name)
    model = lc.load_model(folder / f"{name}.h5", keras1_backend=backend)
    loss = model.evaluate(xs[0], data["t0"], verbose=0, batch_size=len(xs[0]))
    np.testing.assert_allclose(loss, np.atleast_1d(spec["evaluate"])[0], rtol=1e-4, atol=1e-5)
