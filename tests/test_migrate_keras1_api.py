"""`legacy-conv migrate` on whole Keras 1 scripts: what the 2016 examples look like (a
statement before the imports, module constants, other modules' star imports, calls laid out
over several lines), Python 2 sources, the Keras 1 namespace and `--check` of non-layer
calls."""

import textwrap

import pytest

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
