"""Units that differ only in their seed run as one piece of work; the store still keeps each seed as its unit."""

import sqlite3

import pytest

from tests.conftest import TINY, price_frame
from tickercast.config import ModelConfig
from tickercast.forecaster import Forecaster, fit_seeds
from tickercast.reproducible import one_thread
from tickercast.sweep.driver import run_sweep
from tickercast.sweep.engines import LocalEngine
from tickercast.sweep.plan import SweepSpec, parse_grid, plan, seed_groups

BASE = ModelConfig(**TINY)


def spec(models, grid=(), **options):
    return SweepSpec(models=models, grid=parse_grid(list(grid), BASE), base=BASE, **options)


def test_a_networks_seeds_are_one_group_per_dataset_and_settings():
    units = plan(spec(("gru", "ar"), ["hidden=3,4"], seeds=3), ["a", "b"])
    groups = [[(u.data, u.model, dict(u.params), u.seed) for u in group] for group in seed_groups(units)]
    assert groups[:3] == [[(("a",), "gru", {"hidden": 3}, seed) for seed in range(3)],
                          [(("a",), "gru", {"hidden": 4}, seed) for seed in range(3)],
                          [(("a",), "ar", {}, None)]]
    assert len(groups) == 6
    assert [unit for group in seed_groups(units) for unit in group] == units  # every unit once, in plan order


def test_global_units_and_the_seeds_left_by_a_resume_group_as_they_should():
    units = plan(spec(("lstm",), seeds=3, global_models=True), ["a", "b"])
    groups = list(seed_groups(units))
    assert [len(group) for group in groups] == [1, 1, 1, 3, 3]  # each global unit alone, then a and b
    missing = [units[3], units[5], units[7]]  # seeds 0 and 2 of a, seed 1 of b: what a killed sweep left
    assert [[u.seed for u in group] for group in seed_groups(missing)] == [[0, 2], [1]]


def stored_units(folder):
    with sqlite3.connect(folder / "results.sqlite") as db:
        return {(model, params, seed): (seconds, cpu) for model, params, seed, seconds, cpu in
                db.execute("SELECT model, params, seed, seconds, cpu_seconds FROM units")}


def test_a_sweep_trains_each_group_once_and_stores_every_seed(tmp_path):
    frame = price_frame(300, phi=0.3, seed=3)
    result = run_sweep(spec(("lstm", "naive"), ["hidden=3,4"], seeds=3), {"a": frame}, tmp_path / "run",
                       LocalEngine(1))
    assert result.units == {"total": 7, "ran": 7, "skipped": 0, "failed": 0}
    stored = stored_units(tmp_path / "run")
    for hidden in (3, 4):
        times = {stored["lstm", f'{{"hidden": {hidden}}}', seed] for seed in range(3)}
        assert len(times) == 1  # one piece of work: each seed holds an equal share of its times
    with one_thread():  # what a unit runs on
        together = fit_seeds([Forecaster("lstm", **{**TINY, "hidden": 3, "seed": seed}) for seed in range(3)], frame)
    records = [r for r in result.records if r.model == "lstm" and r.params == {"hidden": 3}]
    assert [r.metrics for r in records] == [forecaster.metrics for forecaster in together]


def test_a_resumed_sweep_trains_only_the_seeds_it_lacks(tmp_path):
    frame = price_frame(300, phi=0.3, seed=3)
    sweep = spec(("lstm",), seeds=3)
    first = run_sweep(sweep, {"a": frame}, tmp_path / "run", LocalEngine(1))
    with sqlite3.connect(tmp_path / "run" / "results.sqlite") as db:  # as if the sweep died before storing seed 1
        key = next(key for (key,) in db.execute("SELECT key FROM units WHERE seed = 1"))
        db.execute("DELETE FROM results WHERE key = ?", (key,))
        db.execute("DELETE FROM units WHERE key = ?", (key,))
    kept = stored_units(tmp_path / "run")
    resumed = run_sweep(sweep, {"a": frame}, tmp_path / "run", LocalEngine(1), resume=True)
    assert resumed.units == {"total": 3, "ran": 1, "skipped": 2, "failed": 0}
    after = stored_units(tmp_path / "run")
    assert all(after[unit] == times for unit, times in kept.items())  # seeds 0 and 2 were not trained again
    before, again = (next(r for r in run.records if r.seed == 1) for run in (first, resumed))
    assert again.metrics["test"]["rmse"] == pytest.approx(before.metrics["test"]["rmse"], rel=1e-5)  # alone now


def test_a_group_that_cannot_train_records_the_reason_for_every_seed(tmp_path):
    result = run_sweep(spec(("lstm",), ["lookback=5,30"], seeds=2), {"short": price_frame(70, seed=1)},
                       tmp_path / "run", LocalEngine(1))
    errors = {(r.params["lookback"], r.seed): r.error for r in result.records}
    assert [errors[5, 0], errors[5, 1]] == [None, None]
    assert "leaves 18 training windows (need 30)" in errors[30, 0]
    assert errors[30, 0] == errors[30, 1]
    assert result.units["failed"] == 2
