"""Recipe: next-character models of US first names (`names-lstm`, `names-rnn`) on `names-us-ssa`.

The models learn every distinct name given to at least 5 US babies of one sex in a year,
1880-2017 (the SSA baby names, split 80/10/10 by a hash of the name). Reading the data
needs pyarrow: pip install "seqzoo[recipes]".

Run:
    python -m seqzoo.recipes.names --architecture lstm --out saved_models/names-lstm
    python -m seqzoo.recipes.names --architecture simple_rnn --out saved_models/names-rnn

How rare names are treated was decided on validation with
    python -m seqzoo.recipes.names --compare-rare-names --out /tmp/unused
    python -m seqzoo.recipes.names --compare-rare-names --epochs 3 --choices all,min_count --out /tmp/unused
which train one short run per choice (all names, a minimum total count, sampling by
count) and writes `$SEQZOO_HOME/runs/names-rare-names.json`; the cards quote that file.

A finished run keeps its best weights in the run folder (`final.weights.h5`): adding
`--reuse-finished-run` to the command measures them again and rewrites the card without
training.
"""
from __future__ import annotations

import dataclasses
import functools
import json
import sys
from pathlib import Path

import keras
import numpy as np

import seqzoo
from seqzoo import datasets
from seqzoo._atomic import write_bytes_atomic
from seqzoo.card import ModelCard
from seqzoo.errors import InputError
from seqzoo.recipes.baselines import tuned_char_bigram
from seqzoo.recipes.runner import (apply_overrides, display_path, fit_resumable, metric, read_history,
                                   recipe_main, run_dir, save_with_curve, training_record)

DATASET = "names-us-ssa"
HPARAMS = {
    "lstm": {"embedding_dim": 32, "hidden_size": 192, "num_layers": 2, "dropout": 0.1},
    "simple_rnn": {"embedding_dim": 32, "hidden_size": 192, "num_layers": 2, "dropout": 0.1},
    "gru": {"embedding_dim": 32, "hidden_size": 192, "num_layers": 2, "dropout": 0.1},
}
NAMES = {"lstm": "names-lstm", "simple_rnn": "names-rnn", "gru": "names-gru"}
EPOCHS = 12  # The most epochs; the learning rate halves and training stops early on a plateau.
RARE_NAMES = ("all", "min_count", "weighted")
MIN_COUNT = 20  # "min_count": keep names given to at least this many babies in all.
WEIGHT_POWER = 0.5  # "weighted": draw names with probability proportional to count ** power.
RECENT_YEAR = 2000  # The "new names" subset: first seen in this year or later.
TOP_NAMES = 32_000  # The makemore-comparable subset: the most given names, over all splits.
SAMPLE_TEMPERATURE = 0.8
NOVELTY_SAMPLES = 1000
CHECK_SAMPLE_EVERY = 50  # Every 50th test name: the fixed sample a test re-scores.
COMPARE_OVERRIDES = {"hidden_size": 128}  # The rare-name comparison's model: smaller than the presets'.
SEQUENCE_LENGTH = 16  # The longest name has 15 letters: 16 steps hold it and its end marker.


@dataclasses.dataclass
class NameSplits:
    """The three splits of names-us-ssa with their per-name metadata."""

    train: datasets.Split
    validation: datasets.Split
    test: datasets.Split

    @classmethod
    def load(cls, limit: int | None = None) -> "NameSplits":
        splits = [datasets.load(DATASET, s) for s in ("train", "validation", "test")]
        if limit:
            splits = [_head(s, limit) for s in splits]
        return cls(*splits)


def _head(split: datasets.Split, limit: int) -> datasets.Split:
    meta = {k: (v[:limit] if isinstance(v, list) and len(v) == len(split) else v) for k, v in split.meta.items()}
    return dataclasses.replace(split, x=list(split.x)[:limit], meta=meta)


def training_names(train: datasets.Split, rare_names: str, *, seed: int) -> list[str]:
    """The list one epoch trains on, as long as the training split, for each rare-name choice.

    "all": every training name once. "min_count": the names given to at least MIN_COUNT
    babies, repeated and shuffled to the same length (so every choice takes the same steps).
    "weighted": names drawn with replacement, with probability proportional to
    count ** WEIGHT_POWER.

    Example:
    >>> training_names(NameSplits.load().train, "all", seed=0)[:2]  # doctest: +SKIP
    ['Aaban', 'Aabid']
    """
    names = list(train.x)
    if rare_names == "all":
        return names
    rng = np.random.default_rng(seed)
    counts = np.asarray(train.meta["count"], dtype=np.float64)
    if rare_names == "min_count":
        kept = [n for n, c in zip(names, counts) if c >= MIN_COUNT]
        tiled = (kept * (len(names) // max(len(kept), 1) + 1))[: len(names)]
        return [tiled[i] for i in rng.permutation(len(tiled))]
    if rare_names == "weighted":
        weights = counts**WEIGHT_POWER
        drawn = rng.choice(len(names), size=len(names), replace=True, p=weights / weights.sum())
        return [names[i] for i in drawn]
    raise InputError(f"rare_names must be one of {RARE_NAMES}, got {rare_names!r}.")


def subsets(split: datasets.Split, top_keys: set[str]) -> dict[str, list[str]]:
    """The names of `split` scored in the card: all, first seen >= RECENT_YEAR, among the top names."""
    names = list(split.x)
    return {
        "all": names,
        "recent": [n for n, y in zip(names, split.meta["first_year"]) if y >= RECENT_YEAR],
        "top32k": [n for n in names if n.lower() in top_keys],
    }


def top_name_keys(limit: int = TOP_NAMES) -> set[str]:
    """Lower-cased names of the `limit` most given names over all splits (ties by name)."""
    every = datasets.load(DATASET, "all")
    order = sorted(range(len(every)), key=lambda i: (-every.meta["count"][i], every.x[i].lower()))
    return {every.x[i].lower() for i in order[:limit]}


def _build(architecture: str, texts, hparams: dict):
    return seqzoo.build(architecture, "char_lm", texts=texts, sequence_length=SEQUENCE_LENGTH,
                        packing="pad", **hparams)


def _train_or_reuse(model, names, validation, *, run_name: str, epochs: int, patience: int,
                    batch_size: int, seed: int, reuse: bool = True) -> tuple[dict, float]:
    """Train (resumably) and keep the best weights in the run folder as `final.weights.h5`.

    With `reuse`, a run that already finished is not trained again: its final weights,
    log and clock are read back (the model must have the run's shapes).
    """
    directory = run_dir(run_name)
    final = directory / "final.weights.h5"
    if reuse and final.is_file():
        model.load_weights(final)
        clock = directory / "elapsed_s.txt"
        return read_history(directory / "history.csv"), float(clock.read_text()) if clock.is_file() else 0.0
    final.unlink(missing_ok=True)  # A fresh run: an older run's final weights go.
    schedule = keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=1, min_lr=2.5e-4)
    history, seconds = fit_resumable(
        model, names, validation=validation, run_name=run_name, epochs=epochs, patience=patience,
        fit_kwargs={"batch_size": batch_size, "seed": seed}, extra_callbacks=[schedule],
    )
    model.save_weights(directory / "final.partial.weights.h5")
    (directory / "final.partial.weights.h5").replace(final)
    return history, seconds


def novelty(model, train: datasets.Split, every_name: set[str], *, n: int = NOVELTY_SAMPLES,
            seed: int = 0) -> dict:
    """Shares of `n` names sampled at SAMPLE_TEMPERATURE: real but unseen, copies of training names, unknown."""
    samples = model.generate("", max_length=SEQUENCE_LENGTH, temperature=SAMPLE_TEMPERATURE, seed=seed, n=n)
    seen = {x.lower() for x in train.x}
    keys = [s.lower() for s in samples]
    real_unseen = sum(k in every_name and k not in seen for k in keys)
    copied = sum(k in seen for k in keys)
    return {
        "samples": n, "temperature": SAMPLE_TEMPERATURE, "seed": seed,
        "real_not_in_train": round(real_unseen / n, 4),
        "copies_of_train": round(copied / n, 4),
        "not_a_real_name": round((n - real_unseen - copied) / n, 4),
        "distinct": round(len(set(keys)) / n, 4),
    }


def compare_rare_names(architecture: str = "lstm", *, epochs: int = 1, seed: int = 0,
                       choices: tuple[str, ...] = RARE_NAMES, overrides: dict | None = None) -> dict:
    """Train one short run per rare-name choice; score each on the validation split and its subsets.

    Every choice trains the same number of steps (its list is as long as the training split);
    the model is the preset's with COMPARE_OVERRIDES (smaller, to keep the comparison cheap).
    Adds the results under the number of epochs to `$SEQZOO_HOME/runs/names-rare-names.json`
    and returns that part.

    Example:
    >>> compare_rare_names("lstm", epochs=3, choices=("all", "min_count"))  # doctest: +SKIP
    """
    hparams, run = apply_overrides(dict(HPARAMS[architecture]), {"batch_size": 128, "limit": None},
                                   {**COMPARE_OVERRIDES, **(overrides or {})})
    data = NameSplits.load(run["limit"])
    valid = subsets(data.validation, top_name_keys())
    results = {}
    for choice in choices:
        keras.utils.set_random_seed(seed)
        model = _build(architecture, data.train.x, hparams)
        names = training_names(data.train, choice, seed=seed)
        history, seconds = _train_or_reuse(
            model, names, data.validation.x, run_name=f"names-rare-{choice}-{architecture}-e{epochs}-seed{seed}",
            epochs=epochs, patience=epochs, batch_size=run["batch_size"], seed=seed, reuse=not run["limit"])
        results[choice] = {f"validation_nll_{k}": round(model.score(v), 5) for k, v in valid.items()}
        results[choice]["training_time_s"] = round(seconds, 1)
        print(choice, results[choice], flush=True)
    report = {
        "architecture": architecture, "hparams": hparams, "epochs": epochs, "batch_size": run["batch_size"],
        "seed": seed, "min_count": MIN_COUNT, "weight_power": WEIGHT_POWER, "results": results,
        "best_on_validation": min(results, key=lambda c: results[c]["validation_nll_all"]),
        "command": (f"python -m seqzoo.recipes.names --compare-rare-names --epochs {epochs} "
                    f"--choices {','.join(choices)} --out /tmp/unused"),
    }
    if not run["limit"]:
        path = rare_names_report_path()
        every = json.loads(path.read_text()) if path.is_file() else {}
        every[f"{epochs}_epochs"] = report
        write_bytes_atomic(path, (json.dumps(every, indent=1, sort_keys=True) + "\n").encode())
    return report


def rare_names_report_path() -> Path:
    return run_dir("names-rare-names").with_suffix(".json")


def train(architecture: str, *, out: Path, epochs: int = EPOCHS, seed: int = 0, batch_size: int = 128,
          overrides: dict | None = None, reuse_finished_run: bool = False) -> ModelCard:
    """Train, measure on the test split and its subsets, and write the preset with its card.

    `overrides` changes hyper-parameters, "batch_size", "patience", "limit" (names per
    split) or "rare_names" for quick experiments and tests. `reuse_finished_run` measures
    the final weights of the same run (same seed and settings) again instead of training.

    Example:
    >>> train("lstm", out=Path("/tmp/names-lstm"), epochs=1, overrides={"limit": 256})  # doctest: +SKIP
    """
    keras.utils.set_random_seed(seed)
    name = NAMES[architecture]
    hparams, run = apply_overrides(
        dict(HPARAMS[architecture]),
        {"batch_size": batch_size, "patience": 3, "limit": None, "rare_names": "all"}, overrides)
    data = NameSplits.load(run["limit"])
    model = _build(architecture, data.train.x, hparams)
    names = training_names(data.train, run["rare_names"], seed=seed)
    suffix = "" if run["rare_names"] == "all" else f"-{run['rare_names']}"
    run_name = f"{name}{suffix}-seed{seed}"
    history, seconds = _train_or_reuse(model, names, data.validation.x, run_name=run_name, epochs=epochs,
                                       patience=run["patience"], batch_size=run["batch_size"], seed=seed,
                                       reuse=reuse_finished_run)
    card = ModelCard(
        name=name, task="char_lm", architecture=architecture, dataset=DATASET,
        description=(
            f"A character-level {architecture} language model of US first names: every name given "
            "to at least 5 US babies of one sex in a year, 1880-2017 (SSA baby names, title case). "
            "Predicts the next letter or the end of the name; generates new names."
        ),
        headline_metric="test_nll",
        metrics=_metrics(model, data, vocabulary=set(model.tokenizer.vocabulary)),
        recipe={
            "command": (f"python -m seqzoo.recipes.names --architecture {architecture} --out {display_path(out)}"
                        + (f" --epochs {epochs}" if epochs != EPOCHS else "")),
            "hparams": {**hparams, "sequence_length": SEQUENCE_LENGTH, "epochs": epochs,
                        "batch_size": run["batch_size"], "patience": run["patience"],
                        "rare_names": run["rare_names"],
                        "optimizer": "adam 2e-3, clipnorm 1, halved when validation NLL stalls (min 2.5e-4)"},
            **training_record(seed, history, seconds),
        },
        limitations=(
            "Learns each distinct name once, however many babies had it (rare spellings weigh as "
            "much as common names), so its samples lean towards rare and recent spellings; it knows "
            "only names given in the US 1880-2017 and no surnames. Title case, letters A-Z only."
        ),
        extra=_extra(model, data, run["rare_names"]),
    )
    return save_with_curve(model, out, card, history, run_name)


def _metrics(model, data: NameSplits, *, vocabulary: set[str]) -> dict:
    bigram = tuned_char_bigram(data.train.x, data.validation.x, vocabulary)
    test = subsets(data.test, top_name_keys())
    about = {
        "all": ("", "mean NLL per character, end marker included, over every test name once"),
        "recent": ("_first_seen_2000_on", f"test names first given in {RECENT_YEAR} or later ({len(test['recent'])})"),
        "top32k": ("_top32k", f"test names among the {TOP_NAMES:,} most given names ({len(test['top32k'])}; "
                              "makemore-comparable, indicative only)"),
    }
    metrics = {"validation_nll": metric(model.score(data.validation.x), "validation", "nats/char")}
    for key, (suffix, text) in about.items():
        if not test[key]:
            continue
        nll, base = model.score(test[key]), bigram.score(test[key])
        metrics[f"test_nll{suffix}"] = metric(nll, "test", "nats/char", text)
        metrics[f"bigram_test_nll{suffix}"] = metric(
            base, "test", "nats/char", f"add-k smoothed character bigram (k={bigram.k}, tuned on validation)",
            baseline=True)
        metrics[f"test_nll_ratio_to_bigram{suffix}"] = metric(nll / base, "test", "ratio", "model NLL / bigram NLL")
    return metrics


def _extra(model, data: NameSplits, rare_names: str) -> dict:
    every_name = {x.lower() for s in (data.train, data.validation, data.test) for x in s.x}
    check = list(data.test.x)[::CHECK_SAMPLE_EVERY]
    extra = {
        "samples": model.generate("", max_length=SEQUENCE_LENGTH, temperature=SAMPLE_TEMPERATURE, seed=0, n=10),
        "samples_settings": {"temperature": SAMPLE_TEMPERATURE, "seed": 0, "n": 10},
        "novelty": novelty(model, data.train, every_name),
        "rare_names": {"choice": rare_names, "min_count": MIN_COUNT, "weight_power": WEIGHT_POWER},
        # A fixed sample of test names and its NLL: tests re-score the shipped weights on it.
        "check_sample": {"names": check, "nll": round(model.score(check), 6),
                         "rule": f"every {CHECK_SAMPLE_EVERY}th name of the test split, in order"},
    }
    report = rare_names_report_path()
    if report.is_file():
        extra["rare_names"]["validation_comparison"] = json.loads(report.read_text())
    return extra


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--compare-rare-names" in argv:
        argv.remove("--compare-rare-names")

        def option(flag: str, default: str) -> str:
            return argv[argv.index(flag) + 1] if flag in argv else default

        report = compare_rare_names(option("--architecture", "lstm"), epochs=int(option("--epochs", "1")),
                                    choices=tuple(option("--choices", ",".join(RARE_NAMES)).split(",")))
        print(json.dumps(report, indent=1))
        return 0
    if "--reuse-finished-run" in argv:
        argv.remove("--reuse-finished-run")
        return recipe_main(functools.partial(train, reuse_finished_run=True), __doc__, flag="architecture",
                           choices=HPARAMS, default="lstm", epochs=EPOCHS, argv=argv)
    return recipe_main(train, __doc__, flag="architecture", choices=HPARAMS, default="lstm",
                       epochs=EPOCHS, argv=argv)


if __name__ == "__main__":
    sys.exit(main())
