"""The TPE search: per dataset and model, an Optuna study whose trials are units of the sweep.

    tickercast sweep --data sp500 --models lstm,naive --search tpe:30 --grid lr=1e-4..1e-2:log hidden=8..128:int

Each trial is one setting of the searched values a model reads; it runs as the sweep's units of those settings
(one per seed, trained together) and is scored, like every sweep, by the mean validation RMSE over its seeds, so
the chosen settings and the leaderboard come from `select` as for a grid. Optuna's TPE sampler proposes each
trial from the scores of the earlier ones.

Why batches, and why each trial has its own sampler seed: trials are asked `batch` at a time (the engine's
workers when the study began) and the next batch is asked only when the whole batch is scored. What a trial is
proposed then depends only on the trials before its batch, and its sampler's seed only on the sweep's seed and
its number, never on which unit happened to finish first. So the local engine and Ray propose the same trials,
and a search killed at any moment and resumed proposes what it would have proposed anyway. The pruner decides in
the worker on the same earlier trials (`sweep.pruning`).

The studies live in `study.sqlite` in the run folder (Optuna's own storage; open it with Optuna to explore),
the units' results in `results.sqlite` as for every sweep. A trial is told to its study before its units are
stored, so a kill in between leaves a finished trial whose units `--resume` runs again (the same numbers); a
kill before that leaves a trial still running, which `--resume` runs, with its batch, before asking anything new.
At the end, `search.json` holds every trial, and Optuna's parameter importances, for the report.
"""

from __future__ import annotations

import statistics
import warnings
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from tickercast.config import CELLS
from tickercast.errors import DataError
from tickercast.jsonio import write_json
from tickercast.progress import Reporter
from tickercast.sweep.engines import Engine
from tickercast.sweep.plan import SweepSpec, Unit, parse_search, searched
from tickercast.sweep.pruning import Earlier, Watch
from tickercast.sweep.space import Range
from tickercast.sweep.store import SweepStore
from tickercast.sweep.unit import Outcome

STUDY_FILE = "study.sqlite"
#: TPE modelling the searched settings jointly (a good lookback depends on the width that can use it): on the
#: acceptance series it came as close to the best of a 60-point grid in 20 trials as independent modelling did.
SAMPLER: dict[str, Any] = {"multivariate": True}
SEARCH_FILE = "search.json"
#: Where Optuna's pruners keep their notes on a trial; only these travel to the workers (`pruning.Earlier`).
_PRUNER_NOTES = "completed_rung_"
_STATES = {"COMPLETE": "complete", "PRUNED": "pruned", "FAIL": "failed", "RUNNING": "running"}


@dataclass(frozen=True)
class Trial:
    """One asked trial of one study: its settings and the units that score it (one per seed)."""

    study: Any  # optuna.Study
    number: int
    trial_id: int
    units: tuple[Unit, ...]


def search(spec: SweepSpec, run: SweepStore, engine: Engine, frames: Mapping[str, pd.DataFrame],
           data: Sequence[str], reporter: Reporter, save: Callable[[Unit, Outcome], None]) -> list[Unit]:
    """Run the TPE search of `spec` on the datasets `data` (those that could be read) until every study has its
    trials; `save` stores each unit's outcome. Returns every trial's units, study by study in trial order."""
    optuna = _optuna()
    trials = parse_search(spec.search)
    assert trials is not None  # a TPE search always names its trial count
    storage = _storage(run.folder / STUDY_FILE)
    width = max(1, engine.workers)
    studies = [_study(optuna, storage, dataset, model, width) for dataset in data for model in searched(spec)]
    asked = sum(len(study.trials) for study in studies)
    bar = reporter.bar("search trials", total=trials * len(studies) - asked)
    try:
        with engine.kept():
            _repair(optuna, studies, spec, run, engine, frames, save)
            while True:
                batch = [trial for study in studies for trial in _batch(optuna, study, spec, trials)]
                if not batch:
                    break
                for _ in _run_batch(optuna, batch, spec, run, engine, frames, save):
                    bar.advance()
        units = [unit for study in studies for trial in study.trials for unit in _units(spec, study, trial.params)]
        write_json(run.folder / SEARCH_FILE, _summary(optuna, spec, studies))
    finally:
        bar.close()
        storage.engine.dispose()  # no connection left open on the run folder's study
    return list(dict.fromkeys(units))


def _run_batch(optuna: Any, batch: list[Trial], spec: SweepSpec, run: SweepStore, engine: Engine,
               frames: Mapping[str, pd.DataFrame], save: Callable[[Unit, Outcome], None]) -> Iterator[Trial]:
    """Score a batch, yielding each trial once it is told and its units are stored. A trial whose units are all
    stored already (its settings were tried before) is told from the store; the others run, trials with the
    same settings once."""
    done = run.finished()
    stored = dict(_stored_units(run, batch, done))
    waiting: dict[str, list[Trial]] = {}
    for trial in batch:
        if all(unit.key in done for unit in trial.units):
            _tell(optuna, trial, [stored[unit.key] for unit in trial.units])
            yield trial
        else:
            waiting.setdefault(trial.units[0].key, []).append(trial)
    for ran, outcomes in _scored([same[0] for same in waiting.values()], spec, engine, frames):
        same = waiting[ran.units[0].key]
        for trial in same:
            _tell(optuna, trial, [_as_stored(outcome, unit) for unit, outcome in zip(trial.units, outcomes,
                                                                                     strict=True)], outcomes)
        for unit, outcome in zip(ran.units, outcomes, strict=True):
            save(unit, outcome)
        yield from same


def _scored(trials: Sequence[Trial], spec: SweepSpec, engine: Engine, frames: Mapping[str, pd.DataFrame]
            ) -> Iterator[tuple[Trial, list[Outcome]]]:
    """Run the trials' units on the engine (each trial's seeds as one group, pruned as `spec.prune` says),
    yielding each trial with its units' outcomes as soon as all of them are in."""
    units = [unit for trial in trials for unit in trial.units]
    watches = _watches(spec, trials) if spec.prune != "none" else {}
    outcomes: dict[str, Outcome] = {}
    pending = list(trials)
    for unit, outcome in engine.run(units, frames, spec.base, spec.split, watches):
        outcomes[unit.key] = outcome
        for trial in [t for t in pending if all(u.key in outcomes for u in t.units)]:
            pending.remove(trial)
            yield trial, [outcomes[u.key] for u in trial.units]


def _repair(optuna: Any, studies: Sequence[Any], spec: SweepSpec, run: SweepStore, engine: Engine,
            frames: Mapping[str, pd.DataFrame], save: Callable[[Unit, Outcome], None]) -> None:
    """Store the units of trials that were told but whose units were not stored (a kill in between): run them
    again, with the same pruning, which gives the same numbers."""
    done = run.finished()
    lost = [Trial(study, t.number, t._trial_id, _units(spec, study, t.params))
            for study in studies for t in study.get_trials(deepcopy=False)
            if t.state != optuna.trial.TrialState.RUNNING]
    lost = [trial for trial in lost if not all(unit.key in done for unit in trial.units)]
    for trial, outcomes in _scored(list({t.units[0].key: t for t in lost}.values()), spec, engine, frames):
        for unit, outcome in zip(trial.units, outcomes, strict=True):
            save(unit, outcome)


def _batch(optuna: Any, study: Any, spec: SweepSpec, trials: int) -> list[Trial]:
    """The trials of the study's current batch that are not finished, asking the batch's missing ones first.

    A batch is numbers [b·width, (b+1)·width): when all asked trials are finished, the next batch is asked;
    when some are still running (a resumed search), the batch they belong to is completed first, as it would
    have been."""
    width = study.user_attrs["batch"]
    asked = study.get_trials(deepcopy=False)
    running = [trial for trial in asked if trial.state == optuna.trial.TrialState.RUNNING]
    end = min(trials, -(-len(asked) // width) * width if running else len(asked) + width)
    distributions = _space(spec, study.user_attrs["model"])
    for number in range(len(asked), end):
        study.sampler = optuna.samplers.TPESampler(seed=_seed(spec, study.study_name, number),
                                                   n_startup_trials=_startup(trials), **SAMPLER)
        study.ask(distributions)
    batch = [t for t in study.get_trials(deepcopy=False) if t.state == optuna.trial.TrialState.RUNNING]
    return [Trial(study, t.number, t._trial_id, _units(spec, study, t.params)) for t in batch]


def _startup(trials: int) -> int:
    """Trials drawn at random before TPE models anything: Optuna's 10 suit a hundred trials; a search of 20 would
    spend half its budget on them, so a quarter of the trials, from 3 to 10.

    >>> [_startup(n) for n in (8, 20, 30, 100)]
    [3, 5, 7, 10]
    """
    return min(10, max(3, trials // 4))


def _units(spec: SweepSpec, study: Any, params: Mapping[str, Any]) -> tuple[Unit, ...]:
    """The units that score one trial: its settings with each seed (one unit for a model without seeds)."""
    dataset, model = study.user_attrs["data"], study.user_attrs["model"]
    seeds = [spec.base.seed + k for k in range(spec.seeds)] if model in CELLS else [None]
    settings = tuple(sorted((key, _plain(value)) for key, value in params.items()))
    return tuple(Unit((dataset,), model, settings, seed, spec.covariates) for seed in seeds)


def _tell(optuna: Any, trial: Trial, records: Sequence[Any], outcomes: Sequence[Outcome] = ()) -> None:
    """Tell the study how a trial went: its learning curve and pruner notes (when it ran now), then its value
    (the mean validation RMSE over its seeds), or that it was pruned or failed."""
    storage = trial.study._storage
    for outcome in outcomes[:1]:
        for step, value in enumerate(outcome.curve, 1):
            storage.set_trial_intermediate_value(trial.trial_id, step, value)
        for key, value in outcome.system_attrs.items():
            if key.startswith(_PRUNER_NOTES):
                storage.set_trial_system_attr(trial.trial_id, key, value)
    state = optuna.trial.TrialState
    if any(record["pruned"] is not None for record in records):
        trial.study.tell(trial.number, state=state.PRUNED)
        return
    val = [(record["metrics"] or {}).get("val", {}) for record in records]
    rmse = [part.get("rmse") for part in val]
    if any(value is None for value in rmse):
        trial.study.tell(trial.number, state=state.FAIL)
        return
    ratios = [part.get("rmse_ratio_vs_naive") for part in val]
    if all(ratio is not None for ratio in ratios):
        storage.set_trial_user_attr(trial.trial_id, "val_ratio", statistics.fmean(ratios))
    trial.study.tell(trial.number, statistics.fmean(rmse))


def _watches(spec: SweepSpec, trials: Sequence[Trial]) -> dict[str, Watch]:
    """What the workers need to prune these trials, by the key of each trial's first unit: the study's trials
    finished before the trial's batch (read once per study and batch, the same for every trial of it)."""
    earlier: dict[tuple[str, int], Watch] = {}
    watches = {}
    for trial in trials:
        width = trial.study.user_attrs["batch"]
        first = trial.number // width * width
        where = (trial.study.study_name, first)
        if where not in earlier:
            earlier[where] = Watch(spec.prune, tuple(_earlier(other) for other in
                                                     trial.study.get_trials(deepcopy=False)[:first]
                                                     if _STATES[other.state.name] != "running"))
        watches[trial.units[0].key] = earlier[where]
    return watches


def _earlier(trial: Any) -> Earlier:
    """A finished trial as the pruner compares with it: its state, value, learning curve and rung notes."""
    state = _STATES[trial.state.name]
    curve = tuple(trial.intermediate_values[step] for step in sorted(trial.intermediate_values))
    notes = tuple(sorted((k, v) for k, v in trial.system_attrs.items() if k.startswith(_PRUNER_NOTES)))
    return Earlier(state, trial.value if state == "complete" else None, curve, notes)


def _summary(optuna: Any, spec: SweepSpec, studies: Sequence[Any]) -> dict[str, Any]:
    """search.json: every study's space, trials and parameter importances."""
    return {"sampler": "tpe", "trials": parse_search(spec.search), "batch": studies[0].user_attrs["batch"],
            "prune": spec.prune,
            "studies": [{"data": study.user_attrs["data"], "model": study.user_attrs["model"],
                         "space": {key: values.to_dict() if isinstance(values, Range) else list(values)
                                   for key, values in spec.grid if key in searched(spec)[study.user_attrs["model"]]},
                         "trials": [_trial_row(trial) for trial in study.get_trials(deepcopy=False)],
                         "importances": _importances(optuna, study)} for study in studies]}


def _trial_row(trial: Any) -> dict[str, Any]:
    state = _STATES[trial.state.name]
    return {"number": trial.number, "params": {key: _plain(value) for key, value in trial.params.items()},
            "state": state, "value": trial.value if state == "complete" else None,
            "val_ratio": trial.user_attrs.get("val_ratio"),
            "pruned_at": max(trial.intermediate_values, default=None) if state == "pruned" else None}


def _importances(optuna: Any, study: Any) -> dict[str, float]:
    """Optuna's parameter importances (PED-ANOVA: no extra packages), or none when fewer than two settings vary
    or too few trials are complete to tell."""
    complete = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    varying = {key for key in (complete[0].params if complete else {})
               if len({trial.params[key] for trial in complete}) > 1}
    if len(varying) < 2 or len(complete) < 4:
        return {}
    try:
        with warnings.catch_warnings():  # PED-ANOVA is marked experimental; the report says what it is
            warnings.simplefilter("ignore")
            evaluator = optuna.importance.PedAnovaImportanceEvaluator()
            return {key: float(value) for key, value in
                    optuna.importance.get_param_importances(study, evaluator=evaluator).items()}
    except (RuntimeError, ValueError):  # Optuna could not estimate them from these trials
        return {}


def _space(spec: SweepSpec, model: str) -> dict[str, Any]:
    """Optuna's distributions of the settings `model` reads: ranges as ranges, listed values as categories."""
    from optuna.distributions import CategoricalDistribution

    reads = searched(spec)[model]
    return {key: values.distribution() if isinstance(values, Range) else CategoricalDistribution(values)
            for key, values in spec.grid if key in reads}


def _study(optuna: Any, storage: Any, data: str, model: str, width: int) -> Any:
    """The study of `model` on `data`, created with the batch width, or the one a resumed search began."""
    study = optuna.create_study(storage=storage, study_name=f"{model} on {data}", direction="minimize",
                                load_if_exists=True)
    if "batch" not in study.user_attrs:
        for key, value in (("data", data), ("model", model), ("batch", width)):
            study.set_user_attr(key, value)
    return study


def _storage(path: Path) -> Any:
    """Optuna's SQLite storage in the run folder. A new one is made beside it and moved into place once its
    tables exist, so a sweep killed as it starts never leaves a half-made study that `--resume` cannot open."""
    if not path.exists():
        partial = path.with_name(path.name + ".partial")
        partial.unlink(missing_ok=True)
        _rdb(partial).engine.dispose()
        partial.replace(path)
    return _rdb(path)


def _rdb(path: Path) -> Any:
    from optuna.storages import RDBStorage
    from sqlalchemy.engine import URL

    try:
        return RDBStorage(URL.create("sqlite", database=str(path.resolve())).render_as_string())
    except Exception as error:  # SQLAlchemy's and Optuna's errors alike: the file is not a study we can use
        raise DataError(f"cannot use {path} as the search's study: {str(error).splitlines()[0][:160]}; "
                        "run the sweep again with a new --out") from None


def _seed(spec: SweepSpec, study: str, number: int) -> int:
    """The sampler's seed of one trial: from the sweep's seed, the study and the trial's number alone."""
    return zlib.crc32(f"{spec.base.seed}/{study}/{number}".encode())


def _stored_units(run: SweepStore, batch: Sequence[Trial], done: set[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    """The stored records of the batch's units that are done, by unit key, as `_tell` reads them."""
    units = list(dict.fromkeys(unit for trial in batch for unit in trial.units if unit.key in done))
    for unit, record in zip(units, run.records(units), strict=True):
        yield unit.key, {"metrics": record.metrics, "pruned": record.pruned}


def _as_stored(outcome: Outcome, unit: Unit) -> dict[str, Any]:
    """An outcome as `_tell` reads a stored record."""
    (dataset,) = unit.data
    return {"metrics": outcome.metrics.get(dataset), "pruned": outcome.pruned}


def _plain(value: Any) -> Any:
    """A NumPy scalar from Optuna as the plain number a unit's JSON key holds."""
    return value.item() if hasattr(value, "item") else value


def _optuna() -> Any:
    """Optuna, quiet (it logs every trial at INFO) and imported only by a TPE search (slow to import)."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna
