"""A command's results on disk: one bundle per model, the plots that compare them, the summary table."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from tickercast.errors import DataError
from tickercast.jsonio import write_atomic, write_json
from tickercast.report.plots import plot_equity, plot_forecast, plot_losses, plot_predictions


def prepare_folder(out: str | Path) -> Path:
    """Create the output folder before any training, so a bad --out fails in a second, not after an hour."""
    folder = Path(out).expanduser()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DataError(f"cannot use --out {out}: {error.strerror or error}") from None
    return folder


def write_run(out: Path, forecasters: Mapping[str, Any], *, nested: bool,
              summary: list[dict[str, Any]] | None = None) -> Path:
    """Save each fitted forecaster (in `out`, or in `out/<label>` when `nested`) and plot them together.

    Writes `prediction.png` (every model's forecasts), `loss.png` (every network's losses) and, given a
    summary, `summary.csv`.
    """
    try:
        for label, forecaster in forecasters.items():
            forecaster.save(out / label if nested else out)
        first = next(iter(forecasters.values()))
        title = f"{first.data_['ticker']} {first.data_['price_column']}"
        plot_predictions({label: fc.predictions_ for label, fc in forecasters.items()}, out / "prediction.png",
                         title)
        histories = {label: fc.history for label, fc in forecasters.items() if len(fc.history)}
        if histories:
            plot_losses(histories, out / "loss.png", f"{title}: training")
        if summary is not None:
            pd.DataFrame(summary).to_csv(out / "summary.csv", index=False)
    except OSError as error:
        raise DataError(f"cannot write to {out}: {error.strerror or error}") from None
    return out


def write_backtest(out: Path, result: Any) -> Path:
    """`forecasts.csv` (every origin and horizon), `metrics.json`, `prediction.png` and, if traded, `equity.png`."""
    try:
        write_atomic(out / "forecasts.csv", result.forecasts.to_csv(index=False, float_format="%.6f").encode())
        write_json(out / "metrics.json", result.to_dict())
        one_step = result.forecasts[result.forecasts["horizon"] == 1].assign(split="test")
        title = f"{result.settings['data']['ticker']}: {result.settings['model']} walk-forward, one day ahead"
        plot_predictions({result.settings["model"]: one_step}, out / "prediction.png", title)
        if result.trading is not None:
            plot_equity(one_step["date"], result.trading.to_dict(curves=True), out / "equity.png", title)
    except OSError as error:
        raise DataError(f"cannot write to {out}: {error.strerror or error}") from None
    return out


def write_forecast(out: Path, table: pd.DataFrame, prices: pd.DataFrame, forecaster: Any) -> Path:
    """`forecast.csv` and `forecast.png` (the last months of prices, the forecast and its bands)."""
    try:
        write_atomic(out / "forecast.csv", table.to_csv(index=False, float_format="%.6f").encode())
        column = forecaster.data_["price_column"]
        plot_forecast(prices[column].iloc[-120:], table, out / "forecast.png",
                      f"{forecaster.data_['ticker']} {column}: {forecaster.model} forecast")
    except OSError as error:
        raise DataError(f"cannot write to {out}: {error.strerror or error}") from None
    return out
