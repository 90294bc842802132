"""A run folder whose files were edited by hand or by someone else: the page, and the PNGs, still come out,
with the odd value escaped where it is text and a gap ("—") where a number was expected."""

from __future__ import annotations

import json
import re
import shutil
import warnings
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.report.test_hostile_names import STUB, markup
from tickercast.report.folder import read_run
from tickercast.report.html import render_page
from tickercast.report.literal import for_html
from tickercast.report.run_record import write_pngs

ODD = "<b>odd</b> [/red] $x$"


def edit(path: Path, change: Callable[[dict], object]) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


COMPARE = {  # small_run: gru-seed0, lstm-seed0, naive
    "run time not a number": lambda c: edit(c / "run.json", lambda d: d.update(seconds=ODD)),
    "rows not a number": lambda c: edit(c / "gru-seed0" / "config.json", lambda d: d["data"].update(rows=ODD)),
    "split days not a number": lambda c: edit(c / "gru-seed0" / "config.json",
                                              lambda d: d["split"]["test"].update(days=ODD)),
    "metrics not numbers": lambda c: edit(c / "naive" / "metrics.json", lambda d: d["test"].update(
        rmse=ODD, dm_p_value_better=ODD, dm_p_value=ODD, directional_accuracy=ODD, direction_p_value=10**400)),
    "a model name": lambda c: edit(c / "naive" / "config.json", lambda d: d.update(model=ODD)),
    "a ticker": lambda c: edit(c / "gru-seed0" / "config.json", lambda d: d["data"].update(ticker=ODD)),
    "a setting": lambda c: edit(c / "run.json", lambda d: d["settings"].update({ODD: ODD})),
    "a command": lambda c: edit(c / "run.json", lambda d: d.update(command=ODD, started=ODD)),
}
BACKTEST = {
    "cost not a number": lambda c: edit(c / "metrics.json", lambda d: d["trading"].update(cost_bps=ODD)),
    "trading not numbers": lambda c: edit(c / "metrics.json",
                                          lambda d: d["trading"]["long_flat"].update(sharpe=ODD, cagr=ODD)),
    "a model and window": lambda c: edit(c / "metrics.json", lambda d: d["settings"].update(model=ODD, window=ODD)),
    "a horizon (a metric key)": lambda c: edit(c / "metrics.json",
                                               lambda d: d["metrics"].update({ODD: d["metrics"]["1"]})),
}
TEXT = ("a model name", "a ticker", "a setting", "a command", "a model and window", "a horizon (a metric key)")


@pytest.mark.parametrize("case", [*COMPARE, *BACKTEST])
def test_an_edited_run_folder_still_gets_a_page_with_the_odd_value_escaped(case, small_run, backtest_run, tmp_path):
    source, change = (small_run, COMPARE[case]) if case in COMPARE else (backtest_run, BACKTEST[case])
    copy = tmp_path / "copy"
    shutil.copytree(source, copy)
    change(copy)
    page = render_page(read_run(copy), library=STUB)
    assert ODD not in markup(page)
    if case in TEXT:
        assert for_html(ODD) in page
    else:
        assert "—" in page


@pytest.mark.parametrize("case", BACKTEST)
def test_an_edited_backtest_still_gets_its_pngs(case, backtest_run, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(backtest_run, copy)
    BACKTEST[case](copy)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert {path.name for path in write_pngs(read_run(copy))} == {"prediction.png", "equity.png"}


def _first_importance(config: dict, **values) -> None:
    config["importance"][0].update(values)


INPUTS = {  # inputs_run: bundles with inputs and importance, and an ablation.json
    "an input and its columns": lambda c: edit(c / "gru+volume-seed0" / "config.json", lambda d: (
        _first_importance(d, input=ODD, columns=[ODD]), d["inputs"].update(features=["returns", ODD], columns=[ODD]))),
    "a covariate": lambda c: edit(c / "gru+index-seed0" / "config.json",
                                  lambda d: d["inputs"].update({"with": [ODD], "filled_days": {ODD: 2}})),
    "an ablation row's text": lambda c: edit(c / "ablation.json", lambda rows: rows[0].update(
        model=ODD, inputs=f"+{ODD}", name=ODD, verdict=ODD)),
}


@pytest.mark.parametrize("case", INPUTS)
def test_odd_names_of_inputs_and_ablation_rows_show_escaped(case, inputs_run, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(inputs_run, copy)
    INPUTS[case](copy)
    page = render_page(read_run(copy), library=STUB)
    assert ODD not in markup(page)
    assert for_html(ODD) in markup(page)


def test_numbers_past_a_float_in_importance_and_ablation_show_as_gaps(inputs_run, tmp_path):
    """1e999 is valid JSON that reads as infinity; a count of 400 digits does not fit a float: neither stops the
    page, and neither reaches the chart data (strict JSON)."""
    copy = tmp_path / "copy"
    shutil.copytree(inputs_run, copy)
    big = 123456789.5  # written, then replaced by 1e999 in the file's text
    edit(copy / "gru+volume-seed0" / "config.json", lambda d: _first_importance(d, importance=big))
    edit(copy / "ablation.json", lambda rows: rows[0].update(rmse_ratio_vs_returns_only=big, dm_p_value_better=big,
                                                             dm_p_value=big, n=10**400))
    for path in (copy / "gru+volume-seed0" / "config.json", copy / "ablation.json"):
        path.write_text(path.read_text().replace(str(big), "1e999"))
    page = render_page(read_run(copy), library=STUB)
    first = re.search(r'<section id="ablation">.*?<tbody><tr [^>]*>(.*?)</tr>', page, re.S).group(1)
    assert first.count('<td data-value="">—</td>') == 3
    assert 'class="verdict untested"' in first
    figures = json.loads(re.search(r'id="report-data">(.*?)</script>', page, re.S).group(1))["figures"]
    gru = next(t for t in figures["fig-0-importance"]["data"] if t["name"] == "gru+volume-seed0")
    assert None in gru["x"]
