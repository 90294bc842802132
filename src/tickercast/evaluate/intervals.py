"""Prediction intervals by split conformal prediction: past out-of-sample errors say how wide to draw them.

For each horizon h, the calibration errors are the log-ratios s_i = |log(actual_i / predicted_i)| of forecasts
made h days ahead on days the model never trained on (the test part's walk-forward). The interval at level
1 − α is predicted · exp(±q), with q the ⌈(n + 1)(1 − α)⌉-th smallest s_i: if future errors behave like past
ones (exchangeable), it covers the actual price with probability at least 1 − α. Log-ratios keep the bands
proportional to the price, so a 1% error means the same in 1999 and in 2018.
"""

from __future__ import annotations

import math

import numpy as np

from tickercast.errors import SeriesTooShortError


def conformal_quantile(actual: np.ndarray, predicted: np.ndarray, level: float) -> float:
    """The half-width q (in log-price units) of a split-conformal interval at `level` (e.g. 0.8)."""
    scores = np.sort(np.abs(np.log(actual / predicted)))
    n = len(scores)
    rank = math.ceil((n + 1) * level)
    if rank > n:
        raise SeriesTooShortError(f"{n} calibration forecasts cannot support a {level:.0%} interval; "
                                  f"it needs at least {math.ceil(level / (1 - level))}")
    return float(scores[rank - 1])


def interval(predicted: np.ndarray, half_width: float) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper bounds around predicted prices for a log-scale half-width."""
    return predicted * math.exp(-half_width), predicted * math.exp(half_width)
