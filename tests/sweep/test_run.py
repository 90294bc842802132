"""Whole sweeps, end to end: failures recorded, selection blind to the test part, resume after a real kill."""

import json
import sqlite3
import subprocess
import sys
import time

import numpy as np
import pytest

import tickercast as tc
from tests.conftest import TINY, price_frame
from tickercast.cli import main
from tickercast.config import ModelConfig
from tickercast.errors import TickercastError
from tickercast.prepare.split import make_split
from tickercast.sweep.driver import run_sweep
from tickercast.sweep.engines import LocalEngine
from tickercast.sweep.plan import SweepSpec, parse_grid

BASE = ModelConfig(**TINY)


def spec(models, grid, **options):
    return SweepSpec(models=models, grid=parse_grid(grid, BASE), base=BASE, **options)


def test_a_failing_unit_is_recorded_with_its_error_and_the_sweep_goes_on(tmp_path):
    datasets = {"short": price_frame(70, seed=1), "broken.csv": "broken.csv, line 3: cannot read close 'x'",
                "long": price_frame(300, seed=2)}
    result = run_sweep(spec(("lstm", "ar"), ["lookback=5,30"]), datasets, tmp_path / "run", LocalEngine(1))
    errors = {(r.data, r.model, r.params["lookback"]): r.error for r in result.records if r.error}
    assert set(errors) == {("short", "lstm", 30), ("short", "ar", 30), ("broken.csv", "lstm", 5),
                           ("broken.csv", "lstm", 30), ("broken.csv", "ar", 5), ("broken.csv", "ar", 30)}
    assert "leaves 18 training windows (need 30)" in errors["short", "lstm", 30]
    assert errors["broken.csv", "ar", 5] == datasets["broken.csv"]
    assert result.units == {"total": 12, "ran": 12, "skipped": 0, "failed": 6}
    chosen = {(s.data, s.model): s.params["lookback"] for s in result.selections}
    assert chosen == {("short", "lstm"): 5, ("short", "ar"): 5, ("long", "lstm"): chosen["long", "lstm"],
                      ("long", "ar"): chosen["long", "ar"]}


def test_an_altered_test_part_changes_no_choice(tmp_path):
    datasets = {"a": price_frame(300, phi=0.3, seed=3), "b": price_frame(260, phi=-0.2, seed=4)}
    altered = {}
    for name, frame in datasets.items():
        test_start = make_split(frame.index).val_end
        altered[name] = frame.copy()
        noise = np.random.default_rng(0).normal(0, 0.03, len(frame) - test_start)
        altered[name].iloc[test_start:, 0] *= np.exp(noise)
    sweep = spec(("lstm", "ar", "naive"), ["lookback=5,10", "hidden=3,5"], seeds=2, global_models=True)
    first = run_sweep(sweep, datasets, tmp_path / "original", LocalEngine(1))
    second = run_sweep(sweep, altered, tmp_path / "altered", LocalEngine(1))
    assert [(s.data, s.model, s.params, s.validation_rmse) for s in first.selections] == \
           [(s.data, s.model, s.params, s.validation_rmse) for s in second.selections]
    assert len(first.selections) == 8  # lstm, lstm-global, ar and naive on both datasets
    assert all(a.metrics["test"] != b.metrics["test"] for a, b in zip(first.records, second.records, strict=True)
               if a.model != "naive")


def test_resume_after_a_killed_sweep_runs_exactly_the_missing_units(tmp_path):
    for name, seed in (("a", 5), ("b", 6)):
        frame = price_frame(300, seed=seed)
        frame.to_csv(tmp_path / f"{name}.csv")
    out = tmp_path / "run"
    command = ["sweep", "--data", f"{tmp_path / 'a.csv'},{tmp_path / 'b.csv'}", "--models", "lstm,naive",
               "--grid", "hidden=3,4,5,6", "--seeds", "2", "--lookback", "5", "--layers", "1", "--epochs", "5",
               "--workers", "1", "--out", str(out)]
    sweep = subprocess.Popen([sys.executable, "-m", "tickercast", *command], stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while stored(out) < 3 and sweep.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        sweep.kill()
        _, err = sweep.communicate()
    assert sweep.returncode == -9, err.decode()  # killed mid-sweep, not finished
    before = rows(out)
    assert 3 <= len(before) < 18

    code = main([*command, "--resume", "--json"])
    assert code == 0
    after = rows(out)
    assert len(after) == 18  # 2 datasets × (4 settings × 2 seeds of lstm + naive)
    assert all(after[key] == row for key, row in before.items())  # what finished was kept, not run again
    report = json.loads((out / "selection.json").read_text())
    assert len(report["selected"]) == 4


def stored(out):
    try:  # read-only: never create the file the sweep is about to create
        with sqlite3.connect(f"file:{out / 'results.sqlite'}?mode=ro", uri=True) as db:
            return db.execute("SELECT count(*) FROM units").fetchone()[0]
    except sqlite3.OperationalError:  # not created yet
        return 0


def rows(out):
    with sqlite3.connect(out / "results.sqlite") as db:
        return {key: (seconds, finished) for key, seconds, finished in
                db.execute("SELECT key, seconds, finished_at FROM units")}


def test_a_sweep_with_a_covariate_scores_each_unit_as_a_fit_with_it_and_resumes_only_with_it(tmp_path):
    data, other = price_frame(300, phi=0.3, seed=2), price_frame(300, seed=5)
    sweep = spec(("ar", "naive"), ["lookback=5,10"], covariates=("other",))
    result = run_sweep(sweep, {"data": data}, tmp_path / "run", LocalEngine(1), covariates={"other": other})
    assert result.units["failed"] == 0
    for record in result.records:
        alone = tc.Forecaster(record.model, **{**TINY, **record.params}).fit(data, covariates={"other": other})
        assert record.metrics == alone.metrics
    changed = other.copy()
    changed["close"] *= 1.01
    with pytest.raises(TickercastError, match=r"changed|differ"):
        run_sweep(sweep, {"data": data}, tmp_path / "run", LocalEngine(1), covariates={"other": changed},
                  resume=True)
    with pytest.raises(TickercastError, match="names covariates other"):
        run_sweep(sweep, {"data": data}, tmp_path / "again", LocalEngine(1))
