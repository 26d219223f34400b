"""`legacy-conv migrate` on whole Keras 1 scripts: what the 2016 examples look like (a
statement before the imports, module constants, other modules' star imports, calls laid out
over several lines), Python 2 sources, the Keras 1 namespace and `--check` of non-layer
calls."""

import textwrap

import pytest

from legacy_conv.migration import MigrationError
from legacy_conv.migration import check_source
from legacy_conv.migration import migrate_source


def dedent(text):
    return textwrap.dedent(text).lstrip("\n")


# Keras 1.2.2's examples/mnist_cnn.py, shortened; a project module's star import.
MNIST_CNN = dedent("""
    from __future__ import print_function
    import numpy as np
    np.random.seed(1337)  # for reproducibility

    from keras.models import Sequential
    from keras.layers import Dense, Dropout, Activation, Flatten
    from keras.layers import Convolution2D, MaxPooling2D
    from help_functions import *

    nb_classes = 10
    nb_filters = 32
    pool_size = (2, 2)
    kernel_size = (3, 3)
    input_shape = (1, 28, 28)

    model = Sequential()
    model.add(Convolution2D(nb_filters, kernel_size[0], kernel_size[1],
                            border_mode='valid',
                            input_shape=input_shape))
    model.add(Activation('relu'))
    model.add(MaxPooling2D(pool_size=pool_size))
    model.add(Dropout(0.25))
    model.add(Flatten())
    model.add(Dense(nb_classes))
    """)

TARGETS = [pytest.param({"to": "legacy"}, id="legacy"),
           pytest.param({"to": "native", "image_dim_ordering": "th"}, id="native")]


@pytest.fixture(scope="module", params=TARGETS)
def migrated(request):
    return migrate_source(MNIST_CNN, **request.param).new_source


def test_other_modules_star_imports_stay(migrated):
    assert "from help_functions import *\n" in migrated


def test_imports_after_a_statement_are_not_added_again(migrated):
    lines = migrated.splitlines()
    assert lines[:3] == MNIST_CNN.splitlines()[:3]  # nothing added before the seed
    imported = [n.strip() for line in lines if line.startswith("from keras.layers import")
                for n in line.split("import")[1].split(",")]
    assert len(imported) == len(set(imported)), migrated


def test_module_constants_stay_names(migrated):
    assert "(nb_filters," in migrated
    assert "pool_size=pool_size" in migrated
    assert "Dense(nb_classes)" in migrated
    assert "input_shape=input_shape" in migrated


def test_continuation_lines_stay_aligned(migrated):
    lines = migrated.splitlines()
    first = next(i for i, line in enumerate(lines) if "(nb_filters," in line)
    bracket = lines[first].index("(nb_filters,")
    assert lines[first + 1].index("border_mode" if "border_mode" in lines[first + 1]
                                  else "padding") == bracket + 1, migrated
    assert lines[first + 2].index("input_shape") == bracket + 1, migrated


def test_the_migrated_script_parses(migrated):
    compile(migrated, "mnist_cnn.py", "exec")


CONSTANTS = dedent("""
    from keras.layers import Activation, Dropout, ZeroPadding2D
    act = 'relu'
    rate = 0.25
    pad = (1, 1)
    model.add(ZeroPadding2D(pad, dim_ordering='tf'))
    model.add(Activation(act))
    model.add(Dropout(rate))
    """)


@pytest.mark.parametrize("kept", ["ZeroPadding2D(padding=pad, data_format='channels_last')",
                                  "Activation(act)", "Dropout(rate)"])
def test_native_keeps_the_names_of_constants_keras3_reads_the_same(kept):
    result = migrate_source(CONSTANTS, to="native")
    assert kept in result.new_source
    assert "kept" not in [e.kind for e in result.report_entries]


# -- Python 2 sources ----------------------------------------------------------------------------
PYTHON2 = dedent("""
    # -*- coding: utf-8 -*-
    import cPickle
    from keras.layers import Convolution2D
    model.add(Convolution2D(8, 3, 3))
    for i in xrange(3):
        print "epoch", i
    try:
        pass
    except Exception, e:
        print e
    for k in {}.iterkeys():
        pass
    s = u"é"
    """)
PYTHON3 = dedent("""
    # -*- coding: utf-8 -*-
    import pickle
    from legacy_conv.keras1.layers import Convolution2D
    model.add(Convolution2D(8, 3, 3))
    for i in range(3):
        print("epoch", i)
    try:
        pass
    except Exception as e:
        print(e)
    for k in {}.keys():
        pass
    s = "é"
    """)


@pytest.mark.parametrize("encode", [False, True], ids=["str", "bytes"])
def test_python2_sources_are_converted_first_and_reported(encode):
    source = PYTHON2.encode("utf-8") if encode else PYTHON2
    result = migrate_source(source, to="legacy")
    assert result.new_source == (PYTHON3.encode("utf-8") if encode else PYTHON3)
    first = result.report_entries[0]
    assert (first.kind, first.line) == ("converted", None)
    assert first.reason.startswith("converted from Python 2")


def test_python2_without_keras_is_converted_too():
    result = migrate_source('print "hello"\n', to="legacy")
    assert result.new_source == 'print("hello")\n'


def test_check_reads_python2_sources():
    result = check_source(PYTHON2.replace("Convolution2D(8, 3, 3)", "Dense(8, init='zero')"))
    assert result.report_entries[0].reason.startswith("converted from Python 2")


@pytest.mark.parametrize("source, line, col", [
    pytest.param("import keras\nx = 1\ny = (\nz = 2\n", 3, 5, id="unclosed-bracket"),
    pytest.param("x = 1\ndef f(:\n    pass\n", 2, 7, id="bad-signature"),
    pytest.param("x = 1\nprint 'a' 'b' +\n", 2, 1, id="neither-python"),
])
def test_syntax_errors_name_pythons_line(source, line, col):
    with pytest.raises(MigrationError) as error:
        migrate_source(source)
    assert (error.value.line, error.value.col) == (line, col)
    assert "does not parse" in error.value.reason


# -- --to legacy: the Keras 1 namespace ----------------------------------------------------------
def test_legacy_changes_only_imports():
    result = migrate_source(MNIST_CNN, to="legacy")
    old, new = MNIST_CNN.splitlines(), result.new_source.splitlines()
    assert len(old) == len(new)
    changed = [(a, b) for a, b in zip(old, new) if a != b]
    assert changed == [(a, a.replace("from keras.", "from legacy_conv.keras1."))
                       for a, _ in changed]
    assert len(changed) == 3
    assert {e.kind for e in result.report_entries} == {"converted"}


def test_legacy_states_the_backend_once(monkeypatch):
    result = migrate_source(MNIST_CNN, to="legacy", keras1_backend="theano",
                            image_dim_ordering="th")
    assert "import legacy_conv\nlegacy_conv.set_keras1_backend('theano')\n" \
           "legacy_conv.set_image_dim_ordering('th')\n\nnb_classes = 10" in result.new_source
    again = migrate_source(result.new_source, to="legacy", keras1_backend="theano",
                           image_dim_ordering="th")
    assert again.new_source == result.new_source


def test_native_starts_from_the_original_or_the_legacy_output():
    step1 = migrate_source(MNIST_CNN, to="legacy").new_source
    assert migrate_source(step1, to="native", image_dim_ordering="th").new_source == \
        migrate_source(MNIST_CNN, to="native", image_dim_ordering="th").new_source


def test_a_module_the_namespace_lacks_keeps_the_layer_rewrite(monkeypatch):
    from legacy_conv.migration import namespace

    real = namespace._module
    monkeypatch.setattr(namespace, "_module", lambda path: None if path.startswith(
        "keras.models") else real(path))
    result = migrate_source(dedent("""
        from keras.models import Model
        from keras.layers import Input, Dense
        m = Model(input=x, output=Dense(3)(x))
        """), to="legacy")
    assert result.new_source == dedent("""
        from keras.models import Model
        from legacy_conv.keras1.layers import Input, Dense
        m = Model(inputs=x, outputs=Dense(3)(x))
        """)
    kept = [e for e in result.report_entries if e.kind == "kept"]
    assert kept[0].line == 1 and "legacy_conv.keras1 has no keras.models (yet)" in kept[0].reason


@pytest.mark.parametrize("source", [
    pytest.param("import keras\nv = keras.__version__\n", id="import-keras-missing-attribute"),
    pytest.param("from keras.layers import Dense\nx = Dense(units=3)\n", id="keras3-code"),
    pytest.param("from keras.layers import NoSuchLayer\nx = NoSuchLayer(3)\n", id="unknown-name"),
])
def test_legacy_leaves_what_the_namespace_cannot_give(source):
    assert migrate_source(source, to="legacy").new_source == source


def test_import_keras_of_a_submodule_imports_it():
    result = migrate_source(dedent("""
        import keras.layers.convolutional
        x = keras.layers.convolutional.Convolution2D(8, 3, 3)(x)
        """), to="legacy")
    assert result.new_source.splitlines()[0] == (
        "import legacy_conv.keras1.layers.convolutional, legacy_conv.keras1 as keras")


# -- --check: the rest of the Keras 1 API (spec.api) ---------------------------------------------
API_CASES = [
    pytest.param("model.fit(X, Y, batch_size=32, nb_epoch=12)",
                 ("trap", "Keras 3's fit has no `nb_epoch` (TypeError); Keras 3 names it epochs"),
                 id="fit"),
    pytest.param("model.fit_generator(gen, samples_per_epoch=100, nb_epoch=2, nb_val_samples=10)",
                 ("trap", "Keras 3's Model has no fit_generator (AttributeError)"),
                 id="fit_generator"),
    pytest.param("sgd = SGD(lr=0.01)",
                 ("trap", "SGD(lr=): Keras 3's optimizers raise ValueError for lr="), id="lr"),
    pytest.param("adam = Adam(decay=1e-6)",
                 ("trap", "Adam(decay=): Keras 3's optimizers ignore decay="), id="decay"),
    pytest.param("model.compile(loss='mse', optimizer='adadelta')",
                 ("trap", "Keras 1's Adadelta defaults to lr=1.0; Keras 3's to "
                          "learning_rate=0.001"), id="string-optimizer"),
    pytest.param("model.compile('adadelta', 'mse')",
                 ("trap", "Keras 1's Adadelta defaults to lr=1.0"), id="positional-optimizer"),
    pytest.param("opt = Adadelta()", ("trap", "Keras 1's Adadelta defaults to lr=1.0"),
                 id="optimizer-defaults"),
    pytest.param("Y = np_utils.to_categorical(y, 10)",
                 ("trap", "Keras 3 has no keras.utils.np_utils.to_categorical"),
                 id="to_categorical"),
    pytest.param("if K.image_dim_ordering() == 'th': pass",
                 ("trap", "Keras 3 has no keras.backend.image_dim_ordering"),
                 id="image_dim_ordering"),
    pytest.param("g = ImageDataGenerator(dim_ordering='th')",
                 ("trap", "Keras 3 has no keras.preprocessing.image.ImageDataGenerator"),
                 id="ImageDataGenerator"),
    pytest.param("c = ModelCheckpoint('w.h5', period=2)",
                 ("trap", "Keras 3's ModelCheckpoint raises TypeError for period="),
                 id="checkpoint-period"),
    pytest.param("p = model.predict_classes(X)",
                 ("warning", "(Manual check required) if this is a Keras model: Keras 3's "
                             "Model has no predict_classes"), id="predict_classes"),
]
API_HEADER = dedent("""
    from keras.optimizers import SGD, Adam, Adadelta
    from keras import backend as K
    from keras.callbacks import ModelCheckpoint
    """)
IMPORT_TRAPS = ("np_utils", "ImageDataGenerator")


@pytest.mark.parametrize("line, expected", API_CASES)
def test_check_reports_keras1_calls_beyond_layers(line, expected):
    header = API_HEADER + "".join(f"from {m} import {n}\n" for m, n in (
        ("keras.utils", "np_utils"), ("keras.preprocessing.image", "ImageDataGenerator"))
                                  if n in line)
    entries = check_source(header + line + "\n").report_entries
    on_line = [(e.kind, e.reason) for e in entries if e.line == header.count("\n") + 1]
    assert any(kind == expected[0] and expected[1] in reason for kind, reason in on_line), \
        on_line
    imported = [e for e in entries if e.line <= header.count("\n")]
    assert [e.old for e in imported] == [n for n in IMPORT_TRAPS if n in line]


@pytest.mark.parametrize("source", [
    pytest.param("model.fit(X, Y, epochs=3)\n", id="keras3-fit"),
    pytest.param("from keras.optimizers import SGD\nopt = SGD(learning_rate=0.01)\n",
                 id="keras3-optimizer"),
    pytest.param("model.compile(loss='mse', optimizer='sgd')\n", id="same-defaults"),
    pytest.param("from legacy_conv.keras1.models import Sequential\n"
                 "model.fit(X, Y, nb_epoch=3)\n", id="on-the-namespace"),
    pytest.param("from keras.utils import to_categorical\nY = to_categorical(y, 10)\n",
                 id="keras3-to_categorical"),
])
def test_check_leaves_what_runs_the_same(source):
    assert check_source(source).report_entries == []
