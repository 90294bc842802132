"""The SQLite price store on a real file: incremental fetches, revisions, crashes, concurrent writers, migrations."""

import datetime as dt
import os
import select
import signal
import sqlite3
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from tests.conftest import REPO
from tests.data.fixtures.fake_alphavantage import av_json, serving
from tickercast import TickercastWarning
from tickercast.data.files import read_csv
from tickercast.data.load import load
from tickercast.data.sources.refresh import OVERLAP, fetch
from tickercast.data.store import SCHEMA_VERSION, HistoryRevisedError, Store, default_path, revision
from tickercast.data.validate import validate
from tickercast.errors import ConfigError, DataError


def bars(days, *, start="2020-01-01", scale=1.0, source="fake", ticker="IBM"):
    """`days` business days of made-up OHLCV with known values: close on day i is scale * (100 + i / 2)."""
    close = scale * (100 + np.arange(days) / 2)
    frame = pd.DataFrame({"open": close - 0.25, "high": close + 1, "low": close - 1, "close": close,
                          "adj_close": close * 0.98, "volume": 1000.0 + np.arange(days)},
                         index=pd.bdate_range(start, periods=days, name="date"))
    return validate(frame, origin=source, source=source, ticker=ticker)


class FakeSource:
    """A source whose whole history is `truth`; it records the start of every fetch."""

    name = "fake"

    def __init__(self, truth):
        self.truth, self.starts = truth, []

    def fetch(self, ticker, start=None):
        self.starts.append(start)
        return self.truth if start is None else self.truth.loc[self.truth.index >= pd.Timestamp(start)]


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("TICKERCAST_HOME", str(tmp_path))
    return tmp_path


@pytest.fixture
def store(home):
    with Store() as opened:
        yield opened


def stored_equals(store, expected, ticker="IBM"):
    got = store.read(ticker)
    pd.testing.assert_frame_equal(got, expected, check_exact=True, check_freq=False, check_like=False,
                                  check_flags=False, check_names=True, check_dtype=True)
    return True


def integrity(path):
    with sqlite3.connect(path) as db:
        return db.execute("PRAGMA integrity_check").fetchone()[0]


# The file


def test_a_new_store_is_a_wal_file_at_the_current_schema(store, home):
    assert store.path == home / "prices.db"
    with sqlite3.connect(store.path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"prices", "fetches"} <= tables


def test_default_path_is_under_tickercast_home_or_the_user_cache(monkeypatch, tmp_path):
    assert default_path() == tmp_path / "prices.db"
    monkeypatch.delenv("TICKERCAST_HOME")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert default_path() == tmp_path / "cache" / "tickercast" / "prices.db"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_path() == tmp_path / ".cache" / "tickercast" / "prices.db"


def test_stored_prices_read_back_exactly(store):
    prices = bars(300)
    written = store.replace("IBM", prices)
    assert (written.received, written.added, written.replaced) == (300, 300, True)
    assert stored_equals(store, prices)
    assert store.read("IBM").attrs == {"origin": "store IBM", "ticker": "IBM", "source": "fake",
                                       "price_column": "adj_close", "exchange": "XNYS", "quality": []}


def test_tickers_are_one_whatever_their_case(store):
    store.replace("ibm", bars(10))
    assert [holding.ticker for holding in store.holdings()] == ["IBM"]
    assert len(store.read("Ibm")) == 10


@pytest.mark.parametrize(("hostile", "held"), [("ß", "SS"), ("ﬀ", "FF"), ("ﬁ", "FI"), ("İBM", "IBM"),
                                               ("ＩＢＭ", "IBM"), ("IBM\u200b", "IBM"), ("I\nBM", "IBM")])
def test_a_text_that_unicode_would_fold_into_another_ticker_is_refused_and_nothing_stored_changes(
        store, hostile, held):
    store.replace(held, bars(10))
    before = store.read(held)
    with pytest.raises(ConfigError, match="is not a ticker symbol"):
        store.replace(hostile, bars(20, scale=2.0))
    pd.testing.assert_frame_equal(store.read(held), before)
    assert [holding.ticker for holding in store.holdings()] == [held]


def test_a_hostile_ticker_on_the_command_line_changes_nothing(store, tmp_path, capsys):
    from tickercast.cli import main

    store.replace("SS", bars(10))
    path = tmp_path / "p.csv"
    path.write_text("Date,Close\n2024-01-02,1\n2024-01-03,2\n")
    assert main(["data", "import", str(path), "--ticker", "ß"]) == 2
    err = capsys.readouterr().err
    assert err == "error: 'ß' is not a ticker symbol; use letters, digits and . - ^ = _ (e.g. BRK-B, ^GSPC)\n"
    assert len(store.read("SS")) == 10


def test_a_column_the_source_never_had_stays_absent(store, recwarn):
    store.replace("IBM", validate(bars(10)[["close", "volume"]], origin="x", source="fake"))
    assert list(store.read("IBM").columns) == ["close", "volume"]
    assert not recwarn.list


def test_reading_a_ticker_the_store_lacks_says_how_to_get_it(store):
    with pytest.raises(DataError, match=r"MSFT is not in the store .*tickercast data fetch MSFT --source "
                                        r"alphavantage.*tickercast data import FILE --ticker MSFT"):
        store.read("msft")


def test_holdings_list_each_ticker_with_its_span_and_source(store):
    store.replace("MSFT", bars(20, start="2021-01-01"))
    store.replace("IBM", bars(10))
    (ibm, msft) = store.holdings()
    assert (ibm.ticker, ibm.first, ibm.last, ibm.rows, ibm.source) == ("IBM", "2020-01-01", "2020-01-14", 10, "fake")
    assert (msft.ticker, msft.rows) == ("MSFT", 20)
    assert ibm.fetched_at is not None


def test_remove_forgets_prices_and_log(store):
    store.replace("IBM", bars(10))
    assert store.remove("ibm") == 10
    assert store.holdings() == []
    assert store.fetches("IBM") == []
    with pytest.raises(DataError, match="IBM is not in the store"):
        store.remove("IBM")


def test_the_ibm_file_round_trips_through_the_store(store, ibm_csv):
    with pytest.warns(TickercastWarning, match="line 3021: skipped a trailing row"):
        prices = read_csv(ibm_csv)
    store.replace("IBM", prices)
    got = store.read("IBM")
    assert got.index.equals(prices.index)
    pd.testing.assert_frame_equal(got, prices, check_exact=True, check_freq=False, check_flags=False)


# Fetching: only what is missing, and never mixed bases


def test_first_fetch_downloads_everything_from_start(store):
    source = FakeSource(bars(300))
    written = fetch("IBM", source, store=store, start=dt.date(2020, 6, 1))
    assert source.starts == [dt.date(2020, 6, 1)]
    assert written.holding.first == "2020-06-01"
    assert not written.note


def test_incremental_fetch_asks_only_from_a_few_stored_days_before_the_end(store):
    truth = bars(300)
    fetch("IBM", FakeSource(truth.iloc[:250]), store=store)
    source = FakeSource(truth)
    written = fetch("IBM", source, store=store)
    assert source.starts == [truth.index[250 - OVERLAP].date()]
    assert (written.received, written.added, written.replaced) == (OVERLAP + 50, 50, False)
    assert stored_equals(store, truth)
    newest = store.fetches("IBM")[0]
    assert (newest["requested_start"], newest["received"], newest["added"], newest["replaced"]) == (
        f"{truth.index[250 - OVERLAP]:%Y-%m-%d}", OVERLAP + 50, 50, 0)


def test_fetching_when_up_to_date_changes_nothing_but_the_log(store):
    truth = bars(100)
    fetch("IBM", FakeSource(truth), store=store)
    written = fetch("IBM", FakeSource(truth), store=store)
    assert (written.added, written.replaced) == (0, False)
    assert stored_equals(store, truth)
    assert len(store.fetches("IBM")) == 2


def test_the_last_stored_day_may_still_change(store):
    truth = bars(100)
    fetch("IBM", FakeSource(truth.iloc[:60]), store=store)
    closed = truth.copy()
    closed.iloc[59, closed.columns.get_loc("close")] += 3  # day 60 was fetched before the market closed
    written = fetch("IBM", FakeSource(closed), store=store)
    assert not written.replaced
    assert stored_equals(store, closed)


def test_revised_overlap_replaces_the_history_and_logs_why(store):
    before = bars(300)
    fetch("IBM", FakeSource(before.iloc[:250]), store=store)
    after_split = bars(300, scale=0.5)  # the source re-based all its history
    source = FakeSource(after_split)
    written = fetch("IBM", source, store=store)
    assert source.starts == [before.index[250 - OVERLAP].date(), before.index[0].date()]
    assert written.replaced
    assert "the source revised its history" in written.note
    assert stored_equals(store, after_split)
    newest = store.fetches("IBM")[0]
    assert newest["replaced"] == 1
    assert newest["note"].startswith(f"open on {before.index[250 - OVERLAP]:%Y-%m-%d} was ")


def test_another_source_replaces_the_history(store):
    fetch("IBM", FakeSource(bars(100)), store=store)
    other = FakeSource(bars(80, source="other", scale=2))
    other.name = "other"
    written = fetch("IBM", other, store=store)
    assert other.starts == [None]
    assert written.note == "the source changed from fake to other"
    assert store.holding("IBM").rows == 80


def test_full_fetch_replaces_the_history(store):
    fetch("IBM", FakeSource(bars(100)), store=store)
    source = FakeSource(bars(100, scale=2))
    written = fetch("IBM", source, store=store, full=True)
    assert source.starts == [None]
    assert written.note == "asked for the full history"
    assert stored_equals(store, bars(100, scale=2))


def test_a_disagreeing_update_writes_nothing(store):
    store.replace("IBM", bars(100))
    logged = store.fetches("IBM")
    with pytest.raises(HistoryRevisedError, match=r"^IBM: open on 2020-01-01 was 99.75, now 199.75 \(and 98 more "
                                                  r"days\): .*; replace the stored history with `tickercast data "
                                                  r"fetch IBM --full`$"):
        store.update("IBM", bars(100, scale=2))
    assert stored_equals(store, bars(100))
    assert store.fetches("IBM") == logged


def test_a_download_that_starts_after_the_stored_end_cannot_extend_it(store):
    store.replace("IBM", bars(100).iloc[:50])
    with pytest.raises(HistoryRevisedError, match="after the last stored day"):
        store.update("IBM", bars(100).iloc[60:])


@pytest.mark.parametrize(("change", "expected"), [
    (lambda new: new, None),
    (lambda new: new.astype("float32").astype("float64"), None),  # a source that rounds to float32
    (lambda new: new.assign(volume=new["volume"] + 1), None),  # volume corrections alone are no re-base
    (lambda new: new.assign(adj_close=np.nan), "adj_close on 2020-01-01 was 98, now empty (and 8 more days)"),
    (lambda new: new.drop(new.index[3]), "the download lacks 2020-01-06"),
])
def test_revision_compares_every_day_but_the_last_to_within_rounding(store, change, expected):
    held = store.replace("IBM", bars(10)).holding
    new = change(bars(10))
    new.attrs = bars(10).attrs
    found = revision(store._table("IBM"), held, new)
    assert found == expected or (expected is not None and found.startswith(expected))


# Crashes and concurrency: the store never holds half a write


def test_an_error_midway_through_a_write_leaves_the_old_rows(store):
    old = bars(500)
    store.replace("IBM", old)
    steps = []
    store._db.set_progress_handler(lambda: len(steps) > 20 or steps.append(1), 100)  # abort mid-statement
    with pytest.raises(sqlite3.OperationalError, match="interrupted"):
        store.replace("IBM", bars(5000, scale=2))
    store._db.set_progress_handler(None, 0)
    assert stored_equals(store, old)
    store.replace("IBM", bars(20))  # and the store still takes writes
    assert store.holding("IBM").rows == 20


KILLED_WRITER = """
import sys, time
from tests.data.test_store import bars
from tickercast.data.store import Store

path, method = sys.argv[1], sys.argv[2]
store = Store(path)
store._db.execute("PRAGMA cache_size = 20")  # spill uncommitted pages into the WAL file before the commit
steps = 0

def pause():
    global steps
    if store._db.in_transaction:
        steps += 1
        if steps == 300:  # well inside the write: tell the test, then wait for SIGKILL
            print("writing", flush=True)
            time.sleep(120)
    return 0

store._db.set_progress_handler(pause, 1000)
new = bars(20000) if method == "update" else bars(20000, scale=2)
getattr(store, method)("IBM", new)
print("committed", flush=True)
"""


@pytest.mark.parametrize("method", ["update", "replace"])
def test_a_fetch_killed_midway_leaves_the_old_rows_readable_and_intact(home, method):
    path = home / "prices.db"
    old = bars(500)
    with Store(path) as store:
        store.replace("IBM", old)
    writer = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(path), method], cwd=REPO,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        ready, _, _ = select.select([writer.stdout], [], [], 60)
        assert ready, "the writer never started its write"
        assert writer.stdout.readline() == "writing\n", writer.stderr.read()
        assert (home / "prices.db-wal").stat().st_size > 20 * 4096  # uncommitted pages did reach the disk
        os.kill(writer.pid, signal.SIGKILL)
        assert writer.wait(timeout=30) == -signal.SIGKILL
    finally:
        writer.kill()
        writer.communicate()
    assert integrity(path) == "ok"
    with Store(path) as store:
        assert stored_equals(store, old)
        assert len(store.fetches("IBM")) == 1
        store.update("IBM", bars(600))  # a later fetch carries on normally
        assert store.holding("IBM").rows == 600


CONCURRENT_WRITER = """
import sys, time
from pathlib import Path
from tests.data.test_store import bars
from tickercast.data.store import Store

path, ticker, go = sys.argv[1], sys.argv[2], Path(sys.argv[3])
own, shared = bars(400, ticker=ticker), bars(400, ticker="SHARED")
while not go.exists():
    time.sleep(0.001)
with Store(path) as store:  # both processes create and migrate the same new file at the same moment
    for end in range(20, 401, 20):
        store.update(ticker, own.iloc[max(0, end - 25):end])
        store.update("SHARED", shared.iloc[:end])
print("done", flush=True)
"""


def test_two_processes_writing_at_once_both_succeed(home):
    path, go = home / "prices.db", home / "go"
    writers = [subprocess.Popen([sys.executable, "-c", CONCURRENT_WRITER, str(path), ticker, str(go)], cwd=REPO,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for ticker in ("AAA", "BBB")]
    go.touch()
    results = [writer.communicate(timeout=120) for writer in writers]
    assert [writer.returncode for writer in writers] == [0, 0], results
    assert integrity(path) == "ok"
    with Store(path) as store:
        assert stored_equals(store, bars(400, ticker="AAA"), "AAA")
        assert stored_equals(store, bars(400, ticker="BBB"), "BBB")
        assert stored_equals(store, bars(400, ticker="SHARED"), "SHARED")
        assert len(store.fetches("AAA", limit=100)) == 20
        assert len(store.fetches("SHARED", limit=100)) == 40


def test_a_store_locked_longer_than_the_timeout_is_a_clear_error(home):
    path = home / "prices.db"
    Store(path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with Store(path, timeout=0.05) as store, pytest.raises(DataError, match=r"the store is busy .*try again"):
            store.replace("IBM", bars(5))
    finally:
        holder.execute("ROLLBACK")
        holder.close()


# Schema versions


def test_opening_a_version_1_store_migrates_it_and_keeps_its_rows(home):
    path = home / "prices.db"
    db = sqlite3.connect(path)  # the first store's schema, written by hand
    db.execute("CREATE TABLE prices (ticker TEXT NOT NULL, date TEXT NOT NULL, open REAL, high REAL, low REAL, "
               "close REAL, adj_close REAL, volume REAL, PRIMARY KEY (ticker, date)) WITHOUT ROWID")
    db.executemany("INSERT INTO prices (ticker, date, close) VALUES ('IBM', ?, ?)",
                   [("2024-01-02", 10.0), ("2024-01-03", 11.0)])
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()
    with Store(path) as store:
        assert store.read("IBM")["close"].tolist() == [10.0, 11.0]
        assert store.holding("IBM").source == "unknown"
        written = fetch("IBM", FakeSource(bars(5)), store=store)  # from a known source now: replaced
        assert written.note == "the source changed from unknown to fake"
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert integrity(path) == "ok"


def test_a_store_from_a_newer_tickercast_is_refused_untouched(home):
    path = home / "prices.db"
    Store(path).close()
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(DataError, match=rf"newer tickercast \(store version {SCHEMA_VERSION + 1}.*upgrade"):
        Store(path)


def test_an_sqlite_file_of_something_else_is_refused(home):
    path = home / "prices.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE recipes (name TEXT)")
    with pytest.raises(DataError, match="an SQLite file, but not a tickercast store"):
        Store(path)


def test_a_damaged_file_is_a_clear_error(home):
    (home / "prices.db").write_bytes(b"this is not a database, just bytes " * 200)
    with pytest.raises(DataError, match=r"damaged or not a tickercast store .*move it away"):
        Store()


# Through --data TICKER --source store|alphavantage


def test_load_reads_a_stored_ticker(store):
    store.replace("IBM", bars(50))
    prices = load("ibm", source="store", price_column="close")
    assert prices.attrs["price_column"] == "close"
    assert len(prices) == 50


def test_load_from_alphavantage_fetches_then_continues_with_compact_requests(monkeypatch, home):
    recent = bars(150, start=f"{dt.date.today() - dt.timedelta(days=240):%Y-%m-%d}", source="alphavantage")
    with serving(monkeypatch) as alphavantage:
        alphavantage.answer(av_json(recent.iloc[:140]), av_json(recent))
        first = load("IBM", source="alphavantage")
        second = load("IBM", source="alphavantage")
    assert [query["outputsize"] for query in alphavantage.queries] == ["full", "compact"]
    assert (len(first), len(second)) == (140, 150)
    assert second["close"].tolist() == recent["close"].tolist()
