"""The page: self-contained, escaped, with the sections the run has, and small enough to email."""

import json
import re

from tickercast.report.folder import read_run
from tickercast.report.html import render_page
from tickercast.report.library import Library, plotly_library
from tickercast.report.run import REPORT, write_report

STUB = Library("c3R1Yg==")  # base64 of 'stub': the page's markup does not depend on the library


def page_data(page: str) -> dict:
    text = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', page, re.S).group(1)
    return json.loads(text)


def test_the_page_loads_nothing_from_outside(small_run):
    page = render_page(read_run(small_run), library=STUB)
    policy = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', page).group(1)
    assert policy.startswith("default-src 'none';")
    assert not re.search(r"<(script|link|img|iframe)[^>]*\s(src|href)=", page)
    assert "http://" not in page
    assert "https://" not in page


def test_the_page_has_a_section_per_part_of_the_run(small_run):
    page = render_page(read_run(small_run), library=STUB)
    for anchor in ("run", "leaderboard", "prices", "errors", "direction", "losses", "how-to-read"):
        assert f'<section id="{anchor}">' in page
    assert "walk-forward" not in page
    assert set(page_data(page)["figures"]) == {"fig-0-price", "fig-0-errors", "fig-0-direction", "fig-0-losses"}


def test_the_leaderboard_holds_the_exact_metrics(small_run):
    page = render_page(read_run(small_run), library=STUB)
    metrics = json.loads((small_run / "gru-seed0" / "metrics.json").read_text())["test"]
    row = re.search(r'<tr data-label="gru-seed0">(.*?)</tr>', page).group(1)
    assert f'data-key="rmse" data-value="{metrics["rmse"]!r}"' in row
    assert f'data-key="n" data-value="{float(metrics["n"])!r}"' in row


def test_header_says_what_ran_with_which_seeds_and_versions(small_run):
    page = render_page(read_run(small_run), library=STUB)
    assert "<dt>seeds</dt><dd>0</dd>" in page
    assert "tickercast compare, started" in page
    assert "lookback 5" in page
    assert "prices.csv" in page


def test_a_backtest_page_has_horizons_and_trading(backtest_run):
    page = render_page(read_run(backtest_run), library=STUB)
    for anchor in ("walk-forward", "backtest-prices", "trading"):
        assert f'<section id="{anchor}">' in page
    assert page.count('<tr data-label="') == 3  # one row per horizon


def test_text_from_the_folder_cannot_close_the_script(small_run, tmp_path):
    import shutil

    folder = tmp_path / "x</script><b>"
    shutil.copytree(small_run, folder)
    page = render_page(read_run(folder), library=STUB)
    assert "x</script><b>" not in page
    assert page.count("</script>") == 3  # data, library, code


def test_a_three_model_report_of_twenty_years_is_under_5_mb(demo_run):
    path = demo_run / REPORT
    assert path.stat().st_size < 5_000_000
    print(f"{path}: {path.stat().st_size / 1e6:.2f} MB")


def test_the_report_inlines_the_compressed_library(small_run):
    path = write_report(small_run)
    assert plotly_library().packed in path.read_text()


def test_a_sweep_page_has_the_chosen_settings_the_grid_and_the_failures(sweep_run):
    page = render_page(read_run(sweep_run), library=STUB)
    for anchor in ("run", "overall", "selection", "settings", "failures", "how-to-read"):
        assert f'<section id="{anchor}">' in page
    assert "settings chosen on the validation part only" in page
    assert "the test part played no part in choosing them" in page
    assert "<dt>engine</dt><dd>local, in one process</dd>" in page
    assert "<dt>grid</dt><dd>lookback 5, 8 · hidden 3, 4; every combination (4)</dd>" in page
    selection = json.loads((sweep_run / "selection.json").read_text())
    table = re.search(r'<table class="sortable" data-table="selection">(.*?)</table>', page).group(1)
    rows = re.findall(r'<td data-key="label">([^<]*)</td><td data-key="model"[^>]*>([^<]*)</td>(.*?)</tr>', table)
    assert sorted((data, model) for data, model, _ in rows) == \
           sorted((s["data"], s["model"]) for s in selection["selected"])
    for data, model, cells in rows:
        summary = next(row for row in selection["summary"][data] if row["model"] == model)
        assert f'data-key="rmse_ratio_vs_naive" data-value="{summary["rmse_ratio_vs_naive"]!r}"' in cells
    failed = page.count('<td class="error">')
    assert failed == 4 * 2 + 2 + 1  # broken.csv: lstm, ar and naive (the global models never saw it)
    assert "cannot read close &#x27;abc&#x27;" in page


def test_the_grid_chart_has_a_panel_per_model_and_a_star_per_choice(sweep_run):
    figure = page_data(render_page(read_run(sweep_run), library=STUB))["figures"]["fig-settings"]
    assert [note["text"] for note in figure["layout"]["annotations"]] == ["lstm", "lstm-global", "ar"]  # no naive
    assert len(figure["data"]) == 3 * 2  # a line per dataset read
    assert sum(trace["marker"]["symbol"].count("star") for trace in figure["data"]) == 3 * 2
    lstm = figure["data"][0]
    assert lstm["x"] == ["hidden=3 lookback=5", "hidden=4 lookback=5", "hidden=3 lookback=8", "hidden=4 lookback=8"]


def test_an_interrupted_sweep_still_gets_a_page(sweep_run, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(sweep_run, copy)
    (copy / "selection.json").unlink()
    page = render_page(read_run(copy), library=STUB)
    assert "The sweep has not finished" in page
    assert 'data-table="selection"' not in page
    assert "fig-settings" in page_data(page)["figures"]
