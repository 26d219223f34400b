"""Keras 1.2.2's `keras.datasets.mnist`."""

from legacy_conv.keras1.datasets import _files


def load_data(path="mnist.pkl.gz"):
    """`(x_train, y_train), (x_test, y_test)` of ~/.keras/datasets/mnist.pkl.gz, as pickled."""
    return _files.unpickle(_files.cached("mnist", path))
