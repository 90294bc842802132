"""How good are probabilities of a rise? Scores for up/down forecasts, as pure functions of outcomes and P(up).

Accuracy alone flatters in a rising market: "always up" is right on more than half the days. So every score here
comes with the test base rate, and `p_value_vs_constant` asks whether the calls beat the better of "always up"
and "always down" on the same days, not a coin. Brier score and log loss judge the probabilities themselves; AUC
judges only their order (1 = every up day ranked above every down day, 0.5 = no better than chance), which is
what a long/short ranking uses.

A day is called "up" when its probability is above 0.5 (exactly 0.5 is a "down" call: no evidence of a rise).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special  # the distribution functions alone: scipy.stats costs 45 MB and 0.5 s to import

from tickercast.errors import DataError

_CLIP = 1e-15  # log loss of a probability of exactly 0 or 1 that turns out wrong is infinite; clip as is usual


def _checked(outcomes: np.ndarray, probabilities: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(outcomes, dtype=np.float64).ravel()
    p = np.asarray(probabilities, dtype=np.float64).ravel()
    if len(y) != len(p):
        raise ValueError(f"outcomes and probabilities must cover the same days, got {len(y)} and {len(p)}")
    if not np.all((y == 0) | (y == 1)):
        raise DataError("outcomes must be 0 (not up) or 1 (up); drop days without an outcome before scoring")
    if not np.all(np.isfinite(p)) or np.any((p < 0) | (p > 1)):
        raise DataError("probabilities must lie in [0, 1]; drop days without a forecast before scoring")
    return y, p


def average_ranks(values: np.ndarray) -> np.ndarray:
    """Ranks 1..n, tied values sharing the mean of their ranks (as `scipy.stats.rankdata`'s default).

    >>> average_ranks(np.array([10.0, 20.0, 10.0, 30.0])).tolist()
    [1.5, 3.0, 1.5, 4.0]
    """
    order = np.argsort(values, kind="stable")
    sorted_values = values[order]
    starts = np.flatnonzero(np.r_[True, sorted_values[1:] != sorted_values[:-1]])
    ends = np.r_[starts[1:], len(values)]
    mean_rank = (starts + ends + 1) / 2  # ranks start..end-1 (0-based) -> mean of start+1 .. end
    ranks = np.empty(len(values))
    ranks[order] = np.repeat(mean_rank, ends - starts)
    return ranks


def auc(outcomes: np.ndarray, probabilities: np.ndarray) -> float | None:
    """Area under the ROC curve: the chance that a random up day gets a higher P(up) than a random down day,
    ties counting one half (the Mann–Whitney U over both counts). None when the days are all up or all down."""
    y, p = _checked(outcomes, probabilities)
    ups, downs = int(y.sum()), int(len(y) - y.sum())
    if ups == 0 or downs == 0:
        return None
    rank_sum = float(average_ranks(p)[y == 1].sum())
    return (rank_sum - ups * (ups + 1) / 2) / (ups * downs)


def classification_metrics(outcomes: np.ndarray, probabilities: np.ndarray) -> dict[str, float | int | None]:
    """Every score of up/down forecasts on the same days, JSON-ready (None where undefined, never NaN).

    `accuracy`: share of days called right (up when P > 0.5); `balanced_accuracy`: the mean of the hit rates on
    up days and on down days (the days of a class that never occurs are left out); `brier`: mean (P - y)^2, 0.25
    for a constant 0.5; `log_loss`: -mean(y log P + (1 - y) log(1 - P)), ln 2 for a constant 0.5; `auc`;
    `base_rate`: share of up days; `p_value_vs_constant`: one-sided binomial P(X >= hits) with
    X ~ Binomial(n, max(base_rate, 1 - base_rate)), the accuracy of the better constant call on these days.

    >>> m = classification_metrics(np.array([1, 0, 1, 1]), np.array([0.9, 0.2, 0.6, 0.4]))
    >>> m["accuracy"], m["auc"], m["base_rate"]
    (0.75, 1.0, 0.75)
    """
    y, p = _checked(outcomes, probabilities)
    n = len(y)
    if n == 0:
        return dict.fromkeys(("accuracy", "balanced_accuracy", "brier", "log_loss", "auc", "base_rate"), None) | {
            "p_value_vs_constant": 1.0, "n": 0}
    called_up = p > 0.5
    hits = int(np.sum(called_up == (y == 1)))
    recalls = [float(np.mean(called_up[y == label] == bool(label))) for label in (0, 1) if np.any(y == label)]
    clipped = np.clip(p, _CLIP, 1 - _CLIP)
    base_rate = float(y.mean())
    constant = max(base_rate, 1 - base_rate)
    p_value = 1.0 if hits == 0 else float(special.bdtrc(hits - 1, n, constant))  # P(X > hits - 1)
    return {
        "accuracy": hits / n,
        "balanced_accuracy": float(np.mean(recalls)),
        "brier": float(np.mean((p - y) ** 2)),
        "log_loss": float(-np.mean(y * np.log(clipped) + (1 - y) * np.log(1 - clipped))),
        "auc": auc(y, p),
        "base_rate": base_rate,
        "p_value_vs_constant": min(1.0, p_value) if math.isfinite(p_value) else 1.0,
        "n": n,
    }


def reliability_table(outcomes: np.ndarray, probabilities: np.ndarray,
                      bins: int = 10) -> list[dict[str, float | int | None]]:
    """Calibration by equal-width bins of P(up): per bin its edges, its days, the mean P and the share of up days.

    A calibrated forecaster's `freq` is close to its `mean_p` in every bin with many days. Empty bins are kept
    (with None) so that every table has the same rows; the last bin includes P = 1.

    >>> [row["n"] for row in reliability_table(np.array([0, 1, 1]), np.array([0.05, 0.95, 1.0]), bins=2)]
    [1, 2]
    """
    if isinstance(bins, bool) or not isinstance(bins, int) or bins < 1:
        raise ValueError(f"bins must be a whole number >= 1, got {bins!r}")
    y, p = _checked(outcomes, probabilities)
    which = np.minimum((p * bins).astype(int), bins - 1)
    table = []
    for b in range(bins):
        inside = which == b
        count = int(inside.sum())
        table.append({"lo": b / bins, "hi": (b + 1) / bins, "n": count,
                      "mean_p": float(p[inside].mean()) if count else None,
                      "freq": float(y[inside].mean()) if count else None})
    return table
