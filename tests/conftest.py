import collections
import os

import pytest

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects, and before xdist reads the groups
def pytest_collection_modifyitems(items):
    """`@pytest.mark.slow(quick=n)` marks all but the first n cases of a parametrized test, and
    `slow(quick=(id, ...))` all but the cases of those ids: the quick tier keeps a few cases of
    each slow family. Tests that share a module or session fixture of the test files run on
    one worker (`--dist loadgroup`), which builds it once."""
    seen = collections.Counter()
    for item in items:
        group = _shared_fixture(item)
        if group:
            item.add_marker(pytest.mark.xdist_group(group))
        mark = item.get_closest_marker("slow")
        if mark is None or "quick" not in mark.kwargs:
            continue
        key = (item.parent.nodeid, item.originalname)
        seen[key] += 1
        quick = mark.kwargs["quick"]
        if (seen[key] <= quick) if isinstance(quick, int) else (item.callspec.id in quick):
            item.own_markers[:] = [m for m in item.own_markers if m.name != "slow"]


def _shared_fixture(item):
    """'<file>.<fixture>' of the widest module- or session-scoped fixture that `item` uses and
    a test file or conftest defines (pytest's own have no base id), else None."""
    shared = [(definition.scope != "session", definition.baseid, name)
              for name, definitions in item._fixtureinfo.name2fixturedefs.items()
              for definition in definitions
              if definition.baseid and definition.scope in ("module", "session")]
    if not shared:
        return None
    _, baseid, name = min(shared)
    return f"{baseid.rsplit('/', 1)[-1].removesuffix('.py')}.{name}"
