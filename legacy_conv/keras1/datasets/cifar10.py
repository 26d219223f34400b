"""Keras 1.2.2's `keras.datasets.cifar10`."""

import os

import numpy as np

from legacy_conv.keras1.datasets import _files

NB_TRAIN_SAMPLES = 50000
BATCH_SIZE = 10000


def load_data():
    """`(x_train, y_train), (x_test, y_test)` of ~/.keras/datasets/cifar-10-batches-py/
    (from cifar-10-python.tar.gz): uint8 images, channels first unless
    `image_dim_ordering()` is 'tf', labels as (samples, 1)."""
    path = _files.cached("cifar10")
    x_train = np.zeros((NB_TRAIN_SAMPLES, 3, 32, 32), dtype="uint8")
    y_train = np.zeros((NB_TRAIN_SAMPLES,), dtype="uint8")
    for i in range(1, NB_TRAIN_SAMPLES // BATCH_SIZE + 1):
        data, labels = _files.load_batch(os.path.join(path, "data_batch_" + str(i)))
        x_train[(i - 1) * BATCH_SIZE: i * BATCH_SIZE] = data
        y_train[(i - 1) * BATCH_SIZE: i * BATCH_SIZE] = labels
    x_test, y_test = _files.load_batch(os.path.join(path, "test_batch"))
    return _files.images_layout(x_train, y_train, x_test, y_test)
