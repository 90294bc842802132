"""Hostile names through every renderer: the terminal tables, the PNG plots, the report's charts and markup.

Each name (tests/report/hostile.py) must never crash a renderer, and where it is shown it must read as itself,
with invisible characters written out (`printable`), never as the markup, math or control it could be.
"""

from __future__ import annotations

import io
import json
import re
import warnings

import numpy as np
import pandas as pd
import pytest

from tests.report.conftest import TICKER
from tests.report.hostile import FILE_NAMES, HOSTILE
from tickercast.cli.render import (
    forecast_table,
    gate_summary_table,
    leaderboard_table,
    literal_console,
    selection_table,
    show,
    split_table,
    summary_table,
    verdict_lines,
)
from tickercast.report import figures as fig
from tickercast.report.folder import read_run
from tickercast.report.html import render_page
from tickercast.report.library import Library
from tickercast.report.literal import for_html, for_plotly, printable
from tickercast.report.run_record import write_pngs

NAMES = list(HOSTILE.values())
IDS = list(HOSTILE)
STUB = Library("c3R1Yg==")
METRICS = {"n": 40, "rmse": 1.5, "mae": 1.2, "mape": 1.1, "directional_accuracy": 0.55, "rmse_ratio_vs_naive": 0.98,
           "dm_p_value": 0.4, "direction_p_value": 0.3, "looks_lagged": False, "dm_p_value_better": 0.2}


def terminal_renderables(name: str) -> dict[str, object]:
    """Every table and line the commands print, with `name` in each place a name goes."""
    from tickercast.sweep.select import Selection

    days = pd.bdate_range("2024-01-02", periods=2)
    forecast = pd.DataFrame({"date": days, "horizon": [1, 2], "forecast": [10.0, 10.1], "lower_80": [9.0, 9.1],
                             "upper_80": [11.0, 11.1], "lower_95": [8.0, 8.1], "upper_95": [12.0, 12.1]})
    gates = {"model": name, "cell": "gru", "dates": [name, name], "layers": [{"layer": 0, "summary": {
        gate: {"mean": 0.5, "min": 0.1, "max": 0.9, "open": 0.1, "shut": 0.1} for gate in ("r", "z", "n")}}]}
    return {
        "split table": split_table({name: METRICS}, title=name, row_name=name),
        "summary table": summary_table([{**METRICS, "model": name, "runs": 1}], title=name),
        "leaderboard": leaderboard_table([{"model": name, "mean_rank": 1.0, "datasets": 1,
                                           "beats_naive_significantly": 0, "runs": 1}]),
        "selection": selection_table([Selection(name, name, {"lookback": 5}, 1.0, ())]),
        "forecast": forecast_table(forecast, title=name),
        "gates": gate_summary_table(gates),
        "verdict": verdict_lines([{"a": name, "b": "naive", "winner": name, "rmse_a": 1.0, "sd_a": 0.1,
                                   "rmse_b": 1.1, "sd_b": 0.1}])[0],
        "line": f"wrote models, predictions, plots and tables to {name}",
    }


@pytest.mark.parametrize("name", NAMES, ids=IDS)
def test_every_terminal_table_shows_the_name_as_itself(name):
    for place, renderable in terminal_renderables(name).items():
        screen = io.StringIO()
        literal_console(file=screen, width=30_000).print(renderable)  # as `show`, wide enough for any name
        out = screen.getvalue()
        for line in printable(name).split("\n"):  # a cell breaks a name's lines apart
            assert line in out or _joined(line) in _joined(out), place  # a title wraps to its table's width
        assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f]", out), place  # no control character reaches it


def _joined(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("name", NAMES, ids=IDS)
def test_show_prints_every_table_without_error(name, capsys):
    show(*terminal_renderables(name).values())
    out = capsys.readouterr().out
    assert out.count("┏") == 6  # every table printed
    assert "\x1b" not in out


def test_the_terminal_reads_no_markup_in_the_tables_own_text(capsys):
    show(split_table({"test": METRICS}, title="[bold]bold[/bold] :smile:"))
    assert "[bold]bold[/bold] :smile:" in capsys.readouterr().out


@pytest.fixture(scope="module")
def predictions() -> pd.DataFrame:
    from tests.conftest import TINY, price_frame
    from tickercast import Forecaster

    return Forecaster("naive", **TINY).fit(price_frame(200)).predictions_


def test_the_png_plots_draw_every_name_without_a_warning(predictions, tmp_path):
    from tickercast.report.plots import plot_forecast, plot_losses, plot_predictions

    history = pd.DataFrame({"epoch": [0, 1, 2], "train_loss": [1.0, 0.5, 0.4], "val_loss": [1.1, 0.6, 0.5]})
    title = " ".join(NAMES)
    days = pd.bdate_range("2024-01-02", periods=3)
    forecast = pd.DataFrame({"date": days, "forecast": [10.0, 10.1, 10.2], "lower_80": [9.0] * 3,
                             "upper_80": [11.0] * 3, "lower_95": [8.0] * 3, "upper_95": [12.0] * 3})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        paths = [plot_predictions(dict.fromkeys(NAMES, predictions), tmp_path / "p.png", title),
                 plot_losses(dict.fromkeys(NAMES, history), tmp_path / "l.png", title),
                 plot_forecast(pd.Series([9.5, 10.0], index=pd.bdate_range("2023-12-28", periods=2)), forecast,
                               tmp_path / "f.png", title)]
    for path in paths:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("name", NAMES, ids=IDS)
def test_each_name_alone_as_a_plot_title_and_label(name, predictions, tmp_path):
    from tickercast.report.plots import plot_predictions

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        path = plot_predictions({name: predictions}, tmp_path / "p.png", name)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_report_png_draws_a_folder_of_hostile_names(hostile_run):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        paths = write_pngs(read_run(hostile_run))
    assert {path.name for path in paths} >= {"prediction.png", "loss.png", "forecast.png", "gates.png"}


def test_every_chart_text_is_plotly_escaped():
    labels = NAMES
    colour = fig.colours(labels)
    direction = fig.direction_figure(labels, [METRICS] * len(labels), colour, 0.5)
    assert direction["data"][0]["x"] == [for_plotly(name) for name in labels]
    history = pd.DataFrame({"epoch": [0, 1], "train_loss": [1.0, 0.5], "val_loss": [1.1, 0.6]})
    losses = fig.loss_figure(dict.fromkeys(labels, history), colour)
    assert [t["name"] for t in losses["data"] if t.get("xaxis") == "x"] == [for_plotly(name) for name in labels]
    assert all("%{x}" in t["hovertemplate"] and t["hovertemplate"].count("%{") == 1
               for t in losses["data"] if "hovertemplate" in t)  # a name never adds a placeholder
    horizons = fig.horizon_figure(dict.fromkeys(labels, METRICS) | {"1": METRICS},
                                  dict.fromkeys([*labels, "1"], "same"))
    assert horizons["data"][0]["x"] == [*(for_plotly(name) for name in labels), "1"]
    tried = [fig.Tried(name, name, name, 0.9, 1.0, 1, True) for name in labels]
    settings = fig.settings_figure(tried, colour)
    assert [note["text"] for note in settings["layout"]["annotations"]] == [for_plotly(name) for name in labels]
    assert [t["name"] for t in settings["data"]] == [for_plotly(name) for name in labels]
    assert [t["x"] for t in settings["data"]] == [[for_plotly(name)] for name in labels]
    assert settings["layout"]["xaxis"]["categoryarray"] == [for_plotly(labels[0])]
    importance = fig.importance_figure(
        {name: [{"input": name, "columns": [name, "x"], "importance": 0.01}] for name in labels}, colour)
    assert [t["name"] for t in importance["data"]] == [for_plotly(name) for name in labels]
    assert [t["y"] for t in importance["data"]] == [[for_plotly(name)] for name in labels]
    assert [t["customdata"] for t in importance["data"]] == [[for_plotly(f"{name}, x")] for name in labels]
    assert all(t["hovertemplate"].count("%{") == 3 for t in importance["data"])  # y, customdata, x: no more
    for figure in (direction, losses, horizons, settings, importance):
        drawn = [text for text in _texts(figure) if text != "<extra></extra>" and not text.startswith("%")]
        assert not any("<" in text for text in drawn)  # Plotly markup only where the page puts it


def _texts(node: object, key: str = "") -> list[str]:
    """Every string of a figure spec that Plotly draws (a legend group is only a key, never drawn)."""
    if isinstance(node, dict):
        return [text for k, value in node.items() if k != "legendgroup" for text in _texts(value, k)]
    if isinstance(node, list):
        return [text for value in node for text in _texts(value, key)]
    if isinstance(node, str):
        return [node.removesuffix("<extra></extra>")] if key == "hovertemplate" else [node]
    return []


@pytest.fixture(scope="module")
def hostile_page(hostile_run) -> str:
    return render_page(read_run(hostile_run), library=STUB)


def markup(page: str) -> str:
    """The page without its data block (JSON, where names are keys and `<` is written \\u003c)."""
    return re.sub(r'<script type="application/json" id="report-data">.*?</script>', "", page, flags=re.S)


def test_the_page_shows_every_folder_name_escaped_and_never_raw(hostile_page):
    labels = re.findall(r'<tr data-label="([^"]*)">', hostile_page)
    assert set(labels) >= {for_html(name) for name in FILE_NAMES.values()}
    for name in FILE_NAMES.values():
        if for_html(name) != name:
            assert name not in markup(hostile_page)


def test_the_page_shows_the_ticker_escaped_in_its_title_header_and_facts(hostile_page):
    shown = for_html(TICKER)
    assert re.search(f"<title>tickercast: [a-z, ]+ on {re.escape(shown)} close</title>", hostile_page)
    assert f"<dd>{shown} close from file" in hostile_page
    assert TICKER not in hostile_page
    assert "\x1b" not in hostile_page
    assert "\u202e" not in hostile_page


def test_the_charts_carry_the_names_for_plotly_and_cannot_close_their_script(hostile_page):
    data = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', hostile_page, re.S).group(1)
    figures = json.loads(data)["figures"]
    names = {trace.get("name") for trace in figures["fig-0-price"]["data"]}
    assert names >= {for_plotly(name) for name in FILE_NAMES.values()}
    assert hostile_page.count("</script>") == 3
    gates = figures["fig-gates-0"]
    assert gates["data"]  # gates.json naming its model TICKER still draws
    assert for_html(TICKER) in re.search(r'<section id="gates-0">(.*?)</section>', hostile_page, re.S).group(1)


def test_odd_content_in_a_run_folder_shows_escaped(backtest_run, tmp_path):
    """A metric key (a backtest's horizon), a ticker and a model name from edited files: escaped, no crash."""
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(backtest_run, copy)
    metrics = json.loads((copy / "metrics.json").read_text())
    metrics["metrics"][HOSTILE["script"]] = metrics["metrics"]["1"]
    metrics["settings"]["model"] = HOSTILE["attribute break-out"]
    metrics["settings"]["data"]["ticker"] = HOSTILE["Plotly markup"]
    (copy / "metrics.json").write_text(json.dumps(metrics))
    page = render_page(read_run(copy), library=STUB)
    for name in (HOSTILE["script"], HOSTILE["attribute break-out"], HOSTILE["Plotly markup"]):
        assert for_html(name) in page
        assert name not in markup(page)
    figure = json.loads(re.search(r'id="report-data">(.*?)</script>', page, re.S).group(1))["figures"]
    assert for_plotly(HOSTILE["script"]) in figure["fig-horizons"]["data"][0]["x"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert write_pngs(read_run(copy))


def test_a_sweep_page_escapes_dataset_names_and_error_text(sweep_run, tmp_path):
    """Dataset names and a failed unit's error text, as a sweep stores them, shown escaped."""
    import shutil
    import sqlite3

    copy = tmp_path / "copy"
    shutil.copytree(sweep_run, copy)
    error = HOSTILE["script"] + HOSTILE["rich closing tag"] + HOSTILE["math, closed"]
    with sqlite3.connect(copy / "results.sqlite") as db:
        assert db.execute("update results set error = ? where error is not null", (error,)).rowcount > 0
    page = render_page(read_run(copy), library=STUB)
    assert f'<td class="error">{for_html(error)}</td>' in page
    assert error not in page


def test_the_test_corpus_covers_every_kind_of_meaning():
    kinds = {"[": "rich", "$": "matplotlib", "<": "HTML and Plotly", "%": "format", "\x1b": "terminal",
             "\u202e": "bidi", "\n": "lines", "\udcff": "encoding"}
    assert all(any(char in name for name in NAMES) for char in kinds)
    assert max(map(len, NAMES)) >= 10_000
    assert np.all([isinstance(name, str) for name in NAMES])


def test_hostile_input_covariate_and_ablation_names_show_escaped(inputs_run, tmp_path):
    """Each name as an input, its column, a covariate, and an ablation row's model, inputs and verdict."""
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(inputs_run, copy)
    config = json.loads((copy / "gru+index-seed0" / "config.json").read_text())
    config["inputs"].update({"with": NAMES, "filled_days": dict.fromkeys(NAMES, 0), "columns": NAMES})
    config["importance"] = [{"input": name, "columns": [name], "importance": 0.01} for name in NAMES]
    (copy / "gru+index-seed0" / "config.json").write_text(json.dumps(config))
    row = json.loads((copy / "ablation.json").read_text())[0]
    rows = [{**row, "model": name, "inputs": f"+{name}", "name": name, "verdict": name} for name in NAMES]
    (copy / "ablation.json").write_text(json.dumps(rows))
    page = render_page(read_run(copy), library=STUB)
    shown = markup(page)
    for name in NAMES:
        assert for_html(name) in shown
        if for_html(name) != name:
            assert name not in shown
    ablation = re.search(r'<section id="ablation">(.*?)</section>', page, re.S).group(1)
    assert re.findall(r'<tr data-label="([^"]*)">', ablation) == [for_html(name) for name in NAMES]
    figures = json.loads(re.search(r'id="report-data">(.*?)</script>', page, re.S).group(1))["figures"]
    gru = next(t for t in figures["fig-0-importance"]["data"] if t["name"] == "gru+index-seed0")
    assert gru["y"] == [for_plotly(name) for name in NAMES]
