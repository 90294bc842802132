"""Real daily prices shipped inside the package, so the main job works offline (origins in README.md here)."""

from __future__ import annotations

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


def load_sample(name: str, *, price_column: str | None = None, fill: Fill = None,
                exchange: str | None = None) -> pd.DataFrame:
    """Load a bundled sample as a validated PriceFrame.

    >>> load_sample("sp500").attrs["price_column"]
    'adj_close'
    """
    key = name.lower()
    if key not in SAMPLES:
        raise DataError(f"unknown sample {name!r}; bundled samples are: {', '.join(SAMPLES)}")
    with resources.files(__package__).joinpath(f"{key}.csv.gz").open("rb") as handle:
        table = pd.read_csv(handle, compression="gzip")
    table.index = pd.RangeIndex(2, len(table) + 2)
    return validate(table, origin=key, price_column=price_column, fill=fill, source="sample",
                    ticker=SAMPLES[key][0], exchange=exchange)
