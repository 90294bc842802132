"""The luck check's data: returns shuffled within the training and validation parts, the test part untouched."""

import warnings

import numpy as np
import pandas as pd
import pytest

import tickercast as tc
import tickercast.sweep.luck
from tests.conftest import price_frame
from tickercast.config import ModelConfig
from tickercast.errors import ConfigError
from tickercast.sweep.driver import run_sweep
from tickercast.sweep.engines import LocalEngine
from tickercast.sweep.honesty import honesty
from tickercast.sweep.luck import shuffle_returns, shuffled_datasets, shuffled_stretches
from tickercast.sweep.plan import SplitOptions, SweepSpec, parse_grid

SPLIT = SplitOptions()


@pytest.fixture(scope="module")
def samples():
    """The bundled S&P 500 (its price column adj_close, beside close) and Microsoft (close only)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the samples' quality notes
        return {name: tc.load(name) for name in ("sp500", "msft")}


def returns(frame):
    prices = frame[frame.attrs["price_column"]].to_numpy()
    return np.concatenate([[np.nan], prices[1:] / prices[:-1] - 1])  # [days]: day d's return (none on day 0)


def lag1_autocorrelation(values):
    centred = values - values.mean()
    return float(centred[1:] @ centred[:-1] / (centred @ centred))


@pytest.mark.parametrize("name", ["sp500", "msft"])
def test_the_test_part_and_the_last_validation_price_are_exactly_unchanged(samples, name):
    frame = samples[name]
    shuffled = shuffle_returns(frame, SPLIT, seed=1)
    val_end = tc.Forecaster("naive").fit(frame).split_["test"]["start"]
    test_start = int(frame.index.searchsorted(pd.Timestamp(val_end)))
    pd.testing.assert_frame_equal(shuffled.iloc[test_start:], frame.iloc[test_start:], check_exact=True)
    column = frame.attrs["price_column"]
    assert shuffled[column].iloc[test_start - 1] == frame[column].iloc[test_start - 1]
    assert shuffled[column].iloc[0] == frame[column].iloc[0]


@pytest.mark.parametrize("name", ["sp500", "msft"])
def test_each_part_keeps_its_own_returns_and_volumes_in_another_order(samples, name):
    frame = samples[name]
    shuffled = shuffle_returns(frame, SPLIT, seed=2)
    before, after = returns(frame), returns(shuffled)
    stretches = shuffled_stretches(frame, SPLIT)
    assert len(stretches) == 2  # training, validation
    for start, stop in stretches:
        np.testing.assert_allclose(np.sort(after[start:stop]), np.sort(before[start:stop]), rtol=0, atol=1e-13)
        np.testing.assert_array_equal(np.sort(shuffled["volume"].iloc[start:stop]),
                                      np.sort(frame["volume"].iloc[start:stop]))
        in_place = np.mean(np.isclose(after[start:stop], before[start:stop], rtol=0, atol=1e-15))
        assert in_place < 0.05  # nearly every day has another day's return


def test_the_stretches_are_the_parts_forecaster_fit_cuts_whatever_the_split_options(samples):
    frame = samples["sp500"].copy()
    frame.attrs["first_date"] = frame.index[40]  # as a sweep over features marks it
    options = [SplitOptions(), SplitOptions(test_size=0.3, val_size=250),
               SplitOptions(test_start="2016-01-04", val_start="2013-06-03")]
    for split in options:
        fitted = tc.Forecaster("naive").fit(frame, **split.to_dict(), first_date=frame.attrs["first_date"]).split_
        stretches = shuffled_stretches(frame, split)
        assert stretches[0] == (1, 40)  # the days before first_date, among themselves
        assert [(f"{frame.index[start]:%Y-%m-%d}", f"{frame.index[stop - 1]:%Y-%m-%d}")
                for start, stop in stretches[1:]] == [(fitted[part]["start"], fitted[part]["end"])
                                                     for part in ("train", "val")]


def test_the_same_seed_gives_the_same_order_and_another_seed_another(samples):
    frame = samples["sp500"]
    first, again, other = (shuffle_returns(frame, SPLIT, seed) for seed in (7, 7, 8))
    pd.testing.assert_frame_equal(first, again, check_exact=True)
    assert not np.array_equal(first["adj_close"].to_numpy(), other["adj_close"].to_numpy())


@pytest.mark.parametrize("name", ["sp500", "msft"])
def test_every_day_is_still_a_bar(samples, name):
    frame = samples[name]
    shuffled = shuffle_returns(frame, SPLIT, seed=3)
    bodies = shuffled[["open", "close"]]
    assert (shuffled["low"] <= bodies.min(axis=1)).all()
    assert (shuffled["high"] >= bodies.max(axis=1)).all()
    assert (shuffled > 0).drop(columns="volume").all().all()
    column = frame.attrs["price_column"]
    for start, stop in shuffled_stretches(frame, SPLIT):  # each bar at its new price level
        for name in ("open", "high", "low", "close"):
            np.testing.assert_allclose(np.sort((shuffled[name] / shuffled[column]).iloc[start:stop]),
                                       np.sort((frame[name] / frame[column]).iloc[start:stop]), rtol=1e-12)
    tc.validate(shuffled, origin="shuffled")  # the one gate every dataset passes


def test_the_copy_is_marked_and_the_original_left_alone(samples):
    frame = samples["sp500"]
    kept = frame.copy(deep=True)
    shuffled = shuffle_returns(frame, SPLIT, seed=4)
    pd.testing.assert_frame_equal(frame, kept, check_exact=True)
    assert shuffled.attrs == {**frame.attrs, "shuffled": True}
    assert "shuffled" not in frame.attrs


def test_an_ar1_series_loses_its_autocorrelation_in_training_but_keeps_it_in_the_test_part():
    frame = price_frame(3000, phi=0.5, seed=11)
    shuffled = shuffle_returns(frame, SPLIT, seed=5)
    (train_start, train_stop), _ = shuffled_stretches(frame, SPLIT)
    before = lag1_autocorrelation(np.log1p(returns(frame)[train_start:train_stop]))
    after = lag1_autocorrelation(np.log1p(returns(shuffled)[train_start:train_stop]))
    assert before > 0.45
    assert abs(after) < 3 / np.sqrt(train_stop - train_start)  # three standard errors of no correlation at all
    test = np.log1p(returns(shuffled)[shuffled_stretches(frame, SPLIT)[-1][1] + 1:])
    assert lag1_autocorrelation(test) > 0.4


def test_a_sweep_finds_an_ar1_series_predictable_and_its_shuffled_twin_not(tmp_path):
    frame = price_frame(1500, phi=0.5, seed=12)
    spec = SweepSpec(models=("ar",), grid=parse_grid(["lookback=1,2,5"], ModelConfig()))
    real = run_sweep(spec, {"ar1": frame}, tmp_path / "real", LocalEngine(1))
    luck = run_sweep(spec, shuffled_datasets({"ar1": frame}, spec.split, seed=0), tmp_path / "luck", LocalEngine(1))
    (real_row,), (luck_row,) = honesty(real.selections, real.records), honesty(luck.selections, luck.records)
    assert real_row["val_ratio"] < 0.9  # sqrt(1 - 0.5²) ≈ 0.87 of naive's error
    assert luck_row["val_ratio"] > 0.97  # nothing left to learn: about naive's error
    assert luck_row["test_ratio"] > real_row["test_ratio"] + 0.05  # it learned nothing that helps on the real test days
    assert luck_row["candidates"] == real_row["candidates"] == 3


def test_each_dataset_gets_its_own_order_whatever_the_others():
    frame = price_frame(400, seed=13)
    both = shuffled_datasets({"a": frame, "b": frame}, SPLIT, seed=0)
    alone = shuffled_datasets({"b": frame}, SPLIT, seed=0)
    assert not np.array_equal(both["a"]["close"].to_numpy(), both["b"]["close"].to_numpy())
    pd.testing.assert_frame_equal(both["b"], alone["b"], check_exact=True)


def test_a_dataset_that_could_not_be_read_or_cut_stays_or_becomes_its_error():
    frame = price_frame(400, seed=14)  # 2015-01-02 .. 2016-07-15
    unreadable = "broken.csv, line 3: cannot read close 'x'"
    split = SplitOptions(test_start="2016-03-01")
    shuffled = shuffled_datasets({"ok": frame, "broken.csv": unreadable, "early": frame.loc[:"2015-12-31"]}, split,
                                 seed=0)
    assert shuffled["broken.csv"] == unreadable
    assert shuffled["early"] == "date 2016-03-01 is outside the data (2015-01-02 .. 2015-12-31)"
    assert shuffled["ok"].attrs["shuffled"] is True


@pytest.mark.parametrize("seed", [-1, 2**32, 1.5, True, "0"])
def test_a_seed_numpy_cannot_take_is_one_line(seed):
    frame = price_frame(200, seed=15)
    for shuffle in (lambda: shuffle_returns(frame, SPLIT, seed), lambda: shuffled_datasets({"a": frame}, SPLIT, seed)):
        with pytest.raises(ConfigError, match=r"^the luck check's seed must be a whole number from 0 to 2\*\*32 - 1"):
            shuffle()
