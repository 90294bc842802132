"""Price files on disk: CSV (any common layout, delimiter, encoding, optionally gzipped) and Parquet.

The readers only get the table off the disk with its line numbers; `validate` decides what it means.
"""

from __future__ import annotations

import csv
import io
import os
import re
import stat
import zlib
from pathlib import Path

import pandas as pd

from tickercast.data.header import stacked_header
from tickercast.data.validate import Fill, validate
from tickercast.errors import DataError, shown_path
from tickercast.jsonio import read_limited

_DELIMITERS = (",", ";", "\t", "|")
FILE_SUFFIXES = (".csv", ".txt", ".tsv", ".gz", ".parquet", ".pq")
MAX_BYTES = 256 * 2**20  # a file, or what a gzip file unpacks to: decades of daily bars for hundreds of tickers
MAX_PARQUET_ROWS, MAX_PARQUET_COLUMNS = 20_000_000, 10_000
MAX_LINE = 100_000  # characters on one line: a wide yfinance file of 500 tickers needs about 20,000


def read_csv(path: str | Path, *, price_column: str | None = None, fill: Fill = None,
             ticker: str | None = None, exchange: str | None = None) -> pd.DataFrame:
    """Read a CSV of daily prices into a validated PriceFrame.

    `ticker` names the series; in a file that holds several tickers (yfinance's side-by-side columns, or a
    long file with a Name column) it picks which one to read. `exchange` (a MIC such as XNSE) sets the calendar
    of its trading days; by default the ticker's suffix tells (`.NS`: XNSE), else XNYS.

    >>> prices = read_csv("IBM.csv")                     # doctest: +SKIP
    >>> prices.attrs["price_column"], prices.index[0]    # doctest: +SKIP
    ('close', Timestamp('2006-01-03 00:00:00'))
    """
    path = Path(path)
    origin = shown_path(path, limit=120)
    text = decoded_text(read_bounded(path), path).replace("\r\n", "\n").replace("\r", "\n")  # old Mac endings too
    lines = text.split("\n")
    _check_line_lengths(lines, path)
    blank = next((number for number, line in enumerate(lines) if line.strip()), 0)  # blank lines above the header
    numbered = [(number, line) for number, line in enumerate(lines[:blank + 64]) if line.strip()][:8]
    sep = sniffed_delimiter(numbered[0][1] if numbered else "")
    top = [line for _, line in numbered]
    rows = [line.split() for line in top] if sep == r"\s+" else list(csv.reader(top, delimiter=sep))
    header = stacked_header(rows, origin, ticker)
    skip = numbered[header.lines - 1][0] + 1 if numbered else 0  # blank lines above and between header rows too
    width = max((len(row) for row in rows[:header.lines]), default=1)
    if sep != r"\s+":
        _check_field_counts(lines, sep, path, skip)
    try:
        table = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, index_col=False,
                            header=None, skiprows=skip, names=list(range(width)),  # a blank first row is no width
                            usecols=list(header.columns), skip_blank_lines=False, skipinitialspace=True,
                            engine="python" if sep == r"\s+" else "c")
    except pd.errors.EmptyDataError:
        raise DataError(f"{origin}: no data rows; the file is empty or has only a header") from None
    except (pd.errors.ParserError, csv.Error, ValueError) as error:
        first_line = (str(error).strip().splitlines() or [type(error).__name__])[-1]
        raise DataError(f"{origin}: not a readable CSV file ({first_line[:120]})") from None
    table.columns = list(header.names)
    table.index = pd.RangeIndex(skip + 1, len(table) + skip + 1)  # line numbers, as an editor shows them
    return validate(table, origin=origin, price_column=price_column, fill=fill, ticker=header.ticker or ticker,
                    decimal_comma=sep == ";" and _uses_decimal_comma(text), exchange=exchange)


def parquet_table(data: bytes, origin: str) -> pd.DataFrame:
    """A Parquet file's bytes as a DataFrame, its size checked from the footer before anything is read."""
    import pyarrow.parquet as pq  # only here: most users never read Parquet

    try:
        file = pq.ParquetFile(io.BytesIO(data))
        if file.metadata.num_rows > MAX_PARQUET_ROWS or file.metadata.num_columns > MAX_PARQUET_COLUMNS:
            raise DataError(f"{origin}: {file.metadata.num_rows:,} rows and {file.metadata.num_columns:,} columns, "
                            f"more than tickercast reads ({MAX_PARQUET_ROWS:,} rows, {MAX_PARQUET_COLUMNS:,} "
                            "columns); keep the columns and years you need")
        return file.read().to_pandas()
    except DataError:
        raise
    except Exception as error:  # pyarrow raises several unrelated types for damaged files
        reason = (str(error).strip().splitlines() or [""])[0][:120]
        raise DataError(f"{origin}: not a readable Parquet file ({type(error).__name__}: {reason})") from None


def read_parquet(path: str | Path, *, price_column: str | None = None, fill: Fill = None,
                 ticker: str | None = None, exchange: str | None = None) -> pd.DataFrame:
    """Read a Parquet file of daily prices (date as a column or as the index) into a validated PriceFrame."""
    path = Path(path)
    origin = shown_path(path, limit=120)
    table = parquet_table(read_bounded(path), origin)  # same existence, type and size checks as CSV
    if not isinstance(table.index, pd.DatetimeIndex):
        named_date = table.index.name is not None and "date" in str(table.index.name).lower()
        table = table.reset_index() if named_date else table.reset_index(drop=True)
        table.index = pd.RangeIndex(1, len(table) + 1)
    return validate(table, origin=origin, price_column=price_column, fill=fill, rows="row", ticker=ticker,
                    exchange=exchange)


def refuse_spreadsheet(path: Path) -> None:
    """A spreadsheet gets its own fix (save it as CSV), not the binary-content error of the CSV reader."""
    if path.suffix.lower() in (".xlsx", ".xls", ".ods"):
        raise DataError(f"{shown_path(path)}: spreadsheet files are not read directly; save it as CSV first")


def read_file(path: str | Path, *, price_column: str | None = None, fill: Fill = None,
              ticker: str | None = None, exchange: str | None = None) -> pd.DataFrame:
    """Read a CSV or Parquet file, chosen by its suffix."""
    path = Path(path)
    suffix = path.suffix.lower()
    refuse_spreadsheet(path)
    reader = read_parquet if suffix in (".parquet", ".pq") else read_csv
    return reader(path, price_column=price_column, fill=fill, ticker=ticker, exchange=exchange)


def read_bounded(path: Path, limit: int = MAX_BYTES) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; a gzipped file comes back decompressed.

    Never blocks or runs away: a FIFO, a device (/dev/zero), a socket or a folder is refused before it is read,
    the size is checked on the opened file itself (a path swapped for a pipe after a check changes nothing),
    and decompression stops at `limit` (a gzip bomb is refused, not unpacked).
    """
    shown = shown_path(path)
    try:
        info = os.stat(path)  # for a message that says what the path is; the read checks again, on the open file
    except FileNotFoundError:
        raise DataError(f"{shown}: no such file") from None
    except OSError as error:  # permission denied, a name too long for the OS, a loop of links, ...
        raise DataError(f"{shown}: cannot be read ({error.strerror or type(error).__name__})") from None
    if stat.S_ISDIR(info.st_mode):
        raise DataError(f"{shown}: is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise DataError(f"{shown}: not a regular file (a pipe, device or socket); save the prices to a file and "
                        "pass its path")
    if info.st_size > limit:
        raise DataError(f"{shown}: {info.st_size / 2**20:,.0f} MiB, more than the {limit / 2**20:,.0f} MiB "
                        "tickercast reads; keep the columns and years you need")
    data = read_limited(path, limit, shown)  # never blocks, whatever the path is by now
    if data[:2] == b"\x1f\x8b":
        data = _gunzipped(data, shown, limit)
    if not data.strip():
        raise DataError(f"{shown}: the file is empty")
    return data


def _gunzipped(data: bytes, shown: str, limit: int) -> bytes:
    """Decompress every gzip member, stopping as soon as the output would pass `limit` bytes."""
    parts: list[bytes] = []
    size = 0
    while data:
        unpacker = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            part = unpacker.decompress(data, limit + 1 - size)
        except zlib.error as error:
            raise DataError(f"{shown}: a damaged gzip file ({error}); download or compress it again") from None
        size += len(part)
        if size > limit:
            raise DataError(f"{shown}: unpacks to more than {limit / 2**20:,.0f} MiB, more than tickercast reads "
                            "(a damaged or hostile gzip file?)")
        if not unpacker.eof:
            raise DataError(f"{shown}: a damaged gzip file (it ends early); download or compress it again")
        parts.append(part)
        data = unpacker.unused_data.lstrip(b"\x00")  # members follow one another; tar-style padding is zeros
    return b"".join(parts)


def decoded_text(data: bytes, path: Path) -> str:
    shown = shown_path(path)
    try:
        if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
            return data.decode("utf-16")
    except UnicodeDecodeError as error:  # an odd byte count, a lone surrogate
        raise DataError(f"{shown}: damaged UTF-16 text ({error.reason} at byte {error.start}); save it again "
                        "as UTF-8 CSV") from None
    if b"\x00" in data[:4096] or data[:4] == b"PAR1":
        raise DataError(f"{shown}: binary content, not a CSV text file (is it a Parquet, Excel or zip file?)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _check_line_lengths(lines: list[str], path: Path) -> None:
    """A price file's lines are short; a megabyte on one line is not prices and would take minutes to split."""
    longest = max(map(len, lines))
    if longest > MAX_LINE:
        raise DataError(f"{shown_path(path)}: a line of {longest:,} characters (at most {MAX_LINE:,}); this is not "
                        "a CSV of daily prices, or its line endings are damaged")


def _check_field_counts(lines: list[str], sep: str, path: Path, header_lines: int) -> None:
    """A row with more fields than the header means a garbled file; pandas would silently drop the extra.

    Only lines with more separators than the header are split as CSV (quotes may hide a separator), so a
    two-million-line file costs one count per line.
    """
    try:
        width = max(len(row) for row in csv.reader(lines[:header_lines], delimiter=sep))
        for number, line in enumerate(lines[header_lines:], start=header_lines + 1):
            if line.count(sep) < width:
                continue
            row = next(csv.reader([line], delimiter=sep))
            if len(row) > width and any(cell.strip() for cell in row[width:]):
                raise DataError(f"{shown_path(path)}, line {number}: {len(row)} fields but the header has {width}; "
                                "the file is garbled or uses another delimiter")
    except csv.Error as error:
        raise DataError(f"{shown_path(path)}: not a readable CSV file ({error})") from None


def _uses_decimal_comma(text: str) -> bool:
    """Semicolon files from European spreadsheets write 1.234,5; others (a few exports) still use 1234.5."""
    sample = text[:20_000]
    return bool(re.search(r"\d,\d", sample)) and not re.search(r"(?<![\d.])\d+\.\d+(?![\d.,])", sample)


def sniffed_delimiter(header: str) -> str:
    counts = {sep: header.count(sep) for sep in _DELIMITERS}
    sep = max(counts, key=counts.__getitem__)
    if counts[sep]:
        return sep
    return r"\s+" if header.split() and len(header.split()) > 1 else ","
