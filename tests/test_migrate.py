"""`legacy-conv migrate`: import styles, rewrites, refusals with reasons, `--check`, the
driver (diff, atomic --write, unparsable files, exit statuses), the report and the tables.

Numbers are checked against the real Keras 1 in test_migrate_keras1.py.
"""

import argparse
import io
import pathlib
import runpy
import stat
import sys
import textwrap

import keras
import numpy as np
import pytest

from legacy_conv.migration import MigrationError
from legacy_conv.migration import check_source
from legacy_conv.cli import migrate as cli
from legacy_conv.spec import keras1_signatures
from legacy_conv.migration import migrate_source
from legacy_conv.migration import report
from legacy_conv.migration import rules

ROOT = pathlib.Path(__file__).parent.parent
CODE = ROOT / "tests" / "fixtures" / "migrate" / "keras1_code"


def dedent(text):
    return textwrap.dedent(text).lstrip("\n")


def legacy(source, **kwargs):
    return migrate_source(dedent(source), to="legacy", **kwargs)


def native(source, **kwargs):
    kwargs.setdefault("image_dim_ordering", "tf")
    return migrate_source(dedent(source), to="native", **kwargs)


def kinds(result):
    return [e.kind for e in result.report_entries]


# -- step 1: --to legacy, whatever the import style ----------------------------------------------
LEGACY_CASES = [
    pytest.param("""
        from keras.layers import Convolution2D, Dense
        x = Convolution2D(8, 3, 3)(x)
        """, """
        from legacy_conv.keras1.layers import Convolution2D, Dense
        x = Convolution2D(8, 3, 3)(x)
        """, id="from-keras.layers"),
    pytest.param("""
        from keras.layers.convolutional import Convolution2D, MaxPooling2D  # the Keras 1 way
        from keras.layers.core import Dense, Flatten
        model.add(Convolution2D(8, 3, 3))
        model.add(MaxPooling2D())
        """, """
        from legacy_conv.keras1.layers.convolutional import Convolution2D, MaxPooling2D  # the Keras 1 way
        from legacy_conv.keras1.layers.core import Dense, Flatten
        model.add(Convolution2D(8, 3, 3))
        model.add(MaxPooling2D())
        """, id="from-keras1-submodules"),
    pytest.param("""
        from keras.layers import *
        model.add(Convolution2D(8, 3, 3))
        model.add(Dense(10))
        """, """
        from legacy_conv.keras1.layers import *
        model.add(Convolution2D(8, 3, 3))
        model.add(Dense(10))
        """, id="star-keras.layers"),
    pytest.param("""
        from keras.layers.convolutional import *
        model.add(Convolution2D(8, 3, 3))
        model.add(UpSampling2D())
        """, """
        from legacy_conv.keras1.layers.convolutional import *
        model.add(Convolution2D(8, 3, 3))
        model.add(UpSampling2D())
        """, id="star-keras1-submodule"),
    pytest.param("""
        import keras
        x = keras.layers.Convolution2D(8, 3, 3)(x)
        """, """
        import legacy_conv.keras1 as keras
        x = keras.layers.Convolution2D(8, 3, 3)(x)
        """, id="import-keras"),
    pytest.param("""
        from keras import layers as L
        x = L.Convolution2D(8, 3, 3)(x)
        """, """
        from legacy_conv.keras1 import layers as L
        x = L.Convolution2D(8, 3, 3)(x)
        """, id="from-keras-import-layers"),
    pytest.param("""
        import keras.layers as KL
        x = KL.Deconvolution2D(3, 3, 3, output_shape=(None, 8, 8, 3))(x)
        """, """
        import legacy_conv.keras1.layers as KL
        x = KL.Deconvolution2D(3, 3, 3, output_shape=(None, 8, 8, 3))(x)
        """, id="import-keras.layers-as"),
    pytest.param("""
        from keras.layers import Convolution2D as Conv
        x = Conv(8, 3, 3)(x)
        """, """
        from legacy_conv.keras1.layers import Convolution2D as Conv
        x = Conv(8, 3, 3)(x)
        """, id="import-as-alias"),
    pytest.param("""
        import keras.layers.convolutional
        Conv = keras.layers.convolutional.Convolution2D
        x = Conv(8, 3, 3)(x)
        """, """
        import legacy_conv.keras1.layers.convolutional, legacy_conv.keras1 as keras
        Conv = keras.layers.convolutional.Convolution2D
        x = Conv(8, 3, 3)(x)
        """, id="assigned-alias"),
    pytest.param("""
        import tensorflow as tf
        x = tf.keras.layers.Convolution2D(8, 3, 3)(x)
        """, """
        import tensorflow as tf
        import legacy_conv

        x = legacy_conv.Convolution2D(8, 3, 3)(x)
        """, id="tf.keras-keras1-call"),
    pytest.param("""
        from keras.regularizers import l2, activity_l1
        from keras.constraints import maxnorm
        from keras.layers import Convolution2D
        x = Convolution2D(8, 3, 3, W_regularizer=l2(1e-4), activity_regularizer=activity_l1(),
                          W_constraint=maxnorm(2))(x)
        """, """
        from legacy_conv.keras1.regularizers import l2, activity_l1
        from legacy_conv.keras1.constraints import maxnorm
        from legacy_conv.keras1.layers import Convolution2D
        x = Convolution2D(8, 3, 3, W_regularizer=l2(1e-4), activity_regularizer=activity_l1(),
                          W_constraint=maxnorm(2))(x)
        """, id="helpers"),
    pytest.param("""
        from keras.layers import Conv2D, merge, BatchNormalization, ThresholdedReLU
        y = merge([Conv2D(8, 3, 3)(x), x], mode='concat')
        y = ThresholdedReLU(theta=0.5)(BatchNormalization(mode=2)(y))
        """, """
        from legacy_conv.keras1.layers import Conv2D, merge, BatchNormalization, ThresholdedReLU
        y = merge([Conv2D(8, 3, 3)(x), x], mode='concat')
        y = ThresholdedReLU(theta=0.5)(BatchNormalization(mode=2)(y))
        """, id="aliases-merge-bn-thresholded"),
    pytest.param("""
        from keras.models import Model
        m = Model(input=x, output=y)
        """, """
        from legacy_conv.keras1.models import Model
        m = Model(input=x, output=y)
        """, id="model-keywords-kept"),
]


@pytest.mark.parametrize("source, expected", LEGACY_CASES)
def test_to_legacy_moves_keras1_imports_onto_the_namespace(source, expected):
    assert legacy(source).new_source == dedent(expected)


def test_to_legacy_states_the_given_backend_and_ordering():
    result = legacy("""
        from keras.layers import Convolution2D, MaxPooling2D, Cropping2D
        model.add(Convolution2D(8, 3, 3, dim_ordering='tf'))
        model.add(MaxPooling2D())
        model.add(Cropping2D())
        """, keras1_backend="theano", image_dim_ordering="th")
    assert result.new_source == dedent("""
        from legacy_conv.keras1.layers import Convolution2D, MaxPooling2D, Cropping2D
        import legacy_conv
        legacy_conv.set_keras1_backend('theano')
        legacy_conv.set_image_dim_ordering('th')

        model.add(Convolution2D(8, 3, 3, dim_ordering='tf'))
        model.add(MaxPooling2D())
        model.add(Cropping2D())
        """)


def test_comments_and_formatting_survive():
    source = """
        # a Keras 1 model
        from keras.layers import (Convolution2D,  # the conv
                                  Dense)


        def build():  # builds it
            return [Convolution2D(8, 3, 3,   # kernels
                                  border_mode='same'),  # keep the size
                    Dense(10)]
        """
    result = legacy(source)
    assert result.new_source == dedent("""
        # a Keras 1 model
        from legacy_conv.keras1.layers import (Convolution2D,  # the conv
                                               Dense)


        def build():  # builds it
            return [Convolution2D(8, 3, 3,   # kernels
                                  border_mode='same'),  # keep the size
                    Dense(10)]
        """)


# -- step 2: --to native -----------------------------------------------------------------------
NATIVE_CASES = [
    pytest.param("""
        from keras.layers import Convolution2D
        model.add(Convolution2D(64, 3, 3, border_mode='same', subsample=(2, 2)))
        """, """
        from keras.layers import Conv2D
        model.add(Conv2D(64, (3, 3), padding='same', strides=(2, 2)))
        """, id="the-issue's-example"),
    pytest.param("""
        from keras.layers import Convolution2D
        model.add(Convolution2D(64, 3, 3,  # 3x3 kernels
                                border_mode='same',  # keep the size
                                dim_ordering='th',  # channels first
                                bias=False,  # no bias (with one it stays ours)
                                name='conv'))  # the first one
        """, """
        from keras.layers import Conv2D
        model.add(Conv2D(64, (3, 3),  # 3x3 kernels
                         padding='same',  # keep the size
                         data_format='channels_first',  # channels first
                         use_bias=False,  # no bias (with one it stays ours)
                         name='conv'))  # the first one
        """, id="comments-in-the-call"),
    pytest.param("""
        import keras
        from keras.regularizers import l2
        nb_filters, weight_decay = 32, 1e-4
        x = keras.layers.Convolution2D(nb_filters, 3, 3, init='he_normal',
                                       W_regularizer=l2(weight_decay))(x)
        """, """
        import keras
        nb_filters, weight_decay = 32, 1e-4
        x = keras.layers.Conv2D(nb_filters, (3, 3), kernel_initializer=keras.initializers.VarianceScaling(scale=2.0, mode='fan_in', distribution='untruncated_normal'),
                                kernel_regularizer=keras.regularizers.L2(weight_decay))(x)
        """, id="expressions-carried-init-regularizer"),
    pytest.param("""
        from keras.layers import Convolution1D, MaxPooling1D, AtrousConvolution1D
        x = Convolution1D(64, 3, input_dim=100, init='uniform', border_mode='same')(x)
        x = AtrousConvolution1D(8, 3, atrous_rate=2, init='he_uniform', input_dim=64)(x)
        x = MaxPooling1D(pool_length=2, stride=1)(x)
        """, """
        from keras.layers import Conv1D, MaxPooling1D
        import keras

        x = Conv1D(64, 3, input_shape=(None, 100), kernel_initializer='uniform', padding='same')(x)
        x = Conv1D(8, 3, dilation_rate=2, kernel_initializer=keras.initializers.VarianceScaling(scale=0.75, mode='fan_in', distribution='uniform'), input_shape=(None, 64))(x)
        x = MaxPooling1D(pool_size=2, strides=1)(x)
        """, id="1d-layers"),
    pytest.param("""
        from keras.layers import Deconvolution2D, SeparableConvolution2D, Convolution3D
        x = Deconvolution2D(3, 3, 3, output_shape=(None, 21, 21, 3), subsample=(2, 2))(x)
        x = SeparableConvolution2D(8, 3, 3, depth_multiplier=2)(x)
        y = Convolution3D(4, 3, 3, 3, dim_ordering='th')(v)
        """, """
        from keras.layers import Conv2DTranspose, SeparableConv2D
        from legacy_conv import Convolution3D
        x = Conv2DTranspose(3, (3, 3), output_padding=(0, 0), strides=(2, 2))(x)
        x = SeparableConv2D(8, (3, 3), depth_multiplier=2)(x)
        y = Convolution3D(4, 3, 3, 3, dim_ordering='th')(v)
        """, id="deconvolution-separable-3d"),  # a 'th' Conv3D: spec.layers.CHANNELS_FIRST_BIAS
    pytest.param("""
        from keras.layers import ZeroPadding2D, Cropping2D, UpSampling2D, ThresholdedReLU
        from keras.layers import BatchNormalization, merge
        x = ZeroPadding2D((1, 2))(x)
        x = Cropping2D(((1, 0), (0, 1)))(x)
        x = UpSampling2D((2, 2))(x)
        x = ThresholdedReLU(theta=0.5)(BatchNormalization(axis=-1, name='bn')(x))
        x = merge([x, y], mode='ave', name='mean')
        """, """
        from keras.layers import Average, ReLU, ZeroPadding2D, Cropping2D, UpSampling2D
        from keras.layers import BatchNormalization
        x = ZeroPadding2D(padding=(1, 2))(x)
        x = Cropping2D(cropping=((1, 0), (0, 1)))(x)
        x = UpSampling2D(size=(2, 2))(x)
        x = ReLU(threshold=0.5)(BatchNormalization(axis=-1, name='bn')(x))
        x = Average(name='mean')([x, y])
        """, id="spatial-bn-thresholded-merge"),
    pytest.param("""
        from keras.layers import Dense, Dropout, Embedding
        model.add(Embedding(1000, 64, input_length=20))
        model.add(Dense(10, init='he_normal', activation='relu'))
        model.add(Dropout(0.5))
        """, """
        from keras.layers import Dense, Dropout, Embedding
        import keras

        model.add(Embedding(1000, 64, input_shape=(20,)))
        model.add(Dense(10, kernel_initializer=keras.initializers.VarianceScaling(scale=2.0, mode='fan_in', distribution='untruncated_normal'), activation='relu'))
        model.add(Dropout(0.5))
        """, id="keras1-builtins"),
    pytest.param("""
        import keras
        x = keras.layers.Convolution2D(32, (3, 3), padding='same')(x)
        """, """
        import keras
        x = keras.layers.Conv2D(32, (3, 3), padding='same')(x)
        """, id="a-keras-3-call-of-an-alias-is-renamed"),
    pytest.param("""
        from keras.layers import LSTM, TimeDistributed, Dense
        model.add(LSTM(8, inner_activation='sigmoid', return_sequences=True))
        model.add(LSTM(8))
        model.add(TimeDistributed(Dense(4, init='uniform')))
        """, """
        from keras.layers import LSTM, TimeDistributed, Dense
        import legacy_conv

        model.add(LSTM(8, recurrent_activation='sigmoid', return_sequences=True, kernel_initializer=legacy_conv.initializers.Keras1GateInitializer(init='glorot_uniform', dim_ordering='tf', gates=4), recurrent_initializer=legacy_conv.initializers.Keras1GateInitializer(init='glorot_uniform', dim_ordering='tf', gates=4)))
        model.add(LSTM(8, recurrent_activation=legacy_conv.activations.hard_sigmoid, kernel_initializer=legacy_conv.initializers.Keras1GateInitializer(init='glorot_uniform', dim_ordering='tf', gates=4), recurrent_initializer=legacy_conv.initializers.Keras1GateInitializer(init='glorot_uniform', dim_ordering='tf', gates=4)))
        model.add(TimeDistributed(Dense(4, kernel_initializer='uniform')))
        """, id="recurrent-with-legacy-objects-where-no-builtin-is-exact"),
]


@pytest.mark.parametrize("source, expected", NATIVE_CASES)
def test_to_native_rewrites_calls_with_an_exact_keras3_form(source, expected):
    assert native(source).new_source == dedent(expected)


# (source, substring of the reason); the call must stay, on legacy_conv's layer.
KEPT_CASES = [
    pytest.param("model.add(Convolution2D(64, 3, 3, weights=[w, b], dim_ordering='tf'))",
                 "weights= holds arrays in Keras 1's layout", {}, id="weights"),
    pytest.param("model.add(Convolution2D(64, 3, 3, dim_ordering='tf'))",
                 "Keras 1 backend 'theano': its convolution flips the kernel",
                 {"keras1_backend": "theano"}, id="theano-kernels"),
    pytest.param("model.add(Convolution2D(64, 3, 3))", "dim_ordering='default' follows "
                 "keras.json", {"image_dim_ordering": None}, id="default-dim-ordering"),
    pytest.param("def block(mode):\n    return Convolution2D(64, 3, 3, border_mode=mode)",
                 "`border_mode` is mode, whose value decides", {}, id="non-literal-mode"),
    pytest.param("def up(n):\n    return Deconvolution2D(3, 3, 3, output_shape=(None, n, n, 3))",
                 "output_shape is not a literal", {}, id="deconv-output-shape-unknown"),
    pytest.param("x = Deconvolution2D(3, 4, 4, output_shape=(None, 16, 16, 3), "
                 "subsample=(2, 2), border_mode='same')(x)",
                 "Keras 1's output_shape is Keras 3's transposed convolution followed by a "
                 "crop", {}, id="deconv-even-kernel-same"),
    pytest.param("x = MaxPooling2D((3, 3), strides=(2, 2), border_mode='same')(x)",
                 "Theano's 'same' pooling depends on the input's spatial size",
                 {"keras1_backend": "theano"}, id="theano-same-pooling"),
    pytest.param("x = Convolution2D(8, 3, 3, activity_regularizer=activity_l2(0.1))(x)",
                 "its activity_regularizer: Keras 1 added the penalty summed over the batch",
                 {},
                 id="activity-regularizer"),
    pytest.param("x = Convolution2D(8, 3, 3, activation='hard_sigmoid')(x)",
                 "activation 'hard_sigmoid': Keras 1's is clip(0.2 x + 0.5, 0, 1)", {},
                 id="hard-sigmoid"),
    pytest.param("x = Convolution1D(64, 3)(x)", "(`kernel_initializer.scale`) depends on the "
                 "input shape", {}, id="conv1d-fans-need-the-channels"),
    pytest.param("x = Convolution2D(8, 3, 3, 'glorot_uniform', None, None, 'valid', (1, 1), "
                 "'tf', None, None, None, None, None, True, 'tensorflow')(x)",
                 "16 positional arguments; Keras 1's Convolution2D takes at most 15", {},
                 id="too-many-positional"),
    pytest.param("x = merge([a, b], mode='dot', dot_axes=1)", "mode='dot'", {}, id="merge-dot"),
    pytest.param("x = BatchNormalization(mode=2)(x)", "mode=2", {}, id="batchnorm-mode-2"),
    pytest.param("x = Cropping2D(((1, 1), (0, 0)), dim_ordering=ordering)(x)",
                 "`dim_ordering` is ordering", {}, id="non-literal-ordering"),
    pytest.param("x = Convolution2D(8, 3, 3, **options)(x)", "(Manual check required) it "
                 "passes **options", {}, id="kwargs"),
]
KEPT_HEADER = ("from keras.layers import *\n"
               "from keras.regularizers import activity_l2\n")


@pytest.mark.parametrize("line, reason, options", KEPT_CASES)
def test_to_native_keeps_what_is_not_provably_the_same_and_says_why(line, reason, options):
    result = native(KEPT_HEADER + line, **options)
    kept = [e for e in result.report_entries if e.kind == "kept"]
    assert len(kept) == 1 and reason in kept[0].reason, report.text(result.report_entries)
    added = result.new_source.replace(", keras1_backend='theano'", "")
    texts = (result.new_source, added, added.replace(", dim_ordering='tf'", ""))
    assert any(line.splitlines()[-1].strip() in text for text in texts)  # flags written


NOOP_CASES = [
    pytest.param("""
        from keras.layers import Conv2D, Dense, MaxPooling2D
        x = Conv2D(64, (3, 3), padding='same')(x)
        x = MaxPooling2D(pool_size=(2, 2), data_format='channels_last')(x)
        x = Dense(10)(x)
        """, id="keras3-code"),
    pytest.param("""
        import legacy_conv
        x = legacy_conv.Convolution2D(8, 3, 3, border_mode='same', keras1_backend='theano')(x)
        """, id="legacy-conv-code-kept"),
    pytest.param("""
        def Convolution2D(*args):
            return args
        Convolution2D(8, 3, 3)
        """, id="a-function-of-the-user's"),
]


@pytest.mark.parametrize("source", NOOP_CASES)
@pytest.mark.parametrize("to", ["legacy", "native"])
def test_must_not_change(source, to):
    assert migrate_source(dedent(source), to=to).new_source == dedent(source)


def test_native_leaves_keras1_calls_that_mean_the_same_in_keras3():
    source = dedent("""
        from keras.layers import Dense, Activation, Flatten, Dropout
        model.add(Flatten())
        model.add(Dense(10))
        model.add(Dropout(0.5))
        model.add(Activation('relu'))
        """)
    assert migrate_source(source, to="native").new_source == source
    assert migrate_source(source, to="legacy").new_source == source.replace(
        "from keras.layers", "from legacy_conv.keras1.layers")


ALL_SOURCES = [pytest.param(p.values[0], to, id=f"{to}-{p.id}")
               for cases, modes in ((LEGACY_CASES, ("legacy", "native")),
                                    (NATIVE_CASES, ("native",)), (NOOP_CASES, ("native",)))
               for p in cases for to in modes] + [
    pytest.param(KEPT_HEADER + p.values[0], "native", id=f"native-{p.id}") for p in KEPT_CASES]


@pytest.mark.slow(quick=5)
@pytest.mark.parametrize("source, to", ALL_SOURCES)
def test_rerunning_on_migrated_code_changes_nothing(source, to):
    once = migrate_source(dedent(source), to=to, image_dim_ordering="tf")
    again = migrate_source(once.new_source, to=to, image_dim_ordering="tf")
    assert again.new_source == once.new_source


# -- --check: every call that reaches a Keras 3 alias ------------------------------------------
TRAP_CASES = [
    pytest.param("import keras\nkeras.layers.Convolution2D(32, 3, 3)", id="import-keras"),
    pytest.param("from keras.layers import *\nConvolution2D(32, 3, 3)", id="star"),
    pytest.param("from keras.layers import Convolution2D as C\nC(32, 3, 3)", id="as"),
    pytest.param("import keras.layers as L\nL.Convolution2D(32, 3, 3)", id="module-as"),
    pytest.param("from keras import layers\nlayers.SeparableConvolution2D(8, 3, 3)",
                 id="from-keras-import-layers"),
    pytest.param("from tensorflow import keras\nkeras.layers.Convolution3D(4, 3, 3, 3)",
                 id="from-tensorflow-import-keras"),
    pytest.param("import tensorflow as tf\ntf.keras.layers.Convolution1D(8, 3, 'same')",
                 id="tf.keras"),
    pytest.param("from tensorflow.keras.layers import Convolution2DTranspose\n"
                 "Convolution2DTranspose(4, 3)", id="tensorflow.keras.layers"),
    pytest.param("import keras\nConv = keras.layers.Convolution2D\nConv(32, 3, 3)",
                 id="assigned-alias"),
    pytest.param("from keras.layers import Conv2D\nConv2D(32, 3, 3)",
                 id="keras1-alias-Conv2D-positional"),
    pytest.param("from keras.layers import BatchNormalization\nBatchNormalization(1e-3)",
                 id="batchnorm-epsilon-positional"),
    pytest.param("from keras.layers import Activation\nActivation('hard_sigmoid')",
                 id="hard-sigmoid"),
    pytest.param("from keras.layers import MaxPooling2D\nMaxPooling2D((2, 2), "
                 "border_mode='same')", id="keras1-keyword"),
]


@pytest.mark.parametrize("source", TRAP_CASES)
def test_check_finds_every_call_that_reaches_a_keras3_alias(source):
    entries = check_source(source).report_entries
    assert [(e.kind, e.line) for e in entries] == [("trap", source.count("\n") + 1)]


def test_check_says_what_keras3_reads():
    entry, = check_source("import keras\nkeras.layers.Convolution2D(32, 3, 3)").report_entries
    assert entry.reason == (
        "keras.layers.Convolution2D is Keras 3's alias of Conv2D: as a Keras 1 call it means "
        "Convolution2D(nb_filter=32, nb_row=3, nb_col=3); Keras 3 reads "
        "Conv2D(filters=32, kernel_size=3, strides=3)")


def test_check_passes_keras3_code_and_warns_about_other_defaults():
    source = dedent("""
        from keras.layers import Conv2D, Dense, LSTM
        import legacy_conv
        Conv2D(32, (3, 3), strides=2)
        Dense(10)
        legacy_conv.Convolution2D(32, 3, 3)
        LSTM(32)
        """)
    entries = check_source(source).report_entries
    assert [(e.kind, e.line) for e in entries] == [("warning", 6)]
    assert entries[0].reason.startswith("(Manual check required)")


def test_every_keras3_alias_of_a_keras1_style_name_is_known():
    assert {"Convolution1D", "Convolution2D", "Convolution3D", "Convolution2DTranspose",
            "SeparableConvolution1D", "SeparableConvolution2D"} <= set(rules.KERAS3_ALIASES)
    for name, target in rules.KERAS3_ALIASES.items():
        assert getattr(keras.layers, name) is getattr(keras.layers, target)


# -- the driver and the command line -----------------------------------------------------------
def _cli(*argv):
    parser = argparse.ArgumentParser(prog="legacy-conv")
    cli.add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["migrate", *argv])
    out, err = io.StringIO(), io.StringIO()
    status = args.run(args, None, [], stdout=out, stderr=err)
    return status, out.getvalue(), err.getvalue()


KERAS1_FILE = dedent("""
    from keras.layers import Convolution2D  # Keras 1
    model.add(Convolution2D(8, 3, 3, border_mode='same', dim_ordering='tf'))
    """)


@pytest.fixture
def tree(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "model.py").write_text(KERAS1_FILE)
    (tmp_path / "pkg" / "keras3.py").write_text("from keras.layers import Dense\nDense(units=3)\n")
    (tmp_path / "top.py").write_text(KERAS1_FILE.replace("8, 3, 3", "4, 5, 5"))
    (tmp_path / "notes.txt").write_text("not python")
    return tmp_path


def test_check_exits_1_while_traps_remain_and_writes_nothing(tree):
    before = (tree / "pkg" / "model.py").read_text()
    status, out, err = _cli(str(tree), "--check")
    assert status == 1 and out == ""
    assert err.count(": trap: ") == 2 and "model.py:2:11: trap: Convolution2D(8, 3, 3" in err
    assert (tree / "pkg" / "model.py").read_text() == before
    assert _cli(str(tree), "--to", "native", "--write")[0] == 0
    status, _, err = _cli(str(tree), "--check")
    assert status == 0 and "nothing to report" in err


def test_without_write_it_prints_a_unified_diff(tree):
    status, out, err = _cli(str(tree / "pkg"), "--to", "native")
    assert status == 0
    model = str(tree / "pkg" / "model.py")
    assert out.startswith(f"--- {model}\n+++ {model}\n@@ ")
    assert "-from keras.layers import Convolution2D  # Keras 1\n" in out
    assert "+model.add(Conv2D(8, (3, 3), padding='same', data_format='channels_last'))" in out
    assert "keras3.py" not in out  # unchanged files have no diff
    assert "would rewrite 1 of 2 file(s)" in err
    assert (tree / "pkg" / "model.py").read_text() == KERAS1_FILE


def test_write_replaces_each_file_atomically_keeping_its_permissions(tree):
    path = tree / "pkg" / "model.py"
    path.chmod(0o640)
    inode = path.stat().st_ino
    status, out, err = _cli(str(tree), "--write")
    assert status == 0 and out == ""
    assert "from legacy_conv.keras1.layers import Convolution2D  # Keras 1" in \
        path.read_text()
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert path.stat().st_ino != inode  # a new file renamed into place
    assert sorted(p.name for p in (tree / "pkg").iterdir()) == ["keras3.py", "model.py"]
    assert "rewrote 2 of 3 file(s)" in err


def test_a_file_that_does_not_parse_is_reported_and_left_untouched(tree):
    bad = tree / "pkg" / "broken.py"
    bad.write_text("def broken(:\n    pass\n")
    status, out, err = _cli(str(tree), "--write")
    assert status == 1
    assert f"{bad}:1:12: error: does not parse (invalid syntax)" in err and "left untouched" in err
    assert bad.read_text() == "def broken(:\n    pass\n"
    assert "legacy_conv" in (tree / "top.py").read_text()  # the others are written


def test_usage_errors_exit_2(tree, capsys):
    assert _cli(str(tree / "missing.py"))[0] == 2
    with pytest.raises(SystemExit) as exit_:
        _cli(str(tree), "--to", "keras2")
    assert exit_.value.code == 2


def test_migrate_source_raises_for_bad_input():
    with pytest.raises(MigrationError, match=r"<string>:1:\d+: does not parse"):
        migrate_source("def f(:\n")
    with pytest.raises(ValueError, match="`to` must be one of 'legacy', 'native'"):
        migrate_source("x = 1", to="keras3")


def test_report_lines_and_header():
    result = native("""
        from keras.layers import Convolution2D
        x = Convolution2D(8, 3, 3, dim_ordering='tf')(x)
        y = Convolution2D(8, 3, 3, weights=w, dim_ordering='tf')(y)
        """, path="model.py")
    lines = report.text(result.report_entries, report.header(
        "native", "tensorflow", False, "tf")).splitlines()
    assert lines[0] == "legacy-conv migrate --to native (Keras 1.2.2 semantics)"
    assert lines[1].startswith("  Keras 1 backend assumed: 'tensorflow' (the package default")
    assert lines[2] == "  image_dim_ordering assumed: 'tf' (--image-dim-ordering)"
    assert lines[3] == ("model.py:1:1: converted: from keras.layers import Convolution2D -> "
                        "from legacy_conv import Convolution2D")
    assert lines[4] == ("model.py:2:5: converted: Convolution2D(8, 3, 3, dim_ordering='tf') -> "
                        "Conv2D(8, (3, 3), data_format='channels_last')")
    assert lines[5].startswith("model.py:3:5: kept: Convolution2D(8, 3, 3, weights=w, "
                               "dim_ordering='tf'): weights= holds arrays")
    assert lines[-1] == "2 converted, 1 kept"


def test_python_dash_m_runs_it(tree, monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["legacy_conv.migration", str(tree), "--check"])
    with pytest.raises(SystemExit) as exit_:
        runpy.run_module("legacy_conv.migration", run_name="__main__")
    assert exit_.value.code == 1
    assert "2 trap" in capsys.readouterr().err


# -- the tables against the signatures they come from -------------------------------------------
@pytest.mark.parametrize("name", sorted(rules.LEGACY_LAYERS))
def test_our_signatures_start_with_keras1s(name):
    ours = [p for p in rules.keras1_params(name) if p[0] not in OLDER_RELEASES.get(name, ())]
    assert ours == list(keras1_signatures.LAYERS[name][0])


# Arguments of our layers that an older Keras 1 release had and 1.2.2 dropped (its files
# still hold them).
OLDER_RELEASES = {"Highway": ("transform_bias",)}  # Keras 1.1.2


def test_the_example_migrates_a_keras1_codebase_in_two_steps(capsys):
    runpy.run_path(str(ROOT / "examples" / "migrate_codebase.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert out.count("predictions match Keras 1") == 4
    assert "step 2: convnet.py" in out and "kept: keras.layers.Convolution1D(5, 3" in out


# -- Keras 3 itself: why a 'th' layer with a bias stays ours under --to native ------------------
def test_keras3_channels_first_bias_still_lands_on_the_last_axis():
    """spec.layers.CHANNELS_FIRST_BIAS: when this fails, Keras fixed `ops.add`'s bias_add
    shortcut, and `migrate --to native` may write channels_first layers with a bias again."""
    import keras

    x = np.zeros((1, 2, 3, 2), "float32")
    layer = keras.layers.Conv2D(2, 1, data_format="channels_first", kernel_initializer="zeros",
                                bias_initializer=keras.initializers.Constant([1.0, -1.0]))
    assert np.asarray(layer(x))[0, :, 0].tolist() == [[1.0, -1.0], [1.0, -1.0]]  # Keras 1: rows


def test_a_th_layer_with_a_bias_stays_ours_without_one_goes_native():
    source = "from keras.layers import Convolution2D\nx = Convolution2D(4, 3, 3{})(x)\n"
    kept = migrate_source(source.format(""), to="native", image_dim_ordering="th")
    assert "legacy_conv" in kept.new_source and any(
        "bias along the last axis" in (e.reason or "") for e in kept.report_entries)
    native = migrate_source(source.format(", bias=False"), to="native", image_dim_ordering="th")
    assert "Conv2D(4, (3, 3), use_bias=False, data_format='channels_first')" in native.new_source



def test_a_kept_builtin_call_names_the_namespace_s_class():
    """`--to native` keeps `Dense(..., weights=...)` Keras 1's: its name then comes from
    the namespace (Keras 3's Dense refuses weights=); a name with Keras 3 calls too is left
    with a warning."""
    kept = migrate_source("from keras.layers.core import Dense\nd = Dense(3, weights=[w, b])\n",
                          to="native", image_dim_ordering="tf")
    assert kept.new_source.startswith("from legacy_conv.keras1.layers.core import Dense\n")
    both = migrate_source("from keras.layers import Dense\nd = Dense(3, weights=[w, b])\n"
                          "e = Dense(4)\n", to="native", image_dim_ordering="tf")
    assert both.new_source.startswith("from keras.layers import Dense\n")
    assert any(e.kind == "warning" and "legacy_conv.keras1.layers" in e.reason
               for e in both.report_entries)


def test_an_import_left_unused_by_converted_calls_goes():
    """A Theano PReLU becomes `legacy_conv.Keras1PReLU` (Keras 1's gradient at 0): the
    import of Keras's PReLU, read nowhere after that, goes; one still read stays."""
    source = ("from keras.layers import Dense, PReLU\nm.add(Dense(10, input_dim=4))\n"
              "m.add(PReLU())\n")
    gone = migrate_source(source, to="native", keras1_backend="theano", image_dim_ordering="tf")
    assert gone.new_source.startswith("from keras.layers import Dense\nimport legacy_conv\n")
    assert "legacy_conv.Keras1PReLU(keras1_backend='theano')" in gone.new_source
    kept = migrate_source(source + "p = PReLU\n", to="native", keras1_backend="theano",
                          image_dim_ordering="tf")
    assert kept.new_source.startswith("from keras.layers import Dense, PReLU\n")


@pytest.mark.parametrize("path", sorted(CODE.glob("*.py")), ids=lambda p: p.stem)
def test_each_import_entry_says_what_the_code_imports(path):
    """An import statement's entry gives the statement as the migrated code has it, after
    the clean-up of names left unused (bidi_masked.py: Bidirectional goes once its call is
    legacy_conv.Keras1Bidirectional)."""
    result = migrate_source(path.read_text(), to="native", keras1_backend="theano",
                            image_dim_ordering="th")
    entries = [e for e in result.report_entries if e.kind == "converted" and e.old and
               e.old.startswith(("import ", "from ")) and e.new != "(removed)"]
    assert entries
    imported = _imported_names(result.new_source)
    for entry in entries:
        assert _imported_names(entry.new) <= imported, (entry, result.new_source)
    if path.stem == "bidi_masked":
        assert any(e.new == "from keras.layers import TimeDistributed" for e in entries)


def _imported_names(code):
    """{(module, name, asname)} of the import statements in `code`."""
    import ast

    return {(getattr(node, "module", None), alias.name, alias.asname)
            for node in ast.walk(ast.parse(code)) if isinstance(node, (ast.Import, ast.ImportFrom))
            for alias in node.names}
