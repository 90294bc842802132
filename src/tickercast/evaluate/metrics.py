"""Forecast accuracy in price units, always reported next to the naive forecast of exactly the same days.

All functions are pure: arrays in, numbers out.

Directional accuracy: on each day, the predicted move is `predicted - previous` and the actual move is
`actual - previous` (previous = the last actual price before the day). A day scores 1 when both moves have
the same sign, 0 when they have opposite signs, and 1/2 when either move is exactly zero: a forecast that
never calls a direction (like naive) scores exactly 50%, the no-skill level, and a flat day rewards nobody.
"""

from __future__ import annotations

import numpy as np

METRIC_KEYS = ("rmse", "mae", "mape", "directional_accuracy", "naive_rmse", "rmse_ratio_vs_naive", "n")


def rmse(actual: np.ndarray, predicted: np.ndarray) -> float:
    return float(np.sqrt(np.mean((actual - predicted) ** 2)))


def mae(actual: np.ndarray, predicted: np.ndarray) -> float:
    return float(np.mean(np.abs(actual - predicted)))


def mape(actual: np.ndarray, predicted: np.ndarray) -> float:
    """Mean absolute percentage error, in percent (prices are positive, so it is always defined)."""
    return float(100 * np.mean(np.abs((actual - predicted) / actual)))


def directional_accuracy(actual: np.ndarray, predicted: np.ndarray, previous: np.ndarray) -> float:
    """Share of days whose predicted move has the actual move's sign; zero moves count one half.

    >>> directional_accuracy(np.array([2.0, 1.0, 1.0]), np.array([3.0, 3.0, 2.0]), np.array([1.0, 2.0, 1.0]))
    0.5
    """
    agreement = np.sign(predicted - previous) * np.sign(actual - previous)  # 1 agree, -1 disagree, 0 a tie
    return float(np.mean((agreement + 1) / 2))


def point_metrics(actual: np.ndarray, predicted: np.ndarray,
                  previous: np.ndarray) -> dict[str, float | int | None]:
    """Every metric of DESIGN §4 for one split; the naive forecast of these days is `previous`.

    The ratio to naive is None when naive is perfect (a flat price), where no ratio means anything.
    """
    naive_rmse = rmse(actual, previous)
    model_rmse = rmse(actual, predicted)
    return {
        "rmse": model_rmse,
        "mae": mae(actual, predicted),
        "mape": mape(actual, predicted),
        "directional_accuracy": directional_accuracy(actual, predicted, previous),
        "naive_rmse": naive_rmse,
        "rmse_ratio_vs_naive": model_rmse / naive_rmse if naive_rmse > 0 else None,
        "n": len(actual),
    }
