"""What the Keras 1 datasets share: their file in the cache, pickles, word lists."""

import gzip
import pickle

import numpy as np

from legacy_conv import _validation
from legacy_conv import backend
from legacy_conv.keras1.utils import data_utils
from legacy_conv.spec import utils as spec


def cached(name, path=None):
    """The path of dataset `name`'s file (`path`, relative to the cache, if given)."""
    record = spec.DATASETS[name]
    return data_utils.get_file(path or record.fname, origin=record.origin, untar=record.untar,
                               md5_hash=record.md5_hash)


def unpickle(path, encoding="bytes"):
    with (gzip.open if path.endswith(".gz") else open)(path, "rb") as f:
        return pickle.load(f, encoding=encoding)


def load_batch(fpath, label_key="labels"):
    """A CIFAR batch file's (data as (n, 3, 32, 32), labels)."""
    d = {k.decode("utf8"): v for k, v in unpickle(fpath).items()}
    data = d["data"]
    return data.reshape(data.shape[0], 3, 32, 32), d[label_key]


def images_layout(x_train, y_train, x_test, y_test):
    """Keras 1's CIFAR layout: labels as columns, images channels last under 'tf'."""
    y_train = np.reshape(y_train, (len(y_train), 1))
    y_test = np.reshape(y_test, (len(y_test), 1))
    if backend.image_dim_ordering() == "tf":
        x_train = x_train.transpose(0, 2, 3, 1)
        x_test = x_test.transpose(0, 2, 3, 1)
    return (x_train, y_train), (x_test, y_test)


def words(xs, labels, nb_words, skip_top, maxlen, start_char, oov_char, index_from):
    """IMDB's and Reuters' word lists as Keras 1 made them: marked, shifted, filtered by
    length, words beyond `nb_words` (or below `skip_top`) replaced by `oov_char`, or, with
    no `oov_char`, only those kept (Keras 1's code, whatever its docs say)."""
    if start_char is not None:
        xs = [[start_char] + [w + index_from for w in x] for x in xs]
    elif index_from:
        xs = [[w + index_from for w in x] for x in xs]
    if maxlen:
        kept = [(x, y) for x, y in zip(xs, labels) if len(x) < maxlen]
        xs, labels = [x for x, _ in kept], [y for _, y in kept]
    if not xs:
        raise _validation.argument_error(
            "load_data", "maxlen", maxlen, "keeps no sequence (Keras 1 keeps those shorter)",
            "Increase maxlen")
    if not nb_words:
        nb_words = max([max(x) for x in xs])
    if oov_char is not None:
        xs = [[oov_char if (w >= nb_words or w < skip_top) else w for w in x] for x in xs]
    else:
        xs = [[w for w in x if w >= nb_words or w < skip_top] for x in xs]
    return xs, labels


def array(sequences):
    """`np.array(sequences)` as the NumPy of Keras 1's time made it: 2D if the sequences
    have one length, else a 1D object array of lists (today's NumPy refuses ragged lists)."""
    try:
        return np.array(sequences)
    except ValueError:
        out = np.empty(len(sequences), dtype=object)
        out[:] = sequences
        return out


def shuffled(seed, *lists):
    """Each list shuffled in place after `np.random.seed(seed)`, as Keras 1 did."""
    for values in lists:
        np.random.seed(seed)
        np.random.shuffle(values)
