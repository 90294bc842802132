"""Text to values: dates and numbers as users' files write them, with errors that point at the bad row.

Pure functions over pandas Series whose index holds row labels (file line numbers, or row numbers); the
labels are what error messages quote, so the user can find the bad row in their editor.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from tickercast.errors import DataError, shown

#: Cell texts that mean "no value" in the files we meet (Yahoo writes "null", Excel "#N/A").
MISSING = frozenset({"", "null", "nan", "na", "n/a", "#n/a", "none", "-", "--", "."})

# Tried in order when a date column is not ISO 8601; month-first before day-first, as US sources write them.
_DATE_FORMATS = (
    "%m/%d/%Y", "%d/%m/%Y", "%Y%m%d", "%d.%m.%Y", "%Y/%m/%d", "%m/%d/%y", "%d/%m/%y",
    "%b %d, %Y", "%d-%b-%Y", "%d-%b-%y", "%d %b %Y", "%B %d, %Y", "%m-%d-%Y", "%d-%m-%Y",
)
_EARLIEST, _LATEST = pd.Timestamp("1700-01-01"), pd.Timestamp("2200-01-01")
_SAMPLE = 2_000  # date cells that rank the formats
_VOLUME_SUFFIX = {"k": 1e3, "m": 1e6, "b": 1e9}


def is_missing(values: pd.Series) -> pd.Series:
    """True where a cell holds no value: NaN/None or one of the `MISSING` texts."""
    if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_datetime64_any_dtype(values):
        return values.isna()  # no text to read: the panel gate asks this of parsed columns, ticker by ticker
    text = values.astype("string").str.strip().str.lower()
    return values.isna() | text.isin(MISSING).fillna(True)


def parse_dates(values: pd.Series, origin: str, rows: str = "line") -> pd.Series:
    """Parse a date column into tz-naive midnight timestamps; missing cells become NaT.

    Timezone offsets are dropped, not converted, so '2020-01-02 00:00:00-05:00' stays 2 January.
    Raises DataError naming the first unreadable cell and how many there are.
    """
    if pd.api.types.is_datetime64_any_dtype(values):  # a Parquet or pandas column: dated, but maybe absurdly
        parsed = values.dt.tz_localize(None) if values.dt.tz is not None else values
        implausible = parsed.notna() & ((parsed < _EARLIEST) | (parsed > _LATEST))
        if implausible.any():
            raise DataError(_bad_cells(origin, rows, "date", values[implausible],
                                       f"a date between {_EARLIEST:%Y} and {_LATEST:%Y}"))
        return parsed.dt.normalize()
    missing = is_missing(values)
    text = values.astype("string").str.strip()
    # An offset only ever follows a time of day; "01-31-2020" ends in "-2020", which is a year, not an offset.
    text = _where_found(text, ":", lambda timed: timed.str.replace(
        r"(\d:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(?:[+-]\d{2}:?\d{2}|Z)$", r"\1", regex=True)).where(~missing)
    iso_like = text.str.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}(?:[ T][\d:.]*)?").fillna(False)
    # Formats are ranked on an even sample of the column and only the best are tried on all of it, so a long
    # file costs one or two passes, not one per format; month-first and day-first still meet days above 12.
    present = text[~missing]
    sample = present.iloc[:: max(1, len(present) // _SAMPLE)]
    misses = {fmt: int(_dates(sample, fmt, iso_like).isna().sum()) for fmt in ("ISO8601", *_DATE_FORMATS)}
    fewest = min(misses.values())
    best_bad = None
    for fmt in (fmt for fmt, count in misses.items() if count == fewest):
        parsed = _dates(text, fmt, iso_like)
        bad = parsed.isna() & ~missing
        if not bad.any():
            return parsed.dt.normalize()
        if best_bad is None or bad.sum() < best_bad.sum():
            best_bad = bad  # the format that read the most cells tells which cells are really bad
    assert best_bad is not None
    raise DataError(_bad_cells(origin, rows, "date", values[best_bad], "a date such as 2024-01-31"))


def _dates(text: pd.Series, fmt: str, iso_like: pd.Series) -> pd.Series:
    """`text` read with one format; cells it cannot read, or that fall outside 1700..2200, become NaT."""
    parsed = pd.to_datetime(text.where(iso_like.reindex(text.index)) if fmt == "ISO8601" else text, format=fmt,
                            errors="coerce")
    return parsed.where((parsed >= _EARLIEST) & (parsed <= _LATEST))  # "-1" is not year -1


def parse_numbers(values: pd.Series, column: str, origin: str, rows: str = "line",
                  decimal_comma: bool = False) -> pd.Series:
    """Parse a numeric column; '$1,234.50', '1.2M' (volume) and missing markers are understood.

    Raises DataError naming the first unreadable cell (and infinite values, which are never prices).
    """
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        numbers = values.astype("float64")
    else:
        missing = is_missing(values)
        # Currency signs go, and spaces that group thousands ("1 234,5"); any other space inside a cell
        # (a quoted "10\n1") leaves it unreadable rather than turning it into another number.
        text = _where_found(values.astype("string").str.strip().str.replace(r"[$€£%]", "", regex=True),
                            "[ \u00a0\u202f]",
                            lambda spaced: spaced.str.replace(r"(?<=\d)[ \u00a0\u202f](?=\d{3}(?!\d))", "",
                                                              regex=True).str.strip())
        if decimal_comma:
            text = text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
        else:
            text = text.str.replace(",", "", regex=False)
        scale = pd.Series(1.0, index=values.index)
        if column == "volume":
            suffix = text.str[-1:].str.lower()
            has_suffix = suffix.isin(list(_VOLUME_SUFFIX)).fillna(False)
            scale = scale.where(~has_suffix, suffix.map(_VOLUME_SUFFIX))
            text = text.where(~has_suffix, text.str[:-1])
        numbers = pd.to_numeric(text.where(~missing), errors="coerce").astype("float64") * scale
        bad = numbers.isna() & ~missing
        if bad.any():
            raise DataError(_bad_cells(origin, rows, column, values[bad], "a number"))
    infinite = np.isinf(numbers)
    if infinite.any():
        raise DataError(_bad_cells(origin, rows, column, values[infinite], "a finite number"))
    return numbers


def _where_found(text: pd.Series, mark: str, change: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """`change` applied only to the cells where the pattern `mark` is found.

    Patterns with look-arounds or groups run cell by cell in Python, so a two-million-row column pays for the
    few cells that need them, not for every cell.
    """
    found = text.str.contains(mark, regex=True).fillna(False)
    if not found.any():
        return text
    text = text.copy()
    text[found] = change(text[found])
    return text


def _bad_cells(origin: str, rows: str, column: str, bad: pd.Series, expected: str) -> str:
    first_row, first_value = bad.index[0], bad.iloc[0]
    more = f" (and {len(bad) - 1} more rows)" if len(bad) > 1 else ""
    return f"{origin}, {rows} {first_row}: cannot read {column} {shown(str(first_value))}{more}; expected {expected}"
