"""`legacy_conv.keras1.backend` and the Keras 1 custom `Layer` API against Keras 1.2.2 itself
(tests/fixtures/keras1_backend, written on Theano and on TensorFlow by make_backend.py)."""

import contextlib
import importlib.util
import json
import sys
import types

import keras
import numpy as np
import pytest
import tensorflow as tf

import legacy_conv
from legacy_conv.keras1 import backend as K
from legacy_conv.keras1.engine import topology
from tests import _fixtures

HERE = _fixtures.BACKEND_API


def _load(name):
    spec = importlib.util.spec_from_file_location(f"keras1_backend_{name}", HERE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CASES = _load("cases")
TOL = {"rtol": 1e-5, "atol": 1e-6}


def _record(backend):
    return json.loads((HERE / f"backend_{backend}.json").read_text())


def _arrays(backend):
    with np.load(HERE / f"backend_{backend}.npz") as f:
        return dict(f)


@pytest.fixture(autouse=True)
def _no_leak():
    """Settings as they were (`image_dim_ordering` unset again, not set to its value)."""
    settings, floatx = dict(legacy_conv.backend._state), K.floatx()
    yield
    legacy_conv.backend._state.update(settings)
    K.set_floatx(floatx)


def _resolve(arrays, value):
    if isinstance(value, list):
        return [_resolve(arrays, v) for v in value]
    if isinstance(value, str) and value.startswith("@"):
        return K.variable(arrays["in." + value[1:]], dtype=str(arrays["in." + value[1:]].dtype))
    return value


def _call(arrays, function, args, kwargs):
    return getattr(K, function)(*_resolve(arrays, args),
                                **{k: _resolve(arrays, v) for k, v in kwargs.items()})


# Keras 1 on TensorFlow refused a non-scalar `switch` condition; ours is elementwise (Theano's).
# Keras 1.2.2's Theano batch_normalization passes Theano a `range` of axes, which Theano
# 1.0.5 refuses under Python 3 ("invalid axes"); ours computes TensorFlow's formula.
COMPUTED_WHERE_KERAS1_REFUSED = {("tensorflow", "switch"), ("theano", "batch_normalization")}
# Keras 1 on Theano accepted border_mode='full' in conv2d; ours refuses it on both.
REFUSED_WHERE_KERAS1_COMPUTED = {("theano", "conv2d_bad_border")}


def _cases():
    return [pytest.param(backend, case, fn, args, kwargs, id=f"{backend}-{case}")
            for backend in _fixtures.BACKENDS for case, fn, args, kwargs in CASES.CASES]


@pytest.mark.parametrize("backend,case,function,args,kwargs", _cases())
def test_function_gives_keras1s_numbers(backend, case, function, args, kwargs):
    legacy_conv.set_keras1_backend(backend)
    expected = _record(backend)["cases"][case]
    arrays = _arrays(backend)
    if "error" in expected:
        if (backend, case) in COMPUTED_WHERE_KERAS1_REFUSED:
            pytest.skip(f"Keras 1 on {backend} refused it: {expected['message'][:60]}")
        with pytest.raises((ValueError, tf.errors.InvalidArgumentError)):
            K.eval(_call(arrays, function, args, kwargs))
        return
    out = K.eval(_call(arrays, function, args, kwargs))
    assert list(out.shape) == expected["shape"]
    np.testing.assert_allclose(out.astype("float64"), arrays["out." + case].astype("float64"),
                               **TOL)
    assert str(out.dtype) == expected["dtype"]


@pytest.mark.parametrize("case,function,args,kwargs",
                         [pytest.param(*c, id=c[0]) for c in CASES.ERRORS])
def test_bad_arguments_raise_as_in_keras1(case, function, args, kwargs):
    for backend in _fixtures.BACKENDS:
        if (backend, case) not in REFUSED_WHERE_KERAS1_COMPUTED:
            assert _record(backend)["errors"][case]["error"] == "ValueError"
    with pytest.raises(ValueError, match=function):
        K.eval(_call(_arrays("tensorflow"), function, args, kwargs))


def test_settings():
    record = _record("tensorflow")
    assert K.floatx() == record["settings"]["floatx"]
    assert K.epsilon() == pytest.approx(record["settings"]["epsilon"])
    assert K.backend() == "tensorflow"
    assert K.image_dim_ordering is legacy_conv.image_dim_ordering
    K.set_image_dim_ordering("th")
    assert legacy_conv.image_dim_ordering() == "th"
    with pytest.raises(ValueError, match=r"set_learning_phase: `value` must be 0 or 1. "
                                         r"Received: value=2"):
        K.set_learning_phase(2)


@pytest.mark.parametrize("backend", _fixtures.BACKENDS)
def test_function_gradients_updates_and_learning_phase(backend):
    legacy_conv.set_keras1_backend(backend)
    arrays, record = _arrays(backend), _record(backend)["functions"]
    x = K.placeholder(shape=(None, 4))
    W = K.variable(arrays["fn.W"])
    counter = K.variable(np.zeros((2,)))
    y = K.relu(K.dot(x, W), alpha=0.1)
    loss = K.sum(K.square(y))
    f = K.function([x], [y, loss] + K.gradients(loss, [W, x]),
                   updates=[(counter, counter + K.sum(y, axis=0))])
    results = f([arrays["fn.x"]])
    second = f([arrays["fn.x"]])
    for i, out in enumerate(results):
        np.testing.assert_allclose(out, arrays[f"fn.out{i}"], **TOL)
    np.testing.assert_allclose(second[0], arrays["fn.second"], **TOL)
    np.testing.assert_allclose(K.get_value(counter), arrays["fn.counter"], **TOL)
    for chosen in (K.in_train_phase(x * 2, x - 1), K.switch(K.learning_phase(), x * 2, x - 1)):
        phase = K.function([x, K.learning_phase()], [chosen])
        np.testing.assert_allclose(phase([arrays["fn.x"], 1])[0], arrays["fn.phase1"])
        np.testing.assert_allclose(phase([arrays["fn.x"], 0])[0], arrays["fn.phase0"])
    assert (K.ndim(x), list(K.int_shape(x)), K.dtype(x)) == (
        record["ndim"], record["int_shape"], record["dtype"])
    assert list(K.int_shape(W)) == record["int_shape_W"]


@pytest.mark.parametrize("backend", _fixtures.BACKENDS)
@pytest.mark.parametrize("case", ["plain", "masked", "backwards"])
def test_rnn(backend, case):
    legacy_conv.set_keras1_backend(backend)
    arrays = _arrays(backend)
    U = K.variable(arrays["rnn.U"])

    def step(x_t, states):
        h = K.tanh(K.dot(x_t, U) + states[0] * 0.5)
        return h * 2.0 - 0.25, [h]

    kwargs = {"plain": {}, "masked": {"mask": K.variable(arrays["rnn.mask"])},
              "backwards": {"mask": K.variable(arrays["rnn.mask"]), "go_backwards": True}}
    last, outputs, states = K.rnn(step, K.variable(arrays["rnn.x"]), [K.zeros((2, 3))],
                                  **kwargs[case])
    for name, value in (("last", last), ("outputs", outputs), ("state", states[0])):
        np.testing.assert_allclose(K.eval(value), arrays[f"rnn.{case}.{name}"], **TOL)


# -- custom layers -----------------------------------------------------------------------------
@contextlib.contextmanager
def keras1_modules():
    """`import keras` in the custom layers' source gives this package's Keras 1 namespace."""
    package = types.ModuleType("keras")
    package.backend = K
    package.regularizers = legacy_conv.regularizers
    package.engine = sys.modules["legacy_conv.keras1.engine"]
    modules = {"keras": package, "keras.backend": K, "keras.engine": package.engine,
               "keras.engine.topology": topology, "keras.regularizers": package.regularizers}
    saved = {name: sys.modules.get(name) for name in modules}
    sys.modules.update(modules)
    try:
        yield _load("custom_layers")
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module


LAYERS = {
    "mylayer": (lambda C: C.MyLayer(2, name="my"), (3,), False),
    "attention": (lambda C: C.Attention(name="att"), (5, 4), True),
    "phase": (lambda C: C.PhaseNoise(name="phase"), (3,), False),
}


def _custom_model(case, C):
    make, shape, masked = LAYERS[case]
    from legacy_conv.keras1.layers import Masking
    inp = keras.Input(shape=shape)
    layer = make(C)
    y = layer(Masking(0.0)(inp) if masked else inp)
    return inp, layer, y, keras.Model(inp, y)


@pytest.mark.parametrize("backend", _fixtures.BACKENDS)
@pytest.mark.parametrize("case", sorted(LAYERS))
def test_custom_layer_runs_as_in_keras1(backend, case):
    legacy_conv.set_keras1_backend(backend)
    arrays, expected = _arrays(backend), _record(backend)["layers"][case]
    with keras1_modules() as C:
        inp, layer, y, model = _custom_model(case, C)
    n = len(model.get_weights())
    model.set_weights([arrays[f"layer.{case}.w{i}"] for i in range(n)])
    x = arrays[f"layer.{case}.x"]
    np.testing.assert_allclose(model.predict(x, verbose=0), arrays[f"layer.{case}.y"], **TOL)
    f = K.function([inp, K.learning_phase()], [y])
    np.testing.assert_allclose(f([x, 1])[0], arrays[f"layer.{case}.train"], **TOL)
    np.testing.assert_allclose(f([x, 0])[0], arrays[f"layer.{case}.test"], **TOL)
    assert list(model.output_shape) == expected["model_output_shape"]
    shape = (None,) + LAYERS[case][1]
    assert list(layer.get_output_shape_for(shape)) == expected["output_shape"]
    for kind in ("trainable", "non_trainable"):  # (TF1's names end in ":0")
        assert [w.name for w in getattr(layer, f"{kind}_weights")] == [
            n.split(":")[0] for n in expected[kind]]
    penalty = float(sum(K.eval(loss) for loss in layer.losses)) if layer.losses else 0.0
    assert penalty == pytest.approx(expected["penalty"], rel=1e-5)
    assert layer.get_config() == expected["config"]


def test_custom_layer_saves_and_trains(tmp_path):
    with keras1_modules() as C:
        _, layer, _, model = _custom_model("attention", C)
        keras.saving.register_keras_serializable("tests")(type(layer))
    x = np.random.RandomState(0).uniform(-1, 1, (3, 5, 4)).astype("float32")
    model.compile("sgd", "mse")
    before = [w.copy() for w in model.get_weights()]
    model.fit(x, np.ones((3, 4)), verbose=0)
    after = model.get_weights()
    assert not np.allclose(before[0], after[0])  # W trains
    np.testing.assert_array_equal(before[2], after[2])  # scale is not trainable
    path = tmp_path / "m.keras"
    model.save(path)
    again = keras.saving.load_model(path)
    np.testing.assert_allclose(again.predict(x, verbose=0), model.predict(x, verbose=0))


def test_keras1_layer_errors():
    with pytest.raises(TypeError, match="Keyword argument not understood"):
        topology.Layer(output_dim=3)
    with keras1_modules() as C:
        layer = C.MyLayer(2)
    with pytest.warns(UserWarning, match="`regularizers` property of layers/models is "
                                         "deprecated"):
        layer.regularizers.append(legacy_conv.regularizers.l2(0.1))
    assert layer.regularizers == []
    masked = keras.layers.Masking(0.0)(keras.Input((4, 3)))
    with pytest.raises(ValueError, match="does not support masking, but was passed an "
                                         "input_mask"):
        layer(masked)


@pytest.mark.parametrize("backend", _fixtures.BACKENDS)
def test_keras1_file_with_a_custom_layer_loads(backend):
    """A Keras 1 model file holding a custom layer: its class from `custom_objects`."""
    arrays, record = _arrays(backend), _record(backend)
    with keras1_modules() as C:
        model = legacy_conv.model_from_json(record["mylayer_json"],
                                            custom_objects={"MyLayer": C.MyLayer})
    legacy_conv.load_weights(model, HERE / f"mylayer_{backend}.h5", keras1_backend=backend,
                             custom_objects={"MyLayer": C.MyLayer})
    np.testing.assert_allclose(model.predict(arrays["layer.mylayer.x"], verbose=0),
                               arrays["layer.mylayer.y"], **TOL)
    assert model.layers[-1].get_config()["output_dim"] == 2
