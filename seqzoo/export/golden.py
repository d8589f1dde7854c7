"""Golden outputs: fixed inputs and the outputs each preset gives, stored in the preset.

`saved_models/NAME/golden.json` holds a few inputs per task and what the
preset answered when the file was written: next-character probabilities and
a greedy continuation (char LMs), class probabilities (classifiers),
forecasts (forecasters). Tests compare the Keras model and its SavedModel
export against it, so a change of behaviour (a new TensorFlow, an edited
layer, retrained weights) fails loudly and names the command that records
the new outputs on purpose:

    python -m seqzoo.export.golden                 # check every preset
    python -m seqzoo.export.golden --write NAME    # record NAME's golden file

The file is listed in the preset's card with its sha256, like every file;
writing it copies the preset, adds the file, and swaps the directory in
atomically.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

from seqzoo.export.errors import GoldenMismatchError

GOLDEN_FILE = "golden.json"
FORMAT = 1
TOLERANCE = 1e-5  # Absolute, on probabilities and on forecasts in real units.
DIGITS = 8

LM_PREFIXES = ["", "Ma", "Joh", "The ", "zz"]
LM_GREEDY = [("", 30), ("An", 30), ("To be", 30)]
CLASSIFIER_TEXTS = [
    "This movie is absolutely fantastic!",
    "A dull, lifeless mess.",
    "",
    "Ünïcödé, emoji 🙂 and unknownwordzzz",
    "not bad at all, though the ending drags " * 40,  # 320 words: several chunks.
]


def generator_command(name: str) -> str:
    """The command that records `name`'s golden file."""
    return f"python -m seqzoo.export.golden --write {name}"


def compute(model) -> dict:
    """Fixed inputs and `model`'s outputs for them, as a JSON-ready dict.

    Args:
        model: A seqzoo task model with a preprocessor.

    Example:
    >>> compute(seqzoo.load("weather-gru"))["cases"][0]["forecast"]
    """
    task = model.task_name
    golden = {"format": FORMAT, "task": task, "tolerance": TOLERANCE}
    if task == "char_lm":
        probs = model.predict(LM_PREFIXES)
        golden["next"] = {"prefixes": LM_PREFIXES, "probabilities": _rounded(probs)}
        golden["greedy"] = [
            {"prompt": p, "max_length": n, "text": model.generate(p, max_length=n, temperature=0.0, seed=0)}
            for p, n in LM_GREEDY
        ]
    elif task == "text_classification":
        golden["labels"] = list(model.labels)
        golden["texts"] = CLASSIFIER_TEXTS
        golden["probabilities"] = _rounded(model.predict(CLASSIFIER_TEXTS))
    elif task == "forecasting":
        reader = model.reader
        dates, features = _forecast_inputs(model)
        windows = [reader.model_inputs(_as_dates(d), f) for d, f in zip(dates, features)]
        import numpy as np

        golden["feature_names"] = list(reader.feature_names)
        golden["target_names"] = list(reader.target_names)
        golden["dates"] = dates
        # float32 values, written short: float32(round(v, 6)) gives back the same float32.
        golden["features"] = [[[round(float(v), 6) for v in row] for row in window] for window in features]
        golden["forecast"] = _rounded(model.predict(np.stack(windows)))
    else:
        raise GoldenMismatchError(f"No golden outputs are defined for the task {task!r}.")
    return golden


def check(model, golden: dict, name: str) -> None:
    """Raise `GoldenMismatchError` (naming `name` and the generator) if `model` differs from `golden`.

    Args:
        model: The model loaded from the preset.
        golden: The preset's golden file, parsed.
        name: The preset's name, for the message.
    """
    actual = compute(model)
    for case, recorded in zip(actual.get("greedy", []), golden.get("greedy", [])):
        if greedy_tie(model, case["text"], recorded.get("text"), float(golden.get("tolerance", TOLERANCE))):
            case["text"] = recorded["text"]
    problems = compare(actual, golden)
    if problems:
        raise GoldenMismatchError(mismatch_message(name, problems))


def greedy_tie(model, text: str, recorded, tolerance: float) -> bool:
    """Whether two greedy continuations part only where the model's top two characters tie.

    Greedy decoding follows the argmax; where two characters are within `tolerance` of
    each other (0.413342 against 0.413340, say), another CPU's rounding may pick the other
    one, and the texts part from there. That is not a change of behaviour; any other
    difference is.

    Example:
    >>> greedy_tie(seqzoo.load("shakespeare-rnn"), "Angelo, and the state that the f",
    ...            "Angelo, and the state the courte", 1e-5)
    True
    """
    if not isinstance(recorded, str) or text == recorded or len(text) != len(recorded):
        return False
    at = next(i for i, (a, b) in enumerate(zip(text, recorded)) if a != b)
    (first, p_first), (second, p_second) = model.predict_next(text[:at], k=2)
    return {first, second} == {text[at], recorded[at]} and p_first - p_second <= tolerance


def compare(actual: dict, expected: dict) -> list[str]:
    """What differs between two golden dicts: numbers beyond the tolerance, any other value."""
    tolerance = float(expected.get("tolerance", TOLERANCE))
    problems: list[str] = []
    _compare(actual, expected, "", tolerance, problems)
    return problems


def mismatch_message(name: str, problems: list[str]) -> str:
    shown = "\n  ".join(problems[:8]) + (f"\n  ... and {len(problems) - 8} more" if len(problems) > 8 else "")
    return (
        f"{name}: outputs differ from saved_models/{name}/{GOLDEN_FILE}:\n  {shown}\n"
        f"If the change is intended (new weights, a new TensorFlow), record the new outputs with\n"
        f"    {generator_command(name)}\nand commit the preset's golden.json and card.json."
    )


def read(preset_dir: str | Path) -> dict | None:
    """The golden file of a preset directory, parsed; None when it has none."""
    path = Path(preset_dir) / GOLDEN_FILE
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def write(name: str) -> Path:
    """Compute `name`'s golden outputs and add them to its preset directory, atomically.

    The preset is loaded first, so every file is checked against its card
    before it is trusted; only `golden.json` is added to (or updated in) the card.

    Args:
        name: A zoo name with a preset directory, or a preset directory.

    Returns:
        The golden file's path.

    Example:
    >>> write("names-lstm")
    PosixPath('.../saved_models/names-lstm/golden.json')
    """
    import seqzoo
    from seqzoo._atomic import replace_directory
    from seqzoo.card import CARD_FILE, ModelCard
    from seqzoo.presets import sha256_file

    preset_dir = preset_directory(name)
    model = seqzoo.load(preset_dir)
    golden = {"model": model.card.name if model.card else preset_dir.name,
              "generator": generator_command(name), **compute(model)}
    tmp = Path(tempfile.mkdtemp(dir=preset_dir.parent, prefix=f".{preset_dir.name}.golden-"))
    try:
        shutil.copytree(preset_dir, tmp, dirs_exist_ok=True, symlinks=True)
        (tmp / GOLDEN_FILE).write_text(json.dumps(golden, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        card = ModelCard.read(tmp)
        card.files = dict(sorted({**card.files, GOLDEN_FILE: sha256_file(tmp / GOLDEN_FILE)}.items()))
        (tmp / CARD_FILE).write_text(card.to_json(), encoding="utf-8")
        tmp.chmod(0o755)  # mkdtemp makes it private; a preset is for everyone to read.
        replace_directory(tmp, preset_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return preset_dir / GOLDEN_FILE


def preset_directory(name: str) -> Path:
    """The preset directory of a zoo name (or a preset directory itself)."""
    from seqzoo.card import CARD_FILE
    from seqzoo.errors import SeqzooError
    from seqzoo.registry import get_entry

    if (Path(name) / CARD_FILE).is_file():
        return Path(name)
    entry = get_entry(name)
    if entry.preset is None:
        raise SeqzooError(f"{name!r} has no preset directory, so it has no golden outputs.")
    return Path(entry.preset)


def main(argv: list[str] | None = None) -> int:
    """`python -m seqzoo.export.golden [--write] [NAME ...]`: check (or record) golden outputs."""
    parser = argparse.ArgumentParser(prog="python -m seqzoo.export.golden", description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help="zoo names or preset directories (default: all)")
    parser.add_argument("--write", action="store_true", help="record the golden files instead of checking them")
    args = parser.parse_args(argv)
    import os

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import seqzoo

    from seqzoo.registry import get_entry

    # By default every zoo entry with a preset; builder-only entries have no weights to check.
    names = args.names or [n for n in seqzoo.list_models() if get_entry(n).preset is not None]
    failed = 0
    for name in names:
        if args.write:
            print(f"{name}: wrote {write(name)}")
            continue
        golden = read(preset_directory(name))
        if golden is None:
            print(f"{name}: MISSING: no {GOLDEN_FILE}; record it with `{generator_command(name)}`")
            failed += 1
            continue
        try:
            check(seqzoo.load(name), golden, name)
            print(f"{name}: ok")
        except GoldenMismatchError as error:
            print(f"{name}: MISMATCH\n{error}")
            failed += 1
    return 1 if failed else 0


# === Helpers ===
def _forecast_inputs(model) -> tuple[list[list[str]], list]:
    import numpy as np

    reader = model.reader
    example = (model.card.extra if model.card is not None else {}).get("example_history") or []
    cases = []
    if len(example) >= reader.window:
        rows = example[-reader.window :]
        cases.append(([str(r[reader.date_column])[:10] for r in rows],
                      np.array([[float(r[c]) for c in reader.feature_names] for r in rows], np.float32)))
    # A second, synthetic window in another season: each feature ramps gently.
    ramp = np.linspace(0.0, 1.0, reader.window, dtype=np.float32)[:, None]
    base = cases[0][1].mean(axis=0) if cases else np.zeros(len(reader.feature_names), np.float32)
    summer = [str(d) for d in np.datetime64("2015-06-01") + np.arange(reader.window)]
    cases.append((summer, (base + 5.0 * ramp).astype(np.float32)))
    return [c[0] for c in cases], [c[1] for c in cases]


def _as_dates(strings: list[str]):
    import datetime

    return [datetime.date.fromisoformat(s) for s in strings]


def _rounded(array) -> list:
    import numpy as np

    return np.round(np.asarray(array, dtype=np.float64), DIGITS).tolist()


def _compare(actual, expected, where: str, tolerance: float, problems: list[str]) -> None:
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in expected:
            if key in ("model", "generator", "tolerance"):
                continue
            if key not in actual:
                problems.append(f"{where}{key}: missing")
            else:
                _compare(actual[key], expected[key], f"{where}{key}.", tolerance, problems)
    elif isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            problems.append(f"{where[:-1]}: {len(actual)} items, expected {len(expected)}")
            return
        for i, (a, e) in enumerate(zip(actual, expected)):
            _compare(a, e, f"{where}{i}.", tolerance, problems)
    elif isinstance(expected, float) and isinstance(actual, int | float) and not isinstance(actual, bool):
        if abs(actual - expected) > tolerance:
            problems.append(f"{where[:-1]}: {actual:.6g}, expected {expected:.6g} (tolerance {tolerance:g})")
    elif actual != expected:
        problems.append(f"{where[:-1]}: {actual!r}, expected {expected!r}")


if __name__ == "__main__":
    sys.exit(main())
