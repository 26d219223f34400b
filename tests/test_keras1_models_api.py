"""`legacy_conv.keras1.models` and `.callbacks` against Keras 1.2.2 itself: the scripts of
tests/fixtures/keras1_models_api/cases.py ran on Keras 1 (Theano and TensorFlow) and run here
unchanged on `legacy_conv.keras1`; histories, returned values, callbacks' params and logs,
checkpoint names, CSV rows, final weights and predictions must agree. Then the classes'
own contract: registration, `.keras` and HDF5 round trips, Keras 1's errors."""

import importlib.util

import keras
import numpy as np
import pytest

import legacy_conv
from legacy_conv import keras1
from legacy_conv.keras1 import callbacks, models
from tests import _fixtures

RTOL, ATOL = 1e-5, 1e-6


def _cases_module():
    spec = importlib.util.spec_from_file_location(
        "keras1_models_api_cases", _fixtures.MODELS_API / "cases.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CASES = _cases_module()


@pytest.fixture(autouse=True)
def _no_backend_leak():
    yield
    legacy_conv.set_keras1_backend(None)


def _assert_same(ours, keras1, where):
    if isinstance(keras1, dict):
        assert sorted(ours) == sorted(keras1), where
        for key in keras1:
            _assert_same(ours[key], keras1[key], f"{where}.{key}")
    elif isinstance(keras1, list):
        assert len(ours) == len(keras1), where
        for i, (a, b) in enumerate(zip(ours, keras1)):
            _assert_same(a, b, f"{where}[{i}]")
    elif isinstance(keras1, float):
        np.testing.assert_allclose(ours, keras1, rtol=RTOL, atol=ATOL, err_msg=where)
    else:
        assert ours == keras1, where


@pytest.mark.slow(quick=4)
@pytest.mark.parametrize("backend", _fixtures.BACKENDS)
@pytest.mark.parametrize("case", CASES.CASES, ids=lambda case: case.__name__)
def test_case_as_keras1(case, backend, tmp_path):
    legacy_conv.set_keras1_backend(backend)
    record = _fixtures.read_json(_fixtures.MODELS_API / f"{backend}.json")["cases"]
    arrays = _fixtures.npz(_fixtures.MODELS_API / f"{backend}.npz")
    ours, our_arrays = case(keras1, np, str(tmp_path))
    _assert_same(ours, record[case.__name__], case.__name__)
    for key, value in our_arrays.items():
        if key in arrays:
            np.testing.assert_allclose(value, arrays[key], rtol=RTOL, atol=ATOL, err_msg=key)
    assert {k for k in arrays if k.startswith(case.__name__ + ".")} <= set(our_arrays)


def _model(kind):
    np.random.seed(0)
    if kind == "sequential":
        model = models.Sequential()
        model.add(keras1.layers.Dense(3, input_dim=4, activation="softmax"))
    else:
        a = keras1.layers.Input(shape=(4,))
        model = models.Model(input=a, output=keras1.layers.Dense(3, activation="softmax")(a))
    model.compile("adam", "categorical_crossentropy", metrics=["accuracy"])
    return model


def _xy():
    rng = np.random.RandomState(0)
    return (rng.uniform(size=(6, 4)).astype("float32"),
            np.eye(3, dtype="float32")[rng.randint(0, 3, 6)])


@pytest.mark.parametrize("kind", ["sequential", "functional"])
@pytest.mark.parametrize("suffix", [".keras", ".h5", ""])
def test_save_and_load_model_round_trip(kind, suffix, tmp_path):
    model = _model(kind)
    x, y = _xy()
    model.fit(x, y, nb_epoch=1, verbose=0)
    path = str(tmp_path / f"model{suffix}")
    model.save(path)
    again = models.load_model(path)
    assert type(again) is type(model)
    np.testing.assert_allclose(again.predict(x), model.predict(x), rtol=RTOL, atol=ATOL)
    history = again.fit(x, y, nb_epoch=1, verbose=0)
    assert sorted(history.history) == ["acc", "loss"]


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_training_resumes_after_save_and_load(suffix, tmp_path):
    """Keras 1's `save` kept the optimizer's weights: training goes on where it stopped."""
    model = _model("functional")
    x, y = _xy()
    model.fit(x, y, nb_epoch=2, verbose=0, shuffle=False)
    model.save(str(tmp_path / f"m{suffix}"))
    again = models.load_model(str(tmp_path / f"m{suffix}"))
    ours = model.fit(x, y, nb_epoch=2, verbose=0, shuffle=False).history
    theirs = again.fit(x, y, nb_epoch=2, verbose=0, shuffle=False).history
    for key in ours:
        np.testing.assert_allclose(theirs[key], ours[key], rtol=RTOL, atol=ATOL, err_msg=key)


@pytest.mark.parametrize("name", ["w.h5", "w.hdf5", "w"])
def test_save_weights_and_load_weights(name, tmp_path):
    model, other = _model("sequential"), _model("sequential")
    other.set_weights([w + 1 for w in other.get_weights()])
    model.save_weights(str(tmp_path / name))
    other.load_weights(str(tmp_path / name))
    for a, b in zip(model.get_weights(), other.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_load_model_of_a_keras1_file_gives_these_classes_compiled():
    path = _fixtures.TRAINING / "tensorflow" / "resume_adam.h5"
    model = models.load_model(path, keras1_backend="tensorflow")
    assert isinstance(model, (models.Sequential, models.Model))
    assert model.optimizer is not None and model.metrics_names[0] == "loss"


def test_registered_and_config_round_trip():
    for kind in ("sequential", "functional"):
        model = _model(kind)
        assert keras.saving.get_registered_object(
            f"legacy_conv>{type(model).__name__}") is type(model)
        again = type(model).from_config(model.get_config())
        assert type(again) is type(model)


def test_keras1_errors():
    model = _model("sequential")
    x, y = _xy()
    with pytest.raises(TypeError, match="Received unknown keyword arguments"):
        model.fit(x, y, nb_epochs=2)
    with pytest.raises(ValueError, match="nb_val_samples"):
        model.fit_generator(iter([(x, y)]), 6, 1, validation_data=iter([(x, y)]))
    with pytest.raises(ValueError, match="factor >= 1.0"):
        callbacks.ReduceLROnPlateau(factor=1.0)
    with pytest.raises(ValueError, match="sample_weight_mode"):
        model.compile("sgd", "mse", sample_weight_mode="timestep")
    with pytest.raises(RuntimeError, match="needs to be compiled"):
        models.Sequential([keras1.layers.Dense(2, input_dim=4)]).fit(x, y, verbose=0)
    with pytest.raises(ValueError, match="should be float"):
        model.fit(x, y, nb_epoch=1, verbose=0,
                  callbacks=[callbacks.LearningRateScheduler(lambda epoch: 1)])


def test_remote_monitor_without_a_server_warns():
    model = _model("sequential")
    x, y = _xy()
    monitor = callbacks.RemoteMonitor(root="http://127.0.0.1:9")
    with pytest.warns(UserWarning, match="could not reach RemoteMonitor"):
        model.fit(x, y, nb_epoch=1, verbose=0, callbacks=[monitor])


def test_tensorboard_writes_event_files(tmp_path):
    pytest.importorskip("tensorboard")
    model = _model("functional")
    x, y = _xy()
    model.fit(x, y, nb_epoch=2, verbose=0, callbacks=[
        callbacks.TensorBoard(log_dir=str(tmp_path), histogram_freq=1, write_images=True)])
    assert list(tmp_path.iterdir())
