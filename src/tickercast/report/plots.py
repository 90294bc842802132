"""Static PNG plots: the price with predictions, a close-up that shows the day-lag, and loss curves.

The close-up matters: over twenty years any forecast hugs the price, and only the last weeks show whether
the "prediction" is yesterday's price moved one day to the right.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

ZOOM_DAYS = 60
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
        whole.plot(table["date"], table["predicted"], linewidth=0.8, alpha=0.8, label=label)
    whole.set_title(title)
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
        zoom.plot(close_up["date"], close_up["predicted"], linewidth=1, label=label)
    zoom.set_title(f"last {len(test)} test days, one-step-ahead forecasts")
    zoom.set_ylabel("price")
    zoom.legend(loc="upper left", fontsize=8)
    for axes in (whole, zoom):
        axes.tick_params(axis="x", labelrotation=20)
    figure.tight_layout()
    return _save(figure, path)


def plot_losses(histories: Mapping[str, pd.DataFrame], path: str | Path, title: str) -> Path:
    """Training and validation loss per epoch for each network, side by side; dots mark the kept epochs."""
    plt = _pyplot()
    figure, (train, val) = plt.subplots(1, 2, figsize=(11, 4.5))
    for index, (label, history) in enumerate(histories.items()):
        colour = f"C{index}"
        train.plot(history["epoch"], history["train_loss"], color=colour, label=label)
        if history["val_loss"].notna().any():
            val.plot(history["epoch"], history["val_loss"], color=colour, label=label)
            best = history.loc[history["val_loss"].idxmin()]
            val.plot([best["epoch"]], [best["val_loss"]], "o", color=colour)
    for axes, name in ((train, "training"), (val, "validation (dot: weights kept)")):
        axes.set_xlabel("epoch (0 = untrained)")
        axes.set_ylabel("MSE on the scaled target")
        axes.set_title(name)
        axes.legend(fontsize=8)
    figure.suptitle(title)
    figure.tight_layout()
    return _save(figure, path)


def _shade_splits(axes, table: pd.DataFrame) -> None:
    for part, rows in table.groupby("split", observed=True, sort=False):
        axes.axvspan(rows["date"].iloc[0], rows["date"].iloc[-1], color=_SPLIT_COLOURS[str(part)], zorder=0,
                     label=f"{part} ({len(rows)} days)")


def _save(figure, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    _pyplot().close(figure)
    return path

