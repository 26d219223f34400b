"""The one reader of the golden fixtures that Keras 1 itself wrote (tests/fixtures/): where each
family lives, and its cases, records, manifests and arrays, read the same way for every test
module, and once (what this module returns is shared: do not modify it).

How each family was written and how to write it again: keras1_oracle/README.md.
"""

import contextlib
import copy
import functools
import importlib.util
import json
import pathlib

import numpy as np

import legacy_conv

FIXTURES = pathlib.Path(__file__).parent / "fixtures"
# Keras 1.2.2 (and older releases) per layer: cases*.py, <prefix>_<backend>.json (records) and
# .npz (arrays); prefixes 'layers', 'core', 'init_stats', 'conv3d_legacy_kerasNNN', 'bn_legacy_...'.
LAYERS = FIXTURES / "keras1"
# Whole models per release and backend: <kNNN_backend>/manifest.json, NAME.h5/.json/.npz.
MODELS = FIXTURES / "keras1_models"
# Model configs: <backend>/NAME.json, manifest_<backend>.json, generated.json.
CONFIGS = FIXTURES / "keras1_configs"
# Recurrent models per release and backend: <kNNN_backend>/manifest.json, NAME.h5, data.npz.
RECURRENT = FIXTURES / "keras1_recurrent"
# The command line's small models: <backend>/seq.h5, func.json, ..., manifest.json, NAME.npz.
CLI = FIXTURES / "cli"
# `legacy-conv migrate`: keras1_code/*.py and what each printed, <source>_<backend>.npz.
MIGRATE = FIXTURES / "migrate"
# Keras 1 training: <backend>/training.json, training.npz, conv.h5, resume_<optimizer>.h5.
TRAINING = FIXTURES / "keras1_training"
# Keras 1 code of keras.models/callbacks: cases.py, <backend>.json (what it returned), .npz.
MODELS_API = FIXTURES / "keras1_models_api"
# Keras 1 utils/preprocessing/datasets/initializations/activations: utils_<backend>.json, .npz,
# datasets/ (tiny files in the datasets' formats).
UTILS = FIXTURES / "keras1_utils"
# Keras 1 backend functions, custom layers: cases.py, custom_layers.py, backend_<backend>.json/.npz.
BACKEND_API = FIXTURES / "keras1_backend"
BACKEND_MORE = FIXTURES / "keras1_backend_more"  # more K.*: cases.py, more_<backend>.json/.npz
NAMES = FIXTURES / "keras1_names"  # Keras 1's auto names: cases.py, names_<backend>.json/.h5/.npz
# Keras 1 scripts run end to end: scripts/*.py, cases.py, harness.py, <backend>/<name>.<variant>/.
SCRIPTS = FIXTURES / "keras1_scripts"
TO_JSON = FIXTURES / "keras1_to_json"
SAVING = FIXTURES / "keras1_saving"  # save_weights/save of Keras 1 code: cases.py, <backend>/, .json/.npz

BACKENDS = ("theano", "tensorflow")
TUPLE_KWARGS = ("output_shape", "subsample", "atrous_rate", "cropping", "padding", "size")


# -- files, read once ------------------------------------------------------------------------
@functools.lru_cache(maxsize=None)
def read_json(path):
    with open(path) as f:
        return json.load(f)


@functools.lru_cache(maxsize=None)
def npz(path):
    """{name: array} of an .npz fixture, all read."""
    with np.load(path) as data:
        return dict(data)


def manifest(folder):
    """`folder`/manifest.json (a release's models, recurrent models or CLI models)."""
    return read_json(pathlib.Path(folder) / "manifest.json")


def numbered(data, stem):
    """[data['<stem>0'], data['<stem>1'], ...]: a fixture's inputs ('x'), outputs ('y'), ..."""
    out = []
    while f"{stem}{len(out)}" in data:
        out.append(data[f"{stem}{len(out)}"])
    return out


# -- per-layer cases and their records (tests/fixtures/keras1/) -------------------------------
@functools.lru_cache(maxsize=None)
def load_cases(filename="cases.py"):
    """CASES of a case module (the arguments make_fixtures.py gave Keras 1)."""
    spec = importlib.util.spec_from_file_location(f"keras1_{filename[:-3]}", LAYERS / filename)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.CASES


CASES = load_cases()
CORE_CASES = load_cases("core_cases.py")  # pooling, normalization, merge, activations
CONV3D_LEGACY_CASES = load_cases("conv3d_legacy_cases.py")  # Keras 1.0.0-1.1.1, Theano
LOCAL_CASES = load_cases("local_cases.py")  # LocallyConnected1D/2D
CORE_MORE_CASES = load_cases("core_more_cases.py")  # Highway, MaxoutDense, TDD, ...
ADVANCED_MORE_CASES = load_cases("advanced_more_cases.py")  # ParametricSoftplus, SReLU, Embedding


def results(backend, prefix="layers"):
    """The records of `<prefix>_<backend>.json` ('layers', 'core', 'init_stats', ...)."""
    return read_json(LAYERS / f"{prefix}_{backend}.json")


def arrays(backend, prefix="layers"):
    """The arrays of `<prefix>_<backend>.npz`: '<case id>/input', '.../weights/<i>', ..."""
    return npz(LAYERS / f"{prefix}_{backend}.npz")


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
                      for path in LAYERS.glob("conv3d_legacy_keras*_theano.json"))
    return [pytest.param(prefix, case, id=f"{prefix}-{case['id']}")
            for prefix in prefixes for case in CONV3D_LEGACY_CASES]


# -- whole models (tests/fixtures/keras1_models/): inputs and Keras 1's predictions ----------
MODEL_TOLERANCE = dict(rtol=1e-4, atol=1e-5)


# Functions that stand in for the marshalled code of the model fixtures' Lambda layers.
CUSTOM_OBJECTS = {"lambda_model": {"double": lambda x: x * 2,
                                   "head_plus_one": lambda x, k: x[:, :k] + 1.0},
                  "merge_function": {"diff": lambda xs: xs[0] * 2 - xs[1],
                                     "scaled": lambda xs, scale: xs[0] * scale + xs[1]},
                  "seq_merge_function": {"product": lambda xs: xs[0] * xs[1] + xs[1]}}


def model_io(folder, name):
    """(inputs, Keras 1's outputs, all arrays) of the model fixture NAME in `folder`."""
    data = npz(pathlib.Path(folder) / f"{name}.npz")
    return numbered(data, "x"), numbered(data, "y"), data


def predict_all(model, xs):
    """[outputs] of `model.predict` on the inputs `xs` (one batch, in a traced tf.function)."""
    out = model.predict(xs if len(xs) > 1 else xs[0], verbose=0, batch_size=len(xs[0]))
    return out if isinstance(out, list) else [out]


def call_all(model, xs):
    """[outputs] of `model` called on the inputs `xs` (eagerly, training=False): the numbers
    of `predict_all` without its tracing, most of its cost on these small models."""
    out = model(xs if len(xs) > 1 else xs[0], training=False)
    return [np.asarray(y) for y in (out if isinstance(out, (list, tuple)) else [out])]


def assert_predicts(model, folder, name, outputs=predict_all):
    """`model` gives Keras 1's predictions on the fixture's inputs: by `model.predict`, or by
    `outputs=call_all` where another test predicts the same model file."""
    xs, ys, _ = model_io(folder, name)
    outs = outputs(model, xs)
    assert len(outs) == len(ys)
    for out, y in zip(outs, ys):
        assert out.shape == y.shape
        np.testing.assert_allclose(out, y, **MODEL_TOLERANCE)


@contextlib.contextmanager
def eagerly():
    """Keras's train, test and predict functions run eagerly inside: the same ops and numbers
    without tracing, which costs more than a fit of a few tiny batches computes. Use it
    where the same code runs traced in another case."""
    import tensorflow as tf

    tf.config.run_functions_eagerly(True)
    try:
        yield
    finally:
        tf.config.run_functions_eagerly(False)
