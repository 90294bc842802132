import pytest

from tickercast.sweep.select import eligible, select, standings
from tickercast.sweep.store import Record


def record(model, params, seed, val, test, data="a"):
    def part(rmse):
        return {"rmse": rmse, "rmse_ratio_vs_naive": rmse / 10, "dm_p_value_better": 0.5, "n": 5}

    return Record(data, model, params, seed, {"val": part(val), "test": part(test)}, None, 0.1, 0.1)


def failed(model, params, seed, data="a"):
    return Record(data, model, params, seed, None, "too short", 0.0, 0.0)


def test_the_lowest_mean_validation_rmse_over_seeds_wins_whatever_the_test_says():
    records = [record("lstm", {"hidden": 4}, 0, val=1.0, test=9.0), record("lstm", {"hidden": 4}, 1, val=3.0, test=9.0),
               record("lstm", {"hidden": 8}, 0, val=1.5, test=1.0), record("lstm", {"hidden": 8}, 1, val=1.5, test=1.0)]
    (chosen,) = select(records)
    assert chosen.params == {"hidden": 8}
    assert chosen.validation_rmse == pytest.approx(1.5)
    assert [run.seed for run in chosen.runs] == [0, 1]


def test_a_tie_goes_to_the_first_settings_tried():
    records = [record("ar", {"lookback": 5}, None, 2.0, 1.0), record("ar", {"lookback": 10}, None, 2.0, 0.5)]
    assert select(records)[0].params == {"lookback": 5}


def test_settings_with_a_failed_run_are_not_eligible():
    records = [record("gru", {"lookback": 5}, 0, 1.0, 1.0), failed("gru", {"lookback": 5}, 1),
               record("gru", {"lookback": 10}, 0, 2.0, 1.0), record("gru", {"lookback": 10}, 1, 2.0, 1.0)]
    assert select(records)[0].params == {"lookback": 10}


def test_a_model_that_failed_everywhere_has_no_selection():
    records = [failed("lstm", {}, 0), record("naive", {}, None, 1.0, 1.0)]
    assert [s.model for s in select(records)] == ["naive"]


def test_each_dataset_and_model_is_chosen_separately_and_ranked_like_compare():
    records = [record("ar", {"lookback": 5}, None, 1.0, 8.0, data="a"),
               record("ar", {"lookback": 10}, None, 2.0, 1.0, data="a"),
               record("naive", {}, None, 3.0, 3.0, data="a"),
               record("ar", {"lookback": 5}, None, 2.0, 1.0, data="b"),
               record("ar", {"lookback": 10}, None, 1.0, 8.0, data="b"),
               record("naive", {}, None, 3.0, 3.0, data="b")]
    chosen = select(records)
    assert [(s.data, s.model, s.params) for s in chosen] == [("a", "ar", {"lookback": 5}), ("a", "naive", {}),
                                                             ("b", "ar", {"lookback": 10}), ("b", "naive", {})]
    board = standings(chosen)
    assert [row["model"] for row in board["leaderboard"]] == ["naive", "ar"]  # ar's test RMSE 8 > naive's 3
    assert board["summary"]["a"][0]["rmse"] == 8.0


def test_one_dataset_has_no_leaderboard_across_datasets():
    assert standings(select([record("naive", {}, None, 1.0, 1.0)]))["leaderboard"] is None


def test_every_eligible_settings_is_a_candidate_scored_over_its_seeds():
    records = [record("gru", {"lookback": 5}, 0, 1.0, 1.0), failed("gru", {"lookback": 5}, 1),
               record("gru", {"lookback": 10}, 0, 2.0, 1.0), record("gru", {"lookback": 10}, 1, 3.0, 1.0),
               record("gru", {"lookback": 10}, 0, 4.0, 1.0, data="b")]
    assert [(c.data, c.params, c.validation_rmse, len(c.runs)) for c in eligible(records)] == [
        ("a", {"lookback": 10}, 2.5, 2), ("b", {"lookback": 10}, 4.0, 1)]
