"""Where a CSV's header ends and what each column is called: one header line, or yfinance's stacked rows.

`yf.download(...).to_csv(path)` (yfinance 0.2.48 and later, 1.x included) writes its (Price, Ticker) column
levels as rows above the data, and the index name on a third:

    Price,Adj Close,Close,High,Low,Open,Volume
    Ticker,IBM,IBM,IBM,IBM,IBM,IBM
    Date,,,,,,
    2024-01-02,155.08,163.04,163.29,160.85,161.5,4165400

Saved without its index name the `Date` row is missing (two header rows); with several tickers the Ticker row
names a different symbol per column group, and `group_by="ticker"` puts the Ticker row first. `stacked_header`
turns all of these into one column name per column and, for several tickers, keeps the columns of the one asked
for. A plain file has one header row and passes through untouched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tickercast.data.layout import PRICE_COLUMNS, canonical_name
from tickercast.errors import DataError, shown

_LOOKED_AT = 6  # a header never stacks deeper; the first data row comes before this
_NUMBER = re.compile(r"[-+]?\$?\d[\d,]*(?:\.\d*)?(?:[eE][-+]?\d+)?")
_DATE = re.compile(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}.*|\d{8}|\d{1,2}[- ][A-Za-z]{3}.*|[A-Za-z]{3,9} \d{1,2},? \d{4}")


@dataclass(frozen=True)
class Header:
    """The header of a CSV: how many lines it takes, each kept column's name, and where they are.

    `columns` holds the positions (0-based) of the columns to read, `names` their names, `ticker` the symbol
    that a stacked header named for them (None for a plain header).
    """

    lines: int
    names: tuple[str, ...]
    columns: tuple[int, ...]
    ticker: str | None = None


def header_lines(rows: list[list[str]]) -> int:
    """How many of the first rows are header rows: those holding neither a number nor a date.

    A Yahoo `null` row (a date, no prices) is data, and so is any row with a price in it.

    >>> header_lines([["Price", "Close"], ["Ticker", "IBM"], ["Date", ""], ["2024-01-02", "163.0"]])
    3
    """
    count = 0
    for row in rows[:_LOOKED_AT]:
        cells = [cell.strip() for cell in row]
        if any(_NUMBER.fullmatch(cell) or _DATE.fullmatch(cell) for cell in cells):
            break
        count += 1
    return max(count, 1)


def stacked_header(rows: list[list[str]], origin: str, ticker: str | None) -> Header:
    """One name per column from the header rows at the top of `rows`; pick `ticker`'s columns if several.

    >>> stacked_header([["Price", "Close", "Volume"], ["Ticker", "IBM", "IBM"], ["Date", "", ""],
    ...                 ["2024-01-02", "1", "2"]], "f.csv", None)
    Header(lines=3, names=('Date', 'Close', 'Volume'), columns=(0, 1, 2), ticker='IBM')
    """
    lines = header_lines(rows)
    width = max(len(row) for row in rows[:lines])
    stack = [[cell.strip() for cell in row] + [""] * (width - len(row)) for row in rows[:lines]]
    if lines == 1:
        return Header(1, tuple(stack[0]), tuple(range(width)))
    price_row = max(range(lines), key=lambda k: sum(canonical_name(c) in PRICE_COLUMNS for c in stack[k][1:]))
    others = [row for k, row in enumerate(stack) if k != price_row and any(row[1:])]
    names: list[str] = []
    symbols: list[str] = []
    for j in range(width):
        cells = [row[j] for row in stack]
        dated = next((cell for cell in cells if canonical_name(cell) == "date"), None)
        names.append(dated or stack[price_row][j])
        symbols.append("" if dated else next((row[j] for row in others if row[j]), ""))
    if "date" not in map(canonical_name, names):  # saved without the index name: the first column is the index
        names[0], symbols[0] = "Date", ""
    tickers = list(dict.fromkeys(symbol for symbol in symbols if symbol))
    chosen = _chosen(tickers, ticker, origin)
    columns = tuple(j for j in range(width) if names[j] and (not symbols[j] or symbols[j] == chosen))
    return Header(lines, tuple(names[j] for j in columns), columns, chosen)


def _chosen(tickers: list[str], ticker: str | None, origin: str) -> str | None:
    """The one ticker whose columns to read: the only one there is, or the one the caller named."""
    if len(tickers) <= 1:
        return tickers[0] if tickers else None
    match = [name for name in tickers if ticker is not None and name.upper() == ticker.strip().upper()]
    if match:
        return match[0]
    listed = ", ".join(map(shown, tickers[:5])) + (f" and {len(tickers) - 5} more" if len(tickers) > 5 else "")
    asked = f"not {shown(ticker)}; " if ticker is not None else ""
    raise DataError(f"{origin}: columns for {len(tickers)} tickers ({listed}); {asked}pick one with "
                    f"`tickercast data import FILE --ticker {shown(tickers[0])}` (or read_csv(..., ticker=...))")
