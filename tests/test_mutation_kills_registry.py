"""registry.py: what mutation testing found untested (tools/mutation.py seqzoo/registry.py).

Each test pins one behaviour a surviving mutant changed: where the shipped presets are
found, the messages of `register`'s refusals, overwrite, and the name an entry gets.
"""
from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

import seqzoo
from seqzoo import registry
from seqzoo.errors import PresetError, SeqzooError

CARD = {"task": "char_lm", "architecture": "gru"}


def builder():
    return seqzoo.build("gru", "char_lm", hidden_size=4)


@pytest.fixture(autouse=True)
def clean_registry(monkeypatch):
    # Entries added here vanish afterwards; the built-in ones stay discovered.
    registry._discover()
    monkeypatch.setattr(registry, "_ENTRIES", dict(registry._ENTRIES))


def test_presets_inside_the_package_win_over_the_source_tree(tmp_path, monkeypatch):
    package = tmp_path / "seqzoo"
    (package / "saved_models").mkdir(parents=True)
    monkeypatch.setattr(registry, "__file__", str(package / "registry.py"))
    assert registry.builtin_presets_dir() == package / "saved_models"  # a wheel's layout
    (package / "saved_models").rmdir()
    assert registry.builtin_presets_dir() == tmp_path / "saved_models"  # a source checkout's


def test_register_without_a_preset_or_builder_says_what_to_give():
    with pytest.raises(SeqzooError, match=r"register\('mine'\): give a preset directory or a builder"):
        seqzoo.register("mine")


def test_a_builder_without_a_card_says_what_the_card_needs():
    with pytest.raises(SeqzooError, match=r"register\('mine'\): a builder needs a card \(task, architecture\)"):
        seqzoo.register("mine", builder=builder)


def test_an_unknown_task_is_named_with_the_known_ones():
    with pytest.raises(SeqzooError, match=r"register\('mine'\): task 'translation' is not one of "
                                          r"\('char_lm', 'text_classification', 'forecasting'\)"):
        seqzoo.register("mine", builder=builder, card={"task": "translation", "architecture": "gru"})


def test_a_bad_card_dict_names_the_register_call():
    with pytest.raises(PresetError, match=r"register\('mine'\)"):
        seqzoo.register("mine", builder=builder, card={"task": "char_lm", "architecture": "gru",
                                                       "metrics": "not a mapping"})


def test_a_new_name_needs_no_overwrite_and_a_taken_one_does():
    first = seqzoo.register("test-fresh", builder=builder, card=CARD)
    assert first.name == "test-fresh" and first.builder is builder and first.preset is None
    with pytest.raises(SeqzooError, match=r"'test-fresh' is already in the zoo; pass overwrite=True"):
        seqzoo.register("test-fresh", builder=builder, card=CARD)
    assert registry.get_entry("test-fresh") is first  # The refused call changed nothing.
    second = seqzoo.register("test-fresh", builder=builder, card={"task": "char_lm", "architecture": "lstm"},
                             overwrite=True)
    assert registry.get_entry("test-fresh") is second and second.card.architecture == "lstm"


def test_an_entry_and_its_card_take_the_registered_name(tiny_lm, tmp_path):
    tiny_lm.save_preset(tmp_path / "saved-as")
    entry = seqzoo.register("test-renamed", preset=tmp_path / "saved-as")
    assert entry.name == "test-renamed" and entry.card.name == "test-renamed"
    assert seqzoo.info("test-renamed").name == "test-renamed"
    assert entry.preset == tmp_path / "saved-as"
    dict_entry = seqzoo.register("test-from-dict", builder=builder, card={**CARD, "name": "other"})
    assert dict_entry.card.name == "test-from-dict"


def _run_with_plugin(tmp_path, body: str, script: str):
    site = tmp_path / "site"
    (site / "zoo_plugin").mkdir(parents=True)
    (site / "zoo_plugin" / "__init__.py").write_text(textwrap.dedent(body))
    dist = site / "zoo_plugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: zoo-plugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[seqzoo.models]\nbroken = zoo_plugin:models\n")
    return subprocess.run([sys.executable, "-c", f"import sys; sys.path.insert(0, {str(site)!r}); {script}"],
                          capture_output=True, text=True, timeout=120)


def test_a_failing_plugin_is_named_with_its_entry_point_and_error(tmp_path):
    result = _run_with_plugin(tmp_path, """
        def models():
            raise RuntimeError("no network here")
    """, "import seqzoo\ntry:\n    seqzoo.list_models()\nexcept seqzoo.SeqzooError as e:\n    print(e)")
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == ("The seqzoo plugin 'broken' (zoo_plugin:models) failed: no network here")


def test_a_plugin_that_is_a_list_and_one_that_returns_none(tmp_path):
    listed = _run_with_plugin(tmp_path, """
        models = [{"name": "plugin-gru", "builder": lambda: None,
                   "card": {"task": "char_lm", "architecture": "gru"}}]
    """, "import seqzoo; print(seqzoo.list_models('plugin-*'), seqzoo.info('plugin-gru').architecture)")
    assert listed.returncode == 0, listed.stderr[-2000:]
    assert listed.stdout.strip() == "['plugin-gru'] gru"
    empty = _run_with_plugin(tmp_path / "2", "def models():\n    return None\n",
                             "import seqzoo; print(len(seqzoo.list_models('names-*')))")
    assert empty.returncode == 0, empty.stderr[-2000:]
    assert empty.stdout.strip() == "2"


def test_list_models_checks_the_pattern_and_names_the_tasks():
    with pytest.raises(SeqzooError, match="pattern"):
        seqzoo.list_models(3)
    with pytest.raises(SeqzooError, match=r"Unknown task 'translation'; choose one of \('char_lm', "
                                          r"'text_classification', 'forecasting'\)"):
        seqzoo.list_models(task="translation")
    with pytest.raises(SeqzooError, match="Unknown task 5"):
        seqzoo.list_models(task=5)
    assert seqzoo.list_models("names-*", task="char_lm") == ["names-lstm", "names-rnn"]
    assert seqzoo.list_models("names-*", task="forecasting") == []


@pytest.mark.parametrize("text, expected", [
    ("a/b", True), ("./x", True), ("~/x", True), (".hidden", True), ("~", True),
    ("x", False), ("x.y", False), ("x~", False), ("names-lstm", False), ("", False),
])
def test_written_as_path(text, expected):
    assert registry.written_as_path(text) is expected


class FakeBytesPath:
    def __fspath__(self):
        return b"/tmp/x"


def test_resolve_reads_paths_as_directories_and_names_as_entries(tmp_path, monkeypatch):
    from seqzoo.errors import InputError, UnknownModelError

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "names-lstm").mkdir()  # A local folder with a zoo name: the zoo entry wins.
    (tmp_path / "my-model").mkdir()
    assert isinstance(registry.resolve("names-lstm"), registry.ZooEntry)
    assert registry.resolve("names-lstm").name == "names-lstm"
    assert registry.resolve("./names-lstm") == tmp_path.joinpath("names-lstm").relative_to(tmp_path)
    assert registry.resolve(tmp_path / "names-lstm") == tmp_path / "names-lstm"
    assert registry.resolve("my-model") == registry.Path("my-model")  # No entry has the name.
    assert registry.resolve("~/deep/x") == tmp_path / "home" / "deep" / "x"
    assert registry.resolve(registry.Path("~/y")) == tmp_path / "home" / "y"
    with pytest.raises(UnknownModelError, match="Did you mean 'names-lstm'"):
        registry.resolve("name-lstm")
    with pytest.raises(InputError, match=r"Expected a model name or a directory path, got bytes b'/tmp/x'"):
        registry.resolve(FakeBytesPath())
    with pytest.raises(InputError, match=r"Expected a model name \(str\) or a directory \(str or "
                                         r"pathlib.Path\), got int '42'"):
        registry.resolve(42)
    for bad in ("", "names\x00lstm"):
        with pytest.raises(InputError, match="Expected a model name or a directory, got"):
            registry.resolve(bad)
