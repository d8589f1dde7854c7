"""Do the attributions hold up? Completeness, faithfulness and the forecaster's sanity check.

    python benchmarks/attributions.py            # the full check (about 15 min on 2 busy cores)
    python benchmarks/attributions.py --quick    # a small version

- completeness: integrated gradients' scores of a text sum to the change of the target's
  logit from the baseline to the text; the residual of each of the first 50 (quick: 10)
  test snippets of rt-snippets, for sentiment-lstm;
- faithfulness, on the test snippets of at least 6 words (quick: the first 40 of them):
  the mean drop of the predicted class's probability when the 3 highest-scored words are
  deleted, when 3 random words are (10 draws per snippet), and when the 3 lowest-scored are;
- the stacked classifier: completeness and faithfulness for sentiment-bilstm-ngram, whose
  scores add the n-gram model's exact shares to the network's; and faithfulness once more with
  the words ranked by the network's part of the scores alone (the n-gram part left out);
- forecaster: for weather-lstm, each cell's share of |score| in the next-day temp_max
  forecast, averaged over the test split's 358 windows (quick: the first 60); the largest
  should be the last day's temp_max (persistence).

Writes benchmarks/results/attributions.json and .md (not in quick mode).

    python benchmarks/attributions.py --figures docs/assets/attributions

writes the guide's examples instead: an HTML page, a screenshot (headless chromium, when
installed) and a Markdown snippet for each of the headline review, the first misclassified
test snippet, a names prefix and a weather forecast.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results"
MIN_WORDS = 6
DELETED = 3
DRAWS = 10


def completeness(model, texts) -> np.ndarray:
    """|completeness residual| of integrated gradients on each text (predicted class)."""
    from seqzoo.diagnostics import attributions

    return np.array([abs(r.completeness_residual) for r in attributions(model, list(texts))])


def faithful_texts(model, texts, count: int | None = None) -> list[str]:
    """The texts of at least MIN_WORDS words (the first `count` of them)."""
    lengths = model.preprocessor.tokenizer.tokenize(list(texts)).row_lengths().numpy()
    chosen = [t for t, n in zip(texts, lengths) if MIN_WORDS <= n <= model.preprocessor.sequence_length]
    return chosen[:count]


def faithfulness(model, texts, *, draws: int = DRAWS, seed: int = 0, method: str = "integrated_gradients",
                 ranking=None) -> dict:
    """Mean drop of the predicted class's probability after deleting 3 top / random / bottom words.

    Words are deleted from the text's tokens (the rest joined by spaces, which the tokenizer
    splits the same way), and the probability is read with `model.predict`. `ranking` maps a
    result to the scores that rank its words (default: `result.scores`).

    Returns:
        {"top", "random", "bottom": mean drops, "texts": how many}.

    Example:
    >>> faithfulness(seqzoo.load("sentiment-lstm"), texts)["top"] > faithfulness(...)["random"]
    """
    from seqzoo.diagnostics import attributions

    rng = np.random.default_rng(seed)
    results = attributions(model, list(texts), method=method)
    variants = []
    for result in results:
        order = np.argsort(result.scores if ranking is None else ranking(result), kind="stable")  # Lowest first.
        chosen = [order[-DELETED:], order[:DELETED]]
        chosen += [rng.choice(len(result.words), DELETED, replace=False) for _ in range(draws)]
        for positions in [[], *chosen]:
            variants.append(" ".join(w for j, w in enumerate(result.words) if j not in set(positions)))
    probs = model.predict(variants).reshape(len(results), 3 + draws, -1)
    target = np.array([model.labels.index(r.target) for r in results])
    p = probs[np.arange(len(results)), :, target]  # [texts, 1 + 2 + draws]
    drops = p[:, :1] - p[:, 1:]
    return {"top": float(drops[:, 0].mean()), "bottom": float(drops[:, 1].mean()),
            "random": float(drops[:, 2:].mean()), "texts": len(results)}


def forecaster_shares(model, windows: np.ndarray, target: str = "temp_max") -> dict:
    """Each (day, feature) cell's mean share of |score| for `target` over `windows`."""
    from seqzoo.diagnostics import attributions

    results = [attributions(model, w, target=target) for w in windows]
    shares = np.mean([r.shares() for r in results], axis=0)
    first = results[0]
    day, feature = np.unravel_index(int(np.argmax(shares)), shares.shape)
    largest_each = [np.unravel_index(int(np.argmax(np.abs(r.scores))), r.scores.shape) for r in results]
    last_target = (len(first.days) - 1, first.features.index(target))
    return {"target": target, "windows": len(results), "largest_cell": [first.days[day], first.features[feature]],
            "largest_share": float(shares[day, feature]),
            "last_day_target_share": float(shares[last_target]),
            "last_day_target_largest_in": float(np.mean([tuple(c) == last_target for c in largest_each])),
            "max_abs_residual": float(max(abs(r.completeness_residual) for r in results)),
            "days": first.days, "features": first.features, "shares": shares.round(4).tolist()}


def weather_test_windows(model) -> np.ndarray:
    """The test split's windows (2015 only), as the weather recipe measures them."""
    from seqzoo.recipes.weather import split_table

    return model.preprocessor.pairs(split_table("test"))[0]


def run(quick: bool) -> dict:
    import seqzoo
    from seqzoo import datasets

    clf = seqzoo.load("sentiment-lstm")
    test = datasets.load("rt-snippets", "test")
    start = time.perf_counter()
    residuals = completeness(clf, test.x[:10 if quick else 50])
    texts = faithful_texts(clf, test.x, 40 if quick else None)
    faithful = faithfulness(clf, texts)
    stacked = seqzoo.load("sentiment-bilstm-ngram")
    stacked_residuals = completeness(stacked, test.x[:10 if quick else 50])
    stacked_texts = faithful_texts(stacked, test.x, 40 if quick else None)
    forecaster = seqzoo.load("weather-lstm")
    windows = weather_test_windows(forecaster)
    shares = forecaster_shares(forecaster, windows[:60] if quick else windows)
    return {"model": "sentiment-lstm", "forecaster": "weather-lstm", "stacked": "sentiment-bilstm-ngram",
            "quick": quick,
            "weights_sha256": {m.card.name: m.card.files.get("model.weights.h5") for m in (clf, stacked, forecaster)},
            "completeness": _completeness_summary(residuals), "faithfulness": faithful,
            "stacked_completeness": _completeness_summary(stacked_residuals),
            "stacked_faithfulness": faithfulness(stacked, stacked_texts),
            "stacked_faithfulness_network_part": faithfulness(
                stacked, stacked_texts, ranking=lambda r: np.subtract(r.scores, r.ngram_scores)),
            "forecaster_shares": shares, "seconds": round(time.perf_counter() - start, 1)}


def _completeness_summary(residuals: np.ndarray) -> dict:
    return {"texts": len(residuals), "max_abs_residual": float(residuals.max()),
            "mean_abs_residual": float(residuals.mean()), "within_5_percent": int((residuals <= 0.05).sum())}


def markdown(report: dict) -> str:
    c, f, s = report["completeness"], report["faithfulness"], report["forecaster_shares"]
    completeness_line = (
        f"- completeness ({report['model']}, first {c['texts']} rt-snippets test snippets): "
        f"max |residual| {c['max_abs_residual']:.2%}, mean {c['mean_abs_residual']:.3%}, "
        f"{c['within_5_percent']}/{c['texts']} within 5%")
    faithfulness_line = (
        f"- faithfulness ({f['texts']} test snippets of >= {MIN_WORDS} words), mean drop of the predicted "
        f"class's probability after deleting {DELETED} words: top-scored {f['top']:.4f}, random "
        f"{f['random']:.4f} ({DRAWS} draws), lowest-scored {f['bottom']:.4f}")
    sc, sf, sn = (report[k] for k in ("stacked_completeness", "stacked_faithfulness",
                                       "stacked_faithfulness_network_part"))
    stacked_line = (
        f"- the stacked classifier ({report['stacked']}): completeness on the first {sc['texts']} test snippets, max "
        f"|residual| {sc['max_abs_residual']:.2%}, {sc['within_5_percent']}/{sc['texts']} within 5%; faithfulness "
        f"({sf['texts']} snippets): top-scored {sf['top']:.4f}, random {sf['random']:.4f}, lowest-scored "
        f"{sf['bottom']:.4f}; with the words ranked by the network's part alone: top {sn['top']:.4f}, lowest "
        f"{sn['bottom']:.4f}")
    forecaster_line = (
        f"- forecaster ({report['forecaster']}, {s['windows']} test windows, next-day {s['target']}): largest mean "
        f"share {s['largest_cell'][0]} {s['largest_cell'][1]} ({s['largest_share']:.1%}); the last day's "
        f"{s['target']} is the single largest cell in {s['last_day_target_largest_in']:.1%} of the windows")
    return "\n".join([
        "Attribution checks (`python benchmarks/attributions.py`):", "",
        completeness_line, faithfulness_line, stacked_line, forecaster_line,
        "- weights (sha256): " + ", ".join(f"{k} {v[:12]}" for k, v in report.get("weights_sha256", {}).items()),
        f"- {report['seconds']} s", ""])


def first_misclassified(model, split, *, words=(6, 25)) -> tuple[str, str]:
    """(text, true label) of the first test snippet of `words` words that `model` gets wrong."""
    lengths = model.preprocessor.tokenizer.tokenize(list(split.x)).row_lengths().numpy()
    predicted = model.predict(list(split.x)).argmax(axis=1)
    for text, n, label, guess in zip(split.x, lengths, split.y, predicted):
        if words[0] <= n <= words[1] and guess != label:
            return text, split.meta["label_names"][int(label)]
    raise RuntimeError("no misclassified snippet")


def screenshot(page: Path, png: Path, height: int) -> bool:
    """A 1000-pixel-wide PNG of `page` by headless chromium; False when chromium is missing."""
    import shutil
    import subprocess

    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if browser is None:
        return False
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    f"--screenshot={png}", f"--window-size=1000,{height}", page.resolve().as_uri()],
                   check=True, capture_output=True, timeout=120)
    return True


def figures(out: Path) -> None:
    """The guide's four examples: page, screenshot and Markdown snippet each."""
    import seqzoo
    from seqzoo import datasets
    from seqzoo._atomic import write_bytes_atomic
    from seqzoo.diagnostics import attributions, render_attributions
    from seqzoo.diagnostics.cli import contribution_table

    clf, names, weather = (seqzoo.load(n) for n in ("sentiment-lstm", "names-lstm", "weather-lstm"))
    wrong, truth = first_misclassified(clf, datasets.load("rt-snippets", "test"))
    cases = {
        "headline": (clf, "This movie is absolutely fantastic!", "sentiment-lstm", 520,
                     "The headline review, explained for the class the model predicts"),
        "misclassified": (clf, wrong, "sentiment-lstm", 560,
                          f"The first test snippet of 6-25 words that sentiment-lstm gets wrong (true label: {truth})"),
        "names": (names, "Christ", "names-lstm", 600, "The next character after the prefix \"Christ\""),
        "forecast": (weather, weather.card.extra["example_history"], "weather-lstm", 620,
                     "Tomorrow's temp_max from the card's example week (2014-12-25 .. 2014-12-31)"),
    }
    for key, (model, inputs, name, height, caption) in cases.items():
        result = attributions(model, inputs)
        page = render_attributions(result, out / f"{key}.html", title=f"Why did {name} say that?")
        shown = screenshot(page, out / f"{key}.png", height)
        image = f"![{caption}](../assets/attributions/{key}.png)\n\n" if shown else ""
        text = f"{caption}:\n\n{image}```text\n{contribution_table(result, top=6)}\n```\n"
        if key == "misclassified":
            text = f"> {inputs}\n\n" + text
        write_bytes_atomic(out / f"{key}.txt", text.encode())
        print(text)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small version (CI)")
    parser.add_argument("--figures", type=Path, help="write the guide's examples into this folder instead")
    args = parser.parse_args(argv)
    if args.figures:
        figures(args.figures)
        return 0
    report = run(args.quick)
    text = markdown(report)
    print(text)
    if not args.quick:
        from seqzoo._atomic import write_bytes_atomic

        write_bytes_atomic(RESULTS / "attributions.json", (json.dumps(report, indent=1) + "\n").encode())
        write_bytes_atomic(RESULTS / "attributions.md", text.encode())
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    sys.exit(main())
