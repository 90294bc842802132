"""The single gate into tickercast: every source's table passes here before anything else sees it.

`validate` either returns a clean PriceFrame or raises a DataError whose one-line message names the origin,
the row and the problem. Harmless defects (a trailing junk row, newest-first order, exact duplicate rows) are
repaired with a `TickercastWarning` that says what was done.

A PriceFrame is a pandas DataFrame with a tz-naive, sorted, unique `DatetimeIndex` named `date`, float
columns among `open high low close adj_close volume`, and `.attrs` holding `origin`, `ticker`, `source`,
`price_column` (the series models use; complete and positive), `quality` (the defects found, see `quality.py`;
each is also one warning line) and, when known (the store's record, or given), `exchange` (the market's MIC,
whose calendar dates forecasts; without it the ticker's suffix names the calendar that gaps are found on).
"""

from __future__ import annotations

import warnings
from typing import Literal

import pandas as pd

from tickercast.config import FILLS
from tickercast.data.layout import PRICE_COLUMNS, canonical_columns, canonical_name
from tickercast.data.parse import is_missing, parse_dates, parse_numbers
from tickercast.data.quality import quality_flags
from tickercast.errors import DataError, DataQualityWarning, TickercastWarning, shown
from tickercast.trading_calendar import exchange_for, trading_days

Fill = Literal["ffill"] | None
MAX_PRICE = 1e12  # far above any traded price, far below where squares of errors overflow


def validate(raw: pd.DataFrame, *, origin: str, price_column: str | None = None, fill: Fill = None,
             rows: str = "line", source: str = "file", ticker: str | None = None,
             decimal_comma: bool = False, exchange: str | None = None) -> pd.DataFrame:
    """Turn a raw table (any recognised layout, text or numbers) into a validated PriceFrame.

    `raw`'s index holds the row labels quoted in errors (`rows` says what they are: "line" or "row").
    A DataFrame with a DatetimeIndex (a user's own frame) is accepted too.

    >>> raw = pd.DataFrame({"Date": ["2024-01-03", "2024-01-02"], "Close": ["11", "10"]}, index=[2, 3])
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     validate(raw, origin="f.csv")["close"].tolist()
    [10.0, 11.0]
    """
    if fill is not None and fill not in FILLS:
        raise DataError(f"unknown fill method {fill!r}; use one of: {', '.join(FILLS)}")
    if isinstance(raw.columns, pd.MultiIndex):
        raw = _single_level(raw, origin)
    if isinstance(raw.index, pd.DatetimeIndex):
        raw = raw.rename_axis("date").reset_index()
        raw.index = pd.RangeIndex(1, len(raw) + 1)
        rows = "row"
    if raw.empty:
        raise DataError(f"{origin}: no data rows; the file is empty or has only a header")
    mapping = canonical_columns(raw.columns, origin)
    table = raw[list(mapping)].rename(columns=mapping)
    table = table[~is_missing_row(table)]  # blank lines carry nothing
    table = _drop_trailing_junk(table, origin, rows)
    if table.empty:
        raise DataError(f"{origin}: no data rows with a date and a price")
    table, named = _one_ticker(table, origin, ticker)
    ticker = named or ticker

    dates = parse_dates(table["date"], origin, rows)
    frame = pd.DataFrame(index=table.index)
    for column in PRICE_COLUMNS:
        if column in table:
            frame[column] = parse_numbers(table[column], column, origin, rows, decimal_comma)
    undated = dates.isna()
    if undated.any():
        raise DataError(f"{origin}, {rows} {undated.idxmax()}: the date is empty; every row needs a date")
    frame.insert(0, "date", dates)

    frame = _sorted(frame, origin, rows)
    frame = _deduplicated(frame, table["date"], origin, rows)
    frame = _without_priceless_days(frame, origin)
    price_column = _price_column(frame, price_column, origin)
    frame = _gaps_handled(frame, price_column, fill, origin, rows)
    _check_positive(frame, price_column, origin, rows)

    prices = frame.set_index("date")
    ticker = ticker or _stem(origin)
    prices.attrs = {"origin": origin, "ticker": ticker, "source": source, "price_column": price_column}
    if exchange is not None:  # known, not guessed: a guess must not outrank a saved model's or the user's
        prices.attrs["exchange"] = exchange
    prices.attrs["quality"] = _flagged(prices, origin, exchange or exchange_for(ticker))
    return prices


def _flagged(prices: pd.DataFrame, origin: str, exchange: str) -> list[dict[str, object]]:
    """Find the defects of `quality` (gaps on `exchange`'s calendar), warn one line per kind, return them."""
    expected = trading_days(exchange, prices.index[0], prices.index[-1]) if len(prices) > 1 else None
    flags = quality_flags(prices, prices.attrs["price_column"], expected, exchange)
    for flag in flags:
        warnings.warn(flag.message(origin), DataQualityWarning, stacklevel=4)
    return [flag.to_dict() for flag in flags]


def is_missing_row(table: pd.DataFrame) -> pd.Series:
    """True for rows where every cell is empty."""
    return pd.concat([is_missing(table[column]) for column in table], axis=1).all(axis=1)


def _drop_trailing_junk(table: pd.DataFrame, origin: str, rows: str) -> pd.DataFrame:
    """Skip rows at the end that hold no price at all (Kaggle's '-1,,,,,,', download footers)."""
    prices = [column for column in table if column in PRICE_COLUMNS]
    empty = pd.concat([is_missing(table[column]) for column in prices], axis=1).all(axis=1)
    end = len(table)
    while end > 0 and empty.iloc[end - 1]:
        end -= 1
    for label in table.index[end:]:
        content = ",".join("" if pd.isna(v) else str(v) for v in table.loc[label])
        warnings.warn(f"{origin}, {rows} {label}: skipped a trailing row with no prices ({content!r})",
                      TickercastWarning, stacklevel=3)
    return table.iloc[:end]


def _single_level(raw: pd.DataFrame, origin: str) -> pd.DataFrame:
    """yfinance's (Price, Ticker) columns: keep the price names when the frame holds one ticker."""
    levels = range(raw.columns.nlevels)
    names = max(levels, key=lambda k: sum(canonical_name(v) is not None for v in raw.columns.get_level_values(k)))
    if any(len(raw.columns.get_level_values(k).unique()) > 1 for k in levels if k != names):
        raise DataError(f"{origin}: columns for several tickers; select one ticker's columns first")
    flat = raw.copy()
    flat.columns = raw.columns.get_level_values(names)
    return flat


def _one_ticker(table: pd.DataFrame, origin: str, wanted: str | None) -> tuple[pd.DataFrame, str | None]:
    """The rows of one ticker and its name, from a file whose ticker column (Kaggle's `Name`) may hold several.

    With several, `wanted` picks one (case-insensitively); without it the error lists them.
    """
    if "ticker" not in table:
        return table, None
    names = table["ticker"].astype("string").str.strip().where(~is_missing(table["ticker"]))
    held = list(names.dropna().unique())
    if len(held) <= 1:
        return table, (held[0] if held else None)
    match = [name for name in held if wanted is not None and name.upper() == wanted.strip().upper()]
    if match:
        return table[names == match[0]], match[0]
    listed = ", ".join(shown(str(name)) for name in held[:5]) + (f" and {len(held) - 5} more" if len(held) > 5 else "")
    asked = f"none is {shown(wanted)}; " if wanted is not None else ""
    raise DataError(f"{origin}: holds {len(held)} tickers ({listed}); {asked}pick one with `tickercast data import "
                    f"FILE --ticker {shown(str(held[0]))}` (or read_csv(..., ticker=...))")


def _sorted(frame: pd.DataFrame, origin: str, rows: str) -> pd.DataFrame:
    dates = frame["date"]
    if dates.is_monotonic_increasing:
        return frame
    if dates.is_monotonic_decreasing:
        warnings.warn(f"{origin}: dates run newest first; reversed them to oldest first",
                      TickercastWarning, stacklevel=3)
        return frame.iloc[::-1]
    first = (dates.diff() < pd.Timedelta(0)).idxmax()
    warnings.warn(f"{origin}, {rows} {first}: dates are out of order; sorted them by date",
                  TickercastWarning, stacklevel=3)
    return frame.sort_values("date", kind="stable")


def _deduplicated(frame: pd.DataFrame, stamps: pd.Series, origin: str, rows: str) -> pd.DataFrame:
    """One row per day: exact repeats are dropped with a warning, different rows for one day are an error.

    `stamps` are the date cells as written (with their time of day), which tell intraday bars from repeats.
    """
    repeated = frame["date"].duplicated(keep=False)
    if not repeated.any():
        return frame
    bars = stamps.groupby(frame["date"]).nunique()
    if (bars > 1).mean() > 0.5:  # most days have bars at several times of day: minutes or hours, not days
        raise DataError(f"{origin}: {len(frame):,} rows on {len(bars):,} days (up to {bars.max()} bars a day): "
                        "intraday data; tickercast models daily bars, so resample it first, e.g. "
                        "frame.resample('1D').agg({'Open': 'first', 'High': 'max', 'Low': 'min', "
                        "'Close': 'last', 'Volume': 'sum'}).dropna()")
    identical = frame.duplicated(keep="first")
    conflicting = repeated & ~frame.duplicated(keep=False)
    if conflicting.any():
        date = frame.loc[conflicting, "date"].iloc[0]
        labels = list(frame.index[frame["date"] == date])
        listed = ", ".join(map(str, labels[:3])) + (f" and {len(labels) - 3} more" if len(labels) > 3 else "")
        raise DataError(f"{origin}, {rows}s {listed}: date {date:%Y-%m-%d} appears {len(labels)} times with "
                        "different values; keep one row per day")
    warnings.warn(f"{origin}: dropped {int(identical.sum())} exact duplicate rows "
                  f"(first at {rows} {identical.idxmax()})", TickercastWarning, stacklevel=3)
    return frame[~identical]


def _without_priceless_days(frame: pd.DataFrame, origin: str) -> pd.DataFrame:
    """Drop dated rows with no price and no volume: old Yahoo downloads hold `null` rows on days the market was closed.

    Forward-filling them would invent trading days with a copied price; filling is only for a missing value on a
    day that has others.
    """
    prices = [column for column in ("open", "high", "low", "close", "adj_close") if column in frame]
    empty = frame[prices].isna().all(axis=1)
    if "volume" in frame:  # shares changed hands: a trading day whose prices are missing, not a closed market
        empty &= frame["volume"].isna() | (frame["volume"] == 0)
    if not empty.any():
        return frame
    days = frame.loc[empty, "date"]
    listed = ", ".join(f"{day:%Y-%m-%d}" for day in days.iloc[:3]) + (", ..." if len(days) > 3 else "")
    warnings.warn(f"{origin}: dropped {len(days)} rows with a date but no prices (days without trading: {listed})",
                  TickercastWarning, stacklevel=3)
    return frame[~empty]


def _price_column(frame: pd.DataFrame, requested: str | None, origin: str) -> str:
    available = [column for column in PRICE_COLUMNS if column in frame and column != "volume"]
    if requested is None:
        usable = [c for c in ("adj_close", "close") if c in frame and frame[c].notna().any()]
        if not usable:
            raise DataError(f"{origin}: the close and adjusted close columns are empty")
        return usable[0]
    name = canonical_name(requested)
    if name not in available:
        raise DataError(f"{origin}: no price column {requested!r}; this data has: {', '.join(available)}")
    return name


def _gaps_handled(frame: pd.DataFrame, price_column: str, fill: Fill, origin: str,
                  rows: str) -> pd.DataFrame:
    gaps = frame[price_column].isna()
    if gaps.any() and fill is None:
        first = gaps.idxmax()
        more = f" and {int(gaps.sum()) - 1} more rows" if gaps.sum() > 1 else ""
        raise DataError(f"{origin}, {rows} {first}: {price_column} is empty on "
                        f"{frame.loc[first, 'date']:%Y-%m-%d}{more}; pass --fill ffill (fill='ffill') to "
                        "carry the last price forward, or fix the file")
    if fill == "ffill":
        leading = frame[price_column].ffill().isna()
        if leading.any():
            warnings.warn(f"{origin}: dropped {int(leading.sum())} leading rows without a {price_column} "
                          "to carry forward", TickercastWarning, stacklevel=3)
            frame = frame[~leading]
        filled = int(gaps.sum()) - int(leading.sum())
        if filled:
            warnings.warn(f"{origin}: forward-filled {filled} empty {price_column} values", TickercastWarning,
                          stacklevel=3)
        return frame.ffill()
    others = [c for c in frame.columns if c not in ("date", price_column) and frame[c].isna().any()]
    if others:
        warnings.warn(f"{origin}: {', '.join(others)} have empty values; they are kept as NaN (the model forecasts "
                      f"{price_column}; a --features input that reads them stops there, or use --fill ffill)",
                      TickercastWarning, stacklevel=3)
    return frame


def _check_positive(frame: pd.DataFrame, price_column: str, origin: str, rows: str) -> None:
    """The modelled prices must be positive numbers a float can square: 1e308 is a damaged cell, not a price."""
    values = frame[price_column]
    for bad, problem in ((values <= 0, "prices must be positive"),
                         (values > MAX_PRICE, f"prices above {MAX_PRICE:.0e} are damaged cells, not prices")):
        if bad.any():
            first = bad.idxmax()
            more = f" (and {int(bad.sum()) - 1} more rows)" if bad.sum() > 1 else ""
            raise DataError(f"{origin}, {rows} {first}: {price_column} is {values[first]:g} on "
                            f"{frame.loc[first, 'date']:%Y-%m-%d}{more}; {problem}")


def _stem(origin: str) -> str:
    name = origin.replace("\\", "/").rsplit("/", 1)[-1]
    return name.split(".", 1)[0] or origin


def as_price_frame(prices: pd.DataFrame | pd.Series, price_column: str | None = None,
                   fill: Fill = None) -> pd.DataFrame:
    """Pass any user input through the validation gate.

    A Series is the price column itself, whatever its name. Data that already passed the gate (it carries
    a PriceFrame's attrs) is checked again, but its repairs were reported when it was loaded: not twice.
    """
    attrs = dict(prices.attrs)
    if isinstance(prices, pd.Series):
        prices, price_column = prices.to_frame(name="close"), "close"
    column = price_column or attrs.get("price_column")
    with warnings.catch_warnings():
        if "price_column" in attrs:
            warnings.simplefilter("ignore", TickercastWarning)
        return validate(prices, origin=attrs.get("origin", "data"), price_column=column, fill=fill,
                        source=attrs.get("source", "dataframe"), ticker=attrs.get("ticker"),
                        exchange=attrs.get("exchange"))
