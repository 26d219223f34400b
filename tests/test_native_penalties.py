"""target='native' in training: Keras 1's penalties and constraints, or a refusal by name.

Keras 1 added an activity penalty summed over the batch; Keras 3 divides every activity
penalty by the batch size, so a layer whose activity penalty can be non-zero has no exact
native form: `modernize`, `convert_config(target='native')` and `load_model(target='native')`
refuse it, naming it, and `keep_legacy=True` keeps our layer. Weight penalties and
constraints convert with Keras 1's values. Checked against what Keras 1.2.2 recorded: the
golden layer cases' penalties and constrained weights (tests/fixtures/keras1/) and the
`nested` model's regularization total (its `evaluate` loss less the output losses,
tests/fixtures/keras1_models/).
"""

import json
import re

import keras
import numpy as np
import pytest

import _native
from _fixtures import BACKENDS, CONFIGS, MODELS, manifest, model_io

import legacy_conv as lc
from legacy_conv import native
from legacy_conv.errors import ConversionError

RTOL, ATOL = 1e-5, 1e-6
ACTIVITY = "its activity_regularizer: Keras 1 added the penalty summed over the batch"
# Keras 1 configs whose layers have weight penalties or constraints (no activity penalty).
WEIGHT_PENALTY_CONFIGS = ("conv2d_th",)


def _cases(key):
    return [pytest.param(suite, backend, case, id=f"{suite}-{backend}-{case['id']}")
            for suite in _native.SUITES for backend in BACKENDS
            if _native.available(suite, backend)
            for cases in _native.runnable(suite, backend).values()
            for case in cases if case.get(key)]


def _single(suite, backend, case):
    """(legacy model of the case's layer with Keras 1's weights, its input, its record)."""
    legacy, xs, _, ids, unbuilt = _native.group_model(suite, backend, [case])
    assert ids == [case["id"]], unbuilt
    return legacy, xs, _native.suite_records(suite, backend)[case["id"]]


def _total(model, x):
    """The model's losses after a call on `x`: weight penalties and that call's activity."""
    model(x, training=False)
    return sum(float(loss) for loss in model.losses)


@pytest.mark.parametrize("suite, backend, case", _cases("training_losses"))
def test_golden_penalties_through_modernize(suite, backend, case):
    legacy, x, record = _single(suite, backend, case)
    weight = record.get("weight_penalty") or 0.0
    activity = record.get("activity_penalty") or 0.0
    if activity:
        with pytest.raises(ConversionError) as info:
            native.modernize(legacy)
        message = str(info.value)
        name = _native.layer_name(case)
        assert f'layer "{name}" ({case["layer"]}): has no exact Keras 3 built-in form: ' \
               f"{ACTIVITY}" in message and "keep_legacy=True" in message
        model = native.modernize(legacy, keep_legacy=True)
        assert [type(layer).__name__ for layer in model.layers][-1] == case["layer"]
    else:
        model = native.modernize(legacy)
        assert not re.search(r"legacy_conv>", json.dumps(
            keras.saving.serialize_keras_object(model)))
    expected = weight + activity
    if _config_differs(case, record):
        expected = _total(legacy, x)
        assert not np.isclose(expected, weight + activity, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(_total(model, x), expected, rtol=RTOL, atol=ATOL)


def _config_differs(case, record):
    """Whether the config Keras 1 wrote names other regularizers than the layer it ran had:
    SeparableConvolution2D's get_config() writes the depthwise regularizer as pointwise (a
    file holds that config, so the legacy layer built from it is the reference)."""
    def factors(regularizer):  # Keras 1 kept the factors as float32
        return regularizer and {k: np.float32(v) if isinstance(v, float) else v
                                for k, v in regularizer.items()}
    return any(factors(record["config"].get(key)) != factors(case["kwargs"].get(key))
               for key in record["config"] if key.endswith("_regularizer"))


@pytest.mark.parametrize("suite, backend, case", _cases("constraints"))
def test_golden_constraints_through_modernize(suite, backend, case):
    """Each native constraint on the native weight = Keras 1's constrained weight, in the
    native layout (the plan's own transfer of Keras 1's constrained values)."""
    legacy, _, _ = _single(suite, backend, case)
    plan = native.weight_plan(legacy)
    plan.transfer()
    data = _native.suite_arrays(suite, backend)
    checked = 0
    for target, source, fn in plan.transfers:
        weights = source.get_weights()
        constrained = [data.get(f"{case['id']}/constrained/{i}", w)
                       for i, w in enumerate(weights)]
        for variable, expected in zip(target.weights, fn(constrained)):
            if variable.constraint is None:
                continue
            np.testing.assert_allclose(np.asarray(variable.constraint(variable.value)),
                                       np.asarray(expected), rtol=RTOL, atol=ATOL,
                                       err_msg=variable.path)
            checked += 1
    assert checked


def test_zero_activity_penalty_converts_without_a_regularizer():
    layer = lc.Convolution1D(3, 2, activity_regularizer=lc.regularizers.activity_l1l2(0.0, 0.0),
                             W_regularizer=lc.regularizers.l2(0.01), name="conv")
    model = native.modernize(keras.Sequential([keras.Input((5, 2)), layer]))
    assert model.layers[-1].activity_regularizer is None
    assert model.layers[-1].kernel_regularizer.get_config() == {
        "l1": 0.0, "l2": float(np.float32(0.01))}


# -- whole models: the routes ----------------------------------------------------------------
def _nested_cases():
    for folder in sorted(MODELS.glob("k122_*")):
        for spec in manifest(folder)["models"]:
            if spec["name"] == "nested" and (folder / "nested.h5").exists():
                yield pytest.param(folder, manifest(folder)["backend"], spec, id=folder.name)


def _keras1_regularization(spec):
    """Keras 1's regularization total on the fixture's batch: its `evaluate` loss less the
    output losses (metrics_names: loss, one loss per output, then the metrics)."""
    evaluate = spec["evaluate"]
    return evaluate[0] - sum(evaluate[1:1 + len(spec["losses"])])


def _nested_inputs(folder):
    return model_io(folder, "nested")[0]


def _assert_refuses_regularized(call):
    with pytest.raises(ConversionError) as info:
        call()
    assert f'layer "regularized" (Dense): has no exact Keras 3 built-in form: {ACTIVITY}' \
        in str(info.value)


@pytest.mark.parametrize("folder, backend, spec", list(_nested_cases()))
def test_nested_file_refused_by_every_native_route_and_kept_exactly(folder, backend, spec):
    """'regularized' (Dense) has an activity penalty: every native route names it; kept,
    the model's penalties are Keras 1's regularization total."""
    kwargs = dict(keras1_backend=backend, compile=False)
    text = (folder / "nested.json").read_text()
    _assert_refuses_regularized(lambda: lc.load_model(folder / "nested.h5", target="native",
                                                      **kwargs))
    _assert_refuses_regularized(lambda: lc.convert_config(text, target="native",
                                                          keras1_backend=backend))
    _assert_refuses_regularized(lambda: lc.model_from_json(text, target="native",
                                                           keras1_backend=backend))
    legacy = lc.load_model(folder / "nested.h5", **kwargs)
    _assert_refuses_regularized(lambda: lc.modernize(legacy))
    kept = lc.load_model(folder / "nested.h5", target="native", keep_legacy=True, **kwargs)
    np.testing.assert_allclose(_total(kept, _nested_inputs(folder)),
                               _keras1_regularization(spec), rtol=RTOL, atol=1e-5)


def _without_activity(config):
    if isinstance(config, dict):
        return {k: None if k == "activity_regularizer" else _without_activity(v)
                for k, v in config.items()}
    if isinstance(config, list):
        return [_without_activity(v) for v in config]
    return config


@pytest.mark.filterwarnings("ignore:PReLU layer")  # a weights file: alphas broadcast
@pytest.mark.parametrize("folder, backend, spec", list(_nested_cases()))
def test_nested_weight_penalties_and_constraint_through_native_config(folder, backend, spec):
    """Without its activity penalty, `nested` converts: the Keras 3 model built from
    `convert_config(target='native')` has the legacy model's weight penalties (whose total
    with the activity penalty is Keras 1's, above) and Keras 1's MaxNorm."""
    text = json.dumps(_without_activity(json.loads((folder / "nested.json").read_text())))
    legacy = lc.model_from_json(text, keras1_backend=backend)
    lc.load_weights(legacy, folder / "nested_weights.h5")
    built = keras.models.model_from_json(json.dumps(
        lc.convert_config(text, target="native", keras1_backend=backend)))
    built.set_weights(native.modernize(legacy).get_weights())
    dense = built.get_layer("regularized")
    assert dense.kernel_regularizer.get_config() == {"l1": 0.0, "l2": float(np.float32(0.01))}
    assert dense.bias_regularizer.get_config() == {"l1": float(np.float32(0.02)), "l2": 0.0}
    assert dense.kernel_constraint.get_config() == {"max_value": 1.5, "axis": 0}
    assert dense.activity_regularizer is None
    x = _nested_inputs(folder)
    np.testing.assert_allclose(_total(built, x), _total(legacy, x), rtol=RTOL, atol=ATOL)
    assert _total(built, x) > 0


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", WEIGHT_PENALTY_CONFIGS)
def test_config_weight_penalties_through_native_routes(name, backend):
    text = (CONFIGS / backend / f"{name}.json").read_text()
    legacy = lc.model_from_json(text, keras1_backend=backend)
    rng = np.random.RandomState(0)
    legacy.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype("float32")
                        for w in legacy.get_weights()])
    modern = native.modernize(legacy, keep_legacy=True)  # Theano's 'same' average pooling
    built = keras.models.model_from_json(json.dumps(
        lc.convert_config(text, target="native", keras1_backend=backend, keep_legacy=True)))
    built.set_weights(modern.get_weights())
    expected = sum(float(loss) for loss in legacy.losses)
    assert expected > 0
    for model in (modern, built):
        np.testing.assert_allclose(sum(float(loss) for loss in model.losses), expected,
                                   rtol=RTOL, atol=ATOL)
