"""The documentation site: it builds strictly, its code runs, and it covers the whole zoo.

Code blocks in docs/index.md and docs/guides/*.md are tested like this:
- every ```python block runs, in page order, one namespace per page (a page reads
  like a notebook: later blocks use names from earlier ones), in a fresh temporary
  folder, so files the examples write do not land in the repository;
- a block right after the line `<!-- test: skip (reason) -->` is shown but not run
  (it needs the reader's own files or packages);
- a block right after `<!-- test: needs NAME -->` runs only when the zoo has NAME;
- other languages (bash, toml, ...) never run.
The usage snippet of the first model page of each task runs too. All of it runs
in one subprocess, so TensorFlow is imported once.
"""
from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

import seqzoo

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = [DOCS / "index.md", *sorted((DOCS / "guides").glob("*.md"))]
FENCE = re.compile(r"(?:<!-- test: (?P<marker>[^>]*?) -->\n)?^```(?P<lang>\w*)[^\n]*\n(?P<code>.*?)^```",
                   re.MULTILINE | re.DOTALL)
DOCS_PACKAGES = ("mkdocs", "material", "mkdocstrings", "mkdocstrings_handlers.python")
RUN_TIMEOUT_S = 300


def load_hook():
    spec = importlib.util.spec_from_file_location("zoo_pages", DOCS / "hooks" / "zoo_pages.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def line_of(text: str, match: re.Match) -> int:
    return text[: match.start("code")].count("\n") + 1


def python_blocks(text: str) -> list[tuple[int, str]]:
    """(line, code) of the blocks of a page that run, given the zoo installed here."""
    blocks = []
    for match in FENCE.finditer(text):
        marker = (match["marker"] or "").strip()
        if match["lang"] != "python" or marker.startswith("skip"):
            continue
        if marker.startswith("needs ") and marker.split()[1] not in seqzoo.list_models():
            continue
        blocks.append((line_of(text, match), match["code"]))
    return blocks


def documents() -> dict[str, list[tuple[int, str]]]:
    docs = {str(p.relative_to(DOCS)): python_blocks(p.read_text(encoding="utf-8")) for p in PAGES}
    hook = load_hook()
    first_of_task = {}
    for name in seqzoo.list_models():
        first_of_task.setdefault(seqzoo.info(name).task, name)
    for name in first_of_task.values():
        docs[f"models/{name}.md (generated)"] = [(1, hook.usage_snippet(name))]
    return docs


RUNNER = r"""
import json, os, sys, time, traceback
docs, out = json.load(open(sys.argv[1])), {}
for page, blocks in docs.items():
    os.chdir(os.path.join(sys.argv[2], page.replace("/", "_").replace(" ", "_")))
    namespace, start, out[page] = {"__name__": "__main__"}, time.time(), {"ok": True}
    for line, code in blocks:
        try:
            exec(compile(code, f"{page}, block at line {line}", "exec"), namespace)
        except BaseException:
            out[page] = {"ok": False, "error": traceback.format_exc()[-3000:]}
            break
    out[page]["seconds"] = round(time.time() - start, 1)
    print(f"== {page}: {out[page]['seconds']} s", flush=True)
json.dump(out, open(sys.argv[3], "w"))
"""


@pytest.fixture(scope="session")
def code_results(tmp_path_factory):
    """Runs every page's code once; page -> {"ok", "error", "seconds"}."""
    folder = tmp_path_factory.mktemp("docs-code")
    docs = documents()
    for page in docs:
        (folder / page.replace("/", "_").replace(" ", "_")).mkdir()
    (folder / "docs.json").write_text(json.dumps(docs), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
           "TF_CPP_MIN_LOG_LEVEL": "3", "MPLBACKEND": "Agg"}
    start = time.time()
    result = subprocess.run(
        [sys.executable, "-c", RUNNER, str(folder / "docs.json"), str(folder), str(folder / "results.json")],
        capture_output=True, text=True, env=env, timeout=RUN_TIMEOUT_S,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    results = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    print(f"\ndocumentation code ran in {time.time() - start:.0f} s: "
          + ", ".join(f"{page} {r['seconds']} s" for page, r in results.items()))
    return results


@pytest.mark.parametrize("page", [str(p.relative_to(DOCS)) for p in PAGES])
def test_page_code_runs(page, code_results):
    assert code_results[page]["ok"], code_results[page].get("error")


def test_model_page_usage_snippets_run(code_results):
    generated = {page: r for page, r in code_results.items() if page.endswith("(generated)")}
    assert generated
    for page, result in generated.items():
        assert result["ok"], f"{page}:\n{result.get('error')}"


def test_every_python_block_compiles():
    """Skipped blocks too: a reader may still copy them."""
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for match in FENCE.finditer(text):
            if match["lang"] == "python":
                compile(match["code"], f"{page.name}, line {line_of(text, match)}", "exec")


def test_the_convention_leaves_code_to_run():
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        if "```python" in text:
            assert python_blocks(text), f"{page.name}: every Python block is skipped"


def test_generated_pages_cover_the_zoo():
    hook = load_hook()
    pages = hook.pages()
    zoo = pages["zoo.md"]
    for name in seqzoo.list_models():
        card = seqzoo.info(name)
        assert f"[`{name}`](models/{name}.md)" in zoo
        page = pages[f"models/{name}.md"]
        for key, metric in card.metrics.items():
            assert key in page or (metric.get("baseline") and key.split("_")[0] in page)
        assert card.limitations in page and card.recipe.get("command", "") in page
        if "training_curve.png" in card.files:
            assert f"({name}/training_curve.png)" in page
    for name in seqzoo.datasets.list_datasets():
        assert f"## {name}\n" in pages["datasets.md"]


def test_mkdocs_build_strict(tmp_path):
    missing = [p for p in DOCS_PACKAGES if importlib.util.find_spec(p.split(".")[0]) is None
               or importlib.util.find_spec(p) is None]
    if missing:
        pytest.skip(f"the docs extra is not installed ({', '.join(missing)}): pip install '.[docs]'")
    site = tmp_path / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(ROOT / "mkdocs.yml"),
                             "-d", str(site)], capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-4000:]
    zoo = (site / "zoo" / "index.html").read_text(encoding="utf-8")
    for name in seqzoo.list_models():
        assert f'href="../models/{name}/"' in zoo, f"{name} is missing from the zoo page"
        page = site / "models" / name / "index.html"
        assert page.is_file(), f"no page for {name}"
        if "training_curve.png" in seqzoo.info(name).files:
            assert (site / "models" / name / "training_curve.png").is_file()
    assert "seqzoo.models.char_lm.CharLM" in (site / "api" / "models" / "index.html").read_text(encoding="utf-8")
