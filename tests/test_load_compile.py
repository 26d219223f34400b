"""`legacy_conv.load_model(compile=True)`: a Keras 1 `model.save()` file compiled with Keras 1's
meanings and its optimizer state, against Keras 1.2.2 itself (tests/fixtures/keras1_training:
the `resume` cases, 2 more epochs after Keras 1's own `load_model`, on Theano and TensorFlow).

- target='legacy': Keras 1's optimizers, objectives and metrics, the implementation of
  `legacy_conv.keras1.models.load_model`;
- target='native': Keras 3 built-ins where one computes Keras 1's update (SGD, Adam, ...), the
  state carried, the `.keras` file loading in plain Keras 3; else a ConversionError naming the
  file, the optimizer or argument, and what is accepted.
"""

import copy
import json
import shutil
import subprocess
import sys

import h5py
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import legacy_conv
from legacy_conv.errors import ConversionError
from legacy_conv.keras1 import models, optimizers
from legacy_conv.load import compile as compile_step
from legacy_conv.spec import training as spec
from tests import _fixtures

# Keras 1 on TensorFlow raced its updates against the gradients' reads (test_keras1_training).
TOL = {"theano": {"rtol": 1e-5, "atol": 1e-6}, "tensorflow": {"rtol": 3e-2, "atol": 3e-2}}
RESUMES = ("resume_adam", "resume_nadam", "resume_rmsprop", "resume_sgd")
NATIVE = [n for n in RESUMES
          if spec.OPTIMIZER_RULES[spec.OPTIMIZER_ALIASES[n[len("resume_"):]]] is None]


@pytest.fixture(autouse=True)
def _no_backend_leak():
    settings_ = dict(legacy_conv.backend._state)
    yield
    legacy_conv.backend._state.update(settings_)


def _path(backend, name):
    return _fixtures.TRAINING / backend / f"{name}.h5"


def _resume(model, backend, name):
    record = _fixtures.read_json(_fixtures.TRAINING / backend / "training.json")
    arrays = _fixtures.npz(_fixtures.TRAINING / backend / "training.npz")
    case = record["cases"][name]
    x, y, vx, vy = [arrays[f"data.{case['model']}.{k}"] for k in ("x", "y", "vx", "vy")]
    history = model.fit(x, y, batch_size=case["batch_size"], epochs=2, shuffle=False,
                        verbose=0, validation_data=(vx, vy)).history
    expected = record["resume"][name]
    assert sorted(history) == sorted(expected)
    for key, values in expected.items():
        if backend == "tensorflow" and not key.endswith("loss"):
            continue  # the race can move a prediction across a rounding
        np.testing.assert_allclose(history[key], values, err_msg=key, **TOL[backend])
    np.testing.assert_allclose(model.predict(x, verbose=0), arrays[f"{name}.resumed_pred"],
                               **TOL[backend])


def _cases(names):
    return [pytest.param(b, n, id=f"{b}-{n}") for b in _fixtures.BACKENDS for n in names]


@pytest.mark.slow(quick=2)
@pytest.mark.parametrize("backend,name", _cases(RESUMES))
def test_legacy_target_resumes_training_where_keras1_stopped(backend, name):
    model = legacy_conv.load_model(_path(backend, name), keras1_backend=backend)
    assert isinstance(model.optimizer, optimizers.Keras1Optimizer)
    _resume(model, backend, name)


@pytest.mark.slow(quick=1)
@pytest.mark.parametrize("backend,name", _cases(NATIVE))
def test_native_target_resumes_training_with_a_keras3_optimizer(backend, name):
    model = legacy_conv.load_model(_path(backend, name), keras1_backend=backend,
                                   target="native")
    assert type(model.optimizer).__module__.startswith("keras.")
    _resume(model, backend, name)


def test_native_exact_optimizers_are_the_spec_s():
    assert NATIVE == ["resume_adam", "resume_sgd"]
    assert set(spec.NATIVE_STATE) == {n for n, why in spec.OPTIMIZER_RULES.items() if not why}


@pytest.mark.parametrize("name", sorted(set(RESUMES) - set(NATIVE)))
def test_native_target_refuses_an_optimizer_keras3_computes_otherwise(name):
    path = _path("theano", name)
    with pytest.raises(ConversionError) as info:
        legacy_conv.load_model(path, keras1_backend="theano", target="native")
    message = str(info.value)
    assert str(path) in message and "optimizer_config.class_name" in message
    assert "compile=False" in message and "target='legacy'" in message
    model = legacy_conv.load_model(path, keras1_backend="theano", target="native",
                                   compile=False)
    assert getattr(model, "optimizer", None) is None


def test_one_implementation_for_both_loaders():
    path = _path("theano", "resume_adam")
    ours = legacy_conv.load_model(path, keras1_backend="theano")
    namespace = models.load_model(path, keras1_backend="theano")
    assert type(ours.optimizer) is type(namespace.optimizer) is optimizers.Adam
    assert int(ours.optimizer.iterations) == int(namespace.optimizer.iterations) > 0
    for a, b in zip(ours.optimizer.keras1_state(), namespace.optimizer.keras1_state()):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_native_keras_file_loads_in_plain_keras3_with_its_state(tmp_path):
    model = legacy_conv.load_model(_path("theano", "resume_adam"), keras1_backend="theano",
                                   target="native")
    path = tmp_path / "m.keras"
    model.save(path)
    code = ("import sys, keras; m = keras.saving.load_model(sys.argv[1]); "
            "print(type(m.optimizer).__name__, int(m.optimizer.iterations), "
            "'legacy_conv' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,
                         text=True, check=True).stdout.split()
    assert out == ["Adam", str(int(model.optimizer.iterations)), "False"]


def _with_training_config(tmp_path, change):
    path = tmp_path / "m.h5"
    shutil.copy(_path("theano", "resume_sgd"), path)
    with h5py.File(path, "r+") as f:
        config = json.loads(f.attrs["training_config"])
        f.attrs["training_config"] = json.dumps(change(config)).encode()
    return path


@pytest.mark.parametrize("change,field", [
    (lambda c: {**c, "loss": "cosine_proximity"}, "training_config.loss"),
    (lambda c: {**c, "metrics": ["fmeasure"]}, "training_config.metrics"),
    (lambda c: {**c, "optimizer_config": {**c["optimizer_config"], "config": {
        **c["optimizer_config"]["config"], "clipnorm": 1.0, "clipvalue": 0.5}}},
     "training_config.optimizer_config.clipvalue"),
], ids=["cosine_proximity", "fmeasure", "clipnorm_and_clipvalue"])
def test_native_refuses_what_keras3_computes_otherwise_legacy_compiles_it(tmp_path, change,
                                                                          field):
    path = _with_training_config(tmp_path, change)
    with pytest.raises(ConversionError) as info:
        legacy_conv.load_model(path, keras1_backend="theano", target="native")
    assert f"`{field}`" in str(info.value) and "compile=False" in str(info.value)
    assert legacy_conv.load_model(path, keras1_backend="theano").optimizer is not None


def test_state_in_another_layout_warns_on_legacy_and_refuses_on_native(monkeypatch):
    monkeypatch.setattr(compile_step, "keras1_order", lambda model, path: None)
    monkeypatch.setattr(compile_step, "_relaid_state", lambda *args: None)
    path = _path("theano", "resume_sgd")
    with pytest.warns(UserWarning, match="fresh state"):
        model = legacy_conv.load_model(path, keras1_backend="theano")
    assert int(model.optimizer.iterations) == 0
    with pytest.raises(ConversionError, match="optimizer_weights"):
        legacy_conv.load_model(path, keras1_backend="theano", target="native")


def test_keras1_sorted_its_trainable_weights_by_name():
    path = _path("theano", "resume_sgd")
    model = legacy_conv.load_model(path, keras1_backend="theano", compile=False)
    assert compile_step.keras1_order(model, path) == model.trainable_weights
    model.layers[-1].kernel.assign(model.layers[-1].kernel * 2.0)
    assert compile_step.keras1_order(model, path) is None  # not the file's: no layout known


def test_state_of_a_file_with_conv_and_batchnorm_weights_restores_in_keras1s_order():
    """bn_net: Keras 1 sorted batchnormalization_* before convolution2d_* (its optimizer's
    order); 29 arrays, each of its variable's shape."""
    path = _fixtures.MODELS / "k122_theano" / "bn_net.h5"
    model = legacy_conv.load_model(path, keras1_backend="theano")
    ordered = compile_step.keras1_order(model, path)
    assert [w.path for w in ordered] != [w.path for w in model.trainable_weights]
    arrays = compile_step.optimizer_weights(path)
    assert int(model.optimizer.iterations) == round(float(arrays[0]))
    optimizer, n = model.optimizer, len(ordered)
    for k, slot in enumerate(spec.OPTIMIZERS["Adam"].slots):
        for i, variable in enumerate(ordered):  # Keras 1's i-th weight has its i-th arrays
            ours = optimizer.keras1_state()[1 + k * n + [
                w.path for w in model.trainable_weights].index(variable.path)]
            np.testing.assert_array_equal(np.asarray(ours), arrays[1 + k * n + i], slot)


def test_state_survives_save_and_load_of_the_namespace(tmp_path):
    path = _fixtures.MODELS / "k122_theano" / "bn_net.h5"
    model = models.load_model(path, keras1_backend="theano")
    model.save(str(tmp_path / "again.h5"))
    again = models.load_model(str(tmp_path / "again.h5"))
    for a, b in zip(model.optimizer.keras1_state(), again.optimizer.keras1_state()):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


@pytest.fixture(scope="module")
def small_model():
    return legacy_conv.load_model(_path("theano", "resume_sgd"), keras1_backend="theano",
                                  compile=False)


ODD = st.one_of(st.none(), st.integers(-3, 3), st.text(max_size=5), st.floats(),
                st.lists(st.text(max_size=3), max_size=2), st.dictionaries(
                    st.text(max_size=3), st.integers(), max_size=2))


@st.composite
def _mutated(draw):
    with h5py.File(_path("theano", "resume_sgd"), "r") as f:
        config = json.loads(f.attrs["training_config"])
    config = copy.deepcopy(config)
    where = draw(st.sampled_from([config, config["optimizer_config"],
                                  config["optimizer_config"]["config"]]))
    key = draw(st.sampled_from(sorted(where) + ["extra"]))
    if draw(st.booleans()) and key in where:
        del where[key]
    else:
        where[key] = draw(ODD)
    return config


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(config=_mutated(), target=st.sampled_from(["legacy", "native"]))
def test_mutated_training_configs_compile_or_raise_conversion_error(small_model, config,
                                                                    target):
    try:
        compile_step.compile_model(small_model, config, str(_path("theano", "resume_sgd")),
                                   target)
    except ConversionError as error:
        assert len(str(error)) < 5000


# -- the command line: `legacy-conv convert IN.h5 OUT.keras` compiles as load_model does ------
@pytest.mark.parametrize("target,name", [("legacy", "resume_rmsprop"), ("native", "resume_adam"),
                                         ("native", "resume_rmsprop")])
def test_cli_keras_output_is_compiled_as_load_model_compiles(tmp_path, capsys, target, name):
    from legacy_conv import cli

    out = tmp_path / "m.keras"
    status = cli.main(["convert", str(_path("theano", name)), str(out), "--target", target,
                       "--keras1-backend", "theano"])
    err = capsys.readouterr().err
    assert status == 0, err
    try:  # the same file through load_model is the reference
        expected = legacy_conv.load_model(_path("theano", name), keras1_backend="theano", target=target)
    except ConversionError as error:  # native RMSprop: written uncompiled, with a note
        assert "not compiled" in err and error.problem in err
        assert getattr(keras_load(out), "optimizer", None) is None
        return
    model = keras_load(out)
    assert type(model.optimizer) is type(expected.optimizer)
    assert int(model.optimizer.iterations) == int(expected.optimizer.iterations)
    _resume(model, "theano", name)


def keras_load(path):
    import keras

    return keras.saving.load_model(path)


@pytest.mark.parametrize("optimizer", ["Adam", "Adamax", "Adadelta", "SGD"])
def test_native_adam_refuses_an_embedding_s_sparse_gradient(tmp_path, optimizer):
    """Keras 3's Adam, Adamax and Adadelta square a sparse gradient's rows before adding those
    of a repeated index (spec.training.SPARSE_GRADIENT_RULES); SGD adds them as Keras 1."""
    path = tmp_path / "text_cnn.h5"
    shutil.copy(_fixtures.MODELS / "k122_theano" / "text_cnn.h5", path)
    with h5py.File(path, "r+") as f:
        config = json.loads(f.attrs["training_config"])
        config["optimizer_config"] = {"class_name": optimizer, "config": {}}
        f.attrs["training_config"] = json.dumps(config).encode()
    load = lambda: legacy_conv.load_model(path, keras1_backend="theano",  # noqa: E731
                                          target="native")
    if optimizer == "SGD":
        assert type(load().optimizer).__name__ == "SGD"
        return
    with pytest.raises(ConversionError) as info:
        load()
    assert "repeated index" in str(info.value) and "embedding" in str(info.value).lower()
