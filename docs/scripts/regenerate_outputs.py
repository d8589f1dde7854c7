"""Record every output the documentation shows, by running the code it shows.

    python docs/scripts/regenerate_outputs.py            # all of it (a few minutes on 2 CPU cores)
    python docs/scripts/regenerate_outputs.py --only generation --only models/
    python docs/scripts/regenerate_outputs.py --check    # list stale outputs; exit 1 if any
    python docs/scripts/regenerate_outputs.py --list     # what would run

No output in the docs is typed by hand. Three kinds are recorded here, on the
real presets of `seqzoo.list_models()`, into docs/outputs/ (which the pages
include with pymdownx.snippets, or the zoo_pages.py hook reads):

- Guide code: a ```python block of docs/index.md or docs/guides/*.md that is
  followed directly by

      ```text title="Output"
      --8<-- "docs/outputs/PATH.txt"
      ```

  gets what it prints written to docs/outputs/PATH.txt. Each page runs like
  tests/test_docs.py runs it: its blocks in order, in one namespace, in a
  fresh temporary folder, honouring the `<!-- test: skip (...) -->` and
  `<!-- test: needs NAME -->` markers (NAME: a zoo model, or a dataset that
  must be cached). Each page runs in a process of its own.
- Model pages: the usage snippet of every model page (zoo_pages.usage_snippet)
  -> docs/outputs/models/NAME.txt.
- Examples: every examples/*.py, run as a reader runs it (full mode) ->
  docs/outputs/examples/NAME.txt, starting with the command line.

docs/outputs/manifest.json records, for each output, a fingerprint of what
produced it: the code (for a guide block, every non-skipped block of the page
up to it; for an example, the file and its arguments) and the sha256 of the
card of every zoo model the code names. When the code or a model changes, the
output is stale: tests/test_docs.py fails and names this script.
"""
from __future__ import annotations

import argparse
import contextlib
import dataclasses
import hashlib
import importlib.util
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
OUTPUTS = DOCS / "outputs"
MANIFEST = OUTPUTS / "manifest.json"
EXAMPLES = ROOT / "examples"
if str(ROOT) not in sys.path:  # Run the source tree, not an older installed copy.
    sys.path.insert(0, str(ROOT))

FENCE = re.compile(r"(?:<!-- test: (?P<marker>[^>]*?) -->\n)?^```(?P<lang>\w*)[^\n]*\n(?P<code>.*?)^```[ \t]*$",
                   re.MULTILINE | re.DOTALL)
INCLUDE = re.compile(r'\A--8<-- "(?P<path>docs/outputs/[^"]+)"\s*\Z')
RUN_TIMEOUT_S = 600
TEMP_SHOWN_AS = "/tmp/run"  # Temporary folders of a run are shown under this name.


# === Pages and their blocks (tests/test_docs.py uses these too) ===
def pages() -> list[Path]:
    """The pages whose Python blocks run: docs/index.md and docs/guides/*.md."""
    return [DOCS / "index.md", *sorted((DOCS / "guides").glob("*.md"))]


def page_id(page: Path) -> str:
    return page.relative_to(DOCS).as_posix()


@dataclasses.dataclass
class Block:
    """One fenced code block of a page."""

    line: int                 # Line of its first line of code.
    lang: str
    code: str
    skip: bool = False        # `<!-- test: skip (reason) -->`: shown, never run.
    needs: str | None = None  # `<!-- test: needs NAME -->`: runs only where NAME is available.
    output: str | None = None  # The docs/outputs/... file that shows what it prints.

    @property
    def python(self) -> bool:
        return self.lang == "python"


def blocks(text: str) -> list[Block]:
    """Every fenced block of a page; a Python block's `output` is the include right after it."""
    found = []
    matches = list(FENCE.finditer(text))
    for i, match in enumerate(matches):
        marker = (match["marker"] or "").strip()
        block = Block(line=text[: match.start("code")].count("\n") + 1, lang=match["lang"], code=match["code"],
                      skip=marker.startswith("skip"),
                      needs=marker.split()[1] if marker.startswith("needs ") else None)
        following = matches[i + 1] if i + 1 < len(matches) else None
        if (block.python and following is not None and following["lang"] == "text"
                and not text[match.end(): following.start()].strip()):
            include = INCLUDE.match(following["code"].strip())
            if include:
                block.output = include["path"]
        found.append(block)
    return found


def available(name: str) -> bool:
    """A `needs` marker's NAME: a zoo model, or a built-in dataset that is cached here."""
    import seqzoo
    from seqzoo import datasets

    if name in datasets.list_datasets():
        from seqzoo.datasets.fetch import read_cached
        from seqzoo.datasets.sources import SOURCES

        return read_cached(SOURCES[name]) is not None
    return name in seqzoo.list_models()


def runnable(block: Block) -> bool:
    return block.python and not block.skip and (block.needs is None or available(block.needs))


# === Fingerprints ===
def card_digest(name: str) -> str:
    """What decides a model's behaviour: the sha256 of its files (weights, config, vocabulary) and its metrics.

    Plots, golden outputs (computed from those files) and the card's other fields
    (samples, training time) are left out, so rewriting a card without changing
    the model keeps the outputs current.
    """
    import seqzoo

    card = seqzoo.info(name)
    files = {path: digest for path, digest in card.files.items()
             if not path.endswith(".png") and path != "golden.json"}
    return hashlib.sha256(json.dumps({"files": files, "metrics": card.metrics, "task": card.task},
                                     sort_keys=True).encode()).hexdigest()


def models_named(code: str) -> list[str]:
    """The zoo models a piece of code names (as a quoted string)."""
    import seqzoo

    return [name for name in seqzoo.list_models() if f'"{name}"' in code or f"'{name}'" in code]


def fingerprint(code: str) -> str:
    models = {name: card_digest(name) for name in models_named(code)}
    return hashlib.sha256(json.dumps({"code": code, "models": models}, sort_keys=True).encode()).hexdigest()


@dataclasses.dataclass
class Expected:
    """One output the docs show, and what should have produced it."""

    path: str          # docs/outputs/..., from the repository root.
    job: str           # The job that records it (a page, "models", or an example file).
    fingerprint: str
    can_run: bool      # Everything it needs is available on this machine.
    needs: list[str]


def usage_snippet(name: str) -> str:
    spec = importlib.util.spec_from_file_location("zoo_pages", DOCS / "hooks" / "zoo_pages.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.usage_snippet(name)


def example_args(path: Path) -> list[str]:
    """The command line an example is recorded with: as a reader runs it (full mode)."""
    import seqzoo

    if path.name == "text_generation.py" and "shakespeare-lstm" not in seqzoo.list_models():
        return ["--model", "names-lstm", "--prompt", "Ma"]  # Its default model is not in the zoo yet.
    return []


def example_command(path: Path) -> str:
    return " ".join(["python", path.relative_to(ROOT).as_posix(), *example_args(path)])


def expected_outputs() -> dict[str, Expected]:
    """Every output the docs show, as they are now; path -> Expected."""
    import seqzoo

    found: dict[str, Expected] = {}
    for page in pages():
        code, needs = [], []
        for block in blocks(page.read_text(encoding="utf-8")):
            if not block.python or block.skip:
                continue
            code.append(block.code)
            if block.needs:
                needs.append(block.needs)
            if block.output:
                if block.output in found:
                    raise ValueError(f"{page_id(page)}: {block.output} is shown twice")
                found[block.output] = Expected(block.output, page_id(page), fingerprint("\n".join(code)),
                                               all(available(n) for n in needs), list(needs))
    for name in seqzoo.list_models():
        path = f"docs/outputs/models/{name}.txt"
        found[path] = Expected(path, "models", fingerprint(usage_snippet(name)), True, [])
    for example in sorted(EXAMPLES.glob("*.py")):
        path = f"docs/outputs/examples/{example.stem}.txt"
        source = example.read_text(encoding="utf-8")
        found[path] = Expected(path, example.relative_to(ROOT).as_posix(),
                               fingerprint(example_command(example) + "\n" + source), True, [])
    return found


def read_manifest() -> dict[str, dict]:
    return json.loads(MANIFEST.read_text(encoding="utf-8")) if MANIFEST.is_file() else {}


def is_current(path: str, expected: Expected | None = None, manifest: dict | None = None) -> bool:
    """Whether the recorded output at `path` came from the code and models the docs show now."""
    expected = expected or expected_outputs()[path]
    recorded = (read_manifest() if manifest is None else manifest).get(path)
    if recorded is None or not (ROOT / path).is_file() or recorded["fingerprint"] != expected.fingerprint:
        return False
    # Recorded without something it needs (a model not yet in the zoo): stale once that is here.
    return recorded["ran"] or not expected.can_run


def stale() -> list[str]:
    """One line per output that must be recorded again (or recorded for the first time)."""
    manifest, expected = read_manifest(), expected_outputs()
    problems = [f"{path} ({e.job}) is missing or stale" for path, e in expected.items()
                if not is_current(path, e, manifest)]
    problems += [f"{path} is recorded but no page shows it"
                 for path in sorted(set(manifest) | set(orphans(expected))) if path not in expected]
    return problems


def orphans(expected: dict[str, Expected] | None = None) -> list[str]:
    """Files under docs/outputs/ that no page shows (left over from renamed or removed blocks)."""
    shown = set(expected if expected is not None else expected_outputs())
    files = [p.relative_to(ROOT).as_posix() for p in OUTPUTS.rglob("*") if p.is_file() and p != MANIFEST]
    return [path for path in files if path not in shown]


# === Running ===
def clean(text: str, temp_root: str) -> str:
    """Hide machine-specific paths; drop trailing blanks."""
    text = text.replace(temp_root, TEMP_SHOWN_AS).replace(str(ROOT) + os.sep, "")
    return "\n".join(line.rstrip() for line in text.rstrip().splitlines()) + "\n"


def run_page_here(page: str, out_json: str) -> None:
    """(In a child process) Run a page's blocks in order; write {output path: printed text}."""
    namespace, outputs = {"__name__": "__main__"}, {}
    for block in blocks((DOCS / page).read_text(encoding="utf-8")):
        if not block.python or block.skip:
            continue
        if not runnable(block):
            if block.output:
                what = "a model that is not in the zoo" if block.needs not in _datasets() else "a dataset not cached"
                outputs[block.output] = (f"(Not recorded yet: this needs {block.needs}, {what} when the outputs "
                                         "were last recorded.)")
            continue
        printed = io.StringIO()
        try:
            with contextlib.redirect_stdout(printed):
                exec(compile(block.code, f"{page}, block at line {block.line}", "exec"), namespace)
        except BaseException:
            sys.stderr.write(printed.getvalue() + traceback.format_exc())
            raise SystemExit(f"{page}: the block at line {block.line} failed")
        if block.output:
            if not printed.getvalue().strip():
                raise SystemExit(f"{page}, line {block.line}: shows an output but prints nothing")
            outputs[block.output] = printed.getvalue()
    Path(out_json).write_text(json.dumps(outputs), encoding="utf-8")


def run_models_here(out_json: str) -> None:
    """(In a child process) Run every model page's usage snippet."""
    import seqzoo

    outputs = {}
    for name in seqzoo.list_models():
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compile(usage_snippet(name), f"models/{name}.md", "exec"), {"__name__": "__main__"})
        outputs[f"docs/outputs/models/{name}.txt"] = printed.getvalue()
    Path(out_json).write_text(json.dumps(outputs), encoding="utf-8")


def _datasets() -> list[str]:
    from seqzoo import datasets

    return datasets.list_datasets()


def child(args: list[str], temp_root: Path, *, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
           "TF_CPP_MIN_LOG_LEVEL": "3", "MPLBACKEND": "Agg", "TMPDIR": str(temp_root), "COLUMNS": "100"}
    result = subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True,
                            timeout=RUN_TIMEOUT_S)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}")
    return result


def record(job: str, temp_root: Path) -> dict[str, str]:
    """Run one job; output path -> cleaned text."""
    work = Path(tempfile.mkdtemp(dir=temp_root))
    out_json = work / "outputs.json"
    if job == "models":
        child([__file__, "--run-models", str(out_json)], temp_root, cwd=work)
    elif job.startswith("examples/"):
        example = ROOT / job
        result = child([str(example), *example_args(example)], temp_root, cwd=ROOT)
        text = f"$ {example_command(example)}\n{result.stdout}"
        out_json.write_text(json.dumps({f"docs/outputs/examples/{example.stem}.txt": text}), encoding="utf-8")
    else:
        child([__file__, "--run-page", job, str(out_json)], temp_root, cwd=work)
    return {path: clean(text, str(temp_root)) for path, text in json.loads(out_json.read_text()).items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", default=[],
                        help="record only jobs or outputs whose name contains this (repeatable)")
    parser.add_argument("--stale", action="store_true", help="record only the outputs that are stale")
    parser.add_argument("--check", action="store_true", help="list stale outputs; exit 1 if any")
    parser.add_argument("--list", action="store_true", help="list the jobs and their outputs")
    parser.add_argument("--run-page", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--run-models", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.run_page:
        run_page_here(*args.run_page)
        return 0
    if args.run_models:
        run_models_here(args.run_models)
        return 0
    if args.check:
        problems = stale()
        print("\n".join(problems) or "every recorded output is current")
        return 1 if problems else 0

    expected = expected_outputs()
    manifest = read_manifest()
    jobs: dict[str, list[str]] = {}
    for path, e in expected.items():
        chosen = (not args.only or any(o in path or o in e.job for o in args.only))
        if chosen and (not args.stale or not is_current(path, e, manifest)):
            jobs.setdefault(e.job, []).append(path)
    if args.list:
        for job, paths in jobs.items():
            print(f"{job}: {', '.join(paths)}")
        return 0
    with tempfile.TemporaryDirectory(prefix="seqzoo-docs-") as temp:
        for job in jobs:
            start = time.time()
            for path, text in record(job, Path(temp)).items():
                target = ROOT / path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
                e = expected[path]
                manifest[path] = {"job": e.job, "fingerprint": e.fingerprint, "ran": e.can_run}
            print(f"{job}: {len(jobs[job])} output(s) in {time.time() - start:.0f} s", flush=True)
    manifest = {path: manifest[path] for path in sorted(manifest) if path in expected}
    MANIFEST.write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    for path in orphans():
        (ROOT / path).unlink()
        print(f"removed {path}: no page shows it")
    for problem in stale():
        print("still stale:", problem)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
