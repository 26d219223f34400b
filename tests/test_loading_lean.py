"""Loading Keras 1 files lean: no random draws for weights the file overwrites, datasets
read in slices into the variables, a Sequential model built once — with the results the
plain paths give."""

import json
import pathlib
import re

import h5py
import keras
import numpy as np
import pytest

from _fixtures import assert_predicts, model_io

import legacy_conv
from legacy_conv import initializers
from legacy_conv import loading
from legacy_conv.load import weights

MODELS = pathlib.Path(__file__).parent / "fixtures" / "keras1_models" / "k122_theano"
SEQUENTIAL = ["vgg_th", "bn_net", "text_cnn_basic", "seq_merge", "conv3d_tf"]


def _datasets(path):
    with h5py.File(path, "r") as f:
        group = f["model_weights"] if "model_weights" in f else f
        return {name.decode() if isinstance(name, bytes) else name: [
            g[w.decode() if isinstance(w, bytes) else w][()] for w in g.attrs["weight_names"]]
            for name in group.attrs["layer_names"]
            for g in [group[name.decode() if isinstance(name, bytes) else name]]}


def test_sliced_reads_give_the_file_s_weights(monkeypatch):
    path = MODELS / "vgg_th.h5"
    whole = legacy_conv.load_model(path, compile=False)
    monkeypatch.setattr(weights, "SLICE_BYTES", 64)  # a few rows per slice
    sliced = legacy_conv.load_model(path, compile=False)
    stored = _datasets(path)
    for layer in sliced.layers:
        for value, old, new in zip(stored.get(layer.name, []), whole.get_layer(
                layer.name).get_weights(), layer.get_weights()):
            np.testing.assert_array_equal(new, value)
            np.testing.assert_array_equal(new, old)


def test_sliced_reads_cast_float64_as_numpy_does(monkeypatch, tmp_path):
    model = legacy_conv.model_from_json((MODELS / "vgg_th.json").read_text())
    rng = np.random.default_rng(0)
    arrays = {layer.name: [rng.standard_normal(tuple(v.shape)) for v in layer.weights]
              for layer in model.layers if layer.weights}
    path = tmp_path / "w64.h5"
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = [name.encode() for name in arrays]
        for name, values in arrays.items():
            g = f.create_group(name)
            g.attrs["weight_names"] = [f"{name}_{i}".encode() for i in range(len(values))]
            for i, value in enumerate(values):
                g.create_dataset(f"{name}_{i}", data=value)  # float64
    monkeypatch.setattr(weights, "SLICE_BYTES", 100)
    legacy_conv.load_weights(model, path)
    for name, values in arrays.items():
        for value, got in zip(values, model.get_layer(name).get_weights()):
            np.testing.assert_array_equal(got, value.astype(np.float32))


def test_contiguous_datasets_are_read_late_and_chunked_ones_at_once(tmp_path):
    with h5py.File(tmp_path / "d.h5", "w") as f:
        plain = f.create_dataset("plain", data=np.ones((4, 3), np.float32))
        chunked = f.create_dataset("chunked", data=np.ones((4, 3), np.float32), chunks=(2, 3),
                                   compression="gzip")
        late = weights.stored(plain)
        assert isinstance(late, weights.Stored) and late.shape == (4, 3)
        assert late.transpose((1, 0)).shape == (3, 4)
        np.testing.assert_array_equal(np.asarray(late.transpose((1, 0))), np.ones((3, 4)))
        assert isinstance(weights.stored(chunked), np.ndarray)


def test_skip_random_draws_gives_zeros_and_keeps_the_initializer():
    init = initializers.Keras1Initializer("glorot_uniform", "th", seed=3)
    drawn = np.asarray(init((4, 3, 3, 3)))
    with initializers.skip_random_draws():
        assert not np.asarray(init((4, 3, 3, 3))).any()
        with pytest.raises(ValueError, match="identity"):
            initializers.Keras1Initializer("identity")((2, 3))
    np.testing.assert_array_equal(np.asarray(init((4, 3, 3, 3))), drawn)
    assert init.get_config() == {"init": "glorot_uniform", "dim_ordering": "th", "seed": 3}


def test_a_loaded_model_names_its_real_initializers():
    model = legacy_conv.load_model(MODELS / "vgg_th.h5", compile=False)
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    assert dense and all(layer.kernel_initializer.init == "glorot_uniform" for layer in dense)
    conv = [layer for layer in model.layers if type(layer).__name__ == "Convolution2D"]
    assert conv and all(layer.get_config()["init"] == "glorot_uniform" for layer in conv)


@pytest.mark.parametrize("name", SEQUENTIAL)
def test_a_sequential_model_is_the_one_keras_builds(name):
    config = legacy_conv.convert_config((MODELS / f"{name}.json").read_text())
    keras.utils.set_random_seed(7)
    ours = loading.build(config)
    keras.utils.set_random_seed(7)
    theirs = keras.models.model_from_json(json.dumps(config))
    assert ours.get_config() == theirs.get_config()
    assert [v.path for v in ours.weights] == [v.path for v in theirs.weights]
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_array_equal(a, b)  # the same draws, in the same order


class Counting(keras.layers.Layer):
    calls = 0

    def __init__(self, batch_input_shape=None, **kwargs):  # the converter reads the shape
        super().__init__(**kwargs)

    def call(self, x):
        type(self).calls += 1
        return x


def test_a_sequential_model_is_built_once():
    layers = [{"class_name": "Counting", "config": {"name": f"count_{i}"}} for i in range(30)]
    layers[0]["config"]["batch_input_shape"] = [None, 3]
    config = loading.convert_config({"class_name": "Sequential", "config": layers},
                                    custom_objects={"Counting": Counting})
    Counting.calls = 0
    loading.build(config, {"Counting": Counting})
    assert Counting.calls == 2 * 30  # Keras's from_config: 30 * 31 / 2
    Counting.calls = 0
    with initializers.skip_random_draws():  # as load_model builds: no draws to keep in order
        loading.build(config, {"Counting": Counting})
    assert Counting.calls == 30


@pytest.mark.parametrize("name", ["vgg_th", "bn_net", "text_cnn_basic", "nested",
                                  "two_input"])
def test_weights_read_straight_into_variables_give_keras1_predictions(monkeypatch, name):
    from legacy_conv.load import _host_memory

    read_straight = []
    writable = _host_memory.writable

    def counting(variable):
        memory = writable(variable)
        read_straight.append(memory is not None)
        return memory

    monkeypatch.setattr(_host_memory, "MIN_BYTES", 0)  # every weight, however small
    monkeypatch.setattr(_host_memory, "writable", counting)
    model = legacy_conv.load_model(MODELS / f"{name}.h5", compile=False,
                                   keras1_backend="theano")
    assert sum(read_straight) >= len(read_straight) / 3  # kernels (Keras 3 layers: own zeros)
    assert_predicts(model, MODELS, name)
    inputs, expected, _ = model_io(MODELS, name)
    model.compile(optimizer="sgd", loss="mse")  # the variables train as any others
    model.fit(inputs if len(inputs) > 1 else inputs[0],
              expected if len(expected) > 1 else expected[0], verbose=0)
    assert not _host_memory.active()


def test_only_load_fill_reaches_the_variables_memory():
    """The rest of the package fills variables through `load.fill` alone."""
    root = pathlib.Path(legacy_conv.__file__).parent
    outside = [str(path.relative_to(root)) for path in root.rglob("*.py")
               if path.parent.name != "load" and re.search(
                   r"\b(_host_memory|read_ahead)\b", path.read_text())]
    assert outside == []


def test_a_variable_is_written_through_its_array_only_until_something_assigns_it(monkeypatch):
    from legacy_conv.load import _host_memory

    monkeypatch.setattr(_host_memory, "MIN_BYTES", 0)
    kernel = np.arange(3 * 3 * 2 * 3, dtype="float32").reshape(3, 3, 2, 3)
    with initializers.skip_random_draws():
        fresh = legacy_conv.Convolution2D(3, 3, 3, dim_ordering="tf")
        fresh.build((None, 8, 8, 2))
        memory = _host_memory.writable(fresh.W)
        assert memory is not None
        memory[...] = kernel  # a read straight into the variable
        given = legacy_conv.Convolution2D(3, 3, 3, dim_ordering="tf",
                                          weights=[kernel, np.ones(3, "float32")])
        given.build((None, 8, 8, 2))  # `weights=` assigns at build: other memory, maybe
        assert _host_memory.writable(given.W) is None
    np.testing.assert_array_equal(fresh.get_weights()[0], kernel)
    np.testing.assert_array_equal(given.get_weights()[0], kernel)


MIRRORED = """
import sys
import numpy as np
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
import legacy_conv
path = sys.argv[1]
expected = legacy_conv.load_model(path, keras1_backend="theano", compile=False).get_weights()
with tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"]).scope():
    model = legacy_conv.load_model(path, keras1_backend="theano", compile=False)
for variable, want in zip(model.weights, expected):
    replicas = variable.value.values
    assert len(replicas) == 2, replicas
    for replica in replicas:
        np.testing.assert_array_equal(np.asarray(replica), want)
print("ok")
"""


@pytest.mark.subprocess
def test_every_replica_of_a_mirrored_variable_holds_the_file_s_weights():
    import os
    import subprocess
    import sys

    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""}
    out = subprocess.run([sys.executable, "-c", MIRRORED, str(MODELS / "vgg_th.h5")],
                         capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0 and out.stdout.strip().endswith("ok"), out.stderr[-2000:]
