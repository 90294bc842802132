"""Every damaged shape of a sweep folder, through the command line: `sweep --resume` and `report SWEEP_DIR` refuse
it with exit code 2 and one line naming the file, in seconds, and leave the folder exactly as it was."""

import hashlib
import json
import shutil
import sqlite3
import time
from pathlib import Path

import pytest

from tests.conftest import price_frame
from tickercast.cli import main

SWEEP = ["sweep", "--models", "ar,naive", "--grid", "lookback=3,5", "--workers", "1"]
SECONDS = 30
PAGE = 4096


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A finished sweep of ar (two lookbacks) and naive on two small datasets: 6 units, 6 results."""
    place = tmp_path_factory.mktemp("sweep")
    paths = []
    for name, rows, seed in (("a", 200, 1), ("b", 180, 2)):
        price_frame(rows, seed=seed).to_csv(place / f"{name}.csv")
        paths.append(str(place / f"{name}.csv"))
    command = [*SWEEP, "--data", ",".join(paths)]
    assert main([*command, "--out", str(place / "run"), "--json"]) == 0
    return command, place / "run"


def sql(*statements):
    def damage(folder):
        with sqlite3.connect(folder / "results.sqlite") as db:
            for statement in statements:
                db.execute(statement)
        db.close()
    return damage


def cell(table, column, value, where="rowid = (SELECT min(rowid) FROM {table})"):
    """One cell of the first row (or of the row `where` picks) set to `value`, an SQL expression."""
    return sql(f"UPDATE {table} SET {column} = {value} WHERE {where.format(table=table)}")


def zeroed(position):
    """8 KB of zeros written over results.sqlite at `position(size)`."""
    def damage(folder):
        path = folder / "results.sqlite"
        size = path.stat().st_size
        with path.open("r+b") as file:
            file.seek(position(size))
            file.write(bytes(2 * PAGE))
    return damage


def replaced(name, content):
    def damage(folder):
        path = folder / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        elif callable(content):
            path.write_text(json.dumps(content(json.loads(path.read_text()))))
        else:
            path.write_text(content)
    return damage


def directory(name):
    def damage(folder):
        (folder / name).unlink()
        (folder / name).mkdir()
    return damage


def without(mapping, *path):
    *parents, last = path
    inner = mapping
    for key in parents:
        inner = inner[key]
    del inner[last]
    return mapping


def with_value(mapping, value, *path):
    *parents, last = path
    inner = mapping
    for key in parents:
        inner = inner[key]
    inner[last] = value
    return mapping


RESULTS, DEFINED, SELECTED = "results.sqlite", "sweep.json", "selection.json"
BOTH, REPORT = ("resume", "report"), ("report",)
#: (case, the file the error must name, how the folder is damaged, the commands that must refuse it)
CASES = [
    ("metrics not JSON", RESULTS, cell("results", "metrics", "'{\"val\": '"), BOTH),
    ("metrics a list", RESULTS, cell("results", "metrics", "'[1, 2]'"), BOTH),
    ("metrics without val", RESULTS, cell("results", "metrics", "json_remove(metrics, '$.val')"), BOTH),
    ("metrics without test rmse", RESULTS, cell("results", "metrics", "json_remove(metrics, '$.test.rmse')"), BOTH),
    ("a metric that is text", RESULTS, cell("results", "metrics", "json_set(metrics, '$.val.rmse', 'low')"), BOTH),
    ("a metric that is NaN", RESULTS, cell("results", "metrics", "replace(metrics, '\"n\": ', '\"n\": NaN, \"m\": ')"),
     BOTH),
    ("metrics nested 100,000 deep", RESULTS, cell("results", "metrics", f"'{'[' * 100_000}'"), BOTH),
    ("metrics an integer", RESULTS, cell("results", "metrics", "5"), BOTH),
    ("metrics binary", RESULTS, cell("results", "metrics", "X'FFFE00FF'"), BOTH),
    ("params not JSON", RESULTS, cell("units", "params", "'{lookback'"), BOTH),
    ("params a list", RESULTS, cell("units", "params", "'[3]'"), BOTH),
    ("params off the grid", RESULTS, cell("units", "params", "'{\"lookback\": 999}'", "model = 'ar'"), BOTH),
    ("a seed that is text", RESULTS, cell("units", "seed", "'x'"), BOTH),
    ("seconds that are text", RESULTS, cell("units", "seconds", "'slow'"), BOTH),
    ("an error that is binary", RESULTS, cell("results", "error", "X'FF00'"), BOTH),
    ("a dataset sweep.json does not list", RESULTS, cell("results", "data", "'zzz'"), BOTH),
    ("a model sweep.json does not list", RESULTS, cell("units", "model", "'lstm9'"), BOTH),
    ("the results table renamed", RESULTS, sql("ALTER TABLE results RENAME TO results_old"), BOTH),
    ("the units table renamed", RESULTS, sql("ALTER TABLE units RENAME TO units_old"), BOTH),
    ("a results table with other columns", RESULTS,
     sql("DROP TABLE results", "CREATE TABLE results (key TEXT, data TEXT, metrics TEXT)"), BOTH),
    ("8 KB zeroed at the start", RESULTS, zeroed(lambda size: 0), BOTH),
    ("8 KB zeroed in the middle", RESULTS, zeroed(lambda size: size // PAGE // 2 * PAGE), BOTH),
    ("8 KB zeroed at the end", RESULTS, zeroed(lambda size: size - 2 * PAGE), BOTH),
    ("results.sqlite is text", RESULTS, replaced(RESULTS, b"not a database\n" * 100), BOTH),
    ("results.sqlite is a folder", RESULTS, directory(RESULTS), BOTH),
    ("sweep.json is []", DEFINED, replaced(DEFINED, "[]"), BOTH),
    ("sweep.json without its definition", DEFINED, replaced(DEFINED, lambda d: without(d, "definition")), BOTH),
    ("sweep.json without data", DEFINED, replaced(DEFINED, lambda d: without(d, "definition", "data")), BOTH),
    ("sweep.json without models", DEFINED, replaced(DEFINED, lambda d: with_value(d, [], "definition", "models")),
     BOTH),
    ("sweep.json with seeds as text", DEFINED, replaced(DEFINED, lambda d: with_value(d, "2", "definition", "seeds")),
     BOTH),
    ("sweep.json with a dataset that is a number", DEFINED,
     replaced(DEFINED, lambda d: with_value(d, 5, "definition", "data", next(iter(d["definition"]["data"])))), BOTH),
    ("sweep.json cut short", DEFINED, replaced(DEFINED, '{"format": 1, "definition": {"models": '), BOTH),
    ("sweep.json with NaN", DEFINED, replaced(DEFINED, '{"format": 1, "definition": NaN}'), BOTH),
    ("sweep.json nested 100,000 deep", DEFINED, replaced(DEFINED, "[" * 100_000), BOTH),
    ("sweep.json binary", DEFINED, replaced(DEFINED, b"\xff\xfe\x00\x01"), BOTH),
    ("sweep.json is a folder", DEFINED, directory(DEFINED), BOTH),
    ("selection.json not JSON", SELECTED, replaced(SELECTED, "{"), REPORT),
    ("selection.json is []", SELECTED, replaced(SELECTED, "[]"), REPORT),
    ("a selection without params", SELECTED,
     replaced(SELECTED, lambda d: without(d, "selected", 0, "params")), REPORT),
    ("a selection missing from the summary", SELECTED,
     replaced(SELECTED, lambda d: with_value(d, [], "summary", next(iter(d["summary"])))), REPORT),
    ("a leaderboard rank that is text", SELECTED,
     replaced(SELECTED, lambda d: with_value(d, "first", "leaderboard", 0, "mean_rank")), REPORT),
]


def snapshot(folder: Path) -> dict[str, str]:
    """Every file and folder under `folder` with a digest of its content."""
    return {str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
            for path in sorted(folder.rglob("*"))}


@pytest.mark.parametrize(("case", "named", "damage", "commands"), CASES, ids=[case[0] for case in CASES])
def test_a_damaged_sweep_folder_is_refused_in_one_line_and_left_as_it_was(case, named, damage, commands, finished,
                                                                           tmp_path, capsys):
    command, original = finished
    folder = tmp_path / "run"
    shutil.copytree(original, folder)
    damage(folder)
    before = snapshot(folder)
    for name in commands:
        args = [*command, "--out", str(folder), "--resume"] if name == "resume" else ["report", str(folder)]
        capsys.readouterr()
        started = time.monotonic()
        code = main(args)
        seconds = time.monotonic() - started
        out, err = capsys.readouterr()
        assert (code, out) == (2, ""), f"{name}: {err}"
        assert err.count("\n") == 1, err
        assert len(err) < 300, err
        assert err.startswith("error: "), err
        assert named in err, err
        assert "Traceback" not in err
        assert seconds < SECONDS
        assert snapshot(folder) == before, f"{name} changed the folder"


def test_a_resume_writes_a_damaged_selection_again(finished, tmp_path, capsys):
    command, original = finished
    folder = tmp_path / "run"
    shutil.copytree(original, folder)
    (folder / SELECTED).write_text("{")
    assert main(["report", str(folder)]) == 2
    assert "--resume to write it again" in capsys.readouterr().err
    assert main([*command, "--out", str(folder), "--resume"]) == 0
    assert (folder / SELECTED).read_bytes() == (original / SELECTED).read_bytes()
    assert main(["report", str(folder)]) == 0
