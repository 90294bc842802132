"""`--target direction` on the command line: scores in --json, trading on P(up), one-line refusals."""

import json
import re

import pytest

from tests.conftest import price_frame
from tests.conftest import run_cli as run

SMALL = ["--lookback", "5", "--hidden", "4", "--layers", "1", "--epochs", "2", "--dropout", "0"]
KEYS = {"accuracy", "balanced_accuracy", "brier", "log_loss", "auc", "base_rate", "p_value_vs_constant", "n",
        "reliability"}


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    path = tmp_path_factory.mktemp("direction") / "ar.csv"
    price_frame(600, phi=0.4, seed=2).to_csv(path)
    return str(path)


def test_train_json_holds_the_classification_scores_of_every_split(capsys, data):
    code, out, _ = run(capsys, "train", "--data", data, "--model", "gru", "--target", "direction", *SMALL, "--json")
    result = json.loads(out)
    assert code == 0
    assert result["settings"]["target"] == "direction"
    for part in ("train", "val", "test"):
        assert set(result["metrics"][part]) == KEYS
        assert sum(row["n"] for row in result["metrics"][part]["reliability"]) == result["metrics"][part]["n"]


def test_backtest_trades_on_probabilities_above_the_threshold(capsys, data):
    code, out, _ = run(capsys, "backtest", "--data", data, "--model", "logistic", "--target", "direction",
                       "--trade", "--threshold", "0.55", "--lookback", "5", "--json")
    result = json.loads(out)
    assert code == 0
    assert set(result["metrics"]["1"]) == KEYS
    assert result["trading"]["threshold"] == 0.55
    assert result["settings"]["threshold"] == 0.55
    assert result["trading"]["long_flat"]["exposure"] <= result["trading"]["long_short"]["exposure"]


def test_compare_ranks_the_direction_models_by_log_loss(capsys, data):
    code, out, _ = run(capsys, "compare", "--data", data, "--target", "direction", "--models",
                       "momentum,base_rate,reversal", "--lookback", "5", "--json")
    rows = json.loads(out)["summary"][data]["test"]
    assert code == 0
    assert [row["model"] for row in rows][-1] == "reversal"
    assert [row["log_loss"] for row in rows] == sorted(row["log_loss"] for row in rows)


def test_forecast_of_a_saved_direction_model_prints_the_next_days_probability(capsys, data, tmp_path):
    assert run(capsys, "train", "--data", data, "--model", "momentum", "--target", "direction", "--out",
               str(tmp_path / "up"))[0] == 0
    code, out, _ = run(capsys, "forecast", "--model-dir", str(tmp_path / "up"), "--data", data, "--json")
    rows = json.loads(out)["forecast"]
    assert code == 0
    assert len(rows) == 1
    assert 0 <= rows[0]["p_up"] <= 1


BAD = {
    "a price model": (["train", "--model", "naive", "--target", "direction"], "forecasts prices, not the direction"),
    "a direction baseline for prices": (["train", "--model", "momentum"], "only the direction"),
    "a threshold for prices": (["backtest", "--model", "ar", "--threshold", "0.6"], "--target direction only"),
    "a threshold below a half": (["backtest", "--model", "momentum", "--target", "direction", "--trade",
                                  "--threshold", "0.3"], r"\[0.5, 1\)"),
    "several days ahead": (["backtest", "--model", "momentum", "--target", "direction", "--horizon", "3"],
                           "next day only"),
    "several network outputs": (["train", "--model", "lstm", "--target", "direction", "--horizons", "3"],
                                "one day ahead"),
    "input sets": (["compare", "--models", "momentum", "--target", "direction", "--feature-sets",
                    "returns; returns,volume"], "does not apply to --target direction"),
}


@pytest.mark.parametrize("case", BAD)
def test_a_combination_that_makes_no_sense_is_one_line_and_exit_2(capsys, data, case):
    args, message = BAD[case]
    code, out, err = run(capsys, args[0], "--data", data, *args[1:])
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("error: ")
    assert len(err) < 300
    assert re.search(message, err)
