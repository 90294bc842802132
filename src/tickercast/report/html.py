"""The report page: one self-contained HTML file built from a run folder that `report.folder` read.

Everything is inside the file: the tables as markup (readable even without JavaScript), the charts as Plotly
specs (`report.figures`), Plotly.js itself compressed (`report.library`), the style and the script
(`assets/`). A Content-Security-Policy forbids every request, so the page works, and stays private, when
emailed, and runs no script or style but its own (`report.policy`). Every text from the folder is escaped
(`report.literal.for_html`).

    page = render_page(read_run("runs/demo"), library=plotly_library())
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib.resources import files
from typing import Any

import numpy as np

from tickercast._version import __version__
from tickercast.bundle import valid_members
from tickercast.evaluate import vocabulary
from tickercast.evaluate.members import ensemble_gain, member_rows, member_score
from tickercast.evaluate.vocabulary import (
    DIRECTION,
    PRICE,
    RANK,
    SIGNIFICANCE,
    TRADING,
    Metric,
    ablation_kind,
    number_text,
    pick,
    verdict,
)
from tickercast.report import figures as fig
from tickercast.report import honesty
from tickercast.report.folder import (
    BacktestRun,
    Comparison,
    ModelRun,
    RankRun,
    RunFolder,
    SweepRun,
    beyond_returns,
    reliability_tables,
)
from tickercast.report.leaderboard import Chosen, Row, selection_rows, table_rows
from tickercast.report.library import Library
from tickercast.report.literal import for_html as _e
from tickercast.report.policy import allow, content_policy
from tickercast.sweep.honesty import LUCK_READING, NO_LUCK_READING, READING, mean_ratio
from tickercast.sweep.plan import params_text, parse_search, search_kind
from tickercast.sweep.schema import TRIAL_STATES
from tickercast.sweep.select import eligible
from tickercast.sweep.store import Record

_VERDICT_ORDER = {"better": 0, "same": 1, "untested": 2, "benchmark": 3, "worse": 4}
#: A sweep's selection table: (header, sort) of the columns between the dataset and the test metrics.
_SELECTION_LEAD = (("model", "text"), ("settings", "text"), ("validation RMSE", "number"), ("runs", "number"))
_TEXT = {"text": ' class="text"', "number": ""}  # words align left, numbers right
_CHOSEN_ON_VALIDATION = ("settings chosen on the validation part only: per dataset and model, those with the lowest "
                         "mean validation RMSE over seeds. Every test metric on this page is that of the settings "
                         "chosen; the test part played no part in choosing them")
_CALIBRATION = ("reliability on the test days: the forecasts put in bins of probability, each bin's mean forecast "
                "against how often the event happened; on the dashed diagonal a forecast of 0.6 comes true 60% of "
                "the time. Bigger markers: more forecasts in the bin")
_DIRECTION_READING = [
    ("P(up)", "The model's probability that the day closes above the day before, made from the days before it "
              "only. A day that closes unchanged is not up."),
    ("log loss", "The score the table is ranked by: the mean of −log of the probability the model gave to what "
                 "happened. A constant 0.5 scores ln 2 = 0.693; lower is better, and a confident mistake costs a "
                 "lot. Brier is the mean squared distance between P(up) and the outcome (0.25 for 0.5 every day)."),
    ("accuracy and balanced accuracy", "The share of days called right, calling up when P(up) is above 0.5. In a "
                                       "rising market 'always up' is right on every up day, so compare with the "
                                       "base rate; balanced accuracy averages the hit rates on up and on down days, "
                                       "so that 'always up' scores 50%."),
    ("AUC", "The chance that a random up day got a higher P(up) than a random down day: 0.5 is no better than "
            "chance, whatever the level of the probabilities."),
    ("p vs constant", "The binomial p-value of 'no more accurate than the better constant call (always up or "
                      f"always down) on the same days'. Below {SIGNIFICANCE} the hits are unlikely to be the market's "
                      "drift plus luck."),
    ("calibration", "On the days a calibrated model says 60%, about 60% go up: its points lie on the diagonal. "
                    "Bins with few days say little."),
]
_RANK_READING = [
    ("long-short portfolio", "Every day the stocks are ranked by the model's probability of beating the next "
                             "day's cross-sectional median; the top k are bought and the bottom k sold short, in "
                             "equal amounts, so the portfolio bets on the ranking, not on the market's direction."),
    ("after costs", "Each half-turn (a buy or a sell) costs the basis points shown, charged on the weights that "
                    "actually change; replacing every position costs 4 times that in a day. An edge before costs "
                    "that does not survive them cannot be traded."),
    ("t (NW)", "The Newey–West t-statistic of the mean daily return: a t-test that allows for days that are not "
               f"independent. Above about 1.65 (one-sided p below {SIGNIFICANCE}) the mean is unlikely to be luck."),
    ("reversal and random", "Reversal buys yesterday's losers and sells its winners, a known effect that needs "
                            "no network; random ranks at random and loses the costs. A network earns its keep "
                            "only by beating reversal after costs."),
    ("survivorship", "A panel of today's index members leaves out the companies that fell out of it, which "
                     "flatters any strategy run on the past; the caveat says when that is the case."),
]
#: The per-period table: some of the study's metrics, then how each period's network trained.
_PERIOD_COLUMNS = (*pick(RANK, "mean_return", "mean_return_after_costs", "t_stat_after_costs", "accuracy"),
                   Metric("epochs", "epochs", "{:.0f}"), Metric("best_epoch", "best epoch", "{:.0f}"))
#: Failed units listed in full; the rest are counted (all are in results.sqlite).
_FAILURES_SHOWN = 200
#: A search's studies drawn a panel each; the rest are counted (all are in search.json).
_STUDIES_SHOWN = 12


@dataclass
class Page:
    """The page being assembled: sections of markup, the figures they show and the columns those share."""

    columns: fig.Columns
    figures: dict[str, dict[str, Any]] = field(default_factory=dict)
    sections: list[tuple[str, str, str]] = field(default_factory=list)  # (id, nav title, markup)

    def chart(self, name: str, figure: dict[str, Any]) -> str:
        self.figures[name] = figure
        return f'<div class="chart" id="{name}"></div>'

    def section(self, anchor: str, title: str, body: str, caption: str = "") -> None:
        text = f'<p class="caption">{_e(caption)}</p>' if caption else ""
        self.sections.append((anchor, title, f'<section id="{anchor}"><h2>{_e(title)}</h2>{text}{body}</section>'))


def render_page(run: RunFolder, *, library: Library, generated: str = "") -> str:
    """The whole report as one HTML string; `library` is Plotly.js as `report.library.plotly_library` gives it."""
    prices = [m.predictions["actual"].to_numpy() for c in run.comparisons for m in c.models]
    page = Page(fig.Columns(fig.price_decimals(np.concatenate(prices)) if prices else 6))
    page.section("run", "The run", _facts(run))
    if run.leaderboard:
        page.section("overall", "Across datasets", _overall(run.leaderboard),
                     f"rank 1 = the lowest log loss on a dataset; significant: one-sided binomial p < {SIGNIFICANCE} "
                     "that it "
                     "is more accurate than the better constant call" if _direction_board(run.leaderboard) else
                     "rank 1 = the lowest mean RMSE / naive on a dataset; significant: one-sided Diebold–Mariano "
                     f"p < {SIGNIFICANCE} that its errors are smaller than naive's")
    if run.sweep is not None:
        _sweep(page, run.sweep)
    if run.rank is not None:
        _rank(page, run.rank)
    for number, comparison in enumerate(run.comparisons):
        _comparison(page, comparison, number, several=len(run.comparisons) > 1)
    if run.backtest is not None:
        _backtest(page, run.backtest)
    for number, forecast in enumerate(run.forecasts):
        if forecast.classifies:
            page.section(f"forecast-{number}", f"Forecast: {forecast.label}", _probability_table(forecast.table),
                         "the direction model's probability that the next trading day closes above the last price, "
                         "from the prices up to it")
            continue
        page.section(f"forecast-{number}", f"Forecast: {forecast.label}",
                     page.chart(f"fig-forecast-{number}", fig.forecast_figure(forecast.table, forecast.context)),
                     "the next trading days with 80% and 95% split-conformal intervals, set by the model's own "
                     "errors on the test part; they assume the coming days behave like those")
    for number, (folder, explanation) in enumerate(run.gates):
        from tickercast.explain import GATES

        page.section(f"gates-{number}", f"Gates: {folder.name}",
                     page.chart(f"fig-gates-{number}", fig.gates_figure(explanation, GATES[explanation["cell"]])),
                     f"{explanation['model']} gates on the days {explanation['dates'][0]} .. "
                     f"{explanation['dates'][-1]}, a row per layer: bright = open (1), dark = shut (0); "
                     "candidates run from −1 (dark) to 1 (bright)")
    if run.gradients:
        page.section("gradients", "Gradients through time", page.chart("fig-gradients",
                     fig.gradients_figure(run.gradients)),
                     "how strongly the output still depends on an input k steps back (dashed: after training), "
                     "and an RNN whose gradient explodes, with and without clipping")
    page.section("how-to-read", "How to read this", _reading(run))
    return _document(page, run, library, generated)


def _comparison(page: Page, comparison: Comparison, number: int, *, several: bool) -> None:
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
        page.section(f"{anchor}members", f"Ensemble members{where}", _members(ensembles),
                     "each network of an ensemble scored alone on the same days, their mean score, and the "
                     "ensemble's (the score of their mean forecast); lower is better")
    calibration = reliability_tables({m.label: _part(m.metrics, "test").get("reliability") for m in models})
    if calibration:
        page.section(f"{anchor}calibration", f"Calibration{where}",
                     page.chart(f"fig-{number}-calibration", fig.calibration_figure(calibration, colour)),
                     _CALIBRATION.replace("the event happened", "the day went up") if comparison.classifies
                     else _CALIBRATION)
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


def _members(ensembles: Sequence[tuple[str, Mapping[str, Any]]]) -> str:
    """Per ensemble: a row per member, their mean and the ensemble (`evaluate.members`), under its one-line gain."""
    parts = []
    for label, metrics in ensembles:
        cards = {part: _part(metrics, part) for part in ("val", "test")}
        _, header = member_score(cards)
        rows = "".join(
            f'<tr><td>{_e(row["member"])}</td>' + "".join(
                f'<td data-value="{"" if row[part] is None else repr(row[part])}">'
                f'{number_text(row[part], "{:.4f}")}</td>' for part in ("val", "test")) + "</tr>"
            for row in member_rows(cards, metrics["members"]))
        parts.append(f'<p>{_e(label)}: {_e(ensemble_gain(cards, metrics["members"]))}</p><div class="table-wrap">'
                     f'<table class="sortable" data-table="members"><thead><tr><th data-sort="text">member</th>'
                     f'<th data-sort="number">val {_e(header)}</th><th data-sort="number">test {_e(header)}</th>'
                     f'</tr></thead><tbody>{rows}</tbody></table></div>')
    return "".join(parts)


def _part(metrics: Any, part: str) -> Mapping[str, Any]:
    """One split's (or horizon's) metrics from a metrics.json; empty when the file has none or is edited."""
    found = metrics.get(part) if isinstance(metrics, Mapping) else None
    return found if isinstance(found, Mapping) else {}


def _direction_comparison(page: Page, comparison: Comparison, number: int, where: str, anchor: str,
                          colour: Mapping[str, str]) -> None:
    """The scores of models that forecast P(up), and their probabilities next to what happened."""
    models = comparison.models
    test = comparison.split.get("test", {})
    page.section(f"{anchor}leaderboard", f"Scores{where}",
                 _scores_table([(m.label, _part(m.metrics, "test")) for m in models], "model", "scores"),
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
    page.section(f"{anchor}leaderboard", f"Leaderboard{where}", _table(rows, "model", "leaderboard"),
                 f"every model's one-step-ahead forecasts on the test part ({test.get('start')} .. {test.get('end')}"
                 f"), best value per column highlighted; click a column to sort")
    if comparison.ablation:
        page.section(f"{anchor}ablation", f"Did the extra inputs help?{where}", _ablation(comparison.ablation),
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


def _sweep(page: Page, sweep: SweepRun) -> None:
    """The settings chosen on validation with their test metrics, validation across the settings, the failures."""
    selection = sweep.selection
    if selection is None:
        page.section("selection", "Settings chosen on validation",
                     '<p class="status">The sweep has not finished (no selection.json): run the same command again '
                     'with --resume. Below, the results stored so far.</p>')
    else:
        summary = selection["summary"]
        chosen = [Chosen(s["data"], s["model"], params_text(s["params"]), s["validation_rmse"],
                         next(row for row in summary[s["data"]] if row["model"] == s["model"]),
                         [run.metrics["test"] for run in sweep.runs(s) if run.metrics])
                  for s in selection["selected"]]
        page.section("selection", "Settings chosen on validation, scored on test",
                     _table(selection_rows(chosen), "dataset", "selection", _SELECTION_LEAD),
                     f"{_CHOSEN_ON_VALIDATION}. Test metrics: the mean over the runs (seeds) where there are "
                     "several; best value per column highlighted within each dataset; a verdict needs every run to "
                     "agree; click a column to sort")
    if sweep.honesty:
        page.section("honesty", "How much of the choice held on test", honesty.honesty_table(sweep.honesty, sweep.luck),
                     f"{READING} {LUCK_READING if sweep.luck is not None else NO_LUCK_READING}")
    tried = _tried(sweep)
    colour = fig.colours(sweep.models)
    if any(t.ratio is not None and t.test is not None for t in tried):
        page.section("validation-test", "Validation against test",
                     page.chart("fig-validation-test", fig.validation_test_figure(tried, colour)),
                     "every settings that could be chosen, of every dataset: RMSE / naive on the validation days "
                     "(what chose) against the test days (never used to choose), the mean over seeds; stars: the "
                     "settings chosen. On the dashed diagonal a settings did as well on test as on validation; "
                     "click a model in the legend to hide or show it")
    if sweep.search is not None:
        _search(page, sweep.search, colour)
    if tried and not _ranges(sweep):  # a range's trials have settings of their own: no line across them
        page.section("settings", "Validation across the settings",
                     page.chart("fig-settings", fig.settings_figure(tried, fig.colours(sweep.definition["data"]))),
                     "each settings combination tried, a panel per model: validation RMSE / naive, the mean over "
                     "seeds, a line per dataset; the star marks the settings chosen on that dataset. Settings with "
                     "a failed run are left out (they cannot be chosen)")
    failed = [record for record in sweep.records if record.error]
    if failed:
        shown = f"the first {_FAILURES_SHOWN} of them; " if len(failed) > _FAILURES_SHOWN else ""
        page.section("failures", f"Failed units ({len(failed)} of {len(sweep.records)} results)",
                     _failures(failed[:_FAILURES_SHOWN]),
                     f"{shown}each with its error, also in results.sqlite; the other units ran as usual, and "
                     "`--resume` runs the failed ones again")


def _search(page: Page, search: Mapping[str, Any], colour: Mapping[str, str]) -> None:
    """A model-based search (search.json): its trials study by study, and which settings mattered."""
    studies = search["studies"]
    shown = studies[:_STUDIES_SHOWN]
    trials = [trial for study in studies for trial in study["trials"]]
    counts = ", ".join(f"{count} {state}" for state in TRIAL_STATES
                       if (count := sum(t["state"] == state for t in trials)))
    more = f"the first {_STUDIES_SHOWN} of {len(studies)} studies (all are in search.json); " \
        if len(studies) > _STUDIES_SHOWN else ""
    if shown:
        page.section("search", "The search, trial by trial",
                     page.chart("fig-search", fig.search_figure(shown, colour)),
                     f"{more}a panel per dataset and model: each trial in the order the sampler asked for it, at "
                     "its validation RMSE / naive (mean over seeds); pruned trials (stopped early, no score) and "
                     "failed ones are marked along the top; the line is the best so far, as the sweep would choose "
                     f"then. In all {len(trials)} trials: {counts}")
    if any(study["importances"] for study in studies):
        page.section("search-importance", "Which settings mattered", honesty.importance_table(studies),
                     "Optuna's parameter importance (PED-ANOVA) of each searched setting per dataset and model, "
                     "from its complete trials: larger, the setting moved the validation score more; the largest "
                     "of each row highlighted. Studies where fewer than two settings varied, or too few trials "
                     "completed, have none")


def _ranges(sweep: SweepRun) -> bool:
    """Whether the sweep searched a range (tpe: `lr=1e-4..1e-2:log`) rather than lists of values only."""
    return any(isinstance(values, Mapping) for values in sweep.definition["grid"].values())


def _rank(page: Page, rank: RankRun) -> None:
    """A rank study: each model's returns and verdict, the equity curves, the sub-periods, the periods and the
    calibration of its probabilities."""
    summary = rank.summary
    models, settings, data = summary["models"], summary["settings"], summary["data"]
    colour = fig.colours(models)
    cost = number_text(vocabulary.number(settings.get("cost_bps")), "{:g}")
    top = number_text(vocabulary.number(settings.get("top")), "{:.0f}")
    verdicts = "".join(f'<li>{_e(model["verdict"])}</li>' for model in models.values())
    caveat = f'<p class="status">Caveat: {_e(data["caveat"])}</p>' if data.get("caveat") else ""
    page.section("rank", "The cross-sectional study", _rank_table(models) + f'<ul class="verdicts">{verdicts}</ul>'
                 + caveat,
                 f"every day, long the {top} stocks with the highest probability of beating the next day's "
                 f"cross-sectional median and short the {top} lowest, equally weighted; {cost} bps per half-turn "
                 "on the actual turnover. Reversal, random and logistic trade the same days on the same stocks")
    page.section("rank-equity", "Equity, before and after costs",
                 page.chart("fig-rank-equity", fig.rank_equity_figure(rank.daily, colour)),
                 "each model's long-short portfolio compounded from 1 (log scale): solid after costs, dotted "
                 "before; click a name in the legend to hide or show it")
    subperiods = _rank_subperiods(models)
    if subperiods:
        page.section("rank-subperiods", "Sub-periods", subperiods,
                     "the after-cost mean daily return and its Newey–West t in each part of the trading days")
    page.section("rank-periods", "Study periods", _rank_periods(summary["periods"]),
                 "each period's model is trained on its own training days only (the last 20% for early "
                 "stopping) and trades the following days; the periods' trading days join without a gap")
    calibration = rank.reliability()
    if calibration:
        page.section("rank-calibration", "Calibration",
                     page.chart("fig-rank-calibration", fig.calibration_figure(calibration, colour)),
                     _CALIBRATION.replace("the event happened", "the stock beat the median"))


def _cell(value: Any, fmt: str) -> str:
    found = vocabulary.number(value)
    return f'<td data-value="{"" if found is None else repr(found)}">{number_text(found, fmt)}</td>'


def _rank_table(models: Mapping[str, Mapping[str, Any]]) -> str:
    heads = '<th data-sort="text">model</th>' + "".join(
        f'<th data-sort="number" title="{_e(m.tip)}">{_e(m.header)}</th>' for m in RANK)
    rows = "".join(f'<tr data-label="{_e(name)}"><td>{_e(name)}</td>'
                   + "".join(_cell(model.get(m.key), m.fmt) for m in RANK) + "</tr>"
                   for name, model in models.items())
    return (f'<div class="table-wrap"><table class="sortable" data-table="rank"><thead><tr>{heads}</tr></thead>'
            f'<tbody>{rows}</tbody></table></div>')


def _rank_subperiods(models: Mapping[str, Mapping[str, Any]]) -> str:
    """A row per sub-period (before/after 2010, each year), a column pair per model; empty without any."""
    parts = {name: model.get("subperiods") for name, model in models.items()}
    parts = {name: part for name, part in parts.items() if isinstance(part, dict) and part}
    labels = list(dict.fromkeys(label for part in parts.values() for label in part))
    if not labels:
        return ""
    heads = '<th data-sort="text">days</th>' + "".join(
        f'<th data-sort="number">{_e(name)} after costs</th><th data-sort="number">{_e(name)} t</th>' for name in parts)
    rows = []
    for label in labels:
        cells = []
        for part in parts.values():
            entry = part.get(label) if isinstance(part.get(label), dict) else {}
            cells.append(_cell(entry.get("mean_return_after_costs"), "{:+.3%}")
                         + _cell(entry.get("t_stat_after_costs"), "{:.2f}"))
        rows.append(f'<tr><td>{_e(str(label))}</td>{"".join(cells)}</tr>')
    return (f'<div class="table-wrap"><table class="sortable" data-table="rank-subperiods"><thead><tr>{heads}</tr>'
            f'</thead><tbody>{"".join(rows)}</tbody></table></div>')


def _rank_periods(periods: Sequence[Mapping[str, Any]]) -> str:
    heads = ('<th data-sort="number">period</th><th data-sort="text" class="text">trading days</th>'
             '<th data-sort="number">tickers</th><th data-sort="text">model</th>'
             + "".join(f'<th data-sort="number">{_e(m.header)}</th>' for m in _PERIOD_COLUMNS))
    rows = []
    for period in periods:
        for name, entry in period["models"].items():
            entry = entry if isinstance(entry, dict) else {}
            rows.append(f'<tr><td>{period["index"] + 1}</td><td class="text">{_e(period["trade_start"])} .. '
                        f'{_e(period["trade_end"])}</td>{_cell(period.get("tickers"), "{:.0f}")}<td>{_e(name)}</td>'
                        + "".join(_cell(entry.get(m.key), m.fmt) for m in _PERIOD_COLUMNS) + "</tr>")
    return (f'<div class="table-wrap"><table class="sortable" data-table="rank-periods"><thead><tr>{heads}</tr>'
            f'</thead><tbody>{"".join(rows)}</tbody></table></div>')


def _tried(sweep: SweepRun) -> list[fig.Tried]:
    """Every settings that could be chosen, by model and in grid order, each marked if it was; naive left out,
    as it is the yardstick (1 by definition)."""
    picked = {(s["data"], s["model"]): s["params"] for s in (sweep.selection or {}).get("selected", [])}
    order = {model: index for index, model in enumerate(sweep.models)}  # `models` is derived on each read
    candidates = sorted(eligible(sweep.records), key=lambda c: (order[c.model], sweep.position(c.params)))
    return [fig.Tried(c.model, c.data, params_text(c.params), mean_ratio(c, "val"), c.validation_rmse,
                      len(c.runs), picked.get((c.data, c.model)) == c.params, mean_ratio(c, "test"))
            for c in candidates if c.model != "naive"]


def _failures(records: Sequence[Record]) -> str:
    rows = "".join(f'<tr><td>{_e(r.data)}</td><td class="text">{_e(r.model)}</td><td class="text">'
                   f'{_e(params_text(r.params))}</td><td>{"—" if r.seed is None else _e(str(r.seed))}</td>'
                   f'<td class="error">{_e(r.error or "")}</td></tr>' for r in records)
    heads = ('<th>dataset</th><th class="text">model</th><th class="text">settings</th><th>seed</th>'
             '<th class="text">error</th>')
    return (f'<div class="table-wrap"><table data-table="failures"><thead><tr>{heads}</tr></thead>'
            f'<tbody>{rows}</tbody></table></div>')


def _backtest(page: Page, backtest: BacktestRun) -> None:
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
                 _table(table_rows(entries, rank=False, highlight=False), "horizon", "walk-forward")
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
    metrics = _part(backtest.metrics, "1")
    page.section("walk-forward", f"Walk-forward: {model}, P(up) one day ahead",
                 _scores_table([(model, metrics)], "model", "walk-forward"),
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
                     _CALIBRATION.replace("the event happened", "the day went up"))


def _trading(page: Page, backtest: BacktestRun) -> None:
    """The trading simulation's table and, when equity.csv is there, its equity curves."""
    if backtest.trading:
        trading = backtest.trading
        body = _trading_table(trading)
        if backtest.equity is not None:
            body += page.chart("fig-equity", fig.equity_figure(backtest.equity, trading))
        threshold = vocabulary.number(trading.get("threshold"))
        rule = (f"long/flat and long/short on P(up): long above {threshold:g}, short (long/short) below "
                f"{1 - threshold:g}, " if backtest.classifies and threshold is not None else
                "long/flat and long/short on the sign of the one-day forecast, ")
        page.section("trading", "Trading on the forecasts", body,
                     f"{rule}{number_text(trading.get('cost_bps'), '{:g}')} bps "
                     "per side, next to buy-and-hold over the same days")


def _table(rows: Sequence[Row], first: str, name: str, lead: Sequence[tuple[str, str]] = ()) -> str:
    """A sortable table of rows: the label, the `lead` cells ((header, sort) of each `Row.lead`), the metrics."""
    heads = [f'<th data-sort="text">{first}</th>']
    heads += [f'<th data-sort="{sort}"{_TEXT[sort]}>{_e(header)}</th>' for header, sort in lead]
    heads += [f'<th data-sort="number" title="{_e(c.tip)}">{_e(c.header)}</th>' for c in PRICE]
    heads += ['<th data-sort="number" class="verdict">verdict vs naive</th>', '<th data-sort="text">lagged</th>']
    body = []
    for row in rows:
        cells = [f'<td data-key="label">{_e(row.label)}</td>']
        for cell, (_, sort) in zip(row.lead, lead, strict=True):
            value = "" if cell.value is None else repr(cell.value)
            cells.append(f'<td data-key="{cell.key}" data-value="{value}"{_TEXT[sort]}>{_e(cell.text)}</td>')
        for cell in row.cells:
            value = "" if cell.value is None else repr(cell.value)
            best = ' class="best"' if cell.best else ""
            cells.append(f'<td data-key="{cell.key}" data-value="{value}"{best}>{_e(cell.text)}</td>')
        cells.append(f'<td data-key="verdict" data-value="{_VERDICT_ORDER[row.verdict.kind]}" '
                     f'class="verdict {row.verdict.kind}">{_e(row.verdict.text)}</td>')
        lagged = "—" if row.lagged is None else "yes" if row.lagged else "no"
        cells.append(f'<td data-key="lagged">{lagged}</td>')
        body.append(f'<tr data-label="{_e(row.label)}">{"".join(cells)}</tr>')
    return (f'<div class="table-wrap"><table class="sortable" data-table="{name}"><thead><tr>{"".join(heads)}'
            f'</tr></thead><tbody>{"".join(body)}</tbody></table></div>')


def _scores_table(entries: Sequence[tuple[str, Mapping[str, Any]]], first: str, name: str) -> str:
    """A sortable table of direction scores (`evaluate.vocabulary.DIRECTION`), a row per (label, metrics),
    ranked by log loss (rows without one last), the best value of each score highlighted."""
    ranked = sorted(entries, key=lambda entry: (vocabulary.number(entry[1].get("log_loss")) is None,
                                                vocabulary.number(entry[1].get("log_loss")) or 0.0))
    best = {}
    for metric in DIRECTION:
        found = [value for _, metrics in ranked if (value := vocabulary.number(metrics.get(metric.key))) is not None]
        best[metric.key] = metric.best(found) if len(ranked) > 1 and found else None
    heads = f'<th data-sort="text">{_e(first)}</th>' + "".join(
        f'<th data-sort="number" title="{_e(m.tip)}">{_e(m.header)}</th>' for m in DIRECTION)
    body = []
    for label, metrics in ranked:
        cells = []
        for metric in DIRECTION:
            key, fmt = metric.key, metric.fmt
            found = vocabulary.number(metrics.get(key))
            mark = ' class="best"' if found is not None and found == best[key] else ""
            cells.append(f'<td data-key="{key}" data-value="{"" if found is None else repr(found)}"{mark}>'
                         f'{number_text(found, fmt)}</td>')
        body.append(f'<tr data-label="{_e(label)}"><td data-key="label">{_e(label)}</td>{"".join(cells)}</tr>')
    return (f'<div class="table-wrap"><table class="sortable" data-table="{name}"><thead><tr>{heads}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div>')


def _probability_table(table: Any) -> str:
    """A direction forecast (forecast.csv: date, p_up): a row per day."""
    rows = "".join(f'<tr><td class="text">{_e(f"{row.date:%Y-%m-%d}")}</td>{_cell(row.p_up, "{:.1%}")}</tr>'
                   for row in table.itertuples(index=False))
    return (f'<div class="table-wrap"><table data-table="forecast"><thead><tr><th class="text">day</th>'
            f'<th>P(up)</th></tr></thead><tbody>{rows}</tbody></table></div>')


def _overall(board: Sequence[Mapping[str, Any]]) -> str:
    def cell(row: Mapping[str, Any], key: str, fmt: str = "{:.0f}", tail: str = "") -> str:
        found = vocabulary.number(row.get(key))
        return f'<td data-value="{"" if found is None else repr(found)}">{number_text(found, fmt)}{tail}</td>'

    wins, against = (("beats_constant_significantly", "the better constant call") if _direction_board(board)
                     else ("beats_naive_significantly", "naive"))
    rows = "".join(f'<tr><td>{_e(str(row.get("model")))}</td>{cell(row, "mean_rank", "{:.2f}")}{cell(row, "datasets")}'
                   + cell(row, wins, tail=f' of {number_text(row.get("runs"), "{:.0f}")}')
                   + "</tr>" for row in board)
    heads = ('<th data-sort="text">model</th><th data-sort="number">mean rank</th><th data-sort="number">datasets'
             f'</th><th data-sort="number">runs beating {against} significantly</th>')
    return (f'<div class="table-wrap"><table class="sortable" data-table="overall"><thead><tr>{heads}</tr></thead>'
            f'<tbody>{rows}</tbody></table></div>')


def _direction_board(board: Sequence[Mapping[str, Any]]) -> bool:
    """Whether a leaderboard across datasets ranks direction models (by log loss, against the constant call)."""
    return any(isinstance(row, Mapping) and "beats_constant_significantly" in row for row in board)


def _ablation(rows: Sequence[Mapping[str, Any]]) -> str:
    """ablation.json as a sortable table: a row per model and input set, its verdict coloured as in the
    leaderboard."""
    def cell(value: Any, fmt: str) -> str:
        found = vocabulary.number(value)
        return f'<td data-value="{"" if found is None else repr(found)}">{number_text(found, fmt)}</td>'

    body = "".join(
        f'<tr data-label="{_e(row["name"])}"><td>{_e(row["model"])}</td>'
        f'<td class="text">{_e(row["inputs"].lstrip("+").replace("+", ", "))}</td>'
        f'{cell(row["rmse_ratio_vs_returns_only"], "{:.4f}")}{cell(row["dm_p_value_better"], "{:.3g}")}'
        f'{cell(row["n"], "{:,.0f}")}<td data-value="{_VERDICT_ORDER[ablation_kind(row)]}" '
        f'class="verdict {ablation_kind(row)}">{_e(row["verdict"])}</td></tr>' for row in rows)
    heads = ('<th data-sort="text">model</th><th data-sort="text" class="text">inputs added</th>'
             '<th data-sort="number" title="RMSE with the inputs / RMSE of the same model on returns only">'
             'RMSE / returns only</th><th data-sort="number" title="one-sided Diebold–Mariano p-value of \'the '
             'inputs make the errors smaller\'">p (better)</th><th data-sort="number">days</th>'
             '<th data-sort="number" class="verdict">verdict</th>')
    return (f'<div class="table-wrap"><table class="sortable" data-table="ablation"><thead><tr>{heads}</tr>'
            f'</thead><tbody>{body}</tbody></table></div>')


def _trading_table(trading: Mapping[str, Any]) -> str:
    heads = "".join(f"<th>{m.header}</th>" for m in TRADING)
    rows = []
    for name in ("long_flat", "long_short", "buy_and_hold"):
        values = trading.get(name) or {}
        cells = "".join(f"<td>{m.text(values.get(m.key))}</td>" for m in TRADING)
        rows.append(f"<tr><td>{name.replace('_', ' ')}</td>{cells}</tr>")
    return (f'<div class="table-wrap"><table data-table="trading"><thead><tr><th>strategy</th>{heads}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div>')


def _facts(run: RunFolder) -> str:
    """Data, split, settings, seeds, versions and run time, from run.json and the bundles' configs (or sweep.json)."""
    record = run.record or {}
    facts: list[tuple[str, str]] = _sweep_facts(run.sweep, record) if run.sweep is not None else []
    if run.rank is not None:
        facts += _rank_facts(run.rank, record)
    for comparison in run.comparisons:
        name = f" ({comparison.name})" if len(run.comparisons) > 1 else ""
        facts.append((f"data{name}", _data(comparison.data)))
        facts += [(f"data quality{name}", text) for text in _quality(comparison.data)]
        facts.append((f"split{name}", _split(comparison.split)))
        facts += [(f"inputs{name}", text) for text in _inputs(comparison.models)]
    models = [m for c in run.comparisons for m in c.models]
    if models:
        facts.append(("models", ", ".join(dict.fromkeys(m.label for m in models))))
    if run.backtest is not None:
        settings = run.backtest.settings
        facts.append(("data", _data(settings.get("data", {}))))
        facts += [("data quality", text) for text in _quality(settings.get("data", {}))]
        if settings.get("split"):
            facts.append(("split", _split(settings["split"])))
        facts.append(("backtest", ", ".join(f"{key.replace('_', ' ')} {value}" for key, value in settings.items()
                                            if key not in ("data", "split", "inputs"))))
        if beyond_returns(settings.get("inputs")):
            facts += [("inputs", text) for text in (_input_set(settings["inputs"]), _span(settings["inputs"])) if text]
    sweep = run.sweep
    settings = record.get("settings") or (sweep.definition["settings"] if sweep else None) or next(
        (m.config["settings"] for m in models if m.is_network), models[0].config["settings"] if models else None)
    searched = sweep.definition["grid"] if sweep else {}
    # a model's inputs have their own lines: the one `features` of the settings is not what each model read
    left_out = set(searched) | ({"features"} if any(m.beyond_returns for m in models) else set())
    if settings:
        facts.append(("other settings" if searched else "settings",
                      " · ".join(f"{key.replace('_', ' ')} {value}" for key, value in settings.items()
                                 if key != "seed" and key not in left_out)))
    facts.append(("seeds", _seeds(record, models, sweep)))
    facts.append(("run", _when(record, models)))
    made_with = (record.get("tickercast_version") or (sweep.version if sweep else None)
                 or next((m.config.get("tickercast_version") for m in models), None))
    facts.append(("version", f"made with tickercast {made_with or 'unknown'}; report by tickercast {__version__}"))
    rows = "".join(f"<dt>{_e(key)}</dt><dd>{_e(value)}</dd>" for key, value in facts)
    return f'<dl class="facts">{rows}</dl>'


def _sweep_facts(sweep: SweepRun, record: Mapping[str, Any]) -> list[tuple[str, str]]:
    """What a sweep ran: its datasets, models, grid and search, engine, split and how it chose."""
    definition = sweep.definition
    data = "; ".join(f"{name} ({_fingerprint(print_)})" for name, print_ in definition["data"].items())
    grid = definition["grid"]
    searched = " · ".join(f"{key} {_values_text(values)}" for key, values in grid.items())
    failed = sum(1 for r in sweep.records if r.error)
    pruned = sum(1 for r in sweep.records if r.pruned is not None)
    stored = f"{len(sweep.records)} stored, {failed} failed" + (f", {pruned} pruned" if pruned else "")
    facts = [("data", f"{len(definition['data'])} dataset(s): {data}"), ("models", ", ".join(sweep.models)),
             ("grid", f"{searched or 'nothing searched'}; {_search_text(sweep)}"),
             ("engine", _engine(record.get("options") or {})), ("split", _sweep_split(definition["split"])),
             ("selection", _CHOSEN_ON_VALIDATION), ("results", stored)]
    luck = (sweep.selection or {}).get("luck")
    if luck:
        facts.append(("luck check", "the same sweep on the data with its returns shuffled in time, in the folder "
                                    f"{luck['folder']} inside this one (tickercast report shows it on its own)"))
    return facts


def _values_text(values: Any) -> str:
    """A grid key's values as --grid gave them: `5, 10` (a list) or `0.0001..0.01, log scale` (a range)."""
    if isinstance(values, Mapping):
        return f"{values['low']:g}..{values['high']:g}" + (", log scale" if values["log"] else "")
    return ", ".join(map(str, values))


def _search_text(sweep: SweepRun) -> str:
    """How the settings were searched: every combination, a random draw, or a model-based search (tpe)."""
    definition = sweep.definition
    count = parse_search(definition["search"])
    if search_kind(definition["search"]) == "tpe":
        search = sweep.search or {}
        batch = f", asked {search['batch']} at a time" if search else ""
        prune = f", pruning {search['prune']}" if search else ""
        return (f"model-based search (Optuna's TPE sampler, seed {definition['settings']['seed']}): {count} trials "
                f"per dataset and model{batch}{prune}")
    total = math.prod(len(values) for values in definition["grid"].values())
    return (f"every combination ({total})" if count is None else
            f"{min(count, total)} of the {total} combinations, drawn at random with seed "
            f"{definition['settings']['seed']}")


def _rank_facts(rank: RankRun, record: Mapping[str, Any]) -> list[tuple[str, str]]:
    """What a rank study ran on: the panel, the tickers its gate dropped, the study's numbers and the engine."""
    data, settings = rank.summary["data"], rank.summary["settings"]
    dropped = data.get("dropped") if isinstance(data.get("dropped"), dict) else {}
    tickers = number_text(vocabulary.number(data.get("tickers")), "{:.0f}")
    facts = [("data", f"{data.get('name') or 'a panel'}: {tickers} tickers, {data.get('first')} .. {data.get('last')}, "
                      f"{number_text(vocabulary.number(data.get('days')), '{:,.0f}')} days")]
    if dropped:
        facts.append(("dropped", "; ".join(f"{ticker}: {why}" for ticker, why in dropped.items())))
    facts.append(("study", " · ".join(f"{key.replace('_', ' ')} {value}" for key, value in settings.items()
                                      if isinstance(value, str | int | float) and not isinstance(value, bool))))
    facts.append(("models", ", ".join(rank.summary["models"])))
    facts.append(("engine", _engine(record.get("options") or {})))
    return facts


def _fingerprint(data: Mapping[str, Any]) -> str:
    if "error" in data:
        return f"could not be read: {data['error']}"
    return (f"{data.get('price_column')}, {data.get('first')} .. {data.get('last')}, "
            f"{number_text(data.get('rows'), '{:,.0f}')} days")


def _engine(options: Mapping[str, Any]) -> str:
    if options.get("engine") == "ray":
        return f"Ray at {options.get('ray_address') or '$RAY_ADDRESS, else a Ray started on this machine'}"
    if options.get("engine") == "local":
        workers = options.get("workers") or 0
        processes = {0: "one worker process per core", 1: "in one process"}
        return f"local, {processes.get(workers, f'{workers} worker processes')}"
    return "not recorded (no run.json)"


def _sweep_split(split: Mapping[str, Any]) -> str:
    def size(value: float) -> str:
        return f"{value:.0%} of the days" if value < 1 else f"{value:g} days"

    test = f"from {split['test_start']}" if split.get("test_start") else f"the last {size(split['test_size'])}"
    val = f"from {split['val_start']}" if split.get("val_start") else f"{size(split['val_size'])} before the test part"
    return f"each dataset on its own: validation {val}, test {test}, training before both"


def _data(data: Mapping[str, Any]) -> str:
    rows = f", {number_text(data['rows'], '{:,.0f}')} days" if data.get("rows") else ""
    exchange = f" on {data['exchange']}" if data.get("exchange") else ""
    return (f"{data.get('ticker') or data.get('origin')} {data.get('price_column', '')} from "
            f"{data.get('source', '?')} {data.get('origin', '')}{exchange}: {data.get('first')} .. "
            f"{data.get('last')}{rows}")


def _quality(data: Mapping[str, Any]) -> list[str]:
    """The data's quality flags (`data.quality`), one line each: what, and the first dates; none is a line too."""
    flags = data.get("quality")
    if not isinstance(flags, list):
        return []  # a run from before the flags, or an edited file: say nothing rather than guess
    lines = []
    for flag in flags:
        if isinstance(flag, Mapping) and isinstance(flag.get("dates"), list):
            dates = ", ".join(map(str, flag["dates"][:5])) + (", ..." if len(flag["dates"]) > 5 else "")
            lines.append(f"{flag.get('detail', flag.get('kind', '?'))} on {dates} (the data was used as it is)")
    return lines or ["no split-like moves, impossible bars, bad prints or missing trading days found"]


def _split(split: Mapping[str, Mapping[str, Any]]) -> str:
    names = {"train": "train", "val": "validation", "test": "test"}
    return " · ".join(f"{names.get(part, part)} {dates.get('start')} .. {dates.get('end')} "
                      f"({number_text(dates.get('days'), '{:,.0f}')} days)" for part, dates in split.items())


def _inputs(models: Sequence[ModelRun]) -> list[str]:
    """What each model read, a line per set of inputs with the models that read it, then from which day; nothing
    when every model read its own past returns only (as before inputs existed)."""
    if not any(m.beyond_returns for m in models):
        return []
    sets: dict[str, list[str]] = {}
    spans: dict[str, list[str]] = {}
    for model in models:
        inputs = model.inputs or {"features": ["returns"], "with": []}
        read = _input_set(inputs) if model.reads_inputs or not model.beyond_returns else \
            f"{_input_set(inputs)}, given but not read (it forecasts from the price alone)"
        sets.setdefault(read, []).append(model.label)
        span = _span(inputs)
        if span:
            spans.setdefault(span, []).append(model.label)
    lines = [f"{', '.join(labels)}: {text}" for text, labels in sets.items()]
    if len(spans) == 1:
        return [*lines, next(iter(spans))]
    return [*lines, *(f"{', '.join(labels)}: {text}" for text, labels in spans.items())]


def _span(inputs: Mapping[str, Any]) -> str | None:
    """From which day the inputs were used, when days before it were left out (warm-ups, a later covariate)."""
    if (vocabulary.number(inputs.get("dropped_days")) or 0) <= 0:
        return None
    return (f"from {inputs.get('first_used')}, the first day with a value for every input "
            f"({number_text(inputs.get('dropped_days'), '{:,.0f}')} days before it left out)")


def _input_set(inputs: Mapping[str, Any]) -> str:
    """'returns, volume; with nasdaq (0 days filled with its last price); columns volume.change, ...'."""
    if inputs["features"] == ["returns"] and not inputs["with"]:
        return "returns only"
    text = ", ".join(inputs["features"])
    filled = inputs.get("filled_days") or {}
    if inputs["with"]:
        text += "; with " + ", ".join(f"{name} ({number_text(filled.get(name, 0), '{:,.0f}')} days filled with "
                                      "its last price)" for name in inputs["with"])
    columns = inputs.get("columns")
    return text + (f"; columns {', '.join(columns)}" if columns else "")


def _seeds(record: Mapping[str, Any], models: Sequence[Any], sweep: SweepRun | None) -> str:
    found = {m.config["settings"]["seed"] for m in models if m.is_network}
    found |= {r.seed for r in sweep.records if r.seed is not None} if sweep else set()
    seeds = record.get("seeds") or sorted(found)
    return ", ".join(map(str, seeds)) if seeds else "none (baselines do not depend on a seed)"


def _when(record: Mapping[str, Any], models: Sequence[Any]) -> str:
    if record:
        return (f"tickercast {record.get('command', '')}, started {record.get('started', '?')}, took "
                f"{number_text(record.get('seconds', 0), '{:.1f}')} s")
    if not models:
        return "the folder does not say when it was made"
    fitting = sum(vocabulary.number(m.config.get("fit_seconds")) or 0 for m in models)
    return f"fitting took {fitting:.1f} s in all (the folder does not say when it was made)"


def _reading(run: RunFolder) -> str:
    """Plain words for each part of the page that is there."""
    scored = any(c.classifies for c in run.comparisons) or bool(run.backtest and run.backtest.classifies)
    direction = scored or any(f.classifies for f in run.forecasts)
    prices = (any(not c.classifies for c in run.comparisons) or bool(run.backtest and not run.backtest.classifies)
              or run.sweep is not None or any(not f.classifies for f in run.forecasts) or not direction)
    items = [] if not prices else [
        ("naive", "The forecast 'tomorrow = today'. Every number here is measured next to it, on exactly the "
                  "same days, because it is what a model has to beat to be worth anything."),
        ("RMSE / naive", "The model's RMSE divided by naive's. Below 1 the model's typical error is smaller than "
                         "naive's (0.98: 2% smaller); exactly 1 is naive itself; above 1 the model does worse than "
                         "simply repeating yesterday's price (1.05: its errors are 5% larger)."),
        ("verdict", "Whether the difference from naive is more than luck: a one-sided Diebold–Mariano test on "
                    f"the daily squared errors. 'beats naive' or 'loses to naive' needs p below {SIGNIFICANCE}; "
                    "otherwise the two cannot be told apart on these days, however the ratio looks."),
        ("direction", "The share of days on which the forecast moved the right way (naive never calls a "
                      "direction and scores 50%). In a rising market, forecasting 'up' every day scores the share "
                      "of up days, so compare with that line, not with 50% alone. dir. p: the binomial p-value of "
                      "'no better than a coin'."),
        ("lagged", "'yes' when the forecast follows the price of a day or more before: the classic chart that "
                   "looks perfect and is yesterday's price moved one day to the right."
                   + (" Zoom into a few weeks of the price chart to see it." if run.comparisons or run.backtest
                      else "")),
    ]
    if direction:
        items += _DIRECTION_READING if scored else _DIRECTION_READING[:1]  # a forecast alone has no scores
    if any(m.history is not None for c in run.comparisons for m in c.models):
        items.append(("loss curves", "Training loss should fall. Validation loss is what early stopping "
                                     "watches: the dot marks the weights kept. Validation rising while training "
                                     "falls is overfitting."))
    models = [m for c in run.comparisons for m in c.models]
    if any(m.beyond_returns for m in models) or (run.backtest and beyond_returns(run.backtest.settings.get("inputs"))):
        items.append(("extra inputs", "Besides its own past returns a model may read other inputs: features of the "
                                      "same data (volume, indicators) or other tickers' returns. Each is known at the "
                                      "close of the day it is dated, so a forecast for tomorrow uses nothing from "
                                      "tomorrow, and each is scaled on the training days only."))
    if any(m.importance for m in models):
        items.append(("which inputs mattered", "Shuffling one input in time keeps its values but breaks their link "
                                               "to the next day; the more the validation RMSE rises, the more the "
                                               "model relied on that input. Relying on an input is not the same "
                                               "as being helped by it: a comparison of the same model with and "
                                               "without it says that (compare --feature-sets)."))
    if any(c.ablation for c in run.comparisons):
        items.append(("did the extra inputs help?", "The same model with and without the inputs, scored on the "
                                                    "same test days. 'Significantly better' needs a one-sided "
                                                    f"Diebold–Mariano p below {SIGNIFICANCE}; a ratio below 1 "
                                                    "without it cannot be told apart from luck on these days."))
    if run.sweep is not None:
        items.append(("chosen on validation", "Many settings were tried; each model's were chosen per dataset on the "
                                              "validation days alone, and the test days, which come after, were "
                                              "left untouched until the choice was made. So the test metrics "
                                              "estimate how the chosen settings do on days they have never seen; "
                                              "picking the best test score among many settings would flatter the "
                                              "winner with luck."))
        if not _ranges(run.sweep):
            items.append(("validation across the settings", "A flat line: the settings hardly matter on that "
                                                            "dataset. A lone dip: perhaps luck on the validation "
                                                            "days, which the test metrics of the chosen settings "
                                                            "will tell. Below the dashed line at 1 beats naive on "
                                                            "validation."))
        items += _sweep_reading(run.sweep)
        if run.sweep.definition["seeds"] > 1:
            items.append(("runs", "With several seeds, the metrics are the mean over them, and 'beats naive' or "
                                  "'loses to naive' needs every run to say so."))
    if run.backtest is not None:
        items.append(("walk-forward", "Forecasts made day by day through the test part, each from the prices "
                                      "known that day only, 1 to N days ahead. Errors grow with the horizon; the "
                                      "question is whether they grow slower than naive's."
                      if not run.backtest.classifies else
                      "P(up) made day by day through the test part, each from the prices known that day only, "
                      "refitting as the settings say."))
        if run.backtest.trading:
            items.append(("trading", "What trading on the forecast would have earned after costs, next "
                                     "to simply holding. A higher Sharpe ratio is better; a small edge in "
                                     f"{'accuracy' if run.backtest.classifies else 'RMSE'} rarely survives "
                                     "costs."))
    if any(not f.classifies for f in run.forecasts):
        items.append(("forecast bands", "The 80% and 95% intervals come from the model's own past errors; "
                                        "they are honest about the test period, not a promise about the future."))
    if run.gates:
        items.append(("gates", "Each gate is a number between 0 (shut) and 1 (open) per unit and day: a forget "
                               "gate near 1 keeps the memory, an update gate near 1 keeps the old state."))
    if run.gradients:
        items.append(("gradients", "A curve that falls to 10⁻⁶ after k steps means the network cannot learn "
                                   "anything that needs more than about k days of memory."))
    if run.rank is not None:
        only_rank = not (run.comparisons or run.backtest or run.sweep or run.forecasts or run.gates or run.gradients)
        items = (items if not only_rank else []) + _RANK_READING
    yardstick = "naive" if prices else "the better constant call"
    items.append(("nothing here is advice", "Past prices carry little information about tomorrow's; a model "
                                            f"that does not beat {yardstick} significantly has found nothing to "
                                            "trade."))
    rows = "".join(f"<dt>{_e(term)}</dt><dd>{_e(text)}</dd>" for term, text in items)
    return f'<dl class="reading">{rows}</dl>'


def _sweep_reading(sweep: SweepRun) -> list[tuple[str, str]]:
    """Plain words for the parts of a sweep's page that came with issue 17, where the sweep has them."""
    items = [("validation against test", "Each settings tried is a point: how it did on the validation days "
                                         "(left is better) and on the test days (lower is better). Points along "
                                         "the diagonal: validation foretold test. A cloud with no slope: the "
                                         "differences between settings on validation were mostly luck, and the "
                                         "star chosen for its place on the left will drift back up on test.")]
    if sweep.honesty:
        items.append(("gap", "Test ratio minus validation ratio of the settings chosen. Choosing the best of many "
                             "candidates on validation picks some that were lucky there, so a positive gap is "
                             "expected; the question is whether it is larger than luck alone gives."))
    if sweep.luck is not None:
        items.append(("luck check", "The same sweep run again on the same data with its daily returns shuffled "
                                    "in time within the training and the validation days: the shuffle destroys "
                                    "every pattern a model could learn, so whatever edge the chosen settings show "
                                    "on validation there is selection luck, and its gap measures it. A real gap "
                                    "close to the luck gap means the search mostly found luck."))
    if sweep.search is not None:
        items.append(("the search", "A model-based search (TPE) proposes each trial's settings from how the "
                                    "earlier ones scored, so later trials cluster where the score was good; the "
                                    "best-so-far line flattening out means more trials would have found little. "
                                    "A pruned trial was stopped after a few epochs because its validation loss "
                                    "was already worse than the pruner's bar at that epoch (the median of the "
                                    "trials before it, or successive halving's cut)."))
    return items


def _title(run: RunFolder) -> str:
    if run.rank is not None:
        data = run.rank.summary["data"]
        return f"rank study of {', '.join(run.rank.summary['models'])} on {data.get('name') or 'a panel'}"
    if run.sweep is not None:
        data = list(run.sweep.definition["data"])
        where = ", ".join(data) if len(data) <= 4 else f"{len(data)} datasets"
        return f"sweep of {', '.join(run.sweep.models)} on {where}"
    if run.comparisons:
        data = run.comparisons[0].data
        names = ", ".join(dict.fromkeys(m.config["model"] for c in run.comparisons for m in c.models))
        where = f"{data.get('ticker')} {data.get('price_column')}" if len(run.comparisons) == 1 else \
            ", ".join(c.name for c in run.comparisons)
        return f"{names} on {where}"
    if run.backtest is not None:
        data = run.backtest.settings.get("data", {})
        return f"{run.backtest.settings['model']} walk-forward on {data.get('ticker')} {data.get('price_column')}"
    return run.path.name


def _document(page: Page, run: RunFolder, library: Library, generated: str) -> str:
    assets = files("tickercast.report") / "assets"
    code, style = (assets / "report.js").read_text(), (assets / "report.css").read_text()
    policy = content_policy(scripts=[allow(code), *library.scripts], styles=[allow(style), *library.styles])
    data = json.dumps({"columns": page.columns.values, "figures": page.figures}, separators=(",", ":"),
                      allow_nan=False).replace("<", "\\u003c")  # no '</script>' inside the script element
    nav = "".join(f'<a href="#{anchor}">{_e(title)}</a>' for anchor, title, _ in page.sections)
    made = f"report written {generated}" if generated else "report"
    plotly = f", charts by Plotly.js {_e(library.version)}" if library.version else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{policy}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>tickercast: {_e(_title(run))}</title>
<style>{style}</style></head>
<body>
<header><h1>tickercast: {_e(_title(run))}</h1><p>{_e(str(run.path))} · {made} by tickercast {__version__}{plotly}</p>
</header>
<nav>{nav}</nav>
<main>
<noscript><p class="status">The charts need JavaScript; the tables work without it.</p></noscript>
<p id="status" class="status">Drawing the charts…</p>
{"".join(markup for _, _, markup in page.sections)}
</main>
<script type="application/json" id="report-data">{data}</script>
<script type="text/plain" id="plotly-gz">{library.packed}</script>
<script>{code}</script>
</body></html>
"""

