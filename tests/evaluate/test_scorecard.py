import numpy as np

from tickercast.evaluate.metrics import METRIC_KEYS
from tickercast.evaluate.scorecard import SIGNIFICANCE_KEYS, scorecard

rng = np.random.default_rng(0)
PRICES = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, 301)))
ACTUAL, PREVIOUS = PRICES[1:], PRICES[:-1]


def test_naive_is_flagged_as_lagged_and_no_different_from_itself():
    card = scorecard(ACTUAL, PREVIOUS, PREVIOUS)
    assert list(card) == [*METRIC_KEYS, *SIGNIFICANCE_KEYS]
    assert card["dm_p_value"] == 1.0
    assert card["direction_p_value"] == 1.0
    assert card["looks_lagged"] is True
    assert card["lag_best_shift"] == 1


def test_an_oracle_is_significantly_better_and_not_lagged():
    oracle = ACTUAL + rng.normal(0, 0.05, len(ACTUAL))  # nearly perfect
    card = scorecard(ACTUAL, oracle, PREVIOUS)
    assert card["rmse_ratio_vs_naive"] < 0.1
    assert card["dm_p_value_better"] < 1e-6
    assert card["direction_p_value"] < 1e-6
    assert card["looks_lagged"] is False


def test_too_few_days_for_tests():
    card = scorecard(ACTUAL[:2], PREVIOUS[:2], PREVIOUS[:2])
    assert all(card[key] is None for key in SIGNIFICANCE_KEYS)


def test_a_few_days_get_tests_but_no_lag_diagnostic():
    card = scorecard(ACTUAL[:6], PREVIOUS[:6] * 1.001, PREVIOUS[:6])
    assert card["dm_p_value"] is not None
    assert card["lag_best_shift"] is None
    assert card["looks_lagged"] is None
