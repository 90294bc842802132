"""A whole sweep: read the data, plan the units, run those not yet done, store each the moment it finishes.

    datasets = load_datasets(["sp500", "store:IBM"])
    spec = SweepSpec(models=("lstm", "gru", "naive"), seeds=3, grid=parse_grid(["lookback=10,20"], ModelConfig()))
    result = run_sweep(spec, datasets, Path("runs/sweep1"), LocalEngine())
    result.selections, result.standings["leaderboard"]

The run folder gets `sweep.json` (the definition, with a fingerprint of every dataset), `results.sqlite` (one
transaction per unit) and, at the end, `selection.json` (the chosen settings, the leaderboard and the gap between
the chosen settings' validation and test scores); a TPE search adds `study.sqlite` and `search.json`, a luck check
the folder `luck/` (the same sweep on shuffled returns).
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from tickercast.errors import ConfigError, DataError, TickercastError, option
from tickercast.jsonio import write_json
from tickercast.progress import SILENT, Reporter
from tickercast.sweep.engines import Engine
from tickercast.sweep.honesty import honesty
from tickercast.sweep.plan import COVARIATE_PREFIX, SweepSpec, Unit, labels, plan, search_kind
from tickercast.sweep.select import RULE, Selection, select, standings
from tickercast.sweep.store import Record, open_run
from tickercast.sweep.unit import Outcome

#: The luck check's sweep, inside the run folder.
LUCK_FOLDER = "luck"


@dataclass(frozen=True)
class SweepResult:
    """What a sweep produced (with what earlier runs of it had stored), and how much this run did."""

    records: list[Record]  # every stored result, by dataset, then model, settings and seed
    selections: list[Selection]
    standings: dict[str, Any]  # `select.standings`: summary, verdicts, leaderboard of the selected runs
    units: dict[str, int]  # total, ran (this time), skipped (done before), failed (of those that ran); pruned (tpe)
    seconds: float
    folder: Path
    honesty: list[dict[str, Any]] = field(default_factory=list)  # `sweep.honesty`: each choice's val/test gap
    luck: dict[str, Any] | None = None  # the luck check: its honesty rows and folder (`run_sweep(luck_check=)`)

    def to_dict(self) -> dict[str, Any]:
        """The `--json` object: `results` and `selected`, then the leaderboard, the honesty of the choice and the
        bookkeeping."""
        return {"results": [record.to_dict() for record in self.records],
                "selected": [selection.to_dict() for selection in self.selections], "selection": RULE,
                **self.standings, "honesty": self.honesty, "luck": self.luck, "units": self.units,
                "seconds": self.seconds, "out": str(self.folder)}


def load_datasets(names: Sequence[str], **options: Any) -> dict[str, pd.DataFrame | str]:
    """Read and check every dataset before any unit runs (`data.load.load` options).

    One that cannot be read is kept as its error message: its units are recorded as failed and the sweep
    goes on, since one bad ticker among hundreds should not cost the others. If none can be read, that is
    the user's error, raised at once.
    """
    from tickercast.data.load import load

    datasets: dict[str, pd.DataFrame | str] = {}
    for name in names:
        try:
            datasets[name] = load(name, **options)
        except DataError as error:
            datasets[name] = str(error)
    if all(isinstance(frame, str) for frame in datasets.values()):
        raise DataError(str(next(iter(datasets.values()))))
    return datasets


def fingerprint(frame: pd.DataFrame | str) -> dict[str, Any]:
    """What sweep.json records of a dataset: enough to see that a resumed sweep has the very same prices."""
    if isinstance(frame, str):
        return {"error": frame}
    column = frame.attrs["price_column"]
    digest = hashlib.sha256(frame.index.asi8.tobytes() + frame[column].to_numpy("float64").tobytes()).hexdigest()
    return {"ticker": frame.attrs.get("ticker"), "price_column": column, "rows": len(frame),
            "first": f"{frame.index[0]:%Y-%m-%d}", "last": f"{frame.index[-1]:%Y-%m-%d}", "sha256": digest}


def run_sweep(spec: SweepSpec, datasets: Mapping[str, pd.DataFrame | str], folder: Path, engine: Engine, *,
              resume: bool = False, reporter: Reporter = SILENT,
              covariates: Mapping[str, pd.DataFrame] | None = None, luck_check: bool = False) -> SweepResult:
    """Run every unit of `spec` on `datasets` not already done in `folder`; store each as it finishes.

    `datasets` maps a name to a PriceFrame, or to the message of why it could not be read; `covariates` maps each
    name of `spec.covariates` to its PriceFrame (the --with datasets, inputs of every unit). With `luck_check`,
    the same sweep then runs in `folder/luck` on the same prices with their returns shuffled in time within the
    training and validation parts (`sweep.luck`): what its choice gains on validation is luck alone.
    """
    covariates = dict(covariates or {})
    if set(covariates) != set(spec.covariates):
        raise TickercastError(f"the sweep names covariates {', '.join(spec.covariates) or '(none)'}, but "
                              f"{', '.join(covariates) or 'none'} were given")
    if luck_check and spec.split.common_span:
        raise ConfigError(f"{option('luck_check')} shuffles each dataset within its own training and validation "
                          f"days, and {option('common_span')} moves them to the covariates' span: drop one of them")
    features = {spec.base.features, *dict(spec.grid).get("features", ())}
    frames = {name: _price_only(frame) if features == {"returns"} else
              _from_common_day(frame, features, covariates, spec.split.common_span)
              for name, frame in datasets.items() if not isinstance(frame, str)}
    if not frames:
        raise TickercastError("none of the datasets could be read")
    result = _sweep(spec, datasets, frames, folder, engine, resume, reporter, covariates)
    if luck_check:
        from tickercast.sweep.luck import shuffled_datasets

        shuffled = shuffled_datasets({**datasets, **frames}, spec.split, spec.base.seed)
        luck_folder = folder / LUCK_FOLDER
        luck = _sweep(spec, shuffled, {name: frame for name, frame in shuffled.items() if not isinstance(frame, str)},
                      luck_folder, engine, resume and (luck_folder / "sweep.json").exists(), reporter, covariates)
        result = replace(result, luck={"honesty": luck.honesty, "folder": LUCK_FOLDER},
                         seconds=result.seconds + luck.seconds)
        _write_selection(result)
    return result


def _sweep(spec: SweepSpec, datasets: Mapping[str, pd.DataFrame | str], frames: Mapping[str, pd.DataFrame],
           folder: Path, engine: Engine, resume: bool, reporter: Reporter,
           covariates: Mapping[str, pd.DataFrame]) -> SweepResult:
    """`run_sweep` on frames already prepared for shipping (`frames`: those of `datasets` that could be read)."""
    definition = {**spec.to_dict(), "data": {name: fingerprint(frame) for name, frame in datasets.items()},
                  **({"with": {name: fingerprint(frame) for name, frame in covariates.items()}} if covariates else {})}
    units = plan(spec, list(datasets), global_data=list(frames))
    started = time.perf_counter()
    counts: Counter[str] = Counter()

    def save(unit: Unit, outcome: Outcome) -> None:
        run.save(unit, outcome)
        counts.update(ran=1, failed=bool(outcome.errors), pruned=outcome.pruned is not None)

    with open_run(folder, definition, resume=resume) as run:
        done = run.finished()
        todo = [unit for unit in units if unit.key not in done]
        bar = reporter.bar("sweep units", total=len(todo))
        try:
            for unit in todo:
                if not set(unit.data) <= set(frames):  # a dataset that could not be read: nothing to run
                    save(unit, Outcome({}, {name: str(datasets[name]) for name in unit.data}, 0.0, 0.0, 0))
                    bar.advance(failed=counts["failed"])
            runnable = [unit for unit in todo if set(unit.data) <= set(frames)]
            shipped = {**frames, **{COVARIATE_PREFIX + name: _price_only(frame) for name, frame in covariates.items()}}
            for unit, outcome in engine.run(runnable, shipped, spec.base, spec.split):
                save(unit, outcome)
                bar.advance(failed=counts["failed"])
        finally:
            bar.close()
        if search_kind(spec.search) == "tpe":
            from tickercast.sweep.search import search

            units += search(spec, run, engine, shipped, list(frames), reporter, save)
        records = _in_table_order(run.records(units), list(datasets), labels(spec))
    selections = select(records)
    tally = {"total": len(units), "ran": counts["ran"], "skipped": len(units) - counts["ran"],
             "failed": counts["failed"]}
    result = SweepResult(records, selections, standings(selections),
                         tally | ({"pruned": counts["pruned"]} if search_kind(spec.search) == "tpe" else {}),
                         time.perf_counter() - started, folder, honesty(selections, records))
    _write_selection(result)
    return result


def _write_selection(result: SweepResult) -> None:
    """selection.json: the chosen settings, the tables of their test part, and how honest the choice was."""
    write_json(result.folder / "selection.json",
               {"selection": RULE, "selected": [s.to_dict() for s in result.selections], **result.standings,
                "honesty": result.honesty, "luck": result.luck})


def _from_common_day(frame: pd.DataFrame, features: set[str], covariates: Mapping[str, pd.DataFrame],
                     common_span: bool) -> pd.DataFrame:
    """The whole frame (features read its other columns), marked with the first day every feature set searched
    has a value (`attrs["first_date"]`): every unit on it then scores the same days, whatever its inputs.
    A frame no feature set can use is shipped unmarked: its units fail with the reason."""
    from tickercast.errors import TickercastError
    from tickercast.prepare.inputs import build_inputs

    marked = frame.copy()
    marked.attrs = dict(frame.attrs)
    with contextlib.suppress(TickercastError):
        marked.attrs["first_date"] = max(build_inputs(frame, key, covariates, common_span=common_span)[0].index[0]
                                         for key in features)
    return marked


def _price_only(frame: pd.DataFrame) -> pd.DataFrame:
    """The price column alone (with the PriceFrame's attrs): all a unit on returns only reads, and 1/6 of what
    would be shipped."""
    column = frame.attrs["price_column"]
    slim = frame[[column]].copy()
    slim.attrs = dict(frame.attrs)
    return slim


def _in_table_order(records: list[Record], data: list[str], models: list[str]) -> list[Record]:
    """By dataset, then model as the tables list them; settings and seeds stay in plan order (a stable sort)."""
    data_position = {name: position for position, name in enumerate(data)}
    model_position = {name: position for position, name in enumerate(models)}
    return sorted(records, key=lambda record: (data_position[record.data], model_position[record.model]))
