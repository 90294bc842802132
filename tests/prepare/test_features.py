"""The feature catalogue: known at the close, scale-free, TA-Lib called right, and clear errors for bad data."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import talib
from hypothesis import given, settings
from hypothesis import strategies as st

import tickercast as tc
from tickercast.errors import ConfigError, DataError, TickercastWarning
from tickercast.prepare.features import (
    CATALOGUE,
    DEFAULT,
    GROUPS,
    compute_features,
    feature_key,
    feature_names,
)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "features.md"
PRICES = ["open", "high", "low", "close", "adj_close"]
EVERY = tuple(CATALOGUE)


@pytest.fixture(scope="module")
def sp500() -> pd.DataFrame:
    return tc.load("sp500")


def frame_of(columns: dict[str, list[float] | np.ndarray], price_column: str = "close") -> pd.DataFrame:
    """A PriceFrame as validate leaves it, built by hand so that a test can hold any defect."""
    n = len(next(iter(columns.values())))
    frame = pd.DataFrame({name: np.asarray(values, dtype=float) for name, values in columns.items()},
                         index=pd.bdate_range("2020-01-01", periods=n, name="date"))
    frame.attrs.update(origin="hand.csv", price_column=price_column)
    return frame


def changed(frame: pd.DataFrame, **values: float | np.ndarray) -> pd.DataFrame:
    """A copy of frame with some cells replaced, e.g. changed(frame, volume=(row, value))."""
    copy = frame.copy()
    copy.attrs = dict(frame.attrs)
    for column, (row, value) in values.items():
        copy.iloc[row, copy.columns.get_loc(column)] = value
    return copy


def one_line_error(error: pytest.ExceptionInfo) -> str:
    message = str(error.value)
    assert "\n" not in message
    assert len(message) < 300, message
    return message


def random_frame(n: int, seed: int, price_column: str) -> pd.DataFrame:
    """n days of a random walk with plausible open/high/low, an adjustment factor that steps, and volumes with zeros."""
    rng = np.random.default_rng(seed)
    close = 50 * np.exp(np.cumsum(rng.normal(0, 0.02, n)))
    open_ = close * np.exp(rng.normal(0, 0.01, n))
    high = np.maximum(open_, close) * np.exp(rng.uniform(0, 0.02, n))
    low = np.minimum(open_, close) * np.exp(-rng.uniform(0, 0.02, n))
    factor = np.cumprod(np.where(rng.uniform(size=n) < 0.02, 0.98, 1.0))
    volume = rng.integers(0, 3, n) * rng.integers(0, 10**6, n)
    return frame_of({"open": open_, "high": high, "low": low, "close": close, "adj_close": close * factor,
                     "volume": volume}, price_column)


def scrambled_after(frame: pd.DataFrame, day: int, seed: int) -> pd.DataFrame:
    """frame with every column of every row after `day` multiplied by its own random factor."""
    factors = np.random.default_rng(seed).uniform(0.5, 2.0, size=(len(frame) - day - 1, frame.shape[1]))
    copy = frame.copy()
    copy.attrs = dict(frame.attrs)
    copy.iloc[day + 1:] = frame.iloc[day + 1:].to_numpy() * factors
    return copy


# --- known at the close of the day it is dated ---

@pytest.mark.parametrize("name", EVERY)
@pytest.mark.parametrize("day", [230, 4000])
def test_changing_the_data_after_a_day_moves_no_value_up_to_that_day(sp500, name, day):
    compute = CATALOGUE[name].compute
    before, after = compute(sp500), compute(scrambled_after(sp500, day, seed=day))
    pd.testing.assert_frame_equal(after.iloc[:day + 1], before.iloc[:day + 1], check_exact=True)
    assert not np.allclose(after.iloc[day + 1:], before.iloc[day + 1:]), "the change must reach the feature"


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 260), seed=st.integers(0, 2**32 - 1), price_column=st.sampled_from(["close", "adj_close"]),
       data=st.data())
def test_no_feature_of_a_random_frame_sees_a_later_day(n, seed, price_column, data):
    frame = random_frame(n, seed, price_column)
    day = data.draw(st.integers(0, n - 1))
    later = scrambled_after(frame, day, seed + 1)
    for feature in CATALOGUE.values():
        np.testing.assert_array_equal(feature.compute(later).iloc[:day + 1], feature.compute(frame).iloc[:day + 1],
                                      err_msg=feature.name)


# --- warm-up ---

@pytest.mark.parametrize("name", EVERY)
def test_the_warmup_is_exactly_the_leading_rows_without_a_value(sp500, name):
    table = CATALOGUE[name].compute(sp500)
    empty = table.isna().to_numpy()
    warmup = CATALOGUE[name].warmup
    assert empty[:warmup].all()
    assert not empty[warmup:].any()


def test_all_features_give_the_documented_columns_in_catalogue_order(sp500):
    table = compute_features(sp500, ["ma_gap", "volume", "indicators", "ohlc"])
    assert table.columns.tolist() == [
        "ohlc.open", "ohlc.high", "ohlc.low", "ohlc.range", "volume.change", "volume.relative", "rsi",
        "macd.line", "macd.signal", "macd.hist", "bbands", "volatility", "ma_gap.20", "ma_gap.50", "ma_gap.200"]
    assert table.index.equals(sp500.index)
    assert set(table.dtypes) == {np.dtype("float64")}
    assert table.iloc[199:].notna().all().all()
    assert table.iloc[198].isna().sum() == 3  # ma_gap, the longest warm-up, still empty


def test_returns_is_not_among_the_computed_columns(sp500):
    table = compute_features(sp500, DEFAULT)
    assert table.shape == (len(sp500), 0)
    assert table.index.equals(sp500.index)


# --- values ---

def test_returns_are_the_log_price_changes():
    table = CATALOGUE["returns"].compute(frame_of({"close": [100, 110, 99]}))
    np.testing.assert_allclose(table["returns"], [np.nan, np.log(1.1), np.log(0.9)], rtol=1e-13)


def test_ohlc_puts_open_high_low_on_the_adjusted_price_scale():
    # day 1 trades at twice the adjusted price (a dividend-adjusted history): factor 0.5
    frame = frame_of({"open": [99, 100], "high": [101, 104], "low": [98, 98], "close": [100, 102],
                      "adj_close": [50, 51]}, price_column="adj_close")
    table = CATALOGUE["ohlc"].compute(frame)
    assert table.iloc[0].isna().all()
    np.testing.assert_allclose(table.iloc[1], [np.log(50 / 50), np.log(52 / 50), np.log(49 / 50), np.log(104 / 98)],
                               rtol=1e-15, atol=1e-15)


def test_a_split_does_not_look_like_a_jump_in_ohlc():
    frame = frame_of({"open": [200, 101], "high": [202, 103], "low": [198, 99], "close": [200, 102],
                      "adj_close": [100, 102]}, price_column="adj_close")  # 2:1 split before day 1
    np.testing.assert_allclose(CATALOGUE["ohlc"].compute(frame).iloc[1],
                               [np.log(101 / 100), np.log(103 / 100), np.log(99 / 100), np.log(103 / 99)], rtol=1e-14)


def test_ohlc_of_a_close_only_price_relates_the_day_to_the_previous_close():
    frame = frame_of({"open": [10, 11], "high": [10, 12], "low": [10, 10.5], "close": [10, 11.5]})
    np.testing.assert_allclose(CATALOGUE["ohlc"].compute(frame).iloc[1],
                               np.log([1.1, 1.2, 1.05, 12 / 10.5]), rtol=1e-14)


def test_volume_change_and_relative_volume_by_hand():
    volume = np.arange(21.0)  # 0, 1, ..., 20: a zero on day 0 must stay finite
    table = CATALOGUE["volume"].compute(frame_of({"close": np.full(21, 10.0), "volume": volume}))
    assert table.iloc[:19].isna().all().all()
    np.testing.assert_allclose(table["volume.change"].iloc[19:], [np.log(20 / 19), np.log(21 / 20)], rtol=1e-14)
    # the mean of days 0..19 is 9.5 and of days 1..20 is 10.5; +1 on both sides
    np.testing.assert_allclose(table["volume.relative"].iloc[19:], [np.log(20 / 10.5), np.log(21 / 11.5)],
                               rtol=1e-14)


def test_indicators_are_talib_output_transformed_as_documented(sp500):
    price = sp500["adj_close"].to_numpy()
    table = compute_features(sp500, ["indicators"])
    np.testing.assert_allclose(table["rsi"], (talib.RSI(price, 14) - 50) / 50, rtol=1e-14)
    for column, values in zip(["macd.line", "macd.signal", "macd.hist"], talib.MACD(price, 12, 26, 9), strict=True):
        np.testing.assert_allclose(table[column], values / price, rtol=1e-14)
    upper, _, lower = talib.BBANDS(price, 20, 2.0, 2.0, 0)
    np.testing.assert_allclose(table["bbands"], (price - lower) / (upper - lower), rtol=1e-14)
    for n in (20, 50, 200):
        # every column of ma_gap starts with the longest mean's (day 199)
        np.testing.assert_allclose(table[f"ma_gap.{n}"][199:], np.log(price / talib.SMA(price, n))[199:], rtol=1e-14)
    assert table["rsi"].between(-1, 1).iloc[14:].all()


def test_rolling_features_equal_their_formulas_computed_independently(sp500):
    price = sp500["adj_close"]
    table = compute_features(sp500, ["bbands", "volatility", "ma_gap"])
    mean, sd = price.rolling(20).mean(), price.rolling(20).std(ddof=0)
    np.testing.assert_allclose(table["bbands"], (price - (mean - 2 * sd)) / (4 * sd), rtol=1e-6, atol=1e-9)
    returns = np.log(price).diff()
    np.testing.assert_allclose(table["volatility"], returns.rolling(20).std(ddof=0), rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(table["ma_gap.200"], np.log(price / price.rolling(200).mean()), rtol=1e-9,
                               atol=1e-12)


def test_twenty_equal_prices_put_percent_b_in_the_middle():
    price = np.r_[np.full(22, 10.0), 10.5, 10.2]
    table = compute_features(frame_of({"close": price}), ["bbands"])
    np.testing.assert_array_equal(table["bbands"].iloc[19:22], 0.5)
    assert np.isfinite(table["bbands"].iloc[19:]).all()


def test_every_feature_is_scale_free(sp500):
    scaled = sp500.copy()
    scaled.attrs = dict(sp500.attrs)
    scaled[PRICES] *= 7.0
    names = feature_names(list(CATALOGUE))
    pd.testing.assert_frame_equal(compute_features(scaled, names), compute_features(sp500, names), rtol=0, atol=1e-9)


def test_the_messy_ibm_file_gives_every_feature(ibm_csv):
    with pytest.warns(TickercastWarning, match="skipped a trailing row"):
        ibm = tc.read_csv(ibm_csv)
    table = compute_features(ibm, list(CATALOGUE))
    assert table.iloc[199:].notna().all().all()


# --- errors ---

@pytest.mark.parametrize(("columns", "feature", "article", "missing"), [
    ({"close": [1.0] * 30}, "volume", "a", "volume"),
    ({"close": [1.0] * 30, "volume": [np.nan] * 30}, "volume", "a", "volume"),
    ({"close": [1.0] * 30, "high": [1.0] * 30, "low": [1.0] * 30}, "ohlc", "an", "open"),
    ({"close": [1.0] * 30, "open": [1.0] * 30, "low": [1.0] * 30}, "ohlc", "a", "high"),
])
def test_a_feature_without_its_column_names_the_feature_the_column_and_the_fix(columns, feature, article, missing):
    with pytest.raises(DataError) as error:
        compute_features(frame_of(columns), ["returns", feature])
    message = one_line_error(error)
    assert f"the {feature} feature needs {article} {missing} column" in message
    assert "hand.csv" in message
    assert f"drop {feature} from --features" in message


def test_a_volume_of_zero_on_every_day_is_no_volume():
    with pytest.raises(DataError, match=r"every volume in hand\.csv is 0") as error:
        compute_features(frame_of({"close": [1.0] * 30, "volume": [0.0] * 30}), ["volume"])
    one_line_error(error)


def test_features_not_asked_for_need_no_columns():
    table = compute_features(frame_of({"close": np.linspace(10, 20, 30)}), ["rsi"])
    assert table.columns.tolist() == ["rsi"]


def test_a_gap_in_volume_names_the_day_and_the_fill(sp500):
    with pytest.raises(DataError) as error:
        compute_features(changed(sp500, volume=(3000, np.nan)), ["volume"])
    message = one_line_error(error)
    day = f"{sp500.index[3000]:%Y-%m-%d}"
    assert message.startswith(f"the volume feature has no value on {day}: volume is missing that day")
    assert "--fill ffill" in message


def test_a_zero_close_under_an_adjusted_price_names_the_close(sp500):
    with pytest.raises(DataError) as error:
        compute_features(changed(sp500, close=(2500, 0.0)), ["ohlc"])
    message = one_line_error(error)
    assert message.startswith(f"the ohlc feature has no value on {sp500.index[2500]:%Y-%m-%d}: close is not a "
                              "positive number that day; fix the file")
    assert "drop ohlc from --features" in message


def test_a_volume_that_starts_late_is_refused_at_the_first_day_it_is_needed(sp500):
    late = changed(sp500, volume=(slice(0, 100), np.nan))
    with pytest.raises(DataError) as error:
        compute_features(late, ["volume"])
    assert one_line_error(error).startswith(
        f"the volume feature has no value on {sp500.index[19]:%Y-%m-%d}: volume is missing on "
        f"{sp500.index[0]:%Y-%m-%d}")


def test_a_gap_inside_the_warmup_that_ends_there_is_harmless(sp500):
    table = compute_features(changed(sp500, open=(0, np.nan)), ["ohlc"])
    assert table.iloc[1:].notna().all().all()


# --- names ---

def test_an_unknown_name_lists_the_catalogue_and_the_groups():
    with pytest.raises(ConfigError) as error:
        feature_names("returns,rsx")
    message = one_line_error(error)
    assert "unknown feature 'rsx'" in message
    assert all(name in message for name in [*CATALOGUE, *GROUPS])


def test_a_very_long_unknown_name_keeps_the_message_short():
    with pytest.raises(ConfigError) as error:
        feature_names(["x" * 5000])
    one_line_error(error)


@pytest.mark.parametrize("spec", [5, [1, 2], {"returns"}, ["returns", None]])
def test_a_specification_that_is_not_names_is_refused(spec):
    with pytest.raises(ConfigError, match="features must be names") as error:
        feature_names(spec)
    one_line_error(error)


@pytest.mark.parametrize(("spec", "names"), [
    (None, ("returns",)),
    ("", ("returns",)),
    (" , ,", ("returns",)),
    ([], ("returns",)),
    ("volume", ("returns", "volume")),
    ("rsi, Volume ,returns", ("returns", "volume", "rsi")),
    (["ma_gap", "ohlc", "ohlc"], ("returns", "ohlc", "ma_gap")),
    ("rsi,indicators,rsi", ("returns", "rsi", "macd", "bbands", "volatility", "ma_gap")),
    ("indicators,volume,ohlc", EVERY),
])
def test_names_are_expanded_deduplicated_ordered_and_start_with_returns(spec, names):
    assert feature_names(spec) == names


def test_the_key_is_the_same_for_every_spelling_of_the_same_inputs():
    assert feature_key("volume") == feature_key(["volume", "returns"]) == feature_key(" returns,VOLUME,") == \
        "returns,volume"
    assert feature_key(None) == "returns"
    assert feature_key("rsi") != feature_key("macd")


def test_the_group_names_only_catalogue_features():
    assert all(name in CATALOGUE for members in GROUPS.values() for name in members)
    assert not set(GROUPS) & set(CATALOGUE)
    assert DEFAULT == ("returns",)
    assert CATALOGUE["returns"].needs == ()
    assert CATALOGUE["returns"].warmup == 1


def test_the_documented_catalogue_matches_the_code():
    rows = re.findall(r"^\| `(\w+)` \| (.+?) \| .+? \| (\d+) \|", DOCS.read_text(encoding="utf-8"), re.MULTILINE)
    assert {name: int(warmup) for name, _, warmup in rows} == {f.name: f.warmup for f in CATALOGUE.values()}


def test_an_unrecorded_volume_takes_the_last_recorded_one_instead_of_a_jump_to_zero():
    nasdaq = tc.load("nasdaq")
    table = compute_features(nasdaq, ["volume"])
    day = nasdaq.index.get_loc(pd.Timestamp("2018-01-09"))  # volume 0 in the file; the flag names it
    assert nasdaq["volume"].iloc[day] == 0
    assert table["volume.change"].iloc[day] == 0.0  # carried over: no change that day
    assert table.abs().max().max() < 5  # a zero read as a volume would be a change of about -21 (log of 1e9)
