"""`serving.predictor`: Keras 1's predictions through the lean NumPy call path, for a model,
its modernized twin and its exported SavedModel's signature (fixtures written by Keras 1)."""

import sys

import numpy as np
import pytest
import tensorflow as tf

import legacy_conv
from legacy_conv import serving
from legacy_conv.errors import ConversionError
from tests import _fixtures

CASES = [("k122_tensorflow", "vgg_tf"), ("k122_theano", "two_input"),
         ("k122_tensorflow", "text_cnn")]


def _model(folder, name):
    backend = folder.split("_", 1)[1]
    return legacy_conv.load_model(_fixtures.MODELS / folder / f"{name}.h5",
                                  keras1_backend=backend, compile=False)


def _assert_keras1(predictions, folder, name):
    xs, ys, _ = _fixtures.model_io(_fixtures.MODELS / folder, name)
    outs = predictions(xs if len(xs) > 1 else xs[0])
    outs = outs if isinstance(outs, list) else [outs]
    assert len(outs) == len(ys)
    for out, y in zip(outs, ys):
        assert out.shape == y.shape
        np.testing.assert_allclose(out, y, **_fixtures.MODEL_TOLERANCE)


@pytest.mark.parametrize("folder,name", CASES)
def test_model_modernized_and_saved_model(folder, name, tmp_path):
    model = _model(folder, name)
    _assert_keras1(serving.predictor(model), folder, name)
    _assert_keras1(serving.predictor(legacy_conv.modernize(model, keep_legacy=True)), folder, name)
    serving.export_for_serving(model, tmp_path / "sm")
    signature = tf.saved_model.load(str(tmp_path / "sm")).signatures["serving_default"]
    _assert_keras1(serving.predictor(signature), folder, name)


def test_sees_new_weights_and_any_batch():
    model = _model("k122_tensorflow", "vgg_tf")
    predict = serving.predictor(model)
    xs, _, _ = _fixtures.model_io(_fixtures.MODELS / "k122_tensorflow", "vgg_tf")
    model.set_weights([w * 0.5 for w in model.get_weights()])
    np.testing.assert_array_equal(predict(xs[0]), model.predict_on_batch(xs[0]))
    assert predict(xs[0][:1].astype("float64")).shape == (1,) + model.output_shape[1:]


def test_inputs_by_name():
    predict = serving.predictor(_model("k122_theano", "two_input"))
    xs, ys, _ = _fixtures.model_io(_fixtures.MODELS / "k122_theano", "two_input")
    outs = predict(dict(zip(predict.names, xs)))
    for out, y in zip(outs, ys):
        np.testing.assert_allclose(out, y, **_fixtures.MODEL_TOLERANCE)
    with pytest.raises(ConversionError, match=r"no array for the model inputs \['right'\]"):
        predict({"left": xs[0]})


def test_refuses_bad_inputs():
    predict = serving.predictor(_model("k122_theano", "two_input"))
    xs, _, _ = _fixtures.model_io(_fixtures.MODELS / "k122_theano", "two_input")
    with pytest.raises(ConversionError, match="one array per model input"):
        predict(xs[0])
    with pytest.raises(ConversionError, match=r"must have shape \(None, 2, 6, 6\)"):
        predict([xs[0][:, :1], xs[1]])
    with pytest.raises(ConversionError, match="keras.Model"):
        serving.predictor(lambda x: x)


def test_without_tensorflow_internals(monkeypatch):
    """Where TensorFlow's internals differ, the concrete function's own call, same numbers."""
    from tensorflow.python import eager

    monkeypatch.setitem(sys.modules, "tensorflow.python.eager.execute", None)
    monkeypatch.delattr(eager, "execute")
    with pytest.raises(ImportError):
        from tensorflow.python.eager import execute  # noqa: F401
    model = _model("k122_theano", "two_input")
    _assert_keras1(serving.predictor(model), "k122_theano", "two_input")
