"""The model card: the single source of a preset's metadata, metrics and file hashes."""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from seqzoo.errors import PresetError

CARD_FILE = "card.json"


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
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise PresetError(f"{source}: unknown card fields {sorted(unknown)}.")
        try:
            return cls(**data)
        except TypeError as error:
            raise PresetError(f"{source}: {error}") from None

    @classmethod
    def read(cls, preset_dir: str | Path) -> "ModelCard":
        """Read `card.json` from a preset directory."""
        path = Path(preset_dir) / CARD_FILE
        if not path.is_file():
            raise PresetError(f"{path} is missing: a preset directory needs a {CARD_FILE}.")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise PresetError(f"{path} is not valid JSON ({error}); the preset is corrupt.") from None
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


def _format(value) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)
