"""`--data D` and `tc.load(D)`: one name for every way of getting prices (sample, file, stored ticker, panel)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tickercast.data.files import FILE_SUFFIXES, read_file
from tickercast.data.panel import load_panel, long_table, not_a_series, panel_files, validate_panel
from tickercast.data.samples import PANELS, SAMPLES, load_sample
from tickercast.data.validate import Fill
from tickercast.errors import DataError, option, shown

SOURCES = ("sample", "file", "store", "alphavantage", "yahoo")


def load(data: str | Path, *, source: str | None = None, price_column: str | None = None,
         fill: Fill = None, api_key: str | None = None, exchange: str | None = None,
         series: bool = False) -> pd.DataFrame:
    """Load prices by name: a bundled sample (`sp500`, `nasdaq`, `msft`), a CSV/Parquet path, or a ticker.

    `source` forces one interpretation; by default a bundled sample name wins over a file of the same name.
    A ticker needs `source="store"` (read the local store) or a web source (`alphavantage`, `yahoo`: bring
    the store up to date first, then read it); `api_key` is Alpha Vantage's. `exchange` (a MIC such as XNSE)
    says where a sample or file trades, for its calendar; a stored ticker keeps the exchange it was stored with.
    A name can carry its own source
    as a prefix, `store:IBM`, so that one list of names can mix sources (`--data sp500,store:IBM`).

    Many tickers come back as a panel (`tickercast.data.panel`): a bundled panel (`djia30`), `store:*`, a folder
    or glob of per-ticker files, or a file whose ticker column holds several tickers. `series=True` is for
    callers that model one series: a panel is then a DataError that points to `tickercast rank`.

    >>> load("sp500").attrs["ticker"]
    '^GSPC'
    """
    prefix, colon, rest = str(data).partition(":")
    if colon and prefix in SOURCES and rest:
        source, data = prefix, rest
    if source is not None and source not in SOURCES:
        raise DataError(f"unknown source {source!r}; use one of: {', '.join(SOURCES)}")
    name = str(data)
    options = {"price_column": price_column, "fill": fill}
    if source in (None, "sample") and name.lower() in PANELS:
        if series:
            raise not_a_series(name, PANELS[name.lower()].tickers)
        return load_panel(name, **options)
    if source == "store" and name == "*":
        return _stored_panel(series, **options)
    if source in ("store", "alphavantage", "yahoo"):
        return _stored(name, source, price_column=price_column, fill=fill, api_key=api_key)
    if source == "sample" or (source is None and name.lower() in SAMPLES):
        return load_sample(name, price_column=price_column, fill=fill, exchange=exchange)
    files = panel_files(name) if source in (None, "file") else None
    if files is not None:
        if series:
            raise not_a_series(name, len(files))
        return load_panel(name, exchange=exchange, **options)
    path = Path(name).expanduser()
    if source == "file" or _exists(path) or path.suffix.lower() in FILE_SUFFIXES:
        return _file(path, series=series, exchange=exchange, **options)
    raise DataError(f"unknown data {shown(name)}: not a bundled sample ({', '.join(SAMPLES)}) and no such file; "
                    f"for a ticker add {option('source', 'store')}, alphavantage or yahoo")


def dataset_names(spec: str) -> list[str]:
    """The names in a comma-separated `--data` list, with `store:*` standing for every ticker in the local store.

    >>> dataset_names("sp500, msft,sp500")
    ['sp500', 'msft']
    """
    names: list[str] = []
    for name in (part.strip() for part in spec.split(",")):
        if name == "store:*":
            from tickercast.data.store import Store

            with Store() as store:
                held = [f"store:{holding.ticker}" for holding in store.holdings()]
            if not held:
                raise DataError(f"store:* stands for every stored ticker, but the store ({store.path}) is empty; "
                                "fetch some with `tickercast data fetch`")
            names += held
        elif name:
            names.append(name)
    if not names:
        raise DataError(f"no data named; give {option('data')} a comma-separated list such as sp500,msft,store:IBM")
    return list(dict.fromkeys(names))


def _file(path: Path, *, series: bool, price_column: str | None, fill: Fill,
          exchange: str | None) -> pd.DataFrame:
    """One series from a file, or a panel when its ticker column holds several tickers."""
    long = long_table(path)
    if long is None or len(long.tickers) <= 1:
        return read_file(path, price_column=price_column, fill=fill, exchange=exchange)
    if series:
        raise not_a_series(str(path), len(long.tickers), example=long.tickers[0])
    return validate_panel(long.raw, origin=long.origin, rows=long.rows, price_column=price_column, fill=fill,
                          exchange=exchange)


def _stored_panel(series: bool, *, price_column: str | None, fill: Fill) -> pd.DataFrame:
    """`store:*`: every stored ticker, as a panel."""
    if series:
        raise not_a_series("store:*", len(dataset_names("store:*")))
    return load_panel("store:*", price_column=price_column, fill=fill)


def _stored(ticker: str, source: str, *, price_column: str | None, fill: Fill, api_key: str | None) -> pd.DataFrame:
    from tickercast.data.sources.refresh import fetch
    from tickercast.data.store import Store

    with Store() as store:
        if source != "store":
            fetch(ticker, source, store=store, api_key=api_key)
        return store.read(ticker, price_column=price_column, fill=fill)


def _exists(path: Path) -> bool:
    """Whether `path` names something on disk; a name the OS cannot even look up (too long) names nothing."""
    try:
        return path.exists()
    except OSError:
        return False
