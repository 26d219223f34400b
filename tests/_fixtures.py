"""Reads the golden fixtures that Keras 1.2.2 itself wrote (tests/fixtures/keras1/)."""

import copy
import functools
import importlib.util
import json
import pathlib

import numpy as np

import legacy_conv

HERE = pathlib.Path(__file__).parent / "fixtures" / "keras1"
BACKENDS = ("theano", "tensorflow")
TUPLE_KWARGS = ("output_shape", "subsample", "atrous_rate", "cropping", "padding", "size")


def _load_cases(filename="cases.py"):
    spec = importlib.util.spec_from_file_location(f"keras1_{filename[:-3]}", HERE / filename)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.CASES


CASES = _load_cases()
CORE_CASES = _load_cases("core_cases.py")  # pooling, normalization, merge, activations
CONV3D_LEGACY_CASES = _load_cases("conv3d_legacy_cases.py")  # Keras 1.0.0-1.1.1, Theano


@functools.lru_cache(maxsize=None)
def results(backend, prefix="layers"):
    """The records of `<prefix>_<backend>.json` ('layers', 'core', 'bn_legacy_keras105')."""
    with open(HERE / f"{prefix}_{backend}.json") as f:
        return json.load(f)


@functools.lru_cache(maxsize=None)
def arrays(backend, prefix="layers"):
    return np.load(HERE / f"{prefix}_{backend}.npz")


def tuplify(value):
    if isinstance(value, list):
        return tuple(tuplify(v) for v in value)
    return value


def layer_kwargs(case):
    kwargs = copy.deepcopy(case["kwargs"])
    if not case.get("raw_kwargs"):
        for key in TUPLE_KWARGS:
            if key in kwargs:
                kwargs[key] = tuplify(kwargs[key])
    return kwargs


def layer_class(case):
    return getattr(legacy_conv, case["layer"])


def case_params(backend, cases=None):
    import pytest

    return [pytest.param(backend, case, id=f"{backend}-{case['id']}")
            for case in (CASES if cases is None else cases)
            if backend in case.get("backends", BACKENDS)]


def conv3d_legacy_params():
    """(fixture prefix, case) for every Convolution3D case of every older release that
    `make_fixtures.py --suite conv3d_legacy` ran (on Theano), e.g. 'conv3d_legacy_keras108'."""
    import pytest

    prefixes = sorted(path.name[:-len("_theano.json")]
                      for path in HERE.glob("conv3d_legacy_keras*_theano.json"))
    return [pytest.param(prefix, case, id=f"{prefix}-{case['id']}")
            for prefix in prefixes for case in CONV3D_LEGACY_CASES]


# -- whole models (tests/fixtures/keras1_models/): inputs and Keras 1's predictions ----------
MODEL_TOLERANCE = dict(rtol=1e-4, atol=1e-5)


def model_io(folder, name):
    """(inputs, Keras 1's outputs, the npz) of the model fixture NAME in `folder`."""
    data = np.load(pathlib.Path(folder) / f"{name}.npz")
    xs = [data[f"x{i}"] for i in range(sum(k.startswith("x") for k in data.files))]
    ys = [data[f"y{i}"] for i in range(sum(k.startswith("y") for k in data.files))]
    return xs, ys, data


def predict_all(model, xs):
    out = model.predict(xs if len(xs) > 1 else xs[0], verbose=0, batch_size=len(xs[0]))
    return out if isinstance(out, list) else [out]


def assert_predicts(model, folder, name):
    """`model` gives Keras 1's predictions on the fixture's inputs."""
    xs, ys, _ = model_io(folder, name)
    outs = predict_all(model, xs)
    assert len(outs) == len(ys)
    for out, y in zip(outs, ys):
        assert out.shape == y.shape
        np.testing.assert_allclose(out, y, **MODEL_TOLERANCE)
