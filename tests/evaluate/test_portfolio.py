"""The daily long/short book: weights, costs on turnover and performance, checked against sums done by hand."""

import math

import numpy as np
import pytest

from tickercast.errors import ConfigError
from tickercast.evaluate.portfolio import long_short_weights, performance, portfolio_returns
from tickercast.evaluate.stats import newey_west_test

NAN = np.nan


def test_top_k_long_bottom_k_short_at_equal_weights():
    scores = np.array([[0.9, 0.1, 0.5, 0.7, 0.3, 0.2]])
    assert long_short_weights(scores, 2).tolist() == [[0.5, -0.5, 0.0, 0.5, 0.0, -0.5]]


def test_ties_go_to_the_earlier_ticker():
    weights = long_short_weights(np.array([[0.5, 0.5, 0.5, 0.5, 0.1]]), 2)
    assert weights.tolist() == [[0.5, 0.5, 0.0, -0.5, -0.5]]  # long the first two tied, short the last one
    weights = long_short_weights(np.array([[0.2, 0.8, 0.8, 0.2]]), 1)
    assert weights.tolist() == [[0.0, 1.0, 0.0, -1.0]]  # of two equal highs the earlier; of two lows the later


def test_a_day_without_an_opinion_holds_nothing():
    scores = np.array([[0.5, 0.5, 0.5, 0.5, np.nan], [0.5, 0.5, 0.5, 0.6, np.nan]])
    assert long_short_weights(scores, 2).tolist() == [[0.0] * 5, [0.5, -0.5, -0.5, 0.5, 0.0]]


def test_only_scored_tickers_are_ranked_and_too_few_hold_nothing():
    scores = np.array([[NAN, 0.1, 0.9, NAN], [NAN, NAN, 0.9, NAN]])
    assert long_short_weights(scores, 1).tolist() == [[0.0, -1.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0]]


def test_costs_by_hand_entry_keep_and_full_swap():
    """4 stocks, k = 1, c = 5 bps: entering costs 2c, keeping the picks 0, a swap to new names 4c."""
    scores = np.array([
        [0.9, 0.5, 0.4, 0.1],  # enter: long A, short D
        [0.8, 0.6, 0.3, 0.2],  # the same picks
        [0.3, 0.9, 0.1, 0.4],  # long B, short C: every name changes
    ])
    returns = np.array([[0.01, 0.0, 0.0, -0.01], [0.0, 0.0, 0.0, 0.02], [0.0, 0.03, 0.01, 0.0]])
    weights = long_short_weights(scores, 1)
    gross, net, turnover = portfolio_returns(weights, returns, cost_bps=5.0)
    assert turnover.tolist() == [2.0, 0.0, 4.0]
    np.testing.assert_allclose(gross, [0.02, -0.02, 0.02])
    np.testing.assert_allclose(gross - net, [0.0010, 0.0, 0.0020])  # 5 bps x full turnover of 4 = 20 bps/day


def test_a_leg_without_a_return_earns_nothing():
    weights = np.array([[0.5, 0.5, -0.5, -0.5]])
    returns = np.array([[0.02, NAN, 0.01, NAN]])  # one long and one short name did not trade
    gross, _, _ = portfolio_returns(weights, returns, cost_bps=0.0)
    assert gross.tolist() == [pytest.approx(0.5 * 0.02 - 0.5 * 0.01)]


def test_bad_top_and_cost_are_refused():
    with pytest.raises(ConfigError, match="top"):
        long_short_weights(np.zeros((1, 4)), 0)
    with pytest.raises(ConfigError, match="basis points"):
        portfolio_returns(np.zeros((1, 2)), np.zeros((1, 2)), cost_bps=-1.0)


def test_drawdown_sortino_sharpe_on_a_short_series_by_hand():
    r = np.array([0.1, -0.2, 0.05])  # equity 1.1, 0.88, 0.924: the fall from 1.1 to 0.88 is 20%
    result = performance(r, turnover=np.array([2.0, 0.0, 4.0]))
    mean = -0.05 / 3
    assert result["mean"] == pytest.approx(mean)
    assert result["max_drawdown"] == pytest.approx(0.2)
    assert result["sortino"] == pytest.approx(mean / math.sqrt(0.04 / 3) * math.sqrt(252))
    assert result["sharpe"] == pytest.approx(mean / np.std(r, ddof=1) * math.sqrt(252))
    assert result["volatility"] == pytest.approx(np.std(r, ddof=1) * math.sqrt(252))
    assert result["annualised_return"] == pytest.approx(0.924 ** (252 / 3) - 1)
    assert result["hit_rate"] == pytest.approx(2 / 3)
    assert result["turnover"] == 2.0
    test = newey_west_test(r)
    assert (result["t_stat"], result["p_value"]) == (test.t_stat, test.p_value)


def test_a_loss_from_the_start_counts_as_drawdown():
    assert performance(np.array([-0.1, 0.05]))["max_drawdown"] == pytest.approx(0.1)


def test_a_series_without_losses_has_no_sortino_and_one_day_no_t():
    assert performance(np.array([0.01, 0.02]))["sortino"] is None
    one = performance(np.array([0.01]))
    assert one["t_stat"] is None
    assert one["sharpe"] is None
    assert one["mean"] == 0.01
    assert performance(np.array([]))["mean"] is None
