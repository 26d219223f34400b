"""ParametricSoftplus, SReLU and Embedding (its word `dropout`) against Keras 1.2.2's records.

The fixtures (tests/fixtures/keras1/advanced_more_<backend>.*) were written by the real
Keras 1.2.2 on Theano and on TensorFlow (`make_fixtures.py --suite advanced_more`). Keras 1's
word dropout is random: its recorded training outputs are checked for what they show (whole
words dropped, the rest scaled by 1 / (1 - dropout)) and ours for the same.
"""

import inspect
import json

import keras
import numpy as np
import pytest

import legacy_conv as lc
from _fixtures import ADVANCED_MORE_CASES as CASES
from _fixtures import BACKENDS, MODELS, arrays, assert_predicts, case_params, model_io, results
from _keras1_errors import assert_names_the_argument
from legacy_conv import native
from legacy_conv.convert import layers as conversion
from legacy_conv.convert import model_config
from legacy_conv.errors import ConversionError
from legacy_conv.spec import layers as spec

ATOL = RTOL = 1e-5
PREFIX = "advanced_more"


def _params(predicate=lambda case: True):
    return [p for backend in BACKENDS for p in case_params(backend, CASES)
            if predicate(p.values[1])]


def _record(backend, case):
    return results(backend, PREFIX)[case["id"]]


def _data(backend):
    return arrays(backend, PREFIX)


def _weights(backend, case):
    count = len(_record(backend, case)["weight_shapes"])
    return [_data(backend)[f"{case['id']}/weights/{i}"] for i in range(count)]


def _ran(backend, case):
    return _record(backend, case)["error"] is None


def _ours(backend, case, **extra):
    """Our layer for the case, built for its input, with Keras 1's weights."""
    cls = getattr(lc, case["layer"])
    if "keras1_backend" in inspect.signature(cls).parameters:
        extra["keras1_backend"] = backend
    layer = cls(*case["args"], **case["kwargs"], **extra)
    layer.build(tuple(case["input_shape"]))
    layer.set_weights(_weights(backend, case))
    return layer


def _converted(backend, case):
    """The layer the converter makes of Keras 1's own config (as a file holds it), with the
    weight shapes a file gives it, built and with Keras 1's weights."""
    record = _record(backend, case)
    config = dict(record["config"], name="layer")
    ctx = model_config.Context("legacy", backend)
    ctx.weight_shapes = {f"layer_{name}": tuple(shape) for (name, _), shape in zip(
        spec.LAYERS[case["layer"]].weights, record["weight_shapes"])}
    serialized, _ = conversion.convert_layer(case["layer"], config, ctx)
    layer = keras.saving.deserialize_keras_object(serialized)
    layer.build(tuple(case["input_shape"]))
    layer.set_weights(_weights(backend, case))
    return layer


@pytest.mark.parametrize("backend", BACKENDS)
def test_fixture_files_cover_every_case(backend):
    assert {c["id"] for c in CASES} <= set(results(backend, PREFIX))


@pytest.mark.parametrize("backend, case", _params())
def test_matches_keras1(backend, case):
    record = _record(backend, case)
    if record["error"] is not None:
        cls = getattr(lc, case["layer"])
        extra = {"weights": [np.zeros((6, 5), "float32")] * 4} if case.get("weights_spec") else {}
        with pytest.raises((ValueError, TypeError)) as info:
            cls(*case["args"], **case["kwargs"], **extra)(np.zeros(case["input_shape"],
                                                                   "float32"))
        if record["error"]["type"] == "TypeError":  # a keyword Keras 1 did not take
            assert info.type is TypeError and "'weights'" in str(info.value)
        else:
            assert_names_the_argument(cls, case["args"], case["kwargs"], record["error"],
                                      str(info.value))
        return
    layer = _ours(backend, case)
    x = _data(backend)[f"{case['id']}/input"]
    expected = _data(backend)[f"{case['id']}/output"]
    output = np.asarray(layer(x))
    assert output.shape == expected.shape
    np.testing.assert_allclose(output, expected, rtol=RTOL, atol=ATOL)
    assert [list(w.shape) for w in layer.get_weights()] == record["weight_shapes"]
    assert list(layer.compute_output_shape((None,) + x.shape[1:]))[1:] == \
        record["output_shape"][1:]


@pytest.mark.parametrize("backend, case", _params())
def test_keras1_config_converts_and_predicts_what_keras1_did(backend, case):
    """Keras 1's get_config() (without `shared_axes`, which the weights reveal) gives our
    layer, or Keras 3's Embedding where Keras 1 dropped no words, predicting Keras 1's
    output."""
    if not _ran(backend, case):
        pytest.skip("Keras 1 refused this case")
    layer = _converted(backend, case)
    drops = case["layer"] == "Embedding" and 0 < case["kwargs"].get("dropout", 0) < 1
    builtin = case["layer"] == "Embedding" and not drops
    assert type(layer) is (keras.layers.Embedding if builtin else getattr(lc, case["layer"]))
    np.testing.assert_allclose(np.asarray(layer(_data(backend)[f"{case['id']}/input"])),
                               _data(backend)[f"{case['id']}/output"], rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("backend, case", _params())
def test_get_config_writes_keras1_keys_and_round_trips(backend, case):
    if not _ran(backend, case):
        pytest.skip("Keras 1 refused this case")
    ours = _ours(backend, case)
    config = ours.get_config()
    json.dumps(config)
    rebuilt = type(ours).from_config(config)
    assert rebuilt.get_config() == config
    for key, value in _record(backend, case)["config"].items():
        if key != "name":
            assert json.loads(json.dumps(config[key])) == value, key
    assert keras.saving.get_registered_name(type(ours)) == f"legacy_conv>{case['layer']}"


# -- Embedding's word dropout ----------------------------------------------------------------
def _word_factors(x, output, table):
    """{word: the factors its rows in `output` are of its row of `table`}."""
    factors = {}
    for word, row in zip(x.reshape(-1).astype(int), output.reshape(-1, output.shape[-1])):
        base = table[word]
        factor = float(row[np.argmax(np.abs(base))] / base[np.argmax(np.abs(base))])
        np.testing.assert_allclose(row, np.float32(factor) * base, rtol=1e-6, atol=1e-7)
        factors.setdefault(word, set()).add(round(factor, 5))
    return factors


def _check_word_dropout(x, output, table, dropout):
    factors = _word_factors(x, output, table)
    scale = round(float(np.float32(1.0 / (1.0 - dropout))), 5)
    for word, found in factors.items():
        assert len(found) == 1, f"word {word}: rows dropped one by one {found}"
        assert found <= {0.0, scale}, (word, found)
    return {word for word, found in factors.items() if found == {0.0}}


@pytest.mark.parametrize("backend, case", _params(
    lambda c: c.get("train") and 0 < c["kwargs"]["dropout"] < 1))
def test_word_dropout_drops_whole_words_as_keras1_did(backend, case):
    data, cid = _data(backend), case["id"]
    x, (table,) = data[f"{cid}/input"], _weights(backend, case)
    dropout = case["kwargs"]["dropout"]
    _check_word_dropout(x, data[f"{cid}/train_output"], table, dropout)  # Keras 1's own
    layer = _ours(backend, case)
    dropped = [_check_word_dropout(x, np.asarray(layer(x, training=True)), table, dropout)
               for _ in range(20)]  # new draws (20 alike: p < 1e-4 for these rates)
    assert len({frozenset(d) for d in dropped}) > 1
    np.testing.assert_allclose(np.asarray(layer(x)), data[f"{cid}/output"], RTOL, ATOL)


@pytest.mark.parametrize("backend, case", _params(
    lambda c: c.get("train") and not 0 < c["kwargs"]["dropout"] < 1))
def test_dropout_outside_0_1_drops_nothing_as_in_keras1(backend, case):
    data, cid = _data(backend), case["id"]
    np.testing.assert_array_equal(data[f"{cid}/train_output"], data[f"{cid}/output"])
    layer = _ours(backend, case)
    np.testing.assert_allclose(np.asarray(layer(data[f"{cid}/input"], training=True)),
                               data[f"{cid}/output"], RTOL, ATOL)


@pytest.mark.parametrize("dropout", [0.25, 0.7])
def test_word_dropout_rate(dropout):
    layer = lc.Embedding(4000, 1, weights=[np.ones((4000, 1), "float32")], dropout=dropout)
    words = np.arange(4000)[None]
    out = np.asarray(layer(words, training=True))[0, :, 0]
    assert abs((out == 0).mean() - dropout) < 0.03
    np.testing.assert_allclose(out[out != 0], np.float32(1 / (1 - dropout)))


@pytest.mark.parametrize("backend, case", _params(lambda c: c.get("training_losses")))
def test_embedding_penalties_and_constraint_match_keras1(backend, case):
    record, data, cid = _record(backend, case), _data(backend), case["id"]
    layer = _ours(backend, case)
    weight_penalty = sum(float(loss) for loss in layer.losses)
    np.testing.assert_allclose(weight_penalty, record["weight_penalty"], rtol=1e-5)
    layer(data[f"{cid}/input"])
    activity = sum(float(loss) for loss in layer.losses) - weight_penalty
    np.testing.assert_allclose(activity, record["activity_penalty"], rtol=1e-5)
    constrained = layer.embeddings.constraint(layer.embeddings)
    np.testing.assert_allclose(np.asarray(constrained), data[f"{cid}/constrained/0"],
                               rtol=1e-5, atol=1e-6)


def test_embedding_mask_zero():
    layer = lc.Embedding(5, 2, mask_zero=True)
    np.testing.assert_array_equal(layer.compute_mask(np.array([[0, 3, 0]])),
                                  [[False, True, False]])
    assert lc.Embedding(5, 2).compute_mask(np.array([[0, 3]])) is None


# -- the native target ----------------------------------------------------------------------
@pytest.mark.parametrize("make, name", [
    (lambda: lc.ParametricSoftplus(name="psp"), "psp"),
    (lambda: lc.SReLU(shared_axes=1, name="srelu"), "srelu"),
    (lambda: lc.Embedding(10, 3, dropout=0.2, name="words"), "words"),
])
def test_native_refuses_naming_the_layer_and_why(make, name):
    layer = make()
    shape, dtype = ((6,), "int32") if isinstance(layer, lc.Embedding) else ((4, 5), "float32")
    model = keras.Sequential([keras.Input(shape, dtype=dtype), layer])
    with pytest.raises(ConversionError) as info:
        native.modernize(model)
    why = spec.LAYERS[type(layer).__name__].native
    assert name in str(info.value) and why in str(info.value)
    kept = native.modernize(model, keep_legacy=True)
    x = np.random.RandomState(0).randint(0, 10, (2, 6)) if dtype == "int32" else \
        np.random.RandomState(0).uniform(-2, 2, (2, 4, 5)).astype("float32")
    np.testing.assert_allclose(np.asarray(kept(x)), np.asarray(model(x)), RTOL, ATOL)


def test_native_embedding_without_word_dropout_is_keras3s():
    layer = lc.Embedding(10, 3, input_length=6, dropout=1.0)
    model = keras.Sequential([keras.Input((6,), dtype="int32"), layer])
    modern = native.modernize(model)
    assert type(modern.layers[-1]) is keras.layers.Embedding
    x = np.random.RandomState(0).randint(0, 10, (2, 6))
    np.testing.assert_array_equal(np.asarray(modern(x)), np.asarray(model(x)))


# -- Keras 3 citizenship ----------------------------------------------------------------------
def test_dot_keras_round_trip(tmp_path):
    words = keras.Input((6,), dtype="int32")
    h = lc.Embedding(10, 4, dropout=0.3, W_regularizer=lc.regularizers.l2(0.1))(words)
    h = lc.SReLU(shared_axes=[1])(h)
    out = lc.ParametricSoftplus(alpha_init=0.4, shared_axes=0)(h)
    model = keras.Model(words, out)
    rng = np.random.RandomState(0)
    model.set_weights([rng.uniform(-1, 1, w.shape).astype("float32")
                       for w in model.get_weights()])
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    x = rng.randint(0, 10, (3, 6))
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert [type(layer) for layer in loaded.layers] == [type(layer) for layer in model.layers]


@pytest.mark.parametrize("cls, argument, value, message", [
    (lc.ParametricSoftplus, "alpha_init", "0.2", "must be a number"),
    (lc.ParametricSoftplus, "shared_axes", [1.5], "must be None, an axis or a list of axes"),
    (lc.SReLU, "a_left_init", "no_such_init", "must be one of"),
    (lc.Embedding, "dropout", None, "must be a number"),
    (lc.Embedding, "input_dim", 0, "must be a positive integer"),
], ids=lambda v: v.__name__ if isinstance(v, type) else None)
def test_argument_errors_name_layer_argument_and_value(cls, argument, value, message):
    required = {"input_dim": 10, "output_dim": 3} if cls is lc.Embedding else {}
    with pytest.raises(ValueError, match=f"`{argument}` {message}") as info:
        cls(**{**required, argument: value})
    assert str(info.value).startswith(f"{cls.__name__} layer ")
    assert f"Received: {argument}={value!r}" in str(info.value)


# -- whole Keras 1 files (tests/fixtures/keras1_models/) -------------------------------------
@pytest.mark.parametrize("backend", BACKENDS)
def test_int32_input_and_word_dropout_from_a_keras1_file(backend):
    """Keras 1's `Input(dtype='int32')` (its InputLayer's `input_dtype`) gives an int32
    Keras 3 input, its Embedding(dropout=0.3) our layer, and Keras 1's predictions."""
    folder = MODELS / f"k122_{backend}"
    loaded = lc.load_model(folder / "embedding_dropout.h5", keras1_backend=backend,
                           compile=False)
    for model in (loaded, lc.model_from_json((folder / "embedding_dropout.json").read_text())):
        assert [i.dtype for i in model.inputs] == ["int32"]
        embedded = model.get_layer("embedded")
        assert type(embedded) is lc.Embedding and embedded.dropout == 0.3
    assert_predicts(model := loaded, folder, "embedding_dropout")
    x = model_io(folder, "embedding_dropout")[0][0]
    _check_word_dropout(x, np.asarray(model.get_layer("embedded")(x, training=True)),
                        model.get_layer("embedded").get_weights()[0], 0.3)
    with pytest.raises(ConversionError, match=r'"embedded".*dropout=0\.3'):
        lc.load_model(folder / "embedding_dropout.h5", target="native", compile=False)


def test_srelu_file_needs_its_keras1_backend():
    """Keras 1 on Theano capped SReLU's left part at |t_right|: the Theano file's predictions
    need keras1_backend='theano'."""
    folder = MODELS / "k122_theano"
    xs, ys, _ = model_io(folder, "srelu_psoftplus")
    outputs = {backend: lc.load_model(folder / "srelu_psoftplus.h5", keras1_backend=backend,
                                      compile=False).predict(xs[0], verbose=0)
               for backend in BACKENDS}
    np.testing.assert_allclose(outputs["theano"], ys[0], rtol=1e-4, atol=1e-5)
    assert not np.allclose(outputs["tensorflow"], ys[0], rtol=1e-4, atol=1e-5)


def test_fresh_weights_start_as_keras1s():
    """ParametricSoftplus: alpha_init and beta_init everywhere (float32); SReLU: t_left 0,
    a_right 1, a_left and t_right glorot_uniform with Keras 1's fans of (4, 5)."""
    layer = lc.ParametricSoftplus(alpha_init=0.3, beta_init=-1.1)
    layer.build((None, 4, 5))
    alphas, betas = layer.get_weights()
    assert (alphas == np.float32(0.3)).all() and (betas == np.float32(-1.1)).all()
    srelu = lc.SReLU()
    srelu.build((None, 4, 5))
    t_left, a_left, t_right, a_right = srelu.get_weights()
    assert (t_left == 0).all() and (a_right == 1).all()
    limit = np.sqrt(6.0 / (4 + 5))
    for weight in (a_left, t_right):
        assert np.abs(weight).max() <= limit and np.abs(weight).max() > 0.5 * limit
