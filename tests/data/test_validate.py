import warnings

import pandas as pd
import pytest

from tickercast import TickercastWarning
from tickercast.data.validate import validate
from tickercast.errors import DataError


def raw(rows, columns=("Date", "Close")):
    """A raw table as a CSV reader gives it: text cells, index = file line numbers (header on line 1)."""
    return pd.DataFrame(rows, columns=list(columns), index=range(2, len(rows) + 2), dtype=object)


GOOD = [["2024-01-02", "10"], ["2024-01-03", "11"], ["2024-01-04", "12"]]


def test_clean_table_becomes_a_price_frame():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        frame = validate(raw(GOOD), origin="f.csv")
    assert frame.index.name == "date"
    assert isinstance(frame.index, pd.DatetimeIndex)
    assert frame.index.tz is None
    assert frame["close"].tolist() == [10.0, 11.0, 12.0]
    assert frame.attrs == {"origin": "f.csv", "ticker": "f", "source": "file", "price_column": "close",
                           "quality": []}


def test_trailing_junk_row_is_skipped_with_a_warning_naming_it():
    with pytest.warns(TickercastWarning, match=r"line 5: skipped a trailing row with no prices \('-1,'\)"):
        frame = validate(raw([*GOOD, ["-1", ""]]), origin="f.csv")
    assert len(frame) == 3


def test_junk_in_the_middle_is_an_error():
    with pytest.raises(DataError, match="line 3: cannot read date '-1'"):
        validate(raw([GOOD[0], ["-1", "5"], *GOOD[1:]]), origin="f.csv")


def test_empty_table():
    with pytest.raises(DataError, match="no data rows"):
        validate(raw([]), origin="f.csv")


def test_only_blank_rows():
    with pytest.raises(DataError, match="no data rows with a date and a price"):
        validate(raw([["", ""], [None, None]]), origin="f.csv")


def test_newest_first_is_reversed_and_said():
    with pytest.warns(TickercastWarning, match="newest first; reversed"):
        frame = validate(raw(GOOD[::-1]), origin="f.csv")
    assert frame.index.is_monotonic_increasing
    assert frame["close"].tolist() == [10.0, 11.0, 12.0]


def test_shuffled_dates_are_sorted_and_said():
    with pytest.warns(TickercastWarning, match="line 3: dates are out of order; sorted"):
        frame = validate(raw([GOOD[1], GOOD[0], GOOD[2]]), origin="f.csv")
    assert frame["close"].tolist() == [10.0, 11.0, 12.0]


def test_identical_duplicate_rows_are_dropped_with_a_warning():
    with pytest.warns(TickercastWarning, match=r"dropped 1 exact duplicate rows \(first at line 4\)"):
        frame = validate(raw([GOOD[0], GOOD[1], GOOD[1], GOOD[2]]), origin="f.csv")
    assert len(frame) == 3


def test_conflicting_duplicate_dates_are_an_error_naming_both_lines():
    with pytest.raises(DataError, match="lines 3, 4: date 2024-01-03 appears 2 times with different values"):
        validate(raw([GOOD[0], GOOD[1], ["2024-01-03", "99"], GOOD[2]]), origin="f.csv")


OPEN_CLOSE = ("Date", "Open", "Close")
GOOD_BARS = [["2024-01-02", "9.5", "10"], ["2024-01-03", "10.5", "11"], ["2024-01-04", "11.5", "12"]]


def test_empty_price_on_a_day_with_other_prices_is_an_error_that_suggests_ffill():
    with pytest.raises(DataError, match=r"line 3: close is empty on 2024-01-03; pass --fill ffill"):
        validate(raw([GOOD_BARS[0], ["2024-01-03", "10.5", "null"], GOOD_BARS[2]], OPEN_CLOSE), origin="f.csv")


def test_ffill_carries_the_last_price_forward():
    with pytest.warns(TickercastWarning, match="forward-filled 1 empty close values"):
        frame = validate(raw([GOOD_BARS[0], ["2024-01-03", "10.5", "null"], GOOD_BARS[2]], OPEN_CLOSE),
                         origin="f.csv", fill="ffill")
    assert frame["close"].tolist() == [10.0, 10.0, 12.0]


def test_ffill_drops_leading_gaps_it_cannot_fill():
    with pytest.warns(TickercastWarning, match="dropped 1 leading rows"):
        frame = validate(raw([["2024-01-01", "9", ""], *GOOD_BARS], OPEN_CLOSE), origin="f.csv", fill="ffill")
    assert frame.index[0] == pd.Timestamp("2024-01-02")


@pytest.mark.parametrize("fill", [None, "ffill"])
def test_rows_without_any_price_are_days_without_trading_and_are_dropped_not_filled(fill):
    closed = ["2024-01-07", "null", "null"]  # a Sunday, as old Yahoo downloads write it
    with pytest.warns(TickercastWarning, match=r"dropped 1 rows with a date but no prices .*2024-01-07"):
        frame = validate(raw([*GOOD_BARS, closed, ["2024-01-08", "12.5", "13"]], OPEN_CLOSE), origin="f.csv",
                         fill=fill)
    assert pd.Timestamp("2024-01-07") not in frame.index
    assert frame["close"].tolist() == [10.0, 11.0, 12.0, 13.0]


def test_several_tickers_in_a_name_column_are_picked_by_ticker_or_listed():
    rows = [["2024-01-02", "1", "A"], ["2024-01-02", "5", "B"], ["2024-01-03", "2", "A"], ["2024-01-03", "6", "B"]]
    table = raw(rows, ("Date", "Close", "Name"))
    with pytest.raises(DataError, match=r"holds 2 tickers \('A', 'B'\); pick one with .*--ticker 'A'"):
        validate(table, origin="f.csv")
    frame = validate(table, origin="f.csv", ticker="b")
    assert frame["close"].tolist() == [5.0, 6.0]
    assert frame.attrs["ticker"] == "B"


def test_intraday_bars_are_named_as_such_in_one_short_line():
    times = pd.date_range("2024-01-02 09:30", periods=390 * 2, freq="1min")
    rows = [[f"{t:%Y-%m-%d %H:%M:%S}", str(100 + i % 7)] for i, t in enumerate(times)]
    with pytest.raises(DataError, match="intraday data; tickercast models daily bars") as caught:
        validate(raw(rows), origin="f.csv")
    assert len(str(caught.value)) < 300


def test_a_conflicting_duplicate_lists_a_few_rows_and_a_count():
    rows = [GOOD[0], *[["2024-01-03", str(10 + k)] for k in range(50)]]
    with pytest.raises(DataError, match=r"lines 3, 4, 5 and 47 more: date 2024-01-03 appears 50 times") as caught:
        validate(raw(rows), origin="f.csv")
    assert len(str(caught.value)) < 300


def test_an_absurd_price_is_an_error_not_an_overflow():
    with pytest.raises(DataError, match=r"line 3: close is 1e\+308 on 2024-01-03; prices above 1e\+12"):
        validate(raw([GOOD[0], ["2024-01-03", "1e308"], GOOD[2]]), origin="f.csv")


@pytest.mark.parametrize("price", ["0", "-3.5"])
def test_non_positive_prices_are_an_error(price):
    with pytest.raises(DataError, match=r"line 3: close is .* on 2024-01-03; prices must be positive"):
        validate(raw([GOOD[0], ["2024-01-03", price], GOOD[2]]), origin="f.csv")


def test_adjusted_close_is_the_default_price_column():
    frame = validate(raw([[d, c, str(float(c) / 2)] for d, c in GOOD], ("Date", "Close", "Adj Close")),
                     origin="f.csv")
    assert frame.attrs["price_column"] == "adj_close"


def test_price_column_can_be_chosen_by_any_spelling():
    table = raw([[d, c, c] for d, c in GOOD], ("Date", "Close", "High"))
    assert validate(table, origin="f.csv", price_column="High").attrs["price_column"] == "high"


def test_unknown_price_column_lists_the_available_ones():
    with pytest.raises(DataError, match="no price column 'volume'; this data has: close"):
        validate(raw(GOOD), origin="f.csv", price_column="volume")


def test_several_tickers_in_one_file_are_refused():
    rows = [[d, c, t] for (d, c), t in zip(GOOD, ["IBM", "IBM", "MSFT"], strict=True)]
    with pytest.raises(DataError, match=r"holds 2 tickers \('IBM', 'MSFT'\)"):
        validate(raw(rows, ("Date", "Close", "Name")), origin="f.csv")


def test_ticker_column_names_the_series():
    rows = [[d, c, "IBM"] for d, c in GOOD]
    assert validate(raw(rows, ("Date", "Close", "Name")), origin="f.csv").attrs["ticker"] == "IBM"


def test_gaps_in_unused_columns_are_a_warning_not_an_error():
    rows = [[d, c, "" if i == 1 else c] for i, (d, c) in enumerate(GOOD)]
    with pytest.warns(TickercastWarning, match="open have empty values; .*the model forecasts close"):
        frame = validate(raw(rows, ("Date", "Close", "Open")), origin="f.csv")
    assert frame["open"].isna().sum() == 1


def test_dataframe_with_a_datetime_index_is_accepted():
    frame = pd.DataFrame({"Adj Close": [1.0, 2.0]}, index=pd.DatetimeIndex(["2024-01-02", "2024-01-03"], name="Date"))
    assert validate(frame, origin="mine").attrs["price_column"] == "adj_close"


def test_unknown_fill_method():
    with pytest.raises(DataError, match="unknown fill method 'zero'"):
        validate(raw(GOOD), origin="f.csv", fill="zero")


def test_yfinance_multiindex_columns_for_one_ticker():
    columns = pd.MultiIndex.from_tuples([("Adj Close", "IBM"), ("Close", "IBM")], names=["Price", "Ticker"])
    frame = pd.DataFrame([[1.0, 1.1], [2.0, 2.1]], columns=columns,
                         index=pd.DatetimeIndex(["2024-01-02", "2024-01-03"], name="Date"))
    prices = validate(frame, origin="yf")
    assert prices.attrs["price_column"] == "adj_close"
    assert prices["close"].tolist() == [1.1, 2.1]


def test_multiindex_columns_for_several_tickers_are_refused():
    columns = pd.MultiIndex.from_tuples([("Close", "IBM"), ("Close", "MSFT")])
    frame = pd.DataFrame([[1.0, 1.1]], columns=columns, index=pd.DatetimeIndex(["2024-01-02"]))
    with pytest.raises(DataError, match="several tickers"):
        validate(frame, origin="yf")
