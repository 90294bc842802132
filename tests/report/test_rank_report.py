"""The report of a rank study (and the calibration chart of direction runs): what it shows, that it shows the
numbers of rank.json, that it loads nothing from outside, escapes what the folder holds, and refuses a damaged
folder in one line."""

import contextlib
import io
import json
import re

import numpy as np
import pandas as pd
import pytest

from tests.cli.test_rank_cli import SMALL, long_csv
from tests.report.test_browser import Visit, browser  # noqa: F401 (a fixture of the browser test below)
from tests.report.test_html import STUB, page_data
from tickercast.cli import main
from tickercast.report import figures as fig
from tickercast.report.folder import read_run
from tickercast.report.html import render_page
from tickercast.report.run_record import write_report


@pytest.fixture(scope="module")
def rank_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("rank-report")
    out = folder / "run"
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["rank", *SMALL, "--data", long_csv(folder / "panel.csv"), "--out", str(out), "--json"]) == 0
    return out


def edited_copy(run, tmp_path, edit):
    """A copy of the run folder whose rank.json went through `edit` (a function of the summary)."""
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(run, copy)
    summary = json.loads((copy / "rank.json").read_text())
    edit(summary)
    (copy / "rank.json").write_text(json.dumps(summary))
    return copy


def test_the_page_loads_nothing_from_outside(rank_run):
    page = render_page(read_run(rank_run), library=STUB)
    policy = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', page).group(1)
    assert policy.startswith("default-src 'none';")
    assert not re.search(r"<(script|link|img|iframe)[^>]*\s(src|href)=", page)
    assert "http://" not in page
    assert "https://" not in page


def test_the_page_has_the_study_the_equity_the_periods_and_a_reading_of_it(rank_run):
    page = render_page(read_run(rank_run), library=STUB)
    for anchor in ("run", "rank", "rank-equity", "rank-periods", "how-to-read"):
        assert f'id="{anchor}"' in page
    assert "RMSE / naive" not in page  # a rank page is not read against the naive forecast
    settings = json.loads((rank_run / "run.json").read_text())["settings"]
    assert settings["lookback"] == 5
    assert not {"target", "scaler", "features", "horizons"} & set(settings)  # options rank does not take
    summary = json.loads((rank_run / "rank.json").read_text())
    for name, model in summary["models"].items():
        assert f"<li>{model['verdict']}</li>" in page
        assert model["verdict"].startswith(f"{name}: ")
    figure = page_data(page)["figures"]["fig-rank-equity"]
    names = [trace["name"] for trace in figure["data"]]
    assert names == [f"{model} {kind}" for model in summary["models"] for kind in ("after costs", "before costs")]


def test_the_model_table_holds_the_numbers_of_rank_json(rank_run):
    page = render_page(read_run(rank_run), library=STUB)
    summary = json.loads((rank_run / "rank.json").read_text())
    table = re.search(r'<table class="sortable" data-table="rank">(.*?)</table>', page, re.S).group(1)
    for name, model in summary["models"].items():
        row = re.search(rf'<tr data-label="{name}">(.*?)</tr>', table, re.S).group(1)
        values = re.findall(r'data-value="([^"]*)"', row)
        expected = [model["mean_return"], model["mean_return_after_costs"], model["t_stat_after_costs"]]
        assert [float(value) if value else None for value in values[:3]] == expected


def test_equity_is_the_compounded_daily_return_before_and_after_costs(rank_run):
    daily = pd.read_csv(rank_run / "daily.csv", parse_dates=["date"])
    figure = fig.rank_equity_figure(daily, fig.colours(daily["model"].unique()))
    lstm = daily[daily["model"] == "lstm"]
    after, before = figure["data"][0], figure["data"][1]
    assert after["y"][-1] == pytest.approx(np.prod(1 + lstm["net"]), rel=1e-5)
    assert before["y"][-1] == pytest.approx(np.prod(1 + lstm["gross"]), rel=1e-5)
    assert len(after["x"]) == len(lstm)


def test_text_from_the_folder_is_shown_as_text(rank_run, tmp_path):
    hostile = "<script>alert(1)</script> &amp; %{y}"

    def edit(summary):
        summary["data"]["caveat"] = hostile
        summary["data"]["name"] = hostile
        summary["models"]["lstm"]["verdict"] = hostile

    page = render_page(read_run(edited_copy(rank_run, tmp_path, edit)), library=STUB)
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'id="rank"' in page
    assert "Caveat: &lt;script&gt;" in page


@pytest.mark.parametrize(("damage", "says"), [
    (lambda folder: (folder / "rank.json").write_text("{"), "rank.json is damaged"),
    (lambda folder: (folder / "rank.json").write_text('{"models": []}'), "not a rank study's summary"),
    (lambda folder: (folder / "daily.csv").unlink(), "without its daily.csv"),
    (lambda folder: (folder / "daily.csv").write_text("date,model\nx,lstm\n"), "daily.csv is damaged"),
], ids=["not-json", "wrong-shape", "no-daily", "daily-columns"])
def test_a_damaged_rank_folder_is_one_line_and_exit_2(rank_run, tmp_path, capsys, damage, says):
    copy = edited_copy(rank_run, tmp_path, lambda summary: None)
    damage(copy)
    assert main(["report", str(copy)]) == 2
    _, err = capsys.readouterr()
    assert len(err.strip().splitlines()) == 1
    assert says in err
    assert "Traceback" not in err


def test_calibration_shows_each_bin_that_holds_forecasts():
    rows = [{"lo": 0.0, "hi": 0.5, "n": 40, "mean_p": 0.3, "freq": 0.25},
            {"lo": 0.5, "hi": 0.9, "n": 0, "mean_p": None, "freq": None},
            {"lo": 0.9, "hi": 1.0, "n": 10, "mean_p": 0.95, "freq": 0.9}]
    figure = fig.calibration_figure({"lstm": rows}, {"lstm": "#000"})
    diagonal, lstm = figure["data"]
    assert diagonal["x"] == diagonal["y"] == [0, 1]
    assert lstm["x"] == [0.3, 0.95]
    assert lstm["y"] == [0.25, 0.9]
    assert lstm["marker"]["size"][0] > lstm["marker"]["size"][1]  # more forecasts, a bigger marker


def test_a_direction_run_with_reliability_gets_a_calibration_chart(tmp_path):
    """train's run folder, its metrics.json given the reliability table a direction run carries (the direction
    helper writes it; this checks the report draws it and leaves it out when absent)."""
    from tests.conftest import price_frame

    data = tmp_path / "prices.csv"
    price_frame(200).to_csv(data)
    run = tmp_path / "run"
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["train", "--data", str(data), "--model", "naive", "--out", str(run), "--json"]) == 0
    assert "calibration" not in render_page(read_run(run), library=STUB)
    metrics = json.loads((run / "metrics.json").read_text())
    metrics["test"]["reliability"] = [{"lo": 0.4, "hi": 0.5, "n": 20, "mean_p": 0.45, "freq": 0.5},
                                      {"lo": 0.5, "hi": 0.6, "n": 19, "mean_p": 0.55, "freq": 0.6}]
    (run / "metrics.json").write_text(json.dumps(metrics))
    page = render_page(read_run(run), library=STUB)
    assert 'id="calibration"' in page
    traces = page_data(page)["figures"]["fig-0-calibration"]["data"]
    assert traces[1]["x"] == [0.45, 0.55]


def test_the_page_written_at_the_end_is_the_one_report_writes_again(rank_run):
    first = (rank_run / "report.html").read_text()
    write_report(rank_run)
    again = (rank_run / "report.html").read_text()
    strip = re.compile(r"generated [^<]*")  # the time it was written
    assert strip.sub("", first) == strip.sub("", again)


@pytest.mark.browser
def test_in_a_browser_every_chart_draws_without_errors_or_requests(browser, rank_run):  # noqa: F811
    visit = Visit(browser, rank_run / "report.html")
    try:
        charts = visit.charts_drawn()
        assert len(charts) >= 1
        assert all(charts)
        assert [t["name"] for t in visit.traces("fig-rank-equity")][:2] == ["lstm after costs", "lstm before costs"]
    finally:
        visit.page.close()
