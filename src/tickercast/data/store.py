"""The local price store: one SQLite file that prices are fetched into once and read from offline.

    prices   (ticker, date) -> open high low close adj_close volume, source, fetched_at
    tickers  ticker -> exchange (the market's MIC: XNYS, XNSE, ...)
    fetches  one row per write: what was asked, what came, what was added, whether history was replaced

Why it cannot lose data: the file is opened as every SQLite file of tickercast is (`tickercast.sqlite`: WAL mode,
synced at every commit) and every write (`update`, `replace`, `remove`) is ONE transaction that takes the write
lock first (`BEGIN IMMEDIATE`). A crash, Ctrl-C or kill in the middle leaves
the last committed state, and readers never see half a download. A second process that wants to write waits
for the lock (up to `timeout` seconds) instead of failing.

A ticker's rows always come from one download basis: `update` only extends history that the new download
agrees with, and raises `HistoryRevisedError` when it does not (a split or dividend re-adjustment, another source,
a gap), so the caller can `replace` the ticker's history from a fresh full download instead of mixing bases.

The schema is versioned with `PRAGMA user_version`; opening an older file runs the missing migrations in one
transaction, and a file from a newer tickercast is refused rather than damaged.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tickercast.data.layout import PRICE_COLUMNS
from tickercast.errors import ConfigError, DataError, option, shown
from tickercast.sqlite import connect, make_durable, transaction

if TYPE_CHECKING:  # pandas is imported where rows become frames: `tickercast data list` needs neither
    import pandas as pd

    from tickercast.data.validate import Fill

HOME_VARIABLE = "TICKERCAST_HOME"
_SYMBOL = re.compile(r"[A-Z0-9.\-^=_]{1,24}")  # IBM, BRK-B, ^GSPC, EURUSD=X, IBM.US

#: Statements that bring the schema from version i to i + 1; a new file runs them all.
_MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (  # 1: daily bars
        "CREATE TABLE prices (ticker TEXT NOT NULL, date TEXT NOT NULL, open REAL, high REAL, low REAL, "
        "close REAL, adj_close REAL, volume REAL, PRIMARY KEY (ticker, date)) WITHOUT ROWID",
    ),
    (  # 2: where each row came from and when, and the log of every write
        "ALTER TABLE prices ADD COLUMN source TEXT NOT NULL DEFAULT 'unknown'",
        "ALTER TABLE prices ADD COLUMN fetched_at TEXT",
        "CREATE TABLE fetches (id INTEGER PRIMARY KEY, ticker TEXT NOT NULL, source TEXT NOT NULL, "
        "fetched_at TEXT NOT NULL, requested_start TEXT, first_date TEXT, last_date TEXT, "
        "received INTEGER NOT NULL, added INTEGER NOT NULL, replaced INTEGER NOT NULL, note TEXT)",
        "CREATE INDEX fetches_by_ticker ON fetches (ticker, id)",
    ),
    (  # 3: the exchange each ticker trades on (its calendar dates forecasts and finds gaps)
        "CREATE TABLE tickers (ticker TEXT PRIMARY KEY, exchange TEXT NOT NULL) WITHOUT ROWID",
    ),
)
SCHEMA_VERSION = len(_MIGRATIONS)

_COLUMNS = ("ticker", "date", *PRICE_COLUMNS, "source", "fetched_at")
_UPSERT = (f"INSERT INTO prices ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))}) "
           f"ON CONFLICT (ticker, date) DO UPDATE SET "
           + ", ".join(f"{name} = excluded.{name}" for name in _COLUMNS[2:]))
_COMPARED = ("open", "high", "low", "close", "adj_close")  # volume is revised alone too often to mean a re-base
_SAME = 1e-6  # relative difference below which two prices are the same number (float32 sources round)


class HistoryRevisedError(DataError):
    """A download disagrees with the stored history it overlaps; nothing was written."""

    def __init__(self, ticker: str, reason: str) -> None:
        super().__init__(f"{ticker}: {reason}; replace the stored history with `tickercast data fetch {ticker} "
                         "--full`")
        self.reason = reason


@dataclass(frozen=True)
class Holding:
    """What the store holds for one ticker (a row of `tickercast data list`)."""

    ticker: str
    first: str
    last: str
    rows: int
    source: str
    fetched_at: str | None
    exchange: str | None = None


@dataclass(frozen=True)
class Written:
    """What one write did: rows received, days added (net: a replaced history may be shorter), and whether
    (and why) the ticker's history was replaced; `holding` is the ticker in the store afterwards."""

    ticker: str
    source: str
    received: int
    added: int
    replaced: bool
    note: str | None
    holding: Holding | None


def default_path() -> Path:
    """$TICKERCAST_HOME/prices.db, else ~/.cache/tickercast/prices.db (or under $XDG_CACHE_HOME)."""
    home = os.environ.get(HOME_VARIABLE)
    folder = Path(home) if home else Path(os.environ.get("XDG_CACHE_HOME") or "~/.cache") / "tickercast"
    return folder.expanduser() / "prices.db"


def ticker_key(ticker: str) -> str:
    """Tickers are stored upper-case, so `ibm` and `IBM` are one ticker.

    Only ASCII symbols are keys: Unicode case mapping would merge distinct texts into one stored ticker
    ('ß'.upper() is 'SS', 'ﬀ'.upper() is 'FF'), so anything else is refused rather than normalised.

    >>> ticker_key(" brk-b ")
    'BRK-B'
    """
    text = str(ticker).strip()
    if not text:
        raise ConfigError("the ticker is empty; give a symbol such as IBM")
    key = text.upper() if text.isascii() else ""
    if not _SYMBOL.fullmatch(key):
        raise ConfigError(f"{shown(ticker)} is not a ticker symbol; use letters, digits and . - ^ = _ "
                          "(e.g. BRK-B, ^GSPC)")
    return key


class Store:
    """The SQLite price store. Use as a context manager, or call `close`.

    >>> with Store() as store:                           # doctest: +SKIP
    ...     store.replace("IBM", tc.read_csv("IBM.csv"))
    ...     store.read("IBM").tail()
    """

    def __init__(self, path: str | Path | None = None, *, timeout: float = 30.0) -> None:
        self.path = Path(path).expanduser() if path is not None else default_path()
        self.timeout = timeout
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise DataError(f"cannot create the store folder {self.path.parent} ({error.strerror}); set "
                            f"{HOME_VARIABLE} to a writable folder") from None
        with self._errors():
            self._db = connect(self.path, timeout=timeout)
            make_durable(self._db, setup=lambda _: self._migrate())

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    # reading

    def holdings(self, ticker: str | None = None) -> list[Holding]:
        """Every stored ticker (or just `ticker`): first and last day, rows, source, last fetch."""
        where, params = ("WHERE p.ticker = ?", (ticker_key(ticker),)) if ticker is not None else ("", ())
        query = ("SELECT p.ticker, min(p.date), max(p.date), count(*), max(p.source), "
                 "coalesce(f.at, max(p.fetched_at)), max(t.exchange) FROM prices AS p LEFT JOIN "
                 "(SELECT ticker, max(fetched_at) AS at FROM fetches GROUP BY ticker) AS f ON f.ticker = p.ticker "
                 "LEFT JOIN tickers AS t ON t.ticker = p.ticker "
                 f"{where} GROUP BY p.ticker ORDER BY p.ticker")
        with self._errors():
            return [Holding(*row) for row in self._db.execute(query, params)]

    def holding(self, ticker: str) -> Holding | None:
        found = self.holdings(ticker)
        return found[0] if found else None

    def read(self, ticker: str, *, price_column: str | None = None, fill: Fill = None) -> pd.DataFrame:
        """The stored prices of `ticker` as a PriceFrame (through the validation gate, like every source)."""
        from tickercast.data.validate import validate

        key = ticker_key(ticker)
        table = self._table(key)
        if table.empty:
            raise self.missing(key)
        table = table.dropna(axis=1, how="all")  # a column this source never had (adj_close from TIME_SERIES_DAILY)
        source = table.pop("source").iloc[-1]
        raw = table.reset_index().set_index(table.index.strftime("%Y-%m-%d"))  # rows named by their day
        with self._errors():
            exchange = self._db.execute("SELECT exchange FROM tickers WHERE ticker = ?", (key,)).fetchone()
        return validate(raw, origin=f"store {key}", rows="day", source=source, ticker=key,
                        price_column=price_column, fill=fill, exchange=exchange[0] if exchange else None)

    def overlap_start(self, ticker: str, days: int) -> dt.date | None:
        """The day `days` stored rows before the end: where an incremental fetch starts, to catch revisions."""
        query = "SELECT min(date) FROM (SELECT date FROM prices WHERE ticker = ? ORDER BY date DESC LIMIT ?)"
        with self._errors():
            (first,) = self._db.execute(query, (ticker_key(ticker), max(days, 1))).fetchone()
        return None if first is None else dt.date.fromisoformat(first)

    def fetches(self, ticker: str, limit: int = 10) -> list[dict[str, Any]]:
        """The latest writes of `ticker`, newest first."""
        with self._errors():
            cursor = self._db.execute("SELECT * FROM fetches WHERE ticker = ? ORDER BY id DESC LIMIT ?",
                                      (ticker_key(ticker), limit))
            names = [column[0] for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor]

    def missing(self, key: str) -> DataError:
        """The error for a ticker the store does not hold, saying how to get it in."""
        return DataError(f"{key} is not in the store ({self.path}); fetch it with `tickercast data fetch {key} "
                         f"--source alphavantage` (or yahoo), or import a file with `tickercast data import FILE "
                         f"--ticker {key}`")

    # writing: each method is one transaction

    def update(self, ticker: str, prices: pd.DataFrame, *, requested_start: dt.date | None = None) -> Written:
        """Add `prices` to the ticker's history, if they agree with the stored days they overlap.

        The last stored day may change (it may have been fetched while the market was open); any other
        difference raises `HistoryRevisedError` and writes nothing.
        """
        key = ticker_key(ticker)
        with self._errors(), transaction(self._db) as db:
            held = self.holding(key)
            if held is not None and len(prices):
                reason = revision(self._table(key, since=prices.index[0]), held, prices)
                if reason is not None:
                    raise HistoryRevisedError(key, reason)
            return self._write(db, key, prices, before=held.rows if held else 0, requested_start=requested_start,
                               replace=False, note=None)

    def replace(self, ticker: str, prices: pd.DataFrame, *, requested_start: dt.date | None = None,
                note: str | None = None) -> Written:
        """Make `prices` the ticker's whole stored history, in one transaction; `note` says why in the log."""
        key = ticker_key(ticker)
        if prices.empty:
            since = f" from {requested_start}" if requested_start else ""
            raise DataError(f"{key}: the download holds no prices{since}, so the store was left as it was; "
                            f"try an earlier {option('start')}")
        with self._errors(), transaction(self._db) as db:
            before = db.execute("DELETE FROM prices WHERE ticker = ?", (key,)).rowcount
            return self._write(db, key, prices, before=before, requested_start=requested_start, replace=True,
                               note=note)

    def remove(self, ticker: str) -> int:
        """Forget a ticker: its prices and its fetch log. Returns the number of price rows removed."""
        key = ticker_key(ticker)
        with self._errors(), transaction(self._db) as db:
            removed = db.execute("DELETE FROM prices WHERE ticker = ?", (key,)).rowcount
            db.execute("DELETE FROM fetches WHERE ticker = ?", (key,))
            db.execute("DELETE FROM tickers WHERE ticker = ?", (key,))
        if not removed:
            raise self.missing(key)
        return removed

    # inside

    def _write(self, db: sqlite3.Connection, key: str, prices: pd.DataFrame, *, before: int,
               requested_start: dt.date | None, replace: bool, note: str | None) -> Written:
        """Upsert the rows and log the write; `before` is how many days the ticker had, for `added`."""
        from tickercast.trading_calendar import exchange_for

        source, now = prices.attrs["source"], dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        db.executemany(_UPSERT, _rows(prices, key, source, now))
        db.execute("INSERT INTO tickers (ticker, exchange) VALUES (?, ?) ON CONFLICT (ticker) DO UPDATE SET "
                   "exchange = excluded.exchange", (key, prices.attrs.get("exchange") or exchange_for(key)))
        holding = self.holding(key)
        added = (holding.rows if holding else 0) - before
        dates = prices.index.strftime("%Y-%m-%d")
        db.execute("INSERT INTO fetches (ticker, source, fetched_at, requested_start, first_date, last_date, "
                   "received, added, replaced, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   (key, source, now, requested_start.isoformat() if requested_start else None,
                    dates[0] if len(dates) else None, dates[-1] if len(dates) else None, len(prices), added,
                    int(replace), note))
        return Written(key, source, len(prices), added, replace, note, holding)

    def _table(self, key: str, since: pd.Timestamp | None = None) -> pd.DataFrame:
        """Stored rows of one ticker (from `since` on), indexed by date, NULL as NaN."""
        import pandas as pd

        names = ("date", *PRICE_COLUMNS, "source")
        query = f"SELECT {', '.join(names)} FROM prices WHERE ticker = ? AND date >= ? ORDER BY date"
        start = "" if since is None else f"{since:%Y-%m-%d}"
        with self._errors():
            rows = self._db.execute(query, (key, start)).fetchall()
        table = pd.DataFrame.from_records(rows, columns=list(names))
        table[list(PRICE_COLUMNS)] = table[list(PRICE_COLUMNS)].astype("float64")
        return table.set_index(pd.DatetimeIndex(table.pop("date"), name="date"))

    def _migrate(self) -> None:
        if self._version() == SCHEMA_VERSION:
            return
        with transaction(self._db) as db:
            version = self._version()  # again: another process may have migrated while we waited for the lock
            if version > SCHEMA_VERSION:
                raise DataError(f"{self.path}: written by a newer tickercast (store version {version}, this one "
                                f"knows {SCHEMA_VERSION}); upgrade tickercast")
            if version == 0 and db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
                raise DataError(f"{self.path}: an SQLite file, but not a tickercast store; set {HOME_VARIABLE} "
                                "to another folder")
            for migration in _MIGRATIONS[version:]:
                for statement in migration:
                    db.execute(statement)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """SQLite failures a user can cause or fix (busy, disk full, damaged file) as one-line DataErrors."""
        try:
            yield
        except sqlite3.OperationalError as error:
            text = str(error)
            if "locked" in text or "busy" in text:
                raise DataError(f"{self.path}: the store is busy (another process has been writing for over "
                                f"{self.timeout:g} s); try again when it has finished") from None
            if "full" in text or "readonly" in text or "unable to open" in text or "disk I/O" in text:
                raise DataError(f"{self.path}: cannot write the store ({text}); free disk space or set "
                                f"{HOME_VARIABLE} to a writable folder") from None
            raise
        except sqlite3.DatabaseError as error:
            if "not a database" in str(error) or "malformed" in str(error):
                raise DataError(f"{self.path}: damaged or not a tickercast store ({error}); move it away and "
                                "fetch again") from None
            raise


def revision(stored: pd.DataFrame, held: Holding, new: pd.DataFrame) -> str | None:
    """Why `new` cannot simply extend the stored history, or None when it can.

    `stored` is the ticker's stored rows from `new`'s first day on. The last stored day is not compared: it
    may have been fetched before the market closed. Everything else must match to within float rounding.
    """
    import numpy as np
    import pandas as pd

    if new.attrs["source"] != held.source:
        return f"the stored prices came from {held.source}, these from {new.attrs['source']}"
    last = pd.Timestamp(held.last)
    if new.index[0] > last:
        return (f"the download starts on {new.index[0]:%Y-%m-%d}, after the last stored day {held.last}, so it "
                "cannot be checked against the stored history")
    earlier = stored.loc[(stored.index < last) & (stored.index <= new.index[-1])]
    lacking = earlier.index.difference(new.index)
    if len(lacking):
        return f"the download lacks {lacking[0]:%Y-%m-%d}, a day the store holds"
    old = earlier.reindex(columns=list(_COMPARED))
    fresh = new.reindex(index=earlier.index, columns=list(_COMPARED))
    same = (old.isna() & fresh.isna()) | np.isclose(old, fresh, rtol=_SAME, atol=0.0)
    changed = ~same.to_numpy()
    if not changed.any():
        return None
    day, column = np.argwhere(changed)[0]
    days = int(changed.any(axis=1).sum())
    more = f" (and {days - 1} more days)" if days > 1 else ""
    name, date = _COMPARED[column], earlier.index[day]
    was, now = (_shown(frame.iloc[day, column]) for frame in (old, fresh))
    return (f"{name} on {date:%Y-%m-%d} was {was}, now {now}{more}: the source revised its history (a split or "
            "dividend adjustment?)")


def _shown(value: float) -> str:
    return "empty" if math.isnan(value) else f"{value:g}"


def _rows(prices: pd.DataFrame, key: str, source: str, now: str) -> Iterator[tuple[Any, ...]]:
    """SQLite rows of a PriceFrame: ISO dates, NaN as NULL, columns it lacks as NULL."""
    table = prices.reindex(columns=list(PRICE_COLUMNS))
    values = table.astype(object).where(table.notna(), None)
    for date, row in zip(prices.index.strftime("%Y-%m-%d"), values.itertuples(index=False), strict=True):
        yield (key, date, *row, source, now)
