"""Whole Keras 1 models, written by the real Keras 1 (tests/fixtures/keras1_models/), loaded
through every API and compared with Keras 1's own predictions and evaluation."""

import json

import keras
import numpy as np
import pytest

from _fixtures import (CUSTOM_OBJECTS, MODELS, assert_predicts, call_all, manifest, model_io,
                       numbered)

import legacy_conv



def _manifests():
    for path in sorted(MODELS.glob("*/manifest.json")):
        yield path.parent, manifest(path.parent)


def _cases():
    for folder, recorded in _manifests():
        for model in recorded["models"]:
            if model.get("skipped"):
                continue
            model = {**model, "keras_version": recorded["keras_version"]}
            yield pytest.param(folder, recorded["backend"], model,
                               id=f"{folder.name}-{model['name']}")


CASES = list(_cases())
# Each API on every release is covered above; these heavier paths run on the 1.2.2 files.
LATEST = [case for case in CASES if case.id.startswith("k122_")]
# The .keras round trip: a few releases and layer families (a fixed choice, so that new
# fixture folders do not change it).
ROUND_TRIP = [case for case in CASES if case.id in (
    "k107_theano-bn_tf", "k108_theano-text_cnn_basic", "k112_theano-text_cnn_basic",
    "k122_tensorflow-text_cnn", "k122_tensorflow-lambda_model", "k122_theano-conv3d_tf")]


def _need(spec, suffix):
    """The fixture file NAME+suffix, or skip when that Keras release could not write it."""
    name = spec["name"] + suffix
    if name not in spec.get("files", [name]):
        pytest.skip(f"Keras {spec.get('keras_version', '1.x')} wrote no {name}")
    return name


@pytest.mark.slow(quick=("k122_theano-vgg_th", "k122_tensorflow-vgg_tf"))
@pytest.mark.parametrize("folder, backend, spec", CASES)
def test_load_model(folder, backend, spec):
    name = spec["name"]
    model = legacy_conv.load_model(folder / _need(spec, ".h5"), keras1_backend=backend,
                                   custom_objects=CUSTOM_OBJECTS.get(name), compile=False)
    assert_predicts(model, folder, name)


@pytest.mark.slow(quick=("k105_theano-bn_net", "k122_tensorflow-vgg_th"))
@pytest.mark.parametrize("folder, backend, spec", CASES)
def test_json_and_weights_file(folder, backend, spec):
    name = spec["name"]
    weights = folder / _need(spec, "_weights.h5")
    text = (folder / _need(spec, ".json")).read_text()
    model = legacy_conv.model_from_json(text, keras1_backend=backend,
                                        custom_objects=CUSTOM_OBJECTS.get(name))
    legacy_conv.load_weights(model, weights, keras1_backend=backend)
    assert_predicts(model, folder, name, call_all)  # test_load_model predicts (traced)


@pytest.mark.slow(quick=2)
@pytest.mark.parametrize("folder, backend, spec", LATEST)
def test_converted_config_loads_in_plain_keras(folder, backend, spec):
    name = spec["name"]
    config = legacy_conv.convert_config((folder / _need(spec, ".json")).read_text(),
                                        keras1_backend=backend,
                                        custom_objects=CUSTOM_OBJECTS.get(name))
    model = keras.models.model_from_json(json.dumps(config),
                                         custom_objects=CUSTOM_OBJECTS.get(name))
    legacy_conv.load_weights(model, folder / _need(spec, "_weights.h5"), keras1_backend=backend,
                             keras_version=spec.get("keras_version"))
    assert_predicts(model, folder, name, call_all)


@pytest.mark.slow(quick=2)
@pytest.mark.parametrize("folder, backend, spec", LATEST)
def test_compiled_from_the_training_config(folder, backend, spec):
    name = spec["name"]
    xs, _, data = model_io(folder, name)
    if not spec.get("evaluate"):
        pytest.skip("Keras 1 did not evaluate this model")
    model = legacy_conv.load_model(folder / _need(spec, ".h5"), keras1_backend=backend,
                                   custom_objects=CUSTOM_OBJECTS.get(name))
    ts = numbered(data, "t")
    result = model.evaluate(xs if len(xs) > 1 else xs[0], ts if len(ts) > 1 else ts[0],
                            verbose=0, batch_size=len(xs[0]), return_dict=True)
    expected = dict(zip(spec["metrics_names"], np.atleast_1d(spec["evaluate"])))
    np.testing.assert_allclose(result["loss"], expected["loss"], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("folder, backend, spec", ROUND_TRIP)
def test_dot_keras_round_trip(folder, backend, spec, tmp_path):
    name = spec["name"]
    custom = CUSTOM_OBJECTS.get(name)
    model = legacy_conv.load_model(folder / _need(spec, ".h5"), keras1_backend=backend,
                                   custom_objects=custom, compile=False)
    model.save(tmp_path / "model.keras")
    reloaded = keras.models.load_model(tmp_path / "model.keras", custom_objects=custom,
                                       safe_mode=custom is None)
    assert_predicts(reloaded, folder, name)


def test_round_trip_cases_exist():
    assert len(ROUND_TRIP) == 6
