"""`--ensemble N` on the command line: member scores in --json, the table, the bundle, the report, forecasts
from a saved ensemble, and one-line refusals (exit 2) for what cannot combine."""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import price_frame
from tests.conftest import run_cli as run
from tickercast.cli import main

SMALL = ["--lookback", "5", "--hidden", "4", "--layers", "1", "--epochs", "2", "--dropout", "0"]


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    path = tmp_path_factory.mktemp("ensemble") / "ar.csv"
    price_frame(400, phi=0.4, seed=2).to_csv(path)
    return str(path)


def test_train_json_scores_each_member_and_the_ensemble(capsys, data, tmp_path):
    code, out, _ = run(capsys, "train", "--data", data, "--model", "gru", "--ensemble", "3", "--seed", "4", *SMALL,
                       "--json", "--out", str(tmp_path / "run"))
    result = json.loads(out)
    assert code == 0
    assert result["settings"]["ensemble"] == 3
    assert [member["seed"] for member in result["members"]] == [4, 5, 6]
    for member in result["members"]:
        assert set(member["metrics"]) == {"train", "val", "test"}
        assert member["metrics"]["test"]["n"] == result["metrics"]["test"]["n"]
    assert set(result["metrics"]) == {"train", "val", "test"}  # DESIGN §4: metrics.<split> only
    assert run(capsys, "report", str(tmp_path / "run"))[0] == 0
    report = (tmp_path / "run" / "report.html").read_text()
    assert "Ensemble members" in report
    assert "seed 6" in report
    assert "members&#x27; mean" in report


def test_train_shows_the_members_table(capsys, data):
    code, out, _ = run(capsys, "train", "--data", data, "--model", "lstm", "--ensemble", "2", *SMALL)
    assert code == 0
    assert "lstm ensemble of 2 on" in out
    for row in ("seed 0", "seed 1", "members' mean", "ensemble of 2 (seeds 0-1): test RMSE / naive"):
        assert row in out


def test_a_saved_ensemble_forecasts(capsys, data, tmp_path):
    assert main(["train", "--data", data, "--model", "gru", "--ensemble", "2", *SMALL, "--out",
                 str(tmp_path / "gru")]) == 0
    capsys.readouterr()
    code, out, _ = run(capsys, "forecast", "--model-dir", str(tmp_path / "gru"), "--data", data, "--horizon", "3",
                       "--json")
    result = json.loads(out)
    assert code == 0
    assert result["ensemble"] == 2
    assert len(result["forecast"]) == 3
    code, out, _ = run(capsys, "forecast", "--model-dir", str(tmp_path / "gru"), "--data", data, "--horizon", "2")
    assert code == 0
    assert "gru ensemble of 2 forecast" in out


def test_compare_runs_networks_as_ensembles_and_baselines_once(capsys, data):
    code, out, _ = run(capsys, "compare", "--data", data, "--models", "lstm,naive", "--ensemble", "2", *SMALL,
                       "--json")
    results = {r["model"]: r for r in json.loads(out)["results"]}
    assert code == 0
    assert [m["seed"] for m in results["lstm"]["members"]] == [0, 1]
    assert "members" not in results["naive"]
    code, out, _ = run(capsys, "compare", "--data", data, "--models", "gru,naive", "--ensemble", "2", *SMALL)
    assert code == 0
    assert re.search(r"gru-seed0: ensemble of 2 \(seeds 0-1\): test RMSE / naive [\d.]+ vs [\d.]+ ± [\d.]+", out)


def test_backtest_of_an_ensemble(capsys, data):
    code, out, _ = run(capsys, "backtest", "--data", data, "--model", "gru", "--ensemble", "2", *SMALL, "--json")
    assert code == 0
    assert json.loads(out)["ensemble"] == 2
    code, out, _ = run(capsys, "backtest", "--data", data, "--model", "gru", "--ensemble", "2", *SMALL)
    assert code == 0
    assert "gru ensemble of 2 walk-forward" in out


def test_a_sweep_takes_the_ensemble(capsys, data, tmp_path):
    code, _, err = run(capsys, "sweep", "--data", data, "--models", "gru", "--ensemble", "2", *SMALL, "--workers",
                       "1", "--out", str(tmp_path / "sweep"), "--json")
    assert code == 0, err


BAD = {
    "no members": (["train", "--model", "lstm", "--ensemble", "0"], r"--ensemble 0: .*give 1 \(one network\) or more"),
    "negative members": (["compare", "--models", "lstm", "--ensemble", "-2"], "--ensemble -2"),
    "more members than allowed": (["train", "--model", "lstm", "--ensemble", "1001"], "ensemble must be at most 1,000"),
    "a baseline": (["train", "--model", "naive", "--ensemble", "3"],
                   "ensembles are for networks .* naive is a baseline; drop --ensemble"),
    "arima backtested": (["backtest", "--model", "arima", "--ensemble", "2"], "ensembles are for networks"),
    "a direction baseline": (["train", "--model", "logistic", "--target", "direction", "--ensemble", "2"],
                             "ensembles are for networks"),
    "only baselines compared": (["compare", "--models", "naive,ar", "--ensemble", "3"],
                                "naive, ar are baselines"),
    "seeds of ensembles": (["compare", "--models", "lstm", "--ensemble", "3", "--seeds", "2"],
                           "would share members; .*drop --seeds"),
    "seeds of ensembles in a sweep": (["sweep", "--models", "gru", "--ensemble", "2", "--seeds", "3"],
                                      "would share members"),
    "an ensemble searched with seeds": (["sweep", "--models", "gru", "--grid", "ensemble=1,3", "--seeds", "2"],
                                        "--ensemble 3 with --seeds 2"),
    "too large for memory": (["train", "--model", "lstm", "--ensemble", "1000", "--hidden", "4096", "--layers", "32"],
                             r"1000 lstm networks of 32 layer\(s\) x 4096 units trained together .* GiB to train"),
}


@pytest.mark.parametrize("case", BAD)
def test_what_cannot_be_an_ensemble_is_one_line_and_exit_2(capsys, data, case):
    args, message = BAD[case]
    code, out, err = run(capsys, args[0], "--data", data, *args[1:])
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1, err
    assert len(err) < 300
    assert re.search(message, err), err


def test_rank_has_no_ensemble_option(capsys, data):
    """rank trains its own networks per study period; it does not take --ensemble rather than ignore it."""
    with pytest.raises(SystemExit) as exited:
        main(["rank", "--data", data, "--model", "lstm", "--ensemble", "2"])
    assert exited.value.code == 2
    assert "unrecognized arguments: --ensemble 2" in capsys.readouterr().err


def test_explain_refuses_an_ensemble_in_one_line(capsys, data, tmp_path):
    assert main(["train", "--data", data, "--model", "lstm", "--ensemble", "2", *SMALL, "--out",
                 str(tmp_path / "lstm")]) == 0
    capsys.readouterr()
    code, out, err = run(capsys, "explain", "--model-dir", str(tmp_path / "lstm"), "--data", data)
    assert code == 2
    assert out == ""
    assert err == ("error: an ensemble of 2 lstm networks has no single network to read; use a model trained "
                   "without --ensemble\n")
