"""What commands print: rich tables for people, one strict JSON object for scripts."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from typing import Any

from tickercast.evaluate.vocabulary import (
    DIRECTION,
    DIRECTION_READING,
    PRICE,
    PRICE_READING,
    SIGNIFICANCE,
    TRADING,
    TRADING_READING,
    Metric,
    board_reading,
    pick,
)
from tickercast.jsonio import json_safe

#: The price tables' columns and the direction tables', from the one vocabulary (`evaluate.vocabulary`).
_COLUMNS = pick(PRICE, "rmse", "mae", "directional_accuracy", "rmse_ratio_vs_naive", "dm_p_value", "direction_p_value")
_DIRECTION_COLUMNS = pick(DIRECTION, "accuracy", "balanced_accuracy", "brier", "log_loss", "auc", "base_rate",
                          "p_value_vs_constant")


def print_json(data: Mapping[str, Any]) -> None:
    """Exactly one JSON object on stdout (NaN/inf as null, so any JSON parser reads it)."""
    json.dump(json_safe(data), sys.stdout, indent=2, allow_nan=False)
    sys.stdout.write("\n")


def split_table(metrics: Mapping[str, Mapping[str, Any]], title: str, row_name: str = "split") -> Any:
    """One row per split (train, val, test) of a single model's metrics (or per horizon of a backtest)."""
    from rich.table import Table

    if any("log_loss" in values for values in metrics.values()):
        return _direction_table(metrics, title, row_name)

    table = Table(title=title, caption=PRICE_READING, caption_justify="left")
    table.add_column(row_name)
    table.add_column("days", justify="right")
    for metric in _COLUMNS:
        table.add_column(metric.terminal_header, justify="right")
    table.add_column("lagged")
    for part, values in metrics.items():
        table.add_row(part, str(values["n"]), *(_number(values.get(m.key), m.fmt) for m in _COLUMNS),
                      _flag(values.get("looks_lagged")))
    return table


def _direction_table(metrics: Mapping[str, Mapping[str, Any]], title: str, row_name: str) -> Any:
    """One row per split (or horizon) of a direction model's scores."""
    from rich.table import Table

    table = Table(title=title, caption=DIRECTION_READING, caption_justify="left")
    table.add_column(row_name)
    table.add_column("days", justify="right")
    for metric in _DIRECTION_COLUMNS:
        table.add_column(metric.terminal_header, justify="right")
    for part, values in metrics.items():
        table.add_row(part, str(values["n"]), *(_number(values.get(m.key), m.fmt) for m in _DIRECTION_COLUMNS))
    return table


def members_table(metrics: Mapping[str, Mapping[str, Any]], members: list[Mapping[str, Any]]) -> Any:
    """An ensemble's members one per row, then their mean score and the ensemble's (`evaluate.members`)."""
    from rich.table import Table

    from tickercast.evaluate.members import ensemble_gain, member_rows, member_score

    _, header = member_score(metrics)
    table = Table(title=f"ensemble members: {header} of each network alone and of their mean",
                  caption=ensemble_gain(metrics, members), caption_justify="left")
    table.add_column("member")
    table.add_column(f"val {header}", justify="right")
    table.add_column(f"test {header}", justify="right")
    for row in member_rows(metrics, members):
        table.add_row(row["member"], _number(row["val"], "{:.4f}"), _number(row["test"], "{:.4f}"),
                      style="bold" if row["member"] == "ensemble" else None)
    return table


def horizon_table(metrics: Mapping[str, Mapping[str, Any]], title: str) -> Any:
    """A backtest's metrics, one row per horizon (days ahead), each next to naive's of the same days."""
    return split_table(metrics, title, row_name="horizon")


def trading_table(report: Mapping[str, Any]) -> Any:
    """The trading simulation: both strategies next to buy-and-hold over the same days and costs."""
    from rich.table import Table

    signal = ("the sign of the one-day forecast" if report.get("threshold") is None else
              f"P(up): long above {report['threshold']:g}, short (long/short) below {1 - report['threshold']:g}")
    table = Table(title=f"trading on {signal}, {report['cost_bps']:g} bps per side",
                  caption=TRADING_READING, caption_justify="left")
    table.add_column("strategy")
    for metric in TRADING:
        table.add_column(metric.terminal_header, justify="right")
    for name in ("long_flat", "long_short", "buy_and_hold"):
        values = report[name]
        table.add_row(name.replace("_", " "), *(_number(values.get(m.key), m.fmt) for m in TRADING))
    return table


def forecast_table(table: Any, title: str) -> Any:
    """One row per future trading day: the forecast and its 80% and 95% intervals (or a direction model's P(up))."""
    from rich.table import Table

    if "p_up" in table:
        out = Table(title=title, caption="P(up): the model's probability that the day closes above the last price",
                    caption_justify="left")
        for header in ("date", "days ahead", "P(up)"):
            out.add_column(header, justify="left" if header == "date" else "right")
        for row in table.to_dict("records"):
            out.add_row(f"{row['date']:%Y-%m-%d}", str(row["horizon"]), f"{row['p_up']:.3f}")
        return out

    out = Table(title=title, caption="intervals: split conformal on the model's own out-of-sample errors at each "
                                     "horizon; they assume the coming days behave like the test period",
                caption_justify="left")
    prefixes = ["", "", *(["dropout_"] if "dropout_lower_80" in table else [])]
    headers = ["80% interval", "95% interval", *(["dropout 10-90%"] if len(prefixes) > 2 else [])]
    for header in ("date", "days ahead", "forecast", *headers):
        out.add_column(header, justify="left" if header == "date" else "right")
    for row in table.to_dict("records"):
        bands = (f"{row[f'{prefix}lower_{level}']:.4g} .. {row[f'{prefix}upper_{level}']:.4g}"
                 for prefix, level in zip(prefixes, (80, 95, 80), strict=False))
        out.add_row(f"{row['date']:%Y-%m-%d}", str(row["horizon"]), f"{row['forecast']:.4g}", *bands)
    return out


def verdict_lines(verdicts: list[Mapping[str, Any]]) -> list[str]:
    """'lstm vs gru: tie (test RMSE 19.96 ± 0.01 vs 19.96 ± 0.00; the difference is within the seed spread)'."""
    lines = []
    for v in verdicts:
        metric = v.get("metric", "rmse")
        label = pick((*PRICE, *DIRECTION), metric)[0].header
        spread = (f"test {label} {v[f'{metric}_a']:.4g} ± {v['sd_a']:.2g} vs {v[f'{metric}_b']:.4g} ± "
                  f"{v['sd_b']:.2g}")
        if v["winner"] == "tie":
            lines.append(f"{v['a']} vs {v['b']}: no winner ({spread}; the difference is within the seed spread)")
        else:
            lines.append(f"{v['a']} vs {v['b']}: {v['winner']} is better ({spread}, beyond the seed spread)")
    return lines


def inputs_line(inputs: Mapping[str, Any] | None) -> str | None:
    """'inputs: returns, volume, rsi; with nasdaq (0 days filled with the last price); used from 1999-02-01 (19
    days before it lack an input)', or None for returns only (what every model read before inputs existed)."""
    if not inputs or (list(inputs.get("features", [])) in ([], ["returns"]) and not inputs.get("with")):
        return None
    text = f"inputs: {', '.join(inputs['features'])}"
    if inputs.get("with"):
        filled = inputs.get("filled_days", {})
        text += "; with " + ", ".join(f"{name} ({filled.get(name, 0)} days filled with the last price)"
                                      for name in inputs["with"])
    if inputs.get("dropped_days"):
        text += f"; used from {inputs['first_used']} ({inputs['dropped_days']} days before it lack an input)"
    return text


def importance_table(rows: list[Mapping[str, Any]], title: str = "which inputs mattered") -> Any:
    """Permutation importance per input on the validation part, largest first."""
    from rich.table import Table

    table = Table(title=title, caption="validation RMSE increase when the input is shuffled in time "
                                       "(0 = not used)", caption_justify="left")
    table.add_column("input")
    table.add_column("columns")
    table.add_column("importance", justify="right")
    for row in rows:
        table.add_row(row["input"], ", ".join(row["columns"]), f"{row['importance']:+.2%}")
    return table


def ablation_table(rows: list[Mapping[str, Any]]) -> Any:
    """Each input set against the same model on returns only (same days), with its Diebold–Mariano verdict."""
    from rich.table import Table

    table = Table(title="did the extra inputs help? (test part, each set vs the same model on returns only)",
                  caption="seeds averaged into one forecast per set; Diebold–Mariano on squared errors, "
                          f"{SIGNIFICANCE:.0%} level",
                  caption_justify="left")
    for header in ("model", "inputs added", "RMSE / returns only", "p (better)", "verdict"):
        table.add_column(header, justify="right" if header.startswith(("RMSE", "p ")) else "left")
    for row in rows:
        table.add_row(row["model"], row["inputs"].lstrip("+").replace("+", ", "),
                      f"{row['rmse_ratio_vs_returns_only']:.4f}", f"{row['dm_p_value_better']:.3g}", row["verdict"])
    return table


def leaderboard_table(board: list[Mapping[str, Any]]) -> Any:
    """Across datasets: mean rank by RMSE ratio to naive, and how many runs beat naive significantly (direction:
    by log loss, and how many runs beat the better constant call significantly)."""
    from rich.table import Table

    direction = bool(board) and "beats_constant_significantly" in board[0]
    key = "beats_constant_significantly" if direction else "beats_naive_significantly"
    table = Table(title="overall, across datasets (test part)", caption=board_reading(direction),
                  caption_justify="left")
    for header in ("model", "mean rank", "datasets",
                   f"runs beating {'the constant' if direction else 'naive'} significantly"):
        table.add_column(header, justify="left" if header == "model" else "right")
    for row in board:
        table.add_row(row["model"], f"{row['mean_rank']:.2f}", str(row["datasets"]), f"{row[key]} of {row['runs']}")
    return table


def selection_table(selections: list[Any]) -> Any:
    """A sweep's chosen settings: per dataset and model, the settings with the lowest mean validation RMSE."""
    from rich.table import Table

    from tickercast.sweep.plan import params_text

    table = Table(title="settings chosen on the validation part (the test part played no part)")
    for header in ("data", "model", "settings", "validation RMSE", "seeds"):
        table.add_column(header, justify="right" if header in ("validation RMSE", "seeds") else "left")
    for s in selections:
        table.add_row(s.data, s.model, params_text(s.params), f"{s.validation_rmse:.4g}", str(len(s.runs)))
    return table


def honesty_table(rows: list[Mapping[str, Any]], luck_rows: list[Mapping[str, Any]] | None = None) -> Any:
    """Per chosen settings (`sweep.honesty`), the validation and test ratio to naive and the gap between them;
    with the luck check's rows, the same sweep's validation ratio and gap on shuffled returns beside them."""
    from rich.table import Table

    from tickercast.sweep.honesty import LUCK_READING, NO_LUCK_READING, READING
    from tickercast.sweep.plan import params_text

    luck = None if luck_rows is None else {(row["data"], row["model"]): row for row in luck_rows}
    table = Table(title="how much of the validation edge held on the test part",
                  caption=f"{READING} {NO_LUCK_READING if luck is None else LUCK_READING}", caption_justify="left")
    headers = ("data", "model", "chosen settings", "candidates", "val ratio", "test ratio", "gap",
               *(("luck val", "luck gap") if luck is not None else ()))
    for header in headers:
        table.add_column(header, justify="left" if header in headers[:3] else "right")
    for row in rows:
        cells = [row["data"], row["model"], params_text(row["params"]), str(row["candidates"]),
                 _number(row["val_ratio"], "{:.4f}"), _number(row["test_ratio"], "{:.4f}"),
                 _number(row["gap"], "{:+.4f}")]
        if luck is not None:
            reference = luck.get((row["data"], row["model"]), {})
            cells += [_number(reference.get("val_ratio"), "{:.4f}"), _number(reference.get("gap"), "{:+.4f}")]
        table.add_row(*cells)
    return table


def summary_table(rows: list[Mapping[str, Any]], title: str) -> Any:
    """One row per model; mean ± sd over seeds where a model ran more than once."""
    from rich.table import Table

    if rows and "log_loss" in rows[0]:
        return _direction_summary(rows, title)

    table = Table(title=title, caption=PRICE_READING, caption_justify="left")
    table.add_column("model")
    table.add_column("runs", justify="right")
    for metric in _COLUMNS:
        table.add_column(metric.terminal_header, justify="right")
    table.add_column("lagged")
    best = min((row["rmse_ratio_vs_naive"] for row in rows if row["rmse_ratio_vs_naive"] is not None),
               default=None)
    for row in rows:
        cells = _mean_sd_cells(row, _COLUMNS)
        style = "bold green" if row["rmse_ratio_vs_naive"] == best and best is not None and best < 1 else None
        table.add_row(row["model"], str(row["runs"]), *cells, _flag(row.get("looks_lagged")), style=style)
    return table


def _direction_summary(rows: list[Mapping[str, Any]], title: str) -> Any:
    """Direction models ranked by log loss (rows come sorted, best first), with Brier, AUC and the rest beside."""
    from rich.table import Table

    table = Table(title=title, caption=DIRECTION_READING + " Ranked by log loss.", caption_justify="left")
    for header in ("rank", "model", "runs"):
        table.add_column(header, justify="left" if header == "model" else "right")
    for metric in _DIRECTION_COLUMNS:
        table.add_column(metric.terminal_header, justify="right")
    for rank, row in enumerate(rows, start=1):
        table.add_row(str(rank), row["model"], str(row["runs"]), *_mean_sd_cells(row, _DIRECTION_COLUMNS),
                      style="bold green" if rank == 1 else None)
    return table


def _mean_sd_cells(row: Mapping[str, Any], columns: tuple[Metric, ...]) -> list[str]:
    """Each column's mean, with `± sd` when the model ran with several seeds."""
    cells = []
    for metric in columns:
        cell = _number(row.get(metric.key), metric.fmt)
        if row.get(f"{metric.key}_sd") is not None:
            cell += " ± " + _number(row[f"{metric.key}_sd"], metric.fmt if "%" in metric.fmt else "{:.2g}")
        cells.append(cell)
    return cells


def show(*renderables: Any) -> None:
    """Print to stdout; wide enough for the tables when writing to a file or pipe (not only 80 columns).

    Every string is printed as itself (`literal_console`): titles, cells and lines hold names from files."""
    console = literal_console() if sys.stdout.isatty() else literal_console(width=130)
    for renderable in renderables:
        console.print(renderable)


def literal_console(**options: Any) -> Any:
    """A rich Console that shows each string as it is, wherever it appears (a title, a cell, a line): no markup
    (`[/red]` in a ticker would be a closing tag, and an error), no `:emoji:` codes, and control characters
    written out (`report.literal.printable`), so a name cannot move the cursor or clear the screen."""
    from rich.console import Console

    from tickercast.report.literal import printable

    class LiteralConsole(Console):
        def render_str(self, text: str, **kwargs: Any) -> Any:  # every str → Text conversion passes here
            return super().render_str(printable(text), **kwargs)

    return LiteralConsole(markup=False, emoji=False, **options)


def _flag(value: Any) -> str:
    return "—" if value is None else "yes" if value else "no"


def _number(value: Any, fmt: str) -> str:
    return "—" if value is None else fmt.format(value)


def gate_steps_table(run: Mapping[str, Any]) -> Any:
    """One row per step of a one-unit LSTM: input, each gate, both memories; then what each step means."""
    from rich.table import Table

    sequence = ", ".join(f"{v:g}" for v in run["sequence"])
    table = Table(title=f"LSTM ({run['weights']} weights) on {sequence}, from zero memories",
                  caption="f forget · i input · g candidate · o output · c long-term memory · h short-term memory",
                  caption_justify="left")
    for header in ("step", "input", "f", "i", "g", "o", "c", "h"):
        table.add_column(header, justify="right")
    for step in run["steps"]:
        values = (f"{step[k]:.4f}" for k in ("f", "i", "g", "o", "c", "h"))
        table.add_row(str(step["step"]), f"{step['input']:g}", *values)
    from rich.console import Group

    return Group(table, *(f"  step {step['step']}: {step['reading']}" for step in run["steps"]), "")


def gate_summary_table(result: Mapping[str, Any]) -> Any:
    """Per layer and gate of a trained model: mean, range, how often nearly open or shut, and a reading."""
    from rich.table import Table

    from tickercast.lab.explain import GATES, summary_reading

    table = Table(title=f"{result['model']} gates over {len(result['dates'])} days "
                        f"({result['dates'][0]} .. {result['dates'][-1]})",
                  caption="open: share of (day, unit) values above 0.9; shut: below 0.1", caption_justify="left")
    for header in ("layer", "gate", "mean", "min", "max", "open", "shut", "reading"):
        table.add_column(header, justify="left" if header in ("gate", "reading") else "right")
    for layer in result["layers"]:
        for gate, summary in layer["summary"].items():
            table.add_row(str(layer["layer"] + 1), GATES[result["cell"]][gate], f"{summary['mean']:.3f}",
                          f"{summary['min']:.3f}", f"{summary['max']:.3f}", f"{summary['open']:.0%}",
                          f"{summary['shut']:.0%}", summary_reading(gate, summary))
    return table


def gradient_lab_table(result: Mapping[str, Any]) -> Any:
    """One row per cell (and open-gate variant): memory-task accuracy and how fast gradients fade."""
    from rich.table import Table

    settings = result["settings"]
    table = Table(title=f"remembering the first of {settings['gap'] + 1} values "
                        f"({settings['iterations']} Adam updates, hidden {settings['hidden']}; solved: runs "
                        "with at least 95% correct)",
                  caption="decay: factor per 10 steps of ‖∂y_T/∂x_(T-k)‖ (1 = no decay); lag: first k where it "
                          "falls below 1e-6 of k = 0 ('—': not within the steps measured)", caption_justify="left")
    for header in ("cell", "accuracy", "solved", "decay at init", "lag at init", "decay trained", "lag trained"):
        table.add_column(header, justify="left" if header == "cell" else "right")
    for label, cell in result["cells"].items():
        solved = f"{cell['solved']}/{len(cell['accuracies'])}"
        table.add_row(label, f"{cell['accuracy']:.1%}", solved, f"{cell['init']['decay_per_10_steps']:.2g}",
                      _number(cell["init"]["lag_below_1e-6"], "{}"), f"{cell['trained']['decay_per_10_steps']:.2g}",
                      _number(cell["trained"]["lag_below_1e-6"], "{}"))
    return table
