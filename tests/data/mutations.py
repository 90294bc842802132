"""Hostile variants of real price files, each built from a recipe that also says what a right reading returns.

A recipe is plain data, `(seed, ops)`: the name of a real file and a tuple of operations such as
`("cell", 3, "close", "1e308")` or `("xor", 120, 0x20)`. `build(recipe)` turns it into the bytes of a file and a
`Truth`: for every date the input holds, the values a reader may return for each column, which lines were
damaged (their content may read as anything, but only as what their text says), and whether only harmless
changes were made (a reader must then accept the file).

Operations come in three layers, applied in this order whatever order the recipe lists them in:
the table (rows, cells, columns, header names), its text (separator, quoting, date format, line endings,
BOMs, encoding, gzip), and damage to the bytes (inserted, deleted or flipped characters, truncation).
"""

from __future__ import annotations

import gzip
import math
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

FIXTURES = Path(__file__).parent / "fixtures"
SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
MISSING = "missing"  # an acceptable "value": the cell is read as no value (NaN)

# Our own map of the headers in the seed files (not the reader's), so the oracle does not share its bugs.
# "close_alt" is NSE's Last: the close only when there is no Close column.
_KINDS = {"date": "date", "timestamp": "date", "datetime": "date", "open": "open", "high": "high", "low": "low",
          "close": "close", "last": "close_alt", "adj close": "adj_close", "adjusted_close": "adj_close",
          "volume": "volume", "total trade quantity": "volume", "name": "ticker"}
NUMERIC = ("open", "high", "low", "close", "adj_close", "volume")


@dataclass(frozen=True)
class Seed:
    """A real file: where it is, how many lines of header it has and which row names the columns."""

    path: Path
    header_lines: int = 1
    name_row: int = 0
    ticker: str | None = None  # which ticker to read from a file that holds several
    rows: int = 200  # the first rows kept (speed); `tail` last lines are kept too (IBM's junk footer)
    tail: int = 0
    readable: bool = True  # the untouched file reads (the 15-minute bars are refused as intraday)


SEEDS = {
    "ibm": Seed(SHARED / "IBM_2006-01-01_to_2018-01-01.csv", rows=300, tail=1),
    "aapl": Seed(SHARED / "djia30" / "AAPL_2006-01-01_to_2018-01-01.csv", rows=150),
    "gs": Seed(SHARED / "djia30" / "GS_2006-01-01_to_2018-01-01.csv", rows=150, tail=1),
    "xom": Seed(SHARED / "djia30" / "XOM_2006-01-01_to_2018-01-01.csv", rows=150),
    "av_daily": Seed(FIXTURES / "av_daily.csv"),
    "av_adjusted": Seed(FIXTURES / "av_daily_adjusted.csv"),
    "nse": Seed(FIXTURES / "nse_quandl.csv"),
    "yahoo_nulls": Seed(FIXTURES / "yahoo_null_rows.csv"),
    "yf_ibm": Seed(FIXTURES / "yahoo_ibm.csv", header_lines=3),
    "yf_aapl": Seed(FIXTURES / "yf_aapl.csv", header_lines=3),
    "yf_no_index_name": Seed(FIXTURES / "yf_aapl_no_index_name.csv", header_lines=2),
    "yf_15m": Seed(FIXTURES / "yf_aapl_15m.csv", header_lines=3, readable=False),
    "yf_two": Seed(FIXTURES / "yf_two_tickers.csv", header_lines=3, ticker="AAPL"),
    "yf_two_by_ticker": Seed(FIXTURES / "yf_two_tickers_by_ticker.csv", header_lines=3, name_row=1, ticker="MSFT"),
}


@dataclass
class Row:
    """One data line: its cells, the date it stands for (None: no valid date) and, per cell, what may be read."""

    cells: list[str]
    date: pd.Timestamp | None
    accept: list[frozenset]  # per column: acceptable floats (MISSING for "no value"); empty: nothing is right
    date_set: bool = False  # the date cell was written by an op: the date format op leaves it alone


@dataclass
class Table:
    header: list[list[str]]
    kinds: list[str | None]
    rows: list[Row]
    name_row: int
    date_labelled: bool
    benign: bool = True
    lossy: bool = False  # a header line was dropped: a data line may be taken for the header
    footer: list[str] = field(default_factory=list)


@dataclass
class Truth:
    """What a right reading of the built file may return."""

    kinds: list[str | None]
    rows: list[Row]  # rows whose line is intact
    damaged_text: list[str]  # the text of damaged data lines: dates spelled there may appear, with any values
    header_damaged: bool
    must_accept: bool
    complete: bool  # nothing damaged or dropped: every row with a clean price must come back
    ticker: str | None
    suffix: str


# ---------------------------------------------------------------------------------------------------- seeds


def _number(text: str) -> frozenset:
    cell = text.strip()
    if cell.lower() in ("", "null", "nan"):
        return frozenset({MISSING})
    if re.fullmatch(r"-?\d+(?:\.\d+)?", cell):
        return frozenset({float(cell)})
    return frozenset()


def _seed_date(text: str) -> pd.Timestamp | None:
    match = re.fullmatch(r"(\d{4}-\d{2}-\d{2})(?:[ T][\d:]+(?:[+-]\d{2}:\d{2})?)?", text.strip())
    return pd.Timestamp(match.group(1)) if match else None


def load_seed(name: str) -> Table:
    seed = SEEDS[name]
    lines = seed.path.read_text(encoding="utf-8").replace("\r\n", "\n").splitlines()
    header = [line.split(",") for line in lines[:seed.header_lines]]
    body = lines[seed.header_lines:]
    body = body[:seed.rows] + (body[-seed.tail:] if seed.tail and len(body) > seed.rows else [])
    names = header[seed.name_row]
    kinds: list[str | None] = [_KINDS.get(cell.strip().lower()) for cell in names]
    date_labelled = "date" in kinds or any(_KINDS.get(row[0].strip().lower()) == "date" for row in header)
    if "date" not in kinds:  # yfinance's index: labelled on a row of its own, or not at all
        kinds[0] = "date"
    if seed.ticker is not None:  # the other tickers' columns are not read
        ticker_row = header[1 - seed.name_row] if seed.name_row == 1 else header[1]
        kinds = [kind if kind == "date" or ticker_row[j] == seed.ticker else None for j, kind in enumerate(kinds)]
    rows = []
    for line in body:
        cells = line.split(",")
        accept = [_number(cell) if kind in NUMERIC or kind == "close_alt" else frozenset()
                  for cell, kind in zip(cells, kinds, strict=True)]
        rows.append(Row(cells, _seed_date(cells[kinds.index("date")]), accept))
    return Table(header, kinds, rows, seed.name_row, date_labelled, benign=seed.readable)


# ------------------------------------------------------------------------------------------------ catalogs

#: Numeric cell texts: (text, acceptable readings). "{v}" is the original cell, "{x}" its value.
NUMBER_CELLS: dict[str, tuple[str, tuple]] = {
    "1e308": ("1e308", (1e308,)), "-1e308": ("-1e308", (-1e308,)), "1e309": ("1e309", ()),
    "-0": ("-0", (0.0,)), "0": ("0", (0.0,)), "-x": ("-{v}", ("-x",)), "+x": ("+{v}", ("x",)),
    "nan": ("nan", (MISSING,)), "NaN": ("NaN", (MISSING,)), "null": ("null", (MISSING,)), "empty": ("", (MISSING,)),
    "#N/A": ("#N/A", (MISSING,)), "dash": ("-", (MISSING,)),
    "inf": ("inf", ()), "-inf": ("-inf", ()), "Infinity": ("Infinity", ()),
    "10\\n1": ("10\n1", ()), "x\\n": ("{v}\n", ("x",)), "\\nx": ("\n{v}", ("x",)),
    "dollar": ("${v}", ("x",)), "percent": ("{v}%", ("x", "x/100")), "thousands": ("1,234.5", (1234.5,)),
    "spaces": ("  {v}  ", ("x",)), "x.5": ("{v}.5", ("x.5",)), "xe": ("{v}e", ()), "hex": ("0x1A", ()),
    "underscore": ("1_000", (1000.0,)), "rtl": ("\u200f{v}", ("x",)), "lrm": ("{v}\u200e", ("x",)),
    "combining": ("1\u03012.5", ()), "arabic digits": ("\u0661\u0662", (12.0,)),
    "fullwidth": ("\uff11\uff12.\uff15", (12.5,)), "nbsp thousands": ("1\u00a0234.5", (1234.5,)),
    "1e400 digits": ("1" + "0" * 400, ()), "long zeros": ("{v}" + "0" * 5000, ("x0",)),
    "tiny": ("0." + "0" * 400 + "1", (0.0,)), "nul": ("\x00", (MISSING,)), "nul inside": ("1\x002", ()),
    "quote inside": ('1"2', ()), "1.2M": ("1.2M", ("M",)), "parens": ("(12.5)", (-12.5,)),
    "tab": ("{v}\t", ("x",)), "comma decimal": ("12,5", (12.5,)), "two dots": ("1.2.3", ()),
    "zero width": ("1\u200b2", ()), "letter O": ("1O", ()), "emoji": ("\U0001f4c8", ()),
    "sep inside": ("1;2|3\t4", ()), "formula": ("=1+1", ()), "bool": ("True", ()),
}

#: Date cell texts: (text, the date it means or "same" for the row's own date, or None for no valid date).
DATE_CELLS: dict[str, tuple[str, str | None]] = {
    "feb 30": ("2020-02-30", None), "zeros": ("0000-00-00", None), "-1": ("-1", None),
    "year 9999": ("9999-12-31", None), "year 1699": ("1699-12-31", "1699-12-31"), "empty": ("", None),
    "null": ("null", None), "Z": ("{iso}T00:00:00Z", "same"), "offset": ("{iso}T23:59:59-05:00", "same"),
    "plus offset": ("{iso} 00:30:00+09:00", "same"), "time": ("{iso} 15:30:00", "same"),
    "other format": ("{dmy}", "same"), "us format": ("{mdy}", "same"), "rtl": ("\u200f{iso}", "same"),
    "newline": ("{iso}\n", "same"), "spaces": ("  {iso}  ", "same"), "month 13": ("2020-13-01", None),
    "year 0": ("0000-01-01", None), "epoch": ("1136246400", None), "excel serial": ("38720", None),
    "words": ("yesterday", None), "iso week": ("2020-W05-5", None), "slash iso": ("{iso_slash}", "same"),
}

#: Whole-column date formats: (strftime format, the reader must understand it).
DATE_FORMATS = (
    ("%m/%d/%Y", True), ("%d/%m/%Y", True), ("%Y%m%d", True), ("%d.%m.%Y", True), ("%Y/%m/%d", True),
    ("%m/%d/%y", True), ("%d/%m/%y", True), ("%b %d, %Y", True), ("%d-%b-%Y", True), ("%d-%b-%y", True),
    ("%d %b %Y", True), ("%B %d, %Y", True), ("%m-%d-%Y", True), ("%d-%m-%Y", True),
    ("%Y-%m-%dT00:00:00Z", True), ("%Y-%m-%d 00:00:00", True), ("%Y-%m-%dT16:00:00-05:00", True),
    ("%Y-%m-%d 09:30:00+05:30", True), ("%Y-%m-%dT00:00:00.000+0000", True),
    ("%Y.%m.%d", False), ("%d %B %Y", False), ("%a %b %d %Y", False), ("%Y-%j", False),
)
_MONTH_FIRST = {"%d/%m/%Y": "%m/%d/%Y", "%d/%m/%y": "%m/%d/%y", "%d-%m-%Y": "%m-%d-%Y"}

#: Header names: the same column spelled otherwise (harmless), or names the reader cannot know.
ALIASES = {"date": ("date", "DATE", " Date ", "<DATE>", "Date.", "Datetime"),
           "open": ("open", "OPEN", "<OPEN>", "Open Price"), "high": ("high", "HIGH", "<HIGH>", "High Price"),
           "low": ("low", "LOW", "<LOW>", "Low Price"), "close": ("close", "CLOSE", "<CLOSE>", "Close Price"),
           "adj_close": ("adj_close", "Adj. Close", "Adjusted Close", "ADJ CLOSE"),
           "volume": ("volume", "VOLUME", "<VOL>", "Vol.")}
GARBAGE_NAMES = ("Unnamed: 3", "Col 7", "Κλείσιμο", "收盘", "", "x" * 300, "\u200f", "Date2", "Closing")

#: Text for an extra column nobody reads.
NOTES = ("plain note", "é€ü ñ", "\u200fملاحظة\u200e", "e\u0301\u0301\u0301", "\U0001f4c8\U0001f4c9",
         '=cmd|" /C calc"!A0', "a,b;c\td|e", 'say "hi"', "x" * 5000, "\u2028\u2029", "\x7f\x1b[31m")

#: Characters inserted into a line.
PIECES = ('"', ",", ";", "\t", "|", "\x00", "\ufeff", "\u200f", "\r", "\n", "\ud800", "é", "\u0301", " ",
          "'", "#", "-", "\x1a", "\x0b", "\u2028", "\u0085", "9", ".", "e")

ENCODINGS = (("utf-8", True), ("utf-8-sig", True), ("utf-16", True), ("utf-16-be-bom", True),
             ("latin-1", True), ("cp1252", True), ("utf-16-le", False), ("utf-32", False))
SEPARATORS = ((",", True), (";", True), ("\t", True), ("|", True), (" ", False))
ENDINGS = {"n": "\n", "w": "\r\n", "r": "\r", "x": "\r\r\n"}
FOOTERS = ("-1,,,,,,", "Data provided by Nasdaq", ",,,,", "null,null,null", "# end of file")
SUFFIXES = (".csv", ".txt", ".tsv", ".CSV", ".dat")

TABLE_OPS = ("drop", "dup", "swap", "cell", "long_cell", "date_cell", "rename", "garbage_name", "swap_names", "shuffle",
             "note", "footer", "blank", "drop_line")
TEXT_OPS = ("sep", "quote_all", "dates", "decimal_comma", "endings", "bom", "encoding", "gzip", "suffix")
DAMAGE_OPS = ("put", "delete", "xor", "cut", "insert_bytes", "gz_xor", "gz_cut")


# --------------------------------------------------------------------------------------------- table ops


def _acceptable(readings: tuple, original: frozenset) -> frozenset:
    values = [v for v in original if v != MISSING]
    x = values[0] if values else None
    out: set = set()
    for reading in readings:
        if not isinstance(reading, str) or reading == MISSING:
            out.add(reading)
        elif x is None:
            continue  # the original was not a number: nothing derived from it is right
        elif reading in ("x", "x0"):
            out.add(x)
        elif reading == "-x":
            out.add(-x)
        elif reading == "x/100":
            out.add(x / 100)
        elif reading == "x.5":
            out.add(float(f"{x:g}.5") if float(x).is_integer() else math.nan)
        elif reading == "M":
            out.add(1.2e6)
    return frozenset(value for value in out if not (isinstance(value, float) and math.isnan(value)))


def _data_rows(table: Table) -> list[Row]:
    return [row for row in table.rows if row.cells]


def _cell_op(table: Table, row: int, column: int, key: str) -> None:
    rows = _data_rows(table)
    if not rows:
        return
    target = rows[row % len(rows)]
    column %= len(table.kinds)
    kind = table.kinds[column]
    table.benign = False
    text, readings = NUMBER_CELLS[key]
    target.cells[column] = text.replace("{v}", target.cells[column].strip())
    if kind == "date":  # a number where the date was; "{v}" keeps the date's text, with noise around it
        target.date_set = True
        if target.date is None or f"{target.date:%Y-%m-%d}" not in target.cells[column]:
            target.date = None
    elif kind in NUMERIC or kind == "close_alt":
        readings = readings if kind == "volume" or key != "1.2M" else ()  # a suffix only scales volumes
        target.accept[column] = _acceptable(readings, target.accept[column])


def _date_cell_op(table: Table, row: int, key: str) -> None:
    rows = _data_rows(table)
    if not rows:
        return
    target = rows[row % len(rows)]
    column = table.kinds.index("date")
    text, meaning = DATE_CELLS[key]
    date = target.date
    if date is not None:
        text = (text.replace("{iso}", f"{date:%Y-%m-%d}").replace("{dmy}", f"{date:%d.%m.%Y}")
                .replace("{mdy}", f"{date:%m/%d/%Y}").replace("{iso_slash}", f"{date:%Y/%m/%d}"))
    elif "{" in text:
        text, meaning = "garbage", None
    target.cells[column] = text
    target.date = date if meaning == "same" else (pd.Timestamp(meaning) if meaning else None)
    target.date_set = True
    table.benign = False


LONG_LENGTHS = (300, 5000, 99_000, 200_000)
LONG_CHARS = ("9", "x", "é", "0")


def _long_cell(table: Table, row: int, column: int, length: int, char: int) -> None:
    """One cell of 300 to 200,000 characters: a number too long for a float, text, or a line past the limit."""
    rows = _data_rows(table)
    if not rows:
        return
    target, column = rows[row % len(rows)], column % len(table.kinds)
    text = LONG_CHARS[char % len(LONG_CHARS)] * LONG_LENGTHS[length % len(LONG_LENGTHS)]
    target.cells[column] = text
    kind = table.kinds[column]
    table.benign &= kind is None and len(text) <= 5000
    if kind == "date":
        target.date, target.date_set = None, True
    elif kind in NUMERIC or kind == "close_alt":
        value = float(text) if text[0] in "09" else math.inf
        target.accept[column] = frozenset({value}) if math.isfinite(value) else frozenset()


def _shuffle(table: Table, seed: int) -> None:
    order = list(range(len(table.kinds)))
    start = 0 if table.date_labelled else 1  # an unlabelled index column must stay first
    movable = order[start:]
    # a deterministic permutation from `seed` (Lehmer code), so the recipe alone fixes the file
    permuted = []
    while movable:
        permuted.append(movable.pop(seed % len(movable)))
        seed //= len(permuted) + 1
    order = order[:start] + permuted
    table.header = [[line[j] for j in order] for line in table.header]
    table.kinds = [table.kinds[j] for j in order]
    for row in _data_rows(table):
        row.cells = [row.cells[j] for j in order]
        row.accept = [row.accept[j] for j in order]


def _rename(table: Table, column: int, which: int, garbage: bool) -> None:
    if not table.header:
        return
    column %= len(table.kinds)
    kind = table.kinds[column]
    names = table.header[table.name_row]
    if garbage or kind not in ALIASES:
        names[column] = GARBAGE_NAMES[which % len(GARBAGE_NAMES)]
        table.benign &= kind not in ("date", "close", "adj_close", "close_alt", "ticker")
        table.benign &= table.date_labelled or column != 0
        if kind != "date" or table.date_labelled:
            table.kinds[column] = None
    else:
        names[column] = ALIASES[kind][which % len(ALIASES[kind])]


def _swap_names(table: Table, a: int, b: int) -> None:
    """Two price columns trade names (Open is called Close and the other way round): a valid file that means
    something else."""
    numeric = [j for j, kind in enumerate(table.kinds) if kind in NUMERIC or kind == "close_alt"]
    a, b = numeric[a % len(numeric)], numeric[b % len(numeric)]
    for line in table.header:
        line[a], line[b] = line[b], line[a]
    table.kinds[a], table.kinds[b] = table.kinds[b], table.kinds[a]
    table.benign &= "volume" not in (table.kinds[a], table.kinds[b])


def _note(table: Table, which: int) -> None:
    text = NOTES[which % len(NOTES)]
    if not table.header:
        return
    for k, line in enumerate(table.header):
        line.append("Note" if k == table.name_row else "")
    table.kinds.append(None)
    for row in _data_rows(table):
        row.cells.append(text)
        row.accept.append(frozenset())


def apply_table_op(table: Table, op: tuple) -> None:
    name, *args = op
    rows = table.rows
    if name == "drop" and len(rows) > 1:
        del rows[args[0] % len(rows)]
    elif name == "dup" and rows:
        source = rows[args[0] % len(rows)]
        rows.insert(args[1] % (len(rows) + 1), replace(source, cells=list(source.cells), accept=list(source.accept)))
    elif name == "swap" and rows:
        i, j = args[0] % len(rows), args[1] % len(rows)
        rows[i], rows[j] = rows[j], rows[i]
    elif name == "cell":
        _cell_op(table, args[0], args[1], args[2])
    elif name == "long_cell":
        _long_cell(table, *args)
    elif name == "date_cell":
        _date_cell_op(table, args[0], args[1])
    elif name == "rename":
        _rename(table, args[0], args[1], garbage=False)
    elif name == "garbage_name":
        _rename(table, args[0], args[1], garbage=True)
    elif name == "swap_names":
        _swap_names(table, args[0], args[1])
    elif name == "shuffle":
        _shuffle(table, args[0])
    elif name == "note":
        _note(table, args[0])
    elif name == "footer":
        table.footer.append(FOOTERS[args[0] % len(FOOTERS)])
    elif name == "blank":
        rows.insert(args[0] % (len(rows) + 1), Row([""] * 0, None, []))  # a blank line
    elif name == "drop_line" and table.header:  # a header line goes (data rows go with "drop")
        del table.header[args[0] % len(table.header)]
        table.benign, table.lossy = False, True
        table.name_row = max(0, min(table.name_row, len(table.header) - 1))


# ------------------------------------------------------------------------------------------------ text ops


@dataclass
class Text:
    """The file as lines of text (each tied to a row or not), then as bytes."""

    lines: list[str]
    owners: list[Row | None]
    endings: str = "n"
    final_newline: bool = True
    encoding: str = "utf-8"
    bom: str = ""
    gzip_members: int = 0
    suffix: str = ".csv"


def _quoted(cell: str, sep: str, always: bool) -> str:
    if always or any(ch in cell for ch in (sep, '"', "\r", "\n")) or (sep == " " and not cell):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def _formatted_date(row: Row, column: int, fmt: str) -> None:
    if row.date is not None and not row.date_set:
        row.cells[column] = row.date.strftime(fmt)


def _decimal_comma(cell: str) -> str:
    match = re.fullmatch(r"(-?)(\d+)(?:\.(\d+))?", cell.strip())
    if not match:
        return cell
    sign, whole, frac = match.groups()
    grouped = f"{int(whole):,}".replace(",", ".")
    return f"{sign}{grouped}" + (f",{frac}" if frac else "")


def render(table: Table, ops: list[tuple]) -> Text:
    """The table as lines of text, with the text ops applied (separator, quoting, dates, encoding, ...)."""
    sep, always = ",", False
    text = Text([], [])
    date_column = table.kinds.index("date") if "date" in table.kinds else None
    for name, *args in ops:
        if name == "sep":
            sep, ok = SEPARATORS[args[0] % len(SEPARATORS)]
            table.benign &= ok
        elif name == "quote_all":
            always = True
        elif name == "dates" and date_column is not None:
            fmt, ok = DATE_FORMATS[args[0] % len(DATE_FORMATS)]
            dated = [row.date for row in table.rows if row.date is not None and not row.date_set]
            if fmt in _MONTH_FIRST and all(date.day <= 12 for date in dated):
                fmt = _MONTH_FIRST[fmt]  # every day reads both ways: month-first is the documented choice
            table.benign &= ok
            for row in table.rows:
                if row.cells:
                    _formatted_date(row, date_column, fmt)
        elif name == "decimal_comma":
            sep = ";"
            for row in table.rows:
                row.cells = [_decimal_comma(cell) if kind in NUMERIC or kind == "close_alt" else cell
                             for cell, kind in zip(row.cells, table.kinds, strict=False)]
        elif name == "endings":
            text.endings = args[0] or "n"
            text.final_newline = bool(args[1])
        elif name == "bom":
            text.bom = ("utf8", "twice", "none")[args[0] % 3]
            table.benign &= text.bom != "twice"
        elif name == "encoding":
            text.encoding, ok = ENCODINGS[args[0] % len(ENCODINGS)]
            table.benign &= ok
        elif name == "gzip":
            text.gzip_members = 1 + args[0] % 3
        elif name == "suffix":
            text.suffix = SUFFIXES[args[0] % len(SUFFIXES)]
    if sep == ";" and any(re.fullmatch(r"\d{1,3}\.\d{3}", cell.strip()) for row in table.rows for cell in row.cells):
        table.benign = False  # "1.234" could be a European thousand or a decimal: nobody can tell
    names = table.header[table.name_row] if table.header else []
    table.benign &= not (sep != "," and any(kind is None and sep in name
                                            for name, kind in zip(names, table.kinds, strict=False)))
    for line in table.header:
        text.lines.append(sep.join(_quoted(cell, sep, always) for cell in line))
        text.owners.append(None)
    for row in table.rows:
        text.lines.append(sep.join(_quoted(cell, sep, always) for cell in row.cells))
        text.owners.append(row if row.cells else None)
    for footer in table.footer:
        text.lines.append(footer.replace(",", sep))
        text.owners.append(None)
    return text


# ---------------------------------------------------------------------------------------------- encoding


def _codec(encoding: str) -> tuple[str, bytes, str]:
    """(codec for each line, bytes before the first line, error handler)."""
    return {"utf-8": ("utf-8", b"", "surrogatepass"), "utf-8-sig": ("utf-8", b"\xef\xbb\xbf", "surrogatepass"),
            "utf-16": ("utf-16-le", b"\xff\xfe", "surrogatepass"),
            "utf-16-be-bom": ("utf-16-be", b"\xfe\xff", "surrogatepass"),
            "utf-16-le": ("utf-16-le", b"", "surrogatepass"), "utf-32": ("utf-32-le", b"\xff\xfe\x00\x00", "replace"),
            "latin-1": ("latin-1", b"", "replace"), "cp1252": ("cp1252", b"", "replace")}[encoding]


def _bom_text(text: Text) -> str:
    return {"utf8": "\ufeff", "twice": "\ufeff\ufeff", "none": "", "": ""}[text.bom]


@dataclass
class Built:
    data: bytes
    truth: Truth


def _ending(text: Text, k: int) -> str:
    if k == len(text.lines) - 1 and not text.final_newline:
        return ""
    return ENDINGS.get(text.endings[k % len(text.endings)], "\n")


def build(recipe: tuple) -> Built:
    """The bytes of the file that `recipe` describes, and what a right reading of them returns."""
    seed_name, ops = recipe
    table = load_seed(seed_name)
    for op in ops:
        if op[0] in TABLE_OPS:
            apply_table_op(table, op)
    text = render(table, [op for op in ops if op[0] in TEXT_OPS])
    damaged: set[int] = set()
    for name, *args in ops:  # damage to characters of a line
        if name in ("put", "delete") and text.lines:
            k = args[0] % len(text.lines)
            line = text.lines[k]
            pos = args[1] % (len(line) + 1)
            if name == "put":
                text.lines[k] = line[:pos] + PIECES[args[2] % len(PIECES)] + line[pos:]
            else:
                text.lines[k] = line[:pos] + line[pos + 1 + args[2] % 4:]
            damaged.add(k)
    codec, prefix, errors = _codec(text.encoding)
    pieces = [(_bom_text(text) + line if k == 0 else line) + _ending(text, k) for k, line in enumerate(text.lines)]
    chunks = [piece.encode(codec, errors) for piece in pieces]
    spans, start = [], len(prefix)
    for chunk in chunks:
        spans.append((start, start + len(chunk)))
        start += len(chunk)
    data = bytearray(prefix + b"".join(chunks))
    cut = None
    for name, *args in ops:  # damage to bytes, before compression
        if not data:
            break
        if name == "xor":
            pos = args[0] % len(data)
            data[pos] ^= (args[1] % 255) + 1
            damaged |= _lines_at(spans, pos)
        elif name == "insert_bytes":
            pos = args[0] % (len(data) + 1)
            data[pos:pos] = (b"\x00\xd8", b"\xd8\x00", b"x", b"\x80", b"\xc3", b"\xed\xa0\x80")[args[1] % 6]
            damaged |= _lines_at(spans, min(pos, len(data) - 1))
        elif name == "cut":
            cut = args[0] % len(data) if cut is None else min(cut, args[0] % len(data))
    if cut is not None:
        data = data[:cut]
        damaged |= _lines_at(spans, max(cut - 1, 0))
        kept = sum(1 for _, end in spans if end <= cut) + (1 if any(s < cut < e for s, e in spans) else 0)
        text.lines, text.owners = text.lines[:kept], text.owners[:kept]
    raw = bytes(data)
    all_damaged = False
    if text.gzip_members:
        parts = [raw[k * len(raw) // text.gzip_members:(k + 1) * len(raw) // text.gzip_members]
                 for k in range(text.gzip_members)]
        packed = bytearray(b"".join(gzip.compress(part, compresslevel=1, mtime=0) for part in parts))
        for name, *args in ops:
            if name == "gz_xor" and packed:
                packed[args[0] % len(packed)] ^= (args[1] % 255) + 1
                all_damaged = True
            elif name == "gz_cut" and packed:
                packed = packed[:args[0] % len(packed)]
                all_damaged = True
        raw = bytes(packed)
    suffix = text.suffix + (".gz" if text.gzip_members and text.suffix != ".dat" else "")
    return Built(raw, _truth(table, text, damaged, all_damaged, raw, suffix, SEEDS[seed_name].ticker))


def _lines_at(spans: list[tuple[int, int]], pos: int) -> set[int]:
    return {k for k, (start, end) in enumerate(spans) if start <= pos < end} or ({len(spans) - 1} if spans else set())


def _truth(table: Table, text: Text, damaged: set[int], all_damaged: bool, raw: bytes, suffix: str,
           ticker: str | None) -> Truth:
    kinds = list(table.kinds)
    if "close" not in kinds:
        kinds = ["close" if kind == "close_alt" else kind for kind in kinds]
    header_lines = len(table.header)
    header_damaged = all_damaged or any(k < header_lines for k in damaged)
    damaged_rows = {id(text.owners[k]) for k in damaged if k < len(text.owners) and text.owners[k] is not None}
    intact = [row for row in (owner for owner in text.owners if owner is not None)
              if id(row) not in damaged_rows and not all_damaged]
    damaged_text = [text.lines[k] for k in damaged if k >= header_lines and k < len(text.lines)]
    if all_damaged:
        damaged_text = text.lines[header_lines:]
    lost = len(text.owners) < len(table.header) + len(table.rows)
    rows_with_price = any(_clean_model_price(row, kinds) for row in intact)
    must_accept = table.benign and not damaged and not all_damaged and not lost and rows_with_price
    complete = not damaged and not all_damaged and not lost and not table.lossy
    return Truth(kinds, intact, damaged_text, header_damaged, must_accept, complete, ticker, suffix)


def model_column(kinds: list[str | None]) -> str:
    return "adj_close" if "adj_close" in kinds else "close"


def _clean_model_price(row: Row, kinds: list[str | None]) -> bool:
    column = model_column(kinds)
    if column not in kinds or row.date is None:
        return False
    accept = row.accept[kinds.index(column)]
    return len(accept) == 1 and all(value != MISSING and value > 0 for value in accept)


def spellings(date: pd.Timestamp) -> set[str]:
    """Ways a damaged line may spell `date`: every format the catalog writes, padded or not."""
    out = {date.strftime(fmt) for fmt, _ in DATE_FORMATS} | {f"{date:%Y-%m-%d}", f"{date:%Y%m%d}"}
    out |= {f"{date.year}-{date.month}-{date.day}", f"{date.month}/{date.day}/{date.year}",
            f"{date.day}/{date.month}/{date.year}", f"{date.day}.{date.month}.{date.year}"}
    return out
