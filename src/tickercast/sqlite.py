"""How tickercast opens the SQLite files it writes (the price store, a sweep's results.sqlite): one way, so that
both keep the same promise. A committed write survives a crash, a Ctrl-C, a kill or a lost machine; an
interrupted one leaves no trace; a reader never sees half of a write.

How:
- the journal is a write-ahead log (WAL): readers read the last commit while a writer appends, and a write that
  never commits is simply not in the file;
- `synchronous = FULL`: the log reaches the disk at every commit, so a commit is durable before the caller goes
  on (NORMAL, WAL's usual partner, may lose the last commits on a power cut);
- the connection is in autocommit mode and every write is ONE explicit `transaction`, which takes the write lock
  at its start (`BEGIN IMMEDIATE`): two writers queue (up to the connection's timeout) instead of one failing
  when it turns a read into a write, and any exception, Ctrl-C included, rolls the whole write back.

Only the standard library: `tickercast data list` and `--help` import the price store, and stay light.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

Step = Callable[[sqlite3.Connection], object]


def connect(path: Path, *, timeout: float = 5.0) -> sqlite3.Connection:
    """An autocommit connection to `path` (created if missing) that waits up to `timeout` seconds for another
    process's write lock. Pass it to `make_durable` before writing."""
    return sqlite3.connect(path, timeout=timeout, isolation_level=None)  # we BEGIN ourselves: see `transaction`


def make_durable(db: sqlite3.Connection, *, check: Step | None = None, setup: Step | None = None) -> None:
    """Switch `db` to the WAL journal with a sync at every commit, between `check` (what must be verified while
    the file is as it was found: the switch writes to it) and `setup` (tables, migrations); `db` is closed if
    anything fails, Ctrl-C included, and the exception goes on as it was.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     db = connect(Path(folder) / "example.sqlite")
    ...     make_durable(db, setup=lambda db: db.execute("CREATE TABLE t (x)"))
    ...     with transaction(db):
    ...         _ = db.execute("INSERT INTO t VALUES (1)")
    ...     print(db.execute("PRAGMA journal_mode").fetchone(), db.execute("SELECT x FROM t").fetchall())
    ...     db.close()
    ('wal',) [(1,)]
    """
    try:
        if check is not None:
            check(db)
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = FULL")  # a setting of the connection, not the file: set at every open
        if setup is not None:
            setup(db)
    except BaseException:
        db.close()
        raise


@contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write: holds the write lock from its start, commits at the end of the block, and rolls back on any
    exception (unless SQLite already did, as it does on a full disk) before letting it go on."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
