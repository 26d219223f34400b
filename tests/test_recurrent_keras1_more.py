"""Recurrent layers beyond their outputs: fresh weights as Keras 1 drew them.

Keras 1 (1.2.2 on Theano and TensorFlow, 1.1.2 on Theano) recorded the statistics of the
fresh weights of LSTM, GRU and SimpleRNN for every `init` name, with `consume_less` 'cpu',
'mem' and 'gpu' (tests/fixtures/keras1/init_stats_recurrent*.json, written by
make_recurrent_init_stats.py): 'cpu' and 'mem' drew each gate's matrix alone, with that
matrix's fans. A model built from a Keras 1 config without weights draws the same
distributions, block by block of Keras 3's concatenated kernels, in both targets.
"""

import json
import re

import keras
import numpy as np
import pytest

import legacy_conv
from _fixtures import results
from legacy_conv import initializers

# (fixture prefix, backend, the Keras release it records)
INIT_FIXTURES = (("init_stats_recurrent", "theano", "1.2.2"),
                 ("init_stats_recurrent", "tensorflow", "1.2.2"),
                 ("init_stats_recurrent_keras112", "theano", "1.1.2"))
# Keras 3's gate order in its concatenated kernels; the weights Keras 1 named W, U, b.
KERAS3_GATES = {"LSTM": "ifco", "GRU": "zrh", "SimpleRNN": ""}
KERNELS = {"W": 0, "U": 1, "b": 2}
UNIFORM = ("uniform", "lecun_uniform", "glorot_uniform", "he_uniform")


def _entries():
    params = []
    for prefix, backend, release in INIT_FIXTURES:
        for key, entry in results(backend, prefix)["results"].items():
            params.append(pytest.param(dict(entry, backend=backend, release=release),
                                       id=f"{release}-{backend}-{key}"))
    return params


ENTRIES = _entries()


def _model(entry, target="legacy"):
    keras.utils.set_random_seed(1)
    batch, steps, features = entry["input_shape"]
    config = {"name": "rnn", "output_dim": entry["args"][0], "init": entry["init"],
              "batch_input_shape": [None, steps, features], **entry["kwargs"]}
    return legacy_conv.model_from_json(json.dumps(
        {"class_name": "Sequential", "keras_version": entry["release"],
         "config": [{"class_name": entry["layer"], "config": config}]}),
        target=target, keras1_backend=entry["backend"])


def _parts(name):
    """('W', 'i') for the weight Keras 1 named 'lstm_1_W_i:0', ('U', '') for 'gru_1_U'."""
    kind, _, gate = name.split(":")[0].split("_", 2)[-1].partition("_")
    return kind, gate


def _ours(entry, weights, name):
    """Our block of the weight Keras 1 named `name`."""
    kind, gate = _parts(name)
    ours = weights[KERNELS[kind]]
    if not gate:
        return ours
    gates = KERAS3_GATES[entry["layer"]]
    size = ours.shape[-1] // len(gates)
    return ours[..., gates.index(gate) * size:(gates.index(gate) + 1) * size]


def _init_of(entry, name):
    """The initialization that drew the weight Keras 1 named `name`: `inner_init` for U
    where it reached U (SimpleRNN, 'gpu', and 'cpu'/'mem' before 1.2.0), else `init`."""
    kind, gate = _parts(name)
    inner = kind == "U" and (not gate or entry["release"] < "1.2")
    return entry["kwargs"].get("inner_init", "orthogonal") if inner else entry["init"]


def _assert_drawn_alike(ours, theirs, init):
    assert list(ours.shape) == theirs["shape"]
    if theirs["std"] == 0:
        np.testing.assert_array_equal(ours, theirs["mean"])
        return
    # Two samples (identity's are exact): 4 sigma of the difference of their stds, 5 of
    # their means.
    np.testing.assert_allclose(ours.std(), theirs["std"], rtol=4 / np.sqrt(ours.size) + 0.01)
    assert abs(ours.mean() - theirs["mean"]) < 5 * theirs["std"] * np.sqrt(2 / ours.size) + 1e-6
    if init in UNIFORM:
        bound = max(abs(theirs["min"]), abs(theirs["max"]))  # Keras 1's limit, nearly
        assert bound * 0.97 <= np.abs(ours).max() <= bound * 1.01
    if "singular_values" in theirs:
        matrix = ours.reshape(ours.shape[0], -1)
        np.testing.assert_allclose(np.linalg.svd(matrix, compute_uv=False),
                                   theirs["singular_values"]["max"], rtol=1e-5)


@pytest.mark.parametrize("entry", ENTRIES)
def test_fans_are_keras1s(entry):
    for call in entry["get_fans_calls"]:
        fans = initializers.get_fans(tuple(call["shape"]), call["dim_ordering"])
        assert [float(f) for f in fans] == [call["fan_in"], call["fan_out"]]


@pytest.mark.parametrize("entry", ENTRIES)
def test_fresh_weights_are_drawn_as_keras1s(entry):
    if entry["error"] is not None:  # 'identity' on a matrix that is not square
        with pytest.raises(ValueError, match="identity"):
            _model(entry)
        return
    weights = _model(entry).layers[-1].get_weights()
    for theirs in entry["weights"]:
        _assert_drawn_alike(_ours(entry, weights, theirs["name"]), theirs,
                            _init_of(entry, theirs["name"]))


@pytest.mark.parametrize("entry", [e for e in ENTRIES if e.values[0]["error"] is None])
def test_native_fresh_weights_are_drawn_as_keras1s(entry):
    """The native target's built-in initializers draw Keras 1's distributions too, but
    for one gate's orthogonal or identity matrix (theirs are of the whole kernel)."""
    weights = _model(entry, "native").get_layer("rnn").get_weights()
    for theirs in entry["weights"]:
        if _parts(theirs["name"])[1] and _init_of(entry, theirs["name"]) in (
                "orthogonal", "identity"):
            continue
        _assert_drawn_alike(_ours(entry, weights, theirs["name"]), theirs,
                            _init_of(entry, theirs["name"]))


def test_gate_initializer_round_trips_and_skips():
    init = initializers.Keras1GateInitializer("orthogonal", "tf", seed=3, gates=4)
    again = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(init))
    assert again.get_config() == init.get_config() == {
        "init": "orthogonal", "dim_ordering": "tf", "seed": 3, "gates": 4}
    np.testing.assert_array_equal(again((5, 20)), init((5, 20)))
    with initializers.skip_random_draws():
        assert not np.any(init((5, 20)))
        with pytest.raises(ValueError, match="identity"):
            initializers.Keras1GateInitializer("identity", gates=4)((6, 20))


# -- TimeDistributed(Dense): one Dense over the 3D input -------------------------------------
def _td_config(inner, steps=7):
    return json.dumps({"class_name": "Sequential", "config": [
        {"class_name": "Masking", "config": {"name": "m", "mask_value": 0.0,
                                             "batch_input_shape": [None, steps, 5]}},
        {"class_name": "TimeDistributed", "config": {"name": "td", "layer": inner}}]})


DENSE = {"class_name": "Dense", "config": {"name": "d", "output_dim": 3, "activation": "tanh"}}


@pytest.mark.parametrize("target, cls", [("legacy", "Keras1TimeDistributed"),
                                         ("native", "Dense")])
def test_time_distributed_dense_is_one_dense_with_the_mask_passed_on(target, cls, tmp_path):
    model = legacy_conv.model_from_json(_td_config(DENSE), target=target)
    layer = model.get_layer("td")
    assert type(layer).__name__ == cls
    x = np.random.RandomState(0).randn(2, 7, 5).astype("float32")
    x[0, 5:] = 0.0
    kernel, bias = layer.get_weights()
    np.testing.assert_allclose(model.predict(x, verbose=0), np.tanh(x @ kernel + bias),
                               rtol=1e-6, atol=1e-6)
    mask = model.layers[0].compute_mask(x)
    np.testing.assert_array_equal(layer.compute_mask(x, mask), mask)  # Keras 1 passed it on
    model.save(tmp_path / "td.keras")
    again = keras.models.load_model(tmp_path / "td.keras")
    assert type(again.get_layer("td")).__name__ == cls
    np.testing.assert_array_equal(again.predict(x, verbose=0), model.predict(x, verbose=0))


def test_time_distributed_of_another_layer_is_keras3s_wrapper():
    inner = {"class_name": "Activation", "config": {"name": "a", "activation": "relu"}}
    model = legacy_conv.model_from_json(_td_config(inner))
    x = np.random.RandomState(1).randn(2, 7, 5).astype("float32")
    np.testing.assert_array_equal(model.predict(x, verbose=0), np.maximum(x, 0))


# -- Bidirectional under `migrate` -----------------------------------------------------------
# Keras 1.2.2's outputs for keras1_code/bidi_masked.py (masked steps included) are checked in
# test_migrate_keras1.py; here, what the migration writes and says.
BIDIRECTIONAL_CALLS = [
    pytest.param("Bidirectional(LSTM(3, return_sequences=True))", True, id="returns-sequences"),
    pytest.param("Bidirectional(layer)", True, id="a-layer-made-elsewhere"),
    pytest.param("Bidirectional(LSTM(3))", False, id="noop-last-output-only"),
    pytest.param("Bidirectional(GRU(3, return_sequences=False), merge_mode='sum')", False,
                 id="noop-return-sequences-false"),
]


@pytest.mark.parametrize("to", ["legacy", "native"])
@pytest.mark.parametrize("call, keras1s", BIDIRECTIONAL_CALLS)
def test_migrate_keeps_keras1s_bidirectional_where_it_returns_sequences(call, keras1s, to):
    from legacy_conv.migration import migrate_source

    source = f"from keras.layers import LSTM, GRU, Bidirectional\ny = {call}(x)\n"
    result = migrate_source(source, to=to, keras1_backend="tensorflow")
    rewritten = "y = legacy_conv.Keras1Bidirectional(" in result.new_source
    # --to legacy may instead take Bidirectional from the Keras 1 namespace (Keras 1's too).
    keras1_namespace = to == "legacy" and re.search(
        r"from legacy_conv\.keras1\S* import .*Bidirectional", result.new_source)
    assert (rewritten or bool(keras1_namespace)) if keras1s else not rewritten
    notes = [e.reason or "" for e in result.report_entries if e.kind == "converted"]
    assert any("Keras1Bidirectional keeps Keras 1's" in n for n in notes) is rewritten
