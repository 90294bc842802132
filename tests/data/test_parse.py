import numpy as np
import pandas as pd
import pytest

from tickercast.data.parse import is_missing, parse_dates, parse_numbers
from tickercast.errors import DataError


def series(values, first_line=2):
    return pd.Series(values, index=range(first_line, first_line + len(values)), dtype=object)


@pytest.mark.parametrize(
    "texts",
    [
        ["2024-01-31", "2024-02-01"],
        ["1/31/2024", "2/1/2024"],  # US, as Yahoo/arch/Nasdaq.com write
        ["31/01/2024", "01/02/2024"],  # day first: the 31 settles it
        ["20240131", "20240201"],  # Stooq bulk
        ["31.01.2024", "01.02.2024"],
        ["Jan 31, 2024", "Feb 01, 2024"],  # Investing.com
        ["2024-01-31 00:00:00-05:00", "2024-02-01 00:00:00-05:00"],  # Yahoo with a timezone
        ["2024-01-31 00:00:00+09:00", "2024-02-01 00:00:00+09:00"],  # offset dropped, not converted
        ["01-31-2024", "02-01-2024"],  # US with dashes: "-2024" is a year, not a time-zone offset
        ["31-01-2024", "01-02-2024"],  # day first with dashes
        ["31-Jan-2024", "01-Feb-2024"],
        ["2024-01-31T00:00:00Z", "2024-02-01T00:00:00Z"],
        ["2024-01-31 09:30:00.5+0100", "2024-02-01 09:30:00.5+0100"],
    ],
)
def test_dates_in_common_formats(texts):
    assert parse_dates(series(texts), "f.csv").tolist() == [pd.Timestamp("2024-01-31"), pd.Timestamp("2024-02-01")]


def test_bad_date_names_line_value_and_count():
    with pytest.raises(DataError, match=r"f\.csv, line 3: cannot read date 'soon' \(and 1 more rows\)"):
        parse_dates(series(["2024-01-02", "soon", "later", "2024-01-05"]), "f.csv")


def test_missing_dates_become_nat_for_the_validator_to_judge():
    parsed = parse_dates(series(["2024-01-02", ""]), "f.csv")
    assert parsed.isna().tolist() == [False, True]


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (["1.5", "2"], [1.5, 2.0]),
        (["$182.52", "$1,234.50"], [182.52, 1234.5]),  # Nasdaq.com
        (["null", ""], [np.nan, np.nan]),  # Yahoo writes null
        ([" 3.25 ", "#N/A"], [3.25, np.nan]),
    ],
)
def test_numbers(texts, expected):
    np.testing.assert_array_equal(parse_numbers(series(texts), "close", "f.csv").to_numpy(), expected)


def test_volume_suffixes():
    assert parse_numbers(series(["1.2M", "350K", "2B", "17"]), "volume", "f.csv").tolist() == [1.2e6, 3.5e5, 2e9, 17]


def test_decimal_comma():
    assert parse_numbers(series(["1.234,5", "7,25"]), "close", "f.csv", decimal_comma=True).tolist() == [1234.5, 7.25]


def test_bad_number_names_line_column_and_value():
    with pytest.raises(DataError, match=r"f\.csv, line 4: cannot read close '12\.3\.4'; expected a number"):
        parse_numbers(series(["1", "2", "12.3.4"]), "close", "f.csv")


def test_infinite_is_not_a_price():
    with pytest.raises(DataError, match="expected a finite number"):
        parse_numbers(series(["1", "inf"]), "close", "f.csv")


def test_is_missing():
    assert is_missing(series(["", "null", "NaN", "-", "0", None])).tolist() == [True, True, True, True, False, True]


def test_a_quoted_number_broken_by_a_newline_is_unreadable_not_another_number():
    with pytest.raises(DataError, match=r"line 3: cannot read close '10\\n1'; expected a number"):
        parse_numbers(series(["10", "10\n1"]), "close", "f.csv")


def test_spaces_that_group_thousands_still_read():
    assert parse_numbers(series(["1 234,5", "12\u00a0345,0"]), "close", "f.csv", decimal_comma=True).tolist() == [
        1234.5, 12345.0]


def test_a_typed_date_column_outside_1700_to_2200_is_refused():
    dates = pd.Series(pd.to_datetime(["1500-01-03", "2024-01-02"]).as_unit("s"), index=[1, 2])
    with pytest.raises(DataError, match=r"row 1: cannot read date .*expected a date between 1700 and 2200"):
        parse_dates(dates, "f.parquet", rows="row")


def test_a_long_column_is_read_in_a_few_passes(monkeypatch):
    import tickercast.data.parse as parse

    calls = []
    real = parse._dates
    monkeypatch.setattr(parse, "_dates", lambda text, fmt, iso: calls.append(len(text)) or real(text, fmt, iso))
    texts = [f"{day:%m/%d/%Y}" for day in pd.bdate_range("1990-01-01", periods=50_000)]
    assert parse_dates(series(texts), "f.csv").iloc[-1] == pd.Timestamp(texts[-1])
    assert sum(1 for n in calls if n == 50_000) == 1  # the sample chose the format; one pass over the column
