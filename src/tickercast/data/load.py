"""`--data D` and `tc.load(D)`: one name for every way of getting prices (a bundled sample or a file)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tickercast.data.files import FILE_SUFFIXES, read_file
from tickercast.data.samples import SAMPLES, load_sample
from tickercast.data.validate import Fill
from tickercast.errors import DataError

SOURCES = ("sample", "file")


def load(data: str | Path, *, source: str | None = None, price_column: str | None = None,
         fill: Fill = None) -> pd.DataFrame:
    """Load prices by name: a bundled sample (`sp500`, `nasdaq`, `msft`) or a CSV/Parquet path.

    `source` forces one interpretation; by default a bundled sample name wins over a file of the same name.

    >>> load("sp500").attrs["ticker"]
    '^GSPC'
    """
    if source is not None and source not in SOURCES:
        raise DataError(f"unknown source {source!r}; use one of: {', '.join(SOURCES)}")
    name = str(data)
    if source == "sample" or (source is None and name.lower() in SAMPLES):
        return load_sample(name, price_column=price_column, fill=fill)
    path = Path(name).expanduser()
    if source == "file" or path.exists() or path.suffix.lower() in FILE_SUFFIXES:
        return read_file(path, price_column=price_column, fill=fill)
    raise DataError(f"unknown data {name!r}: not a bundled sample ({', '.join(SAMPLES)}) and no such file")
