"""Price files on disk: CSV (any common layout, delimiter, encoding, optionally gzipped) and Parquet.

The readers only get the table off the disk with its line numbers; `validate` decides what it means.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from pathlib import Path

import pandas as pd

from tickercast.data.validate import Fill, validate
from tickercast.errors import DataError

_DELIMITERS = (",", ";", "\t", "|")
FILE_SUFFIXES = (".csv", ".txt", ".tsv", ".gz", ".parquet", ".pq")


def read_csv(path: str | Path, *, price_column: str | None = None, fill: Fill = None,
             ticker: str | None = None) -> pd.DataFrame:
    """Read a CSV of daily prices into a validated PriceFrame.

    >>> prices = read_csv("IBM.csv")                     # doctest: +SKIP
    >>> prices.attrs["price_column"], prices.index[0]    # doctest: +SKIP
    ('close', Timestamp('2006-01-03 00:00:00'))
    """
    path = Path(path)
    text = _decoded(_read_bytes(path), path).replace("\r\n", "\n").replace("\r", "\n")  # old Mac endings too
    header = next((line for line in text.splitlines() if line.strip()), "")
    sep = _delimiter(header)
    if sep != r"\s+":
        _check_field_counts(text, sep, path)
    try:
        table = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, index_col=False,
                            skip_blank_lines=False, skipinitialspace=True, engine="python" if sep == r"\s+"
                            else "c")
    except (pd.errors.ParserError, csv.Error, ValueError) as error:
        first_line = str(error).strip().splitlines()[-1]
        raise DataError(f"{path}: not a readable CSV file ({first_line})") from None
    table.index = pd.RangeIndex(2, len(table) + 2)  # line numbers as an editor shows them (header is line 1)
    return validate(table, origin=str(path), price_column=price_column, fill=fill, ticker=ticker,
                    decimal_comma=sep == ";" and _uses_decimal_comma(text))


def read_parquet(path: str | Path, *, price_column: str | None = None, fill: Fill = None,
                 ticker: str | None = None) -> pd.DataFrame:
    """Read a Parquet file of daily prices (date as a column or as the index) into a validated PriceFrame."""
    path = Path(path)
    _read_bytes(path)  # same existence and emptiness checks as CSV
    try:
        table = pd.read_parquet(path)
    except Exception as error:  # pyarrow raises several unrelated types for damaged files
        raise DataError(f"{path}: not a readable Parquet file ({type(error).__name__}: {error})") from None
    if not isinstance(table.index, pd.DatetimeIndex):
        named_date = table.index.name is not None and "date" in str(table.index.name).lower()
        table = table.reset_index() if named_date else table.reset_index(drop=True)
        table.index = pd.RangeIndex(1, len(table) + 1)
    return validate(table, origin=str(path), price_column=price_column, fill=fill, rows="row", ticker=ticker)


def read_file(path: str | Path, *, price_column: str | None = None, fill: Fill = None,
              ticker: str | None = None) -> pd.DataFrame:
    """Read a CSV or Parquet file, chosen by its suffix."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xls", ".ods"):
        raise DataError(f"{path}: spreadsheet files are not read directly; save it as CSV first")
    reader = read_parquet if suffix in (".parquet", ".pq") else read_csv
    return reader(path, price_column=price_column, fill=fill, ticker=ticker)


def _read_bytes(path: Path) -> bytes:
    if not path.exists():
        raise DataError(f"{path}: no such file")
    if path.is_dir():
        raise DataError(f"{path}: is a folder, not a file")
    data = path.read_bytes()
    if not data.strip():
        raise DataError(f"{path}: the file is empty")
    return data


def _decoded(data: bytes, path: Path) -> str:
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as error:
            raise DataError(f"{path}: a damaged gzip file ({error})") from None
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16")
    if b"\x00" in data[:4096] or data[:4] == b"PAR1":
        raise DataError(f"{path}: binary content, not a CSV text file (is it a Parquet, Excel or zip file?)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _check_field_counts(text: str, sep: str, path: Path) -> None:
    """A row with more fields than the header means a garbled file; pandas would silently drop the extra."""
    rows = csv.reader(io.StringIO(text), delimiter=sep)
    try:
        width = len(next(rows, []))
        for line, row in enumerate(rows, start=2):
            if len(row) > width and any(cell.strip() for cell in row[width:]):
                raise DataError(f"{path}, line {line}: {len(row)} fields but the header has {width}; "
                                "the file is garbled or uses another delimiter")
    except csv.Error as error:
        raise DataError(f"{path}: not a readable CSV file ({error})") from None


def _uses_decimal_comma(text: str) -> bool:
    """Semicolon files from European spreadsheets write 1.234,5; others (a few exports) still use 1234.5."""
    sample = text[:20_000]
    return bool(re.search(r"\d,\d", sample)) and not re.search(r"(?<![\d.])\d+\.\d+(?![\d.,])", sample)


def _delimiter(header: str) -> str:
    counts = {sep: header.count(sep) for sep in _DELIMITERS}
    sep = max(counts, key=counts.__getitem__)
    if counts[sep]:
        return sep
    return r"\s+" if header.split() and len(header.split()) > 1 else ","
