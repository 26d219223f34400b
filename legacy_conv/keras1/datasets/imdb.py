"""Keras 1.2.2's `keras.datasets.imdb`."""

import numpy as np

from legacy_conv.keras1.datasets import _files


def load_data(path="imdb_full.pkl", nb_words=None, skip_top=0, maxlen=None, seed=113,
              start_char=1, oov_char=2, index_from=3):
    """`(x_train, y_train), (x_test, y_test)` of ~/.keras/datasets/imdb_full.pkl: the train
    reviews shuffled with `seed`, the test ones with 2 * `seed`, then `_files.words`."""
    (x_train, labels_train), (x_test, labels_test) = _files.unpickle(
        _files.cached("imdb", path), encoding="latin1")
    _files.shuffled(seed, x_train, labels_train)
    _files.shuffled(seed * 2, x_test, labels_test)
    xs, labels = _files.words(x_train + x_test, labels_train + labels_test, nb_words,
                              skip_top, maxlen, start_char, oov_char, index_from)
    n = len(x_train)
    return ((_files.array(xs[:n]), np.array(labels[:n])),
            (_files.array(xs[n:]), np.array(labels[n:])))


def get_word_index(path="imdb_word_index.pkl"):
    """{word: index} of ~/.keras/datasets/imdb_word_index.pkl."""
    return _files.unpickle(_files.cached("imdb_word_index", path), encoding="latin1")
