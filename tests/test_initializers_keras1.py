"""Keras 1 `init` names: Keras 1.2.2's fans (exactly) and distributions (statistically).

Keras 1.2.2 recorded, per layer and ordering, every `get_fans` call and the statistics of
the weights it drew (tests/fixtures/keras1/init_stats_<backend>.json).
"""


import keras
import numpy as np
import pytest

import legacy_conv
from _fixtures import BACKENDS, results, tuplify
from legacy_conv import initializers


def _entries():
    params = []
    for backend in BACKENDS:
        for key, entry in results(backend, "init_stats")["results"].items():
            params.append(pytest.param(dict(entry, backend=backend), id=f"{backend}-{key}"))
    return params


ENTRIES = _entries()


@pytest.mark.parametrize("entry", ENTRIES)
def test_fans_are_keras1s(entry):
    for call in entry["get_fans_calls"]:
        fans = initializers.get_fans(tuple(call["shape"]), call["dim_ordering"])
        assert [float(f) for f in fans] == [call["fan_in"], call["fan_out"]]


def _build(entry):
    keras.utils.set_random_seed(1)
    kwargs = {k: tuplify(v) for k, v in entry["kwargs"].items()}
    layer = getattr(legacy_conv, entry["layer"])(
        *entry["args"], init=entry["init"], keras1_backend=entry["backend"], **kwargs)
    layer(np.zeros(entry["input_shape"], "float32"))
    return layer


@pytest.mark.parametrize("entry", ENTRIES)
def test_distribution_is_keras1s(entry):
    if entry["error"] is not None:
        with pytest.raises(ValueError, match="identity|TensorFlow backend only"):
            _build(entry)
        return
    layer = _build(entry)
    for ours, theirs in zip(layer.get_weights(), entry["weights"]):
        assert list(ours.shape) == theirs["shape"]
        if theirs["std"] == 0:
            np.testing.assert_array_equal(ours, theirs["mean"])
            continue
        # The spread agrees within sampling error (4 sigma of a std estimate), the mean is ~0.
        np.testing.assert_allclose(ours.std(), theirs["std"], rtol=4 / np.sqrt(2 * ours.size) + 0.01)
        assert abs(ours.mean()) < 5 * theirs["std"] / np.sqrt(ours.size)  # Keras 1's are centred
        if entry["init"] in ("uniform", "lecun_uniform", "glorot_uniform", "he_uniform"):
            bound = max(abs(theirs["min"]), abs(theirs["max"]))  # Keras 1's scale, nearly
            assert np.abs(ours).max() <= bound * 1.01
            assert np.abs(ours).max() >= bound * 0.97
        if "singular_values" in theirs:
            matrix = ours.reshape(ours.shape[0], -1)
            np.testing.assert_allclose(np.linalg.svd(matrix, compute_uv=False),
                                       theirs["singular_values"]["max"], rtol=1e-5)
