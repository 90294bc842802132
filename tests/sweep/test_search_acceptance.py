"""Acceptance of the TPE search: on a series where the lookback and the hidden size matter, 20 TPE trials over
the grid's ranges find settings as good on validation (within 1%) as the best of the 60-point grid (fixed seeds)."""

import numpy as np
import pandas as pd
import pytest

import tickercast as tc
from tickercast.config import ModelConfig
from tickercast.sweep.driver import run_sweep
from tickercast.sweep.engines import LocalEngine
from tickercast.sweep.plan import SweepSpec, parse_grid

#: 6 lookbacks x 10 hidden sizes, and the ranges they span (TPE learns from the order of a range's values; a list
#: is a set of unrelated categories to it).
GRID = ["lookback=2,3,4,6,8,12", "hidden=1,2,3,4,6,8,12,16,24,32"]
RANGES = ["lookback=2..12", "hidden=1..32:log"]
BASE = ModelConfig(lookback=5, hidden=4, layers=1, dropout=0.0, epochs=10, batch_size=32, patience=10)


def weekly_echo(n: int, seed: int) -> pd.DataFrame:
    """Log-returns r_t = 0.6 r_{t-5} + noise: an AR(1) in the return five days back, so a lookback under 5 sees
    nothing to learn, and a network needs some width to learn it in ten epochs."""
    rng = np.random.default_rng(seed)
    noise = rng.normal(0, 0.01, n + 200)
    returns = np.zeros(n + 200)
    for t in range(5, n + 200):
        returns[t] = 0.6 * returns[t - 5] + noise[t]
    close = 100 * np.exp(np.concatenate([[0.0], np.cumsum(returns[201:])]))
    return tc.validate(pd.DataFrame({"close": close}, index=pd.bdate_range("2015-01-02", periods=n, name="date")),
                       origin="synthetic")


@pytest.fixture(scope="module")
def searched(tmp_path_factory):
    folder = tmp_path_factory.mktemp("acceptance")
    data = {"echo": weekly_echo(600, seed=1)}
    grid = run_sweep(SweepSpec(models=("lstm",), grid=parse_grid(GRID, BASE), base=BASE), data, folder / "grid",
                     LocalEngine(2))
    tpe = run_sweep(SweepSpec(models=("lstm",), grid=parse_grid(RANGES, BASE), base=BASE, search="tpe:20"), data,
                    folder / "tpe", LocalEngine(2))
    return grid, tpe


def ratio(record):
    return record.metrics["val"]["rmse_ratio_vs_naive"]


def test_the_lookback_and_the_hidden_size_matter_on_this_series(searched):
    grid, _ = searched
    assert len(grid.records) == 60
    best = min(map(ratio, grid.records))
    assert best < 0.95  # there is something to learn
    assert min(ratio(r) for r in grid.records if r.params["lookback"] < 5) > best * 1.05  # too short to see it
    assert min(ratio(r) for r in grid.records if r.params["hidden"] == 1) > best * 1.03  # too narrow to learn it


def test_twenty_tpe_trials_come_within_one_percent_of_the_best_of_the_sixty_point_grid(searched):
    grid, tpe = searched
    assert tpe.units["total"] <= 20
    best_grid = min(map(ratio, grid.records))
    best_tpe = min(map(ratio, tpe.records))
    assert best_tpe <= best_grid * 1.01, (best_tpe, best_grid)
    chosen = tpe.selections[0]
    assert ratio(chosen.runs[0]) == best_tpe  # and the sweep chooses it, on validation
