"""The migration guide: every ```python block runs and asserts what it claims, every
relative link points to an existing page and heading, and every page is in the index."""

import importlib.util
import pathlib

import pytest

from legacy_conv.spec import layers as spec

GUIDE = pathlib.Path(__file__).parent.parent / "migration_guide"
_spec = importlib.util.spec_from_file_location("check_snippets", GUIDE / "check_snippets.py")
check_snippets = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check_snippets)
SNIPPETS = list(check_snippets.iter_snippets())

# Keras 1's convolutional layers: one page each.
LAYERS = tuple(name for name, layer in spec.LAYERS.items() if layer.module == "convolutional")


def test_the_guide_has_examples():
    assert len(SNIPPETS) >= 70


@pytest.mark.slow(quick=3)
@pytest.mark.parametrize("snippet", SNIPPETS, ids=check_snippets.snippet_id)
def test_snippet_runs(snippet):
    check_snippets.run_snippet(snippet)


def test_links_resolve():
    broken = check_snippets.broken_links()
    assert not broken, "\n".join(f"{where}: {target!r} ({why})" for where, target, why in broken)


@pytest.mark.parametrize("layer", LAYERS)
def test_every_layer_has_a_page_with_an_example(layer):
    page = GUIDE / "layers" / f"{layer.lower()}.md"
    text = page.read_text(encoding="utf-8")
    assert text.startswith(f"# {layer}\n")
    assert f"{layer}(" in text.split("```text", 1)[1].split("```", 1)[0]  # the Keras 1 signature
    assert check_snippets.extract(str(page)), f"{page.name} has no runnable example"


def test_the_index_lists_every_page():
    index = GUIDE / "README.md"
    linked = {target.split("#")[0] for _, _, target in check_snippets.links(str(index))}
    pages = {check_snippets.page_name(p) for p in check_snippets.guide_files()} - {"README.md"}
    assert pages <= linked, f"not in the index: {sorted(pages - linked)}"


@pytest.mark.parametrize("heading, anchor", [
    ("D2. Theano 'same' is 'half' padding", "d2-theano-same-is-half-padding"),
    ("2.1 `init` → `kernel_initializer`", "21-init--kernel_initializer"),
    ("Flatten → Dense: the weight permutation", "flatten--dense-the-weight-permutation"),
])
def test_slugs_are_githubs(heading, anchor):
    assert check_snippets.slug(heading) == anchor


def test_broken_links_are_reported(tmp_path):
    (tmp_path / "a.md").write_text("# Title\n\n[ok](#title) [bad](#nope) [gone](b.md)\n"
                                   "```text\n[in code](ignored.md)\n```\n`[inline](ignored.md)`\n",
                                   encoding="utf-8")
    broken = check_snippets.broken_links([str(tmp_path / "a.md")])
    assert [(target, why) for _, target, why in broken] == [("#nope", "no such heading"),
                                                            ("b.md", "no such file")]
