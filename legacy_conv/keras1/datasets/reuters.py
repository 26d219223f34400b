"""Keras 1.2.2's `keras.datasets.reuters`."""

from legacy_conv.keras1.datasets import _files


def load_data(path="reuters.pkl", nb_words=None, skip_top=0, maxlen=None, test_split=0.2,
              seed=113, start_char=1, oov_char=2, index_from=3):
    """`(x_train, y_train), (x_test, y_test)` of ~/.keras/datasets/reuters.pkl (lists, as
    Keras 1 returned them): shuffled with `seed`, `_files.words`, then split."""
    xs, labels = _files.unpickle(_files.cached("reuters", path), encoding="latin1")
    _files.shuffled(seed, xs, labels)
    xs, labels = _files.words(xs, labels, nb_words, skip_top, maxlen, start_char, oov_char,
                              index_from)
    n = int(len(xs) * (1 - test_split))
    return (xs[:n], labels[:n]), (xs[n:], labels[n:])


def get_word_index(path="reuters_word_index.pkl"):
    """{word: index} of ~/.keras/datasets/reuters_word_index.pkl."""
    return _files.unpickle(_files.cached("reuters_word_index", path), encoding="latin1")
