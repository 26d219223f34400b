"""Native models from Keras 1 files hold one copy of the weights: `load_model(...,
target='native')` and `load_weights` of a native model read each weight from the file into
the native variables (the legacy twin is built without values), and predict as Keras 1 did."""

import json
import tracemalloc

import h5py
import numpy as np
import pytest

from _fixtures import MODELS, assert_predicts

import legacy_conv
from legacy_conv.errors import ConversionError
from legacy_conv.load import weights

VGG_TH = MODELS / "k122_theano" / "vgg_th"


def _bigger_config():
    """Keras 1.2.2's 'th' VGG-style config with wide Dense layers: a Flatten of a
    channels-first tensor (whose Dense kernel's rows the native model reorders) and kernels
    of several MiB (held in NumPy memory while they load)."""
    config = json.loads(VGG_TH.with_suffix(".json").read_text())
    dense = [layer["config"] for layer in config["config"] if layer["class_name"] == "Dense"]
    dense[0]["output_dim"], dense[1]["output_dim"] = 6000, 500
    return json.dumps(config)


@pytest.fixture(scope="module")
def big_file(tmp_path_factory):
    """(path, Keras 1 config text, bytes of weights): a `model.save()` file in Keras 1's
    layout (the legacy model's weights are Keras 1's layouts), random weights."""
    text = _bigger_config()
    model = legacy_conv.model_from_json(text)
    rng = np.random.default_rng(0)
    path, size = tmp_path_factory.mktemp("native_memory") / "big_th.h5", 0
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = b"1.2.2"
        f.attrs["model_config"] = text.encode()
        group = f.create_group("model_weights")
        group.attrs["layer_names"] = [layer.name.encode() for layer in model.layers]
        for layer in model.layers:
            g = group.create_group(layer.name)
            names = [f"{layer.name}_{i}" for i in range(len(layer.weights))]
            g.attrs["weight_names"] = [name.encode() for name in names]
            for name, variable in zip(names, layer.weights):
                array = rng.standard_normal(tuple(variable.shape)).astype("float32")
                g.create_dataset(name, data=array)
                size += array.nbytes
    return path, text, size


def _text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


def _traced_peak(fn):
    """(fn(), the peak of NumPy and Python memory allocated while it ran)."""
    tracemalloc.start()
    try:
        result = fn()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _assert_same_weights(model, reference):
    assert [v.path for v in model.weights] == [v.path for v in reference.weights]
    for got, expected in zip(model.weights, reference.weights):
        np.testing.assert_array_equal(np.asarray(got), np.asarray(expected), err_msg=got.path)


def test_load_model_native_holds_one_copy_of_the_weights(big_file):
    path, _, size = big_file
    legacy_conv.load_model(path, compile=False, target="native")  # first-call caches
    _, peak = _traced_peak(lambda: legacy_conv.load_model(path, compile=False,
                                                          target="native"))
    # the native weights themselves (NumPy memory) and one slice at a time; the legacy twin
    # filled, then modernized, took 2.15x here
    assert peak <= 1.25 * size, peak / size


def test_load_model_native_gives_modernize_s_weights_without_filling_the_legacy_twin(
        big_file, monkeypatch):
    path, _, _ = big_file
    reference = legacy_conv.modernize(legacy_conv.load_model(path, compile=False))

    def refuse(*args, **kwargs):
        raise AssertionError("the legacy twin was filled")
    monkeypatch.setattr(weights, "assign", refuse)
    monkeypatch.setattr(weights, "SLICE_BYTES", 4096)  # the reordered Dense rows in slices
    _assert_same_weights(legacy_conv.load_model(path, compile=False, target="native"),
                         reference)


def test_load_weights_of_a_native_model_reads_slices(big_file, monkeypatch):
    path, text, size = big_file
    reference = legacy_conv.load_model(path, compile=False, target="native")
    model = legacy_conv.model_from_json(text, target="native")  # TensorFlow's memory
    monkeypatch.setattr(weights, "SLICE_BYTES", 1 << 16)
    _, peak = _traced_peak(lambda: legacy_conv.load_weights(model, path))
    assert peak <= 0.25 * size, peak / size  # no copy of a weight, a slice at a time
    _assert_same_weights(model, reference)


@pytest.mark.parametrize("slice_bytes", [None, 64])
def test_native_loads_predict_as_keras1(monkeypatch, slice_bytes):
    if slice_bytes:
        monkeypatch.setattr(weights, "SLICE_BYTES", slice_bytes)  # a few rows a slice
    folder, name = VGG_TH.parent, VGG_TH.name
    model = legacy_conv.load_model(VGG_TH.with_suffix(".h5"), target="native",
                                   keras1_backend="theano", compile=False)
    assert_predicts(model, folder, name)
    model = legacy_conv.model_from_json(VGG_TH.with_suffix(".json").read_text(),
                                        target="native", keras1_backend="theano")
    legacy_conv.load_weights(model, folder / f"{name}_weights.h5")
    assert_predicts(model, folder, name)


def test_a_file_that_does_not_fit_leaves_the_native_model_as_it_was(big_file, tmp_path):
    path, text, _ = big_file
    model = legacy_conv.model_from_json(text, target="native")
    before = [np.array(v) for v in model.weights]
    broken = tmp_path / "broken.h5"
    with h5py.File(path, "r") as source, h5py.File(broken, "w") as f:
        for key, value in source.attrs.items():
            f.attrs[key] = value
        source.copy("model_weights", f)
        last = f["model_weights"][_text(source["model_weights"].attrs["layer_names"][-1])]
        name = _text(last.attrs["weight_names"][-1])
        del last[name]
        last.create_dataset(name, data=np.zeros(3, "float32"))
    with pytest.raises(ConversionError, match=r"has shape \(3,\) in the file"):
        legacy_conv.load_weights(model, broken)
    for value, variable in zip(before, model.weights):
        np.testing.assert_array_equal(np.asarray(variable), value)
