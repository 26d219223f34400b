"""Keras 1.2.2's `keras.utils.io_utils`: `HDF5Matrix`, an HDF5 dataset (or a slice of it)
read as an array, and `save_array`/`load_array` (bcolz in Keras 1: not supported)."""

import collections

import h5py
import numpy as np


class HDF5Matrix:
    """Rows `start` to `end` of the dataset `dataset` in the HDF5 file `datapath`, indexed
    as Keras 1 indexed them (an int, a slice with a stop, an int array or list), each read
    passed through `normalizer` if given. Files are opened read-only, once per path."""

    refs = collections.defaultdict(int)

    def __init__(self, datapath, dataset, start=0, end=None, normalizer=None):
        if datapath not in self.refs:
            self.refs[datapath] = h5py.File(datapath, "r")
        self.data = self.refs[datapath][dataset]
        self.start = start
        self.end = self.data.shape[0] if end is None else end
        self.normalizer = normalizer

    def __len__(self):
        return self.end - self.start

    def _index(self, key):
        if isinstance(key, slice):
            if key.stop + self.start <= self.end:
                return slice((key.start or 0) + self.start, key.stop + self.start)
        elif isinstance(key, (int, np.integer)):
            if key + self.start < self.end:
                return int(key) + self.start
        elif isinstance(key, (np.ndarray, list)):
            if max(key) + self.start < self.end:
                return [int(x) + self.start for x in key]
        raise IndexError(f"HDF5Matrix: index {key!r} is beyond its {len(self)} rows")

    def __getitem__(self, key):
        data = self.data[self._index(key)]
        return data if self.normalizer is None else self.normalizer(data)

    @property
    def shape(self):
        return (self.end - self.start,) + self.data.shape[1:]
