"""The page: self-contained, escaped, with the sections the run has, and small enough to email."""

import json
import re

from tickercast.report.folder import read_run
from tickercast.report.html import render_page
from tickercast.report.library import Library, plotly_library
from tickercast.report.run_record import REPORT, write_report

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


def _section(page: str, anchor: str) -> str:
    return re.search(f'<section id="{anchor}">(.*?)</section>', page, re.S).group(1)


def test_a_compare_of_input_sets_has_the_ablation_table_and_the_importance_chart(inputs_run):
    page = render_page(read_run(inputs_run), library=STUB)
    rows = json.loads((inputs_run / "ablation.json").read_text())
    table = _section(page, "ablation")
    shown = re.findall(r'<tr data-label="([^"]*)"><td>([^<]*)</td><td class="text">([^<]*)</td>'
                       r'<td data-value="([^"]*)">[^<]*</td><td data-value="([^"]*)">[^<]*</td>'
                       r'<td data-value="([^"]*)">[^<]*</td><td data-value="\d" class="verdict (\w+)">([^<]*)</td>',
                       table)
    assert [(name, model, added, float(ratio), float(p), float(n), words) for name, model, added, ratio, p, n, _, words
            in shown] == [(row["name"], row["model"], row["inputs"][1:], row["rmse_ratio_vs_returns_only"],
                           row["dm_p_value_better"], row["n"], row["verdict"]) for row in rows]
    for *_, kind, words in shown:  # the colour says what the words say
        assert kind == ("better" if "significantly better" in words else "worse" if "significantly worse" in words
                        else "same")
    figure = page_data(page)["figures"]["fig-0-importance"]
    assert [trace["name"] for trace in figure["data"]] == ["ar+index", "ar+volume", "gru+index-seed0",
                                                           "gru+volume-seed0"]
    for trace in figure["data"]:
        importance = json.loads((inputs_run / trace["name"] / "config.json").read_text())["importance"]
        assert dict(zip(trace["y"], trace["x"], strict=True)) == {
            row["input"]: float(f"{row['importance']:.6g}") for row in importance}
    assert "validation RMSE increase when the input is shuffled in time" in _section(page, "importance")


def test_the_facts_say_which_inputs_each_model_read_and_from_which_day(inputs_run):
    page = render_page(read_run(inputs_run), library=STUB)
    facts = re.findall(r"<dt>inputs</dt><dd>([^<]*)</dd>", _section(page, "run"))
    first_used = json.loads((inputs_run / "naive" / "config.json").read_text())["inputs"]["first_used"]
    assert facts == [
        "ar, gru-seed0, naive: returns only",
        "ar+index, gru+index-seed0: returns; with index (0 days filled with its last price); columns index.returns",
        "ar+volume, gru+volume-seed0: returns, volume; columns volume.change, volume.relative",
        f"from {first_used}, the first day with a value for every input (19 days before it left out)"]
    settings = re.search(r"<dt>settings</dt><dd>([^<]*)</dd>", page).group(1)
    assert "lookback 5" in settings
    assert "features" not in settings  # run.json's one `features` is not what each model read


def test_a_model_given_inputs_it_does_not_read_says_so(tmp_path):
    from tests.report.runs import write_volume_prices
    from tickercast.cli import main

    data = write_volume_prices(tmp_path / "prices.csv")
    assert main(["train", "--data", str(data), "--model", "naive", "--features", "returns,volume", "--out",
                 str(tmp_path / "run"), "--json"]) == 0
    page = render_page(read_run(tmp_path / "run"), library=STUB)
    assert ("<dt>inputs</dt><dd>naive: returns, volume; columns volume.change, volume.relative, given but not read "
            "(it forecasts from the price alone)</dd>") in page
    assert "importance" not in page_data(page)["figures"]


def test_a_returns_only_page_has_no_inputs_importance_or_ablation(small_run):
    page = render_page(read_run(small_run), library=STUB)
    assert "<dt>inputs" not in page
    assert "<dt>extra inputs" not in page
    assert 'id="ablation"' not in page
    assert 'id="importance"' not in page
    assert "features returns" in re.search(r"<dt>settings</dt><dd>([^<]*)</dd>", page).group(1)


def test_several_datasets_each_get_their_ablation_and_importance(inputs_run, tmp_path):
    """The layout `compare` writes for several datasets: a sub-folder per dataset, each with its ablation.json."""
    import shutil

    for name in ("first", "second"):
        shutil.copytree(inputs_run, tmp_path / "run" / name)
    (tmp_path / "run" / "second" / "ablation.json").write_text(json.dumps(
        json.loads((inputs_run / "ablation.json").read_text())[:1]))
    page = render_page(read_run(tmp_path / "run"), library=STUB)
    assert _section(page, "d0-ablation").count("<tr data-label=") == 4
    assert _section(page, "d1-ablation").count("<tr data-label=") == 1
    assert {"fig-0-importance", "fig-1-importance"} <= set(page_data(page)["figures"])
    assert page.count("<dt>inputs (first)</dt>") == page.count("<dt>inputs (second)</dt>") == 4


def test_a_backtest_with_inputs_says_which_in_its_own_lines(tmp_path):
    from tests.report.runs import TINY_ARGS, write_volume_prices
    from tickercast.cli import main

    data = write_volume_prices(tmp_path / "prices.csv")
    assert main(["backtest", "--data", str(data), "--model", "gru", "--features", "returns,volume", "--horizon", "2",
                 *TINY_ARGS, "--out", str(tmp_path / "run"), "--json"]) == 0
    page = render_page(read_run(tmp_path / "run"), library=STUB)
    facts = _section(page, "run")
    assert re.findall(r"<dt>inputs</dt><dd>([^<]*)</dd>", facts) == [
        "returns, volume; columns volume.change, volume.relative",
        f"from {json.loads((tmp_path / 'run' / 'metrics.json').read_text())['settings']['inputs']['first_used']}, "
        "the first day with a value for every input (19 days before it left out)"]
    assert "inputs" not in re.search(r"<dt>backtest</dt><dd>([^<]*)</dd>", facts).group(1)
    assert "<dt>extra inputs</dt>" in page


def test_a_returns_only_backtest_lists_no_inputs(backtest_run):
    page = render_page(read_run(backtest_run), library=STUB)
    assert re.search(r"<dt>backtest</dt><dd>model ar, horizon 3, retrain every 0, window expanding, strategy "
                     r"recursive, cost bps 5.0</dd>", page)  # as before inputs existed
    assert "<dt>inputs" not in page
