"""Keras 1 model files with SimpleRNN, GRU, LSTM and Bidirectional, against Keras 1 itself.

The files and Keras 1's predictions come from tests/fixtures/keras1_recurrent/
make_recurrent.py, run in Keras 1.2.2 (Theano and TensorFlow), 1.1.2 and 1.0.8 (Theano).
"""

import re
import types

import keras
import numpy as np
import pytest

import _fixtures
import legacy_conv
from _fixtures import RECURRENT, npz
from legacy_conv.convert import recurrent
from legacy_conv.errors import ConversionError

RELEASES = sorted(p.name for p in RECURRENT.iterdir() if (p / "manifest.json").is_file())


def manifest(release):
    return _fixtures.manifest(RECURRENT / release)


def data(release):
    return npz(RECURRENT / release / "data.npz")


def file_params():
    params = []
    for release in RELEASES:
        for name, entry in sorted(manifest(release)["models"].items()):
            if "skipped" not in entry:
                params.append(pytest.param(release, name, id=f"{release}-{name}"))
    return params


def predict(model, xs):
    ys = model(xs[0] if isinstance(model, keras.Sequential) else xs, training=False)
    return [np.asarray(y) for y in (ys if isinstance(ys, (list, tuple)) else [ys])]


def inputs(release, name):
    entry = manifest(release)["models"][name]
    return [data(release)[f"{name}.x{i}"] for i in range(entry["inputs"])]


def expected(release, name):
    entry = manifest(release)["models"][name]
    return [data(release)[f"{name}.y{i}"] for i in range(entry["outputs"])]


def load(release, name, **kwargs):
    return legacy_conv.load_model(RECURRENT / release / f"{name}.h5",
                                  keras1_backend=manifest(release)["backend"], **kwargs)


def test_every_release_and_backend_is_there():
    assert {(m["keras_version"], m["backend"]) for m in map(manifest, RELEASES)} >= {
        ("1.2.2", "theano"), ("1.2.2", "tensorflow"), ("1.1.2", "theano"), ("1.0.8", "theano")}


@pytest.mark.slow(quick=4)
@pytest.mark.parametrize("release, name", file_params())
def test_predictions_match_keras1(release, name):
    model = load(release, name, compile=False)
    got = predict(model, inputs(release, name))
    want = expected(release, name)
    assert [y.shape for y in got] == [y.shape for y in want]
    for y, y1 in zip(got, want):
        np.testing.assert_allclose(y, y1, rtol=0, atol=1e-5)


def test_a_converted_model_round_trips_through_a_keras_file(tmp_path):
    release, name = "k122_theano", "genomics"
    model = load(release, name)
    path = tmp_path / "genomics.keras"
    model.save(path)
    reloaded = keras.saving.load_model(path)
    assert [type(layer).__name__ for layer in reloaded.layers] == [
        type(layer).__name__ for layer in model.layers]
    got = predict(reloaded, inputs(release, name))
    np.testing.assert_allclose(got[0], expected(release, name)[0], rtol=0, atol=1e-5)


def test_masked_steps_keep_the_previous_output_after_a_keras_file_round_trip(tmp_path):
    release, name = "k122_tensorflow", "masked"
    path = tmp_path / "masked.keras"
    load(release, name).save(path)
    got = predict(keras.saving.load_model(path), inputs(release, name))
    for y, y1 in zip(got, expected(release, name)):
        np.testing.assert_allclose(y, y1, rtol=0, atol=1e-5)


# -- the converted configs --------------------------------------------------------------------
def layer(class_name, **config):
    return {"class_name": class_name, "config": {"name": class_name.lower(), **config}}


def converted(*layers, input_shape=(5, 3)):
    first = dict(layers[0]["config"], batch_input_shape=[None, *input_shape])
    layers = [dict(layers[0], config=first), *layers[1:]]
    config = legacy_conv.convert_config(
        {"class_name": "Sequential", "config": layers, "keras_version": "1.2.2"})
    return [item for item in config["config"]["layers"] if item["class_name"] != "InputLayer"]


def test_keras1_defaults_fill_what_a_config_leaves_out():
    lstm, gru, rnn = (keras.layers.deserialize(item) for item in converted(
        layer("LSTM", output_dim=4, return_sequences=True),
        layer("GRU", output_dim=4, return_sequences=True), layer("SimpleRNN", output_dim=2)))
    x = np.array([-3.0, -1.0, 2.0], "float32")
    keras1_hard_sigmoid = np.clip(0.2 * x + 0.5, 0, 1)  # Keras 3's differs: relu6(x+3)/6
    for gated in (lstm, gru):
        np.testing.assert_allclose(gated.cell.recurrent_activation(x), keras1_hard_sigmoid)
        np.testing.assert_allclose(gated.cell.activation(x), np.tanh(x), rtol=1e-6)
    assert lstm.cell.unit_forget_bias is True
    assert gru.cell.reset_after is False
    np.testing.assert_allclose(rnn.cell.activation(x), np.tanh(x), rtol=1e-6)
    assert not any(r.return_sequences for r in (rnn,)) and not rnn.go_backwards


@pytest.mark.parametrize("mode, dropout", [
    pytest.param("cpu", 0.25, id="cpu-keeps-dropout_W"),
    pytest.param("mem", 0.0, id="mem-ignored-dropout_W"),
    pytest.param("gpu", 0.0, id="gpu-ignored-dropout_W"),
])
def test_simplernn_dropout_W_acts_only_with_consume_less_cpu(mode, dropout):
    (rnn,) = converted(layer("SimpleRNN", output_dim=2, consume_less=mode,
                             dropout_W=0.25, dropout_U=0.5))
    assert rnn["config"]["dropout"] == dropout
    assert rnn["config"]["recurrent_dropout"] == 0.5


@pytest.mark.parametrize("mode, implementation", [("cpu", 1), ("mem", 1), ("gpu", 2)])
def test_consume_less_picks_how_keras3_drops_out_per_gate_or_shared(mode, implementation):
    lstm, gru = converted(layer("LSTM", output_dim=2, consume_less=mode, dropout_W=0.5,
                                return_sequences=True),
                          layer("GRU", output_dim=2, consume_less=mode, dropout_W=0.5))
    assert lstm["config"]["implementation"] == gru["config"]["implementation"] == implementation


@pytest.mark.parametrize("rate, keras3_rate", [(0.3, 0.3), (1.0, 0.0), (-0.2, 0.0), (0, 0.0)])
def test_keras1_dropped_out_only_for_rates_strictly_between_0_and_1(rate, keras3_rate):
    (lstm,) = converted(layer("LSTM", output_dim=2, dropout_W=rate, dropout_U=rate))
    assert lstm["config"]["dropout"] == lstm["config"]["recurrent_dropout"] == keras3_rate


def test_a_bidirectional_of_a_go_backwards_layer_gets_a_forward_running_backward_layer():
    (bidi,) = converted(layer("Bidirectional", merge_mode=None,
                              layer=layer("GRU", output_dim=3, go_backwards=True)))
    assert bidi["registered_name"] == "legacy_conv>Keras1Bidirectional"
    assert bidi["config"]["merge_mode"] is None
    assert bidi["config"]["layer"]["config"]["go_backwards"] is True
    assert bidi["config"]["backward_layer"]["config"]["go_backwards"] is False
    assert bidi["config"]["backward_layer"]["config"]["name"] == "backward_gru"


def test_a_plain_bidirectional_leaves_the_backward_layer_to_keras():
    (bidi,) = converted(layer("Bidirectional", layer=layer("LSTM", output_dim=3)))
    assert "backward_layer" not in bidi["config"]
    assert bidi["config"]["merge_mode"] == "concat"


def _prepare(class_name, release, **config):
    ctx = types.SimpleNamespace(keras_version=release)
    return recurrent.PREPROCESSORS[class_name](
        {"name": "rnn", **config}, ctx, lambda *a, **k: AssertionError(a, k))


@pytest.mark.parametrize("release, mode, shared", [
    pytest.param("1.2.2", "cpu", True, id="1.2.2-cpu"),
    pytest.param("1.2.0", "mem", True, id="1.2.0-mem"),
    pytest.param("1.2.2", "gpu", False, id="1.2.2-gpu"),
    pytest.param("1.1.2", "cpu", False, id="1.1.2-cpu"),
    pytest.param("1.0.8", "mem", False, id="1.0.8-mem"),
    pytest.param(None, "cpu", True, id="unknown-release-as-1.2"),
])
def test_which_release_built_u_with_init_and_w_regularizer(release, mode, shared):
    w_reg = {"name": "L1L2Regularizer", "l1": 0.0, "l2": 0.1}
    u_reg = {"name": "L1L2Regularizer", "l1": 0.0, "l2": 0.2}
    for class_name in ("LSTM", "GRU"):
        config = _prepare(class_name, release, consume_less=mode, init="uniform",
                          inner_init="orthogonal", W_regularizer=w_reg, U_regularizer=u_reg)
        assert config["inner_init"] == ("uniform" if shared else "orthogonal")
        assert config["U_regularizer"] == (w_reg if shared else u_reg)


# -- the weights ------------------------------------------------------------------------------
def test_lstm_gates_are_reordered_from_i_c_f_o_to_i_f_c_o():
    lstm = keras.layers.LSTM(2)
    lstm.build((None, 4, 3))
    arrays = []
    for gate in "icfo":
        code = "icfo".index(gate)
        arrays += [np.full((3, 2), code), np.full((2, 2), 10 + code), np.full((2,), 20 + code)]
    kernel, recurrent_kernel, bias = recurrent.concatenate_gates(arrays, lstm)
    assert kernel[0].tolist() == [0, 0, 2, 2, 1, 1, 3, 3]
    assert recurrent_kernel[0].tolist() == [10, 10, 12, 12, 11, 11, 13, 13]
    assert bias.tolist() == [20, 20, 22, 22, 21, 21, 23, 23]


@pytest.mark.parametrize("release", RELEASES)
def test_gate_order_matches_the_weight_names_keras1_saved(release):
    """Per-gate files name each weight <layer>_<W|U|b>_<gate>: GATE_ORDER must pick
    Keras 3's order (LSTM i, f, c, o; GRU z, r, h) from the order they were saved in."""
    keras3_order = {4: "ifco", 3: "zrh"}
    seen = set()
    for entry in manifest(release)["models"].values():
        for names in entry.get("recurrent_weights", {}).values():
            gates = [m.group(1) for m in map(re.compile(r"_W_([a-z])(:0)?$").search, names)
                     if m]
            if not gates:  # consume_less='gpu' and SimpleRNN: W, U, b
                continue
            directions = 2 if names[0].startswith("forward_") else 1
            step = len(gates) // directions
            for file_order in ("".join(gates[i:i + step]) for i in range(0, len(gates), step)):
                cls = {4: "LSTM", 3: "GRU"}[len(file_order)]
                picked = "".join(file_order[g] for g in recurrent.GATE_ORDER[cls])
                assert picked == keras3_order[len(file_order)], names
                seen.add(cls)
    assert seen == {"LSTM", "GRU"}


# -- errors -----------------------------------------------------------------------------------
@pytest.mark.parametrize("bad, words", [
    pytest.param(layer("LSTM", output_dim=2, consume_less="fast"),
                 ['layer "lstm" (LSTM)', "`consume_less`", "'cpu', 'mem', 'gpu'",
                  "Received: consume_less='fast'"], id="consume_less"),
    pytest.param(layer("GRU", output_dim=2, dropout_U="half"),
                 ['layer "gru" (GRU)', "`dropout_U`", "must be a number", "'half'"],
                 id="dropout"),
    pytest.param(layer("LSTM", output_dim=2, forget_bias_init="ones"),
                 ["`forget_bias_init`", "Keras 1 initialization name", "'ones'"],
                 id="forget_bias_init"),
    pytest.param(layer("Bidirectional", merge_mode="max", layer=layer("LSTM", output_dim=2)),
                 ['layer "bidirectional" (Bidirectional)', "`merge_mode`",
                  "'sum', 'mul', 'ave', 'concat', None", "'max'"], id="merge_mode"),
    pytest.param(layer("Bidirectional", layer=layer("Dense", output_dim=2)),
                 ["`layer`", "SimpleRNN, GRU, LSTM", "'Dense'"], id="not-recurrent"),
])
def test_bad_recurrent_arguments_name_the_layer_field_and_value(bad, words):
    with pytest.raises(ConversionError) as info:
        converted(bad)
    for word in words:
        assert word in str(info.value)
