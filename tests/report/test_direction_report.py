"""The report of direction runs (`--target direction`, P(up)): train, compare and backtest folders render their
scores, the calibration chart and the probabilities next to the outcomes, without price charts; the commands
write the page themselves; damaged direction files are one line and exit 2."""

import contextlib
import io
import json
import re
import shutil

import pandas as pd
import pytest

from tests.conftest import price_frame
from tests.report.test_browser import Visit, browser  # noqa: F401 (a fixture of the browser test below)
from tests.report.test_html import STUB, page_data
from tickercast.cli import main
from tickercast.report.folder import read_run
from tickercast.report.html import render_page

SMALL = ["--lookback", "5", "--hidden", "4", "--layers", "1", "--epochs", "2", "--dropout", "0"]
#: The scores table's headers, one per key of `evaluate.classification.classification_metrics`.
HEADERS = {"accuracy": "accuracy", "balanced_accuracy": "balanced accuracy", "brier": "Brier",
           "log_loss": "log loss", "auc": "AUC", "base_rate": "base rate", "p_value_vs_constant": "p vs constant"}


def quiet(args):
    with contextlib.redirect_stdout(io.StringIO()):
        return main(args)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """A train, a compare and a backtest folder of direction models on 300 days of AR(1) returns."""
    folder = tmp_path_factory.mktemp("direction-report")
    data = folder / "ar.csv"
    price_frame(300, phi=0.4, seed=2).to_csv(data)
    made = {"train": folder / "train", "compare": folder / "compare", "backtest": folder / "backtest"}
    assert quiet(["train", "--data", str(data), "--model", "gru", "--target", "direction", *SMALL,
                  "--out", str(made["train"])]) == 0
    assert quiet(["compare", "--data", str(data), "--target", "direction", "--models",
                  "gru,logistic,base_rate,momentum", *SMALL, "--out", str(made["compare"])]) == 0
    assert quiet(["backtest", "--data", str(data), "--model", "logistic", "--target", "direction", "--trade",
                  "--lookback", "5", "--out", str(made["backtest"])]) == 0
    return {**made, "data": data}


def test_compare_and_backtest_write_the_report_themselves_and_train_leaves_it_to_report(runs):
    """As for prices: compare and backtest end with report.html, train saves the bundle (no PNG of P(up))."""
    assert (runs["compare"] / "report.html").exists()
    assert (runs["backtest"] / "report.html").exists()
    assert (runs["backtest"] / "equity.csv").exists()  # the trading curves the report draws
    assert not (runs["train"] / "report.html").exists()
    assert not list(runs["compare"].rglob("*.png"))
    assert (runs["compare"] / "summary.csv").exists()


@pytest.mark.parametrize("kind", ["train", "compare", "backtest"])
def test_report_renders_a_direction_folder_with_its_scores_and_calibration(runs, kind, capsys):
    assert main(["report", str(runs[kind])]) == 0
    out, err = capsys.readouterr()
    assert out.strip().endswith("report.html")
    assert err == ""
    page = (runs[kind] / "report.html").read_text()
    for header in HEADERS.values():
        assert f">{header}</th>" in page
    figures = page_data(page)["figures"]
    assert any(name.endswith("calibration") for name in figures)
    assert any(name.endswith("probabilities") for name in figures)
    assert not any(name.endswith(("price", "errors", "direction")) for name in figures)  # no price charts
    assert "RMSE" not in page
    policy = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', page).group(1)
    assert policy.startswith("default-src 'none';")
    assert not re.search(r"<(script|link|img|iframe)[^>]*\s(src|href)=", page)


def _scores(page, table):
    """The scores table's rows: label -> {key: data-value}."""
    body = re.search(rf'data-table="{table}">.*?<tbody>(.*?)</tbody>', page, re.S).group(1)
    rows = {}
    for label, cells in re.findall(r'<tr data-label="([^"]*)">(.*?)</tr>', body):
        rows[label] = {key: float(value) for key, value in re.findall(r'data-key="(\w+)" data-value="([^"]+)"', cells)}
    return rows


def test_the_compare_table_shows_each_models_test_scores_ranked_by_log_loss(runs):
    page = render_page(read_run(runs["compare"]), library=STUB)
    rows = _scores(page, "scores")
    assert set(rows) == {"gru-seed0", "logistic", "base_rate", "momentum"}
    for label, cells in rows.items():
        test = json.loads((runs["compare"] / label / "metrics.json").read_text())["test"]
        for key in HEADERS:
            assert cells[key] == pytest.approx(test[key])
    losses = [cells["log_loss"] for cells in rows.values()]
    assert losses == sorted(losses)


def test_the_backtest_table_holds_the_walk_forwards_scores(runs):
    page = render_page(read_run(runs["backtest"]), library=STUB)
    metrics = json.loads((runs["backtest"] / "metrics.json").read_text())["metrics"]["1"]
    assert _scores(page, "walk-forward")["logistic"]["auc"] == pytest.approx(metrics["auc"])
    assert 'id="trading"' in page
    assert "fig-equity" in page_data(page)["figures"]


def test_the_charts_draw_the_folders_probabilities_outcomes_and_reliability(runs):
    figures = page_data(render_page(read_run(runs["train"]), library=STUB))["figures"]
    predictions = pd.read_csv(runs["train"] / "predictions.csv")
    lines = figures["fig-0-probabilities"]["data"]
    assert lines[0]["y"] == pytest.approx(predictions["p_up"].tolist(), abs=1e-4)  # 4 significant digits
    assert lines[-1]["y"] == predictions["up"].tolist()
    reliability = json.loads((runs["train"] / "metrics.json").read_text())["test"]["reliability"]
    calibration = figures["fig-0-calibration"]["data"][1]
    assert calibration["x"] == pytest.approx([row["mean_p"] for row in reliability if row["n"]])


def test_report_png_of_a_direction_folder_draws_no_price_plot(runs, tmp_path):
    copy = shutil.copytree(runs["train"], tmp_path / "copy")
    assert quiet(["report", str(copy), "--png"]) == 0
    assert (copy / "report.html").exists()
    assert not list(copy.glob("*.png"))


def _drop_p_up(folder):
    table = pd.read_csv(folder / "predictions.csv")
    table.drop(columns="p_up").to_csv(folder / "predictions.csv", index=False)


def _words_for_p_up(folder):
    table = pd.read_csv(folder / "predictions.csv")
    table.assign(p_up="likely").to_csv(folder / "predictions.csv", index=False)


def _truncated(folder):
    (folder / "predictions.csv").write_text("date,actual,up,p_up,split\n2020-01-0")


def _backtest_without_outcomes(folder):
    table = pd.read_csv(folder / "forecasts.csv")
    table.drop(columns="up").to_csv(folder / "forecasts.csv", index=False)


def _config_a_list(folder):
    (folder / "config.json").write_text("[1, 2]")


DAMAGED = {  # how the folder is damaged, which run, the file the one line names
    "predictions without p_up": (_drop_p_up, "train", "predictions.csv"),
    "words for p_up": (_words_for_p_up, "train", "predictions.csv"),
    "a truncated predictions file": (_truncated, "train", "predictions.csv"),
    "a backtest without outcomes": (_backtest_without_outcomes, "backtest", "forecasts.csv"),
    "a config that is a list": (_config_a_list, "train", "config.json"),
}


@pytest.mark.parametrize("case", DAMAGED)
def test_a_damaged_direction_folder_is_one_line_and_exit_2(runs, case, tmp_path, capsys):
    damage, kind, name = DAMAGED[case]
    copy = shutil.copytree(runs[kind], tmp_path / "copy")
    damage(copy)
    assert main(["report", str(copy)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("error: ")
    assert len(err) < 300
    assert name in err
    assert "Traceback" not in err


def test_a_folder_mixing_price_and_direction_bundles_is_one_line(runs, tmp_path, capsys):
    copy = shutil.copytree(runs["compare"], tmp_path / "copy")
    assert quiet(["train", "--data", str(runs["data"]), "--model", "naive", "--out", str(copy / "naive")]) == 0
    assert main(["report", str(copy)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "mixes models of prices and of the direction" in err


def test_direction_across_datasets_is_ranked_against_the_constant_call(runs, tmp_path):
    second = tmp_path / "other.csv"
    price_frame(300, phi=-0.2, seed=5).to_csv(second)
    out = tmp_path / "run"
    assert quiet(["compare", "--data", f"{runs['data']},{second}", "--target", "direction", "--models",
                  "logistic,base_rate", "--lookback", "5", "--out", str(out)]) == 0
    page = (out / "report.html").read_text()
    assert "runs beating the better constant call significantly" in page
    assert page.count('data-table="scores"') == 2  # one table per dataset


@pytest.mark.browser
def test_in_a_browser_the_direction_charts_draw_without_errors_or_requests(browser, runs):  # noqa: F811
    visit = Visit(browser, runs["compare"] / "report.html")
    try:
        charts = visit.charts_drawn()
        assert len(charts) >= 3
        assert all(charts)
    finally:
        visit.page.close()


def test_a_direction_forecast_folder_shows_the_next_days_probability(runs, tmp_path, capsys):
    out = tmp_path / "forecast"
    assert quiet(["forecast", "--model-dir", str(runs["train"]), "--data", str(runs["data"]), "--out", str(out)]) == 0
    assert main(["report", str(out)]) == 0
    page = (out / "report.html").read_text()
    p_up = float(pd.read_csv(out / "forecast.csv")["p_up"].iloc[0])
    assert f'data-value="{p_up!r}">{p_up:.1%}</td>' in page
    assert "forecast bands" not in page  # no price intervals for a probability
    (out / "forecast.csv").write_text("date,horizon,p_up\nsoon,1,0.5\n")
    capsys.readouterr()
    assert main(["report", str(out)]) == 2
    assert "forecast.csv" in capsys.readouterr().err


@pytest.mark.parametrize("rows", ["", "2020-01-02,10.0,1,0.6,\n"])
def test_a_predictions_file_without_rows_or_splits_gives_a_line_or_a_page(runs, tmp_path, rows, capsys):
    """No rows is damage (one line); rows whose split is empty still draw, over every day."""
    copy = shutil.copytree(runs["train"], tmp_path / "copy")
    (copy / "predictions.csv").write_text("date,actual,up,p_up,split\n" + rows)
    code = main(["report", str(copy)])
    err = capsys.readouterr().err
    assert (code, err.count("\n")) == ((2, 1) if not rows else (0, 0))
    if not rows:
        assert "predictions.csv: damaged file (no rows" in err
