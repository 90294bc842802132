"""Panels: the daily bars of many tickers in one long frame, each ticker through the same gate as one series.

A panel is a long DataFrame with columns `date ticker open high low close volume` (and `adj_close` when the
source has it), float prices, sorted by (ticker, date), with a RangeIndex. A ticker's rows are exactly the days
its source has: a day it did not trade is absent, never filled, so a day's cross-section is the tickers that
traded that day (`wide` shows the others as NaN).

Its `attrs`: `kind="panel"`, `name`, `origin`, `source` ("sample", "file" or "store"), `price_column` (the one
column returns come from, the same for every ticker), `tickers` (sorted), `caveat` (a bundled panel's warning,
else None), `quality` ({ticker: the gate's quality flags}) and `panel_quality`:
`{"tickers_in", "tickers_kept", "dropped": {ticker: reason}, "missing_days": {ticker: days of the union calendar
missing between its first and last day}, "repairs": {ticker: [quality flag kinds]}, "notes": {ticker: [what the
gate repaired, one line each]}}`.

Each ticker goes through `validate` (the single-series gate) with its warnings caught; the panel then gets ONE
summary warning instead of a screenful: kept and dropped tickers with the reason, missing days, repairs. A ticker
the gate refuses is dropped with its one-line reason; a panel needs at least two tickers left.
"""

from __future__ import annotations

import glob
import io
import warnings
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from tickercast.data.files import (
    FILE_SUFFIXES,
    decoded_text,
    parquet_table,
    read_bounded,
    read_file,
    refuse_spreadsheet,
    sniffed_delimiter,
)
from tickercast.data.layout import PRICE_COLUMNS, canonical_columns, canonical_name
from tickercast.data.parse import is_missing, parse_dates, parse_numbers
from tickercast.data.samples import PANELS, panel_table
from tickercast.data.validate import Fill, validate
from tickercast.errors import DataError, DataQualityWarning, TickercastWarning, shown, shown_path
from tickercast.progress import SILENT, Reporter

#: The columns every panel has (NaN where a source lacks one); `adj_close` is added when a source has it.
PANEL_COLUMNS = ("open", "high", "low", "close", "volume")
MIN_TICKERS, MIN_DAYS = 2, 2
_LISTED = 5  # tickers named in a one-line message before "and N more"
_PARQUET = (".parquet", ".pq")

Loader = Callable[[], pd.DataFrame]


def is_panel(frame: object) -> bool:
    """Whether `frame` is a panel (a long frame of many tickers from `load_panel`/`validate_panel`).

    >>> is_panel(pd.DataFrame({"close": [1.0]}))
    False
    """
    return (isinstance(frame, pd.DataFrame) and frame.attrs.get("kind") == "panel"
            and {"date", "ticker"} <= set(frame.columns))


def load_panel(spec: str | Path, *, source: str | None = None, price_column: str | None = None,
               fill: Fill = None, api_key: str | None = None, exchange: str | None = None,
               reporter: Reporter = SILENT) -> pd.DataFrame:
    """Load many tickers as one panel, each through the validation gate (a bar across tickers on `reporter`).

    `spec` is a bundled panel (`djia30`), a long CSV/Parquet file with a ticker column (`Name`, `ticker` or
    `symbol`: Kaggle's `date,open,high,low,close,volume,Name`), a folder or a glob of per-ticker files (the
    ticker from the file's ticker column, else its name up to the first `_` or `.`: `AAPL_2006-01-01.csv` is
    AAPL), `store:*` (every stored ticker), or a comma list of names that `load` reads one series each
    (`store:IBM,store:MSFT`, `a.csv,b.csv`); `source` applies to the names of a list. `exchange` (a MIC) is the
    calendar of every ticker of a file.

    >>> load_panel("djia30").attrs["tickers"][:3]     # doctest: +SKIP
    ['AABA', 'AAPL', 'AMZN']
    """
    parts = [part.strip() for part in str(spec).split(",") if part.strip()]
    if not parts:
        raise DataError("no panel named; give a bundled panel (djia30), a long CSV with a ticker column, a folder "
                        "or glob of per-ticker files, or store:*")
    options = {"price_column": price_column, "fill": fill}
    if len(parts) > 1:
        return _listed(parts, source=source, api_key=api_key, exchange=exchange, reporter=reporter, **options)
    name = parts[0]
    if source in (None, "sample") and name.lower() in PANELS:
        return load_sample_panel(name, reporter=reporter, **options)
    if name == "store:*" or (source == "store" and name == "*"):
        return _stored(reporter=reporter, **options)
    files = panel_files(name)
    if files is not None:
        return gate([(_file_ticker(path), partial(read_file, path, ticker=_file_ticker(path), exchange=exchange,
                                                  **options)) for path in files],
                    name=shown_path(name), origin=shown_path(name), source="file", reporter=reporter)
    path = Path(name).expanduser()
    if source in (None, "file") and path.suffix.lower() in (*FILE_SUFFIXES, ".pq"):
        return read_long_panel(path, exchange=exchange, reporter=reporter, **options)
    return _listed(parts, source=source, api_key=api_key, exchange=exchange, reporter=reporter, **options)


def load_sample_panel(name: str, *, price_column: str | None = None, fill: Fill = None,
                      reporter: Reporter = SILENT) -> pd.DataFrame:
    """A bundled panel (`PANELS`), validated like any long file and carrying its caveat in `attrs["caveat"]`."""
    key = name.lower()
    return validate_panel(panel_table(key), origin=key, source="sample", price_column=price_column, fill=fill,
                          caveat=PANELS[key].caveat, reporter=reporter)


def read_long_panel(path: str | Path, *, price_column: str | None = None, fill: Fill = None,
                    exchange: str | None = None, reporter: Reporter = SILENT) -> pd.DataFrame:
    """A long CSV/Parquet file with a ticker column as a panel; without one it is a single series, not a panel."""
    raw, origin, rows = read_long(path)
    return validate_panel(raw, origin=origin, source="file", price_column=price_column, fill=fill, rows=rows,
                          exchange=exchange, reporter=reporter)


def validate_panel(long: pd.DataFrame, *, origin: str, source: str = "file", price_column: str | None = None,
                   fill: Fill = None, rows: str = "line", exchange: str | None = None,
                   caveat: str | None = None, min_tickers: int = MIN_TICKERS,
                   reporter: Reporter = SILENT) -> pd.DataFrame:
    """Pass a long table (a raw one, text cells and all, or a user's frame) through the gate, ticker by ticker.

    The ticker column is any of `Name`, `ticker`, `symbol` (case-insensitive). `long`'s index labels are the
    row labels quoted in errors (`rows` says what they are). One price column serves every ticker: the one
    given, else the adjusted close when the table has one, else the close.

    >>> long = pd.DataFrame({"date": ["2024-01-02", "2024-01-03"] * 2, "ticker": ["A", "A", "B", "B"],
    ...                      "close": [1.0, 1.1, 5.0, 4.9]})
    >>> validate_panel(long, origin="mine").attrs["tickers"]
    ['A', 'B']
    """
    column = ticker_column(long.columns)
    if column is None:
        raise DataError(no_ticker_column(origin, long.columns))
    named = long[column].astype("string").str.strip().where(~is_missing(long[column]))
    unnamed = _unnamed_rows(long.drop(columns=[column]), named)
    if price_column is None:
        adjusted = [c for c in long.columns if canonical_name(c) == "adj_close"]
        price_column = "adj_close" if adjusted and (~is_missing(long[adjusted[0]])).any() else "close"
    table = _parsed(long.drop(columns=[column])[named.notna()], origin, rows)
    named = named[named.notna()]
    loaders = [(str(ticker), partial(validate, rows_of, origin=f"{origin} [{ticker}]", ticker=str(ticker),
                                     source=source, price_column=price_column, fill=fill, rows=rows,
                                     exchange=exchange))
               for ticker, rows_of in table.groupby(named.astype(str), sort=True)]
    return gate(loaders, name=origin, origin=origin, source=source, caveat=caveat, unnamed=unnamed,
                min_tickers=min_tickers, reporter=reporter)


def gate(loaders: Sequence[tuple[str, Loader]], *, name: str, origin: str, source: str,
         caveat: str | None = None, unnamed: int = 0, min_tickers: int = MIN_TICKERS,
         reporter: Reporter = SILENT) -> pd.DataFrame:
    """Run each ticker's loader with its warnings caught; keep what passes, drop what fails, warn once.

    `loaders` pairs a ticker (the name to report it under if it fails) with a function that returns its
    validated PriceFrame or raises DataError. `unnamed` counts rows skipped for having no ticker. Fewer than
    `min_tickers` left is a DataError (a cross-section needs two; `data import` stores even one).
    """
    frames: dict[str, pd.DataFrame] = {}
    dropped: dict[str, str] = {}
    notes: dict[str, list[str]] = {}
    count = 0
    bar = reporter.bar(f"checking {name}", total=len(loaders))  # 500 tickers take about a minute
    for key, load_one in loaders:
        count += 1
        frame, messages, error = _caught(load_one)
        bar.advance(ticker=key)
        if error is not None:
            dropped[key] = error
            continue
        ticker = str(frame.attrs.get("ticker") or key)
        if ticker in frames:
            raise DataError(f"{origin}: ticker {shown(ticker)} comes twice; give each ticker once")
        if len(frame) < MIN_DAYS:
            dropped[ticker] = f"{len(frame)} day: a ticker needs at least {MIN_DAYS} days to have a return"
            continue
        frames[ticker] = frame
        if messages:
            notes[ticker] = messages
    bar.close()
    if len(frames) < min_tickers:
        raise DataError(_too_few(name, count, frames, dropped, min_tickers, origin))
    price_column = _one_price_column(frames, name)
    panel = _long_frame(frames, price_column)
    calendar = pd.DatetimeIndex(panel["date"].unique()).sort_values()
    quality = {ticker: frame.attrs.get("quality", []) for ticker, frame in frames.items()}
    panel.attrs = {
        "kind": "panel", "name": name, "origin": origin, "source": source, "price_column": price_column,
        "tickers": sorted(frames), "caveat": caveat, "quality": quality,
        "panel_quality": {
            "tickers_in": count, "tickers_kept": len(frames), "dropped": dropped,
            "missing_days": {ticker: _missing(frame.index, calendar) for ticker, frame in sorted(frames.items())},
            "repairs": {ticker: [flag["kind"] for flag in flags] for ticker, flags in sorted(quality.items())
                        if flags},
            "notes": notes, "rows_without_ticker": unnamed,
        },
    }
    _summarise(panel, calendar)
    return panel


def wide(panel: pd.DataFrame, column: str | None = None) -> pd.DataFrame:
    """One column of a panel as a [date x ticker] table on the union calendar, NaN where a ticker has no row.

    `column` defaults to the panel's price column. Nothing is filled: a NaN is a day that ticker did not trade.

    >>> long = pd.DataFrame({"date": ["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-02", "2024-01-04"],
    ...                      "ticker": ["A", "A", "A", "B", "B"], "close": [1.0, 1.1, 1.2, 5.0, 5.5]})
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     wide(validate_panel(long, origin="x"))["B"].tolist()
    [5.0, nan, 5.5]
    """
    _check_panel(panel)
    column = column or panel.attrs["price_column"]
    if column not in panel.columns or column in ("date", "ticker"):
        held = ", ".join(c for c in panel.columns if c not in ("date", "ticker"))
        raise DataError(f"{panel.attrs['name']}: no column {shown(column)} in this panel; it has: {held}")
    table = panel.pivot(index="date", columns="ticker", values=column).sort_index()
    return table.reindex(columns=sorted(table.columns))


def panel_frames(panel: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Each ticker of a panel as the PriceFrame the gate made of it (columns it never has are left out)."""
    _check_panel(panel)
    column, attrs = panel.attrs["price_column"], panel.attrs
    frames = {}
    for ticker, rows in panel.groupby("ticker", sort=True):
        frame = rows.drop(columns="ticker").set_index("date")
        frame = frame.loc[:, [c for c in frame.columns if c == column or frame[c].notna().any()]]
        frame.attrs = {"origin": f"{attrs['origin']} [{ticker}]", "ticker": str(ticker), "source": attrs["source"],
                       "price_column": column, "quality": list(attrs.get("quality", {}).get(ticker, []))}
        frames[str(ticker)] = frame
    return frames


def not_a_series(name: str, tickers: int, example: str | None = None) -> DataError:
    """The error for a single-series command given a panel: where panels go, and how to pick one ticker.

    `example` is one of a long file's tickers, for the `data import --ticker` that takes it alone.
    """
    shown_name = shown_path(name, limit=50)  # named up to three times, still under 300 characters
    if example:
        pick = f"or pick one with `tickercast data import {shown_name} --ticker {shown_path(example, limit=24)}`"
    elif name == "store:*":
        pick = "or pick one stored ticker (--data store:TICKER)"
    else:
        pick = "or pick one ticker's file"
    return DataError(f"{shown_name} is a panel of {tickers} tickers: use `tickercast rank --data {shown_name}`, "
                     f"{pick}")


def panel_files(spec: str) -> list[Path] | None:
    """The price files a folder or a glob names (sorted), or None when `spec` is neither."""
    path = Path(spec).expanduser()
    if _is_dir(path):
        found = sorted(p for p in path.iterdir() if _price_file(p))
        if not found:
            raise DataError(f"{shown_path(spec)}: is a folder, not a file, and holds no price files "
                            f"({', '.join(FILE_SUFFIXES)})")
        return found
    if not any(char in spec for char in "*?[") or _exists(path):
        return None
    found = sorted(Path(p) for p in glob.glob(str(path)) if _price_file(Path(p)))
    if not found:
        raise DataError(f"{shown_path(spec)}: no price files match ({', '.join(FILE_SUFFIXES)}); check the pattern")
    return found


def read_long(path: str | Path) -> tuple[pd.DataFrame, str, str]:
    """A long file's raw table (text cells; index = line numbers, or row numbers for Parquet), origin, row word.

    One header row, as long files have; the per-ticker gate does everything else.
    """
    path = Path(path).expanduser()
    origin = shown_path(path, limit=120)
    data = read_bounded(path)
    if path.suffix.lower() in _PARQUET:
        return _parquet_table(data, origin), origin, "row"
    text = decoded_text(data, path)
    first = next((line for line in text.splitlines() if line.strip()), "")
    try:
        table = pd.read_csv(io.StringIO(text), sep=sniffed_delimiter(first), dtype=str, keep_default_na=False,
                            index_col=False, skipinitialspace=True, skip_blank_lines=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as error:
        reason = (str(error).strip().splitlines() or [type(error).__name__])[-1]
        raise DataError(f"{origin}: not a readable CSV file ({reason[:120]})") from None
    table.index = pd.RangeIndex(2, len(table) + 2)  # line numbers under a one-line header
    return table, origin, "line"


class LongTable(NamedTuple):
    """A long file read once: its raw table (see `read_long`), its origin and row word, and its tickers."""

    raw: pd.DataFrame
    origin: str
    rows: str
    tickers: list[str]


def long_table(path: str | Path) -> LongTable | None:
    """The file as a long table when its header has a ticker column beside a date column, else None.

    Only the header is looked at before that, so a plain single-series file costs one peek, and a long file is
    parsed once whether it turns out to hold one ticker or many.
    """
    path = Path(path).expanduser()
    refuse_spreadsheet(path)
    data = read_bounded(path)
    if path.suffix.lower() in _PARQUET:
        names = list(_parquet_table(data, shown_path(path)).columns)
    else:
        utf16 = data[:2] in (b"\xff\xfe", b"\xfe\xff")  # a cut could split a two-byte character: read it whole
        text = decoded_text(data if utf16 else data[:65_536], path)
        header = next((line for line in text.splitlines() if line.strip()), "")
        names = [cell.strip().strip('"') for cell in header.split(sniffed_delimiter(header))]
    if ticker_column(names) is None or "date" not in map(canonical_name, names):
        return None  # no ticker column; or yfinance's stacked header, whose first row is `Ticker,AAPL,...`
    raw, origin, rows = read_long(path)
    column = ticker_column(raw.columns)
    held = raw[column].astype("string").str.strip().where(~is_missing(raw[column]))
    return LongTable(raw, origin, rows, sorted(held.dropna().unique()))


def ticker_column(columns: Iterable[object]) -> object | None:
    """The column that names each row's ticker (`Name`, `ticker`, `symbol`), if there is one."""
    return next((column for column in columns if canonical_name(column) == "ticker"), None)


def no_ticker_column(origin: str, columns: Iterable[object]) -> str:
    """The one-line message for a long table without a ticker column where a panel needs one."""
    found = ", ".join(shown(str(c)) for c in list(columns)[:8])
    return (f"{origin}: no ticker column (found: {found}), so it holds one series, not a panel; add a Name, ticker "
            "or symbol column, or give a folder or glob of per-ticker files")


# inside

def _caught(load_one: Loader) -> tuple[pd.DataFrame, list[str], str | None]:
    """Run one ticker's loader: its frame, its repair lines (quality flags are in its attrs), or its error.

    Warnings from elsewhere (pandas, NumPy) are passed on unchanged.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            frame = load_one()
        except DataError as error:
            frame, failure = pd.DataFrame(), str(error)
        else:
            failure = None
    for warning in caught:
        if not issubclass(warning.category, TickercastWarning):
            warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
    messages = [str(w.message) for w in caught
                if issubclass(w.category, TickercastWarning) and not issubclass(w.category, DataQualityWarning)]
    return frame, messages, failure


def _listed(names: list[str], *, source: str | None, price_column: str | None, fill: Fill, api_key: str | None,
            exchange: str | None, reporter: Reporter) -> pd.DataFrame:
    """A panel of names that each load as one series (`store:IBM`, a file, a sample)."""
    from tickercast.data.load import load  # load() returns panels through this module: imported when used

    def loader(name: str) -> Loader:
        return lambda: load(name, source=source, price_column=price_column, fill=fill, api_key=api_key,
                            exchange=exchange, series=True)

    shown_names = ",".join(names)
    return gate([(name.partition(":")[2] or name, loader(name)) for name in dict.fromkeys(names)],
                name=shown_path(shown_names), origin=shown_path(shown_names),
                source="store" if all(n.startswith("store:") for n in names) or source == "store" else "file",
                reporter=reporter)


def _stored(*, price_column: str | None, fill: Fill, reporter: Reporter) -> pd.DataFrame:
    """Every ticker in the local store as one panel."""
    from tickercast.data.store import Store

    with Store() as store:
        held = [holding.ticker for holding in store.holdings()]
        if not held:
            raise DataError(f"store:* stands for every stored ticker, but the store ({store.path}) is empty; "
                            "fetch some with `tickercast data fetch` or `tickercast data import FILE`")

        def loader(ticker: str) -> Loader:
            return lambda: store.read(ticker, price_column=price_column, fill=fill)

        return gate([(ticker, loader(ticker)) for ticker in held], name="store:*", origin=f"store {store.path}",
                    source="store", reporter=reporter)


def _parquet_table(data: bytes, origin: str) -> pd.DataFrame:
    table = parquet_table(data, origin)
    if not isinstance(table.index, pd.RangeIndex):
        table = table.reset_index()
    table.index = pd.RangeIndex(1, len(table) + 1)
    return table


def _parsed(table: pd.DataFrame, origin: str, rows: str) -> pd.DataFrame:
    """`table` with its dates and numbers parsed once for all tickers, by the gate's own parsers.

    Parsing is most of the gate's time, and how a column is written does not depend on the ticker. A column is
    left as text, for each ticker's gate to parse (and to drop only the ticker with the bad cell), when a cell
    cannot be read, or when a date has a time of day (which tells intraday bars from repeated days).
    """
    parsed = table.copy()
    for name, canonical in canonical_columns(table.columns, origin).items():
        values = table[name]
        if canonical not in ("date", *PRICE_COLUMNS) or not _is_text(values):
            continue
        if canonical == "date" and values.astype("string").str.contains(":").any():
            continue
        try:
            parsed[name] = (parse_dates(values, origin, rows) if canonical == "date"
                            else parse_numbers(values, canonical, origin, rows))
        except DataError:
            continue
    return parsed


def _is_text(values: pd.Series) -> bool:
    return not (pd.api.types.is_datetime64_any_dtype(values) or pd.api.types.is_numeric_dtype(values))


def _file_ticker(path: Path) -> str:
    """A per-ticker file's ticker by its name: up to the first `_` or `.` (`AAPL_2006-01-01_to_2018.csv`)."""
    return path.name.split("_", 1)[0].split(".", 1)[0] or path.name


def _price_file(path: Path) -> bool:
    return path.suffix.lower() in (*FILE_SUFFIXES, ".pq") and not path.name.startswith(".") and path.is_file()


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:
        return False


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except OSError:
        return False


def _unnamed_rows(table: pd.DataFrame, named: pd.Series) -> int:
    """Rows with a price but no ticker: skipped, and said so (blank lines and empty junk rows are not counted)."""
    empty = pd.concat([is_missing(table[c]) for c in table.columns], axis=1).all(axis=1)
    return int((named.isna() & ~empty).sum())


def _too_few(name: str, count: int, frames: dict[str, pd.DataFrame], dropped: dict[str, str], least: int,
             origin: str) -> str:
    first = next(iter(dropped.items()), None)
    reason = f"; {first[0]}: {_short(first[1], origin)}" if first else ""
    need = "a panel needs at least 2" if least == MIN_TICKERS else f"at least {least} needed"
    return (f"{shown_path(name, limit=60)}: {len(frames)} of {count} tickers passed the checks{reason}; {need}: "
            "fix or remove the bad data, or give more tickers")


def _one_price_column(frames: dict[str, pd.DataFrame], name: str) -> str:
    columns = {ticker: frame.attrs["price_column"] for ticker, frame in frames.items()}
    if len(set(columns.values())) > 1:
        listed = ", ".join(f"{ticker}: {column}" for ticker, column in list(columns.items())[:4])
        raise DataError(f"{shown_path(name)}: tickers mix price columns ({listed}); returns must come from one, so "
                        "pass --price-column close (price_column='close')")
    return next(iter(columns.values()))


def _long_frame(frames: dict[str, pd.DataFrame], price_column: str) -> pd.DataFrame:
    parts = []
    for ticker in sorted(frames):
        part = frames[ticker].reset_index()
        part.insert(1, "ticker", ticker)
        parts.append(part)
    panel = pd.concat(parts, ignore_index=True)
    prices = [c for c in ("open", "high", "low", "close", "adj_close", "volume")
              if c in PANEL_COLUMNS or c in panel.columns or c == price_column]
    panel = panel.reindex(columns=["date", "ticker", *prices])
    panel[prices] = panel[prices].astype("float64")
    panel["ticker"] = panel["ticker"].astype(str)
    return panel


def _missing(dates: pd.DatetimeIndex, calendar: pd.DatetimeIndex) -> int:
    """Days of the panel's union calendar inside a ticker's own first..last span that it has no row for."""
    inside = calendar[(calendar >= dates[0]) & (calendar <= dates[-1])]
    return int(len(inside) - len(inside.intersection(dates)))


def _summarise(panel: pd.DataFrame, calendar: pd.DatetimeIndex) -> None:
    """ONE warning for the whole panel: a TickercastWarning when something was dropped or repaired (as for one
    series), a DataQualityWarning when the gate only found defects it left for the user to judge."""
    quality, name = panel.attrs["panel_quality"], panel.attrs["name"]
    parts = [f"{quality['tickers_kept']} of {quality['tickers_in']} tickers kept, {len(calendar):,} days "
             f"({calendar[0]:%Y-%m-%d} .. {calendar[-1]:%Y-%m-%d})"]
    if quality["dropped"]:
        origin = panel.attrs["origin"]
        parts.append("dropped " + _named({t: f"({_short(r, origin)})" for t, r in quality["dropped"].items()}))
    missing = {t: n for t, n in quality["missing_days"].items() if n}
    if missing:
        parts.append(f"days missing (not filled) in {len(missing)} tickers: "
                     + _named({t: str(n) for t, n in sorted(missing.items(), key=lambda item: -item[1])}))
    if quality["notes"]:
        first, lines = next(iter(quality["notes"].items()))
        note = lines[0].split(": ", 1)[-1].split(" (", 1)[0]  # its first clause: the repair, not the explanation
        parts.append(f"repairs in {len(quality['notes'])} tickers (first, {first}: "
                     f"{note if len(note) <= 90 else note[:89] + '…'})")
    if quality["rows_without_ticker"]:
        parts.append(f"skipped {quality['rows_without_ticker']} rows without a ticker")
    kinds: dict[str, int] = {}
    for flags in quality["repairs"].values():
        for kind in flags:
            kinds[kind] = kinds.get(kind, 0) + 1
    if kinds:
        parts.append("quality flags: " + ", ".join(f"{kind} in {n} tickers" for kind, n in kinds.items()))
    if len(parts) == 1:
        return
    repaired = quality["dropped"] or quality["notes"] or quality["rows_without_ticker"]
    warnings.warn(f"{name}: " + "; ".join(parts),
                  TickercastWarning if repaired else DataQualityWarning, stacklevel=3)


def _short(reason: str, origin: str, limit: int = 100) -> str:
    """A ticker's reason without the panel's origin in front (the message names it once), cut to `limit`."""
    text = reason.removeprefix(f"{origin} ")
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _named(items: dict[str, str], limit: int = _LISTED) -> str:
    listed = ", ".join(f"{ticker} {text}" for ticker, text in list(items.items())[:limit])
    return listed + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _check_panel(panel: pd.DataFrame) -> None:
    if not is_panel(panel):
        raise DataError("not a panel; load one with tickercast.load_panel(...) or pass a long frame with a ticker "
                        "column through tickercast.data.panel.validate_panel(frame, origin=...)")
