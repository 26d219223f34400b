"""A fresh clone can regenerate every fixture: each generator is documented in keras1_oracle/,
finds tf1_shim.py there by default, and no longer points outside the repository. (Only the
texts are read: the tests never run Keras 1.)"""

import re

import pytest

from _fixtures import FIXTURES

ORACLE = FIXTURES.parent.parent / "keras1_oracle"
GENERATORS = sorted(FIXTURES.glob("*/make_*.py"))
SETUPS = sorted(ORACLE.glob("setup*.sh"))


def test_there_are_generators_and_setups():
    assert len(GENERATORS) >= 6 and len(SETUPS) >= 2
    assert (ORACLE / "tf1_shim.py").is_file()


@pytest.mark.parametrize("script", GENERATORS, ids=lambda p: p.name)
def test_generator_uses_the_in_repo_oracle(script):
    text = script.read_text()
    assert f"tests/fixtures/{script.parent.name}/{script.name}" in (
        ORACLE / "README.md").read_text()
    assert re.search(r'DEFAULT_SHIM_DIR = os\.path\.join\(REPO\w*, "keras1_oracle"\)'
                     r'|default=\w+\.DEFAULT_SHIM_DIR\b', text)  # its own, or a sibling's
    assert "keras1_oracle/README.md" in text


@pytest.mark.parametrize("path", GENERATORS + sorted(FIXTURES.glob("*/README.md")),
                         ids=lambda p: f"{p.parent.name}/{p.name}")
def test_nothing_points_outside_the_repository(path):
    assert not re.search(r"shared/|keras1-oracle", path.read_text())


@pytest.mark.parametrize("script", SETUPS, ids=lambda p: p.name)
def test_setup_scripts_name_requirements_that_exist(script):
    for name in re.findall(r'\$here/([\w.-]+)', script.read_text()):
        assert (ORACLE / name).is_file(), name
