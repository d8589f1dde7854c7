"""The documentation site: it builds strictly, its code runs, and it covers the whole zoo.

Code blocks in docs/index.md and docs/guides/*.md are tested like this:
- every ```python block runs, in page order, one namespace per page (a page reads
  like a notebook: later blocks use names from earlier ones), in a fresh temporary
  folder, so files the examples write do not land in the repository;
- a block right after the line `<!-- test: skip (reason) -->` is shown but not run
  (it needs the reader's own files or packages);
- a block right after `<!-- test: needs NAME -->` runs only when NAME is available:
  a model of the zoo, or a built-in dataset that is cached;
- other languages (bash, toml, text, ...) never run.
The usage snippet of the first model page of each task runs too. All of it runs
in one subprocess, so TensorFlow is imported once.

What a block prints is shown on the page by an include right after it,

    ```text title="Output"
    --8<-- "docs/outputs/guides/PAGE-WHAT.txt"
    ```

recorded by docs/scripts/regenerate_outputs.py (which parses pages with the
same rules: `blocks` and `runnable` below come from it). Outputs are never typed
by hand; a test fails when one is older than its code or its model.
"""
from __future__ import annotations

import html.parser
import importlib.util
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

import seqzoo

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
DOCS_PACKAGES = ("mkdocs", "material", "mkdocstrings", "mkdocstrings_handlers.python", "pymdownx")
RUN_TIMEOUT_S = 300


def load_module(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def load_hook():
    return load_module("zoo_pages", DOCS / "hooks" / "zoo_pages.py")


OUTPUTS = load_module("regenerate_outputs", DOCS / "scripts" / "regenerate_outputs.py")
PAGES = OUTPUTS.pages()


def python_blocks(text: str) -> list[tuple[int, str]]:
    """(line, code) of the blocks of a page that run, given the zoo and datasets here."""
    return [(block.line, block.code) for block in OUTPUTS.blocks(text) if OUTPUTS.runnable(block)]


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


SKIP_MARKER = re.compile(r"<!-- test: skip \((?P<reason>[^)]*\S[^)]*)\) -->")


def test_every_python_block_runs_or_says_why_not():
    """Every Python block runs in `test_page_code_runs`, except:

    - a block marked `<!-- test: skip (reason) -->` with a reason (it needs the reader's
      own files, or trains for minutes); it still compiles, since a reader may copy it;
    - a block marked `<!-- test: needs NAME -->` where NAME, a real zoo model or built-in
      dataset, is missing here. CI fetches the datasets first (`.ci/run`), so there it runs.
    """
    from seqzoo import datasets

    not_run = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        lines = text.splitlines()
        for block in OUTPUTS.blocks(text):
            if not block.python:
                continue
            where = f"{page.relative_to(DOCS)}, line {block.line}"
            compile(block.code, where, "exec")
            if block.skip:
                marker = "\n".join(lines[max(0, block.line - 4): block.line - 1])
                assert SKIP_MARKER.search(marker), f"{where}: a skipped block must say why, as (reason)"
                not_run.append(where)
            elif block.needs:
                assert block.needs in datasets.list_datasets() or block.needs in seqzoo.list_models(), (
                    f"{where}: needs {block.needs!r}, which is neither a zoo model nor a built-in dataset")
            assert OUTPUTS.runnable(block) or block.skip or block.needs in datasets.list_datasets(), where
    print(f"\nskipped documentation blocks (each with its reason): {not_run}")


# === Outputs: recorded by docs/scripts/regenerate_outputs.py, never typed ===
def test_recorded_outputs_are_current():
    """Every output shown was recorded from the code shown now, on the models of the zoo now."""
    problems = OUTPUTS.stale()
    assert not problems, ("Outputs the docs show are missing or older than their code or model; record them "
                          "again with\n    python docs/scripts/regenerate_outputs.py --stale\n" + "\n".join(problems))


def test_outputs_follow_runnable_blocks():
    """A page's output include sits right after a Python block that runs (not a skipped one).

    Pages may also show the recorded run of an example (docs/outputs/examples/...).
    """
    for page in [*PAGES, DOCS / "examples.md"]:
        text = page.read_text(encoding="utf-8")
        shown = {block.output for block in OUTPUTS.blocks(text) if block.output}
        for block in OUTPUTS.blocks(text):
            assert not (block.skip and block.output), f"{page.name}, line {block.line}: a skipped block shows output"
        for path in re.findall(r'--8<-- "(docs/outputs/[^"]+)"', text):
            assert path in shown or path.startswith("docs/outputs/examples/"), (
                f"{page.name}: {path} is not right after a Python block")
            assert (ROOT / path).is_file(), f"{page.name}: {path} does not exist"


HAND_TYPED_OUTPUT = re.compile(r"#\s*(\[\(|\['|\{'|\[\[)")  # "# [('n', 0.72), ...]" and the like


def test_no_hand_typed_outputs_in_comments():
    for page in PAGES:
        for block in OUTPUTS.blocks(page.read_text(encoding="utf-8")):
            if block.python:
                for i, line in enumerate(block.code.splitlines()):
                    assert not HAND_TYPED_OUTPUT.search(line), (
                        f"{page.name}, line {block.line + i}: show outputs in an Output block recorded by "
                        f"docs/scripts/regenerate_outputs.py, not in a comment: {line.strip()}")


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
        assert html.escape(card.limitations, quote=False) in page and card.recipe.get("command", "") in page
        if "training_curve.png" in card.files:
            assert f"({name}/training_curve.png)" in page
    for name in seqzoo.datasets.list_datasets():
        assert f"## {name}\n" in pages["datasets.md"]


def test_cli_page_covers_every_command():
    from seqzoo.cli import build_parser

    hook = load_hook()
    page = hook.cli_page()

    def commands(parser, path):
        for name, _, sub in hook._subcommands(parser):
            yield f"{path} {name}"
            yield from commands(sub, f"{path} {name}")

    names = list(commands(build_parser(), "seqzoo"))
    assert {"seqzoo list", "seqzoo generate", "seqzoo data fetch"} <= set(names)
    for command in names:
        assert f"\n## {command}\n" in page and f"usage: {command}" in page, command


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    """The site, built once with `mkdocs build --strict`."""
    missing = [p for p in DOCS_PACKAGES if importlib.util.find_spec(p.split(".")[0]) is None
               or importlib.util.find_spec(p) is None]
    if missing:
        pytest.skip(f"the docs extra is not installed ({', '.join(missing)}): pip install '.[docs]'")
    site = tmp_path_factory.mktemp("docs") / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(ROOT / "mkdocs.yml"),
                             "-d", str(site)], capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-4000:]
    return site


class _Links(html.parser.HTMLParser):
    """Collects href/src attributes and element ids of one HTML page."""

    def __init__(self):
        super().__init__()
        self.links, self.ids = [], set()

    def handle_starttag(self, tag, attrs):
        for key, value in attrs:
            if key in ("href", "src") and value:
                self.links.append(value)
            if key in ("id", "name") and value:
                self.ids.add(value)


def _parse(page: Path) -> _Links:
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def _target(site: Path, page: Path, link: str) -> tuple[Path | None, str]:
    """The file a relative link of `page` points to (None for external links), and its fragment."""
    parts = urlsplit(link)
    if parts.scheme or parts.netloc or link.startswith(("/", "#")):
        return None, parts.fragment
    target = (page.parent / unquote(parts.path)).resolve()
    if parts.path.endswith("/") or target.is_dir():
        target = target / "index.html"
    return target, parts.fragment


def test_site_internal_links_resolve(site):
    """Every relative href/src of every built page names a file of the site, and its #anchor exists."""
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 20
    parsed = {page.resolve(): _parse(page) for page in pages}
    broken = []
    for page in pages:
        for link in parsed[page.resolve()].links:
            target, fragment = _target(site, page, link)
            if target is None:
                continue
            where = f"{page.relative_to(site)}: {link}"
            if not target.is_file():
                broken.append(f"{where} (no {target})")
            elif fragment and target.suffix == ".html" and fragment not in parsed[target].ids:
                broken.append(f"{where} (no #{fragment} there)")
    assert not broken, "broken internal links:\n" + "\n".join(broken[:50])


def test_site_pages(site):
    for page in ["index.html", "zoo/index.html", "datasets/index.html", "cli/index.html", "examples/index.html",
                 *[f"guides/{p.stem}/index.html" for p in (DOCS / "guides").glob("*.md")]]:
        assert (site / page).is_file(), f"no {page}"
    built = "".join(p.read_text(encoding="utf-8") for p in site.rglob("*.html"))
    assert "{{ metric" not in built and "--8&lt;--" not in built and '--8<--' not in built
    examples = html.unescape(re.sub(r"<[^>]+>", "", (site / "examples" / "index.html").read_text(encoding="utf-8")))
    for example in sorted((ROOT / "examples").glob("*.py")):
        lines = [line for line in example.read_text(encoding="utf-8").splitlines() if line.strip()]
        assert all(line in examples for line in lines), f"{example.name} is not (all) on the Examples page"
    assert "seqzoo data fetch" in (site / "cli" / "index.html").read_text(encoding="utf-8")


def test_mkdocs_build_strict(site):
    zoo = (site / "zoo" / "index.html").read_text(encoding="utf-8")
    for name in seqzoo.list_models():
        assert f'href="../models/{name}/"' in zoo, f"{name} is missing from the zoo page"
        page = site / "models" / name / "index.html"
        assert page.is_file(), f"no page for {name}"
        assert f"<h1 id=\"{name}\">{name}" in page.read_text(encoding="utf-8")
        if "training_curve.png" in seqzoo.info(name).files:
            assert (site / "models" / name / "training_curve.png").is_file()
    assert "seqzoo.models.char_lm.CharLM" in (site / "api" / "models" / "index.html").read_text(encoding="utf-8")
