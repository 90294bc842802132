"""Trading on P(up): positions from the probability alone, then the same cost model as trading on prices."""

import numpy as np
import pytest

from tickercast.errors import ConfigError, DataError
from tickercast.evaluate.trading import positions_from_probability, probability_trading_simulation, simulate

P_UP = np.array([0.9, 0.56, 0.5, 0.44, 0.1, 0.55])


def test_long_flat_goes_long_only_above_the_threshold():
    np.testing.assert_array_equal(positions_from_probability(P_UP, 0.55, "long_flat"), [1, 1, 0, 0, 0, 0])


def test_long_short_is_flat_between_the_threshold_and_its_mirror():
    np.testing.assert_array_equal(positions_from_probability(P_UP, 0.55, "long_short"), [1, 1, 0, -1, -1, 0])


def test_the_default_threshold_calls_every_day_but_an_exact_half():
    np.testing.assert_array_equal(positions_from_probability(P_UP, strategy="long_short"), [1, 1, 0, -1, -1, 1])


@pytest.mark.parametrize("threshold", [0.3, 0.49, 1.0, float("nan"), True])
def test_a_threshold_outside_half_to_one_is_one_line(threshold):
    with pytest.raises(ConfigError, match=r"\[0.5, 1\)"):
        positions_from_probability(P_UP, threshold)


def test_a_probability_outside_zero_to_one_is_refused():
    with pytest.raises(DataError, match="probabilities"):
        positions_from_probability(np.array([0.2, 1.5]))


def test_the_simulation_charges_the_same_costs_as_for_prices():
    rng = np.random.default_rng(1)
    previous = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, 50)))
    actual = np.append(previous[1:], previous[-1] * 1.01)
    p_up = rng.uniform(0, 1, 50)
    report = probability_trading_simulation(previous, actual, p_up, threshold=0.6, cost_bps=7)
    expected = simulate(previous, actual, positions_from_probability(p_up, 0.6, "long_short"), cost_bps=7)
    assert report.long_short.final_equity == expected.final_equity
    assert report.to_dict()["threshold"] == 0.6
    assert report.cost_bps == 7
    assert report.buy_and_hold.exposure == 1.0
