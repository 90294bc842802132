"""The report's tables as data: each model's (or horizon's, or a sweep's chosen settings') test metrics, its
verdict against naive, the best.

Pure functions; `report.html` turns the rows into markup. Every cell keeps the exact number from metrics.json
next to its rounded text, so a reader (or a test) can check one against the other.

    rows = table_rows([("lstm", metrics["test"], False), ("naive", naive["test"], True)])
    rows[0].verdict.text    # 'no significant difference from naive (DM p = 0.58)'
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from tickercast.comparison import SIGNIFICANCE


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    fmt: str
    best: Literal["low", "high"] | None  # which end of the column is best; None: no best (p-values, counts)
    tip: str


COLUMNS = (
    Column("rmse", "RMSE", "{:.4g}", "low", "root mean squared error, in price units"),
    Column("mae", "MAE", "{:.4g}", "low", "mean absolute error, in price units"),
    Column("mape", "MAPE", "{:.3f}%", "low", "mean absolute percentage error"),
    Column("directional_accuracy", "direction", "{:.1%}", "high", "share of days with the right direction of move"),
    Column("rmse_ratio_vs_naive", "RMSE / naive", "{:.4f}", "low", "below 1 beats tomorrow = today"),
    Column("dm_p_value", "DM p", "{:.3f}", None, "Diebold–Mariano p-value of 'as accurate as naive' (two-sided)"),
    Column("direction_p_value", "dir. p", "{:.3f}", None, "binomial p-value of 'no better than a coin'"),
    Column("n", "days", "{:.0f}", None, "days scored"),
)


@dataclass(frozen=True)
class Verdict:
    kind: Literal["better", "worse", "same", "benchmark", "untested"]
    text: str


@dataclass(frozen=True)
class Cell:
    key: str
    value: float | None
    text: str
    best: bool


@dataclass(frozen=True)
class Row:
    label: str
    cells: tuple[Cell, ...]
    verdict: Verdict
    lagged: bool | None
    lead: tuple[Cell, ...] = ()  # shown between the label and the metrics: a sweep's model, settings, validation


@dataclass(frozen=True)
class Chosen:
    """The settings a sweep chose for one model on one dataset, with the test metrics of their runs."""

    data: str
    model: str
    settings: str
    validation_rmse: float  # mean over the runs: what chose them
    test: Mapping[str, Any]  # `compare`'s summary row: each metric's mean over the runs
    runs: Sequence[Mapping[str, Any]]  # each run's own test metrics, for the verdict


def verdict(metrics: Mapping[str, Any], *, benchmark: bool = False) -> Verdict:
    """Better or worse than naive only when the one-sided Diebold–Mariano test says so at SIGNIFICANCE.

    The same rule as `compare`'s "beats naive significantly", applied in both directions.
    """
    if benchmark:
        return Verdict("benchmark", "the benchmark: tomorrow = today")
    p_better = number(metrics.get("dm_p_value_better"))
    if p_better is None:
        return Verdict("untested", "not tested (too few days, or a metrics.json from before the test)")
    if p_better < SIGNIFICANCE:
        return Verdict("better", f"beats naive (one-sided DM p = {p_better:.3f})")
    if 1 - p_better < SIGNIFICANCE:
        return Verdict("worse", f"loses to naive (one-sided DM p = {1 - p_better:.3f})")
    return Verdict("same", f"no significant difference from naive (DM p = "
                           f"{number_text(metrics.get('dm_p_value'), '{:.2f}')})")


def ablation_kind(row: Mapping[str, Any]) -> Literal["better", "worse", "same", "untested"]:
    """What an ablation.json row's verdict says (`comparison.ablation` writes it in words, by this rule): better
    when the one-sided p of 'the inputs make the errors smaller' is below SIGNIFICANCE, worse when the two-sided
    p is and the inputs made the errors larger."""
    better, both = number(row.get("dm_p_value_better")), number(row.get("dm_p_value"))
    if better is None:
        return "untested"
    if better < SIGNIFICANCE:
        return "better"
    return "worse" if both is not None and both < SIGNIFICANCE and better > 0.5 else "same"


def runs_verdict(runs: Sequence[Mapping[str, Any]], *, benchmark: bool = False) -> Verdict:
    """One verdict for the runs of the same settings (one per seed): better or worse than naive only when every
    run is, so that one lucky seed cannot carry it. A single run keeps its own verdict."""
    if benchmark or len(runs) == 1:
        return verdict(runs[0], benchmark=benchmark)
    kinds = [verdict(run).kind for run in runs]
    if len(set(kinds)) == 1 and kinds[0] in ("better", "worse"):
        word = "beats" if kinds[0] == "better" else "loses to"
        return Verdict(kinds[0], f"{word} naive in all {len(runs)} runs (one-sided DM p < {SIGNIFICANCE} in each)")
    better, worse = kinds.count("better"), kinds.count("worse")
    if better == worse == 0:
        return Verdict("same", f"no significant difference from naive in any of the {len(runs)} runs")
    return Verdict("same", f"no consistent difference from naive: beats it in {better} and loses to it in {worse} "
                           f"of {len(runs)} runs")


def selection_rows(chosen: Sequence[Chosen]) -> list[Row]:
    """A row per (dataset, model), labelled by the dataset; datasets in the order given, models ranked by RMSE /
    naive within theirs, and the best value of a column marked within each dataset (prices, and so RMSEs,
    are not comparable across datasets)."""
    rows = []
    for data in dict.fromkeys(c.data for c in chosen):
        mine = {c.model: c for c in chosen if c.data == data}
        for row in table_rows([(c.model, c.test, c.model == "naive") for c in mine.values()]):
            c = mine[row.label]
            lead = (Cell("model", None, c.model, False), Cell("settings", None, c.settings, False),
                    Cell("validation_rmse", c.validation_rmse, f"{c.validation_rmse:.4g}", False),
                    Cell("runs", float(len(c.runs)), str(len(c.runs)), False))
            rows.append(replace(row, label=data, lead=lead, verdict=runs_verdict(c.runs, benchmark=c.model == "naive")))
    return rows


def table_rows(entries: Sequence[tuple[str, Mapping[str, Any], bool]], *, rank: bool = True,
               highlight: bool = True) -> list[Row]:
    """One row per (label, metrics, is_benchmark); ranked by RMSE / naive (best first) unless `rank=False`.

    `highlight` marks the best value of each column; off for rows that are not rivals (a backtest's horizons).
    """
    best = {column.key: _best(column, [metrics for _, metrics, _ in entries]) if highlight else None
            for column in COLUMNS}
    rows = []
    for label, metrics, benchmark in entries:
        cells = tuple(Cell(c.key, number(metrics.get(c.key)), number_text(metrics.get(c.key), c.fmt),
                           number(metrics.get(c.key)) is not None and number(metrics.get(c.key)) == best[c.key])
                      for c in COLUMNS)
        rows.append(Row(label, cells, verdict(metrics, benchmark=benchmark), metrics.get("looks_lagged")))
    if rank:
        rows.sort(key=lambda row: _sort_key(row.cells[COLUMNS.index(_RATIO)].value))
    return rows


_RATIO = next(column for column in COLUMNS if column.key == "rmse_ratio_vs_naive")


def _best(column: Column, metrics: Sequence[Mapping[str, Any]]) -> float | None:
    values = [value for m in metrics if (value := number(m.get(column.key))) is not None]
    if column.best is None or len(values) < 2:
        return None
    return min(values) if column.best == "low" else max(values)


def number(value: Any) -> float | None:
    """A finite number from a file, as a float; None for anything else (missing, NaN, a string, a list...)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        value = float(value)
    except OverflowError:  # an integer past 1e308
        return None
    return value if math.isfinite(value) else None


def number_text(value: Any, fmt: str) -> str:
    """`value` in `fmt` if it is a finite number, else "—": a damaged file shows a gap, never stops the page."""
    found = number(value)
    return "—" if found is None else fmt.format(found)


def _sort_key(value: float | None) -> float:
    return math.inf if value is None else value
