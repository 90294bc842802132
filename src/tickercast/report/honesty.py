"""The report's tables of how honest a sweep's choice was, and of which searched settings mattered.

Why: a sweep chooses the settings with the best validation score among many, and the best of many scores is
partly luck. The honesty table puts each choice's validation ratio to naive next to its test ratio (days that
played no part in choosing), and, with `--luck-check`, next to what the same choice gives on the same data with
its returns shuffled in time, where every apparent edge is luck. The importance table shows, per study of a
model-based search, how much each setting moved the validation score (Optuna's parameter importances).

    markup = honesty_table(sweep.honesty, sweep.luck)     # selection.json's "honesty" and "luck" rows
    markup = importance_table(sweep.search["studies"])    # search.json's studies
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from typing import Any

from tickercast.evaluate.vocabulary import number, number_text
from tickercast.report.literal import for_html as _e
from tickercast.report.sections.page import ALIGN, number_cell
from tickercast.sweep.plan import params_text

_RATIO, _GAP = "{:.4f}", "{:+.4f}"


def honesty_table(rows: Sequence[Mapping[str, Any]], luck: Sequence[Mapping[str, Any]] | None = None) -> str:
    """selection.json's "honesty" rows as a sortable table, with the luck sweep's validation ratio and gap for
    the same (dataset, model) when there are `luck` rows (—: that choice has none), under a line of mean gaps."""
    found = {(row["data"], row["model"]): row for row in luck or ()}
    heads = [("dataset", "text"), ("model", "text"), ("settings", "text"), ("candidates", "number"),
             ("val", "number"), ("test", "number"), ("gap", "number")]
    heads += [("luck val", "number"), ("luck gap", "number")] if luck is not None else []
    body = []
    for row in rows:
        cells = [_text("label", row["data"]), _text("model", row["model"]),
                 _text("settings", params_text(row["params"])),
                 _number("candidates", row["candidates"], "{:,.0f}"), _number("val_ratio", row["val_ratio"], _RATIO),
                 _number("test_ratio", row["test_ratio"], _RATIO), _number("gap", row["gap"], _GAP)]
        if luck is not None:
            shuffled = found.get((row["data"], row["model"]), {})
            cells += [_number("luck_val_ratio", shuffled.get("val_ratio"), _RATIO),
                      _number("luck_gap", shuffled.get("gap"), _GAP)]
        body.append(f'<tr data-label="{_e(row["data"])}">{"".join(cells)}</tr>')
    header = "".join(f'<th data-sort="{sort}"{ALIGN[sort]}>{_e(text)}</th>' for text, sort in heads)
    return (f"<p>{_e(mean_gaps(rows, luck))}</p>"
            f'<div class="table-wrap"><table class="sortable" '
            f'data-table="honesty"><thead><tr>{header}</tr></thead><tbody>{"".join(body)}</tbody></table></div>')


def mean_gaps(rows: Sequence[Mapping[str, Any]], luck: Sequence[Mapping[str, Any]] | None = None) -> str:
    """One line: the mean gap of the choices made among several candidates (a model with nothing to choose,
    naive, has no selection luck to show) and, with the luck check, the same on shuffled returns."""
    line = f"mean gap {_mean_gap(rows)} over the {len(_chosen(rows))} choice(s) made among several candidates"
    return line + (f"; on shuffled returns {_mean_gap(luck)}" if luck is not None else "")


def _chosen(rows: Sequence[Mapping[str, Any]]) -> list[float]:
    """The gaps of the rows chosen among more than one candidate, where there is one."""
    return [gap for row in rows if row["candidates"] > 1 and (gap := number(row["gap"])) is not None]


def _mean_gap(rows: Sequence[Mapping[str, Any]]) -> str:
    gaps = _chosen(rows)
    return number_text(statistics.fmean(gaps) if gaps else None, _GAP)


def importance_table(studies: Sequence[Mapping[str, Any]]) -> str:
    """Optuna's parameter importances, a row per study that has them and a column per setting (in the order of
    the first study's space), the largest of each row highlighted."""
    keys = list(dict.fromkeys(key for study in studies for key in (*study["space"], *study["importances"])
                              if any(key in s["importances"] for s in studies)))
    body = []
    for study in studies:
        if not study["importances"]:
            continue
        largest = max(study["importances"].values())
        cells = "".join(_number(key, study["importances"].get(key), "{:.3f}",
                                best=study["importances"].get(key) == largest) for key in keys)
        body.append(f'<tr data-label="{_e(study["data"])}">{_text("label", study["data"])}'
                    f'{_text("model", study["model"])}{cells}</tr>')
    header = ('<th data-sort="text" class="text">dataset</th><th data-sort="text" class="text">model</th>'
              + "".join(f'<th data-sort="number">{_e(key)}</th>' for key in keys))
    return (f'<div class="table-wrap"><table class="sortable" data-table="search-importance"><thead><tr>{header}'
            f'</tr></thead><tbody>{"".join(body)}</tbody></table></div>')


def _text(key: str, text: str) -> str:
    return f'<td data-key="{key}" class="text">{_e(text)}</td>'


def _number(key: str, value: Any, fmt: str, *, best: bool = False) -> str:
    return number_cell(value, fmt, key=key, best=best)
