"""Several models (and seeds) on the same data and the same split, and a summary fair to all of them."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from tickercast.config import TEST_SIZE, VAL_SIZE, ModelConfig
from tickercast.data.validate import Fill
from tickercast.errors import ConfigError
from tickercast.evaluate.metrics import METRIC_KEYS
from tickercast.forecaster import Forecaster
from tickercast.lifeline import attach
from tickercast.models import make_model, model_names
from tickercast.parallel import cores, run_all
from tickercast.progress import SILENT, Reporter
from tickercast.reproducible import one_thread


@dataclass
class Result:
    """One fitted model: its seed (None when the model does not depend on one) and its fitted Forecaster."""

    model: str
    seed: int | None
    forecaster: Forecaster

    @property
    def metrics(self) -> dict[str, dict[str, Any]]:
        return self.forecaster.metrics

    @property
    def label(self) -> str:
        """`lstm-seed0` for a network run, `naive` for a baseline: the run's folder name."""
        return self.model if self.seed is None else f"{self.model}-seed{self.seed}"


def compare(prices: pd.DataFrame, models: list[str] | str, *, seeds: int = 1, test_size: float = TEST_SIZE,
            val_size: float = VAL_SIZE, test_start: str | None = None, val_start: str | None = None,
            price_column: str | None = None, fill: Fill = None, workers: int = 1, reporter: Reporter = SILENT,
            **settings: Any) -> list[Result]:
    """Fit every model on the same split; networks once per seed (seed, seed + 1, ...), baselines once.

    `workers` processes fit models side by side; 0 = one per core when there are several networks to train
    for more than a few seconds (the command line's default). The numbers are the same whatever the number of
    workers. Workers start by importing the calling script, so a script that asks for them must keep its own
    work under `if __name__ == "__main__":`, as with any multiprocessing code (notebooks need nothing).

    >>> results = compare(tc.load("sp500"), "lstm,gru,naive", seeds=3)   # doctest: +SKIP
    >>> summarize(results)                                              # doctest: +SKIP
    """
    names = model_names(models)
    if seeds < 1:
        raise ConfigError("seeds must be at least 1")
    config = ModelConfig.from_settings(**settings)
    runs: list[tuple[str, int | None]] = []
    for name in names:
        network = make_model(name, config).is_network
        runs += [(name, config.seed + k) for k in range(seeds)] if network else [(name, None)]
    if workers < 0:
        raise ConfigError("workers must be 0 (automatic) or more")
    networks = sum(seed is not None for _, seed in runs)
    workers = workers or (cores() if networks > 1 and networks * config.epochs * len(prices) >= _WORKER_WORK
                          else 1)
    options = {"test_size": test_size, "val_size": val_size, "test_start": test_start, "val_start": val_start,
               "price_column": price_column, "fill": fill}
    # Each worker's epochs are not shown: two bars would fight over one terminal line.
    epochs_reporter = reporter if workers == 1 else SILENT
    tasks = [(name, {**config.to_dict(), "seed": config.seed if seed is None else seed}, prices, options,
              epochs_reporter) for name, seed in runs]
    overall = reporter.bar("models", total=len(runs))
    try:
        fitted = run_all(_fit, tasks, workers, lambda index: overall.advance(model=runs[index][0]))
    finally:
        overall.close()
    return [Result(name, seed, forecaster) for (name, seed), forecaster in zip(runs, fitted, strict=True)]


#: Window passes (networks x epochs x days) above which worker processes pay back their start-up: about
#: twenty seconds of training on one core at 32 units, against two to four seconds to start the workers.
_WORKER_WORK = 300_000


def _fit(name: str, settings: dict[str, Any], prices: pd.DataFrame, options: dict[str, Any],
         reporter: Reporter) -> Forecaster:
    """One fit on one thread, so its numbers are the same with any number of workers; a worker running it dies
    with this command's process, even one killed with `kill -9`."""
    attach()
    with one_thread():
        return Forecaster(name, **settings).fit(prices, **options, reporter=reporter)


def summarize(results: list[Result], part: str = "test") -> list[dict[str, Any]]:
    """Per model: mean and sd over seeds of every metric and p-value on one split (sd None for one run).

    `looks_lagged` is true when most runs' forecasts follow yesterday's price.
    """
    rows = []
    for name in dict.fromkeys(result.model for result in results):
        runs = [result.metrics[part] for result in results if result.model == name and part in result.metrics]
        if not runs:
            continue
        row: dict[str, Any] = {"model": name, "runs": len(runs)}
        for key in (*METRIC_KEYS, "dm_p_value", "direction_p_value"):
            values = [run[key] for run in runs if run.get(key) is not None]
            row[key] = statistics.fmean(values) if values else None
            row[f"{key}_sd"] = statistics.stdev(values) if len(values) > 1 else None
        lagged = [run.get("looks_lagged") for run in runs]
        row["looks_lagged"] = None if None in lagged else sum(lagged) > len(lagged) / 2  # most runs
        rows.append(row)
    return rows


#: One-sided Diebold–Mariano p-value below which a model "beats naive significantly".
SIGNIFICANCE = 0.05


def network_verdicts(results: list[Result], part: str = "test") -> list[dict[str, Any]]:
    """Every pair of networks run with several seeds: who has the lower RMSE, beyond the seed-to-seed spread.

    A win needs the two mean ± sd bands not to overlap (`evaluate.stats.seed_spread_verdict`); otherwise "tie".
    """
    from tickercast.evaluate.stats import seed_spread_verdict

    rmse: dict[str, list[float]] = {}
    for result in results:
        if result.seed is not None:
            rmse.setdefault(result.model, []).append(result.metrics[part]["rmse"])
    names = [name for name, values in rmse.items() if len(values) > 1]
    verdicts = []
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            winner = seed_spread_verdict(np.array(rmse[a]), np.array(rmse[b]))
            verdicts.append({"a": a, "b": b, "winner": {"A": a, "B": b}.get(winner, "tie"),
                             "rmse_a": statistics.fmean(rmse[a]), "rmse_b": statistics.fmean(rmse[b]),
                             "sd_a": statistics.stdev(rmse[a]), "sd_b": statistics.stdev(rmse[b])})
    return verdicts


def leaderboard(results: dict[str, list[Result]], part: str = "test") -> list[dict[str, Any]]:
    """Across datasets: each model's mean rank (by mean RMSE ratio to naive, 1 = best) and how often its
    runs beat naive significantly (one-sided DM p < 0.05), best mean rank first."""
    ranks: dict[str, list[int]] = {}
    wins: dict[str, list[bool]] = {}
    for runs in results.values():
        rows = summarize(runs, part)
        tied = pd.Series([row["rmse_ratio_vs_naive"] for row in rows]).rank(method="average")  # ties share a rank
        for rank, row in zip(tied, rows, strict=True):
            ranks.setdefault(row["model"], []).append(float(rank))
        for result in runs:
            p_value = result.metrics[part].get("dm_p_value_better")
            wins.setdefault(result.model, []).append(p_value is not None and p_value < SIGNIFICANCE)
    board = [{"model": name, "mean_rank": statistics.fmean(ranks[name]), "datasets": len(ranks[name]),
              "runs": len(wins[name]), "beats_naive_significantly": sum(wins[name])} for name in ranks]
    return sorted(board, key=lambda row: row["mean_rank"])
