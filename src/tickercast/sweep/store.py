"""A sweep's run folder: `sweep.json` (what the sweep is) and `results.sqlite` (what has finished), unit by unit.

    units    key (the unit's JSON) -> model, params, seed, done, seconds, cpu_seconds, threads, finished_at
    results  (key, data) -> metrics (JSON: part -> metric -> value) or error

Why SQLite: every finished unit is ONE transaction, committed before the next result is looked at, so a
Ctrl-C, a killed process or a lost machine loses only the units that were still running, and `--resume`
knows exactly which units are done. Only the driver writes; workers just return their outcome.

A folder that holds a sweep is never overwritten: starting again there needs `--resume`, and resuming checks
that the sweep is the same one (same models, grid, settings, split and the very same data), so results from
two different sweeps can never be mixed into one leaderboard.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tickercast._version import __version__
from tickercast.errors import ConfigError, DataError
from tickercast.jsonio import json_safe, read_json, write_json
from tickercast.sweep.plan import Unit
from tickercast.sweep.unit import Outcome

FORMAT = 1
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS units (key TEXT PRIMARY KEY, model TEXT NOT NULL, params TEXT NOT NULL, "
    "seed INTEGER, done INTEGER NOT NULL, seconds REAL NOT NULL, cpu_seconds REAL NOT NULL, threads INTEGER NOT NULL, "
    "finished_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS results (key TEXT NOT NULL REFERENCES units (key), data TEXT NOT NULL, "
    "metrics TEXT, error TEXT, PRIMARY KEY (key, data))",
)


@dataclass(frozen=True)
class Record:
    """One row of a sweep's results: a model's metrics (or error) on one dataset, as `--json` prints it."""

    data: str
    model: str
    params: dict[str, Any]
    seed: int | None
    metrics: dict[str, dict[str, Any]] | None  # part (train, val, test) -> metric -> value
    error: str | None
    seconds: float  # of the whole unit (a global unit's time is shared by its datasets)
    cpu_seconds: float

    def to_dict(self) -> dict[str, Any]:
        return {"data": self.data, "model": self.model, "params": self.params, "seed": self.seed,
                "metrics": self.metrics, "error": self.error, "seconds": self.seconds, "cpu_seconds": self.cpu_seconds}


class RunFolder:
    """The run folder of one sweep; open it with `open_run`. Use as a context manager, or call `close`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / "results.sqlite"
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None)  # we BEGIN ourselves
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = FULL")  # each commit reaches the disk before we go on
            for statement in _SCHEMA:
                self._db.execute(statement)
        except sqlite3.Error as error:
            raise DataError(f"cannot use {self.path}: {error}") from None

    def __enter__(self) -> RunFolder:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    def finished(self) -> set[str]:
        """Keys of the units that are done (a unit that scored no dataset is not: resume runs it again)."""
        return {key for (key,) in self._db.execute("SELECT key FROM units WHERE done")}

    def save(self, unit: Unit, outcome: Outcome) -> None:
        """Store one unit's outcome in one transaction (replacing what an earlier failed attempt left)."""
        rows = [(unit.key, name, json.dumps(json_safe(outcome.metrics[name]), allow_nan=False)
                 if name in outcome.metrics else None, outcome.errors.get(name))
                for name in unit.data if name in outcome.metrics or name in outcome.errors]
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._db.execute("DELETE FROM results WHERE key = ?", (unit.key,))
            self._db.execute("INSERT OR REPLACE INTO units VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                             (unit.key, unit.model, json.dumps(dict(unit.params), sort_keys=True), unit.seed,
                              outcome.done, outcome.seconds, outcome.cpu_seconds, outcome.threads, now))
            self._db.executemany("INSERT INTO results VALUES (?, ?, ?, ?)", rows)
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    def records(self, units: Sequence[Unit]) -> list[Record]:
        """The stored results of `units`, in their order (the plan's, whatever order they finished in)."""
        stored: dict[str, list[tuple[str, str | None, str | None, float, float]]] = {}
        query = ("SELECT key, data, metrics, error, seconds, cpu_seconds FROM results JOIN units USING (key) "
                 "ORDER BY key, data")
        for key, data, *row in self._db.execute(query):
            stored.setdefault(key, []).append((data, *row))
        records = []
        for unit in units:
            by_data = {row[0]: row for row in stored.get(unit.key, [])}
            for name in unit.data:
                if name in by_data:
                    _, metrics, error, seconds, cpu_seconds = by_data[name]
                    records.append(Record(name, unit.model, dict(unit.params), unit.seed,
                                          json.loads(metrics) if metrics else None, error, seconds, cpu_seconds))
        return records


def read_records(folder: Path) -> list[Record]:
    """Every result stored in `folder` (failed ones with their error), in the order the units finished.

    For readers that have no plan to hand (the report). The database is opened read-write but never created:
    a read-only connection to a WAL database would leave its -wal and -shm files behind in the run folder.
    """
    path = folder / "results.sqlite"
    query = ("SELECT data, model, params, seed, metrics, error, seconds, cpu_seconds FROM results "
             "JOIN units USING (key) ORDER BY units.rowid, data")
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True)) as db:
            rows = db.execute(query).fetchall()
    except sqlite3.Error as error:
        raise DataError(f"cannot read {path}: {error}") from None
    return [Record(data, model, json.loads(params), seed, json.loads(metrics) if metrics else None, error,
                   seconds, cpu_seconds)
            for data, model, params, seed, metrics, error, seconds, cpu_seconds in rows]


def open_run(folder: Path, definition: dict[str, Any], *, resume: bool) -> RunFolder:
    """Start a sweep in `folder`, or with `resume` continue the one there, after checking it is the same sweep."""
    definition = json.loads(json.dumps(json_safe(definition)))  # as it reads back from sweep.json
    described = folder / "sweep.json"
    if resume:
        if not described.exists():
            raise ConfigError(f"nothing to resume in {folder} (no sweep.json); drop --resume to start the sweep")
        stored = read_json(described)
        if stored.get("format") != FORMAT:
            raise ConfigError(f"{described} was written by another tickercast version; start a new sweep there")
        differences = _differences(stored["definition"], definition)
        if differences:
            *others, last = differences
            named = f"{', '.join(others)} and {last}" if others else last
            raise ConfigError(f"--resume continues the same sweep, but {named} differ from {described}; run the "
                              "command that started it, or use a new --out")
    elif described.exists() or (folder / "results.sqlite").exists():
        raise ConfigError(f"{folder} already holds a sweep; add --resume to continue it, or use a new --out")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if not resume:
            write_json(described, {"format": FORMAT, "tickercast": __version__, "definition": definition})
    except OSError as error:
        raise DataError(f"cannot write to {folder}: {error.strerror or error}") from None
    return RunFolder(folder)


def _differences(stored: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What differs, named for a person: `the grid`, `data store:IBM` (its prices changed), ..."""
    keys = sorted((set(stored) | set(new)) - {"data"})
    names = [f"the {key}" for key in keys if stored.get(key) != new.get(key)]
    old_data, new_data = stored.get("data", {}), new.get("data", {})
    changed = [f"data {name}" for name in dict.fromkeys([*old_data, *new_data])
               if old_data.get(name) != new_data.get(name)]
    return names + (changed or (["the order of --data"] if list(old_data) != list(new_data) else []))
