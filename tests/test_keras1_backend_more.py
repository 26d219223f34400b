"""`legacy_conv.keras1.backend`'s convolutions, pooling, padding, higher-order functions,
random draws, CTC and batch normalization against Keras 1.2.2 itself
(tests/fixtures/keras1_backend_more, written on Theano and on TensorFlow by
make_backend_more.py): the same calls on the same inputs give Keras 1's numbers, shapes and
errors, with the Keras 1 backend set by `legacy_conv.set_keras1_backend`."""

import importlib.util
import json

import numpy as np
import pytest
import tensorflow as tf

import legacy_conv
from legacy_conv.keras1 import backend as K
from legacy_conv.spec import backend as spec
from tests import _fixtures

HERE = _fixtures.BACKEND_MORE
_spec = importlib.util.spec_from_file_location("keras1_backend_more_cases", HERE / "cases.py")
CASES = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(CASES)
TOL = {"rtol": 1e-5, "atol": 1e-5}

# Keras 1.2.2's Theano backend had no ctc_decode and raised NotImplementedError for
# conv1d, atrous_conv2d and separable_conv2d: ours computes its TensorFlow backend's numbers.
COMPUTED_WHERE_KERAS1_REFUSED = {
    ("theano", c) for c, fn, _, _ in CASES.CASES if fn in spec.TENSORFLOW_ONLY}


def _record(backend):
    return json.loads((HERE / f"more_{backend}.json").read_text())


def _arrays(backend):
    with np.load(HERE / f"more_{backend}.npz") as f:
        return dict(f)


@pytest.fixture(autouse=True)
def _no_leak():
    settings = dict(legacy_conv.backend._state)
    yield
    legacy_conv.backend._state.update(settings)


def _resolve(arrays, value):
    if isinstance(value, list):
        return [_resolve(arrays, v) for v in value]
    if isinstance(value, str) and value.startswith("@"):
        a = arrays["in." + value[1:]]
        return K.variable(a, dtype=str(a.dtype))
    if isinstance(value, str) and value.startswith("fn:"):
        return CASES.FUNCTIONS(K)[value[3:]]
    return value


def _call(arrays, function, args, kwargs):
    return getattr(K, function)(*_resolve(arrays, args),
                                **{k: _resolve(arrays, v) for k, v in kwargs.items()})


def _leaves(value):
    if isinstance(value, (list, tuple)):
        return [leaf for v in value for leaf in _leaves(v)]
    return [value]


def _cases():
    return [pytest.param(backend, case, fn, args, kwargs, id=f"{backend}-{case}")
            for backend in _fixtures.BACKENDS for case, fn, args, kwargs in CASES.CASES]


@pytest.mark.parametrize("backend,case,function,args,kwargs", _cases())
def test_function_gives_keras1s_numbers(backend, case, function, args, kwargs):
    legacy_conv.set_keras1_backend(backend)
    expected, arrays = _record(backend)["cases"][case], _arrays(backend)
    if "error" in expected:
        assert (backend, case) in COMPUTED_WHERE_KERAS1_REFUSED, expected
        expected = _record("tensorflow")["cases"][case]  # ours: TensorFlow's numbers
        arrays = _arrays("tensorflow")
    outs = [np.asarray(K.eval(y)) for y in _leaves(_call(arrays, function, args, kwargs))]
    assert [list(o.shape) for o in outs] == expected["shapes"]
    for i, out in enumerate(outs):
        want = arrays[f"out.{case}.{i}"]
        np.testing.assert_allclose(out.astype("float64"), want.astype("float64"),
                                   err_msg=f"result {i}", **TOL)
        assert str(out.dtype) == expected["dtypes"][i]


@pytest.mark.parametrize("case,function,args,kwargs",
                         [pytest.param(*c, id=c[0]) for c in CASES.ERRORS])
def test_bad_arguments_raise_as_in_keras1(case, function, args, kwargs):
    for backend in _fixtures.BACKENDS:  # Keras 1 asserted the legacy ordering's value
        assert _record(backend)["errors"][case]["error"] in ("ValueError", "AssertionError")
    with pytest.raises(ValueError, match=function):
        for y in _leaves(_call(_arrays("tensorflow"), function, args, kwargs)):
            K.eval(y)


@pytest.mark.parametrize("backend", _fixtures.BACKENDS)
def test_unseeded_draws_take_their_seed_from_numpy_as_keras1(backend):
    legacy_conv.set_keras1_backend(backend)
    np.random.seed(3)
    a = K.eval(K.random_normal((2, 2)))
    np.random.seed(3)
    seed = np.random.randint(spec.RANDOM_SEED_LOW[backend], spec.RANDOM_SEED_HIGH)
    np.testing.assert_array_equal(a, K.eval(K.random_normal((2, 2), seed=seed)))
    assert not np.array_equal(a, K.eval(K.random_normal((2, 2))))


def test_tensorflow_draws_do_not_depend_on_a_global_seed():
    legacy_conv.set_keras1_backend("tensorflow")
    tf.random.set_seed(123)  # Keras 1's graph had none: each op its own seed only
    np.testing.assert_array_equal(K.eval(K.random_normal((3, 4), 0.5, 2.0, seed=5)),
                                  _arrays("tensorflow")["out.random_normal.0"])


def test_symbolic_inputs_record_the_call_for_function():
    x = K.placeholder(shape=(None, 7, 3))
    kernel = K.variable(_arrays("tensorflow")["in.k1d"])
    f = K.function([x], [K.conv1d(x, kernel), K.map_fn(lambda e: e * 2.0, x)])
    seq = _arrays("tensorflow")["in.seq"]
    conv, doubled = f([seq])
    np.testing.assert_allclose(conv, _arrays("tensorflow")["out.conv1d_valid.0"], **TOL)
    np.testing.assert_allclose(doubled, seq * 2.0)


def test_the_session_is_refused_saying_why():
    with pytest.raises(NotImplementedError, match="eagerly"):
        K.get_session()
    assert K.manual_variable_initialization(True) is None
    assert isinstance(K.ctc_label_dense_to_sparse(
        tf.constant([[1, 2, 0]]), tf.constant([2])), tf.SparseTensor)


@pytest.mark.parametrize("backend", _fixtures.BACKENDS)
def test_every_keras1_backend_name_is_there(backend):
    names = set(_record(backend)["names"]) - set(spec.NOT_MIRRORED)
    assert names - set(dir(K)) == set()
    assert len(names) > 130
