"""Everything tickercast says about one split's one-step forecasts: accuracy next to naive, and whether it is real.

    rmse mae mape directional_accuracy naive_rmse rmse_ratio_vs_naive n     (metrics.point_metrics)
    dm_statistic dm_p_value dm_p_value_better     Diebold–Mariano vs naive (squared errors, HLN-corrected):
                                                  two-sided, and one-sided "the model's errors are smaller"
    direction_p_value                             one-sided binomial test of directional accuracy > 50%
                                                  (days with a zero predicted or actual move are dropped)
    lag_best_shift looks_lagged                   does the forecast follow the price of k days ago? (naive: 1)

For the `direction` target (P(up), not prices) `direction_scorecard` gives instead:

    accuracy balanced_accuracy brier log_loss auc base_rate p_value_vs_constant n   (evaluate.classification)
    reliability                                   the calibration table: P(up) in 10 bins, mean P and share up
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tickercast.errors import SeriesTooShortError
from tickercast.evaluate.classification import classification_metrics, reliability_table
from tickercast.evaluate.metrics import point_metrics
from tickercast.evaluate.stats import diebold_mariano, direction_test, lag_diagnostic

#: The significance keys, in the order tables show them.
SIGNIFICANCE_KEYS = ("dm_statistic", "dm_p_value", "dm_p_value_better", "direction_p_value", "lag_best_shift",
                     "looks_lagged")
#: The numbers of a direction scorecard (beside `reliability`), in the order tables show them.
DIRECTION_KEYS = ("accuracy", "balanced_accuracy", "brier", "log_loss", "auc", "base_rate", "p_value_vs_constant",
                  "n")


def scorecard(actual: np.ndarray, predicted: np.ndarray, previous: np.ndarray, horizon: int = 1) -> dict[str, Any]:
    """Point metrics plus the significance of the difference from naive, for the same days.

    `previous` is the last known price when each forecast was made (naive's forecast); `horizon` how many days
    ahead the forecasts reach, which the Diebold–Mariano test needs (overlapping errors are autocorrelated).
    """
    card: dict[str, Any] = point_metrics(actual, predicted, previous)
    if len(actual) < max(3, horizon + 2):  # too few days for any test to mean something
        return card | dict.fromkeys(SIGNIFICANCE_KEYS)
    dm = diebold_mariano(actual - predicted, actual - previous, horizon=horizon)
    try:
        lag = lag_diagnostic(actual, predicted)
    except SeriesTooShortError:  # a handful of days: no lag can be told apart, which is not the user's error
        lag = None
    return card | {
        "dm_statistic": dm.statistic,
        "dm_p_value": dm.p_value,
        "dm_p_value_better": dm.p_value_model_better,
        "direction_p_value": direction_test(actual, predicted, previous).p_value,
        "lag_best_shift": lag.best_shift if lag else None,
        "looks_lagged": lag.looks_lagged if lag else None,
    }


def direction_scorecard(up: np.ndarray, p_up: np.ndarray) -> dict[str, Any]:
    """Scores of P(up) forecasts on the days of one split: `evaluate.classification`'s and the reliability table.

    The p-value is against the better of "always up" and "always down" on these days, not against a coin: in a
    rising market "always up" is right on more than half the days without knowing anything.
    """
    return {**classification_metrics(up, p_up), "reliability": reliability_table(up, p_up)}
