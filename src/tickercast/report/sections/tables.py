"""The report's sortable tables of metrics as markup: leaderboards against naive, direction scores, ensemble
members, ablations, trading, the board across datasets. Headers, formats and tips come from
`evaluate.vocabulary`; every cell keeps the exact number (data-value) next to its rounded text."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tickercast.evaluate.members import ensemble_gain, member_rows, member_score
from tickercast.evaluate.vocabulary import DIRECTION, PRICE, TRADING, ablation_kind, number, number_text
from tickercast.report.leaderboard import Row
from tickercast.report.literal import for_html as _e
from tickercast.report.sections.page import ALIGN, VERDICT_ORDER, number_cell, split_metrics


def metrics_table(rows: Sequence[Row], first: str, name: str, lead: Sequence[tuple[str, str]] = ()) -> str:
    """A sortable table of rows: the label, the `lead` cells ((header, sort) of each `Row.lead`), the metrics."""
    heads = [f'<th data-sort="text">{first}</th>']
    heads += [f'<th data-sort="{sort}"{ALIGN[sort]}>{_e(header)}</th>' for header, sort in lead]
    heads += [f'<th data-sort="number" title="{_e(c.tip)}">{_e(c.header)}</th>' for c in PRICE]
    heads += ['<th data-sort="number" class="verdict">verdict vs naive</th>', '<th data-sort="text">lagged</th>']
    body = []
    for row in rows:
        cells = [f'<td data-key="label">{_e(row.label)}</td>']
        for cell, (_, sort) in zip(row.lead, lead, strict=True):
            value = "" if cell.value is None else repr(cell.value)
            cells.append(f'<td data-key="{cell.key}" data-value="{value}"{ALIGN[sort]}>{_e(cell.text)}</td>')
        for cell in row.cells:
            value = "" if cell.value is None else repr(cell.value)
            best = ' class="best"' if cell.best else ""
            cells.append(f'<td data-key="{cell.key}" data-value="{value}"{best}>{_e(cell.text)}</td>')
        cells.append(f'<td data-key="verdict" data-value="{VERDICT_ORDER[row.verdict.kind]}" '
                     f'class="verdict {row.verdict.kind}">{_e(row.verdict.text)}</td>')
        lagged = "—" if row.lagged is None else "yes" if row.lagged else "no"
        cells.append(f'<td data-key="lagged">{lagged}</td>')
        body.append(f'<tr data-label="{_e(row.label)}">{"".join(cells)}</tr>')
    return (f'<div class="table-wrap"><table class="sortable" data-table="{name}"><thead><tr>{"".join(heads)}'
            f'</tr></thead><tbody>{"".join(body)}</tbody></table></div>')


def scores_table(entries: Sequence[tuple[str, Mapping[str, Any]]], first: str, name: str) -> str:
    """A sortable table of direction scores (`evaluate.vocabulary.DIRECTION`), a row per (label, metrics),
    ranked by log loss (rows without one last), the best value of each score highlighted."""
    ranked = sorted(entries, key=lambda entry: (number(entry[1].get("log_loss")) is None,
                                                number(entry[1].get("log_loss")) or 0.0))
    best = {}
    for metric in DIRECTION:
        found = [value for _, metrics in ranked if (value := number(metrics.get(metric.key))) is not None]
        best[metric.key] = metric.best(found) if len(ranked) > 1 and found else None
    heads = f'<th data-sort="text">{_e(first)}</th>' + "".join(
        f'<th data-sort="number" title="{_e(m.tip)}">{_e(m.header)}</th>' for m in DIRECTION)
    body = []
    for label, metrics in ranked:
        cells = []
        for metric in DIRECTION:
            found = number(metrics.get(metric.key))
            cells.append(number_cell(found, metric.fmt, key=metric.key,
                                     best=found is not None and found == best[metric.key]))
        body.append(f'<tr data-label="{_e(label)}"><td data-key="label">{_e(label)}</td>{"".join(cells)}</tr>')
    return (f'<div class="table-wrap"><table class="sortable" data-table="{name}"><thead><tr>{heads}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div>')


def members_table(ensembles: Sequence[tuple[str, Mapping[str, Any]]]) -> str:
    """Per ensemble: a row per member, their mean and the ensemble (`evaluate.members`), under its one-line gain."""
    parts = []
    for label, metrics in ensembles:
        cards = {part: split_metrics(metrics, part) for part in ("val", "test")}
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


def ablation_table(rows: Sequence[Mapping[str, Any]]) -> str:
    """ablation.json as a sortable table: a row per model and input set, its verdict coloured as in the
    leaderboard."""
    body = "".join(
        f'<tr data-label="{_e(row["name"])}"><td>{_e(row["model"])}</td>'
        f'<td class="text">{_e(row["inputs"].lstrip("+").replace("+", ", "))}</td>'
        f'{number_cell(row["rmse_ratio_vs_returns_only"], "{:.4f}")}{number_cell(row["dm_p_value_better"], "{:.3g}")}'
        f'{number_cell(row["n"], "{:,.0f}")}<td data-value="{VERDICT_ORDER[ablation_kind(row)]}" '
        f'class="verdict {ablation_kind(row)}">{_e(row["verdict"])}</td></tr>' for row in rows)
    heads = ('<th data-sort="text">model</th><th data-sort="text" class="text">inputs added</th>'
             '<th data-sort="number" title="RMSE with the inputs / RMSE of the same model on returns only">'
             'RMSE / returns only</th><th data-sort="number" title="one-sided Diebold–Mariano p-value of \'the '
             'inputs make the errors smaller\'">p (better)</th><th data-sort="number">days</th>'
             '<th data-sort="number" class="verdict">verdict</th>')
    return (f'<div class="table-wrap"><table class="sortable" data-table="ablation"><thead><tr>{heads}</tr>'
            f'</thead><tbody>{body}</tbody></table></div>')


def overall_table(board: Sequence[Mapping[str, Any]]) -> str:
    """`comparison.leaderboard`'s rows: each model's mean rank across datasets and its significant wins."""
    def cell(row: Mapping[str, Any], key: str, fmt: str = "{:.0f}", tail: str = "") -> str:
        return number_cell(row.get(key), fmt, tail)

    wins, against = (("beats_constant_significantly", "the better constant call") if direction_board(board)
                     else ("beats_naive_significantly", "naive"))
    rows = "".join(f'<tr><td>{_e(str(row.get("model")))}</td>{cell(row, "mean_rank", "{:.2f}")}{cell(row, "datasets")}'
                   + cell(row, wins, tail=f' of {number_text(row.get("runs"), "{:.0f}")}')
                   + "</tr>" for row in board)
    heads = ('<th data-sort="text">model</th><th data-sort="number">mean rank</th><th data-sort="number">datasets'
             f'</th><th data-sort="number">runs beating {against} significantly</th>')
    return (f'<div class="table-wrap"><table class="sortable" data-table="overall"><thead><tr>{heads}</tr></thead>'
            f'<tbody>{rows}</tbody></table></div>')


def direction_board(board: Sequence[Mapping[str, Any]]) -> bool:
    """Whether a leaderboard across datasets ranks direction models (by log loss, against the constant call)."""
    return any(isinstance(row, Mapping) and "beats_constant_significantly" in row for row in board)


def trading_table(trading: Mapping[str, Any]) -> str:
    """trading.json's strategies, a row each, in the columns of `evaluate.vocabulary.TRADING`."""
    heads = "".join(f"<th>{m.header}</th>" for m in TRADING)
    rows = []
    for name in ("long_flat", "long_short", "buy_and_hold"):
        values = trading.get(name) or {}
        cells = "".join(f"<td>{m.text(values.get(m.key))}</td>" for m in TRADING)
        rows.append(f"<tr><td>{name.replace('_', ' ')}</td>{cells}</tr>")
    return (f'<div class="table-wrap"><table data-table="trading"><thead><tr><th>strategy</th>{heads}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div>')


def probability_table(table: Any) -> str:
    """A direction forecast (forecast.csv: date, p_up): a row per day."""
    rows = "".join(f'<tr><td class="text">{_e(f"{row.date:%Y-%m-%d}")}</td>{number_cell(row.p_up, "{:.1%}")}</tr>'
                   for row in table.itertuples(index=False))
    return (f'<div class="table-wrap"><table data-table="forecast"><thead><tr><th class="text">day</th>'
            f'<th>P(up)</th></tr></thead><tbody>{rows}</tbody></table></div>')
