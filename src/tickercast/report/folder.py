"""Reading a run folder back: everything a command wrote with `--out`, as plain data for the report.

A run folder is what `train`, `demo`, `compare` (one or several datasets), `sweep`, `rank`, `backtest`,
`forecast`, `explain` or `gradients` wrote. The report is built from these files alone, never from objects in memory, so
`tickercast report DIR` gives the same page as the one written at the end of the command.

    run = read_run("runs/demo")
    [model.label for model in run.comparisons[0].models]   # ['gru-seed0', 'lstm-seed0', 'naive']
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from tickercast.config import CELLS
from tickercast.errors import DataError
from tickercast.jsonio import read_json
from tickercast.sweep.plan import GLOBAL_SUFFIX
from tickercast.sweep.schema import (
    ANY,
    HONESTY,
    LUCK,
    NUMBER,
    SEARCH,
    SELECTION,
    TRIAL_STATES,
    Each,
    Keys,
    check,
    conforms,
    damaged,
    load_json,
)
from tickercast.sweep.store import Record, read_definition, read_records

#: selection.json is computed from results.sqlite at the end of every sweep, so a resume writes it again.
REWRITE = "run the sweep's command again with --resume to write it again"
#: A model-based (tpe) sweep's trials and parameter importances, written at its end (`sweep.schema.SEARCH`).
SEARCH_FILE = "search.json"
#: What a command writes beside its results: when and how it ran (see `report.run.write_record`).
RECORD = "run.json"
#: `compare` with several input sets: each set against the same model on returns only (`comparison.ablation`).
ABLATION = "ablation.json"
#: The shapes of what issue 14 added to a run folder, as `Forecaster.save` and `comparison.ablation` write them:
#: config.json's "inputs" (`prepare.inputs.build_inputs`; a bundle saved after loading one from before inputs
#: has only features and with) and "importance" (`evaluate.importance`), and the rows of ablation.json.
INPUTS = Keys({"features": [str], "with": [str]})
INPUTS_DETAIL = {"columns": [str], "first_used": str, "dropped_days": int, "filled_days": Each(int)}
IMPORTANCE = [Keys({"input": str, "columns": [str], "importance": (NUMBER, None)})]
ABLATION_ROWS = [Keys({"model": str, "inputs": str, "name": str, "rmse_ratio_vs_returns_only": (NUMBER, None),
                       "dm_p_value": (NUMBER, None), "dm_p_value_better": (NUMBER, None), "n": (int, None),
                       "verdict": str})]
#: `rank`'s results (`sweep.rank_run.write_results`): the summary (the `--json` contract), its daily returns.
RANK, RANK_DAILY = "rank.json", "daily.csv"
RANK_AGAIN = "run the rank command again with --resume to write it again"
_RANK_SHAPE = Keys({"models": Each(Keys({"verdict": str})),
                    "periods": [Keys({"index": int, "trade_start": str, "trade_end": str, "models": Each(ANY)})],
                    "data": Keys({"name": (str, None), "caveat": (str, None)}), "settings": Keys({})})
_DAILY_COLUMNS = ("date", "model", "gross", "net", "turnover")
#: A reliability table (`evaluate.classification.reliability_table`), as a rank summary or a direction run's
#: metrics hold it.
RELIABILITY = [Keys({"lo": NUMBER, "hi": NUMBER, "n": int, "mean_p": (NUMBER, None), "freq": (NUMBER, None)})]
#: The columns each table must have, by what it forecasts: a bundle's predictions.csv and a backtest's
#: forecasts.csv, for prices (the default target) and for the direction (P(up), `--target direction`).
PREDICTIONS = {"price": ("date", "actual", "predicted", "naive", "split"),
               "direction": ("date", "actual", "up", "p_up", "split")}
FORECASTS = {"price": ("origin", "date", "horizon", "actual", "predicted", "naive"),
             "direction": ("origin", "date", "horizon", "previous", "actual", "up", "p_up")}
#: The most entries (of every list and object together) read from one of those: far above any real run (a few
#: dozen input columns, a few hundred input sets), far below a page too large to open.
MOST_ENTRIES = 10_000


@dataclass
class ModelRun:
    """One saved model bundle: its config, metrics per split, one-step predictions and loss history."""

    label: str
    config: dict[str, Any]
    metrics: dict[str, dict[str, Any]]
    predictions: pd.DataFrame
    history: pd.DataFrame | None = None
    inputs: dict[str, Any] | None = None  # config.json's "inputs", checked; None from before inputs existed
    importance: list[dict[str, Any]] | None = None  # config.json's "importance", checked

    @property
    def is_network(self) -> bool:
        return self.config["model"] in CELLS

    @property
    def classifies(self) -> bool:
        """Whether the model forecasts P(up) (`--target direction`) rather than prices."""
        return is_direction(self.config)

    @property
    def beyond_returns(self) -> bool:
        return beyond_returns(self.inputs)

    @property
    def reads_inputs(self) -> bool:
        """Whether the model read those inputs: a model that does (a network, ar) is scored on each of them, so
        its config has an "importance"; naive, drift, ma and arima are given them and ignore them."""
        return self.beyond_returns and self.importance is not None


@dataclass
class Comparison:
    """The models fitted on one dataset and one split (a `train` folder is a comparison of one)."""

    folder: Path
    models: list[ModelRun]
    ablation: list[dict[str, Any]] | None = None  # ablation.json: compare with several input sets

    @property
    def name(self) -> str:
        return self.folder.name

    @property
    def data(self) -> dict[str, Any]:
        return self.models[0].config["data"]

    @property
    def split(self) -> dict[str, dict[str, Any]]:
        return self.models[0].config["split"]

    @property
    def classifies(self) -> bool:
        """Whether its models forecast P(up); `read_run` refuses a folder that mixes them with price models."""
        return self.models[0].classifies


@dataclass
class BacktestRun:
    """A walk-forward backtest: settings, metrics per horizon, every forecast and, if traded, equity curves."""

    settings: dict[str, Any]
    fits: int
    metrics: dict[str, dict[str, Any]]
    trading: dict[str, Any] | None
    forecasts: pd.DataFrame
    equity: pd.DataFrame | None = None

    @property
    def classifies(self) -> bool:
        """Whether the backtest forecast P(up) (`--target direction`) rather than prices."""
        return is_direction(self.settings)


@dataclass
class ForecastRun:
    """`tickercast forecast --out`: the forecast table with its bands, and the prices it continues."""

    folder: Path
    table: pd.DataFrame
    context: dict[str, Any] | None = None

    @property
    def label(self) -> str:
        return self.folder.name

    @property
    def classifies(self) -> bool:
        """Whether it is a direction model's P(up) of the next day rather than prices with their bands."""
        return "p_up" in self.table


@dataclass
class SweepRun:
    """A sweep: what it is (sweep.json), every result stored (results.sqlite) and, once it has finished, the
    settings chosen on validation with `compare`'s tables of their test part and how much of their edge held on
    test (selection.json), and a model-based search's trials (search.json)."""

    definition: dict[str, Any]  # models, seeds, grid, search, global, settings, split, data (name -> fingerprint)
    records: list[Record]  # by dataset, model, settings in grid order, seed
    selection: dict[str, Any] | None  # selection, selected, summary, verdicts, leaderboard, honesty, luck;
    #                                   None: interrupted
    version: str | None  # of the tickercast that started the sweep
    search: dict[str, Any] | None = None  # search.json (`sweep.schema.SEARCH`): a finished tpe sweep's only

    @property
    def honesty(self) -> list[dict[str, Any]]:
        """selection.json's "honesty" rows (`sweep.schema.HONESTY`); none from a sweep made before them."""
        return (self.selection or {}).get("honesty") or []

    @property
    def luck(self) -> list[dict[str, Any]] | None:
        """The honesty rows of the same sweep on shuffled returns (`--luck-check`); None without one."""
        luck = (self.selection or {}).get("luck")
        return luck["honesty"] if luck else None

    @property
    def models(self) -> list[str]:
        """The models as the tables list them, with `lstm-global` after `lstm` (`--models` until a result is in)."""
        return list(dict.fromkeys(r.model for r in self.records)) or self.definition["models"]

    def position(self, params: Mapping[str, Any]) -> tuple[float, ...]:
        """Where settings come in the grid as --grid gave it: tables and charts list them in that order. A range
        (`lr=1e-4..1e-2:log`, a dict in sweep.json) has no order of its own: its settings sort by their value."""
        return tuple(params[key] if isinstance(values, dict) else values.index(params[key])
                     for key, values in self.definition["grid"].items() if key in params)

    def runs(self, selected: Mapping[str, Any]) -> list[Record]:
        """The stored runs (one per seed) of one entry of selection.json's `selected`."""
        key = (selected["data"], selected["model"], selected["params"])
        return [r for r in self.records if (r.data, r.model, r.params) == key and r.seed in selected["seeds"]]


@dataclass
class RankRun:
    """`tickercast rank`: the study's summary (rank.json, the `--json` contract) and each model's daily returns."""

    summary: dict[str, Any]  # models, periods, data, settings
    daily: pd.DataFrame  # date, model, gross, net, turnover

    def reliability(self) -> dict[str, list[dict[str, Any]]]:
        """Each model's reliability table, where the summary has one of the right shape."""
        return reliability_tables({name: model.get("reliability") for name, model in self.summary["models"].items()})


def is_direction(settings: Mapping[str, Any]) -> bool:
    """Whether a config.json or a backtest's settings say `target: direction` (P(up), not prices)."""
    return settings.get("target") == "direction"


def reliability_tables(tables: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The tables (by model) that have a reliability table's shape; others (none, or edited) are left out."""
    return {name: table for name, table in tables.items() if table and conforms(table, RELIABILITY)}


@dataclass
class RunFolder:
    """Everything found in one run folder; each part is empty when the command that makes it did not run."""

    path: Path
    record: dict[str, Any] | None = None
    comparisons: list[Comparison] = field(default_factory=list)
    leaderboard: list[dict[str, Any]] | None = None
    backtest: BacktestRun | None = None
    forecasts: list[ForecastRun] = field(default_factory=list)
    gates: list[tuple[Path, dict[str, Any]]] = field(default_factory=list)  # explain's gates.json, by folder
    gradients: dict[str, Any] | None = None
    sweep: SweepRun | None = None
    rank: RankRun | None = None

    @property
    def is_empty(self) -> bool:
        return not (self.comparisons or self.backtest or self.forecasts or self.gates or self.gradients
                    or self.sweep or self.rank)


def read_run(path: str | Path) -> RunFolder:
    """Read every result in `path` (and its model and dataset sub-folders); DataError if there is none."""
    folder = Path(path).expanduser()
    if not folder.is_dir():
        problem = "is a file, not a folder" if folder.exists() else "does not exist"
        raise DataError(f"{path} {problem}; give the --out folder of a demo, compare, sweep, train or backtest run")
    run = RunFolder(path=folder, record=_json(folder / RECORD))
    subfolders = sorted(child for child in folder.iterdir() if child.is_dir() and not child.name.startswith("."))
    if _is_bundle(folder):
        run.comparisons.append(Comparison(folder, [_read_model(folder)], _read_ablation(folder)))
    elif any(_is_bundle(child) for child in subfolders):
        run.comparisons.append(_read_comparison(folder, subfolders))
    else:  # several datasets: one comparison per sub-folder that holds bundles
        for child in subfolders:
            bundles = sorted(grandchild for grandchild in child.iterdir() if _is_bundle(grandchild))
            if bundles:
                run.comparisons.append(_read_comparison(child, bundles))
        if (folder / "leaderboard.csv").exists():
            run.leaderboard = _csv(folder / "leaderboard.csv").to_dict("records")
    run.backtest = _read_backtest(folder)
    for place in (folder, *subfolders):
        if (place / "forecast.csv").exists():
            table = _read_forecast(place / "forecast.csv")
            run.forecasts.append(ForecastRun(place, table, _json(place / "forecast.json")))
        gates = _json(place / "gates.json")
        if gates is not None:
            run.gates.append((place, _checked_gates(place / "gates.json", gates)))
    run.gradients = _json(folder / "gradients.json")
    if (folder / "sweep.json").exists():
        run.sweep = _read_sweep(folder)
        run.leaderboard = (run.sweep.selection or {}).get("leaderboard")
    if (folder / RANK).exists():
        run.rank = _read_rank(folder)
    if run.is_empty:
        raise DataError(f"{path} holds no tickercast results (no model bundles, sweep, rank study, backtest, "
                        "forecast, gates or gradients); give the --out folder of a demo, compare, sweep, rank, train "
                        "or backtest run")
    return run


def _read_forecast(path: Path) -> pd.DataFrame:
    """forecast.csv of prices (date, forecast and its bands) or of a direction model (date, p_up), checked."""
    direction = "p_up" in _csv(path, dates=None).columns
    return _table(path, ("date", "p_up") if direction else ("date", "forecast"), ["date"], "run the forecast again")


def _checked_gates(path: Path, gates: Any) -> dict[str, Any]:
    """explain's gate readings, or a DataError naming the file: the report indexes them by cell and date."""
    from tickercast.lab.explain import GATES

    cell = gates.get("cell") if isinstance(gates, dict) else None
    dates, layers = (gates.get("dates"), gates.get("layers")) if isinstance(gates, dict) else (None, None)
    if cell not in GATES or not isinstance(dates, list) or not dates or not isinstance(layers, list):
        raise DataError(f"{path} is damaged (not the gate readings of an lstm, gru or rnn on at least one day); "
                        "run `tickercast explain` again")
    return gates


def _is_bundle(folder: Path) -> bool:
    return (folder / "config.json").exists() and (folder / "predictions.csv").exists()


def _read_comparison(folder: Path, bundles: list[Path]) -> Comparison:
    models = [_read_model(bundle, bundle.name) for bundle in bundles if _is_bundle(bundle)]
    if len({model.classifies for model in models}) > 1:
        raise DataError(f"{folder} mixes models of prices and of the direction (P(up)); give the --out folder of "
                        "one train or compare run")
    return Comparison(folder, models, _read_ablation(folder))


def _read_model(folder: Path, label: str | None = None) -> ModelRun:
    """One bundle, labelled by its folder's name (in a compare folder) or, given none, by its model's."""
    config = _json(folder / "config.json")
    if not isinstance(config, dict) or not isinstance(config.get("model"), str):
        raise damaged(folder / "config.json", "not a model's config", "run the command that wrote it again")
    target = "direction" if is_direction(config) else "price"
    predictions = _table(folder / "predictions.csv", PREDICTIONS[target], ["date"], "run the command that wrote "
                         "it again")
    history = _json(folder / "history.json")
    epochs = pd.DataFrame(history["epochs"]) if history and history.get("epochs") else None
    path, importance, fix = folder / "config.json", config.get("importance"), "run the command that wrote it again"
    inputs = _checked_inputs(config.get("inputs"), path, fix)
    if importance is not None:
        _checked(importance, IMPORTANCE, path, '"importance" is not a list of {input, columns, importance}', fix)
    return ModelRun(label or config["model"], config, _json(folder / "metrics.json") or {}, predictions, epochs,
                    inputs, importance)


def beyond_returns(inputs: Mapping[str, Any] | None) -> bool:
    """Whether a checked "inputs" names any beyond the model's own past returns (features or other tickers)."""
    return bool(inputs) and (inputs["features"] != ["returns"] or bool(inputs["with"]))


def _checked_inputs(inputs: Any, path: Path, fix: str) -> dict[str, Any] | None:
    """An "inputs" description (a bundle's or a backtest's) if it has the shape `build_inputs` writes."""
    if inputs is None:
        return None
    detail = {key: shape for key, shape in INPUTS_DETAIL.items() if isinstance(inputs, dict) and key in inputs}
    return _checked(inputs, Keys({**INPUTS.required, **detail}), path,
                    '"inputs" is not {features, with, columns, first_used, dropped_days, filled_days}', fix)


def _read_ablation(folder: Path) -> list[dict[str, Any]] | None:
    """ablation.json, if the folder has one, checked row by row: the report tabulates each field."""
    rows = _json(folder / ABLATION)
    if rows is None:
        return None
    return _checked(rows, ABLATION_ROWS, folder / ABLATION, "not a list of {model, inputs, name, "
                    "rmse_ratio_vs_returns_only, dm_p_value, dm_p_value_better, n, verdict}", "run the compare again")


def _checked(value: Any, shape: Any, path: Path, what: str, fix: str) -> Any:
    """`value` if it has `shape` and at most MOST_ENTRIES entries; otherwise one line naming the file."""
    if _entries(value) > MOST_ENTRIES:
        raise damaged(path, f"more than {MOST_ENTRIES:,} entries", fix)
    return check(value, shape, path, what, fix)


def _entries(value: Any) -> int:
    """Items of every list and object in `value` (a JSON value), counted until past MOST_ENTRIES: a loop, not
    recursion, so that nesting as deep as the parser allows cannot overflow the stack."""
    count, pending = 0, [value]
    while pending and count <= MOST_ENTRIES:
        item = pending.pop()
        if isinstance(item, list | dict):
            items = list(item.values()) if isinstance(item, dict) else item
            count += len(items)
            pending.extend(items)
    return count


def _read_backtest(folder: Path) -> BacktestRun | None:
    if not (folder / "forecasts.csv").exists():
        return None
    metrics = _json(folder / "metrics.json")
    if not metrics or "settings" not in metrics:
        raise DataError(f"{folder}: forecasts.csv without the metrics.json of a backtest; run the backtest again")
    _checked_inputs(metrics["settings"].get("inputs"), folder / "metrics.json", "run the backtest again")
    equity = folder / "equity.csv"
    target = "direction" if is_direction(metrics["settings"]) else "price"
    return BacktestRun(metrics["settings"], metrics.get("fits", 1), metrics["metrics"], metrics.get("trading"),
                       _table(folder / "forecasts.csv", FORECASTS[target], ["origin", "date"], "run the backtest "
                              "again"),
                       _csv(equity, dates=["date"]) if equity.exists() else None)


def _read_sweep(folder: Path) -> SweepRun:
    """sweep.json, results.sqlite, selection.json and (a tpe sweep's) search.json, each checked against the
    others: a damaged or hand-edited file is one line naming it (`sweep.schema`), never a traceback in the report."""
    described = read_definition(folder)
    definition = described["definition"]
    records = read_records(folder, definition) if (folder / "results.sqlite").exists() else []
    selection = folder / "selection.json"
    chosen = None
    if selection.exists():
        chosen = check(load_json(selection, REWRITE), SELECTION, selection, "not a sweep's selection", REWRITE)
        # both keys came with issue 17: a sweep from before them has neither, and its page stays as it was
        check(chosen.get("honesty", []), HONESTY, selection, '"honesty" is not a list of {data, model, params, '
              "candidates, val_ratio, test_ratio, gap}", REWRITE)
        check(chosen.get("luck"), LUCK, selection, '"luck" is neither null nor {honesty, folder}', REWRITE)
    sweep = SweepRun(definition, records, chosen, described.get("tickercast"), _read_search(folder, definition))
    data, models = list(definition["data"]), definition["models"]
    records.sort(key=lambda r: (data.index(r.data), models.index(r.model.removesuffix(GLOBAL_SUFFIX)),
                                r.model.endswith(GLOBAL_SUFFIX), sweep.position(r.params),
                                -1 if r.seed is None else r.seed))
    for entry in (chosen or {}).get("selected", []):
        rows = chosen["summary"].get(entry["data"], [])
        if entry["data"] not in definition["data"] or not any(row["model"] == entry["model"] for row in rows):
            raise damaged(selection, "a selected model missing from its summary or data missing from sweep.json",
                          REWRITE)
    return sweep


def _read_search(folder: Path, definition: Mapping[str, Any]) -> dict[str, Any] | None:
    """search.json, if the sweep has one, checked: its shape, each trial's state, and studies of the sweep's
    datasets and models only (the report draws a panel per study, coloured by model)."""
    path = folder / SEARCH_FILE
    if not path.exists():
        return None
    search = check(load_json(path, REWRITE), SEARCH, path, "not a search's trials {sampler, trials, batch, prune, "
                   "studies}", REWRITE)
    models = {model for name in definition["models"] for model in (name, name + GLOBAL_SUFFIX)}
    for study in search["studies"]:
        if study["data"] not in definition["data"] or study["model"] not in models:
            raise damaged(path, "a study of a dataset or model that sweep.json does not list", REWRITE)
        if any(trial["state"] not in TRIAL_STATES for trial in study["trials"]):
            raise damaged(path, f"a trial whose state is not {', '.join(TRIAL_STATES)}", REWRITE)
    return search


def _read_rank(folder: Path) -> RankRun:
    """rank.json and daily.csv, checked: a damaged or edited file is one line naming it, never a traceback."""
    path = folder / RANK
    summary = _checked(load_json(path, RANK_AGAIN), _RANK_SHAPE, path,
                       "not a rank study's summary {models, periods, data, settings}", RANK_AGAIN)
    daily_path = folder / RANK_DAILY
    if not daily_path.exists():
        raise DataError(f"{folder}: rank.json without its daily.csv; {RANK_AGAIN}")
    daily = _csv(daily_path, dates=["date"])
    missing = [column for column in _DAILY_COLUMNS if column not in daily]
    if missing or not pd.api.types.is_datetime64_any_dtype(daily["date"]) or not all(
            pd.api.types.is_numeric_dtype(daily[column]) for column in ("gross", "net", "turnover")):
        raise damaged(daily_path, f"not {', '.join(_DAILY_COLUMNS)} with dates and numbers", RANK_AGAIN)
    daily["model"] = daily["model"].astype(str)
    return RankRun(summary, daily)


def _table(path: Path, columns: tuple[str, ...], dates: list[str], fix: str) -> pd.DataFrame:
    """A CSV the report draws: at least one row, every one of `columns`, the `dates` as dates and the rest but
    `split` as numbers; otherwise one line naming the file (`_csv`'s "damaged file")."""
    table = _csv(path, dates=[column for column in dates if column in columns])
    missing = [column for column in columns if column not in table]
    wrong = [column for column in columns if column in table and column != "split" and not (
        pd.api.types.is_datetime64_any_dtype(table[column]) if column in dates
        else pd.api.types.is_numeric_dtype(table[column]))]
    if missing or wrong or table.empty:
        what = (f"no column {', '.join(missing)}" if missing else "no rows" if table.empty else
                f"not dates or numbers in {', '.join(wrong)}")
        raise DataError(f"{path}: damaged file ({what}; expected {', '.join(columns)}); {fix}")
    return table


def _json(path: Path) -> Any:
    return read_json(path) if path.exists() else None


def _csv(path: Path, dates: list[str] | None = None) -> pd.DataFrame:
    try:
        return pd.read_csv(path, parse_dates=dates)
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as error:
        raise DataError(f"{path}: damaged file ({error})") from None
