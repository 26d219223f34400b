"""Keras 1.2.2's `keras.preprocessing.image`: `ImageDataGenerator` with Keras 1's arguments
and defaults, its `flow`/`flow_from_directory` iterators, and the transforms it composes.

Random draws come from NumPy's global generator in Keras 1's order, so `np.random.seed` (or
`flow(..., seed=...)`) gives Keras 1's batches. Keras 1 resampled with scipy.ndimage's
`affine_transform(order=0)`; `affine_transform` here is that, in NumPy (nearest neighbour,
scipy's modes: 'nearest', 'constant' (inside only on [0, n - 1]), 'reflect', and 'wrap' of
period n - 1). Images (`load_img`, `array_to_img`, `save_to_dir`) need PIL, as in Keras 1.
"""

import os
import re
import threading
import warnings

import numpy as np

from legacy_conv import _validation
from legacy_conv import backend
from legacy_conv.spec import utils as spec

FLOATX = "float32"
EPSILON = 1e-7


def _pil():
    try:
        from PIL import Image
    except ImportError:
        raise ImportError("keras1.preprocessing.image: loading and saving images needs PIL "
                          "(pip install pillow), as Keras 1's did") from None
    return Image


# -- scipy.ndimage's order-0 affine_transform, in NumPy ----------------------------------------
def _wrap(c, n):
    period = max(n - 1, 1)
    c = np.where(c < 0, c + period * (np.floor(-c / period) + 1), c)
    return np.where(c > n - 1, c - period * np.floor(c / period), c)


def _reflect(c, n):
    c = np.mod(c + 0.5, 2 * n) - 0.5
    return np.where(c > n - 0.5, 2 * n - 1 - c, c)


# fill_mode -> the coordinate it reads for a coordinate `c` on an axis of length `n`.
_MAP = {"nearest": lambda c, n: np.clip(c, 0, n - 1), "constant": lambda c, n: c,
        "reflect": _reflect, "wrap": _wrap}


def affine_transform(channel, matrix, offset, fill_mode="nearest", cval=0.):
    """scipy.ndimage.affine_transform(channel, matrix, offset, order=0, mode, cval) of a 2D
    array: output[o] = channel[nearest(matrix @ o + offset)]."""
    h, w = channel.shape
    rows, cols = np.meshgrid(np.arange(h, dtype=float), np.arange(w, dtype=float),
                             indexing="ij")
    coords = [matrix[i, 0] * rows + matrix[i, 1] * cols + offset[i] for i in (0, 1)]
    index = [np.clip(np.floor(_MAP[fill_mode](c, n) + 0.5).astype(int), 0, n - 1)
             for c, n in zip(coords, (h, w))]
    out = channel[index[0], index[1]]
    if fill_mode == "constant":
        inside = np.logical_and.reduce([(c >= 0) & (c <= n - 1) for c, n in zip(coords, (h, w))])
        out = np.where(inside, out, cval)
    return out.astype(channel.dtype)


def transform_matrix_offset_center(matrix, x, y):
    o_x = float(x) / 2 + 0.5
    o_y = float(y) / 2 + 0.5
    offset_matrix = np.array([[1, 0, o_x], [0, 1, o_y], [0, 0, 1]])
    reset_matrix = np.array([[1, 0, -o_x], [0, 1, -o_y], [0, 0, 1]])
    return np.dot(np.dot(offset_matrix, matrix), reset_matrix)


def apply_transform(x, transform_matrix, channel_axis=0, fill_mode="nearest", cval=0.):
    _validation.check_choice("apply_transform", "fill_mode", fill_mode, spec.FILL_MODES)
    x = np.rollaxis(x, channel_axis, 0)
    x = np.stack([affine_transform(c, transform_matrix[:2, :2], transform_matrix[:2, 2],
                                   fill_mode, cval) for c in x], axis=0)
    return np.rollaxis(x, 0, channel_axis + 1)


def _rotation(theta):
    return np.array([[np.cos(theta), -np.sin(theta), 0], [np.sin(theta), np.cos(theta), 0],
                     [0, 0, 1]])


def _translation(tx, ty):
    return np.array([[1, 0, tx], [0, 1, ty], [0, 0, 1]])


def _shear(shear):
    return np.array([[1, -np.sin(shear), 0], [0, np.cos(shear), 0], [0, 0, 1]])


def _zoom(zx, zy):
    return np.array([[zx, 0, 0], [0, zy, 0], [0, 0, 1]])


def _centered(x, matrix, row_axis, col_axis, channel_axis, fill_mode, cval):
    matrix = transform_matrix_offset_center(matrix, x.shape[row_axis], x.shape[col_axis])
    return apply_transform(x, matrix, channel_axis, fill_mode, cval)


def random_rotation(x, rg, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest", cval=0.):
    theta = np.pi / 180 * np.random.uniform(-rg, rg)
    return _centered(x, _rotation(theta), row_axis, col_axis, channel_axis, fill_mode, cval)


def random_shift(x, wrg, hrg, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest",
                 cval=0.):
    tx = np.random.uniform(-hrg, hrg) * x.shape[row_axis]
    ty = np.random.uniform(-wrg, wrg) * x.shape[col_axis]
    return apply_transform(x, _translation(tx, ty), channel_axis, fill_mode, cval)


def random_shear(x, intensity, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest",
                 cval=0.):
    shear = np.random.uniform(-intensity, intensity)
    return _centered(x, _shear(shear), row_axis, col_axis, channel_axis, fill_mode, cval)


def _zoom_range(owner, zoom_range):
    if np.isscalar(zoom_range):
        return [1 - zoom_range, 1 + zoom_range]
    if len(zoom_range) != 2:
        raise _validation.argument_error(owner, "zoom_range", zoom_range,
                                         "must be a float or a tuple or list of two floats")
    return [zoom_range[0], zoom_range[1]]


def _draw_zoom(zoom_range):
    if zoom_range[0] == 1 and zoom_range[1] == 1:
        return 1, 1
    return np.random.uniform(zoom_range[0], zoom_range[1], 2)


def random_zoom(x, zoom_range, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest",
                cval=0.):
    if np.isscalar(zoom_range) or len(zoom_range) != 2:
        raise _validation.argument_error("random_zoom", "zoom_range", zoom_range,
                                         "must be a tuple or list of two floats")
    zx, zy = _draw_zoom(zoom_range)
    return _centered(x, _zoom(zx, zy), row_axis, col_axis, channel_axis, fill_mode, cval)


def random_channel_shift(x, intensity, channel_axis=0):
    x = np.rollaxis(x, channel_axis, 0)
    min_x, max_x = np.min(x), np.max(x)
    x = np.stack([np.clip(c + np.random.uniform(-intensity, intensity), min_x, max_x)
                  for c in x], axis=0)
    return np.rollaxis(x, 0, channel_axis + 1)


def flip_axis(x, axis):
    return np.asarray(x).swapaxes(axis, 0)[::-1, ...].swapaxes(0, axis)


# -- images ------------------------------------------------------------------------------------
def _dim_ordering(owner, dim_ordering):
    return backend.resolve_dim_ordering(owner, dim_ordering)


def array_to_img(x, dim_ordering="default", scale=True):
    """A PIL image of a 3D array (1 or 3 channels), scaled to [0, 255] if `scale`."""
    x = np.asarray(x, dtype=FLOATX)
    if x.ndim != 3:
        raise _validation.argument_error("array_to_img", "x", x.shape,
                                         "must be one image, of rank 3 (its shape is shown)")
    if _dim_ordering("array_to_img", dim_ordering) == "th":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x + max(-np.min(x), 0)
        x_max = np.max(x)
        if x_max != 0:
            x /= x_max
        x *= 255
    if x.shape[2] not in (1, 3):
        raise _validation.argument_error("array_to_img", "x", x.shape,
                                         "must have 1 or 3 channels (its shape is shown)")
    if x.shape[2] == 3:
        return _pil().fromarray(x.astype("uint8"), "RGB")
    return _pil().fromarray(x[:, :, 0].astype("uint8"), "L")


def img_to_array(img, dim_ordering="default"):
    """The float32 3D array of an image (anything NumPy reads as (rows, cols[, channels]))."""
    dim_ordering = _dim_ordering("img_to_array", dim_ordering)
    x = np.asarray(img, dtype=FLOATX)
    if x.ndim == 2:
        return x[None] if dim_ordering == "th" else x[:, :, None]
    if x.ndim != 3:
        raise _validation.argument_error("img_to_array", "img", x.shape,
                                         "must be a 2D or 3D image (its shape is shown)")
    return x.transpose(2, 0, 1) if dim_ordering == "th" else x


def load_img(path, grayscale=False, target_size=None):
    """A PIL image of the file, 'L' if `grayscale` else 'RGB', resized to (rows, cols)."""
    img = _pil().open(path)
    img = img.convert("L" if grayscale else "RGB")
    if target_size:
        img = img.resize((target_size[1], target_size[0]))
    return img


def list_pictures(directory, ext="jpg|jpeg|bmp|png"):
    return [os.path.join(root, f) for root, _, files in os.walk(directory) for f in files
            if re.match(r"([\w]+\.(?:" + ext + "))", f)]


class ImageDataGenerator:
    """Keras 1's real-time image augmentation, its arguments and defaults.

    `dim_ordering` 'default' is `image_dim_ordering()`. `rescale` multiplies before the
    other standardization (after `preprocessing_function`); Keras 1's `samplewise_center`
    and `samplewise_std_normalization` work over the channel axis (its code, whatever its
    docs say); `zoom_range` z means [1 - z, 1 + z].
    """

    def __init__(self, featurewise_center=False, samplewise_center=False,
                 featurewise_std_normalization=False, samplewise_std_normalization=False,
                 zca_whitening=False, rotation_range=0., width_shift_range=0.,
                 height_shift_range=0., shear_range=0., zoom_range=0., channel_shift_range=0.,
                 fill_mode="nearest", cval=0., horizontal_flip=False, vertical_flip=False,
                 rescale=None, preprocessing_function=None, dim_ordering="default"):
        owner = "ImageDataGenerator"
        self.dim_ordering = _dim_ordering(owner, dim_ordering)
        self.featurewise_center = featurewise_center
        self.samplewise_center = samplewise_center
        self.featurewise_std_normalization = featurewise_std_normalization
        self.samplewise_std_normalization = samplewise_std_normalization
        self.zca_whitening = zca_whitening
        self.rotation_range = rotation_range
        self.width_shift_range = width_shift_range
        self.height_shift_range = height_shift_range
        self.shear_range = shear_range
        self.channel_shift_range = channel_shift_range
        self.fill_mode = _validation.check_choice(owner, "fill_mode", fill_mode, spec.FILL_MODES)
        self.cval = cval
        self.horizontal_flip = horizontal_flip
        self.vertical_flip = vertical_flip
        self.rescale = rescale
        self.preprocessing_function = preprocessing_function
        self.channel_axis, self.row_axis, self.col_axis = spec.IMAGE_AXES[self.dim_ordering]
        self.mean = None
        self.std = None
        self.principal_components = None
        self.zoom_range = _zoom_range(owner, zoom_range)

    def flow(self, X, y=None, batch_size=32, shuffle=True, seed=None, save_to_dir=None,
             save_prefix="", save_format="jpeg"):
        return NumpyArrayIterator(X, y, self, batch_size=batch_size, shuffle=shuffle,
                                  seed=seed, dim_ordering=self.dim_ordering,
                                  save_to_dir=save_to_dir, save_prefix=save_prefix,
                                  save_format=save_format)

    def flow_from_directory(self, directory, target_size=(256, 256), color_mode="rgb",
                            classes=None, class_mode="categorical", batch_size=32, shuffle=True,
                            seed=None, save_to_dir=None, save_prefix="", save_format="jpeg",
                            follow_links=False):
        return DirectoryIterator(directory, self, target_size=target_size,
                                 color_mode=color_mode, classes=classes, class_mode=class_mode,
                                 dim_ordering=self.dim_ordering, batch_size=batch_size,
                                 shuffle=shuffle, seed=seed, save_to_dir=save_to_dir,
                                 save_prefix=save_prefix, save_format=save_format,
                                 follow_links=follow_links)

    def _unfit(self, option):
        warnings.warn(f"This ImageDataGenerator specifies `{option}`, but it hasn't been fit "
                      "on any training data. Fit it first by calling `.fit(numpy_data)`.")

    def standardize(self, x):
        if self.preprocessing_function:
            x = self.preprocessing_function(x)
        if self.rescale:
            x *= self.rescale
        img_channel_axis = self.channel_axis - 1
        if self.samplewise_center:
            x -= np.mean(x, axis=img_channel_axis, keepdims=True)
        if self.samplewise_std_normalization:
            x /= (np.std(x, axis=img_channel_axis, keepdims=True) + EPSILON)
        if self.featurewise_center:
            if self.mean is None:
                self._unfit("featurewise_center")
            else:
                x -= self.mean
        if self.featurewise_std_normalization:
            if self.std is None:
                self._unfit("featurewise_std_normalization")
            else:
                x /= (self.std + EPSILON)
        if self.zca_whitening:
            if self.principal_components is None:
                self._unfit("zca_whitening")
            else:
                whitex = np.dot(np.reshape(x, x.size), self.principal_components)
                x = np.reshape(whitex, x.shape)
        return x

    def random_transform(self, x):
        """One image's random rotation, shift, shear and zoom (composed, resampled once),
        channel shift and flips, drawn from NumPy's generator in Keras 1's order."""
        row_axis, col_axis, channel_axis = self.row_axis - 1, self.col_axis - 1, self.channel_axis - 1

        def draw(spread, scale=1):
            return np.random.uniform(-spread, spread) * scale if spread else 0

        theta = np.pi / 180 * draw(self.rotation_range)
        tx = draw(self.height_shift_range, x.shape[row_axis])
        ty = draw(self.width_shift_range, x.shape[col_axis])
        shear = draw(self.shear_range)
        zx, zy = _draw_zoom(self.zoom_range)
        matrix = _rotation(theta) @ _translation(tx, ty) @ _shear(shear) @ _zoom(zx, zy)
        x = _centered(x, matrix, row_axis, col_axis, channel_axis, self.fill_mode, self.cval)
        if self.channel_shift_range != 0:
            x = random_channel_shift(x, self.channel_shift_range, channel_axis)
        if self.horizontal_flip and np.random.random() < 0.5:
            x = flip_axis(x, col_axis)
        if self.vertical_flip and np.random.random() < 0.5:
            x = flip_axis(x, row_axis)
        return x

    def fit(self, x, augment=False, rounds=1, seed=None):
        """Fits the featurewise statistics (mean, std, ZCA) on `x` (rank 4)."""
        x = _images("ImageDataGenerator.fit", x, self.channel_axis)
        if seed is not None:
            np.random.seed(seed)
        x = np.copy(x)
        if augment:
            ax = np.zeros((rounds * x.shape[0],) + x.shape[1:], dtype=FLOATX)
            for r in range(rounds):
                for i in range(x.shape[0]):
                    ax[i + r * x.shape[0]] = self.random_transform(x[i])
            x = ax
        broadcast_shape = [1, 1, 1]
        broadcast_shape[self.channel_axis - 1] = x.shape[self.channel_axis]
        if self.featurewise_center:
            self.mean = np.reshape(np.mean(x, axis=(0, self.row_axis, self.col_axis)),
                                   broadcast_shape)
            x -= self.mean
        if self.featurewise_std_normalization:
            self.std = np.reshape(np.std(x, axis=(0, self.row_axis, self.col_axis)),
                                  broadcast_shape)
            x /= (self.std + EPSILON)
        if self.zca_whitening:
            flat_x = np.reshape(x, (x.shape[0], -1))
            sigma = np.dot(flat_x.T, flat_x) / flat_x.shape[0]
            u, s, _ = np.linalg.svd(sigma)
            self.principal_components = np.dot(np.dot(u, np.diag(1. / np.sqrt(s + 10e-7))), u.T)


def _images(owner, x, channel_axis):
    x = np.asarray(x, dtype=FLOATX)
    if x.ndim != 4:
        raise _validation.argument_error(owner, "x", x.shape,
                                         "must be images of rank 4 (its shape is shown)")
    if x.shape[channel_axis] not in spec.IMAGE_CHANNELS:
        raise _validation.argument_error(
            owner, "x", x.shape, f"must have 1, 3 or 4 channels on axis {channel_axis} "
            "(its shape is shown)", "Check dim_ordering")
    return x


class Iterator:
    """Keras 1's batch order: a new permutation (if `shuffle`) at each epoch's start, the
    last batch of an epoch short, NumPy reseeded with `seed` + batches seen before each."""

    def __init__(self, n, batch_size, shuffle, seed):
        self.n = n
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.batch_index = 0
        self.total_batches_seen = 0
        self.lock = threading.Lock()
        self.index_generator = self._flow_index(n, batch_size, shuffle, seed)

    def reset(self):
        self.batch_index = 0

    def _flow_index(self, n, batch_size=32, shuffle=False, seed=None):
        self.reset()
        while 1:
            if seed is not None:
                np.random.seed(seed + self.total_batches_seen)
            if self.batch_index == 0:
                index_array = np.random.permutation(n) if shuffle else np.arange(n)
            current_index = (self.batch_index * batch_size) % n
            if n >= current_index + batch_size:
                current_batch_size = batch_size
                self.batch_index += 1
            else:
                current_batch_size = n - current_index
                self.batch_index = 0
            self.total_batches_seen += 1
            yield (index_array[current_index: current_index + current_batch_size],
                   current_index, current_batch_size)

    def __iter__(self):
        return self

    def __next__(self):
        return self.next()

    def _batch(self, images, shape):
        """The transformed, standardized batch of `images` ((index, array) pairs), saved
        to `save_to_dir` if given."""
        with self.lock:
            index_array, current_index, current_batch_size = next(self.index_generator)
        batch_x = np.zeros((current_batch_size,) + shape, dtype=FLOATX)
        generator = self.image_data_generator
        for i, j in enumerate(index_array):
            x = generator.random_transform(images(j))
            batch_x[i] = generator.standardize(x)
        if self.save_to_dir:
            for i in range(current_batch_size):
                img = array_to_img(batch_x[i], self.dim_ordering, scale=True)
                fname = "{prefix}_{index}_{hash}.{format}".format(
                    prefix=self.save_prefix, index=current_index + i,
                    hash=np.random.randint(1e4), format=self.save_format)
                img.save(os.path.join(self.save_to_dir, fname))
        return index_array, batch_x

    def _save_options(self, image_data_generator, dim_ordering, save_to_dir, save_prefix,
                      save_format):
        self.image_data_generator = image_data_generator
        self.dim_ordering = dim_ordering
        self.save_to_dir = save_to_dir
        self.save_prefix = save_prefix
        self.save_format = save_format


class NumpyArrayIterator(Iterator):
    """Batches (x, y) of the arrays `x` (rank 4) and `y` (or x alone)."""

    def __init__(self, x, y, image_data_generator, batch_size=32, shuffle=False, seed=None,
                 dim_ordering="default", save_to_dir=None, save_prefix="", save_format="jpeg"):
        owner = "NumpyArrayIterator"
        if y is not None and len(x) != len(y):
            raise _validation.argument_error(owner, "y", np.asarray(y).shape,
                                             f"must have as many samples as x {np.asarray(x).shape}")
        dim_ordering = _dim_ordering(owner, dim_ordering)
        self.x = _images(owner, x, spec.IMAGE_AXES[dim_ordering][0])
        self.y = None if y is None else np.asarray(y)
        self._save_options(image_data_generator, dim_ordering, save_to_dir, save_prefix,
                           save_format)
        super().__init__(self.x.shape[0], batch_size, shuffle, seed)

    def next(self):
        index_array, batch_x = self._batch(lambda j: self.x[j].astype(FLOATX), self.x.shape[1:])
        if self.y is None:
            return batch_x
        return batch_x, self.y[index_array]


def _is_image(fname):
    return any(fname.lower().endswith("." + e) for e in spec.IMAGE_EXTENSIONS)


class DirectoryIterator(Iterator):
    """Batches of the images under `directory`/<class>/, labelled by `class_mode`."""

    def __init__(self, directory, image_data_generator, target_size=(256, 256),
                 color_mode="rgb", dim_ordering="default", classes=None,
                 class_mode="categorical", batch_size=32, shuffle=True, seed=None,
                 save_to_dir=None, save_prefix="", save_format="jpeg", follow_links=False):
        owner = "DirectoryIterator"
        dim_ordering = _dim_ordering(owner, dim_ordering)
        self.directory = directory
        self.target_size = tuple(target_size)
        self.color_mode = _validation.check_choice(owner, "color_mode", color_mode,
                                                   spec.COLOR_MODES)
        if class_mode not in spec.CLASS_MODES:
            raise _validation.argument_error(owner, "class_mode", class_mode,
                                             f"must be one of {spec.CLASS_MODES}")
        self.class_mode = class_mode
        channels = (3,) if color_mode == "rgb" else (1,)
        self.image_shape = (self.target_size + channels if dim_ordering == "tf"
                            else channels + self.target_size)
        self._save_options(image_data_generator, dim_ordering, save_to_dir, save_prefix,
                           save_format)
        if not classes:
            classes = [d for d in sorted(os.listdir(directory))
                       if os.path.isdir(os.path.join(directory, d))]
        self.nb_class = len(classes)
        self.class_indices = dict(zip(classes, range(len(classes))))
        self.filenames = []
        labels = []
        for subdir in classes:
            walk = sorted(os.walk(os.path.join(directory, subdir), followlinks=follow_links),
                          key=lambda tpl: tpl[0])
            for root, _, files in walk:
                for fname in files:
                    if _is_image(fname):
                        labels.append(self.class_indices[subdir])
                        self.filenames.append(
                            os.path.relpath(os.path.join(root, fname), directory))
        self.nb_sample = len(self.filenames)
        self.classes = np.array(labels, dtype="int32")
        print("Found %d images belonging to %d classes." % (self.nb_sample, self.nb_class))
        super().__init__(self.nb_sample, batch_size, shuffle, seed)

    def _load(self, j):
        img = load_img(os.path.join(self.directory, self.filenames[j]),
                       grayscale=self.color_mode == "grayscale", target_size=self.target_size)
        return img_to_array(img, dim_ordering=self.dim_ordering)

    def next(self):
        index_array, batch_x = self._batch(self._load, self.image_shape)
        labels = self.classes[index_array]
        if self.class_mode == "sparse":
            return batch_x, labels
        if self.class_mode == "binary":
            return batch_x, labels.astype(FLOATX)
        if self.class_mode == "categorical":
            batch_y = np.zeros((len(batch_x), self.nb_class), dtype=FLOATX)
            batch_y[np.arange(len(labels)), labels] = 1.
            return batch_x, batch_y
        return batch_x
