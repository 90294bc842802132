"""A sweep killed with `kill -9` loses nothing finished, leaves no process behind, and resumes to the same numbers.

The driver runs as a user runs it (`python -m tickercast sweep` in its own process); the resume and the
uninterrupted reference run in this process, through the same command line.
"""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tickercast.cli import main

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads processes from /proc")

REPO = Path(__file__).resolve().parents[2]
#: Seven units: three tiny LSTMs and three tiny GRUs (each model's seeds train as one piece of work, about a second
#: or two) and naive: a kill after the first unit is stored leaves work undone.
SWEEP = ["sweep", "--data", "sp500", "--models", "lstm,gru,naive", "--seeds", "3", "--lookback", "5", "--hidden", "4",
         "--layers", "1", "--epochs", "3"]
TIMINGS = ("seconds", "cpu_seconds")


def comparable(output: str) -> dict:
    """A sweep's --json without what depends on the run rather than the units: timings, counts, paths."""
    result = json.loads(output)
    result["results"] = [{k: v for k, v in r.items() if k not in TIMINGS} for r in result["results"]]
    return {k: v for k, v in result.items() if k not in ("seconds", "units", "out", "report")}


def children(pid: int) -> list[int]:
    """Processes whose parent is `pid` (from /proc, whatever their name)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and _parent(int(entry.name)) == pid:
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    """Running or sleeping; a zombie waiting for its new parent to reap it counts as gone."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def _parent(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[1])
    except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
        return None


def done_units(folder: Path) -> int:
    try:
        with sqlite3.connect(f"{(folder / 'results.sqlite').as_uri()}?mode=ro", uri=True, timeout=1) as db:
            return db.execute("SELECT count(*) FROM units WHERE done").fetchone()[0]
    except sqlite3.Error:  # not created yet
        return 0


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    out = tmp_path_factory.mktemp("reference") / "run"
    assert main([*SWEEP, "--workers", "1", "--out", str(out), "--json"]) == 0
    return out


@pytest.mark.parametrize("workers", [1, 2])
def test_a_sweep_killed_with_sigkill_leaves_no_process_and_resumes_to_the_same_numbers(
        workers, uninterrupted, tmp_path, capsys):
    capsys.readouterr()
    out = tmp_path / "run"
    command = [*SWEEP, "--workers", str(workers), "--out", str(out)]
    environment = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    driver = subprocess.Popen([sys.executable, "-m", "tickercast", *command], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, env=environment, cwd=tmp_path)
    workers_seen: list[int] = []
    try:
        deadline = time.monotonic() + 120
        while done_units(out) < 1:
            assert driver.poll() is None, driver.communicate()[1].decode()[-2000:]
            assert time.monotonic() < deadline, "no unit finished in 120 s"
            time.sleep(0.05)
        workers_seen = children(driver.pid)
        driver.kill()  # SIGKILL: no finally, no atexit
        deadline = time.monotonic() + 5
        while any(alive(pid) for pid in workers_seen) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert [pid for pid in workers_seen if alive(pid)] == []
        driver.communicate(timeout=5)  # the output pipes close: nothing left holds them open
    finally:  # a failed test leaves nothing running either
        for pid in [driver.pid, *workers_seen]:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
    assert done_units(out) < 7, "the sweep finished before the kill: make its units longer"
    if workers > 1:
        assert len(workers_seen) >= workers  # the pool's workers (and multiprocessing's resource tracker)

    assert main([*command, "--resume", "--json"]) == 0
    resumed = capsys.readouterr().out
    assert json.loads(resumed)["units"]["skipped"] >= 1  # what finished before the kill was kept, not run again
    assert main([*SWEEP, "--workers", "1", "--out", str(uninterrupted), "--resume", "--json"]) == 0
    assert comparable(resumed) == comparable(capsys.readouterr().out)
