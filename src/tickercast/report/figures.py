"""The report's interactive charts, as Plotly figure specs: plain dicts of traces and layout, no Plotly import.

Long arrays (dates, the price, each model's errors) go into a `Columns` store that the page holds once; a
trace refers to them as `{"$col": name}`, `{"$col": name, "from": i}` (a slice) or `{"$col": a, "plus": b}`
(a + b element by element). A model's forecast is stored as its error and drawn as price + error, so each
number is in the page once, however many charts use it. `assets/report.js` resolves the references.

    columns = Columns(decimals=2)
    figure = price_figure(price_view(comparison), columns, "0:")   # {"data": [...], "layout": {...}}

Names (models, datasets, settings, horizons) come from files; each text Plotly draws is passed through
`report.literal.for_plotly`, so it shows as itself rather than as Plotly's markup or a hover placeholder.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from tickercast.evaluate.vocabulary import number
from tickercast.report.literal import for_plotly
from tickercast.sweep.plan import params_text

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2", "#bcbd22")
NAIVE_COLOUR = "#8c8c8c"
ACTUAL_COLOUR = "#111111"
SPLIT_COLOURS = {"train": "rgba(0,0,0,0.035)", "val": "rgba(255,190,60,0.16)", "test": "rgba(60,130,230,0.10)"}
SIGNIFICANT_DIGITS = 6  # of the largest price: a 2,500-point index keeps cents, a $3 stock keeps 1e-5
BASE_LAYOUT = {"font": {"family": "system-ui, -apple-system, Segoe UI, sans-serif", "size": 12},
               "paper_bgcolor": "white", "plot_bgcolor": "white", "margin": {"l": 64, "r": 24, "t": 36, "b": 48}}


class Columns:
    """Arrays stored once in the page and referred to by name from any number of traces."""

    def __init__(self, decimals: int = 6) -> None:
        self.decimals = decimals
        self.values: dict[str, list[Any]] = {}

    def add(self, name: str, values: Sequence[Any] | np.ndarray) -> dict[str, Any]:
        """Store `values` (numbers rounded to `decimals`, NaN as null) under `name`; return a reference."""
        if isinstance(values, np.ndarray) and values.dtype.kind == "f":
            rounded = np.round(values, self.decimals).astype(object)
            rounded[np.isnan(values)] = None
            values = rounded
        self.values[name] = list(values)
        return {"$col": name}


def price_decimals(prices: np.ndarray) -> int:
    """Decimals that keep SIGNIFICANT_DIGITS of the largest price (0 to 10)."""
    largest = float(np.nanmax(np.abs(prices)))
    digits = math.floor(math.log10(largest)) + 1 if largest > 0 else 1
    return max(0, min(10, SIGNIFICANT_DIGITS - digits))


def colours(labels: Iterable[str]) -> dict[str, str]:
    """A colour per label, the same in every chart; naive is always grey."""
    out, index = {}, 0
    for label in labels:
        if label == "naive":
            out[label] = NAIVE_COLOUR
        else:
            out[label] = PALETTE[index % len(PALETTE)]
            index += 1
    return out


@dataclass
class PriceView:
    """One date axis with the actual price, the previous day's price and each model's one-step forecast."""

    dates: list[str]
    actual: np.ndarray
    previous: np.ndarray
    splits: list[tuple[str, str, str]]  # (part, first date, last date)
    forecasts: dict[str, np.ndarray]  # label -> forecast on `dates`, NaN before a model's first forecast

    @property
    def test_start(self) -> int:
        """Index of the first test day (0 when there is no test part)."""
        first = next((start for part, start, _ in self.splits if part == "test"), self.dates[0])
        return self.dates.index(first)


def price_view(predictions: Mapping[str, pd.DataFrame]) -> PriceView:
    """Align `predictions.csv` tables (date, actual, predicted, naive, split) on the longest one's dates.

    Models with a longer lookback start later; every one ends on the last day, so the longest table's dates
    hold all of them.
    """
    longest = max(predictions.values(), key=len).reset_index(drop=True)
    index = pd.DatetimeIndex(longest["date"])
    splits = [(str(part), f"{rows['date'].iloc[0]:%Y-%m-%d}", f"{rows['date'].iloc[-1]:%Y-%m-%d}")
              for part, rows in longest.groupby("split", sort=False, observed=True)]
    forecasts = {label: table.set_index("date")["predicted"].reindex(index).to_numpy(dtype=float)
                 for label, table in predictions.items()}
    return PriceView([f"{day:%Y-%m-%d}" for day in index], longest["actual"].to_numpy(dtype=float),
                     longest["naive"].to_numpy(dtype=float), splits, forecasts)


def price_figure(view: PriceView, columns: Columns, prefix: str, colour: Mapping[str, str]) -> dict[str, Any]:
    """Actual price and every forecast (legend click hides a model and its errors), errors below, split shading."""
    dates = columns.add(f"{prefix}dates", view.dates)
    actual = columns.add(f"{prefix}actual", view.actual)
    traces: list[dict[str, Any]] = [
        {"type": "scatter", "mode": "lines", "name": "actual", "x": dates, "y": actual, "legendgroup": "actual",
         "line": {"color": ACTUAL_COLOUR, "width": 1.4}, "hovertemplate": "%{y:.6~g}"}]
    for label, forecast in view.forecasts.items():
        error = columns.add(f"{prefix}error:{label}", forecast - view.actual)
        common = {"type": "scatter", "mode": "lines", "name": for_plotly(label), "x": dates, "legendgroup": label,
                  "line": {"color": colour[label], "width": 1}}
        traces.append({**common, "y": {**actual, "plus": error["$col"]}, "hovertemplate": "%{y:.6~g}"})
        traces.append({**common, "y": error, "yaxis": "y2", "showlegend": False,
                       "hovertemplate": "error %{y:+.4~g}"})
    test = view.splits[-1]
    layout = {
        **BASE_LAYOUT, "height": 640, "hovermode": "x unified",
        "legend": {"orientation": "h", "x": 0, "y": 1.1, "groupclick": "togglegroup"},
        "xaxis": {"type": "date", "anchor": "y2", "range": [test[1], test[2]],
                  # the slider draws the price only: the errors' axis is given a range they never reach
                  "rangeslider": {"visible": True, "thickness": 0.07,
                                  "yaxis2": {"rangemode": "fixed", "range": [1e300, 2e300]}},
                  "rangeselector": {"x": 0, "y": 1.02, "buttons": [
                      {"count": 3, "label": "3 months", "step": "month", "stepmode": "backward"},
                      {"count": 1, "label": "1 year", "step": "year", "stepmode": "backward"},
                      {"step": "all", "label": "all"}]}},
        "yaxis": {"title": {"text": "price"}, "domain": [0.36, 1]},
        "yaxis2": {"title": {"text": "forecast − actual"}, "domain": [0, 0.3], "zeroline": True,
                   "zerolinecolor": "#999"},
        "shapes": [{"type": "rect", "xref": "x", "yref": "paper", "x0": start, "x1": end, "y0": 0, "y1": 1,
                    "fillcolor": SPLIT_COLOURS.get(part, "rgba(0,0,0,0)"), "line": {"width": 0}, "layer": "below"}
                   for part, start, end in view.splits],
        "annotations": [{"x": start, "y": 1, "xref": "x", "yref": "paper", "xanchor": "left", "yanchor": "top",
                         "text": for_plotly(part), "showarrow": False, "font": {"color": "#666"}}
                        for part, start, _ in view.splits],
    }
    return {"data": traces, "layout": layout, "fitY": True}  # report.js fits the y axes to the days in view


def error_figure(view: PriceView, prefix: str, colour: Mapping[str, str]) -> dict[str, Any]:
    """One violin per model of its test-day errors (the columns `price_figure` stored)."""
    start = view.test_start
    traces = [{"type": "violin", "name": for_plotly(label), "y": {"$col": f"{prefix}error:{label}", "from": start},
               "box": {"visible": True}, "meanline": {"visible": True}, "points": False, "spanmode": "hard",
               "line": {"color": colour[label]}, "hoverinfo": "y+name"} for label in view.forecasts]
    layout = {**BASE_LAYOUT, "height": 380, "showlegend": False,
              "yaxis": {"title": {"text": "forecast − actual (test days)"}, "zeroline": True,
                        "zerolinecolor": "#999"}}
    return {"data": traces, "layout": layout}


def up_share(actual: np.ndarray, previous: np.ndarray) -> float:
    """Directional accuracy of forecasting 'up' every day: up days score 1, unchanged days ½."""
    moves = np.sign(actual - previous)
    return float(np.mean(np.where(moves > 0, 1.0, np.where(moves == 0, 0.5, 0.0))))


def direction_figure(labels: Sequence[str], metrics: Sequence[Mapping[str, Any]], colour: Mapping[str, str],
                     up: float | None) -> dict[str, Any]:
    """Directional accuracy as bars up or down from the coin (50%), and, if given, the 'up every day' line."""
    accuracy = [number(m.get("directional_accuracy")) for m in metrics]
    p_values = [number(m.get("direction_p_value")) for m in metrics]
    trace = {"type": "bar", "x": [for_plotly(label) for label in labels], "base": 0.5,
             "y": [None if a is None else a - 0.5 for a in accuracy],
             "marker": {"color": [colour.get(label, PALETTE[0]) for label in labels]},
             "text": [f"{a:.1%}" if a is not None else "" for a in accuracy], "textposition": "outside",
             "customdata": [f"{a:.1%} right, binomial p {p:.3f}" if a is not None and p is not None else "—"
                            for a, p in zip(accuracy, p_values, strict=True)],
             "hovertemplate": "%{x}: %{customdata}<extra></extra>"}
    lines = [(0.5, "coin (50%)", "#999")] + ([(up, f"'up' every day ({up:.1%})", "#2ca02c")] if up is not None else [])
    layout = {**BASE_LAYOUT, "height": 340, "showlegend": False,
              "xaxis": {"title": {"text": ""}, "type": "category"},
              "yaxis": {"title": {"text": "days with the right direction"}, "tickformat": ".0%",
                        "range": _share_range([*accuracy, *(value for value, _, _ in lines)])},
              "shapes": [{"type": "line", "xref": "paper", "x0": 0, "x1": 1, "y0": value, "y1": value,
                          "line": {"color": line_colour, "dash": "dash", "width": 1.5}}
                         for value, _, line_colour in lines],
              "annotations": [{"xref": "paper", "x": 1, "xanchor": "right", "y": value, "yanchor": "bottom",
                               "text": text, "showarrow": False, "font": {"color": line_colour}}
                              for value, text, line_colour in lines]}
    return {"data": [trace], "layout": layout}


UP_COLOUR, DOWN_COLOUR = "#2ca02c", "#d62728"


@dataclass
class ProbabilityView:
    """One date axis with each day's outcome (1 up, 0 not up) and each model's P(up) for it."""

    dates: list[str]
    up: list[float | None]
    splits: list[tuple[str, str, str]]  # (part, first date, last date)
    probabilities: dict[str, list[float | None]]  # label -> P(up) on `dates`, None before a model's first


def probability_view(predictions: Mapping[str, pd.DataFrame]) -> ProbabilityView:
    """Align direction `predictions.csv` tables (date, actual, up, p_up, split) on the longest one's dates, as
    `price_view` does for prices."""
    longest = max(predictions.values(), key=len).reset_index(drop=True)
    index = pd.DatetimeIndex(longest["date"])
    splits = [(str(part), f"{rows['date'].iloc[0]:%Y-%m-%d}", f"{rows['date'].iloc[-1]:%Y-%m-%d}")
              for part, rows in longest.groupby("split", sort=False, observed=True)]
    probabilities = {label: _rounded(table.drop_duplicates("date").set_index("date")["p_up"].reindex(index)
                                     .to_numpy(dtype=float), 4) for label, table in predictions.items()}
    return ProbabilityView([f"{day:%Y-%m-%d}" for day in index], _rounded(longest["up"].to_numpy(dtype=float)),
                           splits, probabilities)


def probability_figure(view: ProbabilityView, colour: Mapping[str, str]) -> dict[str, Any]:
    """Each model's P(up) through time (dashed: 0.5), and below it what happened: a green mark on the days that
    went up, a red one on the others; the split shaded, the view on the test part."""
    traces: list[dict[str, Any]] = [
        {"type": "scatter", "mode": "lines", "name": for_plotly(label), "x": view.dates, "y": values,
         "line": {"color": colour.get(label, PALETTE[0]), "width": 1}, "hovertemplate": "P(up) %{y:.3f}"}
        for label, values in view.probabilities.items()]
    traces.append({"type": "scatter", "mode": "markers", "name": "up (1) or not (0)", "x": view.dates, "y": view.up,
                   "yaxis": "y2", "marker": {"size": 4, "color": [UP_COLOUR if up else DOWN_COLOUR for up in view.up]},
                   "hovertemplate": "went up: %{y}<extra></extra>"})
    test = view.splits[-1] if view.splits else ("", view.dates[0], view.dates[-1])  # no split named: show all
    layout = {
        **BASE_LAYOUT, "height": 460, "hovermode": "x unified", "legend": {"orientation": "h", "x": 0, "y": 1.12},
        "xaxis": {"type": "date", "anchor": "y2", "range": [test[1], test[2]], "rangeselector": {
            "x": 0, "y": 1.02, "buttons": [{"count": 3, "label": "3 months", "step": "month", "stepmode": "backward"},
                                           {"count": 1, "label": "1 year", "step": "year", "stepmode": "backward"},
                                           {"step": "all", "label": "all"}]}},
        "yaxis": {"title": {"text": "P(up)"}, "domain": [0.3, 1], "range": [0, 1]},
        "yaxis2": {"title": {"text": "outcome"}, "domain": [0, 0.2], "range": [-0.3, 1.3], "tickvals": [0, 1],
                   "ticktext": ["down", "up"]},
        "shapes": [_hline(0.5, "y"), *({"type": "rect", "xref": "x", "yref": "paper", "x0": start, "x1": end, "y0": 0,
                                        "y1": 1, "fillcolor": SPLIT_COLOURS.get(part, "rgba(0,0,0,0)"),
                                        "line": {"width": 0}, "layer": "below"} for part, start, end in view.splits)],
        "annotations": [{"x": start, "y": 1, "xref": "x", "yref": "paper", "xanchor": "left", "yanchor": "top",
                         "text": for_plotly(part), "showarrow": False, "font": {"color": "#666"}}
                        for part, start, _ in view.splits],
    }
    return {"data": traces, "layout": layout}


def importance_figure(importance: Mapping[str, Sequence[Mapping[str, Any]]],
                      colour: Mapping[str, str]) -> dict[str, Any]:
    """Permutation importance (config.json's "importance") as horizontal bars: an input per row, the one that
    mattered most on top, a bar per model (a legend click hides one); hovering shows the input's columns."""
    largest: dict[str, float] = {}
    for rows in importance.values():
        for row in rows:
            value = number(row["importance"])
            largest[row["input"]] = max(largest.get(row["input"], -math.inf), -math.inf if value is None else value)
    inputs = sorted(largest, key=lambda name: -largest[name])  # stable: unscored inputs keep their order, last
    traces = []
    for label, rows in importance.items():
        found = {row["input"]: row for row in rows}
        mine = [name for name in inputs if name in found]
        traces.append({"type": "bar", "orientation": "h", "name": for_plotly(label), "legendgroup": label,
                       "y": [for_plotly(name) for name in mine],
                       "x": _rounded([number(found[name]["importance"]) for name in mine]),
                       "customdata": [for_plotly(", ".join(found[name]["columns"])) for name in mine],
                       "marker": {"color": colour.get(label, PALETTE[0])},
                       "hovertemplate": "%{y} (%{customdata}): %{x:+.3%}"})
    bars = sum(len(trace["y"]) for trace in traces)
    layout = {**BASE_LAYOUT, "height": min(2400, 160 + 20 * bars + 24 * len(inputs)), "barmode": "group",
              "showlegend": True, "legend": {"orientation": "h", "y": 1.02, "yanchor": "bottom"},
              "xaxis": {"title": {"text": "validation RMSE increase when shuffled"}, "tickformat": "+.2%",
                        "zeroline": True, "zerolinecolor": "#999"},
              "yaxis": {"type": "category", "categoryorder": "array", "autorange": "reversed",
                        "categoryarray": [for_plotly(name) for name in inputs], "automargin": True}}
    return {"data": traces, "layout": layout}


def grid(rows: int, cols: int, gap: float = 0.08) -> dict[str, Any]:
    """Layout axes for a rows × cols grid of subplots; subplot k (0-based, row-major) uses `axis_names(k)`."""
    layout: dict[str, Any] = {}
    width, height = (1 - gap * (cols - 1)) / cols, (1 - gap * (rows - 1)) / rows
    for k in range(rows * cols):
        row, col = divmod(k, cols)
        x, y = axis_names(k)
        x0, y1 = col * (width + gap), 1 - row * (height + gap)
        layout[f"xaxis{x[1:]}"] = {"domain": [x0, min(1, x0 + width)], "anchor": y}
        layout[f"yaxis{y[1:]}"] = {"domain": [max(0, y1 - height), y1], "anchor": x}
    return layout


def axis_names(k: int) -> tuple[str, str]:
    """The x and y axis of subplot k in Plotly's naming: ('x', 'y'), ('x2', 'y2'), ..."""
    suffix = "" if k == 0 else str(k + 1)
    return f"x{suffix}", f"y{suffix}"


def loss_figure(histories: Mapping[str, pd.DataFrame], colour: Mapping[str, str],
                loss: str = "MSE on the scaled target") -> dict[str, Any]:
    """Training (left) and validation (right) loss per epoch; a dot marks the epoch whose weights were kept;
    `loss` names what was minimised (the y axis)."""
    traces = []
    for label, history in histories.items():
        common = {"type": "scatter", "mode": "lines", "name": for_plotly(label), "legendgroup": label,
                  "line": {"color": colour[label], "width": 1.5}, "x": history["epoch"].tolist()}
        traces.append({**common, "y": _rounded(history["train_loss"]), "xaxis": "x", "yaxis": "y"})
        if history["val_loss"].notna().any():
            traces.append({**common, "y": _rounded(history["val_loss"]), "xaxis": "x2", "yaxis": "y2",
                           "showlegend": False})
            best = history.loc[history["val_loss"].idxmin()]
            traces.append({"type": "scatter", "mode": "markers", "x": [int(best["epoch"])],
                           "y": [round(float(best["val_loss"]), 6)], "xaxis": "x2", "yaxis": "y2",
                           "legendgroup": label, "showlegend": False, "marker": {"color": colour[label], "size": 9},
                           "hovertemplate": f"{for_plotly(label)}: weights kept from epoch %{{x}}<extra></extra>"})
    layout = {**BASE_LAYOUT, **grid(1, 2), "height": 360, "legend": {"orientation": "h", "y": -0.2},
              "annotations": _titles(["training loss", "validation loss (dot: the weights kept)"], 2)}
    epochs = max((int(history["epoch"].max()) for history in histories.values()), default=1)
    for axis in ("xaxis", "xaxis2"):
        layout[axis].update(title={"text": "epoch (0 = untrained)"}, tick0=0, dtick=max(1, round(epochs / 10)))
    layout["yaxis"]["title"] = {"text": loss}
    return {"data": traces, "layout": layout}


def horizon_figure(metrics: Mapping[str, Mapping[str, Any]], verdicts: Mapping[str, str]) -> dict[str, Any]:
    """Per horizon: RMSE / naive (left, coloured by the significance verdict) and directional accuracy (right)."""
    horizons = list(metrics)
    shown = [for_plotly(h) for h in horizons]
    ratio = [number(metrics[h].get("rmse_ratio_vs_naive")) for h in horizons]
    accuracy = [number(metrics[h].get("directional_accuracy")) for h in horizons]
    hue = {"better": "#2ca02c", "worse": "#d62728"}
    traces = [
        {"type": "bar", "x": shown, "y": ratio, "xaxis": "x", "yaxis": "y", "name": "RMSE / naive",
         "marker": {"color": [hue.get(verdicts[h], "#7f9fbf") for h in horizons]},
         "customdata": [verdicts[h] for h in horizons],
         "hovertemplate": "%{x} day(s) ahead: %{y:.4f} (%{customdata})<extra></extra>"},
        {"type": "bar", "x": shown, "base": 0.5, "y": [None if a is None else a - 0.5 for a in accuracy],
         "xaxis": "x2", "yaxis": "y2", "name": "direction", "marker": {"color": "#1f77b4"},
         "customdata": [None if a is None else f"{a:.1%}" for a in accuracy],
         "hovertemplate": "%{x} day(s) ahead: %{customdata} right<extra></extra>"},
    ]
    values = [r for r in ratio if r is not None] + [1.0]
    pad = max(0.002, (max(values) - min(values)) * 0.3)
    layout = {**BASE_LAYOUT, **grid(1, 2), "height": 340, "showlegend": False,
              "annotations": _titles(["RMSE / naive (green: significantly better, red: worse)",
                                      "directional accuracy"], 2),
              "shapes": [_hline(1.0, "y"), _hline(0.5, "y2")]}
    layout["xaxis"]["title"] = layout["xaxis2"]["title"] = {"text": "days ahead"}
    layout["xaxis"]["type"] = layout["xaxis2"]["type"] = "category"
    layout["yaxis"]["range"] = [min(values) - pad, max(values) + pad]
    layout["yaxis2"].update(tickformat=".0%", range=_share_range([*accuracy, 0.5]))
    return {"data": traces, "layout": layout}


def equity_figure(equity: pd.DataFrame, trading: Mapping[str, Any]) -> dict[str, Any]:
    """Equity of both strategies and buy-and-hold (log scale, start = 1), after costs."""
    dates = [f"{day:%Y-%m-%d}" for day in equity["date"]]
    traces = []
    for name, line in (("buy_and_hold", ACTUAL_COLOUR), ("long_flat", PALETTE[0]), ("long_short", PALETTE[1])):
        sharpe = number((trading.get(name) or {}).get("sharpe"))
        label = name.replace("_", " ") + (f" (Sharpe {sharpe:.2f})" if sharpe is not None else "")
        traces.append({"type": "scatter", "mode": "lines", "name": label, "x": dates, "y": _rounded(equity[name]),
                       "line": {"color": line, "width": 1.4}, "hovertemplate": "%{y:.4f}"})
    layout = {**BASE_LAYOUT, "height": 380, "hovermode": "x unified", "legend": {"orientation": "h", "y": 1.12},
              "yaxis": {"type": "log", "title": {"text": "equity (start = 1)"}}, "xaxis": {"type": "date"}}
    return {"data": traces, "layout": layout}


def rank_equity_figure(daily: pd.DataFrame, colour: Mapping[str, str]) -> dict[str, Any]:
    """Each model's long-short equity (log scale, start = 1): after costs solid, before costs dotted, in the
    model's colour; the legend groups the two, so one click hides both."""
    traces = []
    for model, rows in daily.groupby("model", sort=False):
        dates = [f"{day:%Y-%m-%d}" for day in rows["date"]]
        name = str(model)
        for column, dash, label in (("net", "solid", "after costs"), ("gross", "dot", "before costs")):
            equity = np.cumprod(1.0 + np.nan_to_num(rows[column].to_numpy("float64")))
            traces.append({"type": "scatter", "mode": "lines", "name": for_plotly(f"{name} {label}"), "x": dates,
                           "y": _rounded(equity), "legendgroup": for_plotly(name),
                           "line": {"color": colour.get(name, NAIVE_COLOUR), "width": 1.4 if dash == "solid" else 1,
                                    "dash": dash}, "hovertemplate": "%{y:.4f}"})
    layout = {**BASE_LAYOUT, "height": 420, "hovermode": "x unified", "legend": {"orientation": "h", "y": 1.14},
              "yaxis": {"type": "log", "title": {"text": "equity (start = 1)"}}, "xaxis": {"type": "date"}}
    return {"data": traces, "layout": layout}


def calibration_figure(tables: Mapping[str, Sequence[Mapping[str, Any]]], colour: Mapping[str, str]) -> dict[str, Any]:
    """Reliability: in each bin of forecast probability, the mean forecast against how often the event
    happened (`evaluate.classification.reliability_table` rows); on the diagonal, P means what it says. A
    marker's size grows with the days in its bin, and empty bins are left out."""
    traces: list[dict[str, Any]] = [{"type": "scatter", "mode": "lines", "name": "perfectly calibrated",
                                     "x": [0, 1], "y": [0, 1], "hoverinfo": "skip",
                                     "line": {"color": NAIVE_COLOUR, "dash": "dash", "width": 1}}]
    for name, rows in tables.items():
        kept = [row for row in rows if (number(row.get("n")) or 0) > 0 and number(row.get("mean_p")) is not None
                and number(row.get("freq")) is not None]
        largest = max((number(row["n"]) or 0 for row in kept), default=1)
        traces.append({"type": "scatter", "mode": "lines+markers", "name": for_plotly(name),
                       "x": [number(row["mean_p"]) for row in kept], "y": [number(row["freq"]) for row in kept],
                       "text": [f"{number(row['n']):,.0f} forecasts in {number(row.get('lo')) or 0:.2f} .. "
                                f"{number(row.get('hi')) or 1:.2f}" for row in kept],
                       "marker": {"size": [6 + 10 * math.sqrt((number(row["n"]) or 0) / largest) for row in kept],
                                  "color": colour.get(name, PALETTE[0])},
                       "line": {"color": colour.get(name, PALETTE[0]), "width": 1.2},
                       "hovertemplate": "mean forecast %{x:.3f}<br>observed %{y:.3f}<br>%{text}"})
    layout = {**BASE_LAYOUT, "height": 420, "legend": {"orientation": "h", "y": 1.12},
              "xaxis": {"title": {"text": "forecast probability (bin mean)"}, "range": [0, 1]},
              "yaxis": {"title": {"text": "observed frequency"}, "range": [0, 1]}}
    return {"data": traces, "layout": layout}


def forecast_figure(forecast: pd.DataFrame, context: Mapping[str, Any] | None) -> dict[str, Any]:
    """The last prices known, the forecast from the last one, and its 95% and 80% bands."""
    traces: list[dict[str, Any]] = []
    dates = [f"{day:%Y-%m-%d}" for day in forecast["date"]]
    start_date, start = [], []
    if context:
        recent = context.get("recent") or {}
        traces.append({"type": "scatter", "mode": "lines", "name": "price", "x": recent.get("date", []),
                       "y": recent.get("price", []), "line": {"color": ACTUAL_COLOUR, "width": 1.4}})
        start_date, start = [context["last_date"]], [context["last_price"]]
    for level, fill in (("95", "rgba(31,119,180,0.15)"), ("80", "rgba(31,119,180,0.30)")):
        if f"upper_{level}" not in forecast:
            continue
        traces.append({"type": "scatter", "mode": "lines", "x": start_date + dates, "showlegend": False,
                       "y": start + _rounded(forecast[f"upper_{level}"]), "line": {"width": 0},
                       "hoverinfo": "skip", "legendgroup": level})
        traces.append({"type": "scatter", "mode": "lines", "name": f"{level}% interval", "x": start_date + dates,
                       "y": start + _rounded(forecast[f"lower_{level}"]), "fill": "tonexty", "fillcolor": fill,
                       "line": {"width": 0}, "legendgroup": level, "hovertemplate": "%{y:.6~g}"})
    traces.append({"type": "scatter", "mode": "lines+markers", "name": "forecast", "x": start_date + dates,
                   "y": start + _rounded(forecast["forecast"]), "line": {"color": PALETTE[0], "width": 2},
                   "hovertemplate": "%{y:.6~g}"})
    layout = {**BASE_LAYOUT, "height": 380, "hovermode": "x unified", "legend": {"orientation": "h", "y": 1.12},
              "xaxis": {"type": "date"}, "yaxis": {"title": {"text": "price"}}}
    return {"data": traces, "layout": layout}


def gates_figure(explanation: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
    """Heatmaps time × unit, a row per layer and a column per gate (from `explain`'s gates.json)."""
    layers, gates = explanation["layers"], list(names)
    dates = [for_plotly(str(day)) for day in explanation["dates"]]
    traces = []
    for row, layer in enumerate(layers):
        for col, gate in enumerate(gates):
            x, y = axis_names(row * len(gates) + col)
            values = np.asarray(layer["values"][gate]).T  # [steps, units] -> [units, steps]
            low = -1 if gate in ("g", "n") else 0  # candidates are tanh; gates are sigmoids
            traces.append({"type": "heatmap", "z": np.round(values, 3).tolist(), "x": dates,
                           "xaxis": x, "yaxis": y, "zmin": low, "zmax": 1, "colorscale": "Viridis",
                           "showscale": False, "name": f"layer {layer['layer'] + 1} {gate}",
                           "hovertemplate": "%{x}, unit %{y}: %{z:.3f}<extra></extra>"})
    titles = [f"layer {layer['layer'] + 1}: {names[gate]} ({gate})" for layer in layers for gate in gates]
    layout = {**BASE_LAYOUT, **grid(len(layers), len(gates), gap=0.06), "height": 150 + 230 * len(layers),
              "annotations": _titles(titles, len(gates), rows=len(layers), gap=0.06)}
    return {"data": traces, "layout": layout}


def gradients_figure(result: Mapping[str, Any]) -> dict[str, Any]:
    """Left: gradient by lag per cell, at initialisation and trained (log scale). Right: the exploding RNN."""
    traces = []
    for index, (label, cell) in enumerate(result["cells"].items()):
        for stage, dash in (("init", "solid"), ("trained", "dash")):
            curve = np.asarray(cell[stage]["curve"], dtype=float)
            relative = curve / curve[0]
            traces.append({"type": "scatter", "mode": "lines", "name": for_plotly(f"{label} ({stage})"),
                           "legendgroup": label, "y": [float(f"{v:.4g}") for v in relative], "xaxis": "x", "yaxis": "y",
                           "line": {"color": PALETTE[index % len(PALETTE)], "dash": dash, "width": 1.5}})
    exploding = result["exploding"]
    for label, line in (("unclipped", PALETTE[1]), ("clipped", PALETTE[2])):
        norms = exploding[label]["grad_norms"]
        traces.append({"type": "scatter", "mode": "lines", "name": f"RNN {label}", "xaxis": "x2", "yaxis": "y2",
                       "y": [float(f"{v:.4g}") for v in norms], "line": {"color": line, "width": 1.2}})
    layout = {**BASE_LAYOUT, **grid(1, 2), "height": 420, "legend": {"orientation": "h", "y": -0.25},
              "annotations": _titles(["vanishing: ‖∂y_T/∂x_(T−k)‖ relative to k = 0",
                                      f"exploding: RNN at spectral radius {result['settings']['radius']:g}, SGD"], 2),
              "shapes": [_hline(1e-6, "y"), _hline(exploding["clipped"]["clip"], "y2")]}
    layout["xaxis"]["title"] = {"text": "lag k (steps back from the output)"}
    layout["xaxis2"]["title"] = {"text": "update"}
    layout["yaxis"].update(type="log", exponentformat="power")
    layout["yaxis2"].update(type="log", exponentformat="power", title={"text": "gradient norm"})
    return {"data": traces, "layout": layout}


@dataclass(frozen=True)
class Tried:
    """One settings combination of one model on one dataset, scored on the validation part (mean over seeds)."""

    model: str
    data: str
    settings: str
    ratio: float | None  # validation RMSE / naive's (None: naive's RMSE was 0)
    rmse: float  # validation RMSE: what chose the settings
    runs: int
    chosen: bool
    test: float | None = None  # test RMSE / naive's, of days that played no part in the choice


def settings_figure(tried: Sequence[Tried], colour: Mapping[str, str]) -> dict[str, Any]:
    """A panel per model: each settings combination's validation RMSE / naive (in the order given), a line per
    dataset, a star on the settings chosen. A ratio, not the RMSE, so that datasets priced apart share an axis."""
    models = list(dict.fromkeys(t.model for t in tried))
    height = 120 + 240 * len(models)
    gap = min(0.15, 90 / height)
    layout = {**BASE_LAYOUT, **grid(len(models), 1, gap), "height": height,
              "margin": {**BASE_LAYOUT["margin"], "t": 90},  # room for the legend above the first panel
              "legend": {"orientation": "h", "x": 0, "y": 1 + 40 / height, "yanchor": "bottom"},
              "annotations": _titles([for_plotly(model) for model in models], 1, rows=len(models), gap=gap),
              "shapes": [_hline(1.0, axis_names(k)[1]) for k in range(len(models))]}
    traces: list[dict[str, Any]] = []
    named: set[str] = set()  # each dataset in the legend once; clicking it hides it in every panel
    for k, model in enumerate(models):
        x, y = axis_names(k)
        mine = [t for t in tried if t.model == model]
        layout[f"xaxis{x[1:]}"].update(type="category", categoryorder="array",
                                        categoryarray=list(dict.fromkeys(for_plotly(t.settings) for t in mine)))
        layout[f"yaxis{y[1:]}"]["title"] = {"text": "validation RMSE / naive"}
        for data in dict.fromkeys(t.data for t in mine):
            points = [t for t in mine if t.data == data]
            traces.append({
                "type": "scatter", "mode": "lines+markers", "name": for_plotly(data), "legendgroup": data,
                "showlegend": data not in named, "xaxis": x, "yaxis": y, "x": [for_plotly(t.settings) for t in points],
                "y": _rounded([t.ratio for t in points]),
                "line": {"color": colour[data], "width": 1},
                "marker": {"color": colour[data], "size": [15 if t.chosen else 7 for t in points],
                           "symbol": ["star" if t.chosen else "circle" for t in points]},
                "customdata": [f"{t.rmse:.4g} over {t.runs} run(s){', chosen' if t.chosen else ''}" for t in points],
                "hovertemplate": f"{for_plotly(data)}, %{{x}}: %{{y:.4f}} of naive, validation RMSE %{{customdata}}"
                                 "<extra></extra>"})
            named.add(data)
    return {"data": traces, "layout": layout}


def validation_test_figure(tried: Sequence[Tried], colour: Mapping[str, str]) -> dict[str, Any]:
    """Every settings that could be chosen, of every dataset: its validation RMSE / naive (x) against its test
    RMSE / naive (y), a colour per model (a legend click hides one), a star on each chosen; the dashed diagonal
    is "as good on test as on validation". Chosen stars above it, with the rest: the choice looked better than it
    was."""
    scored = [t for t in tried if t.ratio is not None and t.test is not None]
    traces: list[dict[str, Any]] = []
    for model in dict.fromkeys(t.model for t in scored):
        for chosen in (False, True):  # the stars apart, so that the legend shows the model's dot
            points = [t for t in scored if t.model == model and t.chosen == chosen]
            traces.append({
                "type": "scatter", "mode": "markers", "name": for_plotly(model), "legendgroup": model,
                "showlegend": not chosen, "x": _rounded([t.ratio for t in points]),
                "y": _rounded([t.test for t in points]),
                "marker": {"color": colour.get(model, PALETTE[0]), "size": 15 if chosen else 7,
                           "symbol": "star" if chosen else "circle", "line": {"color": "white", "width": 0.5}},
                "customdata": [for_plotly(f"{t.data}, {t.settings}{' (chosen)' if chosen else ''}")
                               for t in points],
                "hovertemplate": "%{customdata}<br>validation %{x:.4f}, test %{y:.4f} of naive"
                                 f"<extra>{for_plotly(model)}</extra>"})
    values = [v for t in scored for v in (t.ratio, t.test)] or [1.0]
    ends = _rounded([min(values), max(values)])
    traces.insert(0, {"type": "scatter", "mode": "lines", "name": "test = validation", "x": ends, "y": ends,
                      "hoverinfo": "skip",
                      "line": {"color": NAIVE_COLOUR, "dash": "dash", "width": 1}})
    layout = {**BASE_LAYOUT, "height": 460, "legend": {"orientation": "h", "y": 1.02, "yanchor": "bottom"},
              "xaxis": {"title": {"text": "validation RMSE / naive (what chose)"}, "zeroline": False},
              "yaxis": {"title": {"text": "test RMSE / naive (never used to choose)"}, "zeroline": False}}
    return {"data": traces, "layout": layout}


#: How a trial that has no validation score is drawn in `search_figure`: at the top of its panel.
_UNSCORED = {"pruned": ("pruned", "triangle-down-open", NAIVE_COLOUR),
             "failed": ("failed", "x-thin-open", PALETTE[1]),
             "running": ("unfinished", "circle-open", NAIVE_COLOUR)}


def search_figure(studies: Sequence[Mapping[str, Any]], colour: Mapping[str, str]) -> dict[str, Any]:
    """A panel per study of a model-based search (search.json's "studies"): each trial, in the order it was asked,
    at its validation RMSE / naive (mean over seeds); pruned and failed trials, which have none, as marks along
    the top of the panel; the line is the best so far by the objective (the mean validation RMSE that chooses).
    The legend's entries hide the same kind of mark in every panel."""
    cols = 1 if len(studies) == 1 else 2
    rows = math.ceil(len(studies) / cols)
    height = 120 + 260 * rows
    gap = min(0.12, 80 / height)
    layout = {**BASE_LAYOUT, **grid(rows, cols, gap), "height": height,
              "margin": {**BASE_LAYOUT["margin"], "t": 90},
              "legend": {"orientation": "h", "x": 0, "y": 1 + 40 / height, "yanchor": "bottom"},
              "annotations": _titles([for_plotly(f"{s['data']} · {s['model']}") for s in studies], cols, rows, gap),
              "shapes": [_hline(1.0, axis_names(k)[1]) for k in range(len(studies))]}
    traces: list[dict[str, Any]] = []
    named: set[str] = set()

    def add(kind: str, trace: dict[str, Any]) -> None:
        traces.append({**trace, "name": kind, "legendgroup": kind, "showlegend": kind not in named})
        named.add(kind)

    for k, study in enumerate(studies):
        x, y = axis_names(k)
        trials = sorted(study["trials"], key=lambda trial: trial["number"])
        scored = [t for t in trials if t["state"] == "complete" and number(t["val_ratio"]) is not None]
        top = max((t["val_ratio"] for t in scored), default=1.0)
        line = colour.get(study["model"], PALETTE[0])
        add("trial", {"type": "scatter", "mode": "markers", "xaxis": x, "yaxis": y,
                      "x": [t["number"] for t in scored], "y": _rounded([t["val_ratio"] for t in scored]),
                      "marker": {"color": line, "size": 7},
                      "customdata": [for_plotly(params_text(t["params"])) for t in scored],
                      "hovertemplate": "trial %{x}: %{y:.4f} of naive<br>%{customdata}<extra></extra>"})
        for state, (kind, symbol, mark) in _UNSCORED.items():
            unscored = [t for t in trials if t["state"] == state]
            if unscored:
                add(kind, {"type": "scatter", "mode": "markers", "xaxis": x, "yaxis": y,
                           "x": [t["number"] for t in unscored], "y": [_rounded([top])[0]] * len(unscored),
                           "marker": {"color": mark, "size": 9, "symbol": symbol},
                           "customdata": [[_unscored_why(t), for_plotly(params_text(t["params"]))]
                                          for t in unscored],
                           "hovertemplate": "trial %{x}: %{customdata[0]}, no validation score<br>"
                                            "%{customdata[1]}<extra></extra>"})
        steps, best = _best_so_far(trials)
        add("best so far", {"type": "scatter", "mode": "lines", "xaxis": x, "yaxis": y, "x": steps,
                            "y": _rounded(best), "line": {"color": ACTUAL_COLOUR, "width": 1.4, "shape": "hv"},
                            "hovertemplate": "best after trial %{x}: %{y:.4f} of naive<extra></extra>"})
        layout[f"xaxis{x[1:]}"]["title"] = {"text": "trial"}
        layout[f"yaxis{y[1:]}"]["title"] = {"text": "validation RMSE / naive"}
    return {"data": traces, "layout": layout}


def _unscored_why(trial: Mapping[str, Any]) -> str:
    """Why a trial has no score, for its hover: failed, or pruned (after which epoch, where the file says)."""
    if trial["state"] == "pruned" and trial["pruned_at"] is not None:
        return f"pruned after epoch {trial['pruned_at']}"
    return trial["state"]


def _best_so_far(trials: Sequence[Mapping[str, Any]]) -> tuple[list[int], list[float]]:
    """After each trial from the first complete one, the validation ratio of the trial the search would choose
    so far: the lowest objective (mean validation RMSE), not the lowest ratio, as the sweep chooses."""
    steps, best, chosen = [], [], None
    for trial in trials:
        value = number(trial["value"])
        if trial["state"] == "complete" and value is not None and number(trial["val_ratio"]) is not None and (
                chosen is None or value < chosen[0]):
            chosen = (value, trial["val_ratio"])
        if chosen is not None:
            steps.append(trial["number"])
            best.append(chosen[1])
    return steps, best


def _share_range(shares: Sequence[float | None]) -> list[float]:
    """A y range around shares near 50%, wide enough to tell 51% from 53%, inside [0, 1]."""
    values = [share for share in shares if share is not None]
    pad = max(0.01, (max(values) - min(values)) * 0.4)
    return [max(0.0, min(values) - pad), min(1.0, max(values) + pad)]


def _rounded(values: pd.Series | Sequence[float], digits: int = 6) -> list[float | None]:
    return [None if v is None or not math.isfinite(v) else float(f"{v:.{digits}g}") for v in values]


def _hline(y: float, axis: str) -> dict[str, Any]:
    x_axis = "x" + axis[1:]
    return {"type": "line", "xref": f"{x_axis} domain", "x0": 0, "x1": 1, "yref": axis, "y0": y, "y1": y,
            "line": {"color": "#999", "dash": "dash", "width": 1.2}}


def _titles(texts: Sequence[str], cols: int, rows: int = 1, gap: float = 0.08) -> list[dict[str, Any]]:
    """Subplot titles, placed above each subplot's domain in `grid(rows, cols, gap)`."""
    layout = grid(rows, cols, gap)
    out = []
    for k, text in enumerate(texts):
        x, y = axis_names(k)
        x0, x1 = layout[f"xaxis{x[1:]}"]["domain"]
        out.append({"text": text, "showarrow": False, "xref": "paper", "yref": "paper", "x": (x0 + x1) / 2,
                    "y": layout[f"yaxis{y[1:]}"]["domain"][1], "xanchor": "center", "yanchor": "bottom",
                    "font": {"size": 12}})
    return out
