"""Real daily prices shipped inside the package, so the main job works offline (origins in README.md here)."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import pandas as pd

from tickercast.data.validate import Fill, validate
from tickercast.errors import DataError

#: Bundled sample name -> (ticker, description).
SAMPLES: dict[str, tuple[str, str]] = {
    "sp500": ("^GSPC", "S&P 500 index, 1999-01-04 .. 2018-12-31"),
    "nasdaq": ("^IXIC", "NASDAQ Composite index, 1999-01-04 .. 2018-12-31"),
    "msft": ("MSFT", "Microsoft, adjusted prices, 1986-03-13 .. 2017-11-10"),
}


@dataclass(frozen=True)
class PanelSample:
    """A bundled panel: what it is, how many tickers it holds, and what a study of it must say next to results."""

    description: str
    tickers: int
    caveat: str


#: Bundled panels (many tickers in one long file), kept apart from SAMPLES so that code looping over SAMPLES
#: still gets single series. `tickercast.data.panel.load_sample_panel` reads them.
PANELS: dict[str, PanelSample] = {
    "djia30": PanelSample(
        "31 US stocks (the Dow 30 of late 2017, plus AABA and AMZN), 2006-01-03 .. 2017-12-29",
        31,
        "djia30 holds the Dow members of late 2017, chosen in hindsight (survivorship bias: stocks that left the "
        "index or failed are missing), and its prices are split- but not dividend-adjusted (close-to-close "
        "returns miss dividends)"),
}


def load_sample(name: str, *, price_column: str | None = None, fill: Fill = None,
                exchange: str | None = None) -> pd.DataFrame:
    """Load a bundled sample as a validated PriceFrame.

    >>> load_sample("sp500").attrs["price_column"]
    'adj_close'
    """
    key = name.lower()
    if key not in SAMPLES:
        raise DataError(f"unknown sample {name!r}; bundled samples are: {', '.join(SAMPLES)}")
    table = _table(key)
    return validate(table, origin=key, price_column=price_column, fill=fill, source="sample",
                    ticker=SAMPLES[key][0], exchange=exchange)


def panel_table(name: str) -> pd.DataFrame:
    """A bundled panel's raw long table (`date,ticker,open,high,low,close,volume`, as text), rows named by line."""
    key = name.lower()
    if key not in PANELS:
        raise DataError(f"unknown panel {name!r}; bundled panels are: {', '.join(PANELS)}")
    return _table(key, dtype=str, keep_default_na=False)


def _table(key: str, **options: object) -> pd.DataFrame:
    """A bundled file's table, its index the file's line numbers (the header is line 1)."""
    with resources.files(__package__).joinpath(f"{key}.csv.gz").open("rb") as handle:
        table = pd.read_csv(handle, compression="gzip", **options)  # type: ignore[call-overload]
    table.index = pd.RangeIndex(2, len(table) + 2)
    return table
