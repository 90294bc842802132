"""`tickercast rank` as users meet it: the --json contract, the run folder and its report, --resume, and one-line
errors with exit code 2 for each kind of bad input."""

import contextlib
import io
import json
import re
import shutil
from dataclasses import fields

import numpy as np
import pandas as pd
import pytest

from tickercast.cli import main

#: A study small enough to train in seconds: 12 tickers (k = 2), 100 days, 2 periods of 60 + 20 days.
SMALL = ["--lookback", "5", "--hidden", "4", "--epochs", "2", "--batch-size", "64", "--train-days", "60",
         "--trade-days", "20", "--step", "20", "--workers", "1"]
CONTRACT = {"accuracy", "auc", "brier", "log_loss", "balanced_accuracy", "mean_return", "mean_return_after_costs",
            "t_stat", "t_stat_after_costs", "p_value_after_costs", "hit_rate", "annualised_return",
            "annualised_return_after_costs", "volatility", "sharpe", "sharpe_after_costs", "sortino_after_costs",
            "max_drawdown_after_costs", "turnover", "vs_reversal_t_stat", "verdict", "subperiods"}
PERIOD = {"index", "train_start", "train_end", "trade_start", "trade_end", "tickers", "models"}
PERIOD_MODEL = {"mean_return", "mean_return_after_costs", "t_stat_after_costs", "accuracy", "epochs", "best_epoch"}


def long_csv(path, tickers=12, days=100, seed=0, ticker_column="Name"):
    """Random-walk closes of `tickers` stocks over `days` business days, in the Kaggle long layout."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2008-06-02", periods=days)
    frames = []
    for number in range(tickers):
        close = 50 * np.exp(np.cumsum(rng.normal(0, 0.02, days)))
        frame = pd.DataFrame({"date": dates.strftime("%Y-%m-%d"), "open": close, "high": close * 1.01,
                              "low": close * 0.99, "close": close, "volume": 1e6})
        if ticker_column:
            frame[ticker_column] = f"T{number:02d}"
        frames.append(frame)
    pd.concat(frames).to_csv(path, index=False)
    return str(path)


def rank(capsys, *args):
    code = main(["rank", *SMALL, *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """One study run with --json --out, shared by the tests that read it (training is the slow part)."""
    folder = tmp_path_factory.mktemp("rank")
    data = long_csv(folder / "panel.csv")
    out = folder / "run"
    stdout = io.StringIO()  # capsys is for one test; the study is shared by several
    with contextlib.redirect_stdout(stdout):
        code = main(["rank", *SMALL, "--data", data, "--model", "lstm", "--out", str(out), "--json"])
    return {"code": code, "summary": json.loads(stdout.getvalue()), "data": data, "out": out}


def test_json_is_the_contract_for_the_network_and_every_baseline(study):
    assert study["code"] == 0
    summary = study["summary"]
    assert set(summary) == {"models", "periods", "data", "settings"}
    assert list(summary["models"]) == ["lstm", "logistic", "reversal", "random"]
    for name, model in summary["models"].items():
        assert set(model) >= CONTRACT, f"{name} lacks {CONTRACT - set(model)}"
        assert model["verdict"].strip()
    assert len(summary["periods"]) == 2
    for period in summary["periods"]:
        assert set(period) >= PERIOD
        assert set(period["models"]) >= {"lstm", "logistic"}
        assert set(period["models"]["lstm"]) >= PERIOD_MODEL
    assert {"name", "tickers", "days", "first", "last", "dropped", "caveat"} <= set(summary["data"])
    assert summary["data"]["tickers"] == 12
    assert summary["data"]["days"] == 100
    assert summary["settings"]["train_days"] == 60
    assert summary["settings"]["cost_bps"] == 5


def test_out_holds_the_daily_returns_the_positions_and_the_report(study):
    out = study["out"]
    daily = pd.read_csv(out / "daily.csv", parse_dates=["date"])
    assert {"date", "model", "gross", "net", "turnover"} <= set(daily.columns)
    assert set(daily["model"]) == {"lstm", "logistic", "reversal", "random"}
    assert daily.groupby("model").size().nunique() == 1  # every model trades the same days
    positions = pd.read_csv(out / "positions.csv", parse_dates=["date"])
    assert {"date", "model", "ticker", "weight"} <= set(positions.columns)
    assert (positions["weight"] != 0).all()
    page = (out / "report.html").read_text()
    for section in ('id="rank"', 'id="rank-equity"', 'id="rank-periods"', "fig-rank-equity"):
        assert section in page
    assert json.loads((out / "rank.json").read_text()) == study["summary"]


def test_resume_reruns_no_unit_and_gives_the_same_summary(study, capsys):
    units = sorted((study["out"] / "units").glob("*"))
    assert [path.name for path in units] == sorted(f"{m}-p{i}.{ext}" for m in ("lstm", "logistic") for i in (0, 1)
                                                   for ext in ("json", "npz"))
    stamps = {path: path.stat().st_mtime_ns for path in units}
    code, out, err = rank(capsys, "--data", study["data"], "--model", "lstm", "--out", str(study["out"]), "--resume")
    assert code == 0, err
    assert "ran 0 of 4 units (4 were done before)" in out
    assert {path: path.stat().st_mtime_ns for path in units} == stamps
    assert json.loads((study["out"] / "rank.json").read_text()) == study["summary"]


def test_a_lost_unit_is_run_again_by_resume_and_only_it(study, capsys, tmp_path):
    folder = tmp_path / "copy"
    shutil.copytree(study["out"], folder)
    (folder / "units" / "lstm-p1.json").unlink()  # as a kill between its arrays and its JSON leaves it
    kept = (folder / "units" / "lstm-p0.npz").stat().st_mtime_ns
    code, out, err = rank(capsys, "--data", study["data"], "--model", "lstm", "--out", str(folder), "--resume")
    assert code == 0, err
    assert "ran 1 of 4 units (3 were done before)" in out
    assert (folder / "units" / "lstm-p0.npz").stat().st_mtime_ns == kept
    assert json.loads((folder / "rank.json").read_text()) == study["summary"]  # the same seeds, the same numbers


def one_line_exit_2(code, out, err):
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert err.startswith("error: ")
    assert len(err) < 300
    assert "Traceback" not in err


def test_resume_with_other_costs_recosts_the_trained_units(study, capsys, tmp_path):
    folder = tmp_path / "recost"
    shutil.copytree(study["out"], folder)
    code, out, err = rank(capsys, "--data", study["data"], "--model", "lstm", "--out", str(folder), "--resume",
                          "--cost-bps", "10", "--top", "1")
    assert code == 0, err
    assert "ran 0 of 4 units (4 were done before)" in out
    again = json.loads((folder / "rank.json").read_text())
    assert again["settings"]["cost_bps"] == 10
    assert again["settings"]["top"] == 1
    assert again["models"]["lstm"]["mean_return"] != study["summary"]["models"]["lstm"]["mean_return"]  # top 1


def test_resume_of_a_changed_study_is_refused(study, capsys):
    code, out, err = rank(capsys, "--data", study["data"], "--model", "lstm", "--out", str(study["out"]), "--resume",
                          "--step", "10")
    one_line_exit_2(code, out, err)
    assert "study settings" in err
    other = long_csv(study["out"].parent / "other.csv", seed=5)
    code, out, err = rank(capsys, "--data", other, "--model", "lstm", "--out", str(study["out"]), "--resume")
    one_line_exit_2(code, out, err)
    assert "the data" in err


@pytest.mark.parametrize(("damage", "says"), [
    (lambda units: (units / "lstm-p0.npz").write_bytes(b"PK\x03\x04 not a zip"), "unit lstm-p0 is damaged"),
    (lambda units: (units / "lstm-p0.json").write_text('{"model": "lstm"}'), "unit lstm-p0 is damaged"),
    (lambda units: (units / "logistic-p0.json").write_text((units / "lstm-p0.json").read_text()),
     "unit logistic-p0 holds another unit"),
], ids=["arrays", "facts", "swapped"])
def test_a_damaged_unit_is_refused_by_resume_in_one_line(study, capsys, tmp_path, damage, says):
    folder = tmp_path / "copy"
    shutil.copytree(study["out"], folder)
    damage(folder / "units")
    code, out, err = rank(capsys, "--data", study["data"], "--model", "lstm", "--out", str(folder), "--resume")
    one_line_exit_2(code, out, err)
    assert says in err


def test_a_folder_holding_a_study_is_not_started_over_without_resume(study, capsys):
    code, out, err = rank(capsys, "--data", study["data"], "--out", str(study["out"]))
    one_line_exit_2(code, out, err)
    assert "--resume" in err


@pytest.mark.parametrize(("make", "options", "says"), [
    (lambda path: long_csv(path, tickers=1), [], "at least 2"),  # one ticker
    (lambda path: long_csv(path), ["--top", "7"], "fewer than 2 x top = 14"),  # fewer than 2k: 12 for 7 + 7
    (lambda path: long_csv(path, days=50), [], "period"),  # shorter than one study period
    (lambda path: long_csv(path, tickers=1, ticker_column=None), [], "ticker column"),
], ids=["one-ticker", "fewer-than-2k", "too-short", "no-ticker-column"])
def test_bad_data_is_one_line_and_exit_2(make, options, says, capsys, tmp_path):
    code, out, err = rank(capsys, "--data", make(tmp_path / "panel.csv"), *options, "--out", str(tmp_path / "run"))
    one_line_exit_2(code, out, err)
    assert re.search(says, err), err
    assert not (tmp_path / "run" / "units").exists()  # refused before anything was written


@pytest.mark.parametrize("options", [
    ["--model", "arima"], ["--model", ","], ["--top", "0"], ["--cost-bps", "-1"], ["--train-days", "0"],
    ["--trade-days", "0"], ["--step", "0"], ["--workers", "-1"], ["--lookback", "0"],
], ids=lambda options: " ".join(options))
def test_bad_option_values_are_one_line_and_exit_2(options, capsys, tmp_path):
    code, out, err = rank(capsys, "--data", "unused.csv", *options, "--out", str(tmp_path / "run"))
    one_line_exit_2(code, out, err)
    assert not (tmp_path / "run").exists()


def test_the_cli_defaults_are_ranks_own():
    from tickercast import rank as study
    from tickercast.cli import rank as command

    assert command.RANK_DEFAULTS == study.RANK_DEFAULTS
    defaults = {field.name: field.default for field in fields(study.RankSettings)}
    assert {key: defaults[key] for key in command.STUDY_DEFAULTS} == command.STUDY_DEFAULTS


def test_the_engine_path_gives_the_numbers_of_the_sequential_reference(study):
    """Units run (and saved, and read back) by `sweep.rank_run` give exactly what `rank.rank_study` gives."""
    from tickercast.config import ModelConfig
    from tickercast.data.panel import load_panel
    from tickercast.rank import RANK_DEFAULTS, RankSettings, rank_study

    config = ModelConfig.from_settings(**{**RANK_DEFAULTS, "lookback": 5, "hidden": 4, "epochs": 2})
    settings = RankSettings(train_days=60, trade_days=20, step=20)
    reference = rank_study(load_panel(study["data"]), ("lstm",), config=config, settings=settings)
    assert reference.summary == study["summary"]
    daily = pd.read_csv(study["out"] / "daily.csv", parse_dates=["date"])
    pd.testing.assert_frame_equal(daily, reference.daily, check_dtype=False, check_exact=False, rtol=1e-7)
