"""Several models (and seeds, and input sets) on the same data and the same split, and a summary fair to all.

With several input sets (`feature_sets`), every model that reads inputs is fitted once per set, all on the same
days (the latest first day any set can use), and `ablation` gives each set a Diebold–Mariano verdict against the
same model reading returns only: did the extra inputs help, beyond luck?

With the `direction` target every model forecasts P(up): the summary holds the classification scores and ranks
the models by log loss (lower is better), seed verdicts and the leaderboard use log loss too, and a win in the
leaderboard is a p-value below 0.05 against the better constant call ("always up" or "always down").
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from tickercast.config import TEST_SIZE, VAL_SIZE, ModelConfig
from tickercast.data.validate import Fill
from tickercast.errors import ConfigError, option, shown
from tickercast.evaluate.metrics import METRIC_KEYS
from tickercast.evaluate.scorecard import DIRECTION_KEYS
from tickercast.evaluate.vocabulary import SIGNIFICANCE, ablation_kind
from tickercast.forecaster import Covariates, Forecaster, fit_seeds
from tickercast.models import make_model, model_names
from tickercast.parallel import cores, run_all
from tickercast.progress import SILENT, Reporter
from tickercast.reproducible import one_thread


@dataclass(frozen=True)
class InputSet:
    """One set of inputs: features (a canonical `ModelConfig.features` string), covariate names, and the label
    its models carry (`""` for returns only, the reference; else `+volume+rsi`, as the user wrote the set)."""

    features: str = "returns"
    covariates: tuple[str, ...] = ()
    label: str = ""


@dataclass
class Result:
    """One fitted model: its seed (None when the model does not depend on one), its fitted Forecaster, and the
    label of its input set (`""` unless several sets were compared)."""

    model: str
    seed: int | None
    forecaster: Forecaster
    inputs: str = ""

    @property
    def metrics(self) -> dict[str, dict[str, Any]]:
        return self.forecaster.metrics

    @property
    def name(self) -> str:
        """The model and its input set, `lstm` or `lstm+volume`: what tables group seeds by."""
        return self.model + self.inputs

    @property
    def label(self) -> str:
        """`lstm-seed0` for a network run, `naive` for a baseline: the run's folder name."""
        return self.name if self.seed is None else f"{self.name}-seed{self.seed}"


def input_sets(spec: str | Sequence[str] | None, covariates: Sequence[str] = (),
               features: str = "returns") -> list[InputSet]:
    """Parse `--feature-sets "returns; returns,volume; returns,nasdaq"` (a name given with --with is a covariate).

    The reference, returns only, comes first (added if not listed). Without `spec`: one set, `features` and every
    covariate, with no label (a plain comparison).

    >>> [s.label for s in input_sets("returns,volume; returns")]
    ['', '+volume']
    """
    if spec is None:
        return [InputSet(features, tuple(covariates))]
    from tickercast.prepare.features import CATALOGUE, GROUPS, feature_key

    texts = [part for part in (spec.split(";") if isinstance(spec, str) else spec) if part.strip()]
    if not texts:
        raise ConfigError(f"{option('feature_sets')} needs at least one set, e.g. \"returns; returns,volume\"")
    sets = []
    for text in texts:
        names = [name.strip() if name.strip() in covariates else name.strip().lower()  # features: any case
                 for name in text.split(",") if name.strip()]
        unknown = [name for name in names if name not in CATALOGUE and name not in GROUPS and name not in covariates]
        if unknown:
            raise ConfigError(f"unknown input {shown(unknown[0])} in {option('feature_sets')}; use features "
                              f"({', '.join([*CATALOGUE, *GROUPS])}) or a name given with {option('covariates')}")
        own = [name for name in names if name not in covariates]
        extras = [name for name in names if name != "returns"]
        sets.append(InputSet(feature_key(own or ["returns"]), tuple(n for n in names if n in covariates),
                             "".join(f"+{name}" for name in dict.fromkeys(extras))))
    unused = [name for name in covariates if not any(name in s.covariates for s in sets)]
    if unused:
        raise ConfigError(f"--with {shown(unused[0])} is in none of the --feature-sets; name it in a set "
                          f"(e.g. \"returns; returns,{unused[0][:40]}\") or leave it out")
    reference = InputSet()
    unique = list(dict.fromkeys(InputSet(s.features, s.covariates) for s in sets))
    if len(unique) < len(sets):
        raise ConfigError(f"{option('feature_sets')} lists the same set twice; give each set once")
    return [reference] + [s for s in sets if (s.features, s.covariates) != ("returns", ())]


def compare(prices: pd.DataFrame, models: list[str] | str, *, seeds: int = 1,
            feature_sets: str | Sequence[str] | None = None, covariates: Covariates | None = None,
            common_span: bool = False, test_size: float = TEST_SIZE, val_size: float = VAL_SIZE,
            test_start: str | None = None, val_start: str | None = None, price_column: str | None = None,
            fill: Fill = None, workers: int = 1, reporter: Reporter = SILENT, **settings: Any) -> list[Result]:
    """Fit every model on the same split; networks once per seed (seed, seed + 1, ...), baselines once.

    A network's seeds (on one input set) train together as one batched computation (`forecaster.fit_seeds`),
    each with its own initial weights, batch order, dropout and early stopping; each seed keeps its own Result.
    A seed's numbers are those of training it alone within the noise of training (the batched sums round in
    another order and dropout draws from another stream), and they do not depend on `workers`.

    `feature_sets` (`"returns; returns,volume"`, see `input_sets`) fits every model that reads inputs once per
    set, all on the same days; `ablation(results)` then says whether each set beat returns only.

    `workers` processes fit models side by side (each model's seeds are one task); 0 = one per network
    model, up to one per core, when there are several to train for more than a few seconds (the command
    line's default). The numbers are the same whatever the number of
    workers. Workers start by importing the calling script, so a script that asks for them must keep its own
    work under `if __name__ == "__main__":`, as with any multiprocessing code (notebooks need nothing).

    >>> results = compare(tc.load("sp500"), "lstm,gru,naive", seeds=3)   # doctest: +SKIP
    >>> summarize(results)                                              # doctest: +SKIP
    """
    names = model_names(models)
    if seeds < 1:
        raise ConfigError("seeds must be at least 1")
    config = ModelConfig.from_settings(**settings)
    check_ensemble_seeds(config.ensemble, seeds)
    covariates = dict(covariates or {})
    sets = input_sets(feature_sets, list(covariates), config.features)
    if len(sets) > 1 and config.target == "direction":
        raise ConfigError(f"{option('feature_sets')} tests input sets on price errors; it does not apply to "
                          f"{option('target', 'direction')} (compare the models with {option('features')} instead)")
    options = {"test_size": test_size, "val_size": val_size, "test_start": test_start, "val_start": val_start,
               "price_column": price_column, "fill": fill, "common_span": common_span}
    if len(sets) > 1:
        options["first_date"] = common_first_date(prices, sets, covariates, price_column, fill, common_span)
    groups: list[tuple[str, InputSet, list[int | None]]] = []  # a model's seeds on one input set train together
    for name in names:
        model = make_model(name, config)
        for chosen in sets if model.uses_inputs else sets[:1]:
            groups.append((name, chosen, [config.seed + k for k in range(seeds)] if model.seeded else [None]))
    if workers < 0:
        raise ConfigError("workers must be 0 (automatic) or more")
    networks = sum(seed is not None for *_, group in groups for seed in group)
    trained = sum(group[0] is not None for *_, group in groups)  # tasks that train networks
    workers = workers or (min(cores(), trained) if trained > 1 and networks * config.epochs * len(prices)
                          >= _WORKER_WORK else 1)
    # Each worker's epochs are not shown: two bars would fight over one terminal line.
    epochs_reporter = reporter if workers == 1 else SILENT
    tasks = [(name, {**config.to_dict(), "features": chosen.features}, group, prices,
              {**options, "covariates": {key: covariates[key] for key in chosen.covariates}}, epochs_reporter)
             for name, chosen, group in groups]
    overall = reporter.bar("models", total=sum(len(group) for *_, group in groups))

    def done(index: int) -> None:
        for _ in groups[index][2]:
            overall.advance(model=groups[index][0])

    try:
        fitted = run_all(_fit, tasks, workers, done)
    finally:
        overall.close()
    return [Result(name, seed, forecaster, chosen.label)
            for (name, chosen, group), forecasters in zip(groups, fitted, strict=True)
            for seed, forecaster in zip(group, forecasters, strict=True)]


def check_ensemble_seeds(ensemble: int, seeds: int) -> None:
    """One ensemble per network: ensembles of seeds s, s + 1, ... would share all but one member, so their spread
    would understate the seed noise (move the ensemble with the seed instead)."""
    if ensemble > 1 and seeds > 1:
        raise ConfigError(f"{option('ensemble', ensemble)} with {option('seeds', seeds)}: ensembles of consecutive "
                          f"seeds would share members; compare one ensemble per network (drop {option('seeds')}), or "
                          f"{option('seeds')} without {option('ensemble')}")


def common_first_date(prices: pd.DataFrame, sets: list[InputSet], covariates: Covariates, price_column: str | None,
                      fill: Fill, common_span: bool) -> pd.Timestamp:
    """The first day every input set has all its inputs: where every model of an ablation starts."""
    from tickercast.data.validate import as_price_frame
    from tickercast.prepare.inputs import build_inputs

    frame = as_price_frame(prices, price_column, fill)
    others = {name: as_price_frame(other) for name, other in covariates.items()}
    return max(build_inputs(frame, chosen.features, {key: others[key] for key in chosen.covariates},
                            common_span=common_span)[0].index[0] for chosen in sets)


#: Window passes (networks x epochs x days) above which worker processes pay back their start-up: about
#: twenty seconds of training on one core at 32 units, against two to four seconds to start the workers.
_WORKER_WORK = 300_000


def _fit(name: str, settings: dict[str, Any], seeds: list[int | None], prices: pd.DataFrame,
         options: dict[str, Any], reporter: Reporter) -> list[Forecaster]:
    """One model's fits on one input set, one per seed (None: a model that reads no seed), on one thread, so their
    numbers are the same with any number of workers (a worker running it dies with this command's process:
    `parallel` attaches its lifeline when it starts). A network's seeds train together as one batched
    computation (`forecaster.fit_seeds`)."""
    forecasters = [Forecaster(name, **{**settings, "seed": settings["seed"] if seed is None else seed})
                   for seed in seeds]
    with one_thread():
        return fit_seeds(forecasters, prices, reporter=reporter, **options)


def is_direction(results: Sequence[Any]) -> bool:
    """Whether the results (fitted `Result`s, or a sweep's records) score P(up), the `direction` target: their
    metrics are classification scores."""
    return any("log_loss" in card for result in results for card in (result.metrics or {}).values())


def summarize(results: list[Result], part: str = "test") -> list[dict[str, Any]]:
    """Per model: mean and sd over seeds of every metric and p-value on one split (sd None for one run).

    `looks_lagged` is true when most runs' forecasts follow yesterday's price. For the direction target the
    metrics are the classification scores, and the rows are sorted by mean log loss, best (lowest) first.
    """
    direction = is_direction(results)
    keys = DIRECTION_KEYS if direction else (*METRIC_KEYS, "dm_p_value", "direction_p_value")
    rows = []
    for name in dict.fromkeys(result.name for result in results):
        runs = [result.metrics[part] for result in results if result.name == name and part in result.metrics]
        if not runs:
            continue
        row: dict[str, Any] = {"model": name, "runs": len(runs)}
        for key in keys:
            values = [run[key] for run in runs if run.get(key) is not None]
            row[key] = statistics.fmean(values) if values else None
            row[f"{key}_sd"] = statistics.stdev(values) if len(values) > 1 else None
        if not direction:
            lagged = [run.get("looks_lagged") for run in runs]
            row["looks_lagged"] = None if None in lagged else sum(lagged) > len(lagged) / 2  # most runs
        rows.append(row)
    if direction:
        rows.sort(key=lambda row: math.inf if row["log_loss"] is None else row["log_loss"])
    return rows


def network_verdicts(results: list[Result], part: str = "test") -> list[dict[str, Any]]:
    """Every pair of networks run with several seeds: who has the lower RMSE (log loss for the direction target),
    beyond the seed-to-seed spread.

    A win needs the two mean ± sd bands not to overlap (`evaluate.stats.seed_spread_verdict`); otherwise "tie".
    Each verdict names its `metric`, and its numbers are `<metric>_a`, `sd_a`, ... (`rmse_a` for prices).
    """
    from tickercast.evaluate.stats import seed_spread_verdict

    metric = "log_loss" if is_direction(results) else "rmse"
    rmse: dict[str, list[float]] = {}
    for result in results:
        if result.seed is not None:
            rmse.setdefault(result.name, []).append(result.metrics[part][metric])
    names = [name for name, values in rmse.items() if len(values) > 1]
    verdicts = []
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            winner = seed_spread_verdict(np.array(rmse[a]), np.array(rmse[b]))
            verdicts.append({"a": a, "b": b, "winner": {"A": a, "B": b}.get(winner, "tie"), "metric": metric,
                             f"{metric}_a": statistics.fmean(rmse[a]), f"{metric}_b": statistics.fmean(rmse[b]),
                             "sd_a": statistics.stdev(rmse[a]), "sd_b": statistics.stdev(rmse[b])})
    return verdicts


def leaderboard(results: dict[str, list[Result]], part: str = "test") -> list[dict[str, Any]]:
    """Across datasets: each model's mean rank (by mean RMSE ratio to naive, 1 = best) and how often its
    runs beat naive significantly (one-sided DM p < 0.05), best mean rank first. For the direction target: the
    rank by mean log loss, and `beats_constant_significantly` (p < 0.05 against the better constant call)."""
    direction = any(is_direction(runs) for runs in results.values())
    rank_key, p_key, wins_key = (("log_loss", "p_value_vs_constant", "beats_constant_significantly") if direction
                                 else ("rmse_ratio_vs_naive", "dm_p_value_better", "beats_naive_significantly"))
    ranks: dict[str, list[int]] = {}
    wins: dict[str, list[bool]] = {}
    for runs in results.values():
        rows = summarize(runs, part)
        tied = pd.Series([row[rank_key] for row in rows]).rank(method="average")  # ties share a rank
        for rank, row in zip(tied, rows, strict=True):
            ranks.setdefault(row["model"], []).append(float(rank))
        for result in runs:
            p_value = result.metrics[part].get(p_key)
            wins.setdefault(result.name, []).append(p_value is not None and p_value < SIGNIFICANCE)
    board = [{"model": name, "mean_rank": statistics.fmean(ranks[name]), "datasets": len(ranks[name]),
              "runs": len(wins[name]), wins_key: sum(wins[name])} for name in ranks]
    return sorted(board, key=lambda row: row["mean_rank"])


def ablation(results: list[Result], part: str = "test") -> list[dict[str, Any]]:
    """Each input set of each model against the same model on returns only, on the same days of `part`.

    Seeds are averaged first (the mean forecast of each set's runs), then a Diebold–Mariano test on squared
    errors compares the set with the reference: `p_value_better` one-sided (the set's errors are smaller),
    `p_value` two-sided, and a verdict in words at the 5% level.
    """
    from tickercast.evaluate.stats import diebold_mariano

    rows = []
    for model in dict.fromkeys(result.model for result in results):
        runs = [result for result in results if result.model == model]
        labels = list(dict.fromkeys(result.inputs for result in runs))
        if len(labels) < 2 or labels[0] != "":
            continue
        forecasts = {label: _mean_forecast([r for r in runs if r.inputs == label], part) for label in labels}
        reference = forecasts[""]
        for label in labels[1:]:
            table = forecasts[label]
            if not table.index.equals(reference.index):
                raise ConfigError(f"{model}{label} was scored on other days than {model}; this is a bug")
            test = diebold_mariano((table["actual"] - table["predicted"]).to_numpy(),
                                   (reference["actual"] - reference["predicted"]).to_numpy())
            ratio = _rmse(table) / _rmse(reference)
            rows.append({"model": model, "inputs": label, "name": model + label,
                         "rmse_ratio_vs_returns_only": ratio, "dm_p_value": test.p_value,
                         "dm_p_value_better": test.p_value_model_better, "n": test.n,
                         "verdict": _verdict(label, test.p_value_model_better, test.p_value)})
    return rows


def _mean_forecast(runs: list[Result], part: str) -> pd.DataFrame:
    tables = [r.forecaster.predictions_.loc[lambda t: t["split"] == part].set_index("date") for r in runs]
    mean = tables[0][["actual"]].copy()
    mean["predicted"] = np.mean([t["predicted"].to_numpy() for t in tables], axis=0)
    return mean


def _rmse(table: pd.DataFrame) -> float:
    return float(np.sqrt(np.mean((table["actual"] - table["predicted"]) ** 2)))


def _verdict(label: str, p_better: float, p_value: float) -> str:
    """`adding volume: no significant difference, p = 0.41` (one-sided p when it helps, two-sided otherwise)."""
    added = " and ".join(label.lstrip("+").split("+"))
    kind = ablation_kind({"dm_p_value_better": p_better, "dm_p_value": p_value})
    if kind == "better":
        return f"adding {added}: significantly better, p = {p_better:.2g}"
    if kind == "worse":
        return f"adding {added}: significantly worse, p = {p_value:.2g}"
    return f"adding {added}: no significant difference, p = {p_value:.2g}"
