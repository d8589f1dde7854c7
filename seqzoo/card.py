"""The model card: the single source of a preset's metadata, metrics and file hashes."""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from seqzoo._safe_files import load_json, read_plain_file
from seqzoo.errors import PresetError

CARD_FILE = "card.json"
MAX_CARD_BYTES = 16 << 20  # The zoo's cards are under 20 kB.

# The type of every field, checked on read so that `seqzoo info` and `list` never meet a surprise.
_FIELD_TYPES = {
    "name": str, "task": str, "architecture": str, "num_params": int, "metrics": dict,
    "dataset": str, "description": str, "files": dict, "recipe": dict,
    "headline_metric": (str, type(None)), "limitations": str, "extra": dict,
}
_METRIC_TYPES = {"value": (int, float), "split": str, "unit": str, "description": str, "baseline": bool}


@dataclasses.dataclass
class ModelCard:
    """What a preset is, how it was trained, and what it scored on held-out data.

    Attributes:
        name: The zoo name, such as "names-lstm".
        task: "char_lm", "text_classification" or "forecasting".
        architecture: "simple_rnn", "lstm" or "gru" (with layer details in `hparams`).
        num_params: Number of weights.
        metrics: name -> {"value", "split", "unit", "description"}; measured by
            the recipe. Baselines are metrics too (their "baseline" key is true).
        dataset: The dataset id from `seqzoo.datasets`.
        description: One paragraph for people.
        files: Relative path -> sha256 of every file of the preset but the card.
        recipe: {"command": ..., "hparams": {...}, "seed": ..., "versions": {...},
            "training_time_s": ...}.
        headline_metric: The key of `metrics` shown in tables.
        limitations: What the model is bad at, and the biases of its data.
        extra: Task-specific metadata (labels, sample outputs, ...).

    Example:
    >>> card = seqzoo.info("names-lstm")
    >>> card.metrics["test_nll"]["value"]
    """

    name: str
    task: str
    architecture: str
    num_params: int = 0
    metrics: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    dataset: str = ""
    description: str = ""
    files: dict[str, str] = dataclasses.field(default_factory=dict)
    recipe: dict[str, Any] = dataclasses.field(default_factory=dict)
    headline_metric: str | None = None
    limitations: str = ""
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def headline(self) -> dict[str, Any] | None:
        """The headline metric's record, or None."""
        return self.metrics.get(self.headline_metric) if self.headline_metric else None

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), indent=2, sort_keys=True, ensure_ascii=False) + "\n"

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, source: str = "card") -> "ModelCard":
        """A card from its dict, with every field's type checked (`PresetError` otherwise)."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise PresetError(f"{source}: unknown card fields {sorted(unknown)[:5]}.")
        _check_types(data, source)
        try:
            return cls(**data)
        except TypeError as error:
            raise PresetError(f"{source}: {error}") from None

    @classmethod
    def read(cls, preset_dir: str | Path) -> "ModelCard":
        """Read `card.json` from a preset directory.

        A card that is a symbolic link, a FIFO or a device is refused before
        anything is read from it; so is JSON nested too deeply or a field of
        the wrong type.
        """
        path = Path(preset_dir) / CARD_FILE
        if not path.is_symlink() and not path.exists():
            raise PresetError(f"{path} is missing: a preset directory needs a {CARD_FILE}.")
        data = load_json(read_plain_file(path, error=PresetError, max_bytes=MAX_CARD_BYTES),
                         source=str(path), error=PresetError)
        if not isinstance(data, dict):
            raise PresetError(f"{path} must hold a JSON object.")
        return cls.from_dict(data, source=str(path))

    def __str__(self) -> str:
        lines = [
            f"{self.name}  ({self.task}, {self.architecture}, {self.num_params:,} parameters)",
            f"  dataset: {self.dataset}",
        ]
        if self.description:
            lines.append(f"  {self.description}")
        if self.metrics:
            lines.append("  metrics:")
            for key, m in self.metrics.items():
                unit = f" {m['unit']}" if m.get("unit") else ""
                tag = " (baseline)" if m.get("baseline") else ""
                lines.append(f"    {key}: {_format(m.get('value'))}{unit} on {m.get('split', '?')}{tag}")
        if self.recipe.get("command"):
            lines.append(f"  recipe: {self.recipe['command']}")
        if self.limitations:
            lines.append(f"  limitations: {self.limitations}")
        lines.append(f"  files: {', '.join(sorted(self.files)) or '-'}")
        return "\n".join(lines)


def _check_types(data: dict[str, Any], source: str) -> None:
    for key, value in data.items():
        expected = _FIELD_TYPES[key]
        if not isinstance(value, expected) or isinstance(value, bool) and expected is int:
            raise PresetError(f"{source}: the card field {key!r} must be {_type_name(expected)}, "
                              f"not {type(value).__name__}.")
    if data.get("num_params", 0) < 0:
        raise PresetError(f"{source}: the card field 'num_params' is negative.")
    for path, digest in data.get("files", {}).items():
        if not isinstance(path, str) or not isinstance(digest, str):
            raise PresetError(f"{source}: 'files' must map file names to sha256 strings.")
    for key, record in data.get("metrics", {}).items():
        if not isinstance(record, dict):
            raise PresetError(f"{source}: metric {str(key)[:40]!r} must be an object, not {type(record).__name__}.")
        for field, expected in _METRIC_TYPES.items():
            value = record.get(field)
            wrong = not isinstance(value, expected) or (isinstance(value, bool) and expected != bool)
            if field in record and wrong:
                raise PresetError(f"{source}: metric {str(key)[:40]!r} field {field!r} must be "
                                  f"{_type_name(expected)}, not {type(value).__name__}.")
    if not isinstance(data.get("recipe", {}).get("command", ""), str | None):
        raise PresetError(f"{source}: the recipe's 'command' must be a string.")


def _type_name(expected) -> str:
    names = {str: "a string", int: "an integer", dict: "an object", bool: "true or false",
             type(None): "null", float: "a number"}
    kinds = expected if isinstance(expected, tuple) else (expected,)
    return " or ".join(names[k] for k in kinds)


def _format(value) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)
