"""Prices out to a file: the reverse of `data.files`, so that `--data FILE` and `data import` read it back unchanged.

A `.parquet` (or `.pq`) path gets Parquet, any other a CSV with ISO dates; whole-number volumes are written as
integers (11715200, not 11715200.0), as the sources deliver them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from tickercast.errors import DataError

PARQUET_SUFFIXES = (".parquet", ".pq")


def export_prices(prices: pd.DataFrame, path: str | Path) -> dict[str, Any]:
    """Write a PriceFrame to `path` and describe what was written: ticker, file, rows, columns, first and last day.

    >>> import tempfile
    >>> prices = pd.DataFrame({"close": [1.5, 2.0], "volume": [100.0, 200.0]},
    ...                       index=pd.DatetimeIndex(["2024-01-02", "2024-01-03"], name="date"))
    >>> prices.attrs["ticker"] = "IBM"
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     written = export_prices(prices, Path(folder) / "ibm.csv")
    ...     print((Path(folder) / "ibm.csv").read_text(), end="")
    date,close,volume
    2024-01-02,1.5,100
    2024-01-03,2.0,200
    >>> written["rows"], written["first"], written["last"]
    (2, '2024-01-02', '2024-01-03')
    """
    path = Path(path).expanduser()
    table = prices.copy()
    if "volume" in table and table["volume"].dropna().mod(1).eq(0).all():
        table["volume"] = table["volume"].astype("Int64")
    try:
        if path.suffix.lower() in PARQUET_SUFFIXES:
            table.to_parquet(path)
        else:
            table.to_csv(path, date_format="%Y-%m-%d")
    except OSError as error:
        raise DataError(f"{path}: cannot write ({error.strerror or error}); choose another path") from None
    return {"ticker": prices.attrs["ticker"], "file": str(path), "rows": len(prices),
            "columns": list(prices.columns), "first": f"{prices.index[0]:%Y-%m-%d}",
            "last": f"{prices.index[-1]:%Y-%m-%d}"}
