"""Keras 1.2.2's `keras.preprocessing.text`: `text_to_word_sequence`, `one_hot` and
`Tokenizer(nb_words=...)`, with Keras 1's filters, vocabulary order (by count, ties in
order of first appearance) and matrix modes.

`one_hot` hashes words with Python's `hash`, as Keras 1 did: under Python 3 a string's hash
changes from process to process unless PYTHONHASHSEED is set, so its indices are Keras 1's
only within one process.
"""

import numpy as np

from legacy_conv import _validation
from legacy_conv.spec import utils as spec


def text_to_word_sequence(text, filters=spec.TEXT_FILTERS, lower=True, split=" "):
    """The words of `text`: lowercased, `filters` replaced by `split`, split on `split`."""
    if lower:
        text = text.lower()
    text = text.translate(str.maketrans(filters, split * len(filters)))
    return [i for i in text.split(split) if i]


def one_hot(text, n, filters=spec.TEXT_FILTERS, lower=True, split=" "):
    """Each word's index in [1, n): abs(hash(word)) % (n - 1) + 1."""
    seq = text_to_word_sequence(text, filters=filters, lower=lower, split=split)
    return [(abs(hash(w)) % (n - 1) + 1) for w in seq]


class Tokenizer:
    """Keras 1's tokenizer: `fit_on_texts` numbers words by count (1 = most frequent);
    `texts_to_sequences` keeps words numbered below `nb_words` (if given)."""

    def __init__(self, nb_words=None, filters=spec.TEXT_FILTERS, lower=True, split=" ",
                 char_level=False):
        self.word_counts = {}
        self.word_docs = {}
        self.filters = filters
        self.split = split
        self.lower = lower
        self.nb_words = nb_words
        self.document_count = 0
        self.char_level = char_level

    def _words(self, text):
        if self.char_level:
            return text
        return text_to_word_sequence(text, self.filters, self.lower, self.split)

    def fit_on_texts(self, texts):
        """Counts the words of `texts` (Keras 1 restarts `document_count` at each call)."""
        self.document_count = 0
        for text in texts:
            self.document_count += 1
            seq = self._words(text)
            for w in seq:
                self.word_counts[w] = self.word_counts.get(w, 0) + 1
            for w in set(seq):
                self.word_docs[w] = self.word_docs.get(w, 0) + 1
        wcounts = sorted(self.word_counts.items(), key=lambda x: x[1], reverse=True)
        self.word_index = {w: i for i, (w, _) in enumerate(wcounts, start=1)}
        self.index_docs = {self.word_index[w]: c for w, c in self.word_docs.items()}

    def fit_on_sequences(self, sequences):
        self.document_count = len(sequences)
        self.index_docs = {}
        for seq in sequences:
            for i in set(seq):
                self.index_docs[i] = self.index_docs.get(i, 0) + 1

    def texts_to_sequences(self, texts):
        return list(self.texts_to_sequences_generator(texts))

    def texts_to_sequences_generator(self, texts):
        for text in texts:
            indices = (self.word_index.get(w) for w in self._words(text))
            yield [i for i in indices
                   if i is not None and not (self.nb_words and i >= self.nb_words)]

    def texts_to_matrix(self, texts, mode="binary"):
        return self.sequences_to_matrix(self.texts_to_sequences(texts), mode=mode)

    def sequences_to_matrix(self, sequences, mode="binary"):
        """(len(sequences), nb_words) float64: 'binary', 'count', 'tfidf' or 'freq'."""
        _validation.check_choice("Tokenizer.sequences_to_matrix", "mode", mode,
                                 spec.MATRIX_MODES)
        nb_words = self.nb_words
        if not nb_words:
            if not getattr(self, "word_index", None):
                raise _validation.argument_error(
                    "Tokenizer", "nb_words", nb_words, "must be given", "Or fit on texts first")
            nb_words = len(self.word_index) + 1
        if mode == "tfidf" and not self.document_count:
            raise _validation.argument_error(
                "Tokenizer.sequences_to_matrix", "mode", mode,
                "needs document counts", "Fit the Tokenizer on some data first")
        x = np.zeros((len(sequences), nb_words))
        for i, seq in enumerate(sequences):
            counts = {}
            for j in seq:
                if j < nb_words:
                    counts[j] = counts.get(j, 0.) + 1
            for j, c in counts.items():
                x[i][j] = self._weight(mode, c, len(seq), j)
        return x

    def _weight(self, mode, c, length, j):
        if mode == "count":
            return c
        if mode == "freq":
            return c / length
        if mode == "binary":
            return 1
        idf = np.log(1 + self.document_count / (1 + self.index_docs.get(j, 0)))
        return (1 + np.log(c)) * idf
