"""The sections of a walk-forward backtest: per horizon against naive (or P(up) scores), the one-day forecasts,
and the trading simulation."""

from __future__ import annotations

from tickercast.evaluate.vocabulary import number, number_text, verdict
from tickercast.report import figures as fig
from tickercast.report.folder import BacktestRun, reliability_tables
from tickercast.report.leaderboard import table_rows
from tickercast.report.sections.page import CALIBRATION, Page, split_metrics
from tickercast.report.sections.tables import metrics_table, scores_table, trading_table


def backtest_sections(page: Page, backtest: BacktestRun) -> None:
    """Per-horizon table and chart, the one-day forecasts against the price, and the trading simulation."""
    settings = backtest.settings
    model = settings["model"]
    if backtest.classifies:
        _direction_backtest(page, backtest)
        _trading(page, backtest)
        return
    entries = [(f"{h} day{'s' if h != '1' else ''} ahead", m, False) for h, m in backtest.metrics.items()]
    verdicts = {h: verdict(m).kind for h, m in backtest.metrics.items()}
    page.section("walk-forward", f"Walk-forward: {model}, per horizon",
                 metrics_table(table_rows(entries, rank=False, highlight=False), "horizon", "walk-forward")
                 + page.chart("fig-horizons", fig.horizon_figure(backtest.metrics, verdicts)),
                 f"{backtest.fits} fit(s), refit every {settings.get('retrain_every') or 'never'} day(s), "
                 f"{settings.get('window')} window, {settings.get('strategy')} strategy; each horizon against the "
                 "naive forecast from the same origin")
    one_day = backtest.forecasts[backtest.forecasts["horizon"] == 1].assign(split="test")
    predictions = {model: one_day, "naive": one_day.assign(predicted=one_day["naive"])}
    view = fig.price_view(predictions)
    colour = fig.colours(predictions)
    page.section("backtest-prices", "One day ahead, walking forward",
                 page.chart("fig-bt-price", fig.price_figure(view, page.columns, "bt:", colour)),
                 "actual price, the one-day-ahead forecasts and naive's; errors below")
    page.section("backtest-errors", "Error distribution, one day ahead",
                 page.chart("fig-bt-errors", fig.error_figure(view, "bt:", colour)),
                 "forecast − actual: box = middle half, line = median, dashed = mean")
    _trading(page, backtest)


def _direction_backtest(page: Page, backtest: BacktestRun) -> None:
    """A walk-forward of P(up): its scores, the probabilities next to what happened, their calibration."""
    settings, model = backtest.settings, backtest.settings["model"]
    metrics = split_metrics(backtest.metrics, "1")
    page.section("walk-forward", f"Walk-forward: {model}, P(up) one day ahead",
                 scores_table([(model, metrics)], "model", "walk-forward"),
                 f"{backtest.fits} fit(s), refit every {settings.get('retrain_every') or 'never'} day(s), "
                 f"{settings.get('window')} window; each day's P(up) from the days before it only")
    colour = fig.colours([model])
    forecasts = backtest.forecasts[backtest.forecasts["horizon"] == 1].assign(split="test")
    if len(forecasts):
        page.section("backtest-probabilities", "P(up) and what happened, walking forward",
                     page.chart("fig-bt-probabilities", fig.probability_figure(
                         fig.probability_view({model: forecasts}), colour)),
                     "the one-day-ahead probability of an up day (dashed: 0.5); below, each day that went up "
                     "(green) or not (red)")
    calibration = reliability_tables({model: metrics.get("reliability")})
    if calibration:
        page.section("backtest-calibration", "Calibration, walking forward",
                     page.chart("fig-bt-calibration", fig.calibration_figure(calibration, colour)),
                     CALIBRATION.replace("the event happened", "the day went up"))


def _trading(page: Page, backtest: BacktestRun) -> None:
    """The trading simulation's table and, when equity.csv is there, its equity curves."""
    if backtest.trading:
        trading = backtest.trading
        body = trading_table(trading)
        if backtest.equity is not None:
            body += page.chart("fig-equity", fig.equity_figure(backtest.equity, trading))
        threshold = number(trading.get("threshold"))
        rule = (f"long/flat and long/short on P(up): long above {threshold:g}, short (long/short) below "
                f"{1 - threshold:g}, " if backtest.classifies and threshold is not None else
                "long/flat and long/short on the sign of the one-day forecast, ")
        page.section("trading", "Trading on the forecasts", body,
                     f"{rule}{number_text(trading.get('cost_bps'), '{:g}')} bps "
                     "per side, next to buy-and-hold over the same days")
