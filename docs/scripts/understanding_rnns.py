"""Compute the figures and tables of docs/guides/understanding-rnns.md with seqzoo.diagnostics.

    python docs/scripts/understanding_rnns.py                      # everything (~25 min on 2 busy CPU cores)
    python docs/scripts/understanding_rnns.py --part gradients --part units   # keep the memory-span table

Parts:
- gradients: gradient norms against time for sentiment-rnn vs sentiment-lstm and for
  shakespeare-rnn/-gru/-lstm, on held-out text (PNG + a table of ratios);
- memory: the memory-span table of SimpleRNN, LSTM and GRU (trains 15 small models);
- units: the shakespeare-lstm units that follow character features, found on one
  passage and shown as a heatmap on another.

Presets that are not in the zoo yet are skipped with a printed note, and the page
shows that note instead of their figure. Everything is written to
docs/assets/understanding/: results.json (all numbers and settings), PNG figures,
and the *.txt snippets the page includes (Markdown or HTML). Nothing is typed by hand.
"""
from __future__ import annotations

import argparse
import datetime
import html
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "assets" / "understanding"
PAGE_TO_ASSETS = "../assets/understanding"  # From docs/guides/understanding-rnns.md.
RESULTS = OUT / "results.json"
if str(ROOT) not in sys.path:  # Run the source tree, not an older installed copy.
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

FAMILIES = {
    "names": ["names-rnn", "names-lstm"],
    "sentiment": ["sentiment-rnn", "sentiment-lstm"],
    "shakespeare": ["shakespeare-rnn", "shakespeare-gru", "shakespeare-lstm"],
}
TITLES = {"names": "names models, trained and untrained: gradient reaching each step",
          "sentiment": "sentiment models: gradient reaching each step",
          "shakespeare": "shakespeare models: gradient reaching each step"}
BACK = (1, 5, 10, 20, 50, 100)  # Steps back from the last one, for the table of ratios.
UNITS_MODEL = "shakespeare-lstm"


def note(text: str) -> None:
    print(text, flush=True)


def write(name: str, text: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / name).write_text(text.rstrip() + "\n", encoding="utf-8")
    note(f"wrote {OUT / name}")


def run_info() -> dict:
    import keras
    import tensorflow as tf

    import seqzoo

    return {"date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "seqzoo": seqzoo.__version__, "tensorflow": tf.__version__, "keras": keras.__version__,
            "cpus": os.cpu_count(), "load_average": round(os.getloadavg()[0], 1)}


# === Texts: held-out data, the same every run ===
def sentiment_text() -> tuple[str, str]:
    from seqzoo import datasets

    test = datasets.load("rt-snippets", "test")
    return " ".join(test.x[:6]), "the first six reviews of the rt-snippets test split, joined"


def names_text() -> tuple[str, str]:
    from seqzoo import datasets

    names, text = datasets.load("names-us-census", "test").x, ""
    for name in names:
        if len(text) + len(name) >= 200:
            break
        text = f"{text} {name}".strip()
    return text, "the first names of the names-us-census test split, joined by spaces (under 200 characters)"


def untrained(architecture: str):
    """A fresh char LM of `architecture` with the sizes of the names recipe, seed 0: the weights before training."""
    import keras

    import seqzoo
    from seqzoo.recipes.names import HPARAMS

    keras.utils.set_random_seed(0)
    sizes = {k: HPARAMS[architecture][k] for k in ("embedding_dim", "hidden_size", "num_layers")}
    return seqzoo.build(architecture, "char_lm", **sizes)


def shakespeare_passages() -> dict[str, tuple[str, str]]:
    from seqzoo import datasets

    play = datasets.load("shakespeare", "test").x[0]
    start = play.index("\n\n", 20_000) + 2  # Well into the first test play, at a paragraph break.
    return {
        "gradients": (play[start:start + 300], "300 characters of the first play of the shakespeare test split"),
        "find": (play[start:start + 4000], "4,000 characters of the first test play"),
        "show": (play[start + 6000:start + 6700], "the 700 characters that start 2,000 after that passage"),
    }


# === Gradient norms ===
def gradients_part(results: dict) -> None:
    import seqzoo
    from seqzoo import diagnostics

    texts = {"names": names_text(), "sentiment": sentiment_text(),
             "shakespeare": shakespeare_passages()["gradients"]}
    results["gradients"] = {}
    for family, names in FAMILIES.items():
        present = [n for n in names if n in seqzoo.list_models()]
        for name in sorted(set(names) - set(present)):
            note(f"note: {name} is not in the zoo yet; its gradient curve is skipped")
        text, source = texts[family]
        curves, rows = {}, {}
        models = {name: seqzoo.load for name in present}
        if family == "names":  # The same layers and sizes before training.
            models.update({f"untrained {a}": untrained for a in ("simple_rnn", "lstm", "gru")})
        for name, make in models.items():
            model = make(name.removeprefix("untrained "))
            runs = {name: True}
            if getattr(model, "pooler", None) is not None:
                runs[f"{name} (with its pooling)"] = False
            for label, last_step_only in runs.items():
                start = time.time()
                norms = diagnostics.gradient_norms(model, text, last_step_only=last_step_only)
                curves[label] = norms
                rows[label] = {"steps": len(norms), "first_over_last": float(norms[0] / norms[-1]),
                               "back": {k: float(norms[-1 - k] / norms[-1]) for k in BACK if k < len(norms)},
                               "seconds": round(time.time() - start, 1)}
                note(f"{label}: {len(norms)} steps, first/last {norms[0] / norms[-1]:.2e}")
        results["gradients"][family] = {"text_source": source, "models": rows, "missing":
                                        sorted(set(names) - set(present))}
        write(f"gradients-{family}.txt", gradients_snippet(family, curves, rows, source, names, list(models)))


def gradients_snippet(family, curves, rows, source, names, present) -> str:
    from seqzoo import diagnostics

    missing = [n for n in names if n not in present]
    lines = []
    if curves:
        unit = "word" if family == "sentiment" else "character"
        present = [name for name in present if name in curves]
        diagnostics.plot_gradient_norms(curves, OUT / f"gradients-{family}.png", relative_to_last=True,
                                        title=TITLES[family],
                                        xlabel=f"step ({unit} read)")
        lines += [f"![Gradient norms against time for {', '.join(present)}]({PAGE_TO_ASSETS}/gradients-{family}.png)",
                  "", f"Text: {source}. Each norm is divided by the last step's.", "",
                  "| model | steps | " + " | ".join(f"{k} back" for k in BACK) + " | first step |",
                  "|---|---:|" + "---:|" * (len(BACK) + 1)]
        for label, row in rows.items():
            cells = [f"{row['back'][k]:.0e}" if k in row["back"] else "" for k in BACK]
            lines.append(f"| `{label}` | {row['steps']} | " + " | ".join(cells)
                         + f" | {row['first_over_last']:.0e} |")
    if missing:
        lines += ["", f"*Not measured yet: {', '.join(f'`{n}`' for n in missing)} "
                      f"{'is' if len(missing) == 1 else 'are'} not in the zoo yet; "
                      "`python docs/scripts/understanding_rnns.py --part gradients` adds "
                      f"{'it' if len(missing) == 1 else 'them'} once trained.*"]
    return "\n".join(lines)


# === Memory span ===
def memory_part(results: dict) -> None:
    from seqzoo import diagnostics

    spans, info = [], run_info()  # The load average before the run: other work slows it down.
    for architecture in ("simple_rnn", "lstm", "gru"):
        spans.append(diagnostics.memory_span(architecture))
        note(str(spans[-1]))
    settings = spans[0].settings
    results["memory_span"] = {"settings": settings, "run": info,
                              "accuracy": {s.architecture: {str(d): a for d, a in s.accuracy.items()}
                                           for s in spans},
                              "chance": spans[0].chance, "seconds": {s.architecture: round(s.seconds)
                                                                     for s in spans}}
    total = sum(s.seconds for s in spans)
    text = (diagnostics.memory_table(spans) + "\n\n"
            f"Held-out accuracy on {settings['test_examples']} new sequences; chance is "
            f"{spans[0].chance:.3f} ({settings['symbols']} symbols; the marked one follows "
            f"{settings['lead']} noise symbols). One run of "
            "`memory_span(architecture)` with its defaults: a fresh one-layer model per distance, "
            f"{settings['hidden_size']} units, embedding {settings['embedding_dim']}, "
            f"{settings['train_examples']} training sequences, up to {settings['epochs']} epochs of batches of "
            f"{settings['batch_size']} (Adam {settings['learning_rate']}, clipnorm 1, stopped {settings['stop']}), "
            f"seed {settings['seed']}. Recorded {info['date']} with TensorFlow {info['tensorflow']} on "
            f"{info['cpus']} CPU cores (load average {info['load_average']} when it started) in "
            f"{total / 60:.0f} minutes.")
    write("memory-span.txt", text)


# === Interpretable units ===
def units_part(results: dict) -> None:
    import numpy as np

    import seqzoo
    from seqzoo import diagnostics
    from seqzoo.diagnostics.features import MEMORY_FEATURES
    from seqzoo.diagnostics.html_parts import heatmap_html
    from seqzoo.diagnostics.report import interpretable_units

    if UNITS_MODEL not in seqzoo.list_models():
        note(f"note: {UNITS_MODEL} is not in the zoo yet; the units section is skipped")
        results["units"] = {"missing": UNITS_MODEL}
        write("units.txt", f"*Not shown yet: `{UNITS_MODEL}` is not in the zoo yet; "
                           "`python docs/scripts/understanding_rnns.py --part units` adds this section once "
                           "it is trained.*")
        return
    model = seqzoo.load(UNITS_MODEL)
    passages = shakespeare_passages()
    find_text, find_source = passages["find"]
    show_text, show_source = passages["show"]
    layer_results, best = {}, None
    for layer in range(len(model.backbone.recurrent_layers)):
        acts = diagnostics.activations(model, find_text, layer=layer)
        found = interpretable_units(acts, top=20)
        layer_results[layer] = [(feature, m.unit, m.state, m.correlation) for feature, m in found]
        # Shown: the closest unit for a feature that needs memory (a vowel detector needs none).
        for feature, match in found:
            if feature in MEMORY_FEATURES and (best is None or abs(match.correlation) > abs(best[1].correlation)):
                best = (feature, match, layer)
    if best is None:
        raise SystemExit(f"no feature that needs memory varies on {find_source}")
    feature, match, layer = best
    shown = diagnostics.activations(model, show_text, layer=layer)
    values = diagnostics.FEATURES[feature](show_text)
    held_out = (float(np.corrcoef(shown.state(match.state)[:, match.unit], values)[0, 1])
                if values.std() > 0 else None)
    page_name = f"unit-{layer}-{match.state}-{match.unit}.html"
    diagnostics.render_activations(model, show_text, match.unit, OUT / page_name, state=match.state, layer=layer)
    results["units"] = {"model": UNITS_MODEL, "find_text": find_source, "show_text": show_source,
                        "best": {"feature": feature, "layer": layer, "unit": match.unit, "state": match.state,
                                 "correlation": match.correlation, "held_out_correlation": held_out},
                        "per_layer": {str(k): v for k, v in layer_results.items()}}
    rows = ["| layer | feature | unit | state | correlation |", "|---:|---|---:|---|---:|"]
    for layer_index, found in layer_results.items():
        for feature_name, unit, state, r in found[:4]:
            rows.append(f"| {layer_index} | `{feature_name}` | {unit} | {state} | {r:+.2f} |")
    scale = 1.0 if match.state == "hidden" else None
    text = "\n".join([
        f"Found with `{UNITS_MODEL}` on {find_source}: for every layer and every named feature of "
        "`seqzoo.diagnostics.FEATURES` that varies there, the unit whose hidden or cell state correlates "
        "best with it (`find_units`); the four closest per layer:", "", *rows, "",
        "Features of the current character alone (`vowel`, `whitespace`, ...) need no memory. Of those that "
        f"do ({', '.join(f'`{f}`' for f in MEMORY_FEATURES)}), the closest unit is the {match.state} state "
        f"of unit {match.unit} in layer {layer}, which follows `{feature}` (correlation "
        f"{match.correlation:+.2f}). Shown below on {show_source}, which it was not "
        f"chosen on ({'the feature does not vary there' if held_out is None else f'correlation there {held_out:+.2f}'}"
        "); red is positive, blue negative "
        f"([full page]({PAGE_TO_ASSETS}/{page_name})):", "",
        heatmap_html(show_text, shown.state(match.state)[:, match.unit], scale=scale)])
    write("units.txt", text)


PARTS = {"gradients": gradients_part, "memory": memory_part, "units": units_part}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", action="append", choices=sorted(PARTS),
                        help="compute only this part (repeatable; default: all)")
    args = parser.parse_args(argv)
    for part in args.part or list(PARTS):
        start, fresh = time.time(), {}
        PARTS[part](fresh)
        note(f"{part}: {time.time() - start:.0f} s")
        # Read again just before writing: the other parts' results stay as they were recorded.
        results = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.is_file() else {}
        write("results.json", json.dumps({**results, **fresh}, indent=1, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
