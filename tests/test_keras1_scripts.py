"""Keras 1 scripts run end to end after `legacy-conv migrate`, with Keras 1's numbers.

Keras 1.2.2's own examples and real 2016 scripts (tests/fixtures/keras1_scripts/, adapted only
to small synthetic data and to the harness: README.md there) ran in Keras 1.2.2 on Theano
and on TensorFlow (make_scripts.py), which recorded their initial weights, history, final
weights and predictions. Here each script is migrated `--to legacy` and run with the same
initial weights and batch order, then the original and that output are migrated `--to
native` and run again; each run must give Keras 1's history (keys included), final weights
and predictions. Scripts that save files reload them with their own Keras 1 load calls.
"""

import contextlib
import importlib.util
import sys

import keras
import numpy as np
import pytest

from _fixtures import SCRIPTS, eagerly, npz, read_json
from legacy_conv.migration import migrate_source
from test_migrate_keras1 import package_defaults

sys.path.insert(0, str(SCRIPTS))  # the scripts `import harness`
import harness  # noqa: E402  (tests/fixtures/keras1_scripts/harness.py)

_spec = importlib.util.spec_from_file_location("keras1_scripts_cases", SCRIPTS / "cases.py")
cases = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cases)

TOL = {"rtol": 1e-5, "atol": 1e-5}
# A script marked `tf_race` ran in Keras 1 on TensorFlow with ref variables, whose updates race
# the gradients' reads (tests/fixtures/keras1_training/README.md): its losses within that
# race (the training family's tolerance), no more.
RACE_TOL = {"rtol": 3e-2, "atol": 3e-2}


def fixture(backend, name, variant):
    return SCRIPTS / backend / f"{name}.{variant}"


def run(texts, name, backend, variant, tmp_path):
    """The migrated script's files run, in order, with the harness replaying Keras 1's
    recording; traced in the `no_dropout` variant, eagerly in the others (the same code)."""
    keras.backend.clear_session(free_memory=False)
    results = harness.configure("replay", str(tmp_path), fixture=str(
        fixture(backend, name, variant)), keras1_backend=backend)
    with package_defaults(backend, cases.SCRIPTS[name]["dim_ordering"]), \
            contextlib.nullcontext() if variant == "no_dropout" else eagerly():
        for filename, text in zip(cases.files(name), texts, strict=True):
            exec(compile(text, f"<migrated {filename}.py>", "exec"), {"__name__": "__main__"})
    return results


def check(results, backend, name, variant, caveats=()):
    """The run's numbers against Keras 1's. A model that Keras 3's own `fit` trained (`--to
    native`) starts from Keras 1's weights but draws its batch order from Keras 3's
    generator: its training is compared only where the migration did not say so, or where
    the script does not shuffle (the `unshuffled` variant)."""
    folder = fixture(backend, name, variant)
    record, arrays = read_json(folder / "record.json"), npz(folder / "arrays.npz")
    for i, pred in enumerate(results["initial_pred"]):
        np.testing.assert_allclose(pred, arrays[f"initial_pred_{i}"], **TOL)
    assert sorted(results["history"]) == sorted(record["history"])
    if variant == "as_written" and cases.SCRIPTS[name]["dropout"]:
        return  # Keras 1's dropout masks: compared without dropout
    if results["trained_by"] != "legacy_conv" and caveats and variant != "unshuffled":
        return  # (`unshuffled`: Keras 3's `fit` draws no batch order there)
    race = backend == "tensorflow" and cases.SCRIPTS[name].get("tf_race")
    for key, values in record["history"].items():
        if race and not key.endswith("loss"):
            continue  # the race can move a prediction across a rounding: accuracies jump
        np.testing.assert_allclose(results["history"][key], values, err_msg=key,
                                   **(RACE_TOL if race else TOL))
    if race:
        return
    for ours, theirs in zip(results["weights"], results["keras1_weights"], strict=True):
        np.testing.assert_allclose(ours, theirs, **TOL)
    outputs = sorted(k.rsplit("_", 1)[0] for k in arrays if k.endswith("_0"))
    assert sorted(k for k in results if k not in (
        "history", "weights", "keras1_weights", "trained_by")) == outputs
    for key in outputs:
        for i, pred in enumerate(results[key]):
            np.testing.assert_allclose(pred, arrays[f"{key}_{i}"], err_msg=key, **TOL)


def migrate(text, to, backend, name):
    return migrate_source(text, to=to, keras1_backend=backend, path=f"{name}.py",
                          image_dim_ordering=cases.SCRIPTS[name]["dim_ordering"])


def originals(name, variant):
    return [cases.source((SCRIPTS / "scripts" / f"{f}.py").read_text(), variant)
            for f in cases.files(name)]


# Where a run does not give Keras 1's numbers yet: (script, variant, backend, route), None
# for any, -> why. Each is an xfail(strict): a fix makes it pass, and the entry goes.
KNOWN = {}


def known(name, variant, backend, route):
    for key, why in KNOWN.items():
        if all(k is None or k == v for k, v in zip(key, (name, variant, backend, route))):
            return why
    return None


def cases_of(route):
    """The cases of a route; `unshuffled` is `--to native`'s (the namespace's `fit` shuffles
    as Keras 1 did: `no_dropout` covers it); `as_written` with dropout runs on Theano only
    (its numbers are not compared: `check`; `no_dropout` compares both backends')."""
    out = []
    for name in sorted(cases.SCRIPTS):
        for variant in cases.variants(name):
            if variant == "unshuffled" and route == "legacy":
                continue
            for backend in ("theano", "tensorflow"):
                if variant == "as_written" and cases.SCRIPTS[name]["dropout"] and \
                        backend == "tensorflow":
                    continue
                if not fixture(backend, name, variant).is_dir():
                    continue
                why = known(name, variant, backend, route)
                marks = [pytest.mark.xfail(strict=True, reason=why)] if why else []
                out.append(pytest.param(name, variant, backend, marks=marks,
                                        id=f"{name}-{variant}-{backend}"))
    return out


@pytest.mark.slow(quick=1)
@pytest.mark.parametrize("name, variant, backend", cases_of("legacy"))
def test_to_legacy_runs_as_keras1_did(name, variant, backend, tmp_path):
    texts = [migrate(text, "legacy", backend, name).new_source
             for text in originals(name, variant)]
    check(run(texts, name, backend, variant, tmp_path), backend, name, variant)


@pytest.mark.slow(quick=1)
@pytest.mark.parametrize("name, variant, backend", cases_of("native"))
def test_to_native_runs_as_keras1_did(name, variant, backend, tmp_path):
    """`--to native` from the original and from the `--to legacy` output: where both give
    the same code (as they should), it runs once."""
    originals_ = originals(name, variant)
    legacy = [migrate(text, "legacy", backend, name).new_source for text in originals_]
    runs = {}
    for start, texts in (("original", originals_), ("legacy", legacy)):
        migrated = [migrate(text, "native", backend, name) for text in texts]
        runs.setdefault(tuple(m.new_source for m in migrated), (start, migrated))
    for sources, (start, migrated) in runs.items():
        (tmp_path / start).mkdir()
        caveats = [entry for m in migrated for entry in m.report_entries
                   if entry.kind == "converted" and entry.reason and ".fit" in (entry.old or "")]
        check(run(list(sources), name, backend, variant, tmp_path / start), backend, name,
              variant, caveats)
