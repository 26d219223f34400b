"""`migrate --to native` reuses each form of call's translation (`migration.reuse`): the
reuse must never change an answer. Each case migrates a source cold (nothing translated
before) and warm (after other sources with the same forms of call, in other contexts), and
requires the same rewrite and the same report. No timing here: see
benchmarks/bench_migrate.py.
"""

import pathlib
import random
import re
import textwrap

import libcst as cst
import pytest

from legacy_conv.migration import analysis
from legacy_conv.migration import migrate_source
from legacy_conv.migration import reuse
from legacy_conv.migration import translate

CODE = pathlib.Path(__file__).parent / "fixtures" / "migrate" / "keras1_code"
SETTINGS = [("native", "th", None), ("native", "tf", "theano"), ("legacy", "th", None)]


@pytest.fixture
def cold(monkeypatch):
    """A fresh memory of translations for the test (and none taken from other tests)."""
    def reset():
        monkeypatch.setattr(analysis, "TRANSLATIONS", reuse.Translations(
            lambda *args: translate.translate(*args)))
    reset()
    return reset


def run(source, to, ordering, backend):
    result = migrate_source(source, to=to, image_dim_ordering=ordering,
                            keras1_backend=backend, path="m.py")
    return result.new_source, [tuple(e) for e in result.report_entries]


def dedent(text):
    return textwrap.dedent(text).lstrip("\n")


def vary(source, rng):
    """The same calls in another context: other module-level values, other comments."""
    source = re.sub(r"^(\w+) = (\d+)$", lambda m: f"{m.group(1)} = {rng.choice((4, 8, 16))}",
                    source, flags=re.M)
    return source.replace("# ", "# (a copy) ")


@pytest.mark.slow(quick=1)
@pytest.mark.parametrize("to, ordering, backend", SETTINGS)
def test_a_warm_run_gives_the_cold_answer_for_every_fixture(cold, monkeypatch, to, ordering,
                                                            backend):
    translated = []
    real = translate.translate
    monkeypatch.setattr(translate, "translate", lambda *args: translated.append(args) or
                        real(*args))
    rng = random.Random(13)
    sources = [p.read_text() for p in sorted(CODE.glob("*.py"))]
    variants = [vary(s, rng) for s in sources] + sources
    expected = []
    for source in variants:
        cold()
        expected.append(run(source, to, ordering, backend))
    cold()
    for _ in range(2):  # the second round: every form of call is known
        translated.clear()
        for source, answer in zip(variants, expected):
            assert run(source, to, ordering, backend) == answer
    # all reused the second time (--to legacy moves imports only: nothing to translate)
    assert (analysis.TRANSLATIONS.forms or to == "legacy") and not translated


# (first source, then a source with calls of the same text that mean something else)
SAME_TEXT_OTHER_MEANING = [
    pytest.param("""
        from keras.layers import Convolution2D
        mode = 'same'
        x = Convolution2D(8, 3, 3, border_mode=mode, dim_ordering='tf')(x)
        """, """
        from keras.layers import Convolution2D
        mode = 'valid'
        x = Convolution2D(8, 3, 3, border_mode=mode, dim_ordering='tf')(x)
        """, id="a-name-bound-to-another-value"),
    pytest.param("""
        from keras.layers import Convolution2D
        mode = 'same'
        x = Convolution2D(8, 3, 3, border_mode=mode, dim_ordering='tf')(x)
        """, """
        from keras.layers import Convolution2D
        def block(x, mode):
            return Convolution2D(8, 3, 3, border_mode=mode, dim_ordering='tf')(x)
        """, id="a-name-not-known-before-the-code-runs"),
    pytest.param("""
        from keras.regularizers import l2
        from keras.layers import Dense
        x = Dense(8, W_regularizer=l2(0.01))(x)
        """, """
        from legacy_conv.regularizers import l1 as l2
        from keras.layers import Dense
        x = Dense(8, W_regularizer=l2(0.01))(x)
        """, id="a-helper-imported-under-another-name"),
    pytest.param("""
        from keras.layers import MaxPooling2D
        x = MaxPooling2D((3, 3), strides=(2, 2), border_mode='same', dim_ordering='tf')(x)
        """, """
        from keras.layers import MaxPooling2D
        x = MaxPooling2D((3, 3), strides=(2, 2), border_mode='same', dim_ordering='tf')(x)
        """, id="shape-dependent-on-theano-only"),
]


@pytest.mark.parametrize("first, second", SAME_TEXT_OTHER_MEANING)
def test_a_call_of_the_same_text_in_another_context_gets_its_own_answer(cold, first,
                                                                        second):
    first, second = dedent(first), dedent(second)
    for backend in ("tensorflow", "theano"):
        cold()
        expected = run(second, "native", "tf", backend)
        cold()
        run(first, "native", "tf", "tensorflow")
        run(first, "native", "tf", "theano")
        assert run(second, "native", "tf", backend) == expected


def test_an_input_shape_dependent_call_is_still_refused_when_warm(cold):
    pooling = dedent("""
        from keras.layers import MaxPooling2D
        x = MaxPooling2D((3, 3), strides=(2, 2), border_mode='same', dim_ordering='tf')(x)
        """)
    convolutions = dedent("""
        from keras.layers import Convolution1D
        y = Convolution1D(64, 3)(y)
        z = Convolution1D(64, 3, input_shape=(10, 4))(z)
        """)
    for _ in range(3):
        _, entries = run(pooling, "native", "tf", "theano")
        assert [e[-1] for e in entries if e[3] == "kept"][0].startswith(
            "Theano's 'same' pooling depends on the input's spatial size")
        new, entries = run(convolutions, "native", "tf", "tensorflow")
        kept = [e[-1] for e in entries if e[3] == "kept"]
        assert len(kept) == 1 and "depends on the input shape" in kept[0], kept
        assert "z = Conv1D(64, 3, input_shape=(10, 4), kernel_initializer=" in new, new


def test_a_reused_translation_holds_the_nodes_of_its_own_call(cold):
    source = dedent("""
        from keras.layers import Convolution2D
        from keras.regularizers import l2
        n = 8
        a = Convolution2D(n, 3, 3, W_regularizer=l2(0.1), dim_ordering='tf')(a)
        b = Convolution2D(n, 3, 3, W_regularizer=l2(0.1), dim_ordering='tf')(b)
        """)
    module = cst.parse_module(source)
    calls = [s.body[0].value.func for s in module.body[3:]]
    assert [c.args[0].value.value for c in calls] == ["n", "n"]
    new, _ = run(source, "native", "tf", None)
    assert new.count("Conv2D(n, (3, 3), kernel_regularizer=") == 2, new
    old_nodes = [a.value for a in calls[0].args]
    new_nodes = [a.value for a in calls[1].args]
    pairs = reuse.corresponding(old_nodes, new_nodes)
    assert pairs[id(old_nodes[0])] is new_nodes[0]
    assert reuse.corresponding(old_nodes, new_nodes[:2]) is None


@pytest.mark.subprocess
def test_worker_processes_give_the_one_process_answer(tmp_path):
    """`migrate --jobs 2` in a fresh process (files in processes forked from it) prints what
    `--jobs 1` prints (in this one)."""
    import io
    import os
    import shutil
    import subprocess
    import sys

    from legacy_conv.cli import migrate as command
    from legacy_conv.migration import run as runner

    copies = runner.PARALLEL_MIN_BYTES // sum(p.stat().st_size for p in CODE.glob("*.py")) + 1
    for i in range(copies):
        shutil.copytree(CODE, tmp_path / f"copy{i}")
    argv = ["migrate", "--to", "native", "--image-dim-ordering", "th", str(tmp_path)]
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}  # the tool's
    forked = subprocess.run([sys.executable, "-m", "legacy_conv", *argv, "--jobs", "2"],
                            capture_output=True, text=True, timeout=300, env=env)
    stdout, stderr = io.StringIO(), io.StringIO()
    status = command.main(argv + ["--jobs", "1"], stdout=stdout, stderr=stderr)
    assert forked.returncode == status
    assert forked.stdout == stdout.getvalue() and forked.stdout
    assert forked.stderr == stderr.getvalue()


# -- the Keras 3 facts that the analysis and --check read instead of importing Keras ------------
def test_the_keras3_facts_are_current():
    from legacy_conv.spec import keras3_facts
    from legacy_conv.migration import keras3_generate

    assert pathlib.Path(keras3_facts.__file__).read_text() == keras3_generate.source(), (
        "run: python -m legacy_conv.migration.keras3_generate")


def _keras1_names():
    from legacy_conv.spec import api
    from legacy_conv.spec import keras1_signatures as k1

    names = {f"{module}.{name}" for module, members in k1.MODULES.items() for name in members}
    names |= set(k1.MODULES) | {n for n in api.FUNCTIONS if n.startswith("keras.")}
    return sorted(names | {"keras", "keras.layers.Dense.from_config", "keras.src.layers",
                           "keras.layers._private", "keras.nope.x", "keras.optimizers.SGD"})


def test_keras3_has_what_importing_keras_says():
    from legacy_conv.migration import keras3

    wrong = [n for n in _keras1_names() if keras3.has(n) != keras3._has_live(n)]
    assert not wrong


def test_the_helper_signatures_bind_as_keras3s_own():
    import inspect

    import keras

    from legacy_conv.migration import keras3

    calls = [((), {}), ((0.1,), {}), ((0.1, 0.2), {}), ((), {"l2": 0.1}), ((), {"l": 1}),
             ((), {"max_value": 2, "axis": 0}), ((2,), {"axis": [0, 1]})]
    for module in ("keras.regularizers", "keras.constraints"):
        names = keras3.helper_names(module)
        assert names == {n for n in dir(getattr(keras, module.split(".")[1]))
                         if not n.startswith("_")}
        for name in sorted(names):
            target = getattr(getattr(keras, module.split(".")[1]), name)
            for args, kwargs in calls:
                def binds(signature):
                    try:
                        signature.bind(*args, **kwargs)
                    except TypeError:
                        return False
                    return True
                assert binds(keras3.helper_signature(module, name)) == binds(
                    inspect.signature(target)), (name, args, kwargs)


# -- the converter's answers shared by the processes of one migration (`probe.shared`) ----------
def _read_shared(key, connection):
    """In a forked process: the answer for `key`, which must come from the shared folder."""
    from legacy_conv.migration import probe

    probe._cached_form.cache_clear()
    probe._new_form = None  # converting here would raise TypeError
    try:
        connection.send(probe._cached_form(key))
    except Exception as error:  # noqa: BLE001 — the parent says what went wrong
        connection.send(error)


def test_a_form_converted_in_one_process_is_read_by_another():
    import json
    import multiprocessing

    from legacy_conv.migration import probe

    keys = [json.dumps([name, config, [[8, 8, 3], "float32"], ["tensorflow", "tf"], "native"],
                       sort_keys=True) for name, config in (
        ("Dropout", {"p": 0.25}), ("Convolution2D", {"nb_filter": 4, "nb_row": 3, "nb_col": 3,
                                                     "dim_ordering": "tf",
                                                     "activity_regularizer": {"name": "x"}}))]
    context = multiprocessing.get_context("fork")
    with probe.shared():
        probe._cached_form.cache_clear()
        answers = [probe._cached_form(key) for key in keys]
        for key, answer in zip(keys, answers):
            mine, theirs = context.Pipe()
            child = context.Process(target=_read_shared, args=(key, theirs))
            child.start()
            read = mine.recv()
            child.join()
            assert type(read) is type(answer) and str(read) == str(answer)
    assert isinstance(answers[0], str) and isinstance(answers[1], probe.Refusal)
    probe._cached_form.cache_clear()


def test_without_a_temporary_folder_each_process_converts_for_itself(monkeypatch, tmp_path):
    import tempfile

    from legacy_conv.migration import probe

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "missing"))
    with probe.shared() as folder:
        assert folder is None and not probe._SHARED


def test_positions_are_computed_once_a_file_without_libcsts_provider(monkeypatch):
    """`to_native`'s pass and the layer analysis share one wrapper, and with it the
    positions, when that pass leaves the module as it is (the fixtures' text_cnn.py:
    layers only); they come from Python's `ast` (`positions.FromAst`), so libcst's
    `PositionProvider` (a code generation with bookkeeping per node) is never run."""
    from libcst import metadata

    from legacy_conv.migration import positions

    made, libcsts = [], []
    gen = positions.FromAst._gen_impl
    monkeypatch.setattr(positions.FromAst, "_gen_impl",
                        lambda self, module: made.append(module) or gen(self, module))
    monkeypatch.setattr(metadata.PositionProvider, "_gen_impl",
                        lambda self, module: libcsts.append(module))
    source = (CODE / "text_cnn.py").read_text()
    result = migrate_source(source, to="native", image_dim_ordering="th", path="m.py")
    assert len(made) == 1 and not libcsts
    assert any(e.kind == "converted" and e.line > 1 for e in result.report_entries)


def test_visit_methods_listed_once_per_class_are_libcsts():
    from libcst import metadata

    from legacy_conv.migration import imports

    for provider in (metadata.ScopeProvider, metadata.ExpressionContextProvider):
        ours = provider().get_visitors()
        assert provider.get_visitors is imports._visitors_by_class
        assert list(ours) == list(cst.BatchableCSTVisitor.get_visitors(provider()))


# -- `--to legacy` without TensorFlow, and without the analysis where nothing reaches Keras ----
TRICKY_IMPORTS = dedent("""
    # -*- coding: utf-8 -*-
    x = "éé"; import keras
    from keras.layers import (Dense,
                              Dropout)
    from keras.layers.core import *
    if x:
    \timport keras.layers.convolutional as conv, os
    def f():
        from keras import backend as K  # é
        return K
    y = 1 \\
        + 2; from . import z
    from keras.regularizers import l2
    model = keras.models.Sequential([Dense(2, W_regularizer=l2(0.1)), Dropout(0.5)])
    """)


@pytest.mark.parametrize("text", [TRICKY_IMPORTS, TRICKY_IMPORTS.replace("\n", "\r\n")] + [
    path.read_text() for path in sorted(CODE.glob("*.py"))])
def test_import_positions_from_ast_are_libcsts(text):
    from libcst import metadata

    from legacy_conv.migration import positions

    module = cst.parse_module(text)
    known = positions.import_positions(text.encode(), module)
    wrapper = metadata.MetadataWrapper(module, unsafe_skip_copy=True)
    libcst = {node: (p.start.line, p.start.column) for node, p in wrapper.resolve(
        metadata.PositionProvider).items() if isinstance(node, (
            cst.Import, cst.ImportFrom, cst.ImportAlias))}
    assert known == libcst


@pytest.mark.parametrize("text", [TRICKY_IMPORTS] + [
    path.read_text() for path in sorted(CODE.glob("*.py"))])
@pytest.mark.parametrize("ordering, backend", [("th", None), (None, "theano")])
def test_to_legacy_without_the_analysis_gives_the_analysis_answer(monkeypatch, text, ordering,
                                                                  backend):
    """Where no import reaches Keras once the imports moved onto the namespace, `--to
    legacy` skips the analysis (`imports.reaches_keras`): the same rewrite and report."""
    from legacy_conv.migration import imports

    quick = run(text, "legacy", ordering, backend)
    monkeypatch.setattr(imports, "reaches_keras", lambda module: True)
    assert run(text, "legacy", ordering, backend) == quick


@pytest.mark.parametrize("code, reaches", [
    ("import legacy_conv.keras1 as keras\nfrom legacy_conv.keras1.layers import Dense\n", False),
    ("import legacy_conv.keras1.layers.core, legacy_conv.keras1 as keras\n", False),
    ("import os\nfrom . import keras\n", False),
    ("import keras\n", True),
    ("import legacy_conv\n", True),
    ("from legacy_conv import Convolution2D\n", True),
    ("import tensorflow as tf\n", True),
    ("def f():\n    from keras.layers import Dense\n", True),
    ("from keras.layers import *\n", True),
])
def test_reaches_keras(code, reaches):
    from legacy_conv.migration import imports

    assert imports.reaches_keras(cst.parse_module(code)) is reaches


def test_the_namespace_facts_answer_as_importing_the_namespace():
    import importlib

    from legacy_conv.migration import keras3_generate
    from legacy_conv.migration import namespace

    paths = [p for p in namespace._NAMESPACE if not p.startswith("keras._")]
    for path in paths + ["keras.layers.core.Dense", "keras.nothing", "keras.layers.nothing"]:
        try:
            module = importlib.import_module(namespace.NAMESPACE + path[len("keras"):])
        except ImportError:
            module = None
        assert (namespace._module(path) is not None) is (module is not None), path
        for name in ("Dense", "Convolution2D", "l2", "np_utils", "__version__", "core", "K",
                     "__name__"):
            assert namespace._has(path, (name,)) is (module is not None and (
                hasattr(module, name) or namespace._module(f"{path}.{name}") is not None)), (
                    path, name)
        if module is not None:  # its own helpers are not Keras 1's API
            assert not namespace._has(path, ("_" + "x" * 3,))
            assert all(namespace._has(path, (n,)) for n in vars(module)
                       if keras3_generate.public(n)), path


@pytest.mark.subprocess
def test_migrate_to_legacy_imports_no_tensorflow(tmp_path):
    import io
    import os
    import subprocess
    import sys

    from legacy_conv.cli import migrate as migrate_cli

    env = {**os.environ, "PYTHONPROFILEIMPORTTIME": "1"}
    argv = ["migrate", "--to", "legacy", "--image-dim-ordering", "th", str(CODE)]
    done = subprocess.run([sys.executable, "-m", "legacy_conv"] + argv, env=env,
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)
    names = {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines()
             if line.startswith("import time:")}
    report = "".join(line for line in done.stderr.splitlines(keepends=True)
                     if not line.startswith("import time:"))
    assert not [n for n in names if n.startswith(("tensorflow", "keras", "legacy_conv.layers"))]
    diff, expected = io.StringIO(), io.StringIO()  # what a process with the whole package says
    assert done.returncode == migrate_cli.main(argv[1:], stdout=diff, stderr=expected) == 0
    assert (done.stdout, report) == (diff.getvalue(), expected.getvalue())


TRICKY_CALLS = dedent("""
    # -*- coding: utf-8 -*-
    x = "éé"; y = f(1)(2)[0](3)
    model.add(Convolution2D(32, 3, 3,
                            border_mode='same', input_shape=(3, 32, 32)))
    z = (g(a))(b); w = ((h((c)), (d, e), q(*rest, **kw)))
    @decorate(k.attr)
    def fn(x=l.m(1), *args, q=(n for n in o)):
        return p(x for x in args).q.r(s=t.u)
    v = [w(i) for i in range(3)] + {k: x.y(k) for k in ()}
    s = Dense(10, W_regularizer=l2(0.01),
              activation='relu')(Merge([a, b], mode='concat'))
    if x:
    \tmodel.fit(X, Y, nb_epoch=2,
    \t          verbose=0)
    lam = lambda t: K.dot(t, t.T)
    """)


@pytest.mark.parametrize("text", [TRICKY_CALLS, TRICKY_CALLS.replace("\n", "\r\n"),
                                  TRICKY_IMPORTS] + [
    path.read_text() for path in sorted(CODE.glob("*.py"))])
def test_positions_from_ast_are_libcsts(text):
    """Every place `positions.FromAst` gives (calls, their arguments, attribute
    references, import statements and their lines) is the one libcst's PositionProvider
    gives, and it places every call and attribute."""
    from libcst import metadata

    from legacy_conv.migration import positions

    wrapper = metadata.MetadataWrapper(cst.parse_module(text), unsafe_skip_copy=True)
    ours = wrapper.resolve(positions.FromAst)
    libcst = wrapper.resolve(metadata.PositionProvider)
    assert ours
    assert all(place == (libcst[node].start.line, libcst[node].start.column)
               for node, place in ours.items())
    assert all(node in ours for node in wrapper.resolve(positions.Parents) if isinstance(
        node, cst.Call))


def test_positions_of_calls_in_f_strings_are_libcsts():
    from libcst import metadata

    from legacy_conv.migration import positions

    wrapper = metadata.MetadataWrapper(cst.parse_module('x = f"{g(1)}"\n'),
                                       unsafe_skip_copy=True)
    call = next(n for n in wrapper.resolve(positions.Parents) if isinstance(n, cst.Call))
    assert not wrapper.resolve(positions.FromAst)
    assert positions.position(wrapper, call) == (1, 8)
