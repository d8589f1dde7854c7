"""bfloat16 inference on the zoo's presets: each card's headline metric in float32 and in bfloat16.

Loads every shipped preset twice (`seqzoo.load(name)` and
`seqzoo.load(name, inference_precision="bfloat16")`), measures the card's
headline metric on its held-out split with both, and times that measurement.
The float32 figure must reproduce the card; the bfloat16 one shows what the
faster matmuls cost in accuracy.

Run:
    python -m benchmarks.precision                       # every preset; writes results/precision.{json,md}
    python -m benchmarks.precision --presets names-lstm  # a few (their rows are replaced, the rest kept)
"""
from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

RESULTS = Path(__file__).resolve().parent / "results"


def headline(model) -> float:
    """The card's headline metric of `model`, measured again on its held-out split."""
    import numpy as np

    from seqzoo import datasets

    card = model.card
    if card.task == "forecasting":
        from seqzoo.recipes.weather import measure, split_table

        return measure(model, split_table("test"))[card.headline_metric.removeprefix("test_mae_")]
    test = datasets.load(card.dataset, "test")
    if card.task == "text_classification":
        return float(np.mean(model.predict(test.x).argmax(1) == test.y))
    return float(model.score(test.x, batch_size=3 if card.dataset == "shakespeare" else 256))


def compare(name: str) -> dict:
    """{preset, metric, card, float32, bfloat16, seconds of each measurement}."""
    import seqzoo

    row = {"preset": name}
    for precision in ("float32", "bfloat16"):
        model = seqzoo.load(name, inference_precision=precision)
        row["metric"], row["card"] = model.card.headline_metric, model.card.metrics[model.card.headline_metric]["value"]
        start = time.perf_counter()
        row[precision] = headline(model)
        row[f"{precision}_s"] = time.perf_counter() - start
    print(f"  {name}: {row['metric']} card {row['card']:.5f}, float32 {row['float32']:.5f} "
          f"({row['float32_s']:.1f} s), bfloat16 {row['bfloat16']:.5f} ({row['bfloat16_s']:.1f} s)", flush=True)
    return row


def markdown(rows: list[dict]) -> str:
    lines = ["| preset | headline metric | card | float32 now | bfloat16 | change | float32 s | bfloat16 s |",
             "|---|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        change = r["bfloat16"] - r["float32"]
        lines.append(f"| {r['preset']} | {r['metric']} | {r['card']:.5f} | {r['float32']:.5f} | {r['bfloat16']:.5f} "
                     f"| {change:+.5f} | {r['float32_s']:.1f} | {r['bfloat16_s']:.1f} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", help="comma-separated preset names (default: every shipped preset)")
    parser.add_argument("--json", type=Path, help="where to write the rows (a .md table beside it)")
    args = parser.parse_args(argv)
    from benchmarks.report import shipped_presets

    names = args.presets.split(",") if args.presets else shipped_presets()
    rows = [compare(name) for name in names]
    out = args.json or RESULTS / "precision.json"
    if args.presets and out.exists():  # Replace these presets' rows, keep the others.
        kept = [r for r in json.loads(out.read_text()) if r["preset"] not in names]
        rows = sorted(kept + rows, key=lambda r: r["preset"])
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(rows, indent=1) + "\n")
    out.with_suffix(".md").write_text(markdown(rows))
    print(markdown(rows))
    return rows


if __name__ == "__main__":
    main()
