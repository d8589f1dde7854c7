"""Store a sentiment preset's word-embedding table in float16, only if no card metric moves.

The GloVe-started sentiment presets carry a [words, 50] table of about 12 MB in
float32. Stored in float16 it takes half; Keras casts it back to the float32
variable when the preset loads, so nothing else changes. The recipe measures
the card's held-out metrics (test, unseen-words, long-text, validation accuracy
and calibration error) before and after, keeps the float16 file only when none
moves by more than `TOLERANCE`, writes the figures of the stored float16 weights
into the card's metrics (the float32 figures and the changes go to
`recipe.storage`: the card states what the shipped weights score), and re-signs
the preset. Last, it records a check sample in the card (every
`CHECK_EVERY`th test snippet, its label, and what the stored model answers), so
that the tests can re-score the shipped weights without the dataset, and how
precisely the test split measures the calibration error
(`seqzoo.recipes.calibration_precision`).

    python -m seqzoo.recipes.compact_embeddings --preset sentiment-lstm --out saved_models/sentiment-lstm
    python -m seqzoo.recipes.compact_embeddings --preset sentiment-lstm --out saved_models/sentiment-lstm \
        --check-sample-only   # an already compacted preset: record the check sample only

Example:
>>> compact("saved_models/sentiment-lstm")  # doctest: +SKIP
{'test_accuracy': 0.0, ...}
"""
from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path

import h5py
import numpy as np

import seqzoo
from seqzoo import datasets
from seqzoo._atomic import write_bytes_atomic
from seqzoo.card import CARD_FILE
from seqzoo.errors import SeqzooError
from seqzoo.models.calibration import expected_calibration_error
from seqzoo.presets import rehash
from seqzoo.recipes.calibration_precision import METRIC, record_precision
from seqzoo.recipes.runner import display_path
from seqzoo.recipes.sentiment import long_texts, seen_words, with_unseen_words

TOLERANCE = 0.001
CHECK_EVERY = 10  # Every 10th snippet of the test split: 128 of 1,272.
WEIGHTS = "model.weights.h5"
EMBEDDING_SUFFIX = "embedding/vars/0"
COMPRESS_FROM = 4096  # Values; smaller tensors are stored as they are.


def measure(preset_dir: Path) -> dict[str, float]:
    """The card's held-out metrics of the preset at `preset_dir`, measured now."""
    model = seqzoo.load(Path(preset_dir))
    train, validation, test = (datasets.load("rt-snippets", split) for split in ("train", "validation", "test"))
    card = seqzoo.info(Path(preset_dir))
    on_validation = "validation_accuracy" not in card.metrics
    seen = seen_words(model, list(train.x) + (list(validation.x) if on_validation else []))

    def accuracy(split):
        return float(np.mean(model.predict(split.x).argmax(1) == split.y))

    long_x, long_y = long_texts(test.x, test.y, seed=card.recipe.get("seed", 0))
    measured = {
        "test_accuracy": accuracy(test),
        "unseen_words_test_accuracy": accuracy(with_unseen_words(model, test, seen)),
        "long_text_test_accuracy": float(np.mean(model.predict(long_x).argmax(1) == long_y)),
        "test_calibration_error": expected_calibration_error(model.predict(test.x), test.y),
    }
    if not on_validation:
        measured["validation_accuracy"] = accuracy(validation)
        measured["unseen_words_validation_accuracy"] = accuracy(with_unseen_words(model, validation, seen))
    return {key: value for key, value in measured.items() if key in card.metrics}


def _to_float16(weights: Path) -> str:
    """Rewrite `weights` with its embedding dataset in float16 and large tensors gzipped; return the table's path.

    The file is written anew (every group, dataset and attribute copied), because
    HDF5 does not give back the space of a deleted dataset.
    """
    rewritten = weights.with_name(weights.name + ".float16")
    tables = []
    with h5py.File(weights, "r") as source, h5py.File(rewritten, "w") as target:
        target.attrs.update(source.attrs)

        def copy(name, obj):
            if isinstance(obj, h5py.Group):
                target.require_group(name).attrs.update(obj.attrs)
                return
            data = obj[...]
            if name.endswith(EMBEDDING_SUFFIX) and data.dtype == np.float32 and data.ndim == 2:
                tables.append(name)
                data = data.astype(np.float16)
            # Lossless gzip (with byte shuffling) for the large tensors: the zero blocks of a
            # folded ensemble (seqzoo.models.ensemble) shrink to almost nothing; h5py inflates
            # them transparently when Keras loads the preset.
            packed = {"compression": "gzip", "shuffle": True} if data.size >= COMPRESS_FROM else {}
            target.create_dataset(name, data=data, **packed).attrs.update(obj.attrs)

        source.visititems(copy)
    if len(tables) != 1:
        rewritten.unlink()
        raise SeqzooError(f"{weights}: expected one float32 word-embedding table, found {tables}.")
    rewritten.replace(weights)
    return tables[0]


def compact(preset_dir: str | Path) -> dict[str, float]:
    """Store the embedding in float16 when no metric moves by more than TOLERANCE.

    Returns:
        metric key -> absolute change. The card's metrics then hold the float16
        figures. The preset is left unchanged (and SeqzooError raised) when a
        change is larger.
    """
    preset_dir = Path(preset_dir)
    before = measure(preset_dir)
    with tempfile.TemporaryDirectory() as scratch:
        trial = Path(scratch) / preset_dir.name
        shutil.copytree(preset_dir, trial)
        table = _to_float16(trial / WEIGHTS)
        rehash(trial)
        after = measure(trial)
        changes = {key: round(abs(after[key] - before[key]), 6) for key in before}
        if max(changes.values()) > TOLERANCE:
            raise SeqzooError(f"float16 moves a card metric by more than {TOLERANCE}: {changes}; kept float32.")
        card = json.loads((trial / CARD_FILE).read_text(encoding="utf-8"))
        for key, value in after.items():
            card["metrics"][key]["value"] = round(float(value), 5)
        card["recipe"]["storage"] = {
            "command": f"python -m seqzoo.recipes.compact_embeddings --preset {preset_dir.name} "
                       f"--out {display_path(preset_dir)}",
            "float16": [table],
            "largest_metric_change": max(changes.values()),
            "metric_changes": changes,
            "float32_metrics": {key: round(float(value), 5) for key, value in before.items()},
        }
        (trial / CARD_FILE).write_text(json.dumps(card, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        rehash(trial)
        for name in (WEIGHTS, CARD_FILE):  # weights first: in between, loading fails its hash check
            write_bytes_atomic(preset_dir / name, (trial / name).read_bytes())
    return changes


def check_sample(preset_dir: Path) -> dict:
    """Every `CHECK_EVERY`th test snippet, its label, and the preset's answers to them, measured now."""
    model = seqzoo.load(Path(preset_dir))
    test = datasets.load("rt-snippets", "test")
    texts, labels = list(test.x)[::CHECK_EVERY], [int(y) for y in test.y[::CHECK_EVERY]]
    probabilities = model.predict(texts)
    return {"every": CHECK_EVERY, "split": "test", "texts": texts, "labels": labels,
            "accuracy": round(float(np.mean(probabilities.argmax(1) == np.asarray(labels))), 6),
            "positive_probabilities": [round(float(p), 6) for p in probabilities[:, 1]]}


def record_check_sample(preset_dir: str | Path) -> dict:
    """Measure `check_sample` on the preset and write it into its card (`extra.check_sample`), re-signed."""
    preset_dir = Path(preset_dir)
    sample = check_sample(preset_dir)
    with tempfile.TemporaryDirectory() as scratch:
        trial = Path(scratch) / preset_dir.name
        shutil.copytree(preset_dir, trial)
        card = json.loads((trial / CARD_FILE).read_text(encoding="utf-8"))
        card.setdefault("extra", {})["check_sample"] = sample
        (trial / CARD_FILE).write_text(json.dumps(card, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        rehash(trial)
        write_bytes_atomic(preset_dir / CARD_FILE, (trial / CARD_FILE).read_bytes())
    return sample


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", required=True, help="the preset's name, e.g. sentiment-lstm")
    parser.add_argument("--out", required=True, type=Path, help="the preset directory to compact")
    parser.add_argument("--check-sample-only", action="store_true",
                        help="only record the check sample (the table is float16 already)")
    args = parser.parse_args(argv)
    if not args.check_sample_only:
        print(json.dumps(compact(args.out), indent=2))
    sample = record_check_sample(args.out)
    print(f"check sample: {len(sample['texts'])} test snippets, accuracy {sample['accuracy']}")
    # The shipped weights are final now: record how precisely the test split measures their calibration.
    print(record_precision(args.out).metrics[METRIC]["description"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
