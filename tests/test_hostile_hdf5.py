"""Hostile Keras 1 HDF5 files (issue 12, items 1, 2 and 5): nothing outside the file is read,
sizes and dtypes are checked from metadata before any byte is read, a failed load leaves the
model as it was, and every failure is a ConversionError naming the file (one line on the
command line). Every hostile file is made here from tests/fixtures/cli/theano/seq.h5."""

import os
import shutil
import threading

import h5py
import numpy as np
import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

import _fixtures
import legacy_conv
from legacy_conv import cli
from legacy_conv.load import read_ahead
from legacy_conv.errors import ConversionError
from tests._limits import bounded

FIXTURES = _fixtures.CLI / "theano"
SEQ_H5 = FIXTURES / "seq.h5"
SEQ_JSON = FIXTURES / "seq.json"
DENSE_W = "/model_weights/dense/dense_W"  # (12, 4) float32
SECRET = np.arange(1000, 1048, dtype=np.float32)  # the bytes of "another file"


def hostile(tmp_path, mutate, name="evil.h5", **options):
    """A copy of seq.h5 in `tmp_path`, changed by `mutate(file, tmp_path)` through h5py."""
    path = tmp_path / name
    shutil.copy(SEQ_H5, path)
    with h5py.File(path, "r+", **options) as f:
        mutate(f, tmp_path)
    return path


def replace(f, path, **create):
    """Replaces the dataset at `path` by a new one made with `create_dataset(**create)`."""
    parent, name = path.rsplit("/", 1)
    del f[path]
    f[parent].create_dataset(name, **create)


def secret_file(tmp_path):
    path = tmp_path / "secret.bin"
    path.write_bytes(SECRET.tobytes())
    return path


def other_h5(tmp_path):
    path = tmp_path / "other.h5"
    with h5py.File(path, "w") as o:
        o["w"] = SECRET.reshape(12, 4)
        o.create_group("dense").attrs["weight_names"] = [b"dense_W", b"dense_b"]
        o["dense/dense_W"] = SECRET.reshape(12, 4)
        o["dense/dense_b"] = SECRET[:4]
        o.create_group("model_weights").attrs["layer_names"] = [b"dense"]
    return path


# -- mutations that reach outside the file -------------------------------------------------
def external_storage(f, tmp):
    replace(f, DENSE_W, shape=(12, 4), dtype="f4",
            external=[(str(secret_file(tmp)), 0, SECRET.nbytes)])


def virtual_dataset(f, tmp):
    layout = h5py.VirtualLayout(shape=(12, 4), dtype="f4")
    layout[:] = h5py.VirtualSource(str(other_h5(tmp)), "w", shape=(12, 4))
    del f[DENSE_W]
    f["model_weights/dense"].create_virtual_dataset("dense_W", layout)


def external_link_dataset(f, tmp):
    del f[DENSE_W]
    f[DENSE_W] = h5py.ExternalLink(str(other_h5(tmp)), "w")


def external_link_layer(f, tmp):
    del f["model_weights/dense"]
    f["model_weights/dense"] = h5py.ExternalLink(str(other_h5(tmp)), "dense")


def external_link_model_weights(f, tmp):
    f.move("model_weights", "old_weights")
    f["model_weights"] = h5py.ExternalLink(str(other_h5(tmp)), "model_weights")


def soft_link_through_external(f, tmp):
    f["outside"] = h5py.ExternalLink(str(other_h5(tmp)), "/")
    del f[DENSE_W]
    f[DENSE_W] = h5py.SoftLink("/outside/w")


OUTSIDE = [
    pytest.param(external_storage, DENSE_W, "outside the file (HDF5 external storage)",
                 id="external-storage"),
    pytest.param(virtual_dataset, DENSE_W, "virtual dataset", id="virtual-dataset"),
    pytest.param(external_link_dataset, DENSE_W, "external link", id="external-link-dataset"),
    pytest.param(external_link_layer, "/model_weights/dense`", "external link",
                 id="external-link-layer"),
    pytest.param(external_link_model_weights, "/model_weights`", "external link",
                 id="external-link-model-weights"),
    pytest.param(soft_link_through_external, "/outside`", "external link",
                 id="soft-link-through-external-link"),
]


@pytest.fixture(scope="module")
def seq_model():
    return legacy_conv.model_from_json(SEQ_JSON.read_text())


def snapshot(model):
    return [np.array(w) for w in model.get_weights()]


def assert_unchanged(model, before):
    for old, new in zip(before, model.get_weights()):
        np.testing.assert_array_equal(old, new)


@pytest.mark.parametrize("mutate, where, why", OUTSIDE)
def test_data_outside_the_file_is_refused(tmp_path, seq_model, monkeypatch, mutate, where, why):
    path = hostile(tmp_path, mutate)
    started = []
    monkeypatch.setattr(read_ahead.ReadAhead, "__enter__",
                        lambda self: started.append(self) or self)
    with pytest.raises(ConversionError) as info:
        legacy_conv.load_model(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ") and where in message and why in message
    assert "only data inside the file is read" in message
    assert not started, "the read-ahead started before the file was checked"
    before = snapshot(seq_model)
    with pytest.raises(ConversionError) as info:
        legacy_conv.load_weights(seq_model, path)
    assert where in str(info.value) and why in str(info.value)
    assert_unchanged(seq_model, before)


@pytest.mark.parametrize("command", ["convert", "inspect"])
@pytest.mark.parametrize("mutate", [external_storage, external_link_dataset, virtual_dataset])
def test_cli_refuses_data_outside_the_file(tmp_path, capsys, mutate, command):
    path = hostile(tmp_path, mutate)
    out = tmp_path / "out.keras"
    argv = [command, path] + ([out] if command == "convert" else ["--json"])
    status = cli.main([str(a) for a in argv])
    stdout, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert status in (1, 2) and len(lines) == 1, err
    assert lines[0].startswith("legacy-conv: error: ") and DENSE_W in lines[0]
    assert not out.exists()
    assert sorted(os.listdir(tmp_path)) == sorted(
        {"evil.h5", "secret.bin", "other.h5"} & set(os.listdir(tmp_path)))
    assert SECRET.tobytes() not in stdout.encode() + err.encode()
    assert "1000" not in stdout


def test_soft_links_inside_the_file_are_followed(tmp_path):
    def soft(f, _):
        f.move(DENSE_W, "/stash/kernel")
        f[DENSE_W] = h5py.SoftLink("/stash/kernel")
    path = hostile(tmp_path, soft)
    expected = legacy_conv.load_model(SEQ_H5).get_layer("dense").get_weights()[0]
    got = legacy_conv.load_model(path).get_layer("dense").get_weights()[0]
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("target, words", [
    pytest.param("/model_weights/dense/loop", ["soft links", "loop"], id="loop"),
    pytest.param("/nowhere", ["missing"], id="dangling"),
])
def test_bad_soft_links(tmp_path, target, words):
    def soft(f, _):
        del f[DENSE_W]
        f[DENSE_W] = h5py.SoftLink(target)
        f["model_weights/dense/loop"] = h5py.SoftLink(DENSE_W)
    with pytest.raises(ConversionError) as info:
        legacy_conv.load_model(hostile(tmp_path, soft))
    assert all(w in str(info.value) for w in words) and 'layer "dense"' in str(info.value)


# -- sizes, dtypes, filters: from metadata, before any read --------------------------------
BOMB_SETUP = """
import shutil, h5py, legacy_conv
shutil.copy({source!r}, "bomb.h5")
with h5py.File("bomb.h5", "r+") as f:
    del f[{dataset!r}]
    f["model_weights/dense"].create_dataset("dense_W", shape={shape!r}, dtype="f4",
                                            chunks=(1000, 1000), compression="gzip")
model = legacy_conv.model_from_json(open({json!r}).read())
"""


@pytest.mark.subprocess
@pytest.mark.parametrize("shape, call", [
    ((40000, 40000), "legacy_conv.load_weights(model, 'bomb.h5')"),
    ((10**6, 10**6), "legacy_conv.load_weights(model, 'bomb.h5')"),
    ((40000, 40000), "legacy_conv.load_model('bomb.h5')"),
])
def test_huge_declared_shape_fails_at_once(tmp_path, shape, call):
    setup = BOMB_SETUP.format(source=str(SEQ_H5), dataset=DENSE_W, shape=shape,
                              json=str(SEQ_JSON))
    outcome = bounded(setup, call, seconds=120, megabytes=3000, cwd=tmp_path)
    assert not outcome.timed_out and outcome.error is not None, outcome
    kind, message, module = outcome.error
    assert (kind, module) == ("ConversionError", "legacy_conv.errors"), outcome
    assert "bomb.h5" in message and 'layer "dense"' in message and "dense_W" in message
    assert f"shape {shape}" in message and "holds 52 values" in message
    assert outcome.elapsed < (0.5 if "load_weights" in call else 3.0), outcome
    assert outcome.peak_mb < 1500, outcome
    assert os.path.getsize(tmp_path / "bomb.h5") < 100_000


@pytest.mark.parametrize("create, words", [
    pytest.param(dict(data=np.array([b"ab"] * 48).reshape(12, 4)), ["dtype |S2"], id="bytes"),
    pytest.param(dict(data=np.array(["x"] * 48, dtype=object).reshape(12, 4),
                      dtype=h5py.string_dtype()), ["dtype object"], id="vlen-str"),
    pytest.param(dict(shape=(12, 4), dtype=h5py.vlen_dtype("f4")), ["dtype object"],
                 id="vlen-float"),
    pytest.param(dict(shape=(12, 4), dtype=[("a", "f4"), ("b", "i4")]), ["dtype"],
                 id="compound"),
    pytest.param(dict(data=np.zeros((12, 4), np.complex64)), ["dtype complex64"],
                 id="complex"),
    pytest.param(dict(data=np.zeros((12, 4), bool)), ["dtype bool"], id="bool"),
    pytest.param(dict(shape=(12, 4), dtype=h5py.ref_dtype), ["dtype object"], id="reference"),
    pytest.param(dict(shape=(12,), dtype=np.dtype(("f4", (4,)))), ["dtype"], id="array-type"),
    pytest.param(dict(data=h5py.Empty("f4")), ["null dataspace"], id="null-dataspace"),
    pytest.param(dict(data=np.zeros((12, 4), "f4"), compression=32001,
                      allow_unknown_filter=True), ["filter 32001", "not available"],
                 id="unavailable-filter"),
])
def test_unsupported_datasets_are_refused_before_anything_is_read(tmp_path, seq_model,
                                                                   create, words):
    path = hostile(tmp_path, lambda f, _: replace(f, DENSE_W, **create))
    before = snapshot(seq_model)
    for load in (lambda: legacy_conv.load_model(path),
                 lambda: legacy_conv.load_weights(seq_model, path)):
        with pytest.raises(ConversionError) as info:
            load()
        message = str(info.value)
        assert message.startswith(f"{path}: ") and DENSE_W in message, message
        assert all(w in message for w in words), message
    assert_unchanged(seq_model, before)


def test_a_failed_load_leaves_every_variable_as_it_was(tmp_path, seq_model):
    """The last layer's kernel is compressed and its chunk damaged: the earlier layers'
    weights must not be assigned (its shape and dtype are right: the read fails)."""
    def damaged_chunk(f, _):
        values = np.asarray(f[DENSE_W])
        replace(f, DENSE_W, data=values, chunks=(12, 4), compression="gzip")
    path = hostile(tmp_path, damaged_chunk)
    with h5py.File(path, "r") as f:
        chunk = f[DENSE_W].id.get_chunk_info(0)
    with open(path, "r+b") as raw:
        raw.seek(chunk.byte_offset)
        raw.write(b"\xff" * chunk.size)
    before = snapshot(seq_model)
    with pytest.raises(ConversionError) as info:
        legacy_conv.load_weights(seq_model, path)
    assert str(path) in str(info.value) and 'layer "dense"' in str(info.value)
    assert "could not be read" in str(info.value)
    assert_unchanged(seq_model, before)


def test_a_shape_mismatch_in_the_last_layer_leaves_the_first_untouched(tmp_path, seq_model):
    path = hostile(tmp_path, lambda f, _: replace(f, DENSE_W, data=np.ones((4, 12), "f4")))
    before = snapshot(seq_model)
    with pytest.raises(ConversionError,
                       match=r"`dense_W` has shape \(4, 12\) in the file but the model "
                             r"expects \(12, 4\)"):
        legacy_conv.load_weights(seq_model, path)
    assert_unchanged(seq_model, before)


HEAP_SETUP = """
import legacy_conv
data = bytearray(open({source!r}, "rb").read())
at = data.index(b"GCOL") + 16
data[at:at + 16] = bytes(16)  # its first object: the free space, of 0 bytes
open("loop.h5", "wb").write(bytes(data))
"""


@pytest.mark.subprocess
def test_a_global_heap_that_would_make_hdf5_loop_is_refused(tmp_path):
    """HDF5 walks a global heap (where variable-length strings lie) by its objects' sizes,
    forever where one says 0 bytes."""
    outcome = bounded(HEAP_SETUP.format(source=str(SEQ_H5)), "legacy_conv.load_model('loop.h5')",
                      seconds=60, cwd=tmp_path)
    assert not outcome.timed_out and outcome.error is not None, outcome
    assert outcome.error[0] == "ConversionError", outcome
    assert outcome.error[1].startswith("loop.h5: has a damaged global heap at byte"), outcome


def test_cli_reports_a_damaged_file_in_one_line(tmp_path, capsys):
    path = tmp_path / "cut.h5"
    path.write_bytes(SEQ_H5.read_bytes()[:9000])
    for argv in (["inspect", path], ["convert", path, tmp_path / "out.keras"]):
        status = cli.main([str(a) for a in argv])
        err = capsys.readouterr().err
        assert status in (1, 2) and len(err.strip().splitlines()) == 1, err
        assert err.startswith(f"legacy-conv: error: {path}: ") and "Traceback" not in err
    assert os.listdir(tmp_path) == ["cut.h5"]


# -- attributes: type and size before the value --------------------------------------------
def set_attr(where, key, value):
    def mutate(f, _):
        f[where].attrs[key] = value
    return mutate


def many_names(f, _):
    """`layer_names` with 200,000 entries (stored densely, past the 64 kB header limit)."""
    f.move("model_weights", "old_weights")
    f.create_group("model_weights").attrs["layer_names"] = np.full(200_000, b"x", "S1")


@pytest.mark.parametrize("mutate, field, words", [
    pytest.param(many_names, "layer_names", ["(200000,)", "at most 100000 names"],
                 id="too-many-names"),
    pytest.param(set_attr("model_weights", "layer_names", np.arange(4)), "layer_names",
                 ["dtype int64", "strings"], id="int-names"),
    pytest.param(set_attr("model_weights", "layer_names",
                          np.array([[b"conv", b"dense"]] * 2)), "layer_names",
                 ["shape (2, 2)"], id="2d-names"),
    pytest.param(set_attr("model_weights/conv", "weight_names", [b"conv_\xff"]),
                 "weight_names", ["not UTF-8"], id="non-utf8-weight-name"),
    pytest.param(set_attr("/", "model_config", np.float64(3)), "model_config",
                 ["dtype float64"], id="float-model-config"),
    pytest.param(set_attr("/", "model_config", np.void(b"\xc3\x28{}")), "model_config",
                 ["dtype"], id="opaque-model-config"),
    pytest.param(set_attr("/", "model_config", b'{"class_name": "\xc3\x28"}'),
                 "model_config", ["not UTF-8"], id="non-utf8-model-config"),
    pytest.param(set_attr("/", "keras_version", [b"1.2.2", b"1.0.0"]), "keras_version",
                 ["shape (2,)", "one string"], id="two-versions"),
    pytest.param(set_attr("/", "training_config", b"{"), "training_config",
                 ["not valid JSON"], id="bad-training-config"),
])
def test_bad_attributes_name_the_attribute(tmp_path, mutate, field, words):
    path = hostile(tmp_path, mutate, libver="latest")
    with pytest.raises(ConversionError) as info:
        legacy_conv.load_model(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ") and f"`{field}`" in message, message
    assert all(w in message for w in words), message


# -- property: any mutation loads or is a ConversionError ----------------------------------
def _load_everything(path, model):
    """load_model and load_weights: each succeeds or raises ConversionError naming `path`;
    a failed load_weights leaves `model` as it was."""
    for load in ("model", "weights"):
        before = snapshot(model)
        try:
            if load == "model":
                legacy_conv.load_model(path)
            else:
                legacy_conv.load_weights(model, path)
        except ConversionError as error:
            assert str(path) in str(error)
            assert_unchanged(model, before)
    assert not [t for t in threading.enumerate() if t.name == "legacy_conv read-ahead"]


RAW = st.one_of(
    st.tuples(st.just("flip"), st.lists(st.tuples(st.floats(0, 1, exclude_max=True),
                                                  st.integers(0, 7)), min_size=1, max_size=8)),
    st.tuples(st.just("overwrite"), st.tuples(st.floats(0, 1, exclude_max=True),
                                              st.binary(min_size=1, max_size=64))),
    st.tuples(st.just("truncate"), st.floats(0, 1, exclude_max=True)),
)


def _raw(path, mutation):
    data = bytearray(path.read_bytes())
    kind, arg = mutation
    if kind == "flip":
        for where, bit in arg:
            data[int(where * len(data))] ^= 1 << bit
    elif kind == "overwrite":
        start = int(arg[0] * len(data))
        data[start:start + len(arg[1])] = arg[1]
    else:
        del data[int(arg * len(data)):]
    path.write_bytes(bytes(data))


PROPERTY = settings(max_examples=30, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


@PROPERTY
@given(mutation=RAW)
def test_any_damage_to_the_raw_file_loads_or_is_a_conversion_error(tmp_path, seq_model,
                                                                    mutation):
    path = tmp_path / "damaged.h5"
    shutil.copy(SEQ_H5, path)
    _raw(path, mutation)
    _load_everything(path, seq_model)


DATASETS = ["/model_weights/conv/conv_W", "/model_weights/conv/conv_b", DENSE_W,
            "/model_weights/dense/dense_b"]


def _structured(kind, dataset, shape, dtype):
    """A mutation through h5py of `dataset` (or of its layer or of an attribute)."""
    group = dataset.rsplit("/", 1)[0]

    def mutate(f, tmp):
        if kind == "external-link":
            external_link_dataset(f, tmp) if dataset == DENSE_W else (
                f.__delitem__(dataset), f.__setitem__(dataset, h5py.ExternalLink(
                    str(other_h5(tmp)), "w")))
        elif kind == "soft-link":
            f.move(dataset, "/stash")
            f[dataset] = h5py.SoftLink("/stash")
        elif kind == "external-storage":
            replace(f, dataset, shape=shape, dtype="f4",
                    external=[(str(secret_file(tmp)), 0, 4 * int(np.prod(shape)))])
        elif kind == "virtual":
            layout = h5py.VirtualLayout(shape=(12, 4), dtype="f4")
            layout[:] = h5py.VirtualSource(str(other_h5(tmp)), "w", shape=(12, 4))
            del f[dataset]
            f[group].create_virtual_dataset(dataset.rsplit("/", 1)[1], layout)
        elif kind == "dtype":
            replace(f, dataset, shape=f[dataset].shape, dtype=dtype)
        elif kind == "shape":
            replace(f, dataset, data=np.ones(shape, "f4"))
        elif kind == "huge":
            replace(f, dataset, shape=(10**5,) * 2 + shape[2:], dtype="f4",
                    chunks=(1000, 1000) + shape[2:], compression="gzip")
        elif kind == "filter":
            replace(f, dataset, data=np.asarray(f[dataset]), compression=32004,
                    allow_unknown_filter=True)
        elif kind == "delete-dataset":
            del f[dataset]
        elif kind == "delete-group":
            del f[group]
        elif kind == "attribute":
            f[group].attrs["weight_names"] = np.ones(shape)
    return mutate


STRUCTURED = st.builds(
    _structured,
    st.sampled_from(["external-link", "soft-link", "external-storage", "virtual", "dtype",
                     "shape", "huge", "filter", "delete-dataset", "delete-group",
                     "attribute"]),
    st.sampled_from(DATASETS),
    st.lists(st.integers(1, 13), min_size=1, max_size=4).map(tuple),
    st.sampled_from(["f8", "f2", "i4", "u1", ">f4", "S3", "c8", "?",
                     h5py.string_dtype(), h5py.vlen_dtype("i4")]),
)


@PROPERTY
@given(mutate=STRUCTURED)
def test_any_structured_change_loads_or_is_a_conversion_error(tmp_path, seq_model, mutate):
    for name in os.listdir(tmp_path):
        os.remove(tmp_path / name)
    try:
        path = hostile(tmp_path, mutate, name="changed.h5")
    except (ValueError, TypeError, OSError):  # h5py would not write that file
        return
    _load_everything(path, seq_model)
