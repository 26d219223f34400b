"""Every layer against Keras 1.2.2's own outputs, shapes, weights, configs and errors.

The fixtures were written by the real Keras 1.2.2 on Theano and on TensorFlow
(tests/fixtures/keras1/make_fixtures.py); see tests/fixtures/keras1/README.md.
"""

import inspect
import re

import numpy as np
import pytest

from _keras1_errors import assert_names_the_argument
from _fixtures import (BACKENDS, arrays, case_params, conv3d_legacy_params, layer_class,
                       layer_kwargs, results)

import legacy_conv as lc
from legacy_conv import backend as k1_backend


@pytest.fixture(autouse=True)
def _image_dim_ordering_tf(monkeypatch):
    """The fixtures were written with image_dim_ordering 'tf' (what dim_ordering='default'
    meant there), whatever ~/.keras/keras.json says on this machine."""
    monkeypatch.setitem(k1_backend._state, "image_dim_ordering", "tf")

ATOL = RTOL = 1e-5
# Inputs Keras 1 accepted silently with a wrong result, which we reject (the issue asks for it).
STRICTER_THAN_KERAS1 = {
    f"{prefix}cropping{rank}d_larger_than_input":
        "Keras 1 returned an empty tensor, claiming a negative length"
    for prefix in ("", "err_") for rank in (1, 2, 3)
}
# Keys whose values we write differently from Keras 1's get_config(), and why.
CONFIG_DIFFERENCES = {
    "name",  # Keras 3 names layers itself
    "pointwise_regularizer",  # Keras 1 wrote the depthwise regularizer here (a Keras 1 bug)
}


def _make(case, backend, **extra):
    kwargs = dict(layer_kwargs(case), **extra)
    if _has_backend(case):
        kwargs["keras1_backend"] = backend
    return layer_class(case)(*case["args"], **kwargs)


def _has_backend(case):
    return "keras1_backend" in inspect.signature(layer_class(case)).parameters


def _bad_weights(case, backend, spec):
    probe = _make(case, backend)
    probe(np.zeros(case["input_shape"], "float32"))
    good = [np.zeros(w.shape, "float32") for w in probe.get_weights()]
    if spec == "wrong_count":
        return good[:-1]
    if spec == "extra":
        return good + [np.zeros((case["args"][0],), "float32")]
    if spec == "wrong_shape":
        return [np.zeros(good[0].shape[:-1] + (good[0].shape[-1] + 1,), "float32")] + good[1:]
    return None


def _run(case, backend):
    """Builds our layer for `case`, loads Keras 1's weights, returns (layer, output)."""
    data = arrays(backend)
    cid = case["id"]
    layer = _make(case, backend)
    x = data[f"{cid}/input"]
    layer(x)  # builds
    count = len(layer.get_weights())
    layer.set_weights([data[f"{cid}/weights/{i}"] for i in range(count)])
    return layer, np.asarray(layer(x))


@pytest.mark.parametrize("backend", BACKENDS)
def test_fixture_files_cover_every_case(backend):
    ids = {p.values[1]["id"] for p in case_params(backend)}
    assert ids <= set(results(backend))


def _params():
    return [p for backend in BACKENDS for p in case_params(backend)]


@pytest.mark.parametrize("backend, case", _params())
def test_matches_keras1(backend, case):
    record = results(backend)[case["id"]]
    if record["error"] is not None or case["id"] in STRICTER_THAN_KERAS1:
        spec = case.get("weights_spec")
        with pytest.raises((ValueError, TypeError)) as info:
            extra = {"weights": _bad_weights(case, backend, spec)} if spec else {}
            layer = _make(case, backend, **extra)
            layer(np.zeros(case["input_shape"], "float32"))
        assert_names_the_argument(layer_class(case), case["args"], layer_kwargs(case),
                                  record["error"], str(info.value))
        return
    layer, output = _run(case, backend)
    expected = arrays(backend)[f"{case['id']}/output"]
    assert output.shape == expected.shape
    np.testing.assert_allclose(output, expected, rtol=RTOL, atol=ATOL)
    assert [list(w.shape) for w in layer.get_weights()] == record["weight_shapes"]
    # Keras 1's static shape, except where it disagreed with Keras 1's own output
    # (Theano's even-kernel 'same' Deconvolution2D): there we state the real one.
    claimed = list(layer.compute_output_shape(tuple([None] + case["input_shape"][1:])))
    real = [None] + list(expected.shape[1:])
    keras1_claim = record["output_shape"]
    assert claimed == (real if keras1_claim[1:] != real[1:] else keras1_claim)


@pytest.mark.parametrize("backend, case", [p for p in _params() if p.values[1].get("training_losses")])
def test_regularizer_penalties_match_keras1(backend, case):
    record = results(backend)[case["id"]]
    if record["error"] is not None:
        pytest.skip("Keras 1 refused this case (tested in test_matches_keras1)")
    layer, output = _run(case, backend)
    weight_losses = [float(l) for l in layer.losses]  # weight penalties + last call's activity
    activity = record.get("activity_penalty") or 0.0
    weight = record.get("weight_penalty") or 0.0
    np.testing.assert_allclose(sum(weight_losses), weight + activity, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("backend, case", [p for p in _params() if p.values[1].get("constraints")])
def test_constraints_match_keras1(backend, case):
    record = results(backend)[case["id"]]
    if record["error"] is not None:
        pytest.skip("Keras 1 refused this case (tested in test_matches_keras1)")
    layer, _ = _run(case, backend)
    data = arrays(backend)
    checked = 0
    for index, variable in enumerate(layer.weights):
        key = f"{case['id']}/constrained/{index}"
        if key in data:
            np.testing.assert_allclose(np.asarray(variable.constraint(variable.value)),
                                       data[key], rtol=1e-5, atol=1e-6)
            checked += 1
    assert checked


@pytest.mark.parametrize("backend, case", _params())
def test_keras1_config_builds_the_same_layer(backend, case):
    """A layer built from Keras 1's own get_config() (as in a Keras 1 file) is the same."""
    record = results(backend)[case["id"]]
    if record["error"] is not None or case["id"] in STRICTER_THAN_KERAS1:
        pytest.skip("Keras 1 refused this case")
    ours, _ = _run(case, backend)
    config = dict(record["config"])
    if "dim_ordering" in case["kwargs"] and "dim_ordering" not in config:
        # Keras 1 did not record it for ZeroPadding/UpSampling/Cropping 2D/3D: a file's
        # reader must supply it (legacy_conv's converter infers it).
        assert case["layer"][:-2] in ("ZeroPadding", "UpSampling", "Cropping")
        config["dim_ordering"] = case["kwargs"]["dim_ordering"]
    if _has_backend(case):
        config["keras1_backend"] = backend
    rebuilt = type(ours).from_config(config)
    x = arrays(backend)[f"{case['id']}/input"]
    rebuilt(x)
    rebuilt.set_weights(ours.get_weights())
    np.testing.assert_allclose(np.asarray(rebuilt(x)), np.asarray(ours(x)), rtol=0, atol=0)
    mine = ours.get_config()
    for key, value in record["config"].items():
        if key in CONFIG_DIFFERENCES:
            continue
        assert key in mine, f"get_config() lacks Keras 1's {key!r}"
        assert _jsonish(mine[key]) == _jsonish(value), key


def _jsonish(value):
    if isinstance(value, (tuple, list)):
        return [_jsonish(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonish(v) for k, v in value.items()}
    return value


# -- Convolution3D of older releases on Theano (make_fixtures.py --suite conv3d_legacy) -------
def test_conv3d_fixtures_cover_both_sides_of_the_change():
    assert {p.values[0] for p in conv3d_legacy_params()} >= {
        "conv3d_legacy_keras100", "conv3d_legacy_keras108", "conv3d_legacy_keras110",
        "conv3d_legacy_keras111"}


@pytest.mark.parametrize("prefix, case", conv3d_legacy_params())
def test_conv3d_predicts_as_its_release_on_theano(prefix, case):
    """Convolution3D(keras1_version=release) gives that release's numbers on Theano, and
    refuses what it refused; read as 1.2.2, only 1.0.0-1.1.0's even 'same' kernels differ."""
    record, data = results("theano", prefix)[case["id"]], arrays("theano", prefix)
    release = record["keras_version"]
    if record["error"] is not None:
        assert record["error"]["type"] == "AssertionError"
        with pytest.raises(ValueError, match=(
                r"`subsample` must be 1 with border_mode='same' on Keras "
                rf"{re.escape(release)}'s Theano backend .* Received: subsample=")):
            _make(case, "theano", keras1_version=release)
        return
    x, expected = data[f"{case['id']}/input"], data[f"{case['id']}/output"]
    weights = [data[f"{case['id']}/weights/{i}"] for i in range(2)]
    layer = _make(case, "theano", keras1_version=release, weights=weights)
    np.testing.assert_allclose(np.asarray(layer(x)), expected, rtol=RTOL, atol=ATOL)
    rebuilt = type(layer).from_config(layer.get_config())
    assert (rebuilt.keras1_version, rebuilt.theano_same) == (release, layer.theano_same)
    as_122 = np.asarray(_make(case, "theano", weights=weights)(x))
    even_same = case["kwargs"]["border_mode"] == "same" and any(k % 2 == 0
                                                                 for k in case["args"][1:])
    old = release in ("1.0.0", "1.0.8", "1.1.0")
    assert (np.abs(as_122 - expected).max() > 1e-3) == (even_same and old)


def test_keras1_version_of_convolution3d_is_a_release_name():
    with pytest.raises(ValueError, match=r"Convolution3D layer .*: `keras1_version` must be a "
                                         r"Keras 1 release such as '1.0.8', or None\. "
                                         r"Received: keras1_version=1\.08"):
        lc.Convolution3D(2, 2, 2, 2, keras1_version=1.08)
    for backend in BACKENDS:  # 'tensorflow' computes as 1.2.2 whatever the release
        layer = lc.Convolution3D(2, 2, 2, 2, border_mode="same", subsample=(2, 2, 2),
                                 keras1_backend=backend, keras1_version="1.2.2")
        assert layer.theano_same == "half"
    assert lc.Convolution3D(2, 2, 2, 2, border_mode="same", subsample=(2, 2, 2),
                            keras1_backend="tensorflow", keras1_version="1.0.8")
