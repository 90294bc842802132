"""The TPE search (`--search tpe:N`): trials as sweep units, ranges, pruning, resume after a kill, bad input."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import TINY, price_frame, run_cli
from tests.sweep.test_kill import alive, children, done_units
from tickercast.config import ModelConfig
from tickercast.errors import ConfigError
from tickercast.sweep.driver import run_sweep
from tickercast.sweep.engines import LocalEngine
from tickercast.sweep.plan import SweepSpec, parse_grid
from tickercast.sweep.select import eligible

BASE = ModelConfig(**TINY)
REPO = Path(__file__).resolve().parents[2]


def tpe(models, grid, trials, base=BASE, **options):
    return SweepSpec(models=models, grid=parse_grid(grid, base), base=base, search=f"tpe:{trials}", **options)


def search_file(folder):
    return json.loads((folder / "search.json").read_text())


def test_a_tpe_search_runs_its_trials_as_units_within_the_ranges_and_selects_on_validation(tmp_path):
    spec = tpe(("lstm", "ar", "naive"), ["lookback=3..12", "hidden=2..16:log", "lr=1e-3..3e-2:log"], 6)
    result = run_sweep(spec, {"a": price_frame(260, phi=0.3, seed=3)}, tmp_path / "run", LocalEngine(1))
    studies = {study["model"]: study for study in search_file(tmp_path / "run")["studies"]}
    assert set(studies) == {"lstm", "ar"}  # naive reads no searched setting: run once, outside the search
    lstm = studies["lstm"]
    assert [trial["number"] for trial in lstm["trials"]] == list(range(6))
    assert lstm["space"] == {"lookback": {"low": 3, "high": 12, "log": False},
                             "hidden": {"low": 2, "high": 16, "log": True},
                             "lr": {"low": 0.001, "high": 0.03, "log": True}}
    for trial in lstm["trials"]:
        params = trial["params"]
        assert 3 <= params["lookback"] <= 12
        assert isinstance(params["lookback"], int)
        assert 2 <= params["hidden"] <= 16
        assert 0.001 <= params["lr"] <= 0.03
    assert len({json.dumps(t["params"], sort_keys=True) for t in lstm["trials"]}) == 6  # six different settings
    assert set(studies["ar"]["trials"][0]["params"]) == {"lookback"}
    # each complete trial's value is its unit's validation RMSE, and the selection is the best of them
    by_params = {json.dumps(r.params, sort_keys=True): r for r in result.records if r.model == "lstm"}
    for trial in lstm["trials"]:
        record = by_params[json.dumps(trial["params"], sort_keys=True)]
        assert trial["value"] == pytest.approx(record.metrics["val"]["rmse"], rel=1e-12)
        assert trial["val_ratio"] == pytest.approx(record.metrics["val"]["rmse_ratio_vs_naive"], rel=1e-12)
    chosen = next(s for s in result.selections if s.model == "lstm")
    assert chosen.validation_rmse == min(t["value"] for t in lstm["trials"])
    assert result.units["total"] == len(result.records) == 6 + len({json.dumps(t["params"]) for t in
                                                                    studies["ar"]["trials"]}) + 1
    assert result.units["pruned"] == 0  # SweepSpec prunes nothing unless asked


def test_the_same_search_proposes_the_same_trials_and_seeds_change_them(tmp_path):
    data = {"a": price_frame(240, phi=0.2, seed=5)}
    grid = ["hidden=2..12", "lookback=3,5,8"]
    first = run_sweep(tpe(("gru",), grid, 5), data, tmp_path / "one", LocalEngine(1))
    again = run_sweep(tpe(("gru",), grid, 5), data, tmp_path / "two", LocalEngine(1))
    other = run_sweep(tpe(("gru",), grid, 5, base=ModelConfig(**{**TINY, "seed": 9})), data, tmp_path / "three",
                      LocalEngine(1))
    assert search_file(tmp_path / "one") == search_file(tmp_path / "two")
    assert [r.metrics for r in first.records] == [r.metrics for r in again.records]
    assert ([t["params"] for t in search_file(tmp_path / "one")["studies"][0]["trials"]]
            != [t["params"] for t in search_file(tmp_path / "three")["studies"][0]["trials"]])
    assert other.records


@pytest.mark.parametrize("pruner", ["median", "halving"])
def test_pruned_trials_are_recorded_as_pruned_not_failed_and_never_chosen(tmp_path, pruner):
    settings = {**TINY, "epochs": 12, "patience": 12}
    base = ModelConfig(**settings)
    spec = SweepSpec(models=("lstm",), grid=parse_grid(["lr=1e-4..5e-2:log", "hidden=2..10"], base), base=base,
                     search="tpe:14", prune=pruner)
    result = run_sweep(spec, {"a": price_frame(300, phi=0.4, seed=11)}, tmp_path / "run", LocalEngine(1))
    pruned = [r for r in result.records if r.pruned is not None]
    assert pruned, "no trial was pruned: make the bad ones worse"
    assert result.units["pruned"] == len(pruned)
    assert result.units["failed"] == 0
    for record in pruned:
        assert record.metrics is None
        assert record.error is None
        assert 1 <= record.pruned < 12
        assert record.to_dict()["pruned"] == record.pruned
    assert all("pruned" not in r.to_dict() for r in result.records if r.pruned is None)
    assert {json.dumps(s.params) for s in eligible(result.records)}.isdisjoint(
        {json.dumps(r.params) for r in pruned})
    trials = search_file(tmp_path / "run")["studies"][0]["trials"]
    assert sorted(t["pruned_at"] for t in trials if t["state"] == "pruned") == sorted(r.pruned for r in pruned)
    assert search_file(tmp_path / "run")["prune"] == pruner


def test_a_search_asks_in_batches_as_wide_as_the_engine_and_resumes_a_finished_study_without_new_trials(tmp_path):
    spec = tpe(("gru",), ["hidden=2..8"], 5)
    data = {"a": price_frame(240, seed=6)}
    run_sweep(spec, data, tmp_path / "run", LocalEngine(2))
    assert search_file(tmp_path / "run")["batch"] == 2
    again = run_sweep(spec, data, tmp_path / "run", LocalEngine(1), resume=True)
    assert again.units["ran"] == 0
    assert len(search_file(tmp_path / "run")["studies"][0]["trials"]) == 5
    assert search_file(tmp_path / "run")["batch"] == 2  # the study keeps the width it began with


def test_a_search_killed_with_sigkill_resumes_without_repeating_or_losing_a_trial(tmp_path, capsys):
    command = ["sweep", "--data", "sp500", "--models", "lstm", "--search", "tpe:6", "--grid", "hidden=2..8",
               "lookback=3..8", "--layers", "1", "--epochs", "3", "--seeds", "2", "--workers", "2"]
    out = tmp_path / "killed"
    driver = subprocess.Popen([sys.executable, "-m", "tickercast", *command, "--out", str(out)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path,
                              env={**os.environ, "PYTHONPATH": str(REPO / "src")})
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 180
        while done_units(out) < 1:
            assert driver.poll() is None, driver.communicate()[1].decode()[-2000:]
            assert time.monotonic() < deadline, "no unit finished in 180 s"
            time.sleep(0.05)
        workers = children(driver.pid)
        driver.kill()
        driver.communicate(timeout=10)
    finally:
        for pid in [driver.pid, *workers]:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
    assert done_units(out) < 12, "the search finished before the kill: make its trials longer"
    assert run_cli(capsys, *command, "--out", str(out), "--resume", "--json")[0] == 0
    assert run_cli(capsys, *command, "--out", str(tmp_path / "straight"), "--json")[0] == 0

    killed, straight = search_file(out), search_file(tmp_path / "straight")
    assert [t["number"] for t in killed["studies"][0]["trials"]] == list(range(6))
    assert killed == straight  # the same trials, proposed and scored as if never interrupted
    with sqlite3.connect(out / "study.sqlite") as db:
        states = [state for (state,) in db.execute("SELECT state FROM trials ORDER BY number")]
    assert states == ["COMPLETE"] * 6
    with sqlite3.connect(out / "results.sqlite") as db:
        stored = db.execute("SELECT count(*) FROM units WHERE done").fetchone()[0]
    assert stored == 2 * len({json.dumps(t["params"]) for t in killed["studies"][0]["trials"]})


@pytest.mark.parametrize(("options", "message"), [
    (["--search", "tpe:0"], "tpe:N with N from 1 to"),
    (["--search", "tpe:-3"], "tpe:N with N from 1 to"),
    (["--search", "tpe"], "tpe:N with N from 1 to"),
    (["--search", "tpe:3", "--grid", "lr=1e-2..1e-4"], "a range needs low < high"),
    (["--search", "tpe:3", "--grid", "lr=1e-4...1e-2"], "write a range as low..high"),
    (["--search", "tpe:3", "--grid", "lr=..1e-2"], "write a range as low..high"),
    (["--search", "tpe:3", "--grid", "lr=1e-4..1e-2:lg"], "write a range as low..high"),
    (["--search", "tpe:3", "--grid", "lr=1e-4..1e-2:log:log"], "write a range as low..high"),
    (["--search", "tpe:3", "--grid", "lr=0..1e-2:log"], "a log range needs low above 0"),
    (["--search", "tpe:3", "--grid", "lr=a..b"], "lr takes float values"),
    (["--search", "tpe:3", "--grid", "lr=1e-4..inf"], "both finite"),
    (["--search", "tpe:3", "--grid", "dropout=0..0.5:int"], "dropout takes fractional values"),
    (["--search", "tpe:3", "--grid", "hidden=0..8"], "hidden must be at least 1"),
    (["--search", "tpe:3", "--grid", "features=returns..volume"], "takes named values, not a range"),
    (["--search", "grid", "--grid", "hidden=8..32"], "only --search tpe:N searches"),
    (["--search", "random:3", "--grid", "hidden=8..32"], "only --search tpe:N searches"),
    (["--search", "tpe:3", "--grid", "lookback=5,10", "--models", "naive,ar", "--prune", "median"],
     "train no network"),
    (["--search", "tpe:3", "--grid", "lookback=5,10", "--models", "naive", "--prune", "halving"],
     "train no network"),
    (["--grid", "hidden=4,8", "--prune", "median"], "--prune stops hopeless trials of --search tpe:N"),
    (["--search", "tpe:3", "--grid", "hidden=4,8", "--global"], "--global is not searched by --search tpe:N"),
])
def test_bad_search_input_is_one_line_and_exit_2(tmp_path, capsys, options, message):
    models = [] if "--models" in options else ["--models", "lstm,naive"]
    code, _, error = run_cli(capsys, "sweep", "--data", "sp500", *models, *options, "--out", str(tmp_path / "run"))
    assert code == 2
    assert error.count("\n") == 1, error
    assert len(error) < 300
    assert message in error
    assert not (tmp_path / "run").exists()


def test_a_range_is_refused_by_grid_and_random_in_python_too():
    with pytest.raises(ConfigError, match="only --search tpe:N searches"):
        SweepSpec(models=("lstm",), grid=parse_grid(["hidden=2..8"], BASE), search="random:3")


def test_a_tpe_sweep_on_the_command_line_prints_and_reports_its_pruned_units(tmp_path, capsys):
    out = tmp_path / "run"
    code, output, _ = run_cli(capsys, "sweep", "--data", "sp500", "--models", "gru,naive", "--search", "tpe:3",
                              "--grid", "hidden=2..6", "--lookback", "5", "--epochs", "2", "--workers", "1",
                              "--out", str(out), "--json")
    assert code == 0
    result = json.loads(output)
    assert result["units"]["pruned"] == 0
    assert result["units"]["total"] == len(result["results"])
    assert (out / "study.sqlite").is_file()
    assert (out / "search.json").is_file()
    assert json.loads((out / "sweep.json").read_text())["definition"]["prune"] == "median"  # the CLI's default
