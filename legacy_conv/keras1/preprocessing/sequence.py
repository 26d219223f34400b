"""Keras 1.2.2's `keras.preprocessing.sequence`: `pad_sequences` (padding and truncating
'pre', value 0., dtype 'int32' by default), `make_sampling_table` and `skipgrams` (Python's
`random`, as Keras 1: `random.seed` gives Keras 1's pairs)."""

import random

import numpy as np

from legacy_conv import _validation
from legacy_conv.spec import utils as spec


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre",
                  value=0.):
    """Keras 1's (samples, maxlen, ...) array of `sequences`, padded and truncated."""
    _validation.check_choice("pad_sequences", "padding", padding, spec.PAD_SIDES)
    _validation.check_choice("pad_sequences", "truncating", truncating, spec.PAD_SIDES)
    if maxlen is None:
        maxlen = np.max([len(s) for s in sequences])
    sample_shape = next((np.asarray(s).shape[1:] for s in sequences if len(s) > 0), ())
    x = (np.ones((len(sequences), maxlen) + sample_shape) * value).astype(dtype)
    for idx, s in enumerate(sequences):
        if not len(s):
            continue
        trunc = np.asarray(s[-maxlen:] if truncating == "pre" else s[:maxlen], dtype=dtype)
        if trunc.shape[1:] != sample_shape:
            raise _validation.argument_error(
                "pad_sequences", f"sequences[{idx}]", trunc.shape[1:],
                f"must have the samples' shape {sample_shape} (its shape is shown)")
        if padding == "post":
            x[idx, :len(trunc)] = trunc
        else:
            x[idx, -len(trunc):] = trunc
    return x


def make_sampling_table(size, sampling_factor=1e-5):
    """Keras 1's word2vec sampling probabilities by word rank (Zipf's law)."""
    gamma = 0.577
    rank = np.array(list(range(size)))
    rank[0] = 1
    inv_fq = rank * (np.log(rank) + gamma) + 0.5 - 1. / (12. * rank)
    f = sampling_factor * inv_fq
    return np.minimum(1., f / np.sqrt(f))


def skipgrams(sequence, vocabulary_size, window_size=4, negative_samples=1., shuffle=True,
              categorical=False, sampling_table=None):
    """Keras 1's (couples, labels): [word, context word] pairs labelled 1, and
    `negative_samples` times as many random pairs labelled 0. Index 0 is skipped."""
    couples, labels = [], []
    positive = [0, 1] if categorical else 1
    for i, wi in enumerate(sequence):
        if not wi:
            continue
        if sampling_table is not None and sampling_table[wi] < random.random():
            continue
        for j in range(max(0, i - window_size), min(len(sequence), i + window_size + 1)):
            if j != i and sequence[j]:
                couples.append([wi, sequence[j]])
                labels.append(positive)
    if negative_samples > 0:
        nb_negative_samples = int(len(labels) * negative_samples)
        words = [c[0] for c in couples]
        random.shuffle(words)
        couples += [[words[i % len(words)], random.randint(1, vocabulary_size - 1)]
                    for i in range(nb_negative_samples)]
        labels += [[1, 0] if categorical else 0] * nb_negative_samples
    if shuffle:
        seed = random.randint(0, 10e6)
        random.seed(seed)
        random.shuffle(couples)
        random.seed(seed)
        random.shuffle(labels)
    return couples, labels
