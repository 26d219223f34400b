"""Highway, MaxoutDense, TimeDistributedDense and ActivityRegularization against Keras 1.2.2's
own records, on both of its backends.

Per layer: tests/fixtures/keras1/core_more_<backend>.* (`make_fixtures.py --suite core_more`):
outputs, weight shapes, weight and activity penalties (Keras 1 summed activity penalties over
the batch), constraints, configs and the errors Keras 1 gave. Whole models: the
`highway_maxout`, `tdd_actreg` and `core_more_native` fixtures of
tests/fixtures/keras1_models/k122_<backend>/ (`make_models.py`), whose evaluated loss holds
the penalties, and those Keras 1.1.2 wrote (k112_theano: Highway's weights in another order).
"""

import json

import _native
import keras
import numpy as np
import pytest
from _fixtures import (
    BACKENDS,
    CORE_MORE_CASES,
    MODELS,
    assert_predicts,
    case_params,
    layer_kwargs,
    manifest,
    model_io,
    numbered,
)
from _fixtures import arrays as fixture_arrays
from _fixtures import results as fixture_results
from _keras1_errors import assert_names_the_argument

import legacy_conv as lc
from legacy_conv.errors import ConversionError

ATOL = RTOL = 1e-5
PREFIX = "core_more"
CASES = CORE_MORE_CASES
MODEL_NAMES = ("highway_maxout", "tdd_actreg", "core_more_native")
# The layers the native target refuses in each model (their activity penalties).
NATIVE_REFUSED_IN = {"highway_maxout": ("Highway",),
                     "tdd_actreg": ("TimeDistributedDense", "ActivityRegularization")}
# The cases the native target refuses (any other penalty than 0 on the activity too), and
# what its error says.
NATIVE_REFUSED = {"maxout_constraints": "nb_feature axis"}
ACTIVITY_REFUSED = "divides"


def _record(backend, case):
    return fixture_results(backend, PREFIX)[case["id"]]


def _data(backend):
    return fixture_arrays(backend, PREFIX)


def _params(errors):
    return [p for backend in BACKENDS for p in case_params(backend, CASES)
            if (fixture_results(backend, PREFIX)[p.values[1]["id"]]["error"] is not None)
            == errors]


def _weights(backend, case):
    record, data = _record(backend, case), _data(backend)
    return [data[f"{case['id']}/weights/{i}"] for i in range(len(record["weight_shapes"]))]


def _layer(backend, case):
    """Our layer of the case, built, with Keras 1's weights (through `weights=` where the
    case gave them so)."""
    kwargs = layer_kwargs(case)
    weights = _weights(backend, case)
    if case.get("weights_spec") == "ok":
        kwargs["weights"] = weights
    layer = getattr(lc, case["layer"])(*case["args"], **kwargs)
    layer.build(tuple(case["input_shape"]))
    if weights and "weights" not in kwargs:
        layer.set_weights(weights)
    return layer


def _penalties(layer, x):
    """(weight penalty, activity penalty, output) of our layer on `x`."""
    weight = float(sum(np.asarray(loss) for loss in layer.losses))
    y = np.asarray(layer(x))
    return weight, float(sum(np.asarray(loss) for loss in layer.losses)) - weight, y


# -- one layer ------------------------------------------------------------------------------------
@pytest.mark.parametrize("backend, case", _params(errors=False))
def test_output_weights_and_penalties_are_keras1s(backend, case):
    record, data = _record(backend, case), _data(backend)
    layer = _layer(backend, case)
    assert [list(w.shape) for w in layer.get_weights()] == record["weight_shapes"]
    weight, activity, y = _penalties(layer, data[f"{case['id']}/input"])
    np.testing.assert_allclose(y, data[f"{case['id']}/output"], rtol=RTOL, atol=ATOL)
    unbatched = (None,) + tuple(case["input_shape"][1:])
    assert list(layer.compute_output_shape(unbatched)) == record["output_shape"]
    if case.get("training_losses"):
        np.testing.assert_allclose(weight, record["weight_penalty"], rtol=RTOL, atol=1e-6)
        np.testing.assert_allclose(activity, record["activity_penalty"], rtol=RTOL, atol=1e-6)
    else:
        assert activity == 0.0


@pytest.mark.parametrize("backend, case", [p for p in _params(errors=False)
                                           if p.values[1].get("constraints")])
def test_constraints_are_keras1s(backend, case):
    record, data = _record(backend, case), _data(backend)
    layer = _layer(backend, case)
    constrained = [i for i, v in enumerate(layer.weights) if v.constraint is not None]
    assert constrained == record["constrained"]
    for i in constrained:
        variable = layer.weights[i]
        np.testing.assert_allclose(np.asarray(variable.constraint(variable.value)),
                                   data[f"{case['id']}/constrained/{i}"], rtol=RTOL, atol=ATOL)


def _jsonable(config):
    return json.loads(json.dumps(config))


@pytest.mark.parametrize("backend, case", _params(errors=False))
def test_config_is_keras1s_and_round_trips(backend, case):
    layer = _layer(backend, case)
    config = _jsonable(layer.get_config())
    keras1 = _record(backend, case)["config"]
    assert {k: v for k, v in config.items() if k not in ("name", "keras1_backend")} == \
        {k: v for k, v in keras1.items() if k != "name"}  # ours: the backend's gradients
    again = type(layer).from_config(layer.get_config())
    assert _jsonable(again.get_config()) == config


def _bad_weights(backend, case):
    """The `weights=` of an error case (Keras 1 recorded none: its layer was never built)."""
    probe = getattr(lc, case["layer"])(*case["args"], **layer_kwargs(case))
    probe.build(tuple(case["input_shape"]))
    arrays = [np.zeros(w.shape, "float32") for w in probe.get_weights()]
    spec = case["weights_spec"]
    if spec == "wrong_count":
        return arrays[:-1]
    if spec == "extra":
        return arrays + [np.zeros((case["args"][0],), "float32")]
    bad = list(arrays[0].shape)
    bad[-1] += 1
    return [np.zeros(bad, "float32")] + arrays[1:]


@pytest.mark.parametrize("backend, case", _params(errors=True))
def test_what_keras1_refused_is_refused_naming_the_argument(backend, case):
    assert case["id"].startswith("err_")
    kwargs = layer_kwargs(case)
    if case.get("weights_spec"):
        kwargs["weights"] = _bad_weights(backend, case)
    cls = getattr(lc, case["layer"])
    shape = tuple(case["input_shape"])
    x = keras.Input(batch_shape=shape) if None in shape else np.zeros(shape, "float32")
    with pytest.raises(ValueError) as error:
        cls(*case["args"], **kwargs)(x)
    assert_names_the_argument(cls, case["args"], case["kwargs"],
                              _record(backend, case)["error"], str(error.value))


def test_transform_bias_is_accepted_and_dropped_as_keras1_did():
    layer = lc.Highway(transform_bias=-2)
    assert "transform_bias" not in layer.get_config()


def test_activity_penalty_is_summed_over_the_batch_not_averaged():
    x = np.arange(12, dtype="float32").reshape(4, 3) / 10
    ours = lc.ActivityRegularization(l1=0.1, l2=0.2)
    theirs = keras.layers.ActivityRegularization(l1=0.1, l2=0.2)
    ours(x), theirs(x)
    expected = 0.1 * np.abs(x).sum() + 0.2 * np.square(x).sum()
    np.testing.assert_allclose(float(ours.losses[0]), expected, rtol=1e-6)
    np.testing.assert_allclose(float(theirs.losses[0]) * len(x), expected, rtol=1e-6)


def test_time_distributed_dense_passes_masks_through():
    x = keras.Input((4, 3))
    masked = keras.layers.Masking(0.0)(x)
    layer = lc.TimeDistributedDense(2, activation="tanh")
    y = layer(masked)
    assert y.shape == (None, 4, 2)
    assert layer.compute_mask(masked, masked._keras_mask) is masked._keras_mask


# -- saving -------------------------------------------------------------------------------------
SAVED = [(lc.Highway, (), {"activation": "relu", "W_regularizer": {"name": "L1L2Regularizer",
                                                                   "l2": 0.01}}, (3, 4)),
         (lc.MaxoutDense, (3,), {"nb_feature": 2, "bias": False}, (3, 4)),
         (lc.TimeDistributedDense, (2,), {"activity_regularizer": {"name": "L1L2Regularizer",
                                                                   "l1": 0.1}}, (3, 5, 4)),
         (lc.ActivityRegularization, (0.1, 0.2), {}, (3, 4))]


@pytest.mark.parametrize("cls, args, kwargs, shape", SAVED, ids=lambda v: getattr(
    v, "__name__", None))
def test_dot_keras_save_and_load(cls, args, kwargs, shape, tmp_path):
    model = keras.Sequential([keras.Input(shape[1:]), cls(*args, **kwargs)])
    x = np.random.RandomState(0).uniform(-1, 1, shape).astype("float32")
    y = model(x)
    losses = [float(v) for v in model.losses]
    model.save(tmp_path / "m.keras")
    reloaded = keras.models.load_model(tmp_path / "m.keras")
    assert type(reloaded.layers[-1]) is cls
    np.testing.assert_allclose(reloaded(x), y, rtol=1e-6)
    assert [float(v) for v in reloaded.losses] == pytest.approx(losses)


# -- whole models --------------------------------------------------------------------------------
# Model fixture folders: (release folder, backend). Keras 1.1.2 evaluated a loss without the
# penalties (its regularizers were in_train_phase), which the 1.2.2 semantics here add.
FOLDERS = [("k122_theano", "theano"), ("k122_tensorflow", "tensorflow"), ("k112_theano", "theano")]
EVALUATED = ("k122_theano", "k122_tensorflow")


def _models():
    params = []
    for release, backend in FOLDERS:
        folder = MODELS / release
        specs = {spec["name"]: spec for spec in manifest(folder)["models"]}
        params += [pytest.param(folder, backend, specs[name], id=f"{release}-{name}")
                   for name in MODEL_NAMES if name in specs]
    return params


@pytest.mark.parametrize("folder, backend, spec", _models())
def test_model_file_predicts_and_evaluates_as_keras1(folder, backend, spec):
    name = spec["name"]
    model = lc.load_model(folder / f"{name}.h5", keras1_backend=backend)
    assert_predicts(model, folder, name)
    if folder.name not in EVALUATED:
        return
    xs, _, data = model_io(folder, name)
    ts = numbered(data, "t")
    loss = model.evaluate(xs[0], ts[0], verbose=0, batch_size=len(xs[0]))
    np.testing.assert_allclose(loss, spec["evaluate"][0], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("folder, backend, spec", _models())
def test_model_json_and_weights_predict_as_keras1(folder, backend, spec):
    name = spec["name"]
    model = lc.model_from_json((folder / f"{name}.json").read_text(), keras1_backend=backend)
    lc.load_weights(model, folder / f"{name}_weights.h5", keras1_backend=backend)
    assert_predicts(model, folder, name)


@pytest.mark.parametrize("folder, backend, spec", _models())
def test_native_target_matches_keras1_or_refuses_naming_the_layers(folder, backend, spec):
    name = spec["name"]
    model = lc.load_model(folder / f"{name}.h5", keras1_backend=backend)
    if name in NATIVE_REFUSED_IN:
        with pytest.raises(ConversionError) as error:
            lc.modernize(model)
        for cls in NATIVE_REFUSED_IN[name]:
            assert f"({cls})" in str(error.value), str(error.value)
        return
    native = lc.modernize(model)
    assert all(type(n).__module__.startswith("keras") for n in native.layers)
    assert_predicts(native, folder, name)
    if folder.name not in EVALUATED:
        return
    xs, _, data = model_io(folder, name)
    native.compile(optimizer="sgd", loss="mse")  # the penalties are the layers'
    loss = native.evaluate(xs[0], numbered(data, "t")[0], verbose=0, batch_size=len(xs[0]))
    np.testing.assert_allclose(loss, spec["evaluate"][0], rtol=1e-4, atol=1e-5)


# -- the native target, per layer -----------------------------------------------------------------
@pytest.mark.slow(quick=20)
@pytest.mark.parametrize("backend, case", _params(errors=False))
def test_native_target_matches_keras1_or_refuses(backend, case):
    record, data = _record(backend, case), _data(backend)
    layer = _native.legacy_layer(case, record, backend, "layer")
    inp = keras.Input(batch_shape=tuple(case["input_shape"]))
    model = keras.Model(inp, layer(inp))
    layer.set_weights(_weights(backend, case))
    penalty = case["kwargs"].get("activity_regularizer") or any(
        case["kwargs"].get(k) for k in ("l1", "l2")) or (
        case["layer"] == "ActivityRegularization" and any(case["args"]))
    if case["id"] in NATIVE_REFUSED or penalty:
        with pytest.raises(ConversionError) as error:
            lc.modernize(model)
        why = NATIVE_REFUSED.get(case["id"], ACTIVITY_REFUSED)
        assert '"layer"' in str(error.value) and why in str(error.value)
        return
    native = lc.modernize(model)
    assert all(type(n).__module__.startswith("keras") for n in native.layers)
    np.testing.assert_allclose(native.predict(data[f"{case['id']}/input"], verbose=0),
                               data[f"{case['id']}/output"], rtol=RTOL, atol=ATOL)
    weight = float(sum(np.asarray(loss) for loss in native.losses))
    if case.get("training_losses"):
        np.testing.assert_allclose(weight, record["weight_penalty"], rtol=RTOL, atol=1e-6)
    if case.get("constraints"):  # W and b, constrained as Keras 1 did, in the native layout
        core, = [n for n in native.layers if getattr(n, "kernel_constraint", None)]
        for variable, i in zip((core.kernel, core.bias), record["constrained"]):
            expected = data[f"{case['id']}/constrained/{i}"]
            if expected.ndim == 3:  # MaxoutDense's (nb_feature, input_dim, output_dim)
                expected = expected.transpose(1, 0, 2)
            np.testing.assert_allclose(np.asarray(variable.constraint(variable.value)),
                                       expected.reshape(variable.shape), rtol=RTOL, atol=ATOL)
