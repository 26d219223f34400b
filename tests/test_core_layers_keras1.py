"""Pooling, BatchNormalization, Merge, the activations and GaussianNoise against Keras 1.2.2's
own records.

The fixtures (tests/fixtures/keras1/core_<backend>.*) were written by the real Keras 1.2.2
on Theano and on TensorFlow (`make_fixtures.py --suite core`; see the README there).
Keras 1 layers that a Keras 3 built-in reproduces exactly are tested as that built-in, except
for the values where the converter uses our layer (`layer_rules.LEGACY_WHEN`).
"""

import copy
import inspect
import json

import h5py
import keras
import numpy as np
import pytest

import legacy_conv as lc
from _fixtures import BACKENDS, CORE_CASES, LAYERS, arrays, case_params, results
from _keras1_errors import assert_names_the_argument, assert_received
from legacy_conv import activations
from legacy_conv import backend as k1_backend
from legacy_conv.convert import layers as conversion
from legacy_conv.convert import model_config
from legacy_conv.layers.normalization import TO_VARIANCE
from legacy_conv.spec.releases import Release, running_std
from legacy_conv.layers.normalization import running_std_as_variance
from legacy_conv.layers.normalization import running_std_to_variance
from legacy_conv.layers.normalization import sqrt_running_std_to_variance

ATOL = RTOL = 1e-5
PREFIX = "core"
# Keras 1 layers checked as the Keras 3 built-in that computes the same.
KERAS3_BUILTINS = {
    "Activation": lambda name: keras.layers.Activation(activations.keras3_activation(name)),
    "LeakyReLU": lambda alpha=0.3: keras.layers.LeakyReLU(negative_slope=alpha),
    "ELU": lambda alpha=1.0: keras.layers.ELU(alpha=alpha),
    "PReLU": lambda shared_axes=None: keras.layers.PReLU(
        shared_axes=[shared_axes] if isinstance(shared_axes, int) else shared_axes),
    "GaussianNoise": lambda sigma: keras.layers.GaussianNoise(stddev=sigma),
}
# Cases Keras 1 refused only because of the Theano version it ran on, which we compute.
ACCEPTED_WHERE_KERAS1_FAILED = {
    ("theano", "bn_mode0_2d_eps1e-5_mom0.9"):
        "Theano >= 0.9 refuses float32(epsilon) < 1e-5; Keras 1.2.2 on older Theano ran it",
}
# Cases Keras 1 ran with a meaningless result, which we refuse.
STRICTER_THAN_KERAS1 = {
    ("theano", "merge_dot_2d_axes_-1_-1"): "Theano contracted nothing: an outer product",
}
# Cases where the Keras 3 built-in accepts what Keras 1 refused (no Keras 1 model has them).
KERAS3_LOOSER = {"err_activation_softmax_4d": "Keras 3's softmax takes any rank"}
# Keys of Keras 1's get_config() that we write differently, and why.
CONFIG_DIFFERENCES = {"name"}  # Keras 3 names layers itself


@pytest.fixture(autouse=True)
def _image_dim_ordering_tf(monkeypatch):
    """The generator pinned image_dim_ordering 'tf' (what dim_ordering='default' means),
    whatever ~/.keras/keras.json says here."""
    monkeypatch.setitem(k1_backend._state, "image_dim_ordering", "tf")


def _params(predicate=lambda case: True):
    return [p for backend in BACKENDS for p in case_params(backend, CORE_CASES)
            if predicate(p.values[1])]


def _record(backend, case):
    return results(backend, PREFIX)[case["id"]]


def _data(backend):
    return arrays(backend, PREFIX)


def _inputs(backend, case):
    data, cid = _data(backend), case["id"]
    if "inputs" in case:
        return [data[f"{cid}/input/{i}"] for i in range(len(case["inputs"]))]
    return data[f"{cid}/input"]


def _zeros(case):
    if "inputs" in case:
        return [np.zeros(s, "float32") for s in case["inputs"]]
    return np.zeros(case["input_shape"], "float32")


def _refused(backend, case):
    return _record(backend, case)["error"] is not None or (backend, case["id"]) in (
        set(ACCEPTED_WHERE_KERAS1_FAILED) | set(STRICTER_THAN_KERAS1))


def _is_ours(case):
    """Our layer, where Keras 3 has none or where the converter picks ours for the case's
    arguments (LeakyReLU alpha < 0, GaussianNoise sigma outside [0, 1])."""
    return case["layer"] not in KERAS3_BUILTINS or conversion.needs_ours(
        case["layer"], case["kwargs"], model_config.Context())


def _has_backend(cls):
    return "keras1_backend" in inspect.signature(cls).parameters


def _make(case, backend, **extra):
    kwargs = dict(copy.deepcopy(case["kwargs"]), **extra)
    if not _is_ours(case):
        return KERAS3_BUILTINS[case["layer"]](*case["args"], **kwargs)
    cls = getattr(lc, case["layer"])
    if _has_backend(cls):
        kwargs["keras1_backend"] = backend
    return cls(*case["args"], **kwargs)


def _run(case, backend, **call_kwargs):
    """Our layer for `case` with Keras 1's weights, and its output on Keras 1's input."""
    data, cid = _data(backend), case["id"]
    x = _inputs(backend, case)
    count = len(_record(backend, case)["weight_shapes"])
    weights = [data[f"{cid}/weights/{i}"] for i in range(count)]
    if case.get("weights_spec") == "ok" and _is_ours(case):
        layer = _make(case, backend, weights=weights)
    else:
        layer = _make(case, backend)
        if weights:
            layer.build(_shapes(case, _batch(case)))
            layer.set_weights(weights)
    return layer, np.asarray(layer(x, **call_kwargs))


def _batch(case):
    return (case.get("inputs") or [case["input_shape"]])[0][0]


def _shapes(case, batch):
    shapes = case.get("inputs") or [case["input_shape"]]
    shapes = [tuple([batch] + list(s[1:])) for s in shapes]
    return shapes if "inputs" in case else shapes[0]


@pytest.mark.parametrize("backend", BACKENDS)
def test_fixture_files_cover_every_case(backend):
    assert {c["id"] for c in CORE_CASES} <= set(results(backend, PREFIX))


@pytest.mark.parametrize("backend, case", _params())
def test_matches_keras1(backend, case):
    record = _record(backend, case)
    if (backend, case["id"]) in ACCEPTED_WHERE_KERAS1_FAILED:
        layer = _make(case, backend)
        assert np.all(np.isfinite(np.asarray(layer(_zeros(case)))))
        return
    if case["id"] in KERAS3_LOOSER:
        _make(case, backend)(_zeros(case))
        with pytest.raises(ValueError, match="only to 2D and 3D"):
            activations.get(case["args"][0])(_zeros(case))
        return
    if record["error"] is not None or (backend, case["id"]) in STRICTER_THAN_KERAS1:
        with pytest.raises((ValueError, TypeError)) as info:
            extra = {}
            if case.get("weights_spec") == "wrong_count":
                extra["weights"] = [np.zeros(case["input_shape"][-1:], "float32")] * 3
            _make(case, backend, **extra)(_zeros(case))
        assert_names_the_argument(getattr(lc, case["layer"]), case["args"], case["kwargs"],
                                  record["error"], str(info.value))
        return
    layer, output = _run(case, backend)
    expected = _data(backend)[f"{case['id']}/output"]
    assert output.shape == expected.shape
    np.testing.assert_allclose(output, expected, rtol=RTOL, atol=ATOL)
    assert [list(w.shape) for w in layer.get_weights()] == record["weight_shapes"]
    # The real shape, with the fixture's batch; Keras 1's claim wherever it was right.
    assert tuple(layer.compute_output_shape(_shapes(case, expected.shape[0]))) == expected.shape
    claim = record["output_shape"]
    if claim[1:] == list(expected.shape[1:]):
        assert list(layer.compute_output_shape(_shapes(case, None)))[1:] == claim[1:]


@pytest.mark.parametrize("backend, case", _params(lambda c: c.get("train")))
def test_training_step_matches_keras1(backend, case):
    """Training-phase output, and the weights after one update (running averages)."""
    data, cid = _data(backend), case["id"]
    if _refused(backend, case):
        pytest.skip("Keras 1 refused this case")
    layer, output = _run(case, backend, training=True)
    np.testing.assert_allclose(output, data[f"{cid}/train_output"], rtol=RTOL, atol=ATOL)
    for index, weight in enumerate(layer.get_weights()):
        np.testing.assert_allclose(weight, data[f"{cid}/updated/{index}"], rtol=RTOL,
                                   atol=1e-6, err_msg=f"weight {index}")


@pytest.mark.parametrize("backend, case", _params(lambda c: c.get("training_losses")))
def test_regularizer_penalties_match_keras1(backend, case):
    layer, _ = _run(case, backend)
    np.testing.assert_allclose(sum(float(loss) for loss in layer.losses),
                               _record(backend, case)["weight_penalty"], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("backend, case", _params(_is_ours))
def test_keras1_config_builds_the_same_layer(backend, case):
    """Keras 1's own get_config() (as in a Keras 1 file) builds the layer of the case, and
    our get_config() writes every key Keras 1 wrote, with Keras 1's value."""
    record = _record(backend, case)
    if _refused(backend, case):
        pytest.skip("Keras 1 refused this case")
    config = dict(record["config"])
    ours = _make(case, backend)
    if _has_backend(type(ours)):
        config["keras1_backend"] = backend
    rebuilt = type(ours).from_config(config)
    for layer in (ours, rebuilt):  # Keras 1 wrote its config after the call
        layer.build(_shapes(case, _batch(case)))
    mine = ours.get_config()
    assert _without_name(rebuilt.get_config()) == _without_name(mine)
    for key, value in record["config"].items():
        if key not in CONFIG_DIFFERENCES:
            assert key in mine, f"get_config() lacks Keras 1's {key!r}"
            assert json.loads(json.dumps(mine[key])) == value, key


def _without_name(config):
    return {k: v for k, v in config.items() if k != "name"}


@pytest.mark.parametrize("backend, case", _params(lambda c: c["layer"] == "Merge"))
def test_merge_function_matches_keras1(backend, case):
    if _refused(backend, case):
        pytest.skip("Keras 1 refused this case")
    kwargs = dict(case["kwargs"], keras1_backend=backend)
    output = lc.merge(_inputs(backend, case), **kwargs)
    np.testing.assert_allclose(np.asarray(output), _data(backend)[f"{case['id']}/output"],
                               rtol=RTOL, atol=ATOL)


# Keras 1 Merge modes that a Keras 3 merging layer reproduces exactly (same fold order).
KERAS3_MERGES = {
    "sum": lambda kw: keras.layers.Add(), "mul": lambda kw: keras.layers.Multiply(),
    "ave": lambda kw: keras.layers.Average(), "max": lambda kw: keras.layers.Maximum(),
    "concat": lambda kw: keras.layers.Concatenate(axis=kw.get("concat_axis", -1)),
}


@pytest.mark.parametrize("backend, case", _params(
    lambda c: c["layer"] == "Merge" and c["kwargs"].get("mode", "sum") in KERAS3_MERGES))
def test_keras3_merge_layers_match_keras1(backend, case):
    if _refused(backend, case):
        pytest.skip("Keras 1 refused this case")
    layer = KERAS3_MERGES[case["kwargs"].get("mode", "sum")](case["kwargs"])
    np.testing.assert_allclose(np.asarray(layer(_inputs(backend, case))),
                               _data(backend)[f"{case['id']}/output"], rtol=RTOL, atol=ATOL)


def _keras3_pooling(case):
    kw, rank = case["kwargs"], int(case["layer"][-2])
    size = kw.get("pool_length", 2) if rank == 1 else kw.get("pool_size", (2,) * rank)
    strides = kw.get("stride") if rank == 1 else kw.get("strides")
    data_format = "channels_first" if kw.get("dim_ordering") == "th" else "channels_last"
    cls = getattr(keras.layers, case["layer"])
    return cls(size, strides, padding=kw.get("border_mode", "valid"), data_format=data_format)


@pytest.mark.parametrize("backend, case", _params(lambda c: "Pooling" in c["layer"]))
def test_keras3_pooling_matches_keras1_except_theano_same(backend, case):
    """Keras 3's pooling layers are Keras 1's, except Keras 1 on Theano with 'same' (and a
    pool larger than the input)."""
    if _refused(backend, case) or (backend == "theano"
                                   and case["kwargs"].get("border_mode") == "same"):
        pytest.skip("Keras 1 refused this case, or only our layer reproduces it")
    expected = _data(backend)[f"{case['id']}/output"]
    if 0 in expected.shape:
        pytest.skip("Theano's empty output")
    output = np.asarray(_keras3_pooling(case)(_inputs(backend, case)))
    np.testing.assert_allclose(output, expected, rtol=RTOL, atol=ATOL)


# One instance of each new layer and its input shapes (without batch), for Keras 3 checks.
INSTANCES = [
    (lambda: lc.MaxPooling1D(3, 2, "same", keras1_backend="theano"), [(9, 3)]),
    (lambda: lc.AveragePooling1D(2), [(9, 3)]),
    (lambda: lc.MaxPooling2D((3, 3), (2, 1), "same", dim_ordering="th"), [(3, 8, 7)]),
    (lambda: lc.AveragePooling2D((4, 4), (1, 1), "same", dim_ordering="tf",
                                 keras1_backend="theano"), [(8, 7, 3)]),
    (lambda: lc.MaxPooling3D((1, 2, 2), border_mode="same", dim_ordering="tf",
                             keras1_backend="theano"), [(5, 4, 4, 2)]),
    (lambda: lc.AveragePooling3D(dim_ordering="th"), [(2, 4, 4, 4)]),
    (lambda: lc.BatchNormalization(mode=0, axis=1, keras1_backend="theano"), [(3, 4, 5)]),
    (lambda: lc.BatchNormalization(mode=1, gamma_regularizer="l2"), [(5,)]),
    (lambda: lc.BatchNormalization(mode=2, epsilon=0.1), [(4, 3)]),
    (lambda: lc.Merge(mode="concat", concat_axis=1), [(4, 3), (2, 3)]),
    (lambda: lc.Merge(mode="cos", dot_axes=[2, 2], keras1_backend="theano"),
     [(4, 3), (4, 3)]),
    (lambda: lc.Merge(mode="dot", dot_axes=1), [(4, 3), (4, 5)]),
    (lambda: lc.ThresholdedReLU(theta=0.3), [(4, 5)]),
    (lambda: lc.LeakyReLU(alpha=-0.5), [(4, 5)]),
    (lambda: lc.GaussianNoise(sigma=2.0), [(4, 5)]),
]
IDS = [f"{make().__class__.__name__}-{i}" for i, (make, _) in enumerate(INSTANCES)]


def test_dot_keras_file_round_trip(tmp_path):
    """One model holding every new layer (one branch each) survives a .keras file."""
    rng = np.random.RandomState(0)
    inputs, outputs, xs = [], [], []
    for make, shapes in INSTANCES:
        branch = [keras.Input(s) for s in shapes]
        outputs.append(make()(branch if len(branch) > 1 else branch[0]))
        inputs += branch
        xs += [rng.uniform(-1, 1, (3,) + s).astype("float32") for s in shapes]
    model = keras.Model(inputs, outputs)
    model.set_weights([rng.uniform(0.5, 1.5, w.shape).astype("float32")
                       for w in model.get_weights()])
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    for ours, theirs in zip(model.predict(xs, verbose=0), loaded.predict(xs, verbose=0)):
        np.testing.assert_array_equal(theirs, ours)
    assert [type(layer) for layer in loaded.layers] == [type(layer) for layer in model.layers]


@pytest.mark.parametrize("make, shapes", INSTANCES, ids=IDS)
def test_config_round_trip_and_registration(make, shapes):
    layer = make()
    cls = type(layer)
    assert keras.saving.get_registered_name(cls) == f"legacy_conv>{cls.__name__}"
    config = layer.get_config()
    json.dumps(config)
    assert cls.from_config(config).get_config() == config


def test_fit_updates_batchnorm_running_averages_as_keras1_training_does():
    layer = lc.BatchNormalization(momentum=0.5, keras1_backend="theano")
    model = keras.Sequential([keras.Input((3,)), layer])
    model.compile("sgd", "mse")
    x = np.random.RandomState(0).uniform(-2, 2, (8, 3)).astype("float32")
    model.fit(x, x, batch_size=8, epochs=1, verbose=0)
    np.testing.assert_allclose(layer.running_mean.numpy(), 0.5 * x.mean(0), rtol=1e-5)
    np.testing.assert_allclose(layer.running_std.numpy(), 0.5 + 0.5 * (x.var(0) + 1e-3),
                               rtol=1e-5)


# -- BatchNormalization of Keras 1.0.5-1.0.7 files (running_std meant something else) ------
# Every fixture set the real releases wrote (make_fixtures.py --suite bn_legacy):
# (prefix, backend), e.g. ("bn_legacy_keras107", "theano").
LEGACY_SETS = [tuple(path.stem.rsplit("_", 1))
               for path in sorted(LAYERS.glob("bn_legacy_keras*_*.json"))]
def _legacy_params(modes=(0, 1, 2)):
    for prefix, backend in LEGACY_SETS:
        for cid, record in sorted(results(backend, prefix).items()):
            if record["error"] is not None or record["config"]["mode"] not in modes:
                continue
            yield pytest.param(prefix, backend, cid, id=f"{prefix}_{backend}-{cid}")


def _keras1_files(tmp_path, prefix, backend, cid):
    """The case as its release saved it: the model's JSON and a `save_weights` file."""
    record, data = results(backend, prefix)[cid], arrays(backend, prefix)
    config = dict(record["config"], batch_input_shape=[None] + record["input_shape"][1:])
    model_json = json.dumps({"class_name": "Sequential", "keras_version": record["keras_version"],
                             "config": [{"class_name": "BatchNormalization", "config": config}]})
    path = tmp_path / "weights.h5"
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = [config["name"].encode()]
        group = f.create_group(config["name"])
        group.attrs["weight_names"] = [name.encode() for name in record["weight_names"]]
        for i, name in enumerate(record["weight_names"]):
            group.create_dataset(name, data=data[f"{cid}/weights/{i}"])
    return model_json, path, data[f"{cid}/input"], data[f"{cid}/output"]


def test_every_legacy_release_has_fixtures():
    assert {("bn_legacy_keras105", "theano"), ("bn_legacy_keras106", "theano"),
            ("bn_legacy_keras107", "theano")} <= set(LEGACY_SETS)


@pytest.mark.slow(quick=2)
@pytest.mark.parametrize("prefix, backend, cid", list(_legacy_params()))
def test_legacy_batchnorm_file_predicts_as_its_release(prefix, backend, cid, tmp_path):
    model_json, weights, x, expected = _keras1_files(tmp_path, prefix, backend, cid)
    model = lc.model_from_json(model_json, keras1_backend=backend)
    lc.load_weights(model, weights, keras1_backend=backend)
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=RTOL, atol=ATOL)


@pytest.mark.slow(quick=2)
@pytest.mark.parametrize("prefix, backend, cid", list(_legacy_params(modes=(0,))))
def test_legacy_batchnorm_file_in_keras3s_batchnorm(prefix, backend, cid, tmp_path):
    model_json, weights, x, expected = _keras1_files(tmp_path, prefix, backend, cid)
    config = lc.convert_config(model_json, target="native", keras1_backend=backend)
    model = keras.models.model_from_json(json.dumps(config))
    assert type(model.layers[-1]) is keras.layers.BatchNormalization
    lc.load_weights(model, weights, keras1_backend=backend,
                    keras_version=results(backend, prefix)[cid]["keras_version"])
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("release, backend, cid", [
    ("1.0.6", "theano", "bn_mode0_2d"), ("1.0.7", "theano", "bn_mode0_small_var"),
    ("1.0.7", "theano", "bn_mode0_eps0.1")])
def test_legacy_fixtures_tell_the_formulas_apart(release, backend, cid, tmp_path):
    """Read as Keras 1.2.2 would, these files predict something else than their release."""
    prefix = "bn_legacy_keras" + release.replace(".", "")
    model_json, weights, x, expected = _keras1_files(tmp_path, prefix, backend, cid)
    model = lc.model_from_json(model_json, keras1_backend=backend)
    lc.load_weights(model, weights, keras1_backend=backend, keras_version="1.2.2")
    assert np.abs(model.predict(x, verbose=0) - expected).max() > 1e-4


@pytest.mark.parametrize("release", ["1.0.6", "1.0.7"])
def test_mode2_follows_the_release_that_wrote_the_model(release, tmp_path):
    """Mode 2 divides the batch's statistics as the model's release did (Theano 1.0.6:
    sqrt(var + eps) + eps, 1.0.7: sqrt(var) + eps); as 1.2.2 it predicts otherwise."""
    prefix = "bn_legacy_keras" + release.replace(".", "")
    model_json, weights, x, expected = _keras1_files(tmp_path, prefix, "theano",
                                                     "bn_mode2_eps0.1")
    model = lc.model_from_json(model_json, keras1_backend="theano")
    lc.load_weights(model, weights, keras1_backend="theano")
    assert model.layers[-1].get_config()["keras1_version"] == release
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=RTOL, atol=ATOL)
    as_122 = lc.model_from_json(model_json.replace(release, "1.2.2"), keras1_backend="theano")
    as_122.set_weights(model.get_weights())
    assert np.abs(as_122.predict(x, verbose=0) - expected).max() > 1e-4
    on_tf = lc.model_from_json(model_json, keras1_backend="tensorflow")  # 1.2.2's formula
    on_tf.set_weights(model.get_weights())
    np.testing.assert_allclose(on_tf.predict(x, verbose=0), as_122.predict(x, verbose=0))


def test_keras1_version_must_be_a_release_name():
    with pytest.raises(ValueError, match=r"`keras1_version` must be a Keras 1 release"):
        lc.BatchNormalization(mode=2, keras1_version=1.07)


def test_running_std_meanings_by_release_and_backend():
    def meaning(release, backend):
        return TO_VARIANCE[running_std(release, backend)]
    for release in ("1.0.0", "1.0.5", Release(1, 0, 3)):
        for backend in BACKENDS:
            assert meaning(release, backend) is running_std_to_variance
    assert meaning("1.0.6", "theano") is running_std_to_variance
    assert meaning("1.0.7", "theano") is sqrt_running_std_to_variance
    for key in [("1.0.6", "tensorflow"), ("1.0.7", "tensorflow"), ("1.0.8", "theano"),
                ("1.2.2", "theano"), ("1.2.2", "tensorflow"), (None, "theano")]:
        assert running_std(*key) is None
    std = np.array([0.5, 2.0], "float32")
    assert running_std_as_variance(std, 1e-3, "1.2.2", "theano") is std


def test_running_std_to_variance_is_pure():
    std = np.array([0.5, 1.0, 0.001], "float32")
    variance = running_std_to_variance(std, 1e-3)
    assert variance.dtype == np.float32 and variance.shape == (3,)
    np.testing.assert_allclose(variance, (std.astype(np.float64) + 1e-3) ** 2 - 1e-3, rtol=1e-6)
    assert float(running_std_to_variance(1.0, 0.0)) == 1.0


def test_sqrt_running_std_to_variance_gives_sqrt_plus_epsilon():
    variance = np.array([1e-4, 0.25, 4.0], "float32")
    converted = sqrt_running_std_to_variance(variance, 0.1)
    assert converted.dtype == np.float32 and converted.shape == (3,)
    np.testing.assert_allclose(np.sqrt(converted.astype(np.float64) + 0.1),
                               np.sqrt(variance.astype(np.float64)) + 0.1, rtol=1e-6)
    assert float(sqrt_running_std_to_variance(4.0, 0.0)) == 4.0


# -- activations -------------------------------------------------------------------------
def test_every_keras1_activation_has_a_keras3_name():
    assert set(activations.KERAS3_EQUIVALENT) == set(activations.ACTIVATIONS)
    for name, native in activations.KERAS3_EQUIVALENT.items():
        if native is None:
            assert keras.saving.get_registered_object(f"legacy_conv>{name}") is \
                activations.ACTIVATIONS[name]
    with pytest.raises(ValueError, match="Unknown Keras 1 activation"):
        activations.keras3_activation("swish")


def test_hard_sigmoid_in_keras3_configs_survives_a_keras_file(tmp_path):
    name = activations.keras3_activation("hard_sigmoid")
    assert name["config"] == "legacy_conv>hard_sigmoid"
    dense = keras.layers.Dense.from_config({"units": 3, "activation": name, "name": "d"})
    model = keras.Sequential([keras.Input((4,)), dense,
                              keras.layers.Activation.from_config({"activation": name})])
    x = np.random.RandomState(1).uniform(-9, 9, (5, 4)).astype("float32")
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    z = x @ model.layers[0].get_weights()[0] + model.layers[0].get_weights()[1]
    once = np.clip(0.2 * z + 0.5, 0, 1)
    np.testing.assert_allclose(model.predict(x, verbose=0), np.clip(0.2 * once + 0.5, 0, 1),
                               rtol=1e-6)


# -- values Keras 3's built-ins refuse: our layer, from Keras 1's own config ------------------
# (Keras 3's LeakyReLU refuses negative_slope < 0, its GaussianNoise stddev outside [0, 1].)
OUT_OF_KERAS3_RANGE = ("leakyrelu_alpha-0.5", "leakyrelu_alpha-2.0", "gaussiannoise_sigma2.0",
                       "gaussiannoise_sigma-0.5")


@pytest.mark.parametrize("backend, case", _params(
    lambda c: c["layer"] in ("LeakyReLU", "GaussianNoise")))
def test_keras1_model_json_converts_and_predicts_what_keras1_did(backend, case):
    """Keras 1's get_config() in a Keras 1 model JSON: model_from_json builds our layer
    where Keras 3's refuses the value, Keras 3's elsewhere, and predicts Keras 1's output
    (LeakyReLU: always ours, Keras 1's gradient at 0: tests/test_kinks.py)."""
    assert _is_ours(case) == (case["id"] in OUT_OF_KERAS3_RANGE or case["layer"] == "LeakyReLU")
    layer = {"class_name": case["layer"], "config": dict(
        _record(backend, case)["config"], batch_input_shape=[None] + case["input_shape"][1:],
        input_dtype="float32")}
    text = json.dumps({"class_name": "Sequential", "config": [layer], "keras_version": "1.2.2"})
    model = lc.model_from_json(text, keras1_backend=backend)
    converted = type(model.layers[-1])
    assert converted is (getattr(lc, case["layer"]) if _is_ours(case) else
                         getattr(keras.layers, case["layer"]))
    np.testing.assert_allclose(model.predict(_inputs(backend, case), verbose=0),
                               _data(backend)[f"{case['id']}/output"], rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("sigma", [2.0, -0.5, 10.0])
def test_gaussian_noise_adds_noise_of_std_abs_sigma_in_training_only(sigma):
    """Keras 1 added sigma * normal(0, 1) in training (std abs(sigma): observed on both
    backends with 10^5 draws) and nothing in predict."""
    layer = lc.GaussianNoise(sigma)
    x = np.random.RandomState(0).uniform(-1, 1, (200, 500)).astype("float32")
    np.testing.assert_array_equal(np.asarray(layer(x)), x)
    noise = np.asarray(layer(x, training=True)) - x
    assert abs(noise.std() / abs(sigma) - 1) < 0.02 and abs(noise.mean()) < 0.02 * abs(sigma)
    again = np.asarray(layer(x, training=True)) - x
    assert not np.allclose(noise, again)  # a new draw each step


def test_leaky_relu_and_gaussian_noise_pass_masks_on_as_in_keras1():
    x = np.array([[[1.0, -2.0], [0.0, 0.0], [3.0, -1.0]]], "float32")
    for layer in (lc.LeakyReLU(alpha=-0.5), lc.GaussianNoise(2.0)):
        model = keras.Sequential([keras.Input((3, 2)), keras.layers.Masking(0.0), layer])
        mask = model.layers[-1].compute_mask(x, np.array([[True, False, True]]))
        np.testing.assert_array_equal(mask, [[True, False, True]])
        assert model(x)._keras_mask is not None


# -- errors that Keras 1 did not have, because we never execute saved code ------------------
MARSHALLED = ["4wEAAAAAAAAAAQAAAAQAAABDAAAAcwgAAAB8AGQBFABTACkCTukCAAAAqQApAdoBeHIBAAAAcgEA",
              None, None]


@pytest.mark.parametrize("config", [
    {"mode": MARSHALLED, "mode_type": "lambda"},
    {"mode": "my_merge", "mode_type": "function"},
    {"mode": "sum", "output_shape": MARSHALLED, "output_shape_type": "lambda"},
    {"mode": "sum", "output_mask": "my_mask", "output_mask_type": "function"},
], ids=["lambda-mode", "function-mode", "lambda-output_shape", "function-output_mask"])
def test_merge_refuses_saved_code(config):
    with pytest.raises(ValueError, match="cannot execute"):
        lc.Merge(**config)
    with pytest.raises((ValueError, TypeError), match="cannot execute"):  # Keras wraps it
        lc.Merge.from_config(dict(config, name="m"))


def test_merge_refuses_layers_and_names_the_remedy():
    with pytest.raises(ValueError, match=r"call on a list of tensors.*legacy_conv.merge"):
        lc.Merge(layers=[keras.layers.Dense(2), keras.layers.Dense(2)])


@pytest.mark.parametrize("cls, argument, value, message", [
    (lc.MaxPooling2D, "border_mode", "full", "must be one of"),
    (lc.AveragePooling3D, "pool_size", (2, 2), "must be a tuple of 3"),
    (lc.MaxPooling1D, "pool_length", 0, "must be a positive integer"),
    (lc.BatchNormalization, "mode", 3, "must be 0, 1 or 2"),
    (lc.Merge, "mode", "min", "must be one of"),
    (lc.Merge, "dot_axes", [1, 2, 3], "must be an integer"),
    (lc.ThresholdedReLU, "theta", "1", "must be a number"),
    (lc.LeakyReLU, "alpha", None, "must be a number"),
    (lc.GaussianNoise, "sigma", [2.0], "must be a number"),
], ids=lambda v: v.__name__ if isinstance(v, type) else None)
def test_argument_errors_name_layer_argument_and_value(cls, argument, value, message):
    kwargs = {"mode": "dot"} if argument == "dot_axes" else {}
    with pytest.raises(ValueError, match=f"`{argument}` {message}") as info:
        cls(**kwargs, **{argument: value})
    assert str(info.value).startswith(f"{cls.__name__} layer ")
    assert_received(str(info.value), argument, value)


def test_merge_masks_follow_keras1():
    merge = lc.Merge(mode="sum")
    a = np.ones((2, 3, 4), "float32")
    masks = [np.array([[1, 1, 0], [1, 0, 0]], bool), np.array([[1, 0, 0], [1, 1, 1]], bool)]
    np.testing.assert_array_equal(merge.compute_mask([a, a], masks), masks[0] & masks[1])
    assert merge.compute_mask([a, a], [None, None]) is None
    concat = lc.Merge(mode="concat")
    np.testing.assert_array_equal(concat.compute_mask([a, a], [masks[0], None]), masks[0])
    with pytest.raises(ValueError, match="max"):
        lc.Merge(mode="max").compute_mask([a, a], masks)
