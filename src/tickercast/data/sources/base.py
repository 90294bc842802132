"""What a price source is: one object with one method, `fetch(ticker, start)`, that returns a PriceFrame.

Every source turns its answer into a raw table (dates and prices as the service writes them) and hands it to
`price_frame`, which passes it through the one validation gate and keeps the days asked for. So a source never
checks prices itself, and adding a source means adding one module and one line in `sources/__init__.py`.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

import pandas as pd

from tickercast.data.validate import validate


class Source(Protocol):
    """A place prices come from (a web service); `name` is how the store and `--source` call it."""

    name: str

    def fetch(self, ticker: str, start: dt.date | None = None) -> pd.DataFrame:
        """Daily prices of `ticker` from `start` (inclusive; None: all the service has), as a PriceFrame.

        Raises a TickercastError whose message says what to do when the service refuses or fails.
        """
        ...


def price_frame(raw: pd.DataFrame, *, source: str, ticker: str, start: dt.date | None, rows: str) -> pd.DataFrame:
    """Validate a source's raw table into a PriceFrame and keep the days from `start` on.

    `raw`'s index labels the rows in error messages; `rows` says what they are ("line", "row", "day").
    """
    prices = validate(raw, origin=f"{source} {ticker}", rows=rows, source=source, ticker=ticker)
    if start is None:
        return prices
    return prices.loc[prices.index >= pd.Timestamp(start)]  # .attrs travel with the slice
