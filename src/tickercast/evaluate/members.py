"""An ensemble against its own members: each member's score, the members' mean score, and the ensemble's.

The ensemble's forecast is the members' mean forecast (`models.recurrent.RecurrentEnsemble`); its score is not
the mean of their scores. The gap between "members' mean" and "ensemble" is what averaging bought: for squared
errors the mean forecast is never worse than the members' mean error (Jensen), and the gap is their disagreement.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

PARTS = ("val", "test")


def member_score(metrics: Mapping[str, Mapping[str, Any]]) -> tuple[str, str]:
    """The score members are compared on, `(key, header)`: the ratio of RMSE to naive's for prices, the log
    loss for P(up) (both lower is better)."""
    direction = any("log_loss" in card for card in metrics.values())
    return ("log_loss", "log loss") if direction else ("rmse_ratio_vs_naive", "RMSE / naive")


def member_rows(metrics: Mapping[str, Mapping[str, Any]],
                members: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One row per member (`seed N`), then `members' mean`, then `ensemble`: `{"member", "val", "test"}` with
    the `member_score` of each part (None where the part has no days).

    >>> card = lambda v, t: {"val": {"rmse_ratio_vs_naive": v}, "test": {"rmse_ratio_vs_naive": t}}
    >>> rows = member_rows(card(0.99, 1.0), [{"seed": 0, "metrics": card(1.0, 1.02)},
    ...                                      {"seed": 1, "metrics": card(1.0, 1.0)}])
    >>> [(row["member"], row["test"]) for row in rows]
    [('seed 0', 1.02), ('seed 1', 1.0), ("members' mean", 1.01), ('ensemble', 1.0)]
    """
    key, _ = member_score(metrics)

    def value(cards: Mapping[str, Mapping[str, Any]], part: str) -> float | None:
        return _number(cards.get(part, {}).get(key))

    rows = [{"member": f"seed {member['seed']}", **{part: value(member["metrics"], part) for part in PARTS}}
            for member in members]
    mean = {part: _mean([row[part] for row in rows]) for part in PARTS}
    return [*rows, {"member": "members' mean", **mean},
            {"member": "ensemble", **{part: value(metrics, part) for part in PARTS}}]


def ensemble_gain(metrics: Mapping[str, Mapping[str, Any]], members: Sequence[Mapping[str, Any]]) -> str:
    """One line: the ensemble's test score beside its members' mean and spread, e.g. 'ensemble of 5 (seeds
    0-4): test RMSE / naive 0.9981 vs 1.0043 ± 0.0031 for its members alone (-0.0062)'."""
    key, header = member_score(metrics)
    scores = [_number(member["metrics"].get("test", {}).get(key)) for member in members]
    ensemble = _number(metrics.get("test", {}).get(key))
    seeds = [member["seed"] for member in members]
    what = f"ensemble of {len(members)} (seeds {seeds[0]}-{seeds[-1]})"
    if ensemble is None or any(score is None for score in scores):
        return f"{what}: no test score"
    mean = _mean(scores)
    spread = (sum((score - mean) ** 2 for score in scores) / (len(scores) - 1)) ** 0.5 if len(scores) > 1 else 0.0
    return (f"{what}: test {header} {ensemble:.4f} vs {mean:.4f} ± {spread:.4f} for its members alone "
            f"({ensemble - mean:+.4f})")


def _mean(values: Sequence[Any]) -> Any:
    known = [value for value in values if value is not None]
    return sum(known) / len(known) if known and len(known) == len(values) else None


def _number(value: Any) -> float | None:
    """A finite score, else None (a member without the part, or an edited metrics.json read by the report)."""
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    return float(value) if ok else None
