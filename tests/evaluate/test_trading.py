import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from tickercast.errors import ConfigError, DataError
from tickercast.evaluate.trading import positions_from_forecast, simulate, trading_simulation

# Five consecutive days: previous[t] = actual[t-1]. Returns: +2%, -1/102, +2/101, 0, +3/103.
PREVIOUS = np.array([100.0, 102.0, 101.0, 103.0, 103.0])
ACTUAL = np.array([102.0, 101.0, 103.0, 103.0, 106.0])
# Predicted moves: up, up, down, up, down.
PREDICTED = np.array([101.0, 103.0, 100.0, 104.0, 102.0])
C = 5 / 10_000  # the default 5 bps per side


def test_positions_follow_the_sign_of_the_predicted_move():
    assert positions_from_forecast(PREVIOUS, PREDICTED, "long_flat").tolist() == [1, 1, 0, 1, 0]
    assert positions_from_forecast(PREVIOUS, PREDICTED, "long_short").tolist() == [1, 1, -1, 1, -1]
    assert positions_from_forecast(PREVIOUS, PREDICTED, "buy_and_hold").tolist() == [1] * 5


def test_no_predicted_move_means_flat():
    assert positions_from_forecast(PREVIOUS, PREVIOUS, "long_short").tolist() == [0] * 5


def test_long_flat_hand_computed():
    result = trading_simulation(PREVIOUS, ACTUAL, PREDICTED).long_flat
    # enter (day 1), hold, exit (day 3), enter (day 4), exit (day 5): 4 one-side trades; gross 1.02 * 101/102
    expected = [(1 - C) * 1.02, (1 - C) * 1.01, (1 - C) ** 2 * 1.01, (1 - C) ** 3 * 1.01, (1 - C) ** 4 * 1.01]
    assert result.equity == pytest.approx(expected, rel=1e-12)
    assert result.final_equity == pytest.approx((1 - C) ** 4 * 1.01, rel=1e-12)
    assert (result.trades, result.turnover) == (4, 4.0)
    assert result.turnover_per_year == pytest.approx(4 * 252 / 5)
    assert result.exposure == pytest.approx(3 / 5)
    assert result.max_drawdown == pytest.approx(1 - expected[-1] / expected[0], rel=1e-12)
    assert result.cagr == pytest.approx(result.final_equity ** (252 / 5) - 1, rel=1e-9)


def test_long_short_flips_pay_two_sides():
    result = trading_simulation(PREVIOUS, ACTUAL, PREDICTED).long_short
    # positions 1, 1, -1, 1, -1: changes 1, 0, 2, 2, 2; gross 1.02 * 101/102 * 99/101 * 1 * 100/103 = 99/103
    assert result.final_equity == pytest.approx((1 - C) * (1 - 2 * C) ** 3 * 99 / 103, rel=1e-12)
    assert (result.trades, result.turnover) == (4, 7.0)


def test_buy_and_hold_is_the_price_ratio_less_one_entry():
    report = trading_simulation(PREVIOUS, ACTUAL, PREDICTED)
    assert report.buy_and_hold.final_equity == pytest.approx((1 - C) * 106 / 100, rel=1e-12)
    assert (report.buy_and_hold.trades, report.buy_and_hold.turnover) == (1, 1.0)
    free = trading_simulation(PREVIOUS, ACTUAL, PREDICTED, cost_bps=0).buy_and_hold
    assert free.equity == pytest.approx(ACTUAL / PREVIOUS[0], rel=1e-12)


def test_volatility_and_sharpe_from_daily_returns():
    result = trading_simulation(PREVIOUS, ACTUAL, PREDICTED, cost_bps=0).long_flat
    daily = [0.02, -1 / 102, 0.0, 0.0, 0.0]
    mean = sum(daily) / 5
    sd = math.sqrt(sum((r - mean) ** 2 for r in daily) / 4)
    assert result.daily_returns == pytest.approx(daily, abs=1e-15)
    assert result.annual_volatility == pytest.approx(sd * math.sqrt(252), rel=1e-12)
    assert result.sharpe == pytest.approx(mean / sd * math.sqrt(252), rel=1e-12)


def test_always_flat_has_no_sharpe_and_no_drawdown():
    result = simulate(PREVIOUS, ACTUAL, np.zeros(5))
    assert (result.final_equity, result.sharpe, result.max_drawdown, result.trades, result.cagr) == (
        1.0, None, 0.0, 0, 0.0)


def test_perfect_foresight_long_flat_earns_every_up_day():
    rng = np.random.default_rng(0)
    prices = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, 61)))
    previous, actual = prices[:-1], prices[1:]
    result = trading_simulation(previous, actual, actual, cost_bps=0).long_flat
    gross = actual / previous
    assert result.final_equity == pytest.approx(np.prod(gross[gross > 1]), rel=1e-12)
    assert result.max_drawdown == 0.0


def test_drawdown_counts_the_starting_equity_as_a_peak():
    # buy-and-hold of a price that falls 10% then recovers half way: drawdown 10% from the start
    result = simulate(np.array([100.0, 90.0]), np.array([90.0, 95.0]), np.ones(2), cost_bps=0)
    assert result.max_drawdown == pytest.approx(0.10)


def test_a_short_wiped_out_stays_at_zero():
    result = simulate(np.array([10.0, 25.0, 30.0]), np.array([25.0, 30.0, 20.0]), -np.ones(3), cost_bps=0)
    assert result.equity.tolist() == [0.0, 0.0, 0.0]
    assert result.daily_returns.tolist() == [-1.0, 0.0, 0.0]
    assert (result.cagr, result.max_drawdown) == (-1.0, 1.0)


def test_report_to_dict_is_plain_json_with_optional_curves():
    report = trading_simulation(PREVIOUS, ACTUAL, PREDICTED)
    data = json.loads(json.dumps(report.to_dict(), allow_nan=False))
    assert set(data) == {"cost_bps", "long_flat", "long_short", "buy_and_hold"}
    assert "equity" not in data["long_flat"]
    assert data["long_flat"]["trades"] == 4
    with_curves = json.loads(json.dumps(report.to_dict(curves=True), allow_nan=False))
    assert len(with_curves["long_short"]["equity"]) == 5


@pytest.mark.parametrize("cost", [-1, float("nan"), 5000, "5"])
def test_bad_costs_are_rejected(cost):
    with pytest.raises(ConfigError, match="cost_bps"):
        trading_simulation(PREVIOUS, ACTUAL, PREDICTED, cost_bps=cost)


def test_bad_prices_are_rejected():
    with pytest.raises(DataError, match="NaN"):
        trading_simulation(PREVIOUS, np.array([1.0, np.nan, 1.0, 1.0, 1.0]), PREDICTED)
    with pytest.raises(DataError, match="positive"):
        trading_simulation(PREVIOUS, -ACTUAL, PREDICTED)
    with pytest.raises(ValueError, match="same days"):
        trading_simulation(PREVIOUS, ACTUAL, PREDICTED[:4])
    with pytest.raises(ConfigError, match="strategy"):
        positions_from_forecast(PREVIOUS, PREDICTED, "momentum")


# Properties on random prices: each case is (prices of n+1 consecutive days, predictions of the last n days).
price_paths = st.integers(2, 30).flatmap(lambda n: st.tuples(
    arrays(np.float64, n + 1, elements=st.floats(1, 1000)), arrays(np.float64, n, elements=st.floats(1, 1000))))


@settings(max_examples=40, deadline=None)
@given(case=price_paths, cost=st.floats(0, 100))
def test_long_flat_equity_is_always_positive(case, cost):
    prices, predicted = case
    assert np.all(trading_simulation(prices[:-1], prices[1:], predicted, cost).long_flat.equity > 0)


@settings(max_examples=40, deadline=None)
@given(case=price_paths, cost=st.floats(0, 100))
def test_costs_never_increase_equity(case, cost):
    prices, predicted = case
    with_costs = trading_simulation(prices[:-1], prices[1:], predicted, cost)
    free = trading_simulation(prices[:-1], prices[1:], predicted, 0)
    for name in ("long_flat", "long_short", "buy_and_hold"):
        assert np.all(getattr(with_costs, name).equity <= getattr(free, name).equity * (1 + 1e-12))


@settings(max_examples=40, deadline=None)
@given(case=price_paths, data=st.data())
def test_changing_the_future_does_not_change_past_equity(case, data):
    prices, predicted = case
    n = len(predicted)
    day = data.draw(st.integers(1, n - 1))
    future_prices = data.draw(arrays(np.float64, n + 1 - (day + 1), elements=st.floats(1, 1000)))
    future_predicted = data.draw(arrays(np.float64, n - day, elements=st.floats(1, 1000)))
    # from day `day` on, every actual price and every forecast is replaced (previous[day] = actual[day-1] is known)
    new_prices = np.concatenate([prices[: day + 1], future_prices])
    new_predicted = np.concatenate([predicted[:day], future_predicted])
    before = trading_simulation(prices[:-1], prices[1:], predicted)
    after = trading_simulation(new_prices[:-1], new_prices[1:], new_predicted)
    for name in ("long_flat", "long_short", "buy_and_hold"):
        assert getattr(after, name).equity[:day].tolist() == getattr(before, name).equity[:day].tolist()
        assert getattr(after, name).positions[:day].tolist() == getattr(before, name).positions[:day].tolist()
