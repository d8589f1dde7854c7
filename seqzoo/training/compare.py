"""How a retrained preset compares with the card the zoo ships."""
from __future__ import annotations

import dataclasses

from seqzoo.card import ModelCard


@dataclasses.dataclass(frozen=True)
class MetricComparison:
    """One metric of the shipped card beside the retrained one."""

    metric: str
    shipped: float | None
    new: float | None
    unit: str = ""
    headline: bool = False

    @property
    def relative(self) -> float | None:
        """(new - shipped) / |shipped|, or None when either is missing or shipped is 0."""
        if self.shipped is None or self.new is None or self.shipped == 0:
            return None
        return (self.new - self.shipped) / abs(self.shipped)


def compare_cards(shipped: ModelCard | None, new: ModelCard) -> list[MetricComparison]:
    """Each numeric metric of `new` beside the same metric of `shipped`, headline first.

    Args:
        shipped: The zoo's card (None when the zoo ships no preset of that name).
        new: The retrained preset's card.

    Example:
    >>> rows = compare_cards(seqzoo.info("names-lstm"), ModelCard.read("/tmp/names-lstm"))
    >>> rows[0].metric, rows[0].relative
    ('test_nll', 0.004)
    """
    old = shipped.metrics if shipped else {}
    names = list(new.metrics) + [k for k in old if k not in new.metrics]
    rows = []
    for key in names:
        record = new.metrics.get(key) or old.get(key)
        values = [_number(m.get(key, {}).get("value")) for m in (old, new.metrics)]
        if values == [None, None]:
            continue
        rows.append(MetricComparison(key, *values, unit=record.get("unit", ""),
                                     headline=key == new.headline_metric))
    return sorted(rows, key=lambda row: not row.headline)


def hparam_differences(shipped: ModelCard | None, new: ModelCard) -> dict[str, tuple]:
    """Hyper-parameters whose value differs: name -> (shipped, new)."""
    old = (shipped.recipe.get("hparams") if shipped else None) or {}
    now = new.recipe.get("hparams") or {}
    return {k: (old.get(k), now.get(k)) for k in sorted(set(old) | set(now)) if old.get(k) != now.get(k)}


def format_comparison(shipped: ModelCard | None, new: ModelCard) -> str:
    """A small table: metric, shipped, new, relative difference; then differing hyper-parameters.

    Example:
    >>> print(format_comparison(seqzoo.info("names-lstm"), card))
    metric            shipped      new    relative
    test_nll *         1.8891   1.8962     +0.38%
    """
    rows = compare_cards(shipped, new)
    lines = [f"{'metric':32s} {'shipped':>10s} {'new':>10s} {'relative':>9s}"]
    for row in rows:
        name = f"{row.metric} *" if row.headline else row.metric
        relative = "-" if row.relative is None else f"{row.relative:+.2%}"
        lines.append(f"{name:32s} {_cell(row.shipped):>10s} {_cell(row.new):>10s} {relative:>9s}")
    lines.append("(* headline metric)" if shipped else f"(the zoo ships no {new.name!r} preset to compare with)")
    for key, (old, now) in hparam_differences(shipped, new).items():
        lines.append(f"hparam {key}: shipped {old!r}, new {now!r}")
    return "\n".join(lines)


def _number(value) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _cell(value: float | None) -> str:
    return "-" if value is None else f"{value:.5g}"
