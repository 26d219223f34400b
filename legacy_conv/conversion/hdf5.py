"""Keras 1 HDF5 files: `model.save()` and `model.save_weights()` files of every release.

A file holds (optionally) `model_config`, `training_config` and `keras_version` attributes,
and layer groups (under `model_weights` in model files) listed in `layer_names`, each with
`weight_names`. Strings are bytes when h5py 2 wrote them (users' files) and str otherwise.
"""

import json
import os

import h5py
import numpy as np

from legacy_conv.conversion import read_ahead
from legacy_conv.conversion import weights as weight_rules
from legacy_conv.errors import ConversionError


def text(value):
    if isinstance(value, (bytes, np.bytes_)):
        return value.decode("utf-8")
    if isinstance(value, np.ndarray) and value.shape == ():
        return text(value[()])
    return str(value)


def names(attrs, key):
    value = attrs.get(key)
    if value is None:
        return []
    return [text(v) for v in np.atleast_1d(value)] if np.size(value) else []


class Keras1File:
    """An open Keras 1 HDF5 file; use as a context manager."""

    def __init__(self, path):
        self.path = str(path)
        self._groups = None
        if not os.path.isfile(self.path):
            raise ConversionError("does not exist or is not a file", file=self.path)
        try:
            self.file = h5py.File(self.path, "r")
        except OSError as error:
            raise ConversionError(f"is not a readable HDF5 file ({error})",
                                  file=self.path) from None

    def __enter__(self):
        return self

    def prefetch(self):
        """Asks the OS to start reading the file now, so that a load reads it from memory
        while it builds the model first (Linux; elsewhere nothing)."""
        if not hasattr(os, "posix_fadvise"):
            return
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except OSError:
            return
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_WILLNEED)
        except OSError:
            pass
        finally:
            os.close(fd)

    def read_ahead(self):
        """A `read_ahead.ReadAhead` of every weight dataset: entered within
        `initializers.skip_random_draws()`, it reads the big ones while the model is built."""
        return read_ahead.ReadAhead(self.path, [
            ds for _, datasets in self.layer_groups() for _, ds in datasets])

    def __exit__(self, *exc):
        self.file.close()

    # -- attributes ------------------------------------------------------------------------
    def _json_attr(self, key):
        if key not in self.file.attrs:
            return None
        raw = text(self.file.attrs[key])
        try:
            return json.loads(raw)
        except json.JSONDecodeError as error:
            raise ConversionError(f"is not valid JSON ({error.msg})", file=self.path,
                                  field=key, value=raw[:80]) from None

    def model_config(self):
        if "model_config" not in self.file.attrs:
            raise ConversionError(
                "holds no model config: it is a weights file (model.save_weights)",
                file=self.path, hint="Build the model from its JSON with "
                "legacy_conv.model_from_json and call legacy_conv.load_weights(model, file)")
        return text(self.file.attrs["model_config"])

    def training_config(self):
        return self._json_attr("training_config")

    @property
    def keras_version(self):
        for attrs in (self.file.attrs, self.weights_group().attrs):
            if "keras_version" in attrs:
                return text(attrs["keras_version"])
        return None

    def weights_group(self):
        return self.file["model_weights"] if "model_weights" in self.file else self.file

    # -- weights --------------------------------------------------------------------------
    def layer_groups(self):
        """[(layer_name, [(weight_name, dataset)])] in the file's order, weighted ones only
        (read once: the file is open read-only)."""
        if self._groups is None:
            self._groups = self._layer_groups()
        return self._groups

    def _layer_groups(self):
        group = self.weights_group()
        if "layer_names" not in group.attrs:
            raise ConversionError("holds no Keras 1 weights (no 'layer_names' attribute)",
                                  file=self.path)
        out = []
        for layer_name in names(group.attrs, "layer_names"):
            try:
                g = group[layer_name]
            except KeyError:
                raise ConversionError("is listed in 'layer_names' but has no group "
                                      "(a truncated file?)", file=self.path,
                                      layer=f'"{layer_name}"') from None
            datasets = []
            for weight_name in names(g.attrs, "weight_names"):
                try:
                    datasets.append((weight_name, g[weight_name]))
                except KeyError:
                    raise ConversionError("is listed but missing (a truncated file?)",
                                          file=self.path, layer=f'"{layer_name}"',
                                          field=weight_name, has_value=False) from None
            if datasets:
                out.append((layer_name, datasets))
        return out

    def weight_shapes(self):
        """{weight name: shape}, read from the file without loading data (a nested model's
        group holds its layers' weights, named after those layers)."""
        return {weight: tuple(ds.shape) for _, datasets in self.layer_groups()
                for weight, ds in datasets}

    def load_into(self, model, ctx, keras_version=None, wait=None):
        """Assigns the file's weights to `model`'s layers (see `weights.assign`);
        `keras_version` is the writer's release where the file does not record it; `wait`
        (a `ReadAhead`'s `finish`) is called before any variable it may be filling."""
        try:
            weight_rules.assign(model, self.layer_groups(), self.keras_version or keras_version,
                                ctx, wait)
        except ConversionError as error:
            raise error.located(file=self.path) from None
        except OSError as error:
            raise ConversionError(f"could not be read ({error}); the file may be truncated",
                                  file=self.path) from None
