"""Keras 1 HDF5 files: `model.save()` and `model.save_weights()` files of every release.

A file holds (optionally) `model_config`, `training_config` and `keras_version` attributes,
and layer groups (under `model_weights` in model files) listed in `layer_names`, each with
`weight_names`. Strings are bytes when h5py 2 wrote them (users' files) and str otherwise.

Files come from strangers, so everything is checked from metadata before it is read: an
attribute's type and size before its value, every link and dataset (external links,
external storage, virtual datasets, filters, dtypes, shapes) in one walk before any weight
(`layer_groups`); nothing outside the file is ever opened, and any failure of h5py is a
`ConversionError` naming the file and what was being read (`weights.damaged`).
"""

import json
import math
import mmap
import os

import h5py
import numpy as np

from legacy_conv.load import read_ahead
from legacy_conv.load import weights as weight_rules
from legacy_conv.errors import ConversionError
from legacy_conv.spec.weights import STORED_DTYPE_KINDS

# The most entries one `layer_names` or `weight_names` attribute may declare.
MAX_NAMES = 100_000

# The most soft links followed to reach one object (a loop of them ends here).
MAX_LINK_HOPS = 32

def text(value):
    if isinstance(value, (bytes, np.bytes_)):
        return value.decode("utf-8")
    if isinstance(value, np.ndarray) and value.shape == ():
        return text(value[()])
    return str(value)


def _is_string(dtype):
    return dtype.kind in "SU" or h5py.check_string_dtype(dtype) is not None


def _is_vlen_string(dtype):
    info = h5py.check_string_dtype(dtype)
    return info is not None and info.length is None


def _global_heap_problem(path, length_size):
    """What is wrong with the file's global heap collections (where variable-length strings
    lie), or None. HDF5 walks a collection's objects by their declared sizes and loops
    forever on a size of 0, so each is walked here first, the same way."""
    header = 8 + length_size  # "GCOL", version 1, 3 reserved; then the size (both alike)
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
        start = data.find(b"GCOL")
        while start >= 0:
            if data[start + 4:start + 8] == b"\x01\0\0\0":
                end = start + int.from_bytes(data[start + 8:start + header], "little")
                at = start + header
                while end <= len(data) and at + header <= end:
                    index = int.from_bytes(data[at:at + 2], "little")
                    size = int.from_bytes(data[at + 8:at + header], "little")
                    step = header + -(-size // 8) * 8 if index else size
                    if not 0 < step <= end - at:
                        return (f"has a damaged global heap at byte {start} (its object "
                                f"{index} declares {size} bytes)")
                    at += step
            start = data.find(b"GCOL", start + 1)
    return None


def _dataset_problem(dataset):
    """Why `dataset` cannot be read as a weight (from its metadata), or None."""
    plist = dataset.id.get_create_plist()
    layout = plist.get_layout()
    if layout == h5py.h5d.VIRTUAL:
        return ("is a virtual dataset (its data lies in other datasets or files); only data "
                "inside the file is read")
    if plist.get_external_count():
        return ("stores its data outside the file (HDF5 external storage); only data inside "
                "the file is read")
    shape, dtype = dataset.shape, dataset.dtype
    if shape is None:
        return "holds no data (an HDF5 null dataspace)"
    if dtype.kind not in STORED_DTYPE_KINDS or dtype.fields or dtype.subdtype:
        return (f"has dtype {dtype}; the weights read are "
                f"{', '.join(STORED_DTYPE_KINDS.values())} numbers")
    if layout == h5py.h5d.CHUNKED:
        chunks = plist.get_chunk()
        if len(chunks) != len(shape) or not all(chunks):
            return f"declares chunks {chunks} that do not fit its shape {shape}"
    for index in range(plist.get_nfilters()):
        code, _, _, name = plist.get_filter(index)
        if not h5py.h5z.filter_avail(code):
            return (f"needs HDF5 filter {code} ({text(name) or 'unnamed'}), which is not "
                    "available here")
    return None


class Keras1File:
    """An open Keras 1 HDF5 file; use as a context manager."""

    def __init__(self, path):
        self.path = str(path)
        self._groups = None
        self._weights_group = None
        self._heaps_checked = False
        if not os.path.isfile(self.path):
            raise ConversionError("does not exist or is not a file", file=self.path)
        self._size = os.path.getsize(self.path)
        self.file = None
        try:
            self.file = h5py.File(self.path, "r")
            self.attrs = self.file.attrs  # opens the root group
        except weight_rules.READ_ERRORS as error:
            if self.file is not None:
                self.file.close()
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
        """A `read_ahead.ReadAhead` of every weight dataset: entered within `fill.filling()`
        (`initializers.skip_random_draws()`), it reads them while the model is built."""
        return read_ahead.ReadAhead(self.path, [
            ds for _, datasets in self.layer_groups() for _, ds in datasets])

    def __exit__(self, *exc):
        self.file.close()

    # -- attributes ------------------------------------------------------------------------
    def _attr(self, attrs, key, many=False):
        """The string (`many`: list of strings) attribute `key`, None where absent; its
        type and size are checked before its value is read."""
        with weight_rules.damaged(self.path, field=key):
            if key not in attrs:
                return None
            attr = attrs.get_id(key)
            shape, dtype = attr.shape, attr.dtype
            size = math.prod(shape) if shape is not None else 0
            if shape is None or size == 0:
                return [] if many else None
            if len(shape) > 1 or (not many and size != 1) or size > MAX_NAMES:
                wanted = f"a list of at most {MAX_NAMES} names" if many else "one string"
                raise ConversionError(f"has shape {shape}; it must be {wanted}",
                                      file=self.path, field=key, has_value=False)
            if not _is_string(dtype) or dtype.itemsize * size > self._size:
                raise ConversionError(f"has dtype {dtype}; it must hold strings",
                                      file=self.path, field=key, has_value=False)
            if _is_vlen_string(dtype):
                self._check_global_heaps()
            try:  # h5py gives undecodable bytes as lone surrogates
                values = [text(v) for v in np.atleast_1d(attrs[key])]
                for value in values:
                    value.encode("utf-8")
            except UnicodeError as error:
                raise ConversionError(f"is not UTF-8 text ({error.reason} at position "
                                      f"{error.start})", file=self.path, field=key,
                                      has_value=False) from None
        return values if many else values[0]

    def _check_global_heaps(self):
        """Before the first variable-length string is read (h5py 3 writes them; h5py 2,
        which wrote users' files, wrote fixed-length ones)."""
        if not self._heaps_checked:
            problem = _global_heap_problem(
                self.path, self.file.id.get_create_plist().get_sizes()[1])
            if problem:
                raise ConversionError(problem, file=self.path)
            self._heaps_checked = True

    def _json_attr(self, key):
        raw = self._attr(self.attrs, key)
        if raw is None:
            return None
        try:
            return json.loads(raw)
        except json.JSONDecodeError as error:
            raise ConversionError(f"is not valid JSON ({error.msg})", file=self.path,
                                  field=key, value=raw[:80]) from None

    def model_config(self):
        config = self._attr(self.attrs, "model_config")
        if config is None:
            raise ConversionError(
                "holds no model config: it is a weights file (model.save_weights)",
                file=self.path, hint="Build the model from its JSON with "
                "legacy_conv.model_from_json and call legacy_conv.load_weights(model, file)")
        return config

    def training_config(self):
        return self._json_attr("training_config")

    @property
    def keras_version(self):
        for attrs in (self.attrs, self.weights_group().attrs):
            version = self._attr(attrs, "keras_version")
            if version is not None:
                return version
        return None

    def weights_group(self):
        if self._weights_group is None:
            group = self._find(self.file, "model_weights")
            self._weights_group = self.file if group is None else group
            if not isinstance(self._weights_group, h5py.Group):
                raise ConversionError("is not a group of layers", file=self.path,
                                      field="/model_weights", has_value=False)
        return self._weights_group

    # -- links -----------------------------------------------------------------------------
    def _find(self, group, name, layer=None, hops=0):
        """`group[name]` (None where absent), reached link by link within this file: soft
        links are followed, links to other files refused before they are opened."""
        node = self.file if name.startswith("/") else group
        with weight_rules.damaged(self.path, layer=layer, field=name):
            for part in (p for p in name.split("/") if p not in ("", ".")):
                if not isinstance(node, h5py.Group):
                    return None
                if part not in node:
                    return None
                try:
                    link = node.get(part, getlink=True)
                except TypeError:  # a user-defined link: who knows where it leads
                    link = None
                if isinstance(link, h5py.HardLink):
                    node = node[part]
                elif isinstance(link, h5py.SoftLink) and hops < MAX_LINK_HOPS:
                    node = self._find(node, link.path, layer, hops + 1)
                    if node is None:
                        return None
                else:
                    raise ConversionError(self._link_problem(link), file=self.path,
                                          layer=layer, field=f"{node.name}/{part}",
                                          has_value=False)
        return node

    @staticmethod
    def _link_problem(link):
        if isinstance(link, h5py.ExternalLink):
            return (f"is a link to another file ({link.filename}:{link.path}, an HDF5 "
                    "external link); only data inside the file is read")
        if isinstance(link, h5py.SoftLink):
            return f"is reached through more than {MAX_LINK_HOPS} soft links (a loop?)"
        return "is a user-defined HDF5 link; only data inside the file is read"

    # -- weights --------------------------------------------------------------------------
    def layer_groups(self):
        """[(layer_name, [(weight_name, dataset)])] in the file's order, weighted ones only
        (read once: the file is open read-only), every dataset checked from metadata."""
        if self._groups is None:
            self._groups = self._layer_groups()
        return self._groups

    def layer_names(self):
        """Every layer the file lists (with or without weights), in its order."""
        layer_names = self._attr(self.weights_group().attrs, "layer_names", many=True)
        if layer_names is None:
            raise ConversionError("holds no Keras 1 weights (no 'layer_names' attribute)",
                                  file=self.path)
        return layer_names

    def _layer_groups(self):
        group = self.weights_group()
        layer_names = self.layer_names()
        out = []
        for layer_name in layer_names:
            where = f'"{layer_name}"'
            g = self._find(group, layer_name, where)
            if not isinstance(g, h5py.Group):
                raise ConversionError("is listed in 'layer_names' but has no group "
                                      "(a truncated file?)", file=self.path, layer=where)
            datasets = []
            for weight_name in self._attr(g.attrs, "weight_names", many=True) or []:
                ds = self._find(g, weight_name, where)
                if not isinstance(ds, h5py.Dataset):
                    raise ConversionError("is listed but missing (a truncated file?)",
                                          file=self.path, layer=where,
                                          field=weight_name, has_value=False)
                with weight_rules.damaged(self.path, layer=where, field=ds.name):
                    problem = _dataset_problem(ds)
                if problem:
                    raise ConversionError(problem, file=self.path, layer=where,
                                          field=ds.name, has_value=False)
                datasets.append((weight_name, ds))
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
        self._weights(weight_rules.assign, model, ctx, keras_version, wait)

    def fill_native(self, plan, model, ctx, keras_version=None):
        """Fills the native model of `plan` (a `NativePlan` of `model`, the legacy model
        built without values) from the file's weights (`weights.fill_native`)."""
        self._weights(weight_rules.fill_native, model, ctx, keras_version, plan)

    def check_fit(self, model, ctx, keras_version=None):
        """Checks that the file's weights fit `model` (built with or without values), from
        metadata: nothing is read (`weights.check`)."""
        self._weights(weight_rules.check, model, ctx, keras_version)

    def _weights(self, step, model, ctx, keras_version, *args):
        try:
            step(model, self.layer_groups(), self.keras_version or keras_version, ctx, *args)
        except ConversionError as error:
            raise error.located(file=self.path) from None
        except OSError as error:
            raise ConversionError(f"could not be read ({error}); the file may be truncated",
                                  file=self.path) from None
