"""Inputs beyond the close on the command line: each kind of bad input is one clear line and exit code 2, no
traceback (every case through `main`, as users' shells call it, and some in a real `python -m tickercast` process,
whose start-up costs seconds); and a trained model's --json says which inputs it used."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import tickercast as tc
from tickercast.cli import main

SMALL = ["--lookback", "3", "--hidden", "4", "--layers", "1", "--epochs", "2", "--batch-size", "32"]
DAYS = 160


def write_prices(path: Path, days: int = DAYS, start: str = "2019-01-01", seed: int = 0, volume: bool = True) -> str:
    """A CSV of daily bars (date, open, high, low, close, volume), or only date and close."""
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, days)))
    dates = pd.bdate_range(start, periods=days)
    table = pd.DataFrame({"date": dates.strftime("%Y-%m-%d"), "close": np.round(close, 4)})
    if volume:
        table.insert(1, "open", table["close"])
        table.insert(2, "high", np.round(close * 1.01, 4))
        table.insert(3, "low", np.round(close * 0.99, 4))
        table["volume"] = np.round(1e6 * np.exp(rng.normal(0, 0.2, days)))
    table.to_csv(path, index=False)
    return str(path)


def tickercast(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """A real process, run in `cwd`."""
    return subprocess.run([sys.executable, "-m", "tickercast", *args], capture_output=True, text=True, check=False,
                          cwd=cwd, timeout=120)


def in_process(cwd: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
               *args: str) -> subprocess.CompletedProcess[str]:
    """`main` in this process, run in `cwd`, as a CompletedProcess (a bug's exception propagates: no exit 2)."""
    monkeypatch.chdir(cwd)
    code = main(list(args))
    out, err = capsys.readouterr()
    return subprocess.CompletedProcess(["tickercast", *args], code, out, err)


def assert_one_clear_line(result: subprocess.CompletedProcess[str], *expected: str) -> None:
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    line = result.stderr.strip()
    assert line.startswith("error: ")
    assert len(line) < 300, line
    for text in expected:
        assert text in line, line


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """prices.csv (bars with volume), close.csv (date and close only), other.csv (a covariate on the same days),
    later.csv (a covariate of other years), garbage.csv, and two saved models: one reading volume (one day ahead),
    one reading the covariate `other`."""
    folder = tmp_path_factory.mktemp("inputs-cli")
    write_prices(folder / "prices.csv")
    write_prices(folder / "close.csv", volume=False)
    write_prices(folder / "other.csv", seed=1)
    write_prices(folder / "later.csv", start="2030-01-01", seed=2)
    (folder / "garbage.csv").write_bytes(b"\x00\x01 this is not a price file \xff\n")
    prices = tc.read_csv(folder / "prices.csv")
    settings = {"lookback": 3, "hidden": 4, "layers": 1, "epochs": 2}
    tc.Forecaster("gru", features="returns,volume", **settings).fit(prices).save(folder / "volume-model")
    tc.Forecaster("ar", lookback=3).fit(prices, covariates={"other": tc.read_csv(folder / "other.csv")}).save(
        folder / "other-model")
    return folder


BAD = {
    "unknown feature": (["train", "--data", "prices.csv", "--model", "lstm", "--features", "returns,sentiment"],
                        ["unknown feature 'sentiment'", "rsi"]),
    "feature without its column": (["train", "--data", "close.csv", "--model", "lstm", "--features", "volume"],
                                   ["the volume feature needs a volume column", "close.csv"]),
    "covariate file missing": (["train", "--data", "prices.csv", "--model", "ar", "--with", "nowhere.csv"],
                               ["nowhere.csv"]),
    "covariate file unreadable": (["train", "--data", "prices.csv", "--model", "ar", "--with", "garbage.csv"],
                                  ["garbage.csv"]),
    "covariate without overlap": (["train", "--data", "prices.csv", "--model", "ar", "--with", "later.csv"],
                                  ["does not overlap", "later.csv"]),
    "unknown name in feature sets": (["compare", "--data", "prices.csv", "--models", "ar",
                                      "--feature-sets", "returns; returns,vix"], ["unknown input 'vix'", "--with"]),
    "recursive strategy with inputs": (["backtest", "--data", "prices.csv", "--model", "gru", "--features", "volume",
                                        "--strategy", "recursive", "--horizon", "3"],
                                       ["cannot be fed back", "direct strategy"]),
    "forecast beyond the trained horizons": (["forecast", "--model-dir", "volume-model", "--data", "prices.csv",
                                              "--horizon", "5"], ["--horizons 5", "trained for 1 day"]),
    "forecast without the covariate": (["forecast", "--model-dir", "other-model", "--data", "prices.csv"],
                                       ["covariates other", "--with"]),
    "unknown feature in a sweep grid": (["sweep", "--data", "prices.csv", "--models", "ar",
                                         "--grid", "features=returns|returns,moon"], ["moon"]),
    "a covariate in none of the feature sets": (["compare", "--data", "prices.csv", "--models", "ar", "--with",
                                                 "other.csv", "--feature-sets", "returns; returns,volume"],
                                                ["--with 'other' is in none of the --feature-sets"]),
}


def command(case: str) -> list[str]:
    words, _ = BAD[case]
    return [*words, *(SMALL if words[0] in ("train", "compare", "backtest", "sweep") else [])]


@pytest.mark.parametrize("case", BAD)
def test_bad_input_about_inputs_is_one_clear_line_and_exit_2(case: str, folder: Path,
                                                             capsys: pytest.CaptureFixture[str],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    assert_one_clear_line(in_process(folder, capsys, monkeypatch, *command(case)), *BAD[case][1])


@pytest.mark.parametrize("case", ["covariate file unreadable", "forecast without the covariate"])
def test_a_real_process_says_the_same_in_one_line(case: str, folder: Path) -> None:
    assert_one_clear_line(tickercast(folder, *command(case)), *BAD[case][1])


def test_train_with_features_and_a_covariate_reports_its_inputs_and_their_importance(
        folder: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    result = in_process(folder, capsys, monkeypatch, "train", "--data", "prices.csv", "--model", "gru", "--features",
                        "returns,volume,rsi", "--with", "other.csv", "--json", *SMALL)
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    inputs = output["inputs"]
    assert inputs["features"] == ["returns", "volume", "rsi"]
    assert inputs["with"] == ["other"]
    assert inputs["columns"] == ["volume.change", "volume.relative", "rsi", "other.returns"]
    assert inputs["dropped_days"] == 19  # volume's 20-day mean
    assert inputs["filled_days"] == {"other": 0}
    assert {row["input"] for row in output["importance"]} == {"returns", "volume", "rsi", "other"}
    assert all(np.isfinite(row["importance"]) for row in output["importance"])
    assert output["settings"]["features"] == "returns,volume,rsi"


def test_a_one_day_forecast_of_ar_with_a_covariate_works(folder: Path, capsys: pytest.CaptureFixture[str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    result = in_process(folder, capsys, monkeypatch, "forecast", "--model-dir", "other-model", "--data", "prices.csv",
                        "--with", "other.csv", "--horizon", "1", "--json")
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)["forecast"]) == 1

