"""Leaderboard rows: exact numbers, best per column, and a verdict only where the test supports one."""

import pytest

from tickercast.evaluate.vocabulary import ablation_kind, runs_verdict, verdict
from tickercast.report.leaderboard import Chosen, selection_rows, table_rows


def metrics(rmse, ratio, p_better, direction=0.5, p_two=None):
    return {"rmse": rmse, "mae": rmse / 2, "mape": 0.5, "directional_accuracy": direction, "naive_rmse": 10.0,
            "rmse_ratio_vs_naive": ratio, "n": 100, "dm_p_value_better": p_better,
            "dm_p_value": p_two if p_two is not None else min(1.0, 2 * min(p_better, 1 - p_better)),
            "direction_p_value": 0.3, "looks_lagged": True}


@pytest.mark.parametrize(("p_better", "kind"), [(0.01, "better"), (0.3, "same"), (0.7, "same"), (0.99, "worse")])
def test_verdict_needs_a_one_sided_dm_p_below_005(p_better, kind):
    assert verdict(metrics(9.0, 0.9, p_better)).kind == kind


def test_naive_is_the_benchmark_and_missing_tests_say_so():
    assert verdict(metrics(10.0, 1.0, 0.5), benchmark=True).kind == "benchmark"
    assert verdict({"rmse": 1.0}).kind == "untested"


def test_rows_are_ranked_by_ratio_and_best_values_are_marked():
    rows = table_rows([("lstm", metrics(10.2, 1.02, 0.9), False), ("gru", metrics(9.9, 0.99, 0.2, 0.53), False),
                       ("naive", metrics(10.0, 1.0, 0.5), True)])
    assert [row.label for row in rows] == ["gru", "naive", "lstm"]
    gru = {cell.key: cell for cell in rows[0].cells}
    assert (gru["rmse"].value, gru["rmse"].text, gru["rmse"].best) == (9.9, "9.9", True)
    assert gru["directional_accuracy"].best
    assert gru["directional_accuracy"].text == "53.0%"
    assert not gru["dm_p_value"].best  # p-values have no "best"
    assert {cell.key: cell.best for cell in rows[2].cells}["rmse"] is False


def test_missing_values_show_a_dash_and_are_never_best():
    rows = table_rows([("a", {"rmse": None, "rmse_ratio_vs_naive": 1.0}, False), ("b", {"rmse": 2.0}, False)])
    cell = {c.key: c for c in rows[0].cells}["rmse"]
    assert (cell.value, cell.text, cell.best) == (None, "—", False)


@pytest.mark.parametrize(("p_values", "kind", "text"), [
    ((0.01, 0.02), "better", "beats naive in all 2 runs"),
    ((0.99, 0.98, 0.999), "worse", "loses to naive in all 3 runs"),
    ((0.01, 0.3), "same", "beats it in 1 and loses to it in 0 of 2 runs"),
    ((0.3, 0.6), "same", "no significant difference from naive in any of the 2 runs"),
])
def test_several_seeds_beat_naive_only_if_every_run_does(p_values, kind, text):
    result = runs_verdict([metrics(9.0, 0.9, p) for p in p_values])
    assert result.kind == kind
    assert text in result.text


def test_one_run_keeps_its_own_verdict_and_naive_is_the_benchmark():
    assert runs_verdict([metrics(9.0, 0.9, 0.01)]) == verdict(metrics(9.0, 0.9, 0.01))
    assert runs_verdict([metrics(10.0, 1.0, 0.5)], benchmark=True).kind == "benchmark"


def test_selection_rows_rank_and_mark_the_best_within_each_dataset():
    def chosen(data, model, ratio, rmse):
        return Chosen(data, model, "lookback=5", rmse, metrics(rmse, ratio, 0.3), [metrics(rmse, ratio, 0.3)])

    rows = selection_rows([chosen("big", "lstm", 1.01, 50.0), chosen("big", "naive", 1.0, 49.5),
                           chosen("small", "lstm", 0.99, 0.5), chosen("small", "naive", 1.0, 0.505)])
    assert [(row.label, row.lead[0].text) for row in rows] == [("big", "naive"), ("big", "lstm"),
                                                                ("small", "lstm"), ("small", "naive")]
    best = [{c.key: c.best for c in row.cells}["rmse"] for row in rows]
    assert best == [True, False, True, False]  # the best RMSE of each dataset, though 49.5 > 0.505
    assert [cell.text for cell in rows[2].lead] == ["lstm", "lookback=5", "0.5", "1"]
    assert rows[0].verdict.kind == "benchmark"


@pytest.mark.parametrize(("p_better", "p_two"), [(0.01, 0.02), (0.049, 0.098), (0.3, 0.6), (0.7, 0.6), (0.97, 0.06),
                                                 (0.98, 0.04), (0.999, 0.002), (0.6, 0.01)])
def test_an_ablation_row_is_coloured_by_what_its_verdict_says(p_better, p_two):
    from tickercast.comparison import _verdict  # the words ablation.json holds, written by the same rule

    words = _verdict("+volume", p_better, p_two)
    expected = "better" if "significantly better" in words else "worse" if "significantly worse" in words else "same"
    assert ablation_kind({"dm_p_value_better": p_better, "dm_p_value": p_two}) == expected


def test_an_ablation_row_without_numbers_is_untested():
    assert ablation_kind({"dm_p_value_better": None, "dm_p_value": 0.01}) == "untested"
    assert ablation_kind({"dm_p_value_better": "0.01"}) == "untested"
