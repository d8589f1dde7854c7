"""The docs site orients a new user: every guide linked, the repository and version shown,
card text escaped, the zoo table readable (issue 23). Builds nothing; reads the pages'
sources and the generated Markdown."""
from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
import yaml

import seqzoo

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def _hook():
    spec = importlib.util.spec_from_file_location("zoo_pages_site", DOCS / "hooks" / "zoo_pages.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _mkdocs() -> dict:
    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    return yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=Loader)


def test_every_guide_is_linked_from_the_home_page_and_the_nav():
    index = (DOCS / "index.md").read_text(encoding="utf-8")
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    for guide in sorted((DOCS / "guides").glob("*.md")):
        assert f"(guides/{guide.name})" in index, f"docs/index.md does not link {guide.name}"
        assert f"guides/{guide.name}" in nav, f"mkdocs.yml's nav does not list {guide.name}"


def test_home_page_opens_with_install_version_and_repository():
    index = (DOCS / "index.md").read_text(encoding="utf-8")
    top = index[: index.index("```python")]
    assert "pip install" in top and "seqzoo demo" in top
    assert "{{ seqzoo_version }}" in top
    config = _mkdocs()
    assert config["repo_url"] in top
    assert config["site_url"].startswith("https://") and config["site_url"].endswith("/")
    assert config.get("edit_uri")


def test_changelog_is_in_the_site_and_groups_by_version():
    assert (DOCS / "changelog.md").read_text(encoding="utf-8").strip() == '--8<-- "CHANGELOG.md"'
    assert "changelog.md" in (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    versions = re.findall(r"^## .*?(\d+\.\d+\.\d+)", (ROOT / "CHANGELOG.md").read_text(encoding="utf-8"), re.M)
    assert seqzoo.__version__ in versions and len(versions) >= 2


def test_card_text_is_escaped_on_model_pages():
    hook = _hook()
    card = seqzoo.info("shakespeare-lstm")
    assert "<unk>" in card.limitations
    page = hook.model_page("shakespeare-lstm")
    assert "&lt;unk&gt;" in page and "<unk>" not in page


def test_zoo_table_shows_direction_and_flags_models_below_their_baseline():
    from seqzoo.zoo_table import architecture_label, beaten_by_baseline, markdown_table

    assert architecture_label(seqzoo.info("sentiment-bilstm")) == "bilstm"
    table = markdown_table()
    for name in seqzoo.list_models():
        row = next(line for line in table.splitlines() if f"`{name}`" in line)
        assert ("**below the" in row) == (beaten_by_baseline(seqzoo.info(name)) is not None)
        assert "_test_" not in row.split("|")[6], "baseline cells show short names"


def test_beaten_by_baseline_follows_the_metric_direction():
    from seqzoo.card import ModelCard
    from seqzoo.zoo_table import beaten_by_baseline

    def card(key, ours, theirs):
        return ModelCard(name="x", task="char_lm", architecture="lstm", num_params=1, headline_metric=key,
                         metrics={key: {"value": ours, "split": "test"},
                                  f"base_{key}": {"value": theirs, "split": "test", "baseline": True}})

    assert beaten_by_baseline(card("test_nll", 2.0, 1.5)) == "base"
    assert beaten_by_baseline(card("test_nll", 1.0, 1.5)) is None
    assert beaten_by_baseline(card("test_accuracy", 0.7, 0.8)) == "base"
    assert beaten_by_baseline(card("test_accuracy", 0.9, 0.8)) is None


def test_zoo_page_has_a_which_model_box_per_task_and_the_figure():
    hook = _hook()
    page = hook.zoo_page()
    assert page.count("which model should I use?") >= 4
    assert hook.ZOO_FIGURE in page
    png = hook.zoo_guide.metric_vs_size_png()
    assert png[:4] == b"\x89PNG"


@pytest.mark.parametrize("name", ["shakespeare-lstm", "names-lstm"])
def test_usage_snippets_fit_the_model(name):
    snippet = _hook().usage_snippet(name)
    if name.startswith("shakespeare"):
        assert '"Ma' not in snippet and "To be" in snippet
    else:
        assert "Joh" in snippet


def test_recipe_commands_run_from_a_checkout():
    for name in seqzoo.list_models():
        command = seqzoo.info(name).recipe.get("command", "")
        assert "/tmp" not in command, f"{name}: {command}"


def test_training_curve_has_a_panel_per_quantity():
    from seqzoo.recipes.curves import _panels, training_curve_png

    history = {"loss": [1.0, 0.8], "val_loss": [1.1, 0.9], "accuracy": [0.6, 0.7], "val_accuracy": [0.5, 0.6]}
    assert _panels(history) == ["loss", "accuracy"]
    assert training_curve_png(history, title="t", task="text_classification")[:4] == b"\x89PNG"


def test_the_build_example_of_the_api_page_runs_as_written():
    import doctest

    examples = doctest.DocTestParser().get_examples(seqzoo.build.__doc__)
    namespace = {"seqzoo": seqzoo}
    for example in examples:
        exec(compile(example.source, "seqzoo.build docstring", "exec"), namespace)
    assert namespace["lm"].predict_next("Ben", k=1)[0][0]


def test_api_docstrings_link_guides_instead_of_printing_paths():
    assert "docs/guides/" not in seqzoo.load.__doc__
    assert "(../guides/performance.md)" in seqzoo.load.__doc__
