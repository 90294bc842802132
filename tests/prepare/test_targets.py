import numpy as np
import pytest

from tickercast.errors import ConfigError
from tickercast.prepare.targets import get_target

PRICES = np.array([100.0, 110.0, 99.0, 99.0])


def test_log_returns_are_aligned_with_their_day():
    series = get_target("log_return").series(PRICES)
    assert np.isnan(series[0])
    np.testing.assert_allclose(series[1:], np.log([1.1, 0.9, 1.0]))


def test_log_return_round_trips_to_the_price():
    target = get_target("log_return")
    np.testing.assert_allclose(target.to_price(target.series(PRICES)[1:], PRICES[:-1]), PRICES[1:])


def test_a_zero_log_return_is_the_naive_forecast():
    np.testing.assert_array_equal(get_target("log_return").to_price(np.zeros(3), PRICES[:-1]), PRICES[:-1])


def test_price_target_is_the_price():
    target = get_target("price")
    assert target.offset == 0
    np.testing.assert_array_equal(target.to_price(target.series(PRICES), PRICES), PRICES)


def test_unknown_target():
    with pytest.raises(ConfigError, match="unknown target 'returns'"):
        get_target("returns")
