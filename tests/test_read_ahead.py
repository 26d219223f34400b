"""`load_model` reads a file's weights in a thread while it builds the model
(`load.read_ahead`): variables that take the right dataset skip their read, every
other one is read as before, and the thread never outlives the load."""

import json
import pathlib
import threading

import h5py
import numpy as np
import pytest

from _fixtures import assert_predicts

import legacy_conv
from legacy_conv.load import read_ahead

MODELS = pathlib.Path(__file__).parent / "fixtures" / "keras1_models" / "k122_theano"


@pytest.fixture
def reads(monkeypatch):
    """The names of the datasets `load_model` read itself (not through the thread)."""
    names = []
    read_direct = h5py.Dataset.read_direct

    def counting(self, *args, **kwargs):
        names.append(self.name.rsplit("/", 1)[-1])
        return read_direct(self, *args, **kwargs)

    monkeypatch.setattr(h5py.Dataset, "read_direct", counting)
    return names


def _no_reader_left():
    return not any(t.name == "legacy_conv read-ahead" for t in threading.enumerate())


@pytest.mark.parametrize("name", ["vgg_th", "two_input", "nested", "bn_net"])
def test_kernels_come_from_the_thread_and_predict_as_in_keras1(reads, name):
    model = legacy_conv.load_model(MODELS / f"{name}.h5", compile=False,
                                   keras1_backend="theano")
    assert not [n for n in reads if n.endswith("_W")]  # (Keras 3 layers: own zero biases)
    assert_predicts(model, MODELS, name)
    assert _no_reader_left()


def _keras1_dense_stack(path, units=4, count=3, file_order=None):
    """A Keras 1.2.2 `model.save()` file of `count` Dense(units) layers of one shape, its
    layer groups (and datasets) written in `file_order`; returns {layer: [W, b]}."""
    names = [f"dense_{i + 1}" for i in range(count)]
    layers = [{"class_name": "Dense", "config": {
        "name": n, "trainable": True, "output_dim": units, "init": "glorot_uniform",
        "activation": "linear", "W_regularizer": None, "b_regularizer": None,
        "activity_regularizer": None, "W_constraint": None, "b_constraint": None,
        "bias": True, "input_dim": units}} for n in names]
    layers[0]["config"].update(batch_input_shape=[None, units], input_dtype="float32")
    rng = np.random.default_rng(1)
    arrays = {n: [rng.standard_normal((units, units)).astype("float32"),
                  rng.standard_normal(units).astype("float32")] for n in names}
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = np.bytes_(b"1.2.2")
        f.attrs["model_config"] = np.bytes_(json.dumps(
            {"class_name": "Sequential", "config": layers}).encode())
        group = f.create_group("model_weights")
        order = file_order or names
        group.attrs["layer_names"] = np.array([n.encode() for n in order])
        for n in order:
            g = group.create_group(n)
            g.attrs["weight_names"] = np.array([f"{n}_W".encode(), f"{n}_b".encode()])
            g.create_dataset(f"{n}_W", data=arrays[n][0])
            g.create_dataset(f"{n}_b", data=arrays[n][1])
    return arrays


def _assert_weights(model, arrays):
    for name, values in arrays.items():
        for got, want in zip(model.get_layer(name).get_weights(), values):
            np.testing.assert_array_equal(got, want)


def test_a_file_in_another_order_than_the_build_still_gives_each_layer_its_own(
        reads, tmp_path):
    """Same-shaped kernels stored last-layer-first: the thread's arrays go to the wrong
    variables, which notice it and read their own datasets."""
    path = tmp_path / "reversed.h5"
    arrays = _keras1_dense_stack(path, file_order=["dense_3", "dense_2", "dense_1"])
    model = legacy_conv.load_model(path, compile=False)
    _assert_weights(model, arrays)
    assert {"dense_1_W", "dense_3_W"} <= set(reads)  # swapped: read again
    assert "dense_2_W" not in reads  # the middle one took its own
    assert _no_reader_left()


def test_a_read_that_fails_in_the_thread_is_done_again(reads, monkeypatch, tmp_path):
    path = tmp_path / "stack.h5"
    arrays = _keras1_dense_stack(path)

    def failing(*args):
        raise OSError("I/O error")

    monkeypatch.setattr(read_ahead.os, "preadv", failing)
    model = legacy_conv.load_model(path, compile=False)
    _assert_weights(model, arrays)
    assert {"dense_1_W", "dense_2_W", "dense_3_W"} <= set(reads)
    assert _no_reader_left()


def test_a_short_read_in_the_thread_is_done_again(reads, monkeypatch, tmp_path):
    path = tmp_path / "stack.h5"
    arrays = _keras1_dense_stack(path)
    monkeypatch.setattr(read_ahead.os, "preadv", lambda fd, buffers, offset: 0)
    model = legacy_conv.load_model(path, compile=False)
    _assert_weights(model, arrays)
    assert {"dense_1_W", "dense_2_W", "dense_3_W"} <= set(reads)


def test_partial_reads_are_resumed(reads, monkeypatch, tmp_path):
    """`preadv` may return fewer bytes than asked: the thread goes on from there."""
    path = tmp_path / "stack.h5"
    arrays = _keras1_dense_stack(path)
    preadv = read_ahead.os.preadv
    monkeypatch.setattr(read_ahead.os, "preadv",
                        lambda fd, buffers, offset: preadv(fd, [buffers[0][:7]], offset))
    model = legacy_conv.load_model(path, compile=False)
    _assert_weights(model, arrays)
    assert not [n for n in reads if n.endswith("_W")]


def test_a_failing_build_stops_the_thread(tmp_path):
    path = tmp_path / "stack.h5"
    _keras1_dense_stack(path)
    with h5py.File(path, "r+") as f:
        config = json.loads(f.attrs["model_config"])
        config["config"][1]["config"]["output_dim"] = 5  # the next layer's kernel: (4, 4)
        f.attrs["model_config"] = np.bytes_(json.dumps(config).encode())
    with pytest.raises(legacy_conv.ConversionError):
        legacy_conv.load_model(path, compile=False)
    assert _no_reader_left()


def test_only_datasets_stored_as_plain_bytes_are_read_ahead(tmp_path):
    with h5py.File(tmp_path / "kinds.h5", "w") as f:
        data = np.arange(600, dtype="float32").reshape(20, 30)
        kinds = {
            "contiguous": f.create_dataset("contiguous", data=data),
            "compressed": f.create_dataset("compressed", data=data, compression="gzip"),
            "chunked": f.create_dataset("chunked", data=data, chunks=(5, 30)),
            "big_endian": f.create_dataset("big_endian", data=data.astype(">f4")),
            "strings": f.create_dataset("strings", data=np.array([b"a", b"b"])),
            "empty": f.create_dataset("empty", shape=(0, 3), dtype="float32"),
            "external": f.create_dataset("external", shape=(20, 30), dtype="float32",
                                         external=[(str(tmp_path / "raw.bin"), 0, 2400)]),
        }
        assert {k for k, ds in kinds.items() if read_ahead._readable(ds, f.id.get_filesize())} == {"contiguous"}


def test_reads_go_in_chunks(reads, monkeypatch, tmp_path):
    path = tmp_path / "stack.h5"
    arrays = _keras1_dense_stack(path)
    monkeypatch.setattr(read_ahead, "CHUNK_BYTES", 24)  # a few floats a call
    model = legacy_conv.load_model(path, compile=False)
    _assert_weights(model, arrays)
    assert not [n for n in reads if n.endswith("_W")]


def test_a_failed_load_stops_the_thread_between_chunks(monkeypatch, tmp_path):
    """The thread does not read the rest of a file nothing will use."""
    path = tmp_path / "stack.h5"
    _keras1_dense_stack(path, units=64)
    with h5py.File(path, "r+") as f:
        f.attrs["model_config"] = np.bytes_(b'{"class_name": "Sequential", "config": 3}')
    calls, preadv = [], read_ahead.os.preadv

    def slow(fd, buffers, offset):
        calls.append(offset)
        threading.Event().wait(0.01)
        return preadv(fd, buffers, offset)

    monkeypatch.setattr(read_ahead, "CHUNK_BYTES", 64)
    monkeypatch.setattr(read_ahead.os, "preadv", slow)
    with pytest.raises(legacy_conv.ConversionError):
        legacy_conv.load_model(path, compile=False)
    assert _no_reader_left()
    assert len(calls) < 3 * 64 * 65 * 4 // 64 // 2  # far fewer calls than a whole read


def test_a_file_put_in_place_of_the_open_one_is_not_read(reads, monkeypatch, tmp_path):
    """The thread reads only the file h5py has open: another one at the same path (replaced
    in between) would give other weights."""
    path, other = tmp_path / "stack.h5", tmp_path / "other.h5"
    arrays = _keras1_dense_stack(path)
    _keras1_dense_stack(other, file_order=["dense_2", "dense_3", "dense_1"])
    os_open = read_ahead.os.open
    monkeypatch.setattr(read_ahead.os, "open", lambda name, flags: os_open(str(other), flags))
    model = legacy_conv.load_model(path, compile=False)
    _assert_weights(model, arrays)
    assert {"dense_1_W", "dense_2_W", "dense_3_W"} <= set(reads)
