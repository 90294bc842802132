import math

import numpy as np
import pytest

from tickercast.errors import SeriesTooShortError
from tickercast.evaluate.intervals import conformal_quantile, interval


def test_quantile_is_the_conformal_rank_of_the_log_errors():
    predicted = np.full(9, 100.0)
    actual = 100 * np.exp(np.array([0.01, -0.02, 0.03, -0.04, 0.05, -0.06, 0.07, -0.08, 0.09]))
    # n = 9, level 0.8: rank ceil(10 * 0.8) = 8 -> the 8th smallest |log error| = 0.08
    assert conformal_quantile(actual, predicted, 0.8) == pytest.approx(0.08)


def test_too_few_errors_for_the_level():
    with pytest.raises(SeriesTooShortError, match="cannot support a 95% interval; it needs at least 19"):
        conformal_quantile(np.ones(10), np.ones(10), 0.95)


def test_interval_is_symmetric_in_log_price():
    lower, upper = interval(np.array([100.0]), 0.1)
    assert lower[0] == pytest.approx(100 * math.exp(-0.1))
    assert upper[0] * lower[0] == pytest.approx(100.0**2)


def test_coverage_on_exchangeable_errors():
    rng = np.random.default_rng(0)
    calibration = rng.normal(0, 0.01, 500)
    q = conformal_quantile(100 * np.exp(calibration), np.full(500, 100.0), 0.8)
    fresh = rng.normal(0, 0.01, 20_000)
    assert np.mean(np.abs(fresh) <= q) == pytest.approx(0.8, abs=0.03)
