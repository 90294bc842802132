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
