"""Keras 1 weight groups → the variables of a converted (or hand-built) Keras 3 model.

Layers are matched by name, or by order when no name matches (files whose layer names were
changed); a nested model's group holds its layers' weights, matched to them by weight-name
prefix, else in layer order, else all trainable weights first (as some releases wrote
them). Layouts that older releases wrote are brought to today's (`OLD_LAYOUTS`).

Datasets are read one at a time, just before they are assigned (`fill.fill`): into the
variable's memory where it has its own, else big ones in slices of `SLICE_BYTES` written in
place: loading a VGG16 holds no second copy of its 392 MiB Dense kernel. Under `load_model`
most are already in place: a thread read them into the variables' memory while the model
was built (`read_ahead`), and only those a variable does not hold are read here. Every shape is checked from the file's metadata
before anything is read (`assign`), and every dataset that might fail to read is read
before anything is assigned: a failed load leaves the model as it was.
"""

import contextlib
import math
import warnings

import keras
import numpy as np

from legacy_conv.load import _host_memory
from legacy_conv.load import fill
from legacy_conv.load import read_ahead
from legacy_conv.errors import ConversionError
from legacy_conv.spec import releases
from legacy_conv.spec import weights as weight_spec

# Keras 1 class -> the transpose that turns its pre-1.1 kernel layout into today's (applied
# where the shapes say so: files of 1.0.x record no release).
OLD_LAYOUTS = {name: tuple(weight_spec.permutation(
    old, weight_spec.KERNEL_LAYOUTS[("conv1d", None)][0], 1))
    for name, old in releases.OLD_LAYOUTS.items()}

# Keras 3 layer class -> f(arrays, layer) giving that layer's weights from Keras 1's arrays,
# for layers whose Keras 1 weights were split or ordered differently (filled by the modules
# that convert those layers, e.g. the recurrent ones).
TRANSFORMS = {}
# Keras 3 layer class -> f(arrays, layer) giving Keras 1's arrays back from that layer's
# weights (TRANSFORMS' inverse, filled beside it), for files in Keras 1's layout
# (`legacy_conv.keras1`'s `save_weights`).
INVERSES = {}

# Datasets bigger than this are assigned in slices of about this size (bytes).
SLICE_BYTES = 16 << 20

# What h5py (and decoding) raise on a damaged file.
READ_ERRORS = (OSError, RuntimeError, LookupError, ValueError, TypeError, ArithmeticError)


@contextlib.contextmanager
def damaged(file=None, layer=None, field=None):
    """Within it, a failure of h5py is a `ConversionError` naming the file (and where)."""
    try:
        yield
    except ConversionError:
        raise
    except READ_ERRORS as error:
        reason = " ".join(str(error).split())[:200] or type(error).__name__
        raise ConversionError(f"could not be read ({reason}); the file is damaged or is not "
                              "a Keras 1 file", file=file, layer=layer, field=field,
                              has_value=False) from None


class Stored:
    """A weight still in the file: its shape now, its values when they are assigned.

    `np.asarray(stored)` reads it (transposed by `perm`, for old layouts); `fill.fill`
    writes it straight into a variable's memory (`write_to`), else assigns it through a
    reused buffer, in slices of rows when it is big (`assign_to`).
    """

    def __init__(self, dataset, perm=None, scratch=None):
        self.dataset = dataset
        self.perm = perm
        self.scratch = scratch
        shape = tuple(dataset.shape)
        self.shape = shape if perm is None else tuple(shape[p] for p in perm)
        self.ndim = len(shape)
        self.dtype = dataset.dtype

    def stand_in(self):
        """An array of its shape and dtype that holds no memory (for checking shapes)."""
        return np.broadcast_to(np.ones((), self.dtype), self.shape)

    def transpose(self, perm):
        return Stored(self.dataset, perm, self.scratch)

    def __array__(self, dtype=None, copy=None):
        array = np.asarray(self.dataset[()], dtype=dtype)
        return array if self.perm is None else array.transpose(self.perm)

    def __getitem__(self, key):
        """Part of its values (e.g. a slice of rows), read alone where it has no `perm`."""
        return self.dataset[key] if self.perm is None else np.asarray(self)[key]

    def write_to(self, out):
        """Reads the dataset into `out`, a variable's own memory (unless a reader already
        put this very dataset there, see `read_ahead`)."""
        if self.perm is not None or self.dataset.dtype != out.dtype:
            out[...] = np.asarray(self, dtype=out.dtype)
        elif _host_memory.filled_with(out) != read_ahead.source(self.dataset):
            self.dataset.read_direct(out)

    def assign_to(self, variable):
        """Reads the dataset into `variable` through `scratch`, in slices of rows when it
        is big."""
        target = variable.value  # on Keras 3's TensorFlow backend, a tf.Variable
        dtype = np.dtype(variable.dtype)
        rows = self.shape[0] if self.shape else 0
        step = max(1, SLICE_BYTES // max(1, dtype.itemsize * int(np.prod(self.shape[1:]))))
        if self.perm is not None or rows == 0 or (
                step < rows and not hasattr(target, "scatter_update")):
            variable.assign(np.asarray(self, dtype=dtype))
            return
        scratch = self.scratch or Scratch()
        for start in range(0, rows, step):
            stop = min(rows, start + step)
            part = scratch.array((stop - start,) + self.shape[1:], dtype)
            if self.dataset.dtype == dtype:
                self.dataset.read_direct(part, np.s_[start:stop])
            else:
                part[...] = self.dataset[start:stop]  # NumPy's cast, as Keras 1 did
            if stop - start == rows:  # shapes checked: TensorFlow's assign, without Keras'
                (target if hasattr(target, "scatter_update") else variable).assign(part)
            else:
                import tensorflow as tf

                target.scatter_update(tf.IndexedSlices(part, tf.range(start, stop)))


class Scratch:
    """One buffer reused for every read (no fresh memory to fault in per dataset)."""

    def __init__(self):
        self.buffer = np.empty(0, dtype=np.uint8)

    def array(self, shape, dtype):
        size = int(np.prod(shape)) * dtype.itemsize
        if size > self.buffer.size:
            self.buffer = np.empty(size, dtype=np.uint8)
        return self.buffer[:size].view(dtype).reshape(shape)


def stored(dataset, scratch=None):
    """A `Stored` dataset where reading it later cannot fail, else its values now.

    Later reads are safe for a contiguous dataset whose data lies within the file (what
    every Keras 1 release wrote); others (chunked, compressed, external) are read at once,
    so that a damaged file fails before anything is assigned.
    """
    if dataset.chunks is not None or dataset.is_virtual or dataset.external:
        return np.asarray(dataset[()])
    offset = dataset.id.get_offset()
    if offset is not None and offset + dataset.id.get_storage_size() > \
            dataset.file.id.get_filesize():
        return np.asarray(dataset[()])
    return Stored(dataset, scratch=scratch)


def leaves(layer):
    """The layers holding weights, nested models flattened, in order."""
    if isinstance(layer, keras.Model):
        return [leaf for sub in layer.layers for leaf in leaves(sub)]
    return [layer] if layer.weights else []


def _keras1_class(layer):
    inner = getattr(layer, "layer", None)
    return type(inner if inner is not None else layer).__name__


def _fit_layouts(layer, arrays):
    expected = [tuple(v.shape) for v in layer.weights]
    perm = OLD_LAYOUTS.get(_keras1_class(layer))
    if perm is None:
        return arrays
    return [a.transpose(perm) if a.ndim == len(perm) and a.shape != e
            and a.transpose(perm).shape == e else a for a, e in zip(arrays, expected)]


def _fit_running_std(layer, arrays, keras_version, keras1_backend):
    """BatchNormalization's `running_std` as the variance today's formula needs, for the
    releases (and backends) whose inference used it otherwise (`OLD_RUNNING_STD`)."""
    from legacy_conv.layers import normalization
    if _keras1_class(layer) != "BatchNormalization" or \
            releases.running_std(keras_version, keras1_backend) is None:
        return arrays
    arrays = list(arrays)
    arrays[3] = normalization.running_std_as_variance(
        np.asarray(arrays[3]), layer.epsilon, keras_version, keras1_backend)
    return arrays


def _fit_shared_alphas(layer, arrays):
    """PReLU alphas shared over axes that the model's layer does not share.

    Keras 1.2.2 did not save `shared_axes`; a model built from its JSON alone has one alpha
    per position. Broadcasting gives the same predictions (but trains them separately).
    """
    if not isinstance(layer, keras.layers.PReLU) or len(arrays) != 1:  # Keras1PReLU too
        return arrays
    expected = tuple(layer.weights[0].shape)
    if arrays[0].shape == expected:
        return arrays
    try:
        wide = np.broadcast_to(arrays[0], expected).copy()
    except ValueError:
        return arrays
    warnings.warn(
        f'PReLU layer "{layer.name}": the file shares its alphas over the axes where they have '
        f"size 1 {arrays[0].shape}, which Keras 1 did not save in the config; they are "
        f"broadcast to {expected} (same predictions; use load_model on a model.save() file, "
        "which reads shared_axes from the weights, to keep them shared in training).",
        stacklevel=4)
    return [wide]


def _where(layer):
    return f'"{layer.name}" ({_keras1_class(layer)})'


def _check_sizes(layer, named_arrays):
    """No array in the file bigger than all of `layer`'s variables together (shapes only:
    a file declaring a huge array fails before anything is read or allocated)."""
    room = sum(math.prod(v.shape) for v in layer.weights)
    for name, array in named_arrays:
        if math.prod(array.shape) > room:
            raise ConversionError(
                f"has shape {tuple(array.shape)} in the file ({math.prod(array.shape):,} "
                f"values) but the model's layer holds {room:,} values in all",
                layer=_where(layer), field=name, has_value=False)


def _check_shapes(layer, named_arrays, keras_version, keras1_backend):
    """`_prepared` on stand-ins of the stored arrays: every shape checked, nothing read."""
    stand_ins = [(name, array.stand_in()) for name, array in named_arrays]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # they are given when the weights are prepared
            _prepared(layer, stand_ins, keras_version, keras1_backend)
    except ConversionError:
        raise
    except (ValueError, IndexError) as error:  # a transform's arrays that do not fit
        raise ConversionError(
            f"has weights in the file that do not fit the model's layer ({error}); shapes "
            f"in the file: {[tuple(a.shape) for _, a in named_arrays]}",
            layer=_where(layer), field="weights", has_value=False) from None


def _prepared(layer, named_arrays, keras_version, keras1_backend):
    """The arrays to assign to `layer`, in its layout, every shape checked."""
    names = [n for n, _ in named_arrays]
    arrays = [a for _, a in named_arrays]
    where = _where(layer)
    transform = TRANSFORMS.get(type(layer).__name__)
    if transform is not None:
        arrays = transform(arrays, layer)
        names = [f"{type(layer).__name__} weight {i}" for i in range(len(arrays))]
    if len(arrays) != len(layer.weights):
        raise ConversionError(
            f"has {len(arrays)} weights in the file ({', '.join(names)}) but the model's "
            f"layer has {len(layer.weights)}", layer=where, field="weights", has_value=False)
    arrays = _fit_running_std(layer, _fit_layouts(layer, arrays), keras_version,
                              keras1_backend)
    arrays = _fit_shared_alphas(layer, arrays)
    for name, array, variable in zip(names, arrays, layer.weights):
        if tuple(array.shape) != tuple(variable.shape):
            raise ConversionError(
                f"has shape {tuple(array.shape)} in the file but the model expects "
                f"{tuple(variable.shape)}", layer=where, field=name, has_value=False)
    return arrays


def _split_nested(model, named_arrays):
    """Each leaf layer's (name, array) pairs from a nested model's group."""
    nested = leaves(model)
    names = [n for n, _ in named_arrays]
    by_prefix = []
    for leaf in nested:
        # Keras 1 named a Bidirectional's weights after its forward and backward layers.
        inner = [getattr(leaf, key, None) for key in ("forward_layer", "backward_layer")]
        prefixes = tuple(f"{layer.name}_" for layer in (leaf, *inner) if layer is not None)
        mine = [p for p in named_arrays if p[0].split(":")[0].startswith(prefixes)]
        by_prefix.append(mine)
    if sum(map(len, by_prefix)) == len(names) and all(
            len(m) == len(leaf.weights) or type(leaf).__name__ in TRANSFORMS
            for m, leaf in zip(by_prefix, nested)):
        return list(zip(nested, by_prefix))
    in_order, start = [], 0
    for leaf in nested:
        in_order.append((leaf, named_arrays[start:start + len(leaf.weights)]))
        start += len(leaf.weights)
    if _shapes_fit(in_order):
        return in_order
    slots = [(leaf, i) for leaf in nested for i, v in enumerate(leaf.weights) if v.trainable]
    slots += [(leaf, i) for leaf in nested for i, v in enumerate(leaf.weights)
              if not v.trainable]
    grouped = {id(leaf): [None] * len(leaf.weights) for leaf in nested}
    for (leaf, i), pair in zip(slots, named_arrays):
        grouped[id(leaf)][i] = pair
    return [(leaf, grouped[id(leaf)]) for leaf in nested]


def _shapes_fit(pairs):
    return all(len(p) == len(leaf.weights) and all(
        tuple(a.shape) == tuple(v.shape) for (_, a), v in zip(p, leaf.weights))
        for leaf, p in pairs)


def _renamed(file_names, names):
    """{Keras 1 name: model layer name} where the model differs only by the names with '/'
    that the converter renamed (`graph.renaming`), in the same order; else None."""
    from legacy_conv.convert.graph import is_renamed  # convert imports this module

    left = [n for n in names if n not in file_names]
    out = {}
    for name in file_names:
        if name in names:
            out[name] = name
            continue
        found = next((n for n in left if is_renamed(name, n)), None)
        if found is None:
            return None
        left.remove(found)
        out[name] = found
    return out if len(set(out.values())) == len(names) else None


def _match(model, groups):
    layers = [layer for layer in model.layers if layer.weights]
    by_name = {layer.name: layer for layer in layers}
    file_names = [name for name, _ in groups]
    if set(file_names) == set(by_name):
        return [(by_name[name], datasets) for name, datasets in groups]
    renamed = _renamed(file_names, [layer.name for layer in layers])
    if renamed is not None:
        return [(by_name[renamed[name]], datasets) for name, datasets in groups]
    if len(file_names) == len(layers):
        warnings.warn(
            "The weight file's layer names do not match the model's "
            f"({', '.join(sorted(set(file_names) - set(by_name))[:5])}); matching layers "
            "by order instead.", stacklevel=3)
        return list(zip(layers, (d for _, d in groups)))
    missing = sorted(set(by_name) - set(file_names))
    extra = sorted(set(file_names) - set(by_name))
    raise ConversionError(
        f"does not match the model: {len(file_names)} layers with weights in the file, "
        f"{len(layers)} in the model; in the model only: {missing or 'none'}; in the file "
        f"only: {extra or 'none'}", field="layer_names", has_value=False)


def _plan(model, groups):
    """[(leaf layer, [(weight name, Stored)])], every size and shape checked, nothing read."""
    plan = []
    for layer, datasets in _match(model, groups):
        named = [(name, Stored(ds)) for name, ds in datasets]
        if isinstance(layer, keras.Model):
            plan.extend(_split_nested(layer, named))
        else:
            plan.append((layer, named))
    for layer, named in plan:
        if any(p is None for p in named):
            raise ConversionError("has fewer weights in the file than the model expects",
                                  layer=f'"{layer.name}"', has_value=False)
        _check_sizes(layer, named)
    return plan


def check(model, groups, keras_version, ctx):
    """The plan of `assign`, every layer's weights in the file checked against `model` from
    metadata alone (its variables need no values: `inspect` checks a model built without)."""
    plan = _plan(model, groups)
    for layer, named in plan:
        _check_shapes(layer, named, keras_version, ctx.keras1_backend)
    return plan


def assign(model, groups, keras_version, ctx, wait=None):
    """Checks every layer's shapes from the file's metadata, then reads what may fail to
    read (`stored`), then fills the variables (`fill.fill`): a mismatch or a damaged
    dataset leaves the model untouched. Variables whose memory a reader may be filling
    come last, after `wait()`."""
    prepared = _read(check(model, groups, keras_version, ctx), keras_version, ctx)
    pairs = [(array, variable, layer) for layer, arrays in prepared
             for array, variable in zip(arrays, layer.weights)]
    shared = [_host_memory.writable(variable) is not None for _, variable, _ in pairs]
    for (array, variable, layer), late in zip(pairs, shared):
        if not late:
            _fill(variable, array, layer)
    if wait is not None:
        wait()  # a reader may still be filling the others
    for (array, variable, layer), late in zip(pairs, shared):
        if late:
            _fill(variable, array, layer)


def in_model_layouts(model, groups, keras_version, keras1_backend, arrays_by_name):
    """{id(variable): array}: arrays named as the file's weights (each of its weight's shape:
    e.g. one slot of a Keras 1 optimizer's state) put into `model`'s layouts as `assign` puts
    the file's weights (the same transforms, `TRANSFORMS`' gate concatenations included);
    a weight not named gets zeros."""
    out = {}
    for layer, named in _plan(model, groups):
        given = [(name, np.asarray(arrays_by_name[name]) if name in arrays_by_name
                  else np.zeros(stored.shape, stored.dtype)) for name, stored in named]
        for array, variable in zip(_prepared(layer, given, keras_version, keras1_backend),
                                   layer.weights):
            out[id(variable)] = np.asarray(array)
    return out


def fill_native(model, groups, keras_version, ctx, plan):
    """`assign` through `plan`, the `NativePlan` of `model` (a legacy model built without
    values): each legacy layer's weights go from the file into the native model's variables
    (`NativePlan.fill`), one layer at a time; nothing holds the legacy weights."""
    plan.fill(_read(check(model, groups, keras_version, ctx), keras_version, ctx), _fill)


def _read(plan, keras_version, ctx):
    """[(layer, its weights to assign)] of `check`'s plan: read where reading later might
    fail (`stored`), else still in the file."""
    prepared, scratch = [], Scratch()
    for layer, named in plan:
        with damaged(layer=_where(layer)):
            read = [(name, stored(array.dataset, scratch)) for name, array in named]
            prepared.append((layer, _prepared(layer, read, keras_version,
                                              ctx.keras1_backend)))
    return prepared


def _fill(variable, array, layer):
    source = getattr(array, "array", array)  # the weight a `handlers.Rows` reorders
    reading = damaged(layer=_where(layer), field=source.dataset.name) \
        if isinstance(source, Stored) else contextlib.nullcontext()
    with reading:
        fill.fill(variable, array)
