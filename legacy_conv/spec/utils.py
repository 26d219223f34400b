"""Keras 1.2.2's utility modules (`keras.utils`, `keras.preprocessing`, `keras.datasets`,
`keras.wrappers.scikit_learn`) as data: choices, defaults and where its datasets came from."""

from collections import namedtuple

# keras.preprocessing.sequence.pad_sequences: `padding` and `truncating`.
PAD_SIDES = ("pre", "post")

# keras.preprocessing.text: the characters Keras 1 filtered out, and Tokenizer's matrix modes.
TEXT_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'
MATRIX_MODES = ("binary", "count", "tfidf", "freq")

# keras.preprocessing.image: scipy.ndimage's fill modes that Keras 1 passed on (order 0),
# the files flow_from_directory reads, and its label modes.
FILL_MODES = ("constant", "nearest", "reflect", "wrap")
IMAGE_EXTENSIONS = ("png", "jpg", "jpeg", "bmp")
COLOR_MODES = ("rgb", "grayscale")
CLASS_MODES = ("categorical", "binary", "sparse", None)
IMAGE_CHANNELS = (1, 3, 4)
# (channel, row, col) axes of a batch, by dim_ordering.
IMAGE_AXES = {"th": (1, 2, 3), "tf": (3, 1, 2)}

# keras.wrappers.scikit_learn: `sk_params` Keras 1 passed to `fit` that Keras 3's `fit` names
# otherwise.
FIT_RENAMES = {"nb_epoch": "epochs"}

# keras.datasets: where each file came from and its name under Keras 1's cache,
# ~/.keras/datasets/ (/tmp/.keras/datasets/ where ~/.keras is not writable). `untar`: a
# .tar.gz unpacked into the folder `fname`.
Dataset = namedtuple("Dataset", "fname origin untar md5_hash")
Dataset.__new__.__defaults__ = (False, None)
DATASETS = {
    "mnist": Dataset("mnist.pkl.gz", "https://s3.amazonaws.com/img-datasets/mnist.pkl.gz"),
    "cifar10": Dataset("cifar-10-batches-py",
                       "http://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz", untar=True),
    "cifar100": Dataset("cifar-100-python",
                        "http://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz", untar=True),
    "imdb": Dataset("imdb_full.pkl", "https://s3.amazonaws.com/text-datasets/imdb_full.pkl",
                    md5_hash="d091312047c43cf9e4e38fef92437263"),
    "imdb_word_index": Dataset("imdb_word_index.pkl",
                               "https://s3.amazonaws.com/text-datasets/imdb_word_index.pkl",
                               md5_hash="72d94b01291be4ff843198d3b0e1e4d7"),
    "reuters": Dataset("reuters.pkl", "https://s3.amazonaws.com/text-datasets/reuters.pkl"),
    "reuters_word_index": Dataset("reuters_word_index.pkl",
                                  "https://s3.amazonaws.com/text-datasets/reuters_word_index.pkl"),
}
CIFAR_LABEL_MODES = ("fine", "coarse")
CACHE_SUBDIR = "datasets"

# keras.wrappers.scikit_learn: the arguments of Keras 1.2.2's Sequential methods that
# `sk_params` may hold (besides build_fn's), by method.
SEQUENTIAL_ARGS = {
    "fit": ("batch_size", "nb_epoch", "verbose", "callbacks", "validation_split",
            "validation_data", "shuffle", "class_weight", "sample_weight", "initial_epoch"),
    "predict": ("batch_size", "verbose"),
    "predict_classes": ("batch_size", "verbose"),
    "predict_proba": ("batch_size", "verbose"),
    "evaluate": ("batch_size", "verbose", "sample_weight"),
}
# The names an accuracy has among Keras 3's evaluate results (Keras 1's: 'acc').
ACCURACY_KEYS = ("acc", "accuracy")

# keras.utils.layer_utils.convert_all_kernels_in_model: the classes whose `W` it converted
# (with `image_dim_ordering()`, whatever the layer's own dim_ordering).
KERNEL_CONVERTED = ("Convolution1D", "Convolution2D", "Convolution3D", "AtrousConvolution2D",
                    "Deconvolution2D")
