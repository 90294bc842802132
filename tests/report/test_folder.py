"""Reading run folders back: every kind of run, and a clear error for anything that is not one."""

import json

import pytest

from tickercast.errors import DataError
from tickercast.report.folder import read_run


def test_a_compare_folder_gives_one_comparison_with_every_bundle(small_run):
    run = read_run(small_run)
    [comparison] = run.comparisons
    assert sorted(m.label for m in comparison.models) == ["gru-seed0", "lstm-seed0", "naive"]
    lstm = next(m for m in comparison.models if m.label == "lstm-seed0")
    assert lstm.metrics == json.loads((small_run / "lstm-seed0" / "metrics.json").read_text())
    assert lstm.is_network
    assert lstm.history is not None
    assert list(lstm.predictions.columns) == ["date", "actual", "predicted", "naive", "split"]
    assert run.record["command"] == "compare"
    assert run.record["seeds"] == [0]
    assert run.backtest is None
    assert not run.forecasts


def test_a_single_bundle_is_a_comparison_of_one(small_run):
    run = read_run(small_run / "naive")
    assert [m.label for m in run.comparisons[0].models] == ["naive"]


def test_a_backtest_folder_has_forecasts_equity_and_split(backtest_run):
    run = read_run(backtest_run)
    assert run.backtest.settings["model"] == "ar"
    assert set(run.backtest.metrics) == {"1", "2", "3"}
    assert list(run.backtest.equity.columns) == ["date", "buy_and_hold", "long_flat", "long_short"]
    assert set(run.backtest.settings["split"]) == {"train", "val", "test"}
    assert not run.comparisons


@pytest.mark.parametrize("make", ["missing", "file", "empty", "unrelated"])
def test_anything_but_a_run_folder_is_a_data_error(make, tmp_path):
    target = tmp_path / "target"
    if make == "file":
        target.write_text("x")
    elif make in ("empty", "unrelated"):
        target.mkdir()
        if make == "unrelated":
            (target / "notes.txt").write_text("hello")
            (target / "sub").mkdir()
    with pytest.raises(DataError, match="--out folder"):
        read_run(target)


def test_a_damaged_predictions_file_is_a_data_error(small_run, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(small_run / "naive", copy)
    (copy / "predictions.csv").write_text("nothing,useful\n1,2\n")
    with pytest.raises(DataError, match=r"predictions\.csv: damaged file"):
        read_run(copy)


def test_a_sweep_folder_gives_its_definition_every_result_and_the_selection(sweep_run):
    run = read_run(sweep_run)
    sweep = run.sweep
    selection = json.loads((sweep_run / "selection.json").read_text())
    assert sweep.selection == selection
    assert run.leaderboard == selection["leaderboard"]
    assert not run.comparisons
    assert run.record["command"] == "sweep"
    data = list(sweep.definition["data"])
    assert len(sweep.records) == 2 * (8 + 8 + 2 + 1) + (8 + 2 + 1)  # lstm, lstm-global, ar, naive; no global on broken
    assert {r.data for r in sweep.records if r.error} == {data[2]}  # broken.csv: every unit failed, none else
    first = [(r.model, r.params, r.seed) for r in sweep.records if r.data == data[0]]
    assert list(dict.fromkeys(model for model, _, _ in first)) == ["lstm", "lstm-global", "ar", "naive"]
    assert first[:3] == [("lstm", {"hidden": 3, "lookback": 5}, 0), ("lstm", {"hidden": 3, "lookback": 5}, 1),
                         ("lstm", {"hidden": 4, "lookback": 5}, 0)]  # in grid order: lookback=5,8 hidden=3,4
    lstm = next(s for s in selection["selected"] if (s["data"], s["model"]) == (data[0], "lstm"))
    assert [(r.params, r.seed) for r in sweep.runs(lstm)] == [(lstm["params"], 0), (lstm["params"], 1)]
    assert not list(sweep_run.glob("results.sqlite-*"))  # reading leaves no -wal or -shm file behind


def test_an_interrupted_sweep_is_read_without_its_selection(sweep_run, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(sweep_run, copy)
    (copy / "selection.json").unlink()
    run = read_run(copy)
    assert run.sweep.selection is None
    assert run.leaderboard is None
    assert len(run.sweep.records) == len(read_run(sweep_run).sweep.records)
