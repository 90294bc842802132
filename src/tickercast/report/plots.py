"""Static PNG plots: the price with predictions, a close-up that shows the day-lag, and loss curves.

The close-up matters: over twenty years any forecast hugs the price, and only the last weeks show whether
the "prediction" is yesterday's price moved one day to the right.

Titles and labels hold names from files (tickers, model and dataset names): each is drawn as itself, never as
math (`report.literal.for_matplotlib`), and cut to LONGEST characters.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tickercast.report.leaderboard import number_text
from tickercast.report.literal import for_matplotlib

ZOOM_DAYS = 60
#: The longest text a plot draws whole; a longer name is cut short with "…" (tables and files hold it whole).
LONGEST = 100
_SPLIT_COLOURS = {"train": "#f2f2f2", "val": "#fff4d6", "test": "#e3f0ff"}


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # files only: never open a window, never need a display
    import matplotlib.pyplot as plt

    return plt


def plot_predictions(predictions: Mapping[str, pd.DataFrame], path: str | Path, title: str) -> Path:
    """Actual vs each model's one-step forecasts over all splits, plus a close-up of the last test days.

    `predictions` maps a label to a table with `date, actual, predicted, naive, split` (as `predictions.csv`).
    """
    plt = _pyplot()
    first = next(iter(predictions.values()))
    figure, (whole, zoom) = plt.subplots(2, 1, figsize=(11, 8), gridspec_kw={"height_ratios": [3, 2]})
    _shade_splits(whole, first)
    whole.plot(first["date"], first["actual"], color="black", linewidth=0.8, label="actual")
    for label, table in predictions.items():
        whole.plot(table["date"], table["predicted"], linewidth=0.8, alpha=0.8, label=_legend(label))
    whole.set_title(_text(title))
    whole.set_ylabel("price")
    whole.legend(loc="upper left", fontsize=8)

    test = first[first["split"] == "test"].tail(ZOOM_DAYS)
    zoom.plot(test["date"], test["actual"], color="black", marker=".", linewidth=1, label="actual")
    zoom.plot(test["date"], test["naive"], color="grey", linestyle=":", linewidth=1,
              label="naive (yesterday's price)")
    for label, table in predictions.items():
        if label == "naive":
            continue  # already drawn, dotted
        close_up = table[table["date"].isin(test["date"])]
        zoom.plot(close_up["date"], close_up["predicted"], linewidth=1, label=_legend(label))
    zoom.set_title(f"last {len(test)} test days, one-step-ahead forecasts")
    zoom.set_ylabel("price")
    zoom.legend(loc="upper left", fontsize=8)
    for axes in (whole, zoom):
        axes.tick_params(axis="x", labelrotation=20)
    return _save(figure, path)


def plot_losses(histories: Mapping[str, pd.DataFrame], path: str | Path, title: str) -> Path:
    """Training and validation loss per epoch for each network, side by side; dots mark the kept epochs."""
    plt = _pyplot()
    figure, (train, val) = plt.subplots(1, 2, figsize=(11, 4.5))
    for index, (label, history) in enumerate(histories.items()):
        colour = f"C{index}"
        train.plot(history["epoch"], history["train_loss"], color=colour, label=_legend(label))
        if history["val_loss"].notna().any():
            val.plot(history["epoch"], history["val_loss"], color=colour, label=_legend(label))
            best = history.loc[history["val_loss"].idxmin()]
            val.plot([best["epoch"]], [best["val_loss"]], "o", color=colour)
    for axes, name in ((train, "training"), (val, "validation (dot: weights kept)")):
        axes.set_xlabel("epoch (0 = untrained)")
        axes.set_ylabel("MSE on the scaled target")
        axes.set_title(name)
        if axes.get_legend_handles_labels()[0]:
            axes.legend(fontsize=8)
        else:
            axes.text(0.5, 0.5, "no validation split", ha="center", va="center", transform=axes.transAxes)
    figure.suptitle(_text(title))
    return _save(figure, path)


def plot_gates(explanation: Mapping[str, Any], path: str | Path, gates: Mapping[str, str], title: str) -> Path:
    """Heatmaps of gate values, time × unit, one panel per gate (columns) and layer (rows)."""
    plt = _pyplot()
    layers = explanation["layers"]
    figure, axes = plt.subplots(len(layers), len(gates), figsize=(3.2 * len(gates), 2.6 * len(layers) + 0.6),
                                squeeze=False)
    dates = explanation["dates"]
    for row, layer in enumerate(layers):
        for column, (name, label) in enumerate(gates.items()):
            values = np.asarray(layer["values"][name]).T  # [steps, units] -> [units, steps]
            low, high = (-1, 1) if name in ("g", "n") else (0, 1)
            image = axes[row, column].imshow(values, aspect="auto", cmap="viridis", vmin=low, vmax=high,
                                             interpolation="nearest")
            axes[row, column].set_title(f"layer {layer['layer'] + 1}: {label} ({name})", fontsize=9)
            axes[row, column].set_ylabel("unit")
            ticks = np.linspace(0, len(dates) - 1, min(4, len(dates))).astype(int)
            axes[row, column].set_xticks(ticks, [_text(str(dates[t])[5:]) for t in ticks], fontsize=7)
            figure.colorbar(image, ax=axes[row, column], fraction=0.046)
    figure.suptitle(_text(title))
    return _save(figure, path)


def plot_gradients(result: Mapping[str, Any], path: str | Path) -> Path:
    """Left: gradient by lag (log scale) per cell, at initialisation and trained. Right: the exploding RNN."""
    plt = _pyplot()
    figure, (decay, explode) = plt.subplots(1, 2, figsize=(12, 4.8))
    for index, (label, cell) in enumerate(result["cells"].items()):
        for stage, style in (("init", "-"), ("trained", "--")):
            curve = np.asarray(cell[stage]["curve"])
            decay.semilogy(curve / curve[0], linestyle=style, color=f"C{index}",
                           label=_legend(f"{label} ({stage}, {cell['accuracy']:.0%} correct)" if stage == "trained"
                                         else f"{label} ({stage})"))
    decay.axhline(1e-6, color="grey", linewidth=0.8, linestyle=":")
    decay.set_xlabel("lag k (steps back from the output)")
    decay.set_ylabel("‖∂y_T/∂x_(T−k)‖ / ‖∂y_T/∂x_T‖")
    decay.set_title("vanishing: how far back the output still feels an input")
    decay.legend(fontsize=7)
    exploding = result["exploding"]
    for label, colour in (("unclipped", "C3"), ("clipped", "C2")):
        explode.semilogy(exploding[label]["grad_norms"], color=colour, label=f"{label} (norm before clipping)")
    explode.axhline(exploding["clipped"]["clip"], color="C2", linestyle=":", label="clip threshold (update size)")
    explode.set_xlabel("update")
    explode.set_ylabel("gradient norm")
    explode.set_title(f"exploding: RNN with spectral radius {result['settings']['radius']:g}, plain SGD")
    explode.legend(fontsize=7)
    return _save(figure, path)


def plot_equity(dates: pd.Series, report: Mapping[str, Any], path: str | Path, title: str) -> Path:
    """Equity curves of the trading strategies and buy-and-hold (log scale), after costs."""
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(11, 5))
    for name, colour in (("buy_and_hold", "black"), ("long_flat", "C0"), ("long_short", "C3")):
        axes.plot(list(dates), report[name]["equity"], color=colour, linewidth=1,
                  label=f"{name.replace('_', ' ')} (Sharpe {number_text(report[name].get('sharpe'), '{:.2f}')})")
    axes.set_yscale("log")
    axes.set_ylabel("equity (start = 1)")
    axes.set_title(_text(f"{title}: trading after {number_text(report.get('cost_bps'), '{:g}')} bps per side"))
    axes.legend(fontsize=8)
    return _save(figure, path)


def plot_forecast(history: pd.Series, table: pd.DataFrame, path: str | Path, title: str) -> Path:
    """The tail of the price history, the forecast, and its 80% and 95% bands."""
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(11, 5))
    axes.plot(history.index, history.to_numpy(), color="black", linewidth=1, label="price")
    dates = [history.index[-1], *table["date"]]
    start = float(history.iloc[-1])
    for level, alpha in (("95", 0.15), ("80", 0.3)):
        axes.fill_between(dates, [start, *table[f"lower_{level}"]], [start, *table[f"upper_{level}"]],
                          color="C0", alpha=alpha, linewidth=0, label=f"{level}% interval")
    axes.plot(dates, [start, *table["forecast"]], color="C0", marker=".", label="forecast")
    axes.set_title(_text(title))
    axes.set_ylabel("price")
    axes.legend(loc="upper left", fontsize=8)
    figure.autofmt_xdate()
    return _save(figure, path)


def _shade_splits(axes, table: pd.DataFrame) -> None:
    for part, rows in table.groupby("split", observed=True, sort=False):
        axes.axvspan(rows["date"].iloc[0], rows["date"].iloc[-1], color=_SPLIT_COLOURS.get(str(part), "white"),
                     zorder=0, label=_legend(f"{part} ({len(rows)} days)"))


def _text(text: str) -> str:
    return for_matplotlib(text if len(text) <= LONGEST else f"{text[:LONGEST - 1]}…")


def _legend(label: str) -> str:
    """A legend label drawn as itself: matplotlib leaves labels that start with '_' out of legends, so such a
    name gets a zero-width space in front."""
    text = _text(label)
    return f"\u200b{text}" if text.startswith("_") else text


def _save(figure, path: str | Path) -> Path:
    """Lay out and write the figure. A name in a script the font lacks is drawn as boxes, without a warning
    per character on the user's terminal."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Glyph .* missing from font", category=UserWarning)
        figure.tight_layout()
        figure.savefig(path, dpi=110)
    _pyplot().close(figure)
    return path

