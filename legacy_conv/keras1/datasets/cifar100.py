"""Keras 1.2.2's `keras.datasets.cifar100`."""

import os

from legacy_conv import _validation
from legacy_conv.keras1.datasets import _files
from legacy_conv.spec import utils as spec


def load_data(label_mode="fine"):
    """`(x_train, y_train), (x_test, y_test)` of ~/.keras/datasets/cifar-100-python/, with
    the 'fine' or 'coarse' labels; the layout of `cifar10.load_data`."""
    _validation.check_choice("cifar100.load_data", "label_mode", label_mode,
                             spec.CIFAR_LABEL_MODES)
    path = _files.cached("cifar100")
    x_train, y_train = _files.load_batch(os.path.join(path, "train"), label_mode + "_labels")
    x_test, y_test = _files.load_batch(os.path.join(path, "test"), label_mode + "_labels")
    return _files.images_layout(x_train, y_train, x_test, y_test)
