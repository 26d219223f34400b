"""`legacy-conv migrate --to native` beyond layers: each Keras 1 call with a Keras 3 twin of the
same meaning (`spec.api.Twin`: model methods, optimizers, losses and metrics, `to_categorical`,
backend functions) becomes that call; the rest stays on `legacy_conv.keras1`, with the reason.

Checked against Keras 1.2.2 itself: the migrated backend calls give the keras1_backend fixtures'
numbers and dtypes on both backends, and migrated training scripts give the keras1_training
fixtures' `fit` histories (keys included)."""

import importlib.util
import textwrap

import numpy as np
import pytest

import legacy_conv
from legacy_conv.migration import migrate_source
from legacy_conv.spec import backend as backend_spec
from legacy_conv.spec import training
from tests import _fixtures


def _native(source, **kwargs):
    return migrate_source(textwrap.dedent(source), to="native", **kwargs)


def _reasons(result, kind="kept"):
    return [e.reason for e in result.report_entries if e.kind == kind]


@pytest.fixture(autouse=True)
def _settings_restored():
    settings = dict(legacy_conv.backend._state)
    yield
    legacy_conv.backend._state.update(settings)


# -- rewrites -----------------------------------------------------------------------------------
REWRITES = [
    pytest.param("""
        from keras.utils import np_utils
        Y = np_utils.to_categorical(y, nb_classes=10)
        """, """
        import keras
        Y = keras.utils.to_categorical(y, num_classes=10)
        """, id="to_categorical"),
    pytest.param("""
        from keras.optimizers import SGD, Adam
        sgd = SGD(lr=0.1, momentum=0.9, nesterov=True, clipnorm=1.0)
        adam = Adam(0.01, decay=0.0)
        """, """
        from keras.optimizers import SGD, Adam
        sgd = SGD(learning_rate=0.1, momentum=0.9, nesterov=True, global_clipnorm=1.0)
        adam = Adam(0.01, epsilon=1e-08)
        """, id="optimizers-lr-clipnorm-default-decay"),
    pytest.param("""
        import keras
        opt = keras.optimizers.Adadelta()
        """, """
        import keras
        opt = keras.optimizers.Adadelta(learning_rate=1.0, epsilon=1e-08)
        """, id="adadelta-keras1-defaults"),
    pytest.param("""
        from keras.layers import Embedding
        from keras.optimizers import SGD
        e = Embedding(10, 4)
        sgd = SGD(lr=0.1, momentum=0.9)
        """, """
        from keras.layers import Embedding
        from keras.optimizers import SGD
        e = Embedding(10, 4)
        sgd = SGD(learning_rate=0.1, momentum=0.9)
        """, id="sgd-with-an-embedding"),
    pytest.param("""
        from keras import backend as K
        y = K.concatenate([K.abs(a), K.pow(b, 2)])
        z = K.permute_dimensions(K.expand_dims(a, 1), (0, 2, 1))
        """, """
        import keras
        y = keras.ops.concatenate([keras.ops.absolute(a), keras.ops.power(b, 2)], axis=-1)
        z = keras.ops.transpose(keras.ops.expand_dims(a, 1), (0, 2, 1))
        """, id="backend-to-ops"),
    pytest.param("""
        from keras.models import Sequential
        model = Sequential()
        model.compile(loss='categorical_crossentropy', optimizer='adam', metrics=['accuracy'])
        model.fit(X, Y, batch_size=16)
        loss, acc = model.evaluate(X, Y, verbose=0)
        p = model.predict_proba(X)
        """, """
        from keras.models import Sequential
        import keras

        model = Sequential()
        model.compile(loss='categorical_crossentropy', optimizer=keras.optimizers.Adam(epsilon=1e-08), metrics=['acc'])
        model.fit(X, Y, batch_size=16, epochs=10)
        loss, acc = model.evaluate(X, Y, verbose=0)
        p = model.predict(X)
        """, id="model-methods-keras1-defaults"),
    pytest.param("""
        from keras.models import Model
        def build():
            model = Model(input=a, output=b)
            return model
        model = build()
        model.compile('sgd', 'binary_crossentropy', ['acc', 'mae'])
        model.fit(X, Y, 32, 5, validation_split=0.1)
        """, """
        from keras.models import Model
        import keras

        def build():
            model = Model(inputs=a, outputs=b)
            return model
        model = build()
        model.compile('sgd', 'binary_crossentropy', metrics=[keras.metrics.BinaryAccuracy(name='acc'), 'mean_absolute_error'])
        model.fit(X, Y, 32, 5, validation_split=0.1)
        """, id="model-from-a-function-positional"),
]


@pytest.mark.parametrize("before,after", REWRITES)
def test_rewrites(before, after):
    result = _native(before)
    assert result.new_source == textwrap.dedent(after)
    assert not _reasons(result)
    assert _native(result.new_source).new_source == result.new_source  # idempotent


# -- what stays on the namespace, and why --------------------------------------------------------
KEPT = [
    pytest.param("from keras.optimizers import RMSprop\nopt = RMSprop(lr=0.01)\n",
                 "RMSprop(lr=0.01)", "sqrt(v + epsilon)", id="rmsprop-update-rule"),
    pytest.param("from keras.optimizers import Adagrad\nopt = Adagrad()\n",
                 "Adagrad()", "accumulators at 0.1", id="adagrad-update-rule"),
    pytest.param("from keras.optimizers import Nadam\nopt = Nadam()\n",
                 "Nadam()", "0.96 ** t", id="nadam-schedule"),
    pytest.param("from keras.optimizers import SGD\nopt = SGD(lr=0.1, decay=1e-6)\n",
                 "SGD(lr=0.1, decay=1e-6)", "decay=", id="decay"),
    pytest.param("from keras import backend as K\nif K.image_dim_ordering() == 'th': pass\n",
                 "K.image_dim_ordering()", "'channels_first'", id="image_dim_ordering"),
    pytest.param("from keras import backend as K\ns = K.sum(x)\n",
                 "K.sum(x)", "int64", id="backend-sum-theano-ints"),
    pytest.param("from keras.callbacks import EarlyStopping\ncb = EarlyStopping(patience=2)\n",
                 "EarlyStopping(patience=2)", "one epoch sooner", id="early-stopping"),
    pytest.param("from keras.layers import Embedding\nfrom keras.optimizers import Adamax\n"
                 "e = Embedding(10, 4)\nopt = Adamax()\n", "Adamax()",
                 "Embedding's sparse gradient", id="adamax-with-an-embedding"),
    pytest.param("from keras.models import Sequential\nfrom keras.layers import Embedding\n"
                 "model = Sequential([Embedding(10, 4)])\n"
                 "model.compile(loss='mse', optimizer='adam')\n",
                 "Sequential([Embedding(10, 4)])", "Adam squares the rows of an Embedding",
                 id="adam-by-name-with-an-embedding"),
]


@pytest.mark.parametrize("source,call,why", KEPT)
def test_kept_on_the_namespace_with_the_reason(source, call, why):
    result = _native(source, image_dim_ordering="th")
    entry = next(e for e in result.report_entries if e.kind == "kept")
    assert entry.old == call and why in entry.reason
    assert "from legacy_conv.keras1." in result.new_source or \
        "from legacy_conv.keras1 import" in result.new_source
    assert call in result.new_source


def test_a_model_stays_whole_when_one_of_its_calls_has_no_twin():
    source = """
        from keras.models import Sequential
        model = Sequential()
        model.compile(loss='hinge', optimizer='sgd')
        model.fit(X, Y, nb_epoch=2)
        classes = model.predict_classes(X)
        """
    result = _native(source, image_dim_ordering="tf", keras1_backend="theano")
    new = result.new_source
    assert "from legacy_conv.keras1.models import Sequential" in new
    assert "model.fit(X, Y, nb_epoch=2)" in new  # Keras 1's fit, unchanged
    assert "legacy_conv.set_keras1_backend('theano')" in new
    reasons = _reasons(result)
    assert any("loss='hinge'" in r for r in reasons)
    assert any("predict_classes" in r for r in reasons)
    assert any("its models' calls stay Keras 1's" in r for r in reasons)


def test_a_keras1_keyword_without_a_twin_keeps_the_model():
    source = "from keras.models import Sequential\nm = Sequential()\n" \
             "m.fit(X, Y, nb_epoch=2, show_accuracy=True)\n"
    result = _native(source)
    assert "from legacy_conv.keras1.models import Sequential" in result.new_source
    assert any("`show_accuracy` has no Keras 3 twin" in r for r in _reasons(result))


def test_a_model_class_from_a_star_import_stays_with_it():
    source = "from keras.models import *\nm = Sequential()\nm.fit(X, Y, nb_epoch=2)\n"
    new = _native(source).new_source
    assert "from legacy_conv.keras1.models import *" in new and "nb_epoch=2" in new


def test_native_from_the_original_and_from_legacy_output_alike():
    source = textwrap.dedent(REWRITES[4].values[0]) + textwrap.dedent(KEPT[4].values[0])
    direct = _native(source).new_source
    legacy = migrate_source(source, to="legacy").new_source
    assert migrate_source(legacy, to="native").new_source == direct


def test_a_call_on_a_model_made_elsewhere_is_left_with_a_warning():
    result = _native("def train(model):\n    model.fit(X, Y, nb_epoch=3)\n")
    assert result.new_source == "def train(model):\n    model.fit(X, Y, nb_epoch=3)\n"
    assert any("(Manual check required)" in r for r in _reasons(result, "warning"))


def test_sklearn_fit_is_not_touched():
    source = "from keras.models import Sequential\nm = Sequential()\nscaler.fit(X)\n"
    assert _native(source).new_source == source
    source = textwrap.dedent("""\
        from keras.models import Sequential
        model = Sequential()
        model.fit(X, Y, nb_epoch=2)
        def baseline(X, y):
            model = LogisticRegression()
            model.fit(X, y)
        """)
    new = _native(source).new_source
    assert "model.fit(X, Y, epochs=2)" in new and "    model.fit(X, y)\n" in new


# -- the truth: Keras 1's backend functions -------------------------------------------------------
def _backend_cases():
    spec = importlib.util.spec_from_file_location(
        "keras1_backend_cases", _fixtures.BACKEND_API / "cases.py")
    cases = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cases)
    return [pytest.param(backend, *case, id=f"{backend}-{case[0]}")
            for backend in _fixtures.BACKENDS for case in cases.CASES
            if case[1] in backend_spec.OPS and not case[3].keys() & set(
                backend_spec.OPS[case[1]].kept)]


def _source_value(value, names):
    if isinstance(value, list):
        return "[" + ", ".join(_source_value(v, names) for v in value) + "]"
    if isinstance(value, str) and value.startswith("@"):
        names.add(value[1:])
        return value[1:]
    return repr(value)


@pytest.mark.parametrize("backend,case,function,args,kwargs", _backend_cases())
def test_migrated_backend_calls_give_keras1s_numbers(backend, case, function, args, kwargs):
    names = set()
    call = ", ".join([_source_value(a, names) for a in args] +
                     [f"{k}={_source_value(v, names)}" for k, v in kwargs.items()])
    result = _native(f"from keras import backend as K\nout = K.{function}({call})\n")
    assert "keras.ops." in result.new_source and "legacy_conv" not in result.new_source
    arrays = _fixtures.npz(_fixtures.BACKEND_API / f"backend_{backend}.npz")
    scope = {n: arrays["in." + n] for n in names}
    exec(compile(result.new_source, case, "exec"), scope)
    out = np.asarray(scope["out"])
    expected = _fixtures.read_json(_fixtures.BACKEND_API / f"backend_{backend}.json")["cases"][case]
    assert list(out.shape) == expected["shape"]
    assert str(out.dtype) == expected["dtype"]
    np.testing.assert_allclose(out.astype("float64"), arrays["out." + case].astype("float64"),
                               rtol=1e-5, atol=1e-6)


# -- the truth: Keras 1's training -----------------------------------------------------------------
TRAINING_TOL = {"theano": {"rtol": 1e-5, "atol": 1e-6}, "tensorflow": {"rtol": 3e-2, "atol": 3e-2}}
LAST = {"softmax": ("softmax", 3), "sparse": ("softmax", 3), "linear": ("softplus", 3),
        "sigmoid": ("sigmoid", 1)}


def _training_source(case, optimizer):
    activation, units = LAST[case["model"]]
    return textwrap.dedent(f"""\
        from keras.models import Sequential
        from keras.layers import Dense
        from keras import optimizers

        model = Sequential()
        model.add(Dense(5, activation='tanh', input_dim=4))
        model.add(Dense({units}, activation={activation!r}))
        model.set_weights(INIT)
        model.compile(loss={case['loss']!r}, optimizer={optimizer}, metrics={case['metrics']!r})
        history = model.fit(X, Y, batch_size={case['batch_size']}, nb_epoch={case['epochs']},
                            shuffle=False, verbose=0, validation_data=(VX, VY))
        """)


def _stays_keras1(case):
    """Whether `--to native` keeps the case's optimizer on the namespace (spec.training)."""
    return bool(training.OPTIMIZER_RULES[case["optimizer"]] or
                set(case["config"]) & set(training.OPTIMIZER_KEPT))


def _training_cases():
    """Every training fixture's optimizer, by object and by name; an optimizer that stays on
    the namespace on Theano only (tests/test_keras1_training.py trains it on both)."""
    out = []
    for backend in _fixtures.BACKENDS:
        cases = _fixtures.read_json(_fixtures.TRAINING / backend / "training.json")["cases"]
        for name, case in sorted(cases.items()):
            if case["model"] == "conv" or backend == "tensorflow" and _stays_keras1(case):
                continue
            config = ", ".join(f"{k}={v!r}" for k, v in sorted(case["config"].items()))
            forms = [f"optimizers.{case['optimizer']}({config})"]
            if not case["config"]:
                forms.append(repr(case["optimizer"].lower()))
            out += [pytest.param(backend, name, form, id=f"{backend}-{name}-{form}")
                    for form in forms]
    return out


@pytest.mark.slow(quick=("theano-sgd-optimizers.SGD()", "theano-adam-'adam'",
                         "theano-adadelta-optimizers.Adadelta()", "theano-adamax-'adamax'",
                         "theano-rmsprop-optimizers.RMSprop()",
                         "tensorflow-adam-optimizers.Adam()"))
@pytest.mark.parametrize("backend,name,optimizer", _training_cases())
def test_migrated_training_gives_keras1s_history(backend, name, optimizer):
    record = _fixtures.read_json(_fixtures.TRAINING / backend / "training.json")["cases"][name]
    arrays = _fixtures.npz(_fixtures.TRAINING / backend / "training.npz")
    source = _training_source(record, optimizer)
    native = _native(source, keras1_backend=backend, image_dim_ordering="tf")
    legacy = migrate_source(source, to="legacy", keras1_backend=backend,
                            image_dim_ordering="tf").new_source
    assert migrate_source(legacy, to="native", keras1_backend=backend,
                          image_dim_ordering="tf").new_source == native.new_source
    kind = record["model"]
    scope = {"INIT": [arrays[f"init.{kind}.{i}"] for i in range(4)],
             **{k.upper(): arrays[f"data.{kind}.{k}"] for k in ("x", "y", "vx", "vy")}}
    with _fixtures.eagerly():  # test_keras1_training.py traces each optimizer's fit
        exec(compile(native.new_source, name, "exec"), scope)
    history = scope["history"].history
    assert sorted(history) == sorted(record["history"])
    for key, values in record["history"].items():
        if backend == "tensorflow" and not key.endswith("loss"):
            continue  # Keras 1 on TensorFlow raced its updates (tests/test_keras1_training.py)
        np.testing.assert_allclose(history[key], values, err_msg=key, **TRAINING_TOL[backend])


def test_training_scripts_with_twins_do_go_native():
    """The cases whose optimizer, loss and metrics all have twins run on Keras 3 alone."""
    native = {p.id for p in _training_cases() if "legacy_conv.keras1" not in _native(
        _training_source(_fixtures.read_json(_fixtures.TRAINING / p.values[0] /
                                             "training.json")["cases"][p.values[1]],
                         p.values[2]), image_dim_ordering="tf").new_source}
    assert {"theano-sgd-optimizers.SGD()", "theano-adam-'adam'",
            "theano-adadelta-optimizers.Adadelta()", "theano-adamax-'adamax'"} <= native
    assert not any("rmsprop" in i or "nadam" in i or "decay" in i for i in native)


@pytest.mark.parametrize("backend", _fixtures.BACKENDS)
def test_clipnorm_becomes_global_clipnorm_with_keras1s_history(backend):
    """Keras 1's clipnorm clipped by the norm of all the gradients: Keras 3's global_clipnorm
    (the case's cosine_proximity metric, which has no twin, is left out: metrics do not train)."""
    record = _fixtures.read_json(_fixtures.TRAINING / backend / "training.json")["cases"][
        "sgd_momentum_clipnorm"]
    arrays = _fixtures.npz(_fixtures.TRAINING / backend / "training.npz")
    source = _training_source({**record, "metrics": ["mae"]},
                              "optimizers.SGD(clipnorm=0.3, lr=0.2, momentum=0.5)")
    native = _native(source, keras1_backend=backend, image_dim_ordering="tf").new_source
    assert "global_clipnorm=0.3" in native and "legacy_conv.keras1" not in native
    scope = {"INIT": [arrays[f"init.linear.{i}"] for i in range(4)],
             **{k.upper(): arrays[f"data.linear.{k}"] for k in ("x", "y", "vx", "vy")}}
    exec(compile(native, "clipnorm", "exec"), scope)
    history = scope["history"].history
    for key in ("loss", "val_loss", "mean_absolute_error", "val_mean_absolute_error"):
        np.testing.assert_allclose(history[key], record["history"][key], err_msg=key,
                                   **TRAINING_TOL[backend])
