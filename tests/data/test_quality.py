"""Data-quality flags: found on the real defects of the DJIA 30 files, absent where the data is clean."""

import warnings

import numpy as np
import pandas as pd
import pytest

import tickercast as tc
from tests.conftest import SHARED_DATA, price_frame
from tickercast.data.quality import bad_prints, impossible_bars, missing_days, quality_flags, unadjusted_splits
from tickercast.errors import DataQualityWarning

DJIA = SHARED_DATA / "djia30"


def djia(ticker):
    path = DJIA / f"{ticker}_2006-01-01_to_2018-01-01.csv"
    if not path.exists():
        pytest.skip(f"{path} not found (tests expect ../shared/data beside the checkout)")
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        prices = tc.read_csv(path)
    return prices, [str(w.message) for w in seen if issubclass(w.category, DataQualityWarning)]


def flagged(prices, kind):
    return next((flag["dates"] for flag in prices.attrs["quality"] if flag["kind"] == kind), [])


def test_a_bad_open_print_in_boeing_is_an_impossible_bar():
    prices, _ = djia("BA")
    assert "2007-02-08" in flagged(prices, "bar")  # open 200.00 against a high of 90.36
    assert prices.loc["2007-02-08", "open"] == 200.0


def test_a_zero_low_in_home_depot_is_an_impossible_bar():
    prices, _ = djia("HD")
    assert "2009-04-17" in flagged(prices, "bar")
    assert prices.loc["2009-04-17", "low"] == 0.0


@pytest.mark.parametrize(("ticker", "missing"), [
    ("MSFT", ["2010-04-01"]), ("AAPL", ["2010-04-01"]), ("GOOGL", ["2010-04-01"]), ("MRK", ["2009-08-11"])])
def test_missing_trading_days_are_gaps_on_the_nyse_calendar(ticker, missing):
    prices, messages = djia(ticker)
    assert flagged(prices, "gap") == missing
    assert any(f"1 trading day of XNYS missing, in 1 run on {missing[0]}" in message for message in messages)


def test_each_kind_is_one_warning_line_with_a_count_and_the_first_dates():
    prices, messages = djia("CAT")
    assert len(messages) == len(prices.attrs["quality"]) == 1
    (message,) = messages
    assert message.startswith(f"{DJIA / 'CAT_2006-01-01_to_2018-01-01.csv'}: 10 impossible bars")
    assert "on 2006-03-22, 2007-02-14, 2007-02-23, ...;" in message
    assert "\n" not in message
    assert prices.attrs["quality"][0]["count"] == 10


def test_flags_change_nothing_in_the_data():
    prices, _ = djia("BA")
    raw = pd.read_csv(DJIA / "BA_2006-01-01_to_2018-01-01.csv", index_col="Date")
    raw = raw[raw.index.str.match(r"\d{4}-")]  # its last line is junk
    assert prices.index.strftime("%Y-%m-%d").tolist() == raw.index.tolist()
    assert prices["close"].to_numpy() == pytest.approx(raw["Close"].to_numpy())


def test_the_bundled_sp500_sample_is_clean():
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataQualityWarning)
        assert tc.load("sp500").attrs["quality"] == []


def test_the_bundled_nasdaq_sample_shows_its_two_days_without_a_recorded_volume():
    prices = tc.load("nasdaq")
    assert prices.attrs["quality"] == [
        {"kind": "volume", "count": 2, "dates": ["2015-05-12", "2018-01-09"],
         "detail": "2 days of volume 0 in a series that trades every day (unrecorded volume)"}]
    assert (prices.loc[["2015-05-12", "2018-01-09"], "volume"] == 0).all()


def test_the_bundled_msft_sample_shows_its_two_missing_days_and_its_unrecorded_volume():
    prices = tc.load("msft")
    assert prices.attrs["quality"] == [
        {"kind": "volume", "count": 1, "dates": ["2010-04-26"],
         "detail": "1 day of volume 0 in a series that trades every day (unrecorded volume)"},
        {"kind": "gap", "count": 2, "dates": ["1998-10-29", "1999-11-16"],
         "detail": "2 trading days of XNYS missing, in 2 runs"}]


def test_a_zero_volume_is_unrecorded_only_in_a_series_that_traded_every_day_before():
    from tickercast.data.quality import unrecorded_volume

    liquid = pd.Series([1e6] * 30 + [0.0] + [1e6] * 5)
    assert unrecorded_volume(liquid).nonzero()[0].tolist() == [30]
    thin = pd.Series(([1e3] * 9 + [0.0]) * 5)  # a day without trades in ten is how a thin stock trades
    assert not unrecorded_volume(thin).any()
    early = pd.Series([0.0] + [1e6] * 40)  # nothing before it to judge by
    assert not unrecorded_volume(early).any()
    later = liquid.copy()
    later[32:] = 0.0  # what happens after a day never changes how it is read
    assert unrecorded_volume(later)[:31].tolist() == unrecorded_volume(liquid)[:31].tolist()


def test_an_unadjusted_seven_for_one_split_is_found_and_a_crash_that_recovers_is_not():
    days = pd.bdate_range("2014-06-02", periods=8)
    close = pd.Series([628.65, 637.54, 644.82, 647.35, 645.57, 93.70, 94.25, 96.32], index=days)  # AAPL, 2014
    assert list(unadjusted_splits(close).strftime("%Y-%m-%d")) == ["2014-06-09"]
    print_ = pd.Series([100.0, 101, 50.5, 101.5, 102, 101, 100, 99], index=days)  # -50% and back: a bad print
    assert list(unadjusted_splits(print_)) == []
    assert list(bad_prints(print_).strftime("%Y-%m-%d")) == ["2014-06-04"]


def test_an_unadjusted_split_is_a_warning_that_suggests_adjusted_prices():
    frame = price_frame(60)
    frame.loc[frame.index[30]:, "close"] /= 4
    with pytest.warns(DataQualityWarning, match=r"1 one-day move like an unadjusted split \(the first -7\d\.\d%\) "
                                                r"on .*; use adjusted prices"):
        checked = tc.validate(frame, origin="av IBM")
    assert flagged(checked, "split") == [f"{frame.index[30]:%Y-%m-%d}"]


def test_impossible_bars_cover_each_rule():
    days = pd.bdate_range("2024-01-01", periods=5)
    bars = pd.DataFrame({"open": [10, 12, 10, 10, 10], "high": [11, 11, 11, 9, 11], "low": [9, 9, 9, 9.5, 0],
                         "close": [10.5, 10, 8, 9.2, 10]}, index=days, dtype=float)
    assert list(impossible_bars(bars).strftime("%d")) == ["02", "03", "04", "05"]
    assert len(impossible_bars(bars[["close"]])) == 0  # no high and low: nothing to check


def test_gaps_count_only_inside_the_history():
    expected = pd.bdate_range("2024-01-01", periods=10)
    dates = expected[[1, 2, 5, 6, 8]]
    assert list(missing_days(dates, expected).strftime("%d")) == ["04", "05", "10"]
    flags = quality_flags(pd.DataFrame({"close": np.ones(5)}, index=dates), "close", expected, "XNYS")
    assert [(flag.kind, flag.detail) for flag in flags] == [("gap", "3 trading days of XNYS missing, in 2 runs")]


def test_gaps_use_the_calendar_of_the_exchange_the_suffix_or_the_caller_names():
    nse = pd.bdate_range("2018-09-17", "2018-09-28")  # 2018-09-20 (Muharram) is an NSE holiday
    frame = pd.DataFrame({"close": np.linspace(230, 235, len(nse))}, index=nse.rename("date"))
    frame = frame.drop(pd.Timestamp("2018-09-20"))
    assert tc.validate(frame, origin="TATAGLOBAL.NS", ticker="TATAGLOBAL.NS").attrs["quality"] == []
    assert tc.validate(frame, origin="TATAGLOBAL", exchange="XNSE").attrs["quality"] == []
    with pytest.warns(DataQualityWarning, match="1 trading day of XNYS missing"):
        tc.validate(frame, origin="TATAGLOBAL", ticker="TATAGLOBAL")
