"""`legacy-conv migrate` keeps the meaning: migrated Keras 1 code predicts what Keras 1 did.

Each Keras 1 source of tests/fixtures/migrate/keras1_code/ ran inside the real Keras 1.2.2
(TensorFlow and Theano backends; make_migrate_fixtures.py) with fixed weights. Here the
same source is migrated (`--to legacy`, then `--to native`), run under Keras 3 with the same
weights (converted to Keras 3's layouts for the layers that became built-ins, by the
converter's own weight transfers), and must predict Keras 1's numbers.
"""

import contextlib
import types

import numpy as np
import pytest

import legacy_conv
from _fixtures import MIGRATE, npz, numbered, results
from legacy_conv import backend as lc_backend
from legacy_conv import native
from legacy_conv.load import weights as keras1_layouts
from legacy_conv.migration import migrate_source

CODE = MIGRATE / "keras1_code"
BACKENDS = ("tensorflow", "theano")
OTHER = {"tensorflow": "theano", "theano": "tensorflow", "th": "tf", "tf": "th"}


def sources(folder=CODE):
    return sorted(p for p in folder.glob("*.py"))


def fixture(source, keras1_backend):
    """The .npz Keras 1 wrote for `source` on `keras1_backend` (None if it has none)."""
    path = source.parent / f"{source.stem}_{keras1_backend}.npz"
    if source.parent == CODE:
        path = MIGRATE / f"{source.stem}_{keras1_backend}.npz"
    return npz(path) if path.exists() else None


def image_dim_ordering(source):
    """What keras.json said where the source ran (its IMAGE_DIM_ORDERING, else 'tf')."""
    namespace = {}
    for line in source.read_text().splitlines():
        if line.startswith("IMAGE_DIM_ORDERING"):
            exec(line, namespace)
    return namespace.get("IMAGE_DIM_ORDERING", "tf")


def load(text, name):
    """A module from source text (the migrated file), not registered anywhere."""
    module = types.ModuleType(name)
    exec(compile(text, f"<migrated {name}>", "exec"), module.__dict__)
    return module


@contextlib.contextmanager
def package_defaults(keras1_backend, dim_ordering):
    """legacy_conv's default backend and image_dim_ordering, restored afterwards."""
    saved = dict(lc_backend._state)
    legacy_conv.set_keras1_backend(keras1_backend)
    legacy_conv.set_image_dim_ordering(dim_ordering)
    try:
        yield
    finally:
        lc_backend._state.clear()
        lc_backend._state.update(saved)


def all_layers(model):
    for layer in model.layers:
        if hasattr(layer, "layers"):
            yield from all_layers(layer)
        else:
            yield layer


def keras1_weights(data):
    """{layer name: [arrays in Keras 1's layout]} of a fixture."""
    found = {}
    for key in data:
        if key.startswith("weights/"):
            _, layer, index = key.split("/")
            found.setdefault(layer, {})[int(index)] = data[key]
    return {layer: [arrays[i] for i in sorted(arrays)] for layer, arrays in found.items()}


def inputs(data):
    xs = numbered(data, "input_")
    return xs if len(xs) > 1 else xs[0]


def outputs(data):
    return data["output_0"]


def in_keras3_layout(layer, arrays):
    """Keras 1 arrays as the layer holds them: a recurrent layer's per-gate W, U, b
    concatenated (the file loader's `TRANSFORMS`), others as they are."""
    transform = keras1_layouts.TRANSFORMS.get(type(layer).__name__)
    return transform(arrays, layer) if transform else arrays


def set_legacy_weights(model, weights):
    for layer in all_layers(model):
        if layer.name in weights:
            layer.set_weights(in_keras3_layout(layer, weights[layer.name]))


def native_weights(legacy_model):
    """{layer name: arrays in the layout of its Keras 3 built-in}: the converter's own
    kernel transfers (`native.weight_plan`) for this package's layers. Keras 1's built-in
    layers (Dense, Embedding, ...) stored Keras 3's layout already; the converter's Dense
    row permutation after a channels-first Flatten belongs to its channels-last graph, not
    to the migrated code, which keeps channels-first layers."""
    plan = native.weight_plan(legacy_model, keep_legacy=True)
    return {legacy.name: fn(legacy.get_weights()) if type(legacy).__module__.startswith(
        "legacy_conv") else legacy.get_weights() for _, legacy, fn in plan.transfers}


def set_any_weights(model, keras1, converted):
    """Keras 1 weights into our layers, converted ones into Keras 3 built-ins."""
    for layer in all_layers(model):
        if layer.name not in keras1:
            continue
        ours = type(layer).__module__.startswith("legacy_conv")
        layer.set_weights(in_keras3_layout(layer, keras1[layer.name]) if ours else
                          converted[layer.name])


def predict(model, data):
    return np.asarray(model.predict(inputs(data), batch_size=2, verbose=0))


def migrate(source, to, keras1_backend, **kwargs):
    return migrate_source(source.read_text(), to=to, keras1_backend=keras1_backend,
                          path=source.name, image_dim_ordering=kwargs.pop(
                              "image_dim_ordering", image_dim_ordering(source)), **kwargs)


# -- the tests -------------------------------------------------------------------------------------
CASES = [pytest.param(source, backend, id=f"{source.stem}-{backend}")
         for source in sources() for backend in BACKENDS
         if fixture(source, backend) is not None]
TOLERANCE = dict(rtol=1e-5, atol=1e-5)


def _build(text, source, backend):
    """The model of a migrated source, built while the package defaults (backend,
    image_dim_ordering) say the opposite of what the code ran with: the migration wrote
    them into each call that depends on them."""
    with package_defaults(OTHER[backend], OTHER[image_dim_ordering(source)]):
        return load(text, source.stem).build_model()


def _rerun(text, to, source, backend):
    return migrate_source(text, to=to, keras1_backend=backend,
                          image_dim_ordering=image_dim_ordering(source)).new_source


@pytest.mark.slow(quick=1)
@pytest.mark.parametrize("source, backend", CASES)
def test_both_steps_predict_what_keras1_did(source, backend):
    data = fixture(source, backend)
    keras1 = keras1_weights(data)
    # Step 1: --to legacy.
    step1 = migrate(source, "legacy", backend).new_source
    legacy = _build(step1, source, backend)
    set_legacy_weights(legacy, keras1)
    np.testing.assert_allclose(predict(legacy, data), outputs(data), **TOLERANCE)
    # Step 2: --to native, on the original source and on step 1's output.
    converted = native_weights(legacy)
    step2 = migrate(source, "native", backend).new_source
    for text in (step2, _rerun(step1, "native", source, backend)):
        model = _build(text, source, backend)
        set_any_weights(model, keras1, converted)
        np.testing.assert_allclose(predict(model, data), outputs(data), **TOLERANCE)
    # Re-running on migrated code changes nothing.
    assert _rerun(step1, "legacy", source, backend) == step1
    assert _rerun(step2, "native", source, backend) == step2


# -- init=: the Keras 3 initializer the migration writes draws Keras 1's distribution ------------
# The initializations whose Keras 3 form depends on the kernel's fans (for every layer);
# the others (fixed scales, orthogonal) are checked on one layer.
SCALED = ("lecun_uniform", "glorot_normal", "glorot_uniform", "he_normal", "he_uniform")


def _init_entries():
    """Keras 1.2.2's own draws (TensorFlow backend; tests/fixtures/keras1/init_stats_*.json):
    per layer, ordering and `init`, the statistics of the kernel it drew."""
    entries = results("tensorflow", "init_stats")["results"]
    return [pytest.param(entry, id=key) for key, entry in sorted(entries.items())
            if entry["error"] is None and (entry["init"] in SCALED or
                                           key.startswith("conv2d_tf/"))
            and "_th/" not in key]  # a 'th' layer with a bias stays ours: CHANNELS_FIRST_BIAS


def _keras1_call(entry):
    args = [repr(a) for a in entry["args"]]
    kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in entry["kwargs"].items()}
    kwargs["init"] = entry["init"]
    kwargs["input_shape"] = tuple(entry["input_shape"][1:])
    if "output_shape" in kwargs:
        kwargs["output_shape"] = tuple(kwargs["output_shape"])
    text = ", ".join(args + [f"{k}={v!r}" for k, v in kwargs.items()])
    return f"from keras.layers import {entry['layer']}\nlayer = {entry['layer']}({text})\n"


@pytest.mark.slow(quick=5)
@pytest.mark.parametrize("entry", _init_entries())
def test_native_initializers_draw_keras1s_distribution(entry):
    import keras

    result = migrate_source(_keras1_call(entry), to="native", keras1_backend="tensorflow",
                            image_dim_ordering="tf")
    kinds = [e.kind for e in result.report_entries if e.kind in ("converted", "kept")]
    if entry["init"] == "orthogonal" and "kept" in kinds:
        return  # Keras 1 orthogonalized other kernel axes: no Keras 3 initializer does that
    assert kinds[-1] == "converted", [e.reason for e in result.report_entries]
    keras.utils.set_random_seed(3)
    layer = load(result.new_source, "init_case").layer
    layer.build(tuple(entry["input_shape"]))
    kernels = [w.numpy() for w in layer.weights if "kernel" in w.path]
    for ours, theirs in zip(kernels, [w for w in entry["weights"] if len(w["shape"]) > 1]):
        assert ours.size == int(np.prod(theirs["shape"]))
        if theirs["std"] == 0:
            np.testing.assert_array_equal(ours, theirs["mean"])
            continue
        # Within sampling error of Keras 1's own draw (4 sigma of a std estimate).
        np.testing.assert_allclose(ours.std(), theirs["std"],
                                   rtol=4 / np.sqrt(2 * ours.size) + 0.01)
        if "uniform" in entry["init"]:  # and the same support
            np.testing.assert_allclose(np.abs(ours).max(), max(-theirs["min"], theirs["max"]),
                                       rtol=0.02)
