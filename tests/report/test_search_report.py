"""A sweep's honesty and search in the report: selection.json's "honesty" and "luck" and search.json read back
checked, the honesty table, the validation-vs-test chart, the search's progress and importances; and sweeps from
before them, which render as they did."""

from __future__ import annotations

import json
import re
import shutil
import statistics
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.report.test_hostile_names import STUB, markup
from tickercast.errors import DataError
from tickercast.report import figures as fig
from tickercast.report.folder import SweepRun, read_run
from tickercast.report.html import render_page
from tickercast.report.literal import for_html, for_plotly
from tickercast.sweep.honesty import LUCK_READING, NO_LUCK_READING, READING
from tickercast.sweep.select import eligible


def page_data(page: str) -> dict:
    return json.loads(re.search(r'<script type="application/json" id="report-data">(.*?)</script>', page,
                                re.S).group(1))


def section(page: str, anchor: str) -> str:
    return re.search(f'<section id="{anchor}">(.*?)</section>', page, re.S).group(1)


def sections(page: str) -> dict[str, str]:
    return dict(re.findall(r'<section id="([^"]+)">(.*?)</section>', page, re.S))


def cells(table: str) -> list[dict[str, str]]:
    """Each row of a table's body: data-key -> data-value, or the text for a cell without a value."""
    found = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table.split("<tbody>")[1]):
        pairs = re.findall(r'<td data-key="([^"]*)"(?: data-value="([^"]*)")?[^>]*>([^<]*)</td>', row)
        found.append({key: text if value == "" and not row.count(f'data-key="{key}" data-value') else value
                      for key, value, text in pairs})
    return found


def older(sweep_run: Path, tmp_path: Path) -> Path:
    """A copy of sweep_run as a sweep from before issue 17 wrote it: selection.json without honesty and luck."""
    copy = _copy(sweep_run, tmp_path)
    _edit(copy / "selection.json", lambda s: (s.pop("honesty"), s.pop("luck")))
    return copy


def test_a_sweep_from_before_honesty_and_search_reads_without_them(sweep_run, tmp_path):
    sweep = read_run(older(sweep_run, tmp_path)).sweep
    assert "honesty" not in sweep.selection
    assert (sweep.honesty, sweep.luck, sweep.search) == ([], None, None)


def test_a_sweep_without_a_luck_check_shows_its_own_honesty_rows(sweep_run):
    page = render_page(read_run(sweep_run), library=STUB)
    rows = json.loads((sweep_run / "selection.json").read_text())["honesty"]
    shown = cells(section(page, "honesty"))
    assert [(cell["label"], cell["model"], cell["gap"]) for cell in shown] == [
        (for_html(row["data"]), row["model"], "" if row["gap"] is None else repr(row["gap"])) for row in rows]
    assert 'data-key="luck_gap"' not in page


def test_the_honesty_rows_the_luck_rows_and_the_search_read_back_as_written(search_run):
    sweep = read_run(search_run).sweep
    selection = json.loads((search_run / "selection.json").read_text())
    assert sweep.honesty == selection["honesty"]
    assert sweep.luck == selection["luck"]["honesty"]
    assert sweep.search == json.loads((search_run / "search.json").read_text())
    assert [(row["data"], row["model"]) for row in sweep.honesty] == [(s["data"], s["model"])
                                                                      for s in selection["selected"]]


def test_luck_null_means_no_luck_check(search_run, tmp_path):
    copy = _copy(search_run, tmp_path)
    _edit(copy / "selection.json", lambda s: s.update(luck=None))
    sweep = read_run(copy).sweep
    assert sweep.luck is None
    assert sweep.honesty


def _copy(folder: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    return copy


def _edit(path: Path, change: Callable[[dict], object]) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def _honesty(**values):
    return "selection.json", lambda s: s["honesty"][0].update(values)


def _trial(**values):
    return "search.json", lambda s: s["studies"][0]["trials"][0].update(values)


def _study(**values):
    return "search.json", lambda s: s["studies"][1].update(values)


#: Edits of a copy of search_run that break a documented shape: file, edit, what the one-line error says.
DAMAGED = {
    "honesty not a list": ("selection.json", lambda s: s.update(honesty={"rows": []}), '"honesty" is not'),
    "honesty row without its gap": ("selection.json", lambda s: s["honesty"][0].pop("gap"), '"honesty" is not'),
    "honesty ratio a string": (*_honesty(val_ratio="0.9"), '"honesty" is not'),
    "honesty candidates a float": (*_honesty(candidates=2.5), '"honesty" is not'),
    "honesty candidates a bool": (*_honesty(candidates=True), '"honesty" is not'),
    "honesty settings a list": (*_honesty(params=[5]), '"honesty" is not'),
    "luck a list": ("selection.json", lambda s: s.update(luck=[]), '"luck" is neither'),
    "luck without its folder": ("selection.json", lambda s: s["luck"].pop("folder"), '"luck" is neither'),
    "luck row damaged": ("selection.json", lambda s: s["luck"]["honesty"][0].update(gap="big"), '"luck" is neither'),
    "search a list": ("search.json", lambda s: s.update(studies={}), "not a search's trials"),
    "search without its batch": ("search.json", lambda s: s.pop("batch"), "not a search's trials"),
    "trial number a string": (*_trial(number="0"), "not a search's trials"),
    "trial value a string": (*_trial(value="low"), "not a search's trials"),
    "trial pruned at a float": (*_trial(pruned_at=1.5), "not a search's trials"),
    "trial state unknown": (*_trial(state="waiting"), "a trial whose state is not complete, pruned, failed, running"),
    "importance a string": (*_study(importances={"lookback": "high"}), "not a search's trials"),
    "range without its high": (*_study(space={"lr": {"low": 0.001, "log": True}}), "not a search's trials"),
    "range log a number": (*_study(space={"lr": {"low": 0.001, "high": 0.1, "log": 1}}), "not a search's trials"),
    "study of another dataset": (*_study(data="elsewhere.csv"), "a study of a dataset or model"),
    "study of another model": (*_study(model="gru"), "a study of a dataset or model"),
}


@pytest.mark.parametrize("case", DAMAGED)
def test_a_damaged_honesty_luck_or_search_is_one_line_naming_the_file(case, search_run, tmp_path):
    copy = _copy(search_run, tmp_path)
    name, change, what = DAMAGED[case]
    _edit(copy / name, change)
    with pytest.raises(DataError) as error:
        read_run(copy)
    message = str(error.value)
    assert message.startswith(f"{copy / name} is damaged (")
    assert what in message
    assert "--resume" in message
    assert "\n" not in message
    assert len(message.replace(str(copy / name), "")) < 300


def test_a_search_file_that_is_not_json_is_damaged(search_run, tmp_path):
    copy = _copy(search_run, tmp_path)
    (copy / "search.json").write_text('{"sampler": "tpe", ')
    with pytest.raises(DataError, match=rf"^{re.escape(str(copy / 'search.json'))} is damaged \(not JSON\)"):
        read_run(copy)


def test_settings_of_a_range_sort_by_their_value_and_listed_ones_by_grid_order():
    sweep = SweepRun({"grid": {"lookback": [20, 5], "lr": {"low": 1e-4, "high": 1e-2, "log": True}}}, [], None, None)
    settings = [{"lookback": 5, "lr": 0.002}, {"lookback": 20, "lr": 0.003}, {"lookback": 20, "lr": 0.0001},
                {"lookback": 5, "lr": 0.0005}]
    assert sorted(settings, key=sweep.position) == [{"lookback": 20, "lr": 0.0001}, {"lookback": 20, "lr": 0.003},
                                                    {"lookback": 5, "lr": 0.0005}, {"lookback": 5, "lr": 0.002}]


def test_the_honesty_table_shows_each_row_with_the_luck_of_the_same_choice(search_run):
    page = render_page(read_run(search_run), library=STUB)
    selection = json.loads((search_run / "selection.json").read_text())
    table = section(page, "honesty")
    shown = cells(table)
    assert len(shown) == len(selection["honesty"])
    luck = {(row["data"], row["model"]): row for row in selection["luck"]["honesty"]}
    for row, cell in zip(selection["honesty"], shown, strict=True):
        assert (cell["label"], cell["model"]) == (for_html(row["data"]), row["model"])
        for key in ("candidates", "val_ratio", "test_ratio", "gap"):
            assert cell[key] == ("" if row[key] is None else repr(float(row[key]))), key
        match = luck.get((row["data"], row["model"]))
        assert cell["luck_val_ratio"] == ("" if match is None else repr(match["val_ratio"]))
        assert cell["luck_gap"] == ("" if match is None else repr(match["gap"]))
    assert "—" in table  # the ratio that could not be computed, and the choice the luck sweep has no row for
    gaps = [row["gap"] for row in selection["honesty"] if row["gap"] is not None and row["candidates"] > 1]
    assert 0 < len(gaps) < len(selection["honesty"]) - 1  # one without a gap, and some chosen among one candidate
    assert f"mean gap {statistics.fmean(gaps):+.4f} over the {len(gaps)} choice(s) made among several candidates; " \
           f"on shuffled returns {0.04:+.4f}" in table
    assert f"{READING} {LUCK_READING}" in page.replace("&#x27;", "'")
    assert "<dt>luck check</dt><dd>the same sweep on the data with its returns shuffled in time, in the folder luck " \
           "inside this one" in page


def test_without_a_luck_check_the_honesty_table_has_no_luck_columns(search_run, tmp_path):
    copy = _copy(search_run, tmp_path)
    _edit(copy / "selection.json", lambda s: s.update(luck=None))
    page = render_page(read_run(copy), library=STUB)
    table = section(page, "honesty")
    assert ">luck val<" not in table
    assert 'data-key="luck' not in table
    assert cells(table)[0]["gap"] == repr(json.loads((copy / "selection.json").read_text())["honesty"][0]["gap"])
    assert f"{READING} {NO_LUCK_READING}" in page.replace("&#x27;", "'")
    assert "shuffled" not in page


def test_a_sweep_from_before_keeps_its_page_and_gains_only_the_validation_test_chart(sweep_run, search_run,
                                                                                   tmp_path):
    before = sections(render_page(read_run(older(sweep_run, tmp_path)), library=STUB))
    after = sections(render_page(read_run(search_run), library=STUB))
    assert "honesty" not in before
    assert "search" not in before
    assert "validation-test" in before
    assert set(after) - set(before) == {"honesty", "search", "search-importance"}
    for anchor in ("overall", "selection", "validation-test", "settings", "failures"):
        assert before[anchor] == after[anchor], anchor


def test_the_validation_test_chart_has_every_eligible_settings_but_naive_and_a_star_per_choice(sweep_run):
    run = read_run(sweep_run)
    figure = page_data(render_page(run, library=STUB))["figures"]["fig-validation-test"]
    diagonal, *models = figure["data"]
    assert [(trace["name"], trace["marker"]["symbol"], trace["showlegend"]) for trace in models] == [
        (model, symbol, symbol == "circle") for model in ("lstm", "lstm-global", "ar") for symbol in ("circle", "star")]
    candidates = [c for c in eligible(run.sweep.records) if c.model != "naive"]
    assert sum(len(trace["x"]) for trace in models) == len(candidates)
    chosen = [s for s in run.sweep.selection["selected"] if s["model"] != "naive"]
    assert sum(len(trace["x"]) for trace in models if trace["marker"]["symbol"] == "star") == len(chosen)
    for model in ("lstm", "lstm-global", "ar"):
        mine = [c for c in candidates if c.model == model]
        for part, axis in (("val", "x"), ("test", "y")):
            expected = sorted(statistics.fmean(r.metrics[part]["rmse_ratio_vs_naive"] for r in c.runs) for c in mine)
            drawn = sorted(value for trace in models if trace["name"] == model for value in trace[axis])
            assert drawn == pytest.approx(expected, rel=1e-5)
    every = [value for trace in models for axis in ("x", "y") for value in trace[axis]]
    assert diagonal["x"] == diagonal["y"] == pytest.approx([min(every), max(every)], rel=1e-5)


def test_the_search_chart_draws_each_study_its_trials_and_the_best_so_far_by_the_objective(search_run):
    page = render_page(read_run(search_run), library=STUB)
    figure = page_data(page)["figures"]["fig-search"]
    search = json.loads((search_run / "search.json").read_text())
    assert [note["text"] for note in figure["layout"]["annotations"]] == [
        for_plotly(f"{study['data']} · lstm") for study in search["studies"]]
    for k in range(2):
        axis = "y" if k == 0 else f"y{k + 1}"
        mine = {trace["name"]: trace for trace in figure["data"] if trace["yaxis"] == axis}
        assert mine["trial"]["x"] == [0, 1, 2, 3]
        assert mine["trial"]["y"] == [1.01, 0.99, 1.0, 0.98]
        assert (mine["pruned"]["x"], mine["pruned"]["y"]) == ([4], [1.01])  # along the top of the panel
        assert (mine["failed"]["x"], mine["failed"]["y"]) == ([5], [1.01])
        assert mine["pruned"]["customdata"] == [["pruned after epoch 1", "hidden=3 lookback=5"]]
        assert mine["failed"]["customdata"] == [["failed", "hidden=4 lookback=5"]]
        # trial 2 has the lowest objective so far, though not the lowest ratio: the sweep would choose it then
        assert mine["best so far"]["x"] == [0, 1, 2, 3, 4, 5]
        assert mine["best so far"]["y"] == [1.01, 0.99, 1.0, 0.98, 0.98, 0.98]
    assert [trace["showlegend"] for trace in figure["data"]] == [True] * 4 + [False] * 4  # each kind named once
    assert "In all 12 trials: 8 complete, 2 pruned, 2 failed" in section(page, "search")


def test_the_importance_table_has_a_row_per_study_with_importances_the_largest_marked(search_run):
    page = render_page(read_run(search_run), library=STUB)
    table = section(page, "search-importance")
    [row] = cells(table)
    assert (row["lookback"], row["hidden"]) == ("0.7", "0.3")
    assert re.search(r'data-key="lookback" data-value="0.7" class="best"', table)
    assert re.search(r'<th data-sort="number">lookback</th><th data-sort="number">hidden</th>', table)


def test_a_search_without_importances_has_no_importance_table(search_run, tmp_path):
    copy = _copy(search_run, tmp_path)
    _edit(copy / "search.json", lambda s: s["studies"][0].update(importances={}))
    page = render_page(read_run(copy), library=STUB)
    assert 'id="search-importance"' not in page
    assert 'id="search"' in page


def test_a_search_of_many_studies_draws_the_first_twelve_and_says_so(search_run, tmp_path):
    copy = _copy(search_run, tmp_path)
    _edit(copy / "search.json", lambda s: s.update(studies=s["studies"] * 7))
    page = render_page(read_run(copy), library=STUB)
    assert len(page_data(page)["figures"]["fig-search"]["layout"]["annotations"]) == 12
    assert "the first 12 of 14 studies (all are in search.json)" in section(page, "search")


def test_a_tpe_sweep_over_a_range_says_how_it_searched_and_draws_no_line_across_its_settings(search_run):
    run = read_run(search_run)
    definition = run.sweep.definition
    definition["search"] = "tpe:6"
    definition["grid"]["lr"] = {"low": 0.0001, "high": 0.01, "log": True}
    page = render_page(run, library=STUB)
    assert ("<dt>grid</dt><dd>lookback 5, 8 · hidden 3, 4 · lr 0.0001..0.01, log scale; model-based search (Optuna"
            "&#x27;s TPE sampler, seed 0): 6 trials per dataset and model, asked 2 at a time, pruning median</dd>"
            in page)
    assert 'id="settings"' not in page
    assert "validation across the settings" not in page
    assert 'id="validation-test"' in page


def test_a_tpe_sweep_interrupted_before_its_search_file_still_says_how_it_searched(sweep_run):
    run = read_run(sweep_run)
    run.sweep.definition["search"] = "tpe:30"
    page = render_page(run, library=STUB)
    assert "model-based search (Optuna&#x27;s TPE sampler, seed 0): 30 trials per dataset and model</dd>" in page


def test_pruned_units_are_counted_apart_from_failed_ones(sweep_run):
    from dataclasses import replace

    run = read_run(sweep_run)
    run.sweep.records[0] = replace(run.sweep.records[0], metrics=None, error=None, pruned=2)
    page = render_page(run, library=STUB)
    failed = sum(1 for r in run.sweep.records if r.error)
    assert f"<dt>results</dt><dd>{len(run.sweep.records)} stored, {failed} failed, 1 pruned</dd>" in page


def test_best_so_far_starts_at_the_first_complete_trial():
    trials = [{"number": 0, "state": "pruned", "params": {}, "value": None, "val_ratio": None, "pruned_at": 2},
              {"number": 1, "state": "complete", "params": {}, "value": 2.0, "val_ratio": 1.1, "pruned_at": None},
              {"number": 2, "state": "complete", "params": {}, "value": 1.0, "val_ratio": 0.9, "pruned_at": None}]
    figure = fig.search_figure([{"data": "d", "model": "gru", "trials": trials[::-1]}], {"gru": "#000"})
    best = next(trace for trace in figure["data"] if trace["name"] == "best so far")
    assert (best["x"], best["y"]) == ([1, 2], [1.1, 0.9])
    pruned = next(trace for trace in figure["data"] if trace["name"] == "pruned")
    assert pruned["y"] == [1.1]


def test_a_study_with_no_complete_trial_draws_its_marks_at_naive():
    trials = [{"number": 0, "state": "failed", "params": {"hidden": 4}, "value": None, "val_ratio": None,
               "pruned_at": None}]
    figure = fig.search_figure([{"data": "d", "model": "gru", "trials": trials}], {})
    kinds = {trace["name"]: trace for trace in figure["data"]}
    assert kinds["failed"]["y"] == [1.0]
    assert kinds["trial"]["x"] == kinds["best so far"]["x"] == []


def test_hostile_names_in_the_honesty_rows_and_the_search_show_escaped(search_run, tmp_path):
    from tests.report.hostile import HOSTILE

    name = HOSTILE["script"] + HOSTILE["Plotly markup"] + HOSTILE["format strings"]
    copy = _copy(search_run, tmp_path)
    _edit(copy / "selection.json", lambda s: [row.update(data=name, params={name: name}) for row in s["honesty"]])
    _edit(copy / "search.json", lambda s: [trial.update(params={name: name}) for trial in s["studies"][0]["trials"]])
    _edit(copy / "search.json", lambda s: s["studies"][0].update(importances={name: 1.0}))
    page = render_page(read_run(copy), library=STUB)
    shown = markup(page)
    assert name not in shown
    assert for_html(name) in section(page, "honesty")
    assert f"<th data-sort=\"number\">{for_html(name)}</th>" in section(page, "search-importance")
    trial = next(t for t in page_data(page)["figures"]["fig-search"]["data"] if t["name"] == "trial")
    assert trial["customdata"][0] == for_plotly(f"{name}={name}")


def test_a_written_sweep_report_holds_the_new_sections(search_run):
    page = (search_run / "report.html").read_text()
    for anchor in ("honesty", "validation-test", "search", "search-importance"):
        assert f'<section id="{anchor}">' in page
        assert f'<a href="#{anchor}">' in page



def test_a_real_tpe_sweep_reads_its_search_and_draws_it_without_a_line_across_its_settings(tpe_run):
    run = read_run(tpe_run)
    search = json.loads((tpe_run / "search.json").read_text())
    assert run.sweep.search == search
    assert run.sweep.definition["grid"]["hidden"] == {"low": 2, "high": 6, "log": False}
    [study] = search["studies"]
    lstm = [r for r in run.sweep.records if r.model == "lstm"]
    assert [run.sweep.position(r.params) for r in lstm] == sorted(run.sweep.position(r.params) for r in lstm)
    page = (tpe_run / "report.html").read_text()
    assert "<dt>grid</dt><dd>hidden 2..6 · lookback 3, 5; model-based search (Optuna&#x27;s TPE sampler, seed 0): 5 " \
           "trials per dataset and model, asked 1 at a time, pruning median</dd>" in page
    assert 'id="settings"' not in page
    figure = page_data(page)["figures"]["fig-search"]
    drawn = sum(len(trace["x"]) for trace in figure["data"] if trace["name"] != "best so far")
    assert drawn == len(study["trials"]) == 5
    points = page_data(page)["figures"]["fig-validation-test"]["data"][1:]
    assert sum(len(trace["x"]) for trace in points) == len({repr(r.params) for r in lstm if r.metrics})


def test_a_trial_left_running_is_drawn_as_unfinished_and_counted(search_run, tmp_path):
    copy = _copy(search_run, tmp_path)
    _edit(copy / "search.json", lambda s: s["studies"][0]["trials"][5].update(state="running"))
    page = render_page(read_run(copy), library=STUB)
    unfinished = [t for t in page_data(page)["figures"]["fig-search"]["data"] if t["name"] == "unfinished"]
    assert [(t["x"], t["customdata"][0][0]) for t in unfinished] == [([5], "running")]
    assert "In all 12 trials: 8 complete, 2 pruned, 1 failed, 1 running" in section(page, "search")


def test_a_real_luck_check_shows_the_luck_columns_of_every_choice(tpe_run):
    selection = json.loads((tpe_run / "selection.json").read_text())
    assert selection["luck"]["folder"] == "luck"
    page = render_page(read_run(tpe_run), library=STUB)
    luck = {(row["data"], row["model"]): row for row in selection["luck"]["honesty"]}
    shown = cells(section(page, "honesty"))
    assert len(shown) == len(selection["honesty"]) == len(luck)
    for row, cell in zip(selection["honesty"], shown, strict=True):
        match = luck[row["data"], row["model"]]
        assert cell["luck_gap"] == ("" if match["gap"] is None else repr(match["gap"]))
    assert read_run(tpe_run / "luck").sweep.luck is None  # the luck folder is a sweep of its own
