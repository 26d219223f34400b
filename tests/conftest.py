import collections
import os
import pathlib
import re

import pytest

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")


@pytest.fixture(scope="session", autouse=True)
def _without_grappler():
    """Grappler, TensorFlow's graph optimizer, rewrites each graph a test process traces,
    once (about a twelfth of the suite's time), and changes no number beyond float32
    rounding: off in the processes that run tests (not xdist's controller). The tests that
    start a fresh process (the serving process, the command line, the examples) run with
    it, as users do; LEGACY_CONV_TEST_GRAPPLER=1 runs all with it."""
    if os.environ.get("LEGACY_CONV_TEST_GRAPPLER") != "1":
        import tensorflow as tf

        tf.config.optimizer.set_experimental_options({"disable_meta_optimizer": True})


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects
def pytest_collection_modifyitems(items):
    """`@pytest.mark.slow(quick=n)` marks all but the first n cases of a parametrized test, and
    `slow(quick=(id, ...))` all but the cases of those ids: the quick tier keeps a few cases of
    each slow family."""
    seen = collections.Counter()
    for item in items:
        mark = item.get_closest_marker("slow")
        if mark is None or "quick" not in mark.kwargs:
            continue
        key = (item.parent.nodeid, item.originalname)
        seen[key] += 1
        quick = mark.kwargs["quick"]
        if (seen[key] <= quick) if isinstance(quick, int) else (item.callspec.id in quick):
            item.own_markers[:] = [m for m in item.own_markers if m.name != "slow"]



SHARED_FIXTURE = re.compile(r"@pytest\.fixture\([^)]*scope=[\"'](module|session)[\"']")


@pytest.hookimpl(optionalhook=True)  # an xdist hook: pytest without xdist runs too
def pytest_xdist_make_scheduler(config, log):
    """`-n N` (xdist's 'load'): the tests of a file that defines a module or session fixture
    run on one worker, which builds it once (test_serving's exports, test_native's saved
    models); the other tests are shared out one by one, after those files. (xdist's own
    `--dist loadgroup` groups nothing on pytest 9.2: pytest-dev/pytest-xdist#1386.)"""
    if config.getvalue("dist") != "load":
        return None
    from xdist.scheduler import LoadScopeScheduling

    tests = pathlib.Path(__file__).parent
    shared = {path.relative_to(config.rootpath).as_posix() for path in tests.glob("test_*.py")
              if SHARED_FIXTURE.search(path.read_text())}

    class Scheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            path = nodeid.split("::", 1)[0]
            return path if path in shared else nodeid

    return Scheduling(config, log)
