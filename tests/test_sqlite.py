"""The one way tickercast opens its SQLite files (`tickercast.sqlite`), on real files: WAL, a sync at every
commit, one transaction per write that leaves nothing when interrupted, and both stores opened that way."""

import sqlite3
import threading
import time

import pytest

from tests.sweep.test_store import DEFINITION, GLOBAL, METRICS
from tickercast.data.store import Store
from tickercast.sqlite import connect, make_durable, transaction
from tickercast.sweep.store import open_run
from tickercast.sweep.unit import Outcome

FULL = 2  # PRAGMA synchronous: 0 OFF, 1 NORMAL, 2 FULL


def opened(path, **options):
    db = connect(path, **options)
    make_durable(db, setup=lambda db: db.execute("CREATE TABLE IF NOT EXISTS t (x)"))
    return db


def rows(path):
    with sqlite3.connect(path) as reader:
        return reader.execute("SELECT x FROM t").fetchall()


def journal_mode(path):
    """The journal mode the file itself records (a fresh connection reports it; WAL persists in the file)."""
    reader = sqlite3.connect(path)
    try:
        return reader.execute("PRAGMA journal_mode").fetchone()[0]
    finally:
        reader.close()


@pytest.mark.parametrize("interruption", [ValueError("a bug"), KeyboardInterrupt()])
def test_a_write_interrupted_halfway_leaves_nothing(interruption, tmp_path):
    def write(db):
        with transaction(db):
            db.execute("INSERT INTO t VALUES (1)")
            raise interruption

    db = opened(tmp_path / "t.sqlite")
    with pytest.raises(type(interruption)):
        write(db)
    assert not db.in_transaction
    assert rows(tmp_path / "t.sqlite") == []
    db.close()


def test_a_committed_write_is_seen_by_another_connection(tmp_path):
    db = opened(tmp_path / "t.sqlite")
    with transaction(db):
        db.executemany("INSERT INTO t VALUES (?)", [(1,), (2,)])
    assert rows(tmp_path / "t.sqlite") == [(1,), (2,)]
    assert journal_mode(tmp_path / "t.sqlite") == "wal"
    assert db.execute("PRAGMA synchronous").fetchone()[0] == FULL
    db.close()


def test_a_full_disk_is_reported_as_itself_not_as_a_failed_rollback(tmp_path):
    """SQLite rolls a transaction back by itself when the disk is full; rolling back again would raise "no
    transaction is active" and hide the real cause."""
    db = opened(tmp_path / "t.sqlite")
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.execute(f"PRAGMA max_page_count = {pages + 1}")  # a disk with room for one more page
    with pytest.raises(sqlite3.OperationalError, match="full"), transaction(db):
        db.executemany("INSERT INTO t VALUES (?)", [("x" * 1000,)] * 100)
    assert rows(tmp_path / "t.sqlite") == []
    db.close()


def test_a_second_writer_waits_for_the_first_instead_of_failing(tmp_path):
    path = tmp_path / "t.sqlite"
    opened(path).close()
    locked = threading.Event()

    def first_writer():  # a connection belongs to the thread that opened it
        db = opened(path)
        with transaction(db):
            db.execute("INSERT INTO t VALUES (1)")
            locked.set()
            time.sleep(0.3)  # the second writer asks for the lock meanwhile
        db.close()

    thread = threading.Thread(target=first_writer)
    thread.start()
    assert locked.wait(30)
    second = opened(path, timeout=30)
    with transaction(second):
        second.execute("INSERT INTO t VALUES (2)")
    thread.join()
    second.close()
    assert rows(path) == [(1,), (2,)]


def test_a_writer_that_waits_longer_than_its_timeout_gets_the_lock_error(tmp_path):
    first, second = opened(tmp_path / "t.sqlite"), opened(tmp_path / "t.sqlite", timeout=0.05)
    with transaction(first):
        with pytest.raises(sqlite3.OperationalError, match="locked"), transaction(second):
            pass
        assert not second.in_transaction
    first.close()
    second.close()


def test_a_failed_check_closes_the_connection_and_leaves_the_file_as_found(tmp_path):
    path = tmp_path / "t.sqlite"
    sqlite3.connect(path).execute("CREATE TABLE other (y)").connection.close()

    def refuse(db):
        raise ValueError("not ours")

    db = connect(path)
    with pytest.raises(ValueError, match="not ours"):
        make_durable(db, check=refuse)
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        db.execute("SELECT 1")
    assert journal_mode(path) == "delete"  # the switch to WAL (a write to the file) never happened


def test_both_stores_open_their_files_the_same_way(tmp_path):
    with Store(tmp_path / "prices.db") as store, open_run(tmp_path / "sweep", DEFINITION, resume=False) as run:
        connections = {"price store": store._db, "sweep results": run._db}
        for name, db in connections.items():
            assert (db.execute("PRAGMA journal_mode").fetchone()[0], db.isolation_level) == ("wal", None), name
            assert db.execute("PRAGMA synchronous").fetchone()[0] == FULL, name


def test_a_sweep_unit_saved_on_a_full_disk_names_the_full_disk_and_stores_nothing(tmp_path):
    with open_run(tmp_path, DEFINITION, resume=False) as run:
        pages = run._db.execute("PRAGMA page_count").fetchone()[0]
        run._db.execute(f"PRAGMA max_page_count = {pages}")  # a full disk: no room for another page
        long_error = "x" * 100_000  # needs pages of its own
        with pytest.raises(sqlite3.OperationalError, match="full"):
            run.save(GLOBAL, Outcome({"a": METRICS}, {"b": long_error}, 1.0, 1.0, 1))
        run._db.execute("PRAGMA max_page_count = 1000000")
        assert run._db.execute("SELECT count(*) FROM units").fetchone()[0] == 0  # the unit's row went too
        assert run.records([GLOBAL]) == []
