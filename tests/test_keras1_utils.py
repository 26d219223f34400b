"""legacy_conv.keras1's utils, preprocessing, datasets, wrappers.scikit_learn, initializations,
activations, regularizers and constraints against what Keras 1.2.2 returned on the same
inputs (tests/fixtures/keras1_utils/, written by make_utils.py in Keras 1 on Theano and on
TensorFlow)."""

import os
import random
import shutil

import h5py
import keras
import numpy as np
import pytest

import legacy_conv
from legacy_conv import backend
from legacy_conv.keras1 import activations, constraints, initializations, regularizers
from legacy_conv.keras1.datasets import _files, cifar10, cifar100, imdb, mnist, reuters
from legacy_conv.keras1.preprocessing import image, sequence, text
from legacy_conv.keras1.utils import data_utils, generic_utils, io_utils, np_utils
from legacy_conv.keras1.wrappers import scikit_learn
from tests import _fixtures
from tests.fixtures.keras1_utils import make_utils

RECORDS = {b: _fixtures.read_json(_fixtures.UTILS / f"utils_{b}.json") for b in _fixtures.BACKENDS}
ARRAYS = {b: _fixtures.npz(_fixtures.UTILS / f"utils_{b}.npz") for b in _fixtures.BACKENDS}
THEANO = RECORDS["theano"]


def expected(name, backend_="theano"):
    """Keras 1's result of case `name`: its array(s) or JSON value."""
    record = RECORDS[backend_][name]
    if record.get("array"):
        return ARRAYS[backend_][name]
    if "arrays" in record:
        return tuple(ARRAYS[backend_][f"{name}.{i}"] for i in range(record["arrays"]))
    return record["value"]


def cases(prefix, backend_="theano"):
    return sorted(n for n in RECORDS[backend_] if n.startswith(prefix))


def assert_same(got, want, atol=1e-6):
    if isinstance(want, tuple):
        assert len(got) == len(want)
        for g, w in zip(got, want):
            assert_same(g, w, atol)
        return
    got = np.asarray(got)
    assert got.shape == want.shape
    np.testing.assert_allclose(got.astype("float64"), want.astype("float64"), atol=atol, rtol=1e-5)


def raises_keras1s(name, fn, *words):
    """Keras 1 raised an error in case `name`; ours names the argument and value."""
    assert "error" in THEANO[name], THEANO[name]
    with pytest.raises(ValueError) as info:
        fn()
    for word in words:
        assert word in str(info.value)


@pytest.fixture
def image_dim_ordering():
    """Restores the default dim_ordering after a test sets it."""
    yield backend.set_image_dim_ordering
    backend._state["image_dim_ordering"] = None


# -- np_utils ------------------------------------------------------------------------------------
@pytest.mark.parametrize("name, call", [
    pytest.param("to_categorical", lambda: np_utils.to_categorical([0, 2, 1, 2]), id="classes"),
    pytest.param("to_categorical.nb5", lambda: np_utils.to_categorical(np.array([[1], [3]]), 5),
                 id="nb_classes"),
    pytest.param("probas_to_classes.binary",
                 lambda: np_utils.probas_to_classes(np.array([[0.2], [0.5], [0.51]])), id="binary"),
    pytest.param("probas_to_classes.categorical", lambda: np_utils.probas_to_classes(
        np.array([[0.2, 0.7, 0.1], [0.5, 0.1, 0.4]])), id="categorical"),
])
def test_np_utils(name, call):
    got = call()
    assert_same(got, expected(name))
    assert got.dtype == expected(name).dtype


@pytest.mark.parametrize("rank, shape", [(4, (2, 3, 2, 3)), (5, (2, 2, 3, 2, 2))])
@pytest.mark.parametrize("ordering", ["th", "tf"])
def test_convert_kernel(rank, shape, ordering):
    kernel = np.arange(np.prod(shape), dtype="float32").reshape(shape)
    assert_same(np_utils.convert_kernel(kernel, ordering),
                expected(f"convert_kernel.{rank}d.{ordering}"), atol=0)


def test_convert_kernel_refuses_other_ranks():
    raises_keras1s("convert_kernel.3d", lambda: np_utils.convert_kernel(np.zeros((3, 2, 3)), "th"),
                   "kernel", "(3, 2, 3)")


# -- sequence --------------------------------------------------------------------------------------
SEQS = [[1, 2, 3], [4, 5], [], [6, 7, 8, 9, 10]]
PADS = {"default": {}, "maxlen3": dict(maxlen=3),
        "post": dict(maxlen=3, padding="post", truncating="post"),
        "value": dict(value=-1.5, dtype="float32", padding="post")}


@pytest.mark.parametrize("name", PADS)
def test_pad_sequences(name):
    got = sequence.pad_sequences(SEQS, **PADS[name])
    assert_same(got, expected("pad_sequences." + name), atol=0)
    assert got.dtype == expected("pad_sequences." + name).dtype


def test_pad_sequences_of_vectors():
    assert_same(sequence.pad_sequences([[[1, 2], [3, 4]], [[5, 6]]], maxlen=3),
                expected("pad_sequences.2d"), atol=0)


@pytest.mark.parametrize("name, kwargs, words", [
    ("bad_padding", dict(padding="middle"), ("padding", "'middle'", "'pre', 'post'")),
    ("bad_truncating", dict(maxlen=2, truncating="mid"), ("truncating", "'mid'")),
])
def test_pad_sequences_refuses(name, kwargs, words):
    raises_keras1s("pad_sequences." + name, lambda: sequence.pad_sequences(SEQS, **kwargs), *words)


def test_pad_sequences_refuses_ragged_samples():
    raises_keras1s("pad_sequences.bad_shape",
                   lambda: sequence.pad_sequences([[[1, 2]], [[3]]]), "sequences[1]", "(2,)")


def test_make_sampling_table():
    assert_same(sequence.make_sampling_table(12, 0.01), expected("make_sampling_table"))


SKIPS = {"default": {}, "categorical": dict(categorical=True, window_size=1),
         "negative2": dict(negative_samples=2., window_size=2),
         "sampled": dict(sampling_table=sequence.make_sampling_table(10, 0.05)),
         "unshuffled": dict(shuffle=False, window_size=1)}


@pytest.mark.parametrize("name", SKIPS)
def test_skipgrams_follow_pythons_random_as_keras1(name):
    random.seed(7)
    couples, labels = sequence.skipgrams([1, 2, 0, 3, 4, 5, 2], 10, **SKIPS[name])
    assert [couples, labels] == expected("skipgrams." + name)


# -- text ------------------------------------------------------------------------------------------
def test_text_to_word_sequence():
    assert text.text_to_word_sequence(make_utils.CORPUS[1]) == expected("text_to_word_sequence")
    assert (text.text_to_word_sequence("A-b c;D e", filters=";", lower=False, split="-")
            == expected("text_to_word_sequence.options"))


TOKENIZERS = {"all": {}, "nb5": dict(nb_words=5), "chars": dict(char_level=True),
              "upper": dict(lower=False, filters="")}


@pytest.mark.parametrize("name", TOKENIZERS)
def test_tokenizer(name):
    tok = text.Tokenizer(**TOKENIZERS[name])
    tok.fit_on_texts(make_utils.CORPUS)
    prefix = f"tokenizer.{name}."
    assert [list(p) for p in sorted(tok.word_index.items())] == expected(prefix + "word_index")
    assert [list(p) for p in sorted(tok.word_counts.items())] == expected(prefix + "word_counts")
    assert (tok.texts_to_sequences(make_utils.CORPUS + ["an unknown cat"])
            == expected(prefix + "sequences"))
    for mode in ("binary", "count", "tfidf", "freq"):
        assert_same(tok.texts_to_matrix(make_utils.CORPUS + ["cat cat bird"], mode=mode),
                    expected(prefix + mode))
    raises_keras1s(prefix + "bogus", lambda: tok.texts_to_matrix(["cat"], mode="bogus"),
                   "mode", "'bogus'", "'tfidf'")


def test_tokenizer_on_sequences():
    tok = text.Tokenizer(nb_words=6)
    tok.fit_on_sequences([[1, 2, 2], [3, 1], [5]])
    assert_same(tok.sequences_to_matrix([[1, 2, 2, 7], [5]], mode="tfidf"),
                expected("tokenizer.sequences.tfidf"))


def test_one_hot_hashes_as_keras1():
    n = 7
    assert text.one_hot("The cat, the CAT.", n) == [abs(hash(w)) % (n - 1) + 1
                                                    for w in ("the", "cat", "the", "cat")]


# -- image -----------------------------------------------------------------------------------------
RNG = np.random.RandomState(0)  # make_utils.py's images
X_TH = RNG.uniform(0, 1, (4, 3, 7, 9)).astype("float32")
X_SMALL = RNG.uniform(0, 1, (20, 1, 3, 3)).astype("float32")
AXES = {"th": (0, 1, 2, 3), "tf": (0, 2, 3, 1)}


@pytest.mark.parametrize("ordering", ["th", "tf"])
@pytest.mark.parametrize("option", make_utils.IMAGE_OPTIONS)
def test_image_data_generator_batches_are_keras1s(option, ordering):
    """flow(seed=5): Keras 1's shuffles and random transforms, batch for batch."""
    x = (X_SMALL if option == "zca" else X_TH).transpose(AXES[ordering])
    gen = image.ImageDataGenerator(dim_ordering=ordering, **make_utils.IMAGE_OPTIONS[option])
    if option in make_utils.FITTED:
        gen.fit(x, **make_utils.FITTED[option])
    it = gen.flow(x, np.arange(4) if len(x) == 4 else None, batch_size=3, shuffle=True, seed=5)
    got = []
    for _ in range(3):
        b = next(it)
        got += list(b) if isinstance(b, tuple) else [b]
    assert_same(tuple(got), expected(f"image.{ordering}.{option}"), atol=1e-5)


@pytest.mark.parametrize("ordering", ["th", "tf"])
def test_image_batches_follow_numpys_seed(ordering):
    gen = image.ImageDataGenerator(dim_ordering=ordering, rotation_range=30.,
                                   horizontal_flip=True)
    np.random.seed(11)
    it = gen.flow(X_TH.transpose(AXES[ordering]), batch_size=2, shuffle=False)
    assert_same(tuple(next(it) for _ in range(3)), expected(f"image.{ordering}.np_seed"))


def test_dim_ordering_default_is_image_dim_ordering(image_dim_ordering):
    image_dim_ordering("th")
    assert image.ImageDataGenerator().channel_axis == 1
    image_dim_ordering("tf")
    assert image.ImageDataGenerator().channel_axis == 3


@pytest.mark.parametrize("ordering", ["th", "tf"])
def test_img_to_array(ordering):
    rgb = np.arange(24, dtype="uint8").reshape(2, 4, 3)
    gray = np.arange(8, dtype="uint8").reshape(2, 4)
    for name, img in (("rgb", rgb), ("gray", gray)):
        got = image.img_to_array(img, ordering)
        assert_same(got, expected(f"image.{ordering}.img_to_array.{name}"), atol=0)
        assert got.dtype == np.float32


FUNCTIONS = {
    "random_rotation": lambda x: image.random_rotation(x, 60., fill_mode="constant", cval=-1.),
    "random_shift": lambda x: image.random_shift(x, 0.3, 0.4, fill_mode="wrap"),
    "random_shear": lambda x: image.random_shear(x, 0.8, fill_mode="reflect"),
    "random_zoom": lambda x: image.random_zoom(x, (0.6, 1.4)),
    "random_channel_shift": lambda x: image.random_channel_shift(x, 0.3),
}


@pytest.mark.parametrize("name", FUNCTIONS)
def test_random_transform_functions(name):
    np.random.seed(3)
    assert_same(FUNCTIONS[name](X_TH[1]), expected("image.fn." + name))


@pytest.mark.parametrize("name, call, words", [
    ("image.bad_dim_ordering", lambda: image.ImageDataGenerator(dim_ordering="xy"),
     ("dim_ordering", "'xy'")),
    ("image.bad_zoom", lambda: image.ImageDataGenerator(zoom_range=(1, 2, 3)),
     ("zoom_range", "(1, 2, 3)")),
    ("image.flow.bad_rank", lambda: image.ImageDataGenerator().flow(np.zeros((2, 5, 5))),
     ("rank 4", "(2, 5, 5)")),
    ("image.flow.bad_y", lambda: image.ImageDataGenerator().flow(np.zeros((2, 5, 5, 3)), [1]),
     ("`y`", "(1,)", "(2, 5, 5, 3)")),
    ("image.th.fit.bad_channels",
     lambda: image.ImageDataGenerator(dim_ordering="th").fit(np.zeros((2, 2, 5, 5))),
     ("1, 3 or 4 channels on axis 1", "(2, 2, 5, 5)")),
])
def test_image_refuses_what_keras1_refused(name, call, words):
    raises_keras1s(name, call, *words)


def test_image_refuses_unknown_fill_modes():
    with pytest.raises(ValueError, match="fill_mode.*'mirror'"):
        image.ImageDataGenerator(fill_mode="mirror")


def test_flow_from_directory_lists_keras1s_files(tmp_path):
    for path in ("b/x.png", "a/y.JPG", "a/z.txt", "a/sub/w.bmp", "c/v.jpeg"):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_bytes(b"")
    it = image.ImageDataGenerator(dim_ordering="th").flow_from_directory(
        str(tmp_path), target_size=(5, 6), color_mode="grayscale", classes=["a", "b"])
    assert it.class_indices == {"a": 0, "b": 1}
    assert sorted(it.filenames) == ["a/sub/w.bmp", "a/y.JPG", "b/x.png"]
    assert it.image_shape == (1, 5, 6)
    with pytest.raises(ValueError, match="class_mode"):
        image.ImageDataGenerator().flow_from_directory(str(tmp_path), class_mode="multi")


# -- initializations -------------------------------------------------------------------------------
@pytest.mark.parametrize("name", [n for n in make_utils.INITS if n != "identity"])
@pytest.mark.parametrize("shape_name", make_utils.INIT_SHAPES)
def test_initializations_draw_keras1_theanos_values(name, shape_name):
    """Keras 1 on Theano drew from NumPy: after the same seed, the same values."""
    shape, ordering = make_utils.INIT_SHAPES[shape_name]
    np.random.seed(3)
    got = initializations.get(name)(shape, dim_ordering=ordering)
    assert isinstance(got, keras.Variable)
    assert_same(got.numpy(), expected(f"init.{name}.{shape_name}"))


@pytest.mark.parametrize("name", make_utils.INITS)
def test_initializations_draw_keras1_tensorflows_distributions(name):
    if name == "identity":
        assert "error" in RECORDS["tensorflow"][f"init_stats.{name}"]
        return
    np.random.seed(3)
    value = initializations.get(name)((60, 50)).numpy()
    mean, std, low, high = expected(f"init_stats.{name}", "tensorflow")
    assert abs(value.mean() - mean) <= 0.05 * max(std, 1e-3)
    assert value.std() == pytest.approx(std, rel=0.05, abs=1e-7)
    if name in ("orthogonal", "zero", "one"):  # NumPy's draws on TensorFlow too
        np.random.seed(3)
        assert_same(initializations.get(name)((3, 4)).numpy(),
                    expected(f"init.{name}.dense", "tensorflow"))


def test_initialization_scale_and_identity():
    np.random.seed(3)
    assert_same(initializations.uniform((3, 4), scale=0.5).numpy(), expected("init.uniform.scale"))
    assert_same(initializations.identity((3, 3), scale=2).numpy(), 2 * np.identity(3))
    raises_keras1s("init.identity.conv_th",
                   lambda: initializations.identity((2, 3, 2, 2)), "shape", "(2, 3, 2, 2)")
    with pytest.raises(ValueError, match="initialization.*'bogus'"):
        initializations.get("bogus")


# -- activations -----------------------------------------------------------------------------------
X2 = np.linspace(-3, 3, 12).reshape(2, 6).astype("float32")
ACTS = {name: (name, {}) for name in ("softmax", "elu", "softplus", "softsign", "relu", "tanh",
                                      "sigmoid", "hard_sigmoid", "linear")}
ACTS.update({"relu.alpha": ("relu", dict(alpha=0.1, max_value=2.)),
             "elu.alpha": ("elu", dict(alpha=0.5))})


@pytest.mark.parametrize("backend_", _fixtures.BACKENDS)
@pytest.mark.parametrize("case", ACTS)
def test_activations(case, backend_):
    name, kwargs = ACTS[case]
    for rank, x in (("2d", X2), ("3d", X2.reshape(2, 2, 3))):
        got = keras.ops.convert_to_numpy(activations.get(name)(x, **kwargs))
        assert_same(got, expected(f"activation.{case}.{rank}", backend_), atol=1e-6)


def test_softmax_refuses_4d_as_keras1():
    raises_keras1s("activation.softmax.4d",
                   lambda: activations.softmax(keras.ops.zeros((1, 2, 2, 3))), "softmax", "4")
    assert activations.get(None) is activations.linear


def test_regularizers_and_constraints_are_this_packages():
    assert regularizers.l1l2 is legacy_conv.regularizers.l1l2
    assert regularizers.get is legacy_conv.regularizers.get
    assert constraints.maxnorm is legacy_conv.constraints.MaxNorm


# -- generic_utils, data_utils, io_utils ---------------------------------------------------------------
@pytest.mark.parametrize("verbose", [1, 2])
def test_progbar_prints_keras1s_text(verbose, capsys):
    bar = generic_utils.Progbar(10, verbose=verbose, interval=0.)
    bar.update(3, [("loss", 0.5)], force=True)
    bar.add(4, [("loss", 0.25), ("acc", 0.0001)])
    bar.update(10, [("loss", -0.1)])
    assert capsys.readouterr().out == expected(f"progbar.verbose{verbose}")


def test_get_from_module():
    table = {"f": len}
    assert generic_utils.get_from_module("f", table, "thing") is len
    assert generic_utils.get_from_module(max, table, "thing") is max
    with pytest.raises(ValueError, match="thing.*'g'"):
        generic_utils.get_from_module("g", table, "thing")


def test_get_file_refuses_to_download_naming_url_and_path(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".keras").mkdir()
    with pytest.raises(FileNotFoundError) as info:
        mnist.load_data()
    message = str(info.value)
    assert "https://s3.amazonaws.com/img-datasets/mnist.pkl.gz" in message
    assert str(tmp_path / ".keras" / "datasets" / "mnist.pkl.gz") in message
    shutil.copy(_fixtures.UTILS / "datasets" / "mnist.pkl.gz", tmp_path / ".keras" / "datasets")
    assert_same(flat(mnist.load_data()), expected("dataset.mnist"), atol=0)
    (tmp_path / ".keras" / "datasets" / "imdb_full.pkl").write_bytes(b"not it")
    with pytest.raises(FileNotFoundError, match="MD5 d091312047c43cf9e4e38fef92437263"):
        imdb.load_data()


def test_get_file_unpacks_a_tar_gz(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    cache = tmp_path / ".keras" / "datasets"
    cache.mkdir(parents=True)
    shutil.make_archive(str(cache / "cifar-100-python"), "gztar", _fixtures.UTILS / "datasets",
                        "cifar-100-python")
    path = data_utils.get_file("cifar-100-python", "http://x/y.tar.gz", untar=True)
    assert path == str(cache / "cifar-100-python")
    assert sorted(os.listdir(path)) == ["test", "train"]


def flat(data):
    (x, y), (xt, yt) = data
    return x, y, xt, yt


@pytest.fixture
def local_datasets(monkeypatch):
    monkeypatch.setattr(_files, "cached", lambda name, path=None: str(
        _fixtures.UTILS / "datasets" / _files.spec.DATASETS[name].fname))


@pytest.mark.parametrize("ordering", ["th", "tf"])
@pytest.mark.parametrize("mode", ["fine", "coarse"])
def test_cifar100_layout(ordering, mode, local_datasets, image_dim_ordering):
    image_dim_ordering(ordering)
    assert_same(flat(cifar100.load_data(mode)), expected(f"dataset.cifar100.{ordering}.{mode}"), atol=0)


def test_cifar10_reads_keras1s_batches(local_datasets, image_dim_ordering, monkeypatch, tmp_path):
    """cifar10 is cifar100's layout over five train batches and a test batch."""
    batch = (_fixtures.UTILS / "datasets" / "cifar-100-python" / "train").read_bytes()
    import pickle
    d = pickle.loads(batch, encoding="bytes")
    d[b"labels"] = d.pop(b"fine_labels")
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        (tmp_path / name).write_bytes(pickle.dumps(d, protocol=2))
    monkeypatch.setattr(_files, "cached", lambda name, path=None: str(tmp_path))
    monkeypatch.setattr(cifar10, "NB_TRAIN_SAMPLES", 15)
    monkeypatch.setattr(cifar10, "BATCH_SIZE", 3)
    image_dim_ordering("th")
    (x, y), (xt, yt) = cifar10.load_data()
    x100 = expected("dataset.cifar100.th.fine")[0]
    assert x.shape == (15, 3, 32, 32) and y.shape == (15, 1) and xt.shape == (3, 3, 32, 32)
    assert_same(x[12:], x100, atol=0)


@pytest.mark.parametrize("module", [imdb, reuters], ids=["imdb", "reuters"])
@pytest.mark.parametrize("name, kwargs", [
    ("default", {}), ("cut", dict(nb_words=8, skip_top=2, maxlen=7)),
    ("no_oov", dict(nb_words=8, oov_char=None, start_char=None, index_from=1)),
])
def test_word_datasets(module, name, kwargs, local_datasets):
    (x, y), (xt, yt) = module.load_data(**kwargs)
    as_list = [[[list(map(int, s)) for s in x], [int(i) for i in y]],
               [[list(map(int, s)) for s in xt], [int(i) for i in yt]]]
    assert as_list == expected(f"dataset.{module.__name__.split('.')[-1]}.{name}")


def test_word_datasets_refuse_a_maxlen_that_keeps_nothing(local_datasets):
    raises_keras1s("dataset.imdb.too_short", lambda: imdb.load_data(maxlen=1), "maxlen", "1")


def test_hdf5_matrix(tmp_path):
    path = str(tmp_path / "data.h5")
    with h5py.File(path, "w") as f:
        f["x"] = np.arange(20.).reshape(10, 2)
    m = io_utils.HDF5Matrix(path, "x", start=2, end=8, normalizer=lambda a: a * 2)
    assert len(m) == 6 and m.shape == (6, 2)
    assert_same(m[0:2], np.array([[8., 10.], [12., 14.]]))
    assert_same(m[[0, 5]], np.array([[8., 10.], [28., 30.]]))
    with pytest.raises(IndexError):
        m[6]


# -- wrappers.scikit_learn -------------------------------------------------------------------------
def build(units=4, loss="categorical_crossentropy"):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(units, activation="softmax")])
    model.compile(optimizer="sgd", loss=loss, metrics=["accuracy"])
    return model


def test_keras_classifier_takes_keras1s_sk_params():
    x = np.random.RandomState(0).uniform(size=(8, 3)).astype("float32")
    y = np.array([0, 1, 2, 3, 0, 1, 2, 3])
    clf = scikit_learn.KerasClassifier(build, units=4, nb_epoch=2, batch_size=4, verbose=0)
    history = clf.fit(x, y)
    assert len(history.history["loss"]) == 2
    assert clf.predict(x).shape == (8,)
    assert clf.predict_proba(x).shape == (8, 4)
    assert 0 <= clf.score(x, y) <= 1
    assert clf.get_params()["nb_epoch"] == 2
    with pytest.raises(ValueError, match="nb_epochs.*not a legal parameter"):
        scikit_learn.KerasClassifier(build, nb_epochs=2)


def test_keras_regressor():
    def regression():
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
        model.compile(optimizer="sgd", loss="mse")
        return model
    x = np.ones((4, 3), "float32")
    reg = scikit_learn.KerasRegressor(regression, nb_epoch=1, verbose=0)
    reg.fit(x, np.zeros(4))
    assert reg.predict(x).shape == (4,)
    assert np.isscalar(reg.score(x, np.zeros(4), verbose=0)) or reg.score(x, np.zeros(4)) >= 0


# -- layer_utils, visualize_util, images ----------------------------------------------------------
def test_convert_all_kernels_in_model_flips_keras1s_conv_kernels(image_dim_ordering):
    from legacy_conv.keras1.layers import Convolution2D
    from legacy_conv.keras1.utils import layer_utils
    image_dim_ordering("th")
    model = keras.Sequential([keras.Input((3, 5, 5)), Convolution2D(2, 3, 3, dim_ordering="th"),
                              keras.layers.Flatten(), keras.layers.Dense(2)])
    before = [w.copy() for w in model.get_weights()]
    layer_utils.convert_all_kernels_in_model(model)
    after = model.get_weights()
    assert_same(after[0], before[0][:, :, ::-1, ::-1], atol=0)
    for b, a in zip(before[1:], after[1:]):
        assert_same(a, b, atol=0)


def test_what_needs_pil_or_pydot_says_so(tmp_path):
    from legacy_conv.keras1.utils import visualize_util
    try:
        import PIL  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match="PIL.*pillow"):
            image.load_img(str(tmp_path / "x.png"))
    try:
        import pydot  # noqa: F401
    except ImportError:
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        with pytest.raises(ImportError, match="pydot"):
            visualize_util.plot(model, str(tmp_path / "model.png"))


def test_keras3_fit_takes_the_iterator_as_a_generator():
    x = np.random.RandomState(0).uniform(size=(8, 6, 6, 3)).astype("float32")
    model = keras.Sequential([keras.Input((6, 6, 3)), keras.layers.Flatten(),
                              keras.layers.Dense(2, activation="softmax")])
    model.compile("sgd", "categorical_crossentropy")
    it = image.ImageDataGenerator(rotation_range=10., dim_ordering="tf").flow(
        x, np_utils.to_categorical(np.arange(8) % 2), batch_size=4, seed=1)
    history = model.fit((batch for batch in it), steps_per_epoch=2, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
