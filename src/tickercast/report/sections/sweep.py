"""The sections of a sweep: the settings chosen on validation scored on test, how much of the choice held, the
settings tried, a model-based search trial by trial, and the failed units."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tickercast.report import figures as fig
from tickercast.report import honesty
from tickercast.report.folder import SweepRun
from tickercast.report.leaderboard import Chosen, selection_rows
from tickercast.report.literal import for_html as _e
from tickercast.report.sections.page import Page
from tickercast.report.sections.tables import metrics_table
from tickercast.sweep.honesty import LUCK_READING, NO_LUCK_READING, READING, mean_ratio
from tickercast.sweep.plan import params_text
from tickercast.sweep.schema import TRIAL_STATES
from tickercast.sweep.select import eligible
from tickercast.sweep.store import Record

#: A sweep's selection table: (header, sort) of the columns between the dataset and the test metrics.
_SELECTION_LEAD = (("model", "text"), ("settings", "text"), ("validation RMSE", "number"), ("runs", "number"))


CHOSEN_ON_VALIDATION = ("settings chosen on the validation part only: per dataset and model, those with the lowest "
                         "mean validation RMSE over seeds. Every test metric on this page is that of the settings "
                         "chosen; the test part played no part in choosing them")


#: Failed units listed in full; the rest are counted (all are in results.sqlite).
_FAILURES_SHOWN = 200


#: A search's studies drawn a panel each; the rest are counted (all are in search.json).
_STUDIES_SHOWN = 12


def sweep_sections(page: Page, sweep: SweepRun) -> None:
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
                     metrics_table(selection_rows(chosen), "dataset", "selection", _SELECTION_LEAD),
                     f"{CHOSEN_ON_VALIDATION}. Test metrics: the mean over the runs (seeds) where there are "
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
    if tried and not searched_ranges(sweep):  # a range's trials have settings of their own: no line across them
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


def searched_ranges(sweep: SweepRun) -> bool:
    """Whether the sweep searched a range (tpe: `lr=1e-4..1e-2:log`) rather than lists of values only."""
    return any(isinstance(values, Mapping) for values in sweep.definition["grid"].values())


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
    """A row per failed unit with its error, as results.sqlite holds it."""
    rows = "".join(f'<tr><td>{_e(r.data)}</td><td class="text">{_e(r.model)}</td><td class="text">'
                   f'{_e(params_text(r.params))}</td><td>{"—" if r.seed is None else _e(str(r.seed))}</td>'
                   f'<td class="error">{_e(r.error or "")}</td></tr>' for r in records)
    heads = ('<th>dataset</th><th class="text">model</th><th class="text">settings</th><th>seed</th>'
             '<th class="text">error</th>')
    return (f'<div class="table-wrap"><table data-table="failures"><thead><tr>{heads}</tr></thead>'
            f'<tbody>{rows}</tbody></table></div>')
