"""A command's results on disk: one bundle per model, the plots that compare them, the summary tables, the report.

Every command that writes a run folder ends the same way, with `finish_run`: `run.json` (how it ran), then
`report.html` read back from everything in the folder; the command only prints the path it returns.
"""

from __future__ import annotations

import platform
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from tickercast._version import __version__
from tickercast.csvsafe import spreadsheet_safe
from tickercast.errors import DataError, option
from tickercast.jsonio import write_atomic, write_json
from tickercast.report.folder import RECORD, RunFolder, read_run
from tickercast.report.literal import printable
from tickercast.report.plots import (
    plot_equity,
    plot_forecast,
    plot_gates,
    plot_gradients,
    plot_losses,
    plot_predictions,
)

REPORT = "report.html"
EQUITY_CURVES = ("buy_and_hold", "long_flat", "long_short")
#: Options never written to run.json: secrets.
PRIVATE_OPTIONS = ("api_key",)
#: Prices before the forecast kept in forecast.json, for the report's and forecast.png's context.
FORECAST_CONTEXT_DAYS = 120


def prepare_folder(out: str | Path) -> Path:
    """Create the output folder before any training, so a bad --out fails in a second, not after an hour."""
    folder = Path(out).expanduser()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DataError(f"cannot use {option('out', out)}: {error.strerror or error}") from None
    return folder


def write_run(out: Path, forecasters: Mapping[str, Any], *, nested: bool,
              summary: list[dict[str, Any]] | None = None, ablation: list[dict[str, Any]] | None = None) -> Path:
    """Save each fitted forecaster (in `out`, or in `out/<label>` when `nested`) and plot them together.

    Writes `prediction.png` (every model's forecasts) and `loss.png` (every network's losses) for price models
    (the report, not a PNG, shows a direction run's P(up)), given a summary `summary.csv`, and given the verdicts
    of several input sets (`comparison.ablation`) `ablation.json`.
    """
    try:
        for label, forecaster in forecasters.items():
            forecaster.save(out / label if nested else out)
        first = next(iter(forecasters.values()))
        title = f"{first.data_['ticker']} {first.data_['price_column']}"
        if first.config.target != "direction":
            plot_predictions({label: fc.predictions_ for label, fc in forecasters.items()}, out / "prediction.png",
                             title)
            histories = {label: fc.history for label, fc in forecasters.items() if len(fc.history)}
            if histories:
                plot_losses(histories, out / "loss.png", f"{title}: training")
        if summary is not None:
            spreadsheet_safe(pd.DataFrame(summary)).to_csv(out / "summary.csv", index=False)
        if ablation:
            write_json(out / "ablation.json", ablation)
    except OSError as error:
        raise DataError(f"cannot write to {out}: {error.strerror or error}") from None
    return out


def write_comparison(out: Path, results: Mapping[str, list[Any]], summaries: Mapping[str, list[dict[str, Any]]],
                     ablations: Mapping[str, list[dict[str, Any]]], board: list[dict[str, Any]] | None) -> Path:
    """`compare`'s folder: each dataset's runs (`comparison.compare`) with `write_run` (in `out`, or with several
    datasets in `out/<dataset>`), then `results.csv` (every run's test metrics) and, across datasets,
    `leaderboard.csv`; their text cells are safe to open in a spreadsheet (dataset names are the user's)."""
    for name, runs in results.items():
        folder = out / dataset_folder(name) if len(results) > 1 else out
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise DataError(f"cannot write to {folder}: {error.strerror or error}") from None
        write_run(folder, {r.label: r.forecaster for r in runs}, nested=True, summary=summaries[name],
                  ablation=ablations[name])
    rows = [{"data": printable(name), "model": r.name, "seed": r.seed,  # no lone surrogates
             **{key: value for key, value in r.metrics["test"].items() if key != "reliability"}}
            for name, runs in results.items() for r in runs]
    try:
        spreadsheet_safe(pd.DataFrame(rows)).to_csv(out / "results.csv", index=False)
        if board:
            spreadsheet_safe(pd.DataFrame(board)).to_csv(out / "leaderboard.csv", index=False)
    except OSError as error:
        raise DataError(f"cannot write to {out}: {error.strerror or error}") from None
    return out


def dataset_folder(name: str) -> str:
    """A dataset's sub-folder: a sample or ticker name as is, a file by its stem.

    >>> dataset_folder("sp500"), dataset_folder("~/prices/IBM.csv.gz"), dataset_folder(".csv")
    ('sp500', 'IBM', 'data')
    """
    return Path(name).name.split(".")[0] or "data"


def write_backtest(out: Path, result: Any) -> Path:
    """`forecasts.csv` (every origin and horizon), `metrics.json`, if traded `equity.csv` (date and the equity
    of each strategy), and for prices (not P(up), which the report shows) `prediction.png` and `equity.png`."""
    try:
        forecasts = spreadsheet_safe(result.forecasts).to_csv(index=False, float_format="%.6f")
        write_atomic(out / "forecasts.csv", forecasts.encode())
        write_json(out / "metrics.json", result.to_dict())
        one_step = result.forecasts[result.forecasts["horizon"] == 1].assign(split="test")
        title = f"{result.settings['data']['ticker']}: {result.settings['model']} walk-forward, one day ahead"
        plots = result.settings.get("target") != "direction"
        if plots:
            plot_predictions({result.settings["model"]: one_step}, out / "prediction.png", title)
        if result.trading is not None:
            report = result.trading.to_dict(curves=True)
            if plots:
                plot_equity(one_step["date"], report, out / "equity.png", title)
            equity = pd.DataFrame({"date": one_step["date"].to_numpy(),
                                   **{name: report[name]["equity"] for name in EQUITY_CURVES}})
            write_atomic(out / "equity.csv", spreadsheet_safe(equity).to_csv(index=False, float_format="%.6f").encode())
    except OSError as error:
        raise DataError(f"cannot write to {out}: {error.strerror or error}") from None
    return out


def write_forecast(out: Path, table: pd.DataFrame, prices: pd.DataFrame, forecaster: Any) -> Path:
    """`forecast.csv`, and for prices (not P(up), which has no bands to draw) `forecast.png` (the last months of
    prices, the forecast and its bands) and `forecast.json` (the model, data and those last prices, which the
    report draws the forecast after)."""
    try:
        if "p_up" in table:
            write_atomic(out / "forecast.csv", spreadsheet_safe(table).to_csv(index=False).encode())
            return out
        write_atomic(out / "forecast.csv", spreadsheet_safe(table).to_csv(index=False, float_format="%.6f").encode())
        column = forecaster.data_["price_column"]
        recent = prices[column].iloc[-FORECAST_CONTEXT_DAYS:]
        title = f"{forecaster.data_['ticker']} {column}: {forecaster.model} forecast"
        plot_forecast(recent, table, out / "forecast.png", title)
        write_json(out / "forecast.json", {
            "model": forecaster.model, "title": title, "data": forecaster.data_,
            "last_date": f"{prices.index[-1]:%Y-%m-%d}", "last_price": float(recent.iloc[-1]),
            "recent": {"date": [f"{day:%Y-%m-%d}" for day in recent.index], "price": recent.tolist()}})
    except OSError as error:
        raise DataError(f"cannot write to {out}: {error.strerror or error}") from None
    return out


def write_explanation(out: Path, result: dict[str, Any], gates: Mapping[str, str], title: str) -> Path:
    """`gates.png` (heatmaps) and `gates.json` (every gate value, as `explain --json` prints them)."""
    try:
        path = plot_gates(result, out / "gates.png", gates, title)
        write_json(out / "gates.json", result)
    except OSError as error:
        raise DataError(f"cannot write to {out}: {error.strerror or error}") from None
    return path


def write_lab(out: Path, result: dict[str, Any]) -> Path:
    """`gradients.png` and `gradients.json` (every curve, as `gradients --json` prints them)."""
    try:
        path = plot_gradients(result, out / "gradients.png")
        write_json(out / "gradients.json", result)
    except OSError as error:
        raise DataError(f"cannot write to {out}: {error.strerror or error}") from None
    return path


@dataclass(frozen=True)
class Stopwatch:
    """When a command started, for the run time in run.json (wall clock, not only training)."""

    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    clock: float = field(default_factory=time.perf_counter)

    def seconds(self) -> float:
        return time.perf_counter() - self.clock


def run_record(command: str, options: Mapping[str, Any], settings: Mapping[str, Any], seeds: list[int],
               stopwatch: Stopwatch) -> dict[str, Any]:
    """What run.json holds: the command and its options (secrets left out), the model settings, the seeds,
    when it started and how long it took, and the versions that made it."""
    return {"command": command, "tickercast_version": __version__, "python": platform.python_version(),
            "started": f"{stopwatch.started:%Y-%m-%d %H:%M:%S} UTC", "seconds": round(stopwatch.seconds(), 2),
            "seeds": seeds, "settings": dict(settings),
            "options": {key: value for key, value in options.items()
                        if key not in PRIVATE_OPTIONS and isinstance(value, str | int | float | bool | None)}}


def write_record(out: Path, record: Mapping[str, Any]) -> Path:
    try:
        write_json(out / RECORD, record)
    except OSError as error:
        raise DataError(f"cannot write to {out}: {error.strerror or error}") from None
    return out / RECORD


def finish_run(out: Path, command: str, options: Mapping[str, Any], settings: Mapping[str, Any], seeds: list[int],
               stopwatch: Stopwatch) -> Path:
    """The last step of every command that writes a run folder: `run.json` (`run_record`), then `report.html`
    from everything in the folder; returns the report's path, which the command prints last."""
    write_record(out, run_record(command, options, settings, seeds, stopwatch))
    return write_report(out)


def write_report(folder: str | Path, *, png: bool = False) -> Path:
    """Read the run folder back and write `report.html` into it (and, with `png`, the static plots)."""
    from tickercast.report.html import render_page
    from tickercast.report.library import plotly_library

    run = read_run(folder)
    page = render_page(run, library=plotly_library(), generated=f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    path = run.path / REPORT
    try:
        write_atomic(path, page.encode())
        if png:
            write_pngs(run)
    except OSError as error:
        raise DataError(f"cannot write to {run.path}: {error.strerror or error}") from None
    return path


def write_pngs(run: RunFolder) -> list[Path]:
    """The static matplotlib plots of everything in the folder, for the README and papers (none of P(up):
    the report draws a direction run)."""
    from tickercast.lab.explain import GATES

    paths = []
    for comparison in run.comparisons:
        if comparison.classifies:
            continue  # P(up) is drawn in the report only
        data = comparison.data
        title = f"{data.get('ticker')} {data.get('price_column')}"
        paths.append(plot_predictions({m.label: m.predictions for m in comparison.models},
                                      comparison.folder / "prediction.png", title))
        histories = {m.label: m.history for m in comparison.models if m.history is not None}
        if histories:
            paths.append(plot_losses(histories, comparison.folder / "loss.png", f"{title}: training"))
    if run.backtest is not None and not run.backtest.classifies:
        settings, forecasts = run.backtest.settings, run.backtest.forecasts
        one_step = forecasts[forecasts["horizon"] == 1].assign(split="test")
        title = f"{settings['data']['ticker']}: {settings['model']} walk-forward, one day ahead"
        paths.append(plot_predictions({settings["model"]: one_step}, run.path / "prediction.png", title))
        if run.backtest.trading and run.backtest.equity is not None:
            equity, trading = run.backtest.equity, run.backtest.trading
            curves = {**trading, **{name: {**trading[name], "equity": equity[name].tolist()} for name in EQUITY_CURVES}}
            paths.append(plot_equity(equity["date"], curves, run.path / "equity.png", title))
    for forecast in run.forecasts:
        if forecast.context:
            recent = pd.Series(forecast.context["recent"]["price"],
                               index=pd.to_datetime(forecast.context["recent"]["date"]))
            paths.append(plot_forecast(recent, forecast.table, forecast.folder / "forecast.png",
                                       forecast.context["title"]))
    for folder, explanation in run.gates:
        title = f"{explanation['model']} gates, {explanation['dates'][0]} .. {explanation['dates'][-1]}"
        paths.append(plot_gates(explanation, folder / "gates.png", GATES[explanation["cell"]], title))
    if run.gradients:
        paths.append(plot_gradients(run.gradients, run.path / "gradients.png"))
    return paths
