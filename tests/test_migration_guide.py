"""Every ```python block of the migration guide runs and asserts what it claims."""

import importlib.util
import pathlib

import pytest

GUIDE = pathlib.Path(__file__).parent.parent / "migration_guide"
_spec = importlib.util.spec_from_file_location("check_snippets", GUIDE / "check_snippets.py")
check_snippets = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check_snippets)
SNIPPETS = list(check_snippets.iter_snippets())


def test_the_guide_has_examples():
    assert len(SNIPPETS) >= 30


@pytest.mark.parametrize("snippet", SNIPPETS, ids=check_snippets.snippet_id)
def test_snippet_runs(snippet):
    check_snippets.run_snippet(snippet)
