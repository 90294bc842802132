import pytest

from tickercast.data.layout import canonical_columns, canonical_name
from tickercast.errors import DataError


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (["Date", "Open", "High", "Low", "Close", "Adj Close", "Volume"],  # Yahoo Finance
         ["date", "open", "high", "low", "close", "adj_close", "volume"]),
        (["Date", "Open", "High", "Low", "Close", "Volume", "Name"],  # Kaggle DJIA-30
         ["date", "open", "high", "low", "close", "volume", "ticker"]),
        (["timestamp", "open", "high", "low", "close", "adjusted_close", "volume"],  # Alpha Vantage CSV
         ["date", "open", "high", "low", "close", "adj_close", "volume"]),
        (["<TICKER>", "<PER>", "<DATE>", "<TIME>", "<OPEN>", "<HIGH>", "<LOW>", "<CLOSE>", "<VOL>", "<OPENINT>"],
         ["ticker", "date", "open", "high", "low", "close", "volume"]),  # Stooq bulk
        (["Data", "Otwarcie", "Najwyzszy", "Najnizszy", "Zamkniecie", "Wolumen"],  # Stooq, Polish
         ["date", "open", "high", "low", "close", "volume"]),
        (["Date", "Close/Last", "Volume", "Open", "High", "Low"],  # Nasdaq.com
         ["date", "close", "volume", "open", "high", "low"]),
        (["DATE", "ADJ. CLOSE"], ["date", "adj_close"]),
    ],
)
def test_common_layouts_are_recognised(header, expected):
    assert list(canonical_columns(header, "f.csv").values()) == expected


def test_unknown_columns_are_ignored():
    assert canonical_columns(["Date", "Close", "Change %", "Notes"], "f.csv") == {"Date": "date", "Close": "close"}


def test_missing_date_column_names_the_columns_found():
    with pytest.raises(DataError, match=r"f\.csv: no date column \(found: 'Day0', 'Close'\)"):
        canonical_columns(["Day0", "Close"], "f.csv")


def test_missing_price_column_says_what_is_expected():
    with pytest.raises(DataError, match=r"no price column .*expected 'Close' or 'Adj Close'"):
        canonical_columns(["Date", "Open", "Volume"], "f.csv")


def test_two_columns_with_one_meaning_are_refused():
    with pytest.raises(DataError, match="two columns mean 'close' \\('Close' and 'close'\\)"):
        canonical_columns(["Date", "Close", "close"], "f.csv")


@pytest.mark.parametrize(("name", "canonical"), [("Adj Close", "adj_close"), ("adj_close", "adj_close"),
                                                 ("4. close", "close"), ("HIGH", "high"), ("foo", None)])
def test_canonical_name(name, canonical):
    assert canonical_name(name) == canonical
