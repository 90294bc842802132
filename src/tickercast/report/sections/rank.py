"""The sections of a cross-sectional rank study: each model's long-short returns and verdict, its equity, the
sub-periods, the study periods and the calibration of its probabilities."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tickercast.evaluate.vocabulary import RANK, Metric, number, number_text, pick
from tickercast.report import figures as fig
from tickercast.report.folder import RankRun
from tickercast.report.literal import for_html as _e
from tickercast.report.sections.page import CALIBRATION, Page, number_cell

#: The per-period table: some of the study's metrics, then how each period's network trained.
_PERIOD_COLUMNS = (*pick(RANK, "mean_return", "mean_return_after_costs", "t_stat_after_costs", "accuracy"),
                   Metric("epochs", "epochs", "{:.0f}"), Metric("best_epoch", "best epoch", "{:.0f}"))


def rank_sections(page: Page, rank: RankRun) -> None:
    """A rank study: each model's returns and verdict, the equity curves, the sub-periods, the periods and the
    calibration of its probabilities."""
    summary = rank.summary
    models, settings, data = summary["models"], summary["settings"], summary["data"]
    colour = fig.colours(models)
    cost = number_text(number(settings.get("cost_bps")), "{:g}")
    top = number_text(number(settings.get("top")), "{:.0f}")
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
                     CALIBRATION.replace("the event happened", "the stock beat the median"))


def _rank_table(models: Mapping[str, Mapping[str, Any]]) -> str:
    """A row per model of the study, in the columns of `evaluate.vocabulary.RANK`, each with its tip."""
    heads = '<th data-sort="text">model</th>' + "".join(
        f'<th data-sort="number" title="{_e(m.tip)}">{_e(m.header)}</th>' for m in RANK)
    rows = "".join(f'<tr data-label="{_e(name)}"><td>{_e(name)}</td>'
                   + "".join(number_cell(model.get(m.key), m.fmt) for m in RANK) + "</tr>"
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
            cells.append(number_cell(entry.get("mean_return_after_costs"), "{:+.3%}")
                         + number_cell(entry.get("t_stat_after_costs"), "{:.2f}"))
        rows.append(f'<tr><td>{_e(str(label))}</td>{"".join(cells)}</tr>')
    return (f'<div class="table-wrap"><table class="sortable" data-table="rank-subperiods"><thead><tr>{heads}</tr>'
            f'</thead><tbody>{"".join(rows)}</tbody></table></div>')


def _rank_periods(periods: Sequence[Mapping[str, Any]]) -> str:
    """A row per study period and model: its trading days, tickers, returns and how its network trained."""
    heads = ('<th data-sort="number">period</th><th data-sort="text" class="text">trading days</th>'
             '<th data-sort="number">tickers</th><th data-sort="text">model</th>'
             + "".join(f'<th data-sort="number">{_e(m.header)}</th>' for m in _PERIOD_COLUMNS))
    rows = []
    for period in periods:
        for name, entry in period["models"].items():
            entry = entry if isinstance(entry, dict) else {}
            rows.append(f'<tr><td>{period["index"] + 1}</td><td class="text">{_e(period["trade_start"])} .. '
                        f'{_e(period["trade_end"])}</td>{number_cell(period.get("tickers"), "{:.0f}")}'
                        f'<td>{_e(name)}</td>'
                        + "".join(number_cell(entry.get(m.key), m.fmt) for m in _PERIOD_COLUMNS) + "</tr>")
    return (f'<div class="table-wrap"><table class="sortable" data-table="rank-periods"><thead><tr>{heads}</tr>'
            f'</thead><tbody>{"".join(rows)}</tbody></table></div>')
