"""Keras 1.2.2's `keras.datasets`: `mnist`, `cifar10`, `cifar100`, `imdb`, `reuters`.

Each `load_data` reads the file Keras 1 downloaded, from Keras 1's cache
(`~/.keras/datasets/`), and returns Keras 1's layout: CIFAR images channels first unless
`image_dim_ordering()` is 'tf', labels as (samples, 1) columns; IMDB and Reuters shuffled
with NumPy's generator seeded with `seed` and filtered as Keras 1 did. legacy_conv does
not download: a missing file is refused naming its URL and the path to save it at
(`utils.data_utils.get_file`). The files are pickles: load only ones you downloaded.
"""

from legacy_conv.keras1.datasets import cifar10, cifar100, imdb, mnist, reuters  # noqa: F401
