"""The sections of the models fitted on one dataset: leaderboard (or scores), prices or P(up), errors,
direction, ensemble members, calibration, loss curves and input importance."""

from __future__ import annotations

from collections.abc import Mapping

from tickercast.bundle import valid_members
from tickercast.evaluate.vocabulary import SIGNIFICANCE
from tickercast.report import figures as fig
from tickercast.report.folder import Comparison, reliability_tables
from tickercast.report.leaderboard import table_rows
from tickercast.report.sections.page import CALIBRATION, Page, split_metrics
from tickercast.report.sections.tables import ablation_table, members_table, metrics_table, scores_table


def comparison_sections(page: Page, comparison: Comparison, number: int, *, several: bool) -> None:
    """Leaderboard, price chart, errors, direction and losses of the models fitted on one dataset."""
    where = f" — {comparison.name}" if several else ""
    anchor = f"d{number}-" if several else ""
    models = comparison.models
    colour = fig.colours(m.label for m in models)
    if comparison.classifies:
        _direction_comparison(page, comparison, number, where, anchor, colour)
    else:
        _price_comparison(page, comparison, number, where, anchor, colour)
    ensembles = [(m.label, m.metrics) for m in models if valid_members(m.metrics.get("members"))]
    if ensembles:
        page.section(f"{anchor}members", f"Ensemble members{where}", members_table(ensembles),
                     "each network of an ensemble scored alone on the same days, their mean score, and the "
                     "ensemble's (the score of their mean forecast); lower is better")
    calibration = reliability_tables({m.label: split_metrics(m.metrics, "test").get("reliability") for m in models})
    if calibration:
        page.section(f"{anchor}calibration", f"Calibration{where}",
                     page.chart(f"fig-{number}-calibration", fig.calibration_figure(calibration, colour)),
                     CALIBRATION.replace("the event happened", "the day went up") if comparison.classifies
                     else CALIBRATION)
    histories = {m.label: m.history for m in models if m.history is not None and len(m.history)}
    if histories:
        figure = fig.loss_figure(histories, colour, "binary cross-entropy") if comparison.classifies else \
            fig.loss_figure(histories, colour)
        page.section(f"{anchor}losses", f"Loss curves{where}", page.chart(f"fig-{number}-losses", figure),
                     "binary cross-entropy on the up/down outcomes per epoch; epoch 0 is the untrained network, "
                     "which forecasts the training base rate" if comparison.classifies else
                     "mean squared error per epoch on the scaled target; epoch 0 is the untrained network")
    importance = {m.label: m.importance for m in models if m.importance}
    if importance:
        page.section(f"{anchor}importance", f"Which inputs mattered{where}",
                     page.chart(f"fig-{number}-importance", fig.importance_figure(importance, colour)),
                     "validation RMSE increase when the input is shuffled in time (its values kept, their order "
                     "lost): 0 = the model does not use it; slightly below 0 = noise. Hover for the input's "
                     "columns; click a name in the legend to hide or show a model")


def _direction_comparison(page: Page, comparison: Comparison, number: int, where: str, anchor: str,
                          colour: Mapping[str, str]) -> None:
    """The scores of models that forecast P(up), and their probabilities next to what happened."""
    models = comparison.models
    test = comparison.split.get("test", {})
    page.section(f"{anchor}leaderboard", f"Scores{where}",
                 scores_table([(m.label, split_metrics(m.metrics, "test")) for m in models], "model", "scores"),
                 f"every model's P(up) for each test day ({test.get('start')} .. {test.get('end')}), one day ahead, "
                 "ranked by log loss (lower is better); best value per column highlighted; click a column to sort")
    view = fig.probability_view({m.label: m.predictions for m in models})
    page.section(f"{anchor}probabilities", f"P(up) and what happened{where}",
                 page.chart(f"fig-{number}-probabilities", fig.probability_figure(view, colour)),
                 "each model's probability of an up day, made the evening before (dashed: 0.5); below, each day "
                 "that went up (green) or not (red). Click a name in the legend to hide or show a model")


def _price_comparison(page: Page, comparison: Comparison, number: int, where: str, anchor: str,
                      colour: Mapping[str, str]) -> None:
    """The leaderboard against naive, the input sets, the prices with the forecasts, their errors and direction."""
    models = comparison.models
    rows = table_rows([(m.label, m.metrics.get("test", {}), m.config["model"] == "naive") for m in models])
    test = comparison.split.get("test", {})
    page.section(f"{anchor}leaderboard", f"Leaderboard{where}", metrics_table(rows, "model", "leaderboard"),
                 f"every model's one-step-ahead forecasts on the test part ({test.get('start')} .. {test.get('end')}"
                 f"), best value per column highlighted; click a column to sort")
    if comparison.ablation:
        page.section(f"{anchor}ablation", f"Did the extra inputs help?{where}", ablation_table(comparison.ablation),
                     "each input set against the same model reading returns only, on the same test days (seeds "
                     "averaged into one forecast per set): RMSE ratio below 1 = smaller errors with the inputs; "
                     "p (better): one-sided Diebold–Mariano p-value of 'the inputs make the errors smaller'; the "
                     f"verdict at the {SIGNIFICANCE:.0%} level; click a column to sort")
    view = fig.price_view({m.label: m.predictions for m in models})
    prefix = f"{number}:"
    page.section(f"{anchor}prices", f"Price and forecasts{where}",
                 page.chart(f"fig-{number}-price", fig.price_figure(view, page.columns, prefix, colour)),
                 "actual price and each model's forecast for the day, made the evening before; errors below. "
                 "Click a name in the legend to hide or show a model; drag the slider to move in time")
    page.section(f"{anchor}errors", f"Error distribution{where}",
                 page.chart(f"fig-{number}-errors", fig.error_figure(view, prefix, colour)),
                 "forecast − actual on the test days: box = middle half, line = median, dashed = mean")
    start = view.test_start
    up = fig.up_share(view.actual[start:], view.previous[start:])
    page.section(f"{anchor}direction", f"Direction{where}", page.chart(
        f"fig-{number}-direction",
        fig.direction_figure([m.label for m in models], [m.metrics.get("test", {}) for m in models], colour, up)),
        "share of test days on which the forecast moved the right way; dashed: a coin, and forecasting 'up' "
        "every day")
