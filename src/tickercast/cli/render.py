"""What commands print: rich tables for people, one strict JSON object for scripts."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from typing import Any

from tickercast.bundle import json_safe

_COLUMNS = (  # key, header, format
    ("rmse", "RMSE", "{:.4g}"),
    ("mae", "MAE", "{:.4g}"),
    ("mape", "MAPE %", "{:.3f}"),
    ("directional_accuracy", "direction", "{:.1%}"),
    ("naive_rmse", "naive RMSE", "{:.4g}"),
    ("rmse_ratio_vs_naive", "RMSE / naive", "{:.4f}"),
)
READING = ("RMSE / naive below 1 beats the naive forecast (tomorrow = today); above 1 loses to it. "
           "Direction: share of days the predicted move had the right sign (naive = 50%).")


def print_json(data: Mapping[str, Any]) -> None:
    """Exactly one JSON object on stdout (NaN/inf as null, so any JSON parser reads it)."""
    json.dump(json_safe(data), sys.stdout, indent=2, allow_nan=False)
    sys.stdout.write("\n")


def split_table(metrics: Mapping[str, Mapping[str, Any]], title: str) -> Any:
    """One row per split (train, val, test) of a single model's metrics."""
    from rich.table import Table

    table = Table(title=title, caption=READING, caption_justify="left")
    table.add_column("split")
    table.add_column("days", justify="right")
    for _, header, _ in _COLUMNS:
        table.add_column(header, justify="right")
    for part, values in metrics.items():
        table.add_row(part, str(values["n"]), *(_number(values[key], fmt) for key, _, fmt in _COLUMNS))
    return table


def summary_table(rows: list[Mapping[str, Any]], title: str) -> Any:
    """One row per model; mean ± sd over seeds where a model ran more than once."""
    from rich.table import Table

    table = Table(title=title, caption=READING, caption_justify="left")
    table.add_column("model")
    table.add_column("runs", justify="right")
    for _, header, _ in _COLUMNS:
        table.add_column(header, justify="right")
    best = min((row["rmse_ratio_vs_naive"] for row in rows if row["rmse_ratio_vs_naive"] is not None),
               default=None)
    for row in rows:
        cells = []
        for key, _, fmt in _COLUMNS:
            cell = _number(row[key], fmt)
            if row.get(f"{key}_sd") is not None:
                cell += " ± " + _number(row[f"{key}_sd"], fmt)
            cells.append(cell)
        style = "bold green" if row["rmse_ratio_vs_naive"] == best and best is not None and best < 1 else None
        table.add_row(row["model"], str(row["runs"]), *cells, style=style)
    return table


def show(*renderables: Any) -> None:
    from rich.console import Console

    console = Console()
    for renderable in renderables:
        console.print(renderable)


def _number(value: Any, fmt: str) -> str:
    return "—" if value is None else fmt.format(value)
