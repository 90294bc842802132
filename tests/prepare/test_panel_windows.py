"""A panel's returns prepared for one network across all stocks: periods, standardisation, labels, windows."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from tickercast.errors import ConfigError, DataError
from tickercast.prepare.panel import (
    PanelWindows,
    eligible_windows,
    median_labels,
    period_samples,
    simple_returns,
    training_moments,
    validation_start,
)
from tickercast.rank import RankSettings, study_periods

NAN = np.nan


# ---------------------------------------------------------------------------------------------------------------
# Study periods


def test_djia30_returns_give_nine_full_periods_and_a_short_tail():
    periods = study_periods(3019, RankSettings(), lookback=240)  # 3,020 union-calendar days of djia30
    full = [p for p in periods if p.trade_end - p.trade_start == 250]
    assert len(full) == 9 == (3019 - 1000) // 250 + 1
    assert len(periods) == 10
    assert periods[-1].trade_end - periods[-1].trade_start == 19
    assert [p.train_start for p in periods] == [250 * i for i in range(10)]
    assert all(p.train_end == p.trade_start == p.train_start + 750 for p in periods)
    traded = np.concatenate([np.arange(p.trade_start, p.trade_end) for p in periods])
    np.testing.assert_array_equal(traded, np.arange(750, 3019))  # every day after the first training, once


def test_exactly_one_period_leaves_no_tail():
    periods = study_periods(1000, RankSettings(), lookback=240)
    assert [(p.trade_start, p.trade_end) for p in periods] == [(750, 1000)]


def test_a_step_shorter_than_trading_hands_each_day_to_the_newest_model():
    periods = study_periods(1100, RankSettings(step=100), lookback=240)
    assert [(p.trade_start, p.trade_end) for p in periods] == [(750, 850), (850, 950), (950, 1050), (1050, 1100)]


def test_data_shorter_than_one_study_period_is_one_line():
    with pytest.raises(DataError, match=r"999 days of returns; one study period needs 1,000"):
        study_periods(999, RankSettings(), lookback=240)


def test_a_lookback_longer_than_the_training_days_is_refused():
    with pytest.raises(ConfigError, match="lookback"):
        study_periods(2000, RankSettings(), lookback=749)


@pytest.mark.parametrize(("settings", "match"), [
    ({"step": 300}, "step"), ({"train_days": 0}, "train_days"), ({"val_fraction": 1.0}, "val_fraction"),
    ({"cost_bps": -1.0}, "cost_bps"), ({"cost_bps": float("nan")}, "cost_bps"), ({"top": 0}, "top"),
    ({"max_missing": -1}, "max_missing"), ({"trade_days": True}, "trade_days"),
])
def test_bad_study_settings_are_refused(settings, match):
    with pytest.raises(ConfigError, match=match):
        RankSettings(**settings)


def test_settings_round_trip_and_unknown_keys_are_named():
    chosen = RankSettings(train_days=300, trade_days=100, step=100, top=3, cost_bps=1.5)
    assert RankSettings.from_dict(chosen.to_dict()) == chosen
    with pytest.raises(ConfigError, match="trian_days"):
        RankSettings.from_dict({"trian_days": 300})


# ---------------------------------------------------------------------------------------------------------------
# Returns, standardisation, labels


def test_a_return_needs_both_closes():
    close = np.array([[10.0, 20.0], [11.0, NAN], [11.0, 22.0], [12.1, 24.2]])
    r = simple_returns(close)
    np.testing.assert_allclose(r, [[0.1, NAN], [0.0, NAN], [0.1, 0.1]])  # the gap is not bridged


def test_a_close_of_zero_is_refused():
    with pytest.raises(DataError, match="close of zero"):
        simple_returns(np.array([[10.0], [0.0]]))


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**16), end=st.integers(5, 30), scale=st.floats(-100, 100))
def test_training_moments_ignore_every_later_day(seed, end, scale):
    rng = np.random.default_rng(seed)
    returns = rng.normal(0, 0.02, (40, 6))
    returns[rng.random(returns.shape) < 0.1] = NAN
    changed = returns.copy()
    changed[end:] = rng.normal(scale, 1.0, changed[end:].shape)
    assert training_moments(returns, 0, end) == training_moments(changed, 0, end)


def test_training_moments_pool_every_stock():
    returns = np.array([[1.0, 3.0], [NAN, 5.0], [9.0, 9.0]])
    mu, sd = training_moments(returns, 0, 2)
    assert mu == 3.0
    assert sd == pytest.approx(np.std([1.0, 3.0, 5.0]))


def test_training_days_without_variation_are_a_data_error():
    with pytest.raises(DataError, match="same"):
        training_moments(np.zeros((5, 3)), 0, 5)


def test_labels_are_strictly_above_the_median_of_the_tickers_that_traded():
    returns = np.array([
        [0.01, 0.02, 0.03, NAN],   # median of 3 is 0.02: the middle one is not above it
        [0.01, 0.02, NAN, NAN],    # median 0.015 (a missing ticker is not a zero return)
        [1.0, 2.0, 3.0, 4.0],      # even count: median 2.5
        [0.0, 0.0, 0.0, 0.0],      # a flat day: nobody beats the median
        [NAN, NAN, NAN, NAN],      # nobody traded
    ])
    expected = [[0, 0, 1, NAN], [0, 1, NAN, NAN], [0, 0, 1, 1], [0, 0, 0, 0], [NAN] * 4]
    np.testing.assert_array_equal(median_labels(returns), np.array(expected, dtype=float))


# ---------------------------------------------------------------------------------------------------------------
# Eligibility and windows


def test_a_gap_makes_the_windows_around_it_ineligible_up_to_max_missing():
    returns = np.ones((12, 2))
    returns[5, 0] = NAN
    strict = eligible_windows(returns, lookback=4, max_missing=0)
    assert strict[:, 0].tolist() == [False] * 3 + [True, True] + [False] * 4 + [True] * 3
    assert strict[3:, 1].all()
    assert not strict[:3].any()
    lenient = eligible_windows(returns, lookback=4, max_missing=1)
    assert lenient[:, 0].tolist() == [False] * 3 + [True, True, False] + [True] * 6  # never without today's


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**16), lookback=st.integers(1, 8), batch=st.integers(0, 30))
def test_gathered_windows_equal_naive_slices(seed, lookback, batch):
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(20, 5)).astype(np.float32)
    days = rng.integers(lookback - 1, 20, size=batch)
    tickers = rng.integers(0, 5, size=batch)
    windows = PanelWindows(z, days, tickers, lookback)
    naive = np.array([z[t - lookback + 1:t + 1, s] for t, s in zip(days, tickers, strict=True)],
                     dtype=np.float32).reshape(batch, lookback)
    assert len(windows) == batch
    np.testing.assert_array_equal(windows.matrix(), naive)
    np.testing.assert_array_equal(windows[2:7].numpy(), naive[2:7])
    order = torch.from_numpy(rng.permutation(batch))
    np.testing.assert_array_equal(windows[order].numpy(), naive[order.numpy()])


def test_validation_is_the_last_part_of_the_training_days_by_date():
    assert validation_start(240, 750, 0.2) == 648  # 510 target days, the last 102
    assert validation_start(10, 13, 0.01) == 12  # at least one day validates
    assert validation_start(10, 12, 0.99) == 11  # and at least one trains
    with pytest.raises(DataError, match="training target day"):
        validation_start(10, 11, 0.2)


def test_period_samples_label_training_windows_inside_the_training_days_only():
    rng = np.random.default_rng(3)
    returns = rng.normal(0, 0.01, (60, 4))
    returns[45, 1] = NAN  # a trading day without a return for ticker 1
    returns[20, 2] = NAN  # a training day without a return for ticker 2
    samples = period_samples(returns, train_days=40, lookback=5, max_missing=0, val_fraction=0.25)
    train_days, validation_days = samples.train[0] + 1, samples.validation[0] + 1  # label days
    assert train_days.min() == 5
    assert validation_days.max() == 39
    assert train_days.max() < validation_days.min() == validation_start(5, 40, 0.25)
    assert (20, 2) not in set(zip(train_days, samples.train[1], strict=True))  # no label without a return
    trade_ends, trade_tickers = samples.trade
    assert trade_ends.min() == 39
    assert trade_ends.max() == 58
    held = set(zip(trade_ends + 1, trade_tickers, strict=True))
    assert (45, 1) in held  # eligible at 44: tomorrow's missing return is not known when the book is formed
    assert (46, 1) not in held  # no return on the day the book is formed
    mu, sd = training_moments(returns, 0, 40)
    np.testing.assert_allclose(samples.z[10], ((returns[10] - mu) / sd).astype(np.float32))
    assert samples.z[20, 2] == 0.0  # a missing return enters as the training mean
    np.testing.assert_array_equal(samples.targets(samples.train), median_labels(returns)[train_days,
                                                                                         samples.train[1]])
