import collections
import os

import pytest

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")


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
