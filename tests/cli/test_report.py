"""`tickercast report`, and the report that demo, compare and backtest write by themselves."""

import json
import subprocess
import sys

import pytest

from tests.conftest import run_cli as run
from tests.report.runs import TINY_ARGS, write_prices
from tickercast.lab.gradients import run_lab
from tickercast.lab.settings import LabSettings
from tickercast.report.run_record import write_lab


@pytest.mark.parametrize("make", ["missing", "file", "empty"])
def test_report_on_anything_but_a_run_exits_2_with_one_line(make, tmp_path, capsys):
    target = tmp_path / "target"
    if make == "file":
        target.write_text("x")
    elif make == "empty":
        target.mkdir()
    code, out, err = run(capsys, "report", str(target))
    assert (code, out) == (2, "")
    assert err.startswith("error: ")
    assert err.count("\n") == 1
    assert "--out folder" in err


def test_report_rewrites_the_page_and_prints_its_path_last(small_run, capsys):
    (small_run / "report.html").unlink()
    code, out, _ = run(capsys, "report", str(small_run))
    assert code == 0
    assert out.splitlines()[-1] == f"report: {small_run / 'report.html'}"
    assert (small_run / "report.html").stat().st_size > 1_000_000


def test_report_png_writes_the_static_plots(backtest_run, capsys):
    for name in ("prediction.png", "equity.png"):
        (backtest_run / name).unlink()
    assert run(capsys, "report", str(backtest_run), "--png")[0] == 0
    for name in ("prediction.png", "equity.png"):
        assert (backtest_run / name).read_bytes()[:4] == b"\x89PNG"


def test_report_open_hands_the_file_to_the_browser(small_run, capsys, monkeypatch):
    opened = []
    monkeypatch.setattr("webbrowser.open", opened.append)
    assert run(capsys, "report", str(small_run), "--open")[0] == 0
    assert opened == [(small_run / "report.html").resolve().as_uri()]


def test_compare_and_backtest_write_the_report_and_print_its_path_last(tmp_path, capsys):
    data = str(write_prices(tmp_path))
    code, out, _ = run(capsys, "compare", "--data", data, "--models", "naive,drift", "--out", str(tmp_path / "c"))
    assert code == 0
    assert out.splitlines()[-1] == f"report: {tmp_path / 'c' / 'report.html'}"
    code, out, _ = run(capsys, "backtest", "--data", data, "--model", "naive", "--out", str(tmp_path / "b"))
    assert code == 0
    assert out.splitlines()[-1] == f"report: {tmp_path / 'b' / 'report.html'}"
    assert (tmp_path / "b" / "report.html").exists()


def test_json_mode_gives_the_report_path_in_the_object(tmp_path, capsys):
    data = str(write_prices(tmp_path))
    code, out, _ = run(capsys, "backtest", "--data", data, "--model", "naive", "--out", str(tmp_path / "b"),
                       "--json")
    assert code == 0
    assert json.loads(out)["report"] == str(tmp_path / "b" / "report.html")
    code, out, _ = run(capsys, "compare", "--data", data, "--models", "naive", "--json")
    assert json.loads(out)["report"] is None  # no --out, no folder, no report


def test_demo_ends_with_the_report_path(tmp_path, capsys):
    code, out, _ = run(capsys, "demo", *TINY_ARGS, "--data", str(write_prices(tmp_path)), "--out",
                       str(tmp_path / "demo"))
    assert code == 0
    assert out.splitlines()[-1] == f"report: {tmp_path / 'demo' / 'report.html'}"
    record = json.loads((tmp_path / "demo" / "run.json").read_text())
    assert record["command"] == "demo"
    assert record["seconds"] > 0
    assert "api_key" not in record["options"]


def test_explain_and_gradients_leave_data_for_the_report(small_run, tmp_path, capsys):
    assert run(capsys, "explain", "--model-dir", str(small_run / "gru-seed0"), "--data",
               str(small_run.parent / "prices.csv"), "--days", "8", "--out", str(tmp_path / "g"))[0] == 0
    assert json.loads((tmp_path / "g" / "gates.json").read_text())["cell"] == "gru"
    lab = run_lab(["rnn"], LabSettings(hidden=2, steps=5, gap=4, iterations=2, explode_iterations=2, batch_size=4))
    write_lab(tmp_path / "g", lab)  # what `tickercast gradients --out` writes, at a size that takes no time
    assert run(capsys, "report", str(tmp_path / "g"))[0] == 0
    page = (tmp_path / "g" / "report.html").read_text()
    assert '<section id="gates-0">' in page
    assert '<section id="gradients">' in page


def test_the_parser_does_not_import_the_charting_library():
    code = ("import sys; from tickercast.cli import build_parser; build_parser(); "
            "print([name for name in ('plotly', 'pandas', 'matplotlib') if name in sys.modules])")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_the_report_lists_the_data_quality_flags(tmp_path, capsys):
    from tests.conftest import SHARED_DATA

    data = SHARED_DATA / "djia30" / "HD_2006-01-01_to_2018-01-01.csv"
    if not data.exists():
        pytest.skip(f"{data} not found")
    code, _, err = run(capsys, "compare", "--data", str(data), "--models", "naive", "--out", str(tmp_path / "r"),
                         "--json")
    assert code == 0, err
    assert "13 impossible bars" in err  # the warning line
    page = (tmp_path / "r" / "report.html").read_text()
    assert "<dt>data quality</dt><dd>13 impossible bars" in page
    assert "2009-04-17" not in page.split("data quality")[1][:400]  # the first five dates, then ...
    assert " on XNYS: 2006-01-03 .. 2017-12-29" in page


@pytest.mark.parametrize("gates", ['{"cell": "transformer", "dates": ["2024-01-02"], "layers": []}',
                                   '{"cell": "lstm", "dates": [], "layers": []}', '[]', '{"cell": "gru"}'])
def test_damaged_gate_readings_are_one_line_naming_the_file(tmp_path, capsys, gates):
    (tmp_path / "gates.json").write_text(gates)
    code, out, err = run(capsys, "report", str(tmp_path))
    assert (code, out) == (2, "")
    assert err.startswith(f"error: {tmp_path / 'gates.json'} is damaged")
    assert err.count("\n") == 1
