"""The rank study on the sweep's engines: one unit per (study period, trained model), kept in a run folder.

    spec = RankSpec(models=("lstm",), config=ModelConfig.from_settings(**RANK_DEFAULTS))
    run = run_rank(spec, load_panel("djia30"), Path("runs/rank"), LocalEngine())
    run.result.summary["models"]["lstm"]["verdict"]

Each period's network (or logistic regression) is trained on its own 750 days and scores its 250 trading days
(`rank.run_period`), independently of every other period, so periods are the units. The network-free
baselines (`reversal`, `random`) take a blink and run in this process. When every unit is in, `rank.summarise`
joins the periods into daily portfolios and the summary.

The run folder:
    study.json                     what the study is: models, network settings, study settings, data fingerprint
    units/<model>-p<i>.npz, .json  one finished unit: its scores (arrays, never pickle) and its facts; the
                                   JSON is written after the arrays, both atomically, so a unit with its JSON is
                                   whole, and a kill loses only the units still running
    rank.json, daily.csv, positions.csv   the results (`write_results`), when every unit is in
`--resume` checks that study.json describes the same study on the same prices, then runs only missing units.
"""

from __future__ import annotations

import hashlib
import io
import json
import time
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tickercast._version import __version__
from tickercast.config import ModelConfig
from tickercast.csvsafe import spreadsheet_safe
from tickercast.errors import ConfigError, DataError, shown_path
from tickercast.jsonio import json_safe, read_json, write_atomic, write_json
from tickercast.progress import SILENT, Reporter
from tickercast.rank import (
    BASELINES,
    RANKED_MODELS,
    Period,
    PeriodOutcome,
    RankResult,
    RankSettings,
    check_panel,
    describe_panel,
    panel_returns,
    run_period,
    study_models,
    summarise,
)
from tickercast.reproducible import one_thread
from tickercast.sweep.engines import Engine
from tickercast.sweep.progress_files import SUFFIX, FileReporter, watching

FORMAT = 1
STUDY = "study.json"
UNITS = "units"


@dataclass(frozen=True)
class RankSpec:
    """What a study is: the models asked for, the network settings and the study's own numbers."""

    models: tuple[str, ...]
    config: ModelConfig
    settings: RankSettings = field(default_factory=RankSettings)

    @property
    def reported(self) -> list[str]:
        """Every model in the results, in table order: those asked for, then logistic, reversal and random."""
        return list(study_models(self.models))

    @property
    def trained(self) -> list[str]:
        """The models trained per period (the units); the baselines need no training and run in the driver."""
        return [name for name in self.reported if name in RANKED_MODELS]


@dataclass(frozen=True)
class RankRun:
    """A finished study and how much of it this run did."""

    result: RankResult
    units: dict[str, int]  # total, ran (this time), skipped (finished before)
    seconds: float
    folder: Path


#: Study settings only the summary reads (which names to hold, what trading costs, where to split the years):
#: `--resume` with other values re-summarises the trained units instead of refusing them.
SUMMARY_SETTINGS = ("top", "cost_bps", "split_year")


def fingerprint(returns: np.ndarray, dates: pd.DatetimeIndex, tickers: Sequence[str],
                attrs: Mapping[str, Any]) -> dict[str, Any]:
    """What study.json records of the data: enough to see that a resumed study has the very same returns."""
    digest = hashlib.sha256()
    digest.update(np.ascontiguousarray(dates.asi8).tobytes())
    digest.update(np.ascontiguousarray(returns, dtype="float64").tobytes())
    digest.update("\0".join(tickers).encode())
    return {"name": attrs.get("name"), "price_column": attrs.get("price_column"), "tickers": len(tickers),
            "days": len(dates), "first": f"{dates[0]:%Y-%m-%d}", "last": f"{dates[-1]:%Y-%m-%d}",
            "sha256": digest.hexdigest()}


def run_rank(spec: RankSpec, panel: pd.DataFrame, folder: Path, engine: Engine, *, resume: bool = False,
             reporter: Reporter = SILENT) -> RankRun:
    """Run every unit of the study not already in `folder`, store each as it finishes, then summarise.

    Checks (the models, one ticker, fewer than 2k stocks, too short for one period) come before anything is
    written.
    """
    models = spec.reported
    started = time.perf_counter()
    returns, dates, tickers = panel_returns(panel)
    lookback = spec.config.lookback
    periods = check_panel(returns, tickers, spec.settings, lookback)
    units_read = {key: value for key, value in spec.settings.to_dict().items() if key not in SUMMARY_SETTINGS}
    definition = {"models": spec.trained, "config": spec.config.to_dict(), "settings": units_read,
                  "data": fingerprint(returns, dates, tickers, panel.attrs)}
    units_folder = open_study(folder, definition, resume=resume)
    outcomes: dict[str, dict[int, PeriodOutcome]] = {name: {} for name in models}
    todo: list[tuple[Period, str]] = []
    for model in spec.trained:
        for period in periods:
            saved = load_unit(units_folder, model, period)
            if saved is None:
                todo.append((period, model))
            else:
                outcomes[model][period.index] = saved
    _run_units(todo, returns, spec, len(periods), units_folder, engine, outcomes, reporter)
    for name in (name for name in models if name in BASELINES):  # a blink each: no unit, no file
        for period in periods:
            outcomes[name][period.index] = run_period(returns, period, name, spec.config, spec.settings)
    joined = {name: [by_period[p.index] for p in periods] for name, by_period in outcomes.items()}
    result = summarise(returns, dates, tickers, joined, spec.settings, spec.config, describe_panel(panel))
    write_results(folder, result)
    total = len(spec.trained) * len(periods)
    return RankRun(result, {"total": total, "ran": len(todo), "skipped": total - len(todo)},
                   time.perf_counter() - started, folder)


def open_study(folder: Path, definition: dict[str, Any], *, resume: bool) -> Path:
    """Start a study in `folder` (writing study.json), or with `resume` continue the same one; its units folder.

    A folder holding a study is never started over without --resume, and --resume refuses a study whose
    models, settings or data differ, so units of two different studies are never joined.
    """
    definition = json.loads(json.dumps(json_safe(definition)))  # as it reads back from study.json
    described = folder / STUDY
    if resume:
        if not described.exists():
            raise ConfigError(f"nothing to resume in {folder} (no {STUDY}); drop --resume to start the study")
        stored = read_json(described)
        old = stored.get("definition") if isinstance(stored, dict) else None
        if not isinstance(old, dict):
            raise DataError(f"{described} is damaged (no study definition); use a new --out")
        changed = [_named(key) for key in ("data", "models", "config", "settings") if old.get(key) != definition[key]]
        if changed:
            raise ConfigError(f"--resume continues the same study, but {' and '.join(changed)} differ from "
                              f"{described}; run the command that started it, or use a new --out")
    elif described.exists() or (folder / UNITS).exists():
        raise ConfigError(f"{folder} already holds a rank study; add --resume to continue it, or use a new --out")
    try:
        (folder / UNITS).mkdir(parents=True, exist_ok=True)
        if not resume:
            write_json(described, {"format": FORMAT, "tickercast": __version__, "definition": definition})
    except OSError as error:
        raise DataError(f"cannot write to {folder}: {error.strerror or error}") from None
    return folder / UNITS


def _named(key: str) -> str:
    return {"data": "the data", "models": "the models", "config": "the network settings",
            "settings": "the study settings"}[key]


def unit_name(model: str, period: Period) -> str:
    return f"{model}-p{period.index}"


def save_unit(units: Path, outcome: PeriodOutcome) -> None:
    """The unit's arrays as .npz, then its facts as .json (the mark that the unit is whole), both atomically."""
    name = unit_name(outcome.model, outcome.period)
    buffer = io.BytesIO()
    np.savez(buffer, **outcome.to_arrays())
    try:
        write_atomic(units / f"{name}.npz", buffer.getvalue())
        write_json(units / f"{name}.json", outcome.meta())
    except OSError as error:
        raise DataError(f"cannot write to {units}: {error.strerror or error}") from None


def load_unit(units: Path, model: str, period: Period) -> PeriodOutcome | None:
    """A finished unit, or None when it is not whole (never run, or killed before its JSON was written).

    Arrays are read with `allow_pickle=False`: a unit file can hold numbers only, never code.
    """
    name = unit_name(model, period)
    meta_path, arrays_path = units / f"{name}.json", units / f"{name}.npz"
    if not (meta_path.exists() and arrays_path.exists()):
        return None
    again = f"delete {shown_path(units / name)}.* and resume to run it again"
    try:
        with np.load(arrays_path, allow_pickle=False) as saved:
            arrays = {key: saved[key] for key in saved.files}
        outcome = PeriodOutcome.from_saved(arrays, read_json(meta_path))
    except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile, DataError) as error:
        reason = str(error).split("; delete")[0][:120]  # rank's own advice is ours, said once
        raise DataError(f"unit {name} is damaged ({reason}); {again}") from None
    if outcome.period != period or outcome.model != model:
        raise DataError(f"unit {name} holds another unit ({outcome.model}, period {outcome.period.index + 1}); "
                        f"{again}")
    return outcome


def work_period(period: Period, model: str, config: ModelConfig, settings: RankSettings, progress: Reporter,
                description: str, returns: np.ndarray) -> PeriodOutcome:
    """One unit, as every engine runs it: on one thread, so its numbers do not depend on where it ran (and
    are those of `rank.rank_study`, the sequential path)."""
    with one_thread():
        return run_period(returns, period, model, config, settings, progress, description=description)


def _run_units(todo: list[tuple[Period, str]], returns: np.ndarray, spec: RankSpec, periods: int, units: Path,
               engine: Engine, outcomes: dict[str, dict[int, PeriodOutcome]], reporter: Reporter) -> None:
    """Run the units on the engine, storing each the moment it finishes; the bars show units and epochs."""
    if not todo:
        return
    bar = reporter.bar("rank units", total=len(todo))

    def payloads() -> Iterator[tuple[Any, ...]]:
        for period, model in todo:
            progress = FileReporter(units / f"{unit_name(model, period)}{SUFFIX}")
            yield period, model, spec.config, spec.settings, progress, f"period {period.index + 1}/{periods} {model}"

    try:
        with watching(units, reporter):
            for index, outcome in engine.map(work_period, payloads(), shared=(returns,)):
                period, model = todo[index]
                save_unit(units, outcome)
                (units / f"{unit_name(model, period)}{SUFFIX}").unlink(missing_ok=True)
                outcomes[model][period.index] = outcome
                epochs = len((outcome.history or {}).get("epochs") or [None]) - 1  # epoch 0: before training
                bar.advance(last=f"period {period.index + 1}/{periods} {model}" +
                            (f" ({epochs} epochs, {outcome.seconds:.0f} s)" if epochs > 0 else ""))
    finally:
        bar.close()
        for leftover in units.glob(f"*{SUFFIX}"):  # what units killed or not finished were drawing
            leftover.unlink(missing_ok=True)


def write_results(folder: Path, result: RankResult) -> None:
    """rank.json (the `--json` contract), daily.csv (each model's daily returns before and after costs, and
    turnover) and positions.csv (each day's held tickers with their score and weight: `RankResult.positions`
    holds the non-zero weights only)."""
    try:
        write_json(folder / "rank.json", result.summary)
        for name, table in (("daily.csv", result.daily), ("positions.csv", result.positions)):
            text = spreadsheet_safe(table).to_csv(index=False, float_format="%.8g", date_format="%Y-%m-%d")
            write_atomic(folder / name, text.encode())
    except OSError as error:
        raise DataError(f"cannot write to {folder}: {error.strerror or error}") from None


