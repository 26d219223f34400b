"""Keras 1 weight layouts, per kernel family and `dim_ordering`.

A layout is a string of axis letters: 'k' stands for the spatial axes in order, 'i' for
input channels, 'o' for output channels (filters), 'm' for the depth multiplier and '1'
for a unit axis. Each entry gives the layout Keras 1 stores (what `weights=`,
`get_weights()` and Keras 1 files use) and the layout the `tf.nn` op takes.
"""

KERNEL_LAYOUTS = {
    # (family, dim_ordering): (Keras 1 layout, tf.nn layout)
    ("conv1d", None): ("k1io", "kio"),  # Keras >= 1.1; 1.0.x files store "oik1"
    ("conv", "th"): ("oik", "kio"),
    ("conv", "tf"): ("kio", "kio"),
    ("deconv", "th"): ("oik", "koi"),  # i: the deconvolution's input channels
    ("deconv", "tf"): ("kio", "koi"),
    ("depthwise", "th"): ("mik", "kim"),
    ("depthwise", "tf"): ("kim", "kim"),
}


def expand_layout(layout, rank):
    """'oik', 2 -> ['o', 'i', 'k0', 'k1']; unit axes are numbered '1_0', '1_1', ..."""
    axes, units = [], 0
    for letter in layout:
        if letter == "k":
            axes.extend(f"k{j}" for j in range(rank))
        elif letter == "1":
            axes.append(f"1_{units}")
            units += 1
        else:
            axes.append(letter)
    return axes


def kernel_shape(layout, kernel_size, sizes):
    """The shape of a kernel in `layout`; `sizes` maps 'i', 'o', 'm' to their lengths."""
    shape = []
    for axis in expand_layout(layout, len(kernel_size)):
        if axis.startswith("k"):
            shape.append(kernel_size[int(axis[1:])])
        elif axis.startswith("1"):
            shape.append(1)
        else:
            shape.append(sizes[axis])
    return tuple(shape)


def permutation(source, target, rank):
    """Axis permutation from `source` to `target` layout, unit axes last (to be dropped)."""
    src = expand_layout(source, rank)
    tgt = expand_layout(target, rank)
    return [src.index(a) for a in tgt] + [j for j, a in enumerate(src) if a not in tgt]


# The dtype kinds Keras 1 files store weights in (`numpy.dtype.kind` -> what it is called):
# floatx, and the integers a hand-made file may hold; NumPy casts them as Keras 1 did.
STORED_DTYPE_KINDS = {"f": "float", "i": "int", "u": "uint"}
