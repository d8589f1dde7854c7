"""Mutation testing of seqzoo's core with mutmut 3: one module at a time, with its own tests.

Each module in `MODULES` is mutated in a scratch copy of the repository (nothing
is written here), and mutmut runs only that module's tests against each mutant.
The score counts killed mutants (and timeouts) over all mutants, minus the
equivalent ones listed in `tools/equivalent_mutants.txt` (same behaviour, so no
test can kill them; each with a one-line reason).

Usage (needs the `mutation` extra, `pip install -e ".[mutation]"`):

    python tools/mutation.py                        # every module: hours on 2 cores
    python tools/mutation.py seqzoo/models/sampling.py seqzoo/_atomic.py
    python tools/mutation.py --list                 # the modules and their tests
    python tools/mutation.py --jobs 4 --keep /tmp/m seqzoo/config_safety.py
    python tools/mutation.py --together seqzoo/_atomic.py seqzoo/config_safety.py   # one set-up
    python tools/mutation.py --keep /tmp/m --resume seqzoo/cli.py   # go on with a stopped run

It prints one line per module, `module: killed/total (score%), N equivalent,
survivors: ...`, and writes them as JSON with `--json FILE`. Survivors are shown
with `mutmut show NAME` inside the scratch copy (`--keep DIR` keeps it).

Example:
    python tools/mutation.py seqzoo/models/history_table.py
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EQUIVALENT_FILE = ROOT / "tools" / "equivalent_mutants.txt"
# Copied into the scratch tree besides the package: the tests read the shipped presets and the docs.
COPIED = ["seqzoo", "tests", "saved_models", "docs", "examples", "benchmarks", "README.md", "pyproject.toml",
          "mkdocs.yml"]

# module -> the tests that exercise it (mutmut then runs, per mutant, those of them that call the
# mutated function). Fast tests first; the slow end-to-end ones are left to the normal suite.
MODULES: dict[str, list[str]] = {
    "seqzoo/presets.py": ["tests/test_mutation_kills_presets.py", "tests/test_presets.py"],
    "seqzoo/config_safety.py": ["tests/test_mutation_kills_bugs.py", "tests/test_mutation_kills_config_safety.py",
                                "tests/test_security.py"],  # test_security: the size limits (check_sizes).
    "seqzoo/weights_safety.py": ["tests/test_security.py", "tests/test_mutation_kills_weights_safety.py"],
    "seqzoo/_atomic.py": ["tests/test_mutation_kills_atomic.py"],
    "seqzoo/registry.py": ["tests/test_registry.py", "tests/test_mutation_kills_registry.py"],
    "seqzoo/models/sampling.py": ["tests/test_mutation_kills_bugs.py", "tests/test_mutation_kills_sampling.py"],
    "seqzoo/models/decoding.py": ["tests/test_mutation_kills_decoding.py"],  # test_char_lm trains: too slow per mutant.
    "seqzoo/models/text_classifier.py": ["tests/test_mutation_kills_text_classifier.py",
                                         "tests/test_mutation_kills_bugs.py"],
    "seqzoo/models/calibration.py": ["tests/test_calibration.py", "tests/test_mutation_kills_calibration.py"],
    "seqzoo/models/history_table.py": ["tests/test_mutation_kills_bugs.py",
                                       "tests/test_mutation_kills_history_table.py"],
    "seqzoo/models/residual_head.py": ["tests/test_mutation_kills_residual_head.py"],  # test_forecaster: 30 min.
    "seqzoo/datasets/fetch.py": ["tests/test_mutation_kills_fetch.py", "tests/test_mutation_kills_bugs.py"],
    "seqzoo/datasets/splits.py": ["tests/test_datasets.py", "tests/test_mutation_kills_splits.py"],
    "seqzoo/datasets/archive.py": ["tests/test_datasets.py", "tests/test_mutation_kills_archive.py"],
    "seqzoo/export/char_lm_signatures.py": ["tests/test_mutation_kills_export_signatures.py"],
    "seqzoo/export/classifier_signatures.py": ["tests/test_mutation_kills_export_signatures.py"],
    "seqzoo/export/forecaster_signatures.py": ["tests/test_mutation_kills_export_signatures.py"],
    "seqzoo/cli.py": ["tests/test_mutation_kills_cli.py"],  # test_cli loads every preset per mutant.
    # The statistics behind the sentiment cards and the confidence guide.
    "seqzoo/models/calibration_noise.py": ["tests/test_calibration_noise.py", "tests/test_mutation_kills_statistics.py"],
    "seqzoo/recipes/paired.py": ["tests/test_sentiment_confidence_statistics.py", "tests/test_sentiment_compare.py",
                                 "tests/test_mutation_kills_statistics.py"],
    "seqzoo/recipes/calibration_maps.py": ["tests/test_calibration_maps.py", "tests/test_sentiment_compare.py",
                                           "tests/test_mutation_kills_statistics.py"],
    "seqzoo/models/ngram_logits.py": ["tests/test_ngram_stacking.py", "tests/test_stack_ngrams.py"],
}
KILLED = {"killed", "timeout", "caught by type check"}


def equivalent_mutants(path: Path = EQUIVALENT_FILE) -> dict[str, str]:
    """mutant name -> reason, from lines `NAME  # reason` (blank lines and `#` lines ignored).

    Example:
    >>> equivalent_mutants()  # doctest: +SKIP
    {'seqzoo._atomic.x_write_bytes_atomic__mutmut_3': 'mode 0o600 vs 0o601 ...'}
    """
    found = {}
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.lstrip().startswith("#"):
                name, _, reason = line.partition("#")
                found[name.strip()] = reason.strip()
    return found


def _scratch_tree(modules: list[str], tests: list[str], scratch: Path) -> None:
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, scratch / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
                            dirs_exist_ok=True)
        elif source.is_file():
            shutil.copy2(source, scratch / name)
    pyproject = scratch / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    base = tomllib.loads(text).get("tool", {}).get("mutmut", {})
    text = text.split("[tool.mutmut]")[0] if "[tool.mutmut]" in text else text
    settings = {**base, "source_paths": ["seqzoo"], "only_mutate": modules,
                "also_copy": [n for n in COPIED if n not in ("seqzoo", "tests", "pyproject.toml")],
                "pytest_add_cli_args_test_selection": tests}
    lines = ["", "[tool.mutmut]"] + [f"{key} = {json.dumps(value)}" for key, value in settings.items()]
    pyproject.write_text(text.rstrip() + "\n" + "\n".join(lines) + "\n", encoding="utf-8")


def _statuses(scratch: Path, env: dict) -> dict[str, str]:
    out = subprocess.run([sys.executable, "-m", "mutmut", "results", "--all", "true"], cwd=scratch, env=env,
                         capture_output=True, text=True, check=True).stdout
    statuses = {}
    for line in out.splitlines():
        name, sep, status = line.strip().rpartition(": ")
        if sep and name:
            statuses[name] = status
    return statuses


def measure(modules: list[str], *, jobs: int, keep: Path | None = None, resume: bool = False) -> list[dict]:
    """Run mutmut once on `modules` with their mapped tests; return each module's counts and survivors.

    mutmut runs, for each mutant, only the mapped tests that call the mutated function, so
    modules measured together give the same scores as one by one, with one set-up. With
    `resume`, a kept scratch tree is refreshed rather than removed: mutmut keeps the verdicts
    of the functions whose code did not change and tests only the mutants not yet checked.

    Example:
    >>> measure(["seqzoo/_atomic.py"], jobs=2)[0]["score"]  # doctest: +SKIP
    1.0
    """
    tests = sorted({test for module in modules for test in MODULES[module]})
    label = "+".join(Path(m).stem for m in modules)
    scratch = Path(tempfile.mkdtemp(prefix="seqzoo-mutation-")) if keep is None else keep / label
    if scratch.exists() and keep is not None and not resume:
        shutil.rmtree(scratch)
    scratch.mkdir(parents=True, exist_ok=True)
    try:
        _scratch_tree(modules, tests, scratch)
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "KERAS_BACKEND": "tensorflow"}
        subprocess.run([sys.executable, "-m", "mutmut", "run", "--max-children", str(jobs)], cwd=scratch, env=env,
                       check=True)
        statuses = _statuses(scratch, env)
    finally:
        if keep is None:
            shutil.rmtree(scratch, ignore_errors=True)
    return [_score(module, statuses) for module in modules]


def _score(module: str, statuses: dict[str, str]) -> dict:
    prefix = module.removesuffix(".py").replace("/", ".") + "."
    mine = {n: s for n, s in statuses.items() if n.startswith(prefix)}
    equivalent = equivalent_mutants()
    counted = {n: s for n, s in mine.items() if n not in equivalent}
    killed = sum(s in KILLED for s in counted.values())
    survivors = sorted(n for n, s in counted.items() if s not in KILLED)
    timeouts = sum(s == "timeout" for s in counted.values())  # Counted as killed, as mutmut does.
    return {"module": module, "tests": MODULES[module], "total": len(counted), "killed": killed, "timeouts": timeouts,
            "equivalent": len(mine) - len(counted), "score": killed / len(counted) if counted else None,
            "survivors": {n: counted[n] for n in survivors}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", help="modules to mutate (default: all of MODULES)")
    parser.add_argument("--jobs", type=int, default=max(1, (os.cpu_count() or 2) - 1), help="mutants at once")
    parser.add_argument("--keep", type=Path, help="keep the scratch trees under this folder")
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    parser.add_argument("--together", action="store_true",
                        help="one mutmut run for all the modules given (one set-up instead of one each)")
    parser.add_argument("--resume", action="store_true",
                        help="with --keep: go on with a stopped run in its kept tree instead of starting afresh")
    parser.add_argument("--list", action="store_true", help="print the modules and their tests, then stop")
    args = parser.parse_args(argv)
    unknown = [m for m in args.modules if m not in MODULES]
    if unknown:
        parser.error(f"not a mapped module: {unknown}; choose from {sorted(MODULES)}")
    if args.resume and args.keep is None:
        parser.error("--resume needs --keep DIR, the folder of the stopped run")
    if args.list:
        for module, tests in MODULES.items():
            print(f"{module}: {' '.join(tests)}")
        return 0
    modules = args.modules or list(MODULES)
    groups = [modules] if args.together else [[module] for module in modules]
    results = []
    for group in groups:
        results += measure(group, jobs=args.jobs, keep=args.keep, resume=args.resume)
    for result in results:
        module = result["module"]
        score = "n/a" if result["score"] is None else f"{100 * result['score']:.0f}%"
        print(f"{module}: {result['killed']}/{result['total']} killed ({score}; {result['timeouts']} of them by "
              f"timeout), {result['equivalent']} equivalent, "
              f"survivors: {', '.join(result['survivors']) or 'none'}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
