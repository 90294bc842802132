"""Which column is which: the header names of the price files users bring, mapped to our canonical names.

Covers Yahoo Finance (`Date,Open,High,Low,Close,Adj Close,Volume`), Kaggle's DJIA-30 and "huge stock market"
sets (`...,Volume,Name` / `...,Volume,OpenInt`), Alpha Vantage CSV (`timestamp,open,...,adjusted_close,...`),
Nasdaq.com (`Date,Close/Last,Volume,Open,High,Low`), Stooq in English, Polish and its bulk `<DATE>` format,
and our own lower-case names. Matching ignores case, spaces, dots, underscores, dashes and angle brackets.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable

from tickercast.errors import DataError, TickercastWarning, option, shown

#: Canonical price columns of a PriceFrame, in display order. Only `close` is required.
PRICE_COLUMNS = ("open", "high", "low", "close", "adj_close", "volume")

_ALIASES: dict[str, tuple[str, ...]] = {
    "date": ("date", "timestamp", "datetime", "data"),
    "open": ("open", "openprice", "otwarcie", "o"),
    "high": ("high", "highprice", "najwyzszy", "h"),
    "low": ("low", "lowprice", "najnizszy", "l"),
    "close": ("close", "closeprice", "closelast", "last", "lastprice", "ltp", "zamkniecie", "price", "c"),
    "adj_close": ("adjclose", "adjustedclose", "adjclosing", "closeadjusted"),
    "volume": ("volume", "vol", "wolumen", "totaltradequantity", "totaltradedquantity", "sharestraded", "v"),
    "ticker": ("ticker", "name", "symbol"),
}

_LOOKUP = {alias: canonical for canonical, aliases in _ALIASES.items() for alias in aliases}
#: The names that win when two columns mean the same thing (`Close` over `Last`, `Volume` over `Vol`).
_PRIMARY = {canonical: {canonical.replace("_", ""), f"{canonical.replace('_', '')}price"} for canonical in _ALIASES}


def _key(name: object) -> str:
    """Normalise a header: 'Adj. Close' -> 'adjclose', '<CLOSE>' -> 'close', '4. close' -> 'close'."""
    text = str(name).strip().lower()
    text = re.sub(r"^\d+\.\s*", "", text)  # Alpha Vantage JSON keys: "4. close"
    return re.sub(r"[\s._\-<>/()*]", "", text)


def canonical_name(column: object) -> str | None:
    """The canonical name of one header ('Adj. Close' -> 'adj_close'), or None if we do not know it."""
    return _LOOKUP.get(_key(column))


def canonical_columns(columns: Iterable[object], origin: str) -> dict[object, str]:
    """Map each recognised column to its canonical name; complain clearly when date or price is missing.

    >>> canonical_columns(["Date", "Close", "Adj Close"], "f.csv")
    {'Date': 'date', 'Close': 'close', 'Adj Close': 'adj_close'}
    """
    columns = list(columns)
    mapping: dict[object, str] = {}
    for column in columns:
        canonical = canonical_name(column)
        if canonical is None:
            continue
        if canonical in mapping.values():
            first = next(name for name, value in mapping.items() if value == canonical)
            column = _preferred(first, column, canonical, origin)
            del mapping[first]
        mapping[column] = canonical
    found = ", ".join(shown(str(column)) for column in columns[:8]) + (f" and {len(columns) - 8} more"
                                                                        if len(columns) > 8 else "") or "none"
    if "date" not in mapping.values():
        raise DataError(f"{origin}: no date column (found: {found}); name it 'Date'")
    if not {"close", "adj_close"} & set(mapping.values()):
        raise DataError(f"{origin}: no price column (found: {found}); expected 'Close' or 'Adj Close'")
    return mapping


def _preferred(first: object, second: object, canonical: str, origin: str) -> object:
    """Of two columns meaning one thing, the one named exactly for it: NSE exports (and Quandl's NSE sets) carry
    both `Last` (the last traded price) and `Close` (the official closing price); the close is the close.
    """
    exact = [column for column in (first, second) if _key(column) in _PRIMARY[canonical]]
    if len(exact) != 1:
        raise DataError(f"{origin}: two columns mean '{canonical}' ('{first}' and '{second}'); remove or rename "
                        f"one of them, or name the one to model with {option('price_column')}")
    other = second if exact[0] is first else first
    warnings.warn(f"{origin}: uses '{exact[0]}' as the {canonical.replace('_', ' ')} and ignores '{other}'",
                  TickercastWarning, stacklevel=4)
    return exact[0]
