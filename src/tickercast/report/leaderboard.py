"""The report's tables as data: each model's (or horizon's, or a sweep's chosen settings') test metrics, its
verdict against naive, the best.

Pure functions; `report.html` turns the rows into markup, and the columns and verdicts are those of
`evaluate.vocabulary`. Every cell keeps the exact number from metrics.json next to its rounded text, so a reader
(or a test) can check one against the other.

    rows = table_rows([("lstm", metrics["test"], False), ("naive", naive["test"], True)])
    rows[0].verdict.text    # 'no significant difference from naive (DM p = 0.58)'
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from tickercast.evaluate.vocabulary import (
    PRICE,
    RMSE_RATIO,
    Metric,
    Verdict,
    number,
    number_text,
    runs_verdict,
    verdict,
)


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
            for column in PRICE}
    rows = []
    for label, metrics, benchmark in entries:
        cells = tuple(Cell(c.key, number(metrics.get(c.key)), number_text(metrics.get(c.key), c.fmt),
                           number(metrics.get(c.key)) is not None and number(metrics.get(c.key)) == best[c.key])
                      for c in PRICE)
        rows.append(Row(label, cells, verdict(metrics, benchmark=benchmark), metrics.get("looks_lagged")))
    if rank:
        rows.sort(key=lambda row: _sort_key(row.cells[PRICE.index(RMSE_RATIO)].value))
    return rows


def _best(column: Metric, metrics: Sequence[Mapping[str, Any]]) -> float | None:
    values = [value for m in metrics if (value := number(m.get(column.key))) is not None]
    return column.best(values) if len(values) >= 2 else None


def _sort_key(value: float | None) -> float:
    return math.inf if value is None else value
