"""A sweep's run folder: `sweep.json` (what the sweep is) and `results.sqlite` (what has finished), unit by unit.

    units    key (the unit's JSON) -> model, params, seed, done, seconds, cpu_seconds, threads, finished_at
    results  (key, data) -> metrics (JSON: part -> metric -> value) or error
    pruned   key -> epoch: the units a TPE search's pruner stopped after that epoch (no metrics, no error);
             created with the first such unit, so the files of sweeps before it read as they were

Why SQLite: every finished unit is ONE transaction (`tickercast.sqlite`: WAL, synced at every commit), committed
before the next result is looked at, so a Ctrl-C, a killed process or a lost machine loses only the units that
were still running, and `--resume` knows exactly which units are done. Only the driver writes; workers just
return their outcome.

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
from tickercast.jsonio import json_safe, parse_json, write_json
from tickercast.sqlite import connect, make_durable, transaction
from tickercast.sweep.plan import GLOBAL_SUFFIX, Unit, parse_search
from tickercast.sweep.schema import DEFINITION, METRICS, NUMBER, PARAMS, Keys, check, damaged, load_json
from tickercast.sweep.space import Range
from tickercast.sweep.unit import Outcome

FORMAT = 1
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS units (key TEXT PRIMARY KEY, model TEXT NOT NULL, params TEXT NOT NULL, "
    "seed INTEGER, done INTEGER NOT NULL, seconds REAL NOT NULL, cpu_seconds REAL NOT NULL, threads INTEGER NOT NULL, "
    "finished_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS results (key TEXT NOT NULL REFERENCES units (key), data TEXT NOT NULL, "
    "metrics TEXT, error TEXT, PRIMARY KEY (key, data))",
)
_PRUNED = "CREATE TABLE IF NOT EXISTS pruned (key TEXT PRIMARY KEY REFERENCES units (key), epoch INTEGER NOT NULL)"
_COLUMNS = {"units": ("key", "model", "params", "seed", "done", "seconds", "cpu_seconds", "threads", "finished_at"),
            "results": ("key", "data", "metrics", "error")}
_OPTIONAL_COLUMNS = {"pruned": ("key", "epoch")}
#: A row of results joined with its unit, as a Record holds it.
_ROW = Keys({"data": str, "model": str, "params": PARAMS, "seed": (int, None), "metrics": (METRICS, None),
             "error": (str, None), "seconds": NUMBER, "cpu_seconds": NUMBER, "pruned": (int, None)})


@dataclass(frozen=True)
class Record:
    """One row of a sweep's results: a model's metrics (or error) on one dataset, as `--json` prints it."""

    data: str
    model: str
    params: dict[str, Any]
    seed: int | None
    metrics: dict[str, dict[str, Any]] | None  # part (train, val, test) -> metric -> value
    error: str | None
    seconds: float  # of the whole unit (shared by a global unit's datasets, and by seeds trained together)
    cpu_seconds: float
    pruned: int | None = None  # the epoch after which a TPE search's pruner stopped it (then no metrics, no error)

    @property
    def name(self) -> str:
        """What summaries group runs by (`comparison.Result.name`): the model, its settings being the grid's."""
        return self.model

    def to_dict(self) -> dict[str, Any]:
        record = {"data": self.data, "model": self.model, "params": self.params, "seed": self.seed,
                  "metrics": self.metrics, "error": self.error, "seconds": self.seconds,
                  "cpu_seconds": self.cpu_seconds}
        return record if self.pruned is None else {**record, "pruned": self.pruned}


class SweepStore:
    """The run folder of one sweep; open it with `open_run`. Use as a context manager, or call `close`.

    `definition` is the sweep's (as in sweep.json): a results.sqlite already there (a resumed sweep's) is
    checked against it, every row, before anything is added, so a damaged file is refused while it is intact.
    """

    def __init__(self, folder: Path, definition: dict[str, Any]) -> None:
        self.folder = folder
        self.path = folder / "results.sqlite"
        self.definition = definition
        existed = self.path.exists()
        try:
            self._db = connect(self.path)
        except sqlite3.Error as error:
            raise DataError(f"cannot use {self.path}: {error}") from None
        check = (lambda db: _check_existing(db, self.path, definition)) if existed else None
        try:
            make_durable(self._db, check=check, setup=_create_tables)
        except sqlite3.DatabaseError as error:
            raise damaged(self.path, _first_line(error)) from None

    def __enter__(self) -> SweepStore:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    def finished(self) -> set[str]:
        """Keys of the units that are done (a unit that scored no dataset is not: resume runs it again)."""
        try:
            return {key for (key,) in self._db.execute("SELECT key FROM units WHERE done")}
        except sqlite3.DatabaseError as error:
            raise damaged(self.path, _first_line(error)) from None

    def save(self, unit: Unit, outcome: Outcome) -> None:
        """Store one unit's outcome in one transaction (replacing what an earlier failed attempt left)."""
        rows = [(unit.key, name, json.dumps(json_safe(outcome.metrics[name]), allow_nan=False)
                 if name in outcome.metrics else None, outcome.errors.get(name))
                for name in unit.data if name in outcome.metrics or name in outcome.errors
                or outcome.pruned is not None]
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        with transaction(self._db):
            self._db.execute("DELETE FROM results WHERE key = ?", (unit.key,))
            self._db.execute("INSERT OR REPLACE INTO units VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                             (unit.key, unit.model, json.dumps(dict(unit.params), sort_keys=True), unit.seed,
                              outcome.done, outcome.seconds, outcome.cpu_seconds, outcome.threads, now))
            self._db.executemany("INSERT INTO results VALUES (?, ?, ?, ?)", rows)
            if outcome.pruned is not None:
                self._db.execute(_PRUNED)
                self._db.execute("INSERT OR REPLACE INTO pruned VALUES (?, ?)", (unit.key, outcome.pruned))
            elif self._has_pruned():
                self._db.execute("DELETE FROM pruned WHERE key = ?", (unit.key,))

    def _has_pruned(self) -> bool:
        return bool(self._db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'pruned'").fetchone())

    def records(self, units: Sequence[Unit]) -> list[Record]:
        """The stored results of `units`, in their order (the plan's, whatever order they finished in)."""
        stored: dict[str, dict[str, Record]] = {}
        for key, record in _stored(self._db, self.path, self.definition):
            stored.setdefault(key, {})[record.data] = record
        records = []
        for unit in units:
            by_data = stored.get(unit.key, {})
            for name in unit.data:
                if name in by_data:
                    record = by_data[name]
                    if (record.model, record.params, record.seed) != (unit.model, dict(unit.params), unit.seed):
                        raise damaged(self.path, f"the unit {_short(unit.key)} is stored with other cells")
                    records.append(record)
        return records


def read_records(folder: Path, definition: dict[str, Any]) -> list[Record]:
    """Every result stored in `folder` (failed ones with their error), in the order the units finished, each
    checked against the sweep's `definition` (sweep.json).

    For readers that have no plan to hand (the report). The database is opened read-write but never created:
    a read-only connection to a WAL database would leave its -wal and -shm files behind in the run folder.
    """
    path = folder / "results.sqlite"
    if not path.is_file():
        raise damaged(path, "not a file")
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True)) as db:
            _check_database(db, path)
            return [record for _, record in _stored(db, path, definition)]
    except sqlite3.Error as error:
        raise damaged(path, _first_line(error)) from None


def read_definition(folder: Path) -> dict[str, Any]:
    """sweep.json, checked: its format is this version's and its definition has the shape a sweep wrote."""
    path = folder / "sweep.json"
    described = load_json(path)
    if isinstance(described, dict) and "format" in described and described["format"] != FORMAT:
        raise ConfigError(f"{path} was written by another tickercast version; start a new sweep in a new --out")
    check(described, Keys({"format": int, "definition": DEFINITION}), path, "not a sweep definition")
    definition = described["definition"]
    if not definition["models"] or not definition["data"] or definition["seeds"] < 1:
        raise damaged(path, "a sweep with no models, no data or no seeds")
    try:
        parse_search(definition["search"])
    except ConfigError:
        raise damaged(path, "an unknown search") from None
    return described


def open_run(folder: Path, definition: dict[str, Any], *, resume: bool) -> SweepStore:
    """Start a sweep in `folder`, or with `resume` continue the one there, after checking it is the same sweep."""
    definition = json.loads(json.dumps(json_safe(definition)))  # as it reads back from sweep.json
    described = folder / "sweep.json"
    if resume:
        if not described.exists():
            raise ConfigError(f"nothing to resume in {folder} (no sweep.json); drop --resume to start the sweep")
        stored = read_definition(folder)
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
    return SweepStore(folder, definition)


def _differences(stored: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What differs, named for a person: `the grid`, `data store:IBM` (its prices changed), ..."""
    keys = sorted((set(stored) | set(new)) - {"data"})
    names = [f"the {key}" for key in keys if stored.get(key) != new.get(key)]
    old_data, new_data = stored.get("data", {}), new.get("data", {})
    changed = [f"data {name}" for name in dict.fromkeys([*old_data, *new_data])
               if old_data.get(name) != new_data.get(name)]
    return names + (changed or (["the order of --data"] if list(old_data) != list(new_data) else []))


def _check_existing(db: sqlite3.Connection, path: Path, definition: dict[str, Any]) -> None:
    """Refuse a results.sqlite that is damaged, or holds results of another sweep than `definition`."""
    if _check_database(db, path):
        _stored(db, path, definition)


def _create_tables(db: sqlite3.Connection) -> None:
    for statement in _SCHEMA:
        db.execute(statement)


def _check_database(db: sqlite3.Connection, path: Path) -> bool:
    """Refuse a damaged results.sqlite: pages that do not read back (SQLite's quick check), or tables that are
    not a sweep's. False for a file without any table (a sweep killed as it began: nothing to lose)."""
    problems = [row[0] for row in db.execute("PRAGMA quick_check")]
    if problems != ["ok"]:
        raise damaged(path, str(problems[0]).splitlines()[0][:120])
    tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if not tables:
        return False
    for table, columns in (_COLUMNS | {name: _OPTIONAL_COLUMNS[name] for name in tables & set(_OPTIONAL_COLUMNS)}
                           ).items():
        if table not in tables:
            raise damaged(path, f"it has no {table} table")
        if tuple(row[1] for row in db.execute(f"PRAGMA table_info({table})")) != columns:
            raise damaged(path, f"its {table} table has other columns than a sweep's")
    return True


def _stored(db: sqlite3.Connection, path: Path, definition: dict[str, Any]) -> list[tuple[str, Record]]:
    """Every stored result with its unit's key, in the order the units finished, each cell checked for its shape
    and for naming a dataset, model and settings that `definition` lists."""
    pruned = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'pruned'").fetchone()
    query = ("SELECT key, data, model, params, seed, metrics, error, seconds, cpu_seconds, "
             f"{'pruned.epoch' if pruned else 'NULL'} FROM results JOIN units USING (key) "
             f"{'LEFT JOIN pruned USING (key) ' if pruned else ''}ORDER BY units.rowid, data")
    try:
        rows = db.execute(query).fetchall()
    except sqlite3.DatabaseError as error:
        raise damaged(path, _first_line(error)) from None
    data = definition["data"]
    grid = {key: Range.from_dict(values) if isinstance(values, dict) else values
            for key, values in definition["grid"].items()}
    models = {model for name in definition["models"] for model in (name, name + GLOBAL_SUFFIX)}
    stored = []
    for key, *cells in rows:
        record = _record(path, *cells)
        if (record.data not in data or record.model not in models
                or any(not _holds(grid.get(name, ()), value) for name, value in record.params.items())):
            raise damaged(path, f"the result of {_short(record.model)} on {_short(record.data)} is not "
                                "of the sweep in sweep.json")
        stored.append((key, record))
    return stored


def _holds(values: Range | Sequence[Any], value: Any) -> bool:
    """Whether a grid entry (listed values, or a range) holds a stored value."""
    return values.contains(value) if isinstance(values, Range) else value in values


def _record(path: Path, data: Any, model: Any, params: Any, seed: Any, metrics: Any, error: Any, seconds: Any,
            cpu_seconds: Any, pruned: Any) -> Record:
    """A Record from the cells of one row of results.sqlite, every cell checked."""
    where = f"the result of {_short(model)} on {_short(data)}"
    try:
        params = parse_json(params, where)
        metrics = None if metrics is None else parse_json(metrics, where)
    except (TypeError, DataError):  # TypeError: a number where JSON text was stored
        raise damaged(path, f"{where} holds a cell that is not JSON") from None
    cells = {"data": data, "model": model, "params": params, "seed": seed, "metrics": metrics, "error": error,
             "seconds": seconds, "cpu_seconds": cpu_seconds, "pruned": pruned}
    check(cells, _ROW, path, f"{where} has a cell of the wrong shape")
    return Record(**cells)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:37]}..."


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0][:120]
