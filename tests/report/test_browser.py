"""The demo's and a sweep's reports in a real, headless Chromium (Debian's, driven by Playwright), cut off from
the network.

`make test` installs Chromium (Debian packages chromium and chromium-driver). Without it these tests skip,
except in CI (CI set), where a missing browser is a failure. A screenshot of the page is saved under
test-artifacts/ for people to look at.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("TICKERCAST_CHROMIUM", "/usr/bin/chromium")
#: Headless, and nothing that reaches out: no background, component, sync or DNS traffic at all.
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
         "--disable-component-update", "--disable-default-apps", "--disable-sync", "--disable-extensions",
         "--no-first-run", "--disable-quic", "--no-proxy-server", "--host-resolver-rules=MAP * ~NOTFOUND"]
ARTIFACTS = REPO / "test-artifacts"


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not _has_playwright():
        _missing("Playwright is not installed (pip install -e '.[dev]')")
    if not Path(CHROMIUM).exists():
        _missing(f"no Chromium at {CHROMIUM} (make test installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()


class Visit:
    """One page load: what the console said and every request the page made, allowed (file:) or refused."""

    def __init__(self, browser: object, path: Path) -> None:
        self.errors: list[str] = []
        self.refused: list[str] = []
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
        self.page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.route("**/*", self._only_files)
        self.page.goto(path.resolve().as_uri())
        self.wait_until(lambda: self.page.evaluate("document.body.dataset.ready") is not None, seconds=60)

    def wait_until(self, condition: Callable[[], bool], seconds: float = 10) -> None:
        """Poll from Python: Playwright's wait_for_function evaluates strings in the page, which the page's
        content security policy (rightly) forbids."""
        deadline = time.monotonic() + seconds
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"still not true after {seconds} s")
            self.page.wait_for_timeout(50)

    def _only_files(self, route: object) -> None:
        url = route.request.url  # type: ignore[attr-defined]
        if url.startswith("file:"):
            route.continue_()  # type: ignore[attr-defined]
        else:
            self.refused.append(url)
            route.abort()  # type: ignore[attr-defined]

    def charts_drawn(self) -> list[bool]:
        """Whether each chart drew, once the page is ready, logged no error and asked for nothing outside."""
        assert self.page.evaluate("document.body.dataset.ready") == "true"
        assert self.errors == []
        assert self.refused == []
        return self.page.evaluate("[...document.querySelectorAll('.chart')].map(c => c.querySelector('svg') !== null)")

    def traces(self, chart: str) -> list[dict[str, object]]:
        return self.page.evaluate(f"""document.getElementById({chart!r}).data.map(trace => (
            {{name: trace.name, axis: trace.yaxis || "y", visible: trace.visible === undefined ? true : trace.visible,
              points: trace.y.length}}))""")


@pytest.fixture(scope="module")
def visit(browser: object, demo_run: Path) -> Iterator[Visit]:
    seen = Visit(browser, demo_run / "report.html")
    yield seen
    seen.page.close()


def test_the_page_draws_every_chart_without_errors_or_requests(visit):
    charts = visit.charts_drawn()
    assert len(charts) >= 4
    assert all(charts)
    buttons = visit.page.evaluate("[...document.querySelectorAll('.modebar-btn')].map(b => b.dataset.title)")
    assert "Download plot as a PNG" in buttons
    assert not any("Share" in title for title in buttons)  # nothing offers to upload the data
    ARTIFACTS.mkdir(exist_ok=True)
    visit.page.screenshot(path=ARTIFACTS / "report.png", full_page=True)
    print(f"screenshot: {ARTIFACTS / 'report.png'}")


def test_the_leaderboard_shows_the_numbers_of_metrics_json(visit, demo_run):
    rows = visit.page.evaluate("""[...document.querySelectorAll('table[data-table=leaderboard] tbody tr')]
        .map(row => [row.dataset.label, Object.fromEntries([...row.cells]
            .map(cell => [cell.dataset.key, [cell.dataset.value, cell.textContent]]))])""")
    assert sorted(label for label, _ in rows) == ["gru-seed0", "lstm-seed0", "naive"]
    for label, cells in rows:
        metrics = json.loads((demo_run / label / "metrics.json").read_text())["test"]
        for key in ("rmse", "mae", "mape", "directional_accuracy", "rmse_ratio_vs_naive", "dm_p_value", "n"):
            assert float(cells[key][0]) == metrics[key], (label, key)
        assert cells["rmse_ratio_vs_naive"][1] == f"{metrics['rmse_ratio_vs_naive']:.4f}"
        assert cells["directional_accuracy"][1] == f"{metrics['directional_accuracy']:.1%}"


def test_the_price_chart_has_the_price_and_each_model_with_its_errors(visit, demo_run):
    traces = visit.traces("fig-0-price")
    days = len((demo_run / "naive" / "predictions.csv").read_text().splitlines()) - 1
    assert [(t["name"], t["axis"]) for t in traces] == [
        ("actual", "y"), ("gru-seed0", "y"), ("gru-seed0", "y2"), ("lstm-seed0", "y"), ("lstm-seed0", "y2"),
        ("naive", "y"), ("naive", "y2")]
    assert {t["points"] for t in traces} == {days}
    assert all(t["visible"] is True for t in traces)


def test_clicking_a_model_in_the_legend_hides_it_and_its_errors(visit):
    legend = visit.page.locator("#fig-0-price .legend .traces", has_text="lstm-seed0")
    legend.click()
    visit.wait_until(lambda: {t["visible"] for t in visit.traces("fig-0-price") if t["name"] == "lstm-seed0"}
                     == {"legendonly"})
    visible = {(t["name"], t["axis"]): t["visible"] for t in visit.traces("fig-0-price")}
    assert visible[("lstm-seed0", "y")] == visible[("lstm-seed0", "y2")] == "legendonly"
    assert visible[("gru-seed0", "y")] is True
    assert visible[("actual", "y")] is True
    legend.click()
    visit.wait_until(lambda: {t["visible"] for t in visit.traces("fig-0-price") if t["name"] == "lstm-seed0"}
                     == {True})


def test_clicking_a_column_header_sorts_the_leaderboard(visit):
    header = visit.page.locator("table[data-table=leaderboard] th", has_text="RMSE / naive")
    order = "[...document.querySelectorAll('table[data-table=leaderboard] tbody td[data-key=rmse_ratio_vs_naive]')]" \
            ".map(cell => Number(cell.dataset.value))"
    header.click()
    ascending = visit.page.evaluate(order)
    assert ascending == sorted(ascending)
    header.click()
    assert visit.page.evaluate(order) == sorted(ascending, reverse=True)


def test_a_sweep_report_draws_without_errors_or_requests_with_a_row_per_choice(browser, sweep_run):
    seen = Visit(browser, sweep_run / "report.html")
    try:
        assert seen.page.evaluate("document.body.dataset.ready") == "true"
        assert seen.errors == []
        assert seen.refused == []
        rows = seen.page.evaluate("""[...document.querySelectorAll('table[data-table=selection] tbody tr')]
            .map(row => ['label', 'model'].map(key => row.querySelector(`[data-key=${key}]`).textContent))""")
        selected = json.loads((sweep_run / "selection.json").read_text())["selected"]
        assert sorted(map(tuple, rows)) == sorted((s["data"], s["model"]) for s in selected)
        assert seen.page.evaluate("document.querySelector('#fig-settings svg') !== null")
        ARTIFACTS.mkdir(exist_ok=True)
        seen.page.screenshot(path=ARTIFACTS / "sweep-report.png", full_page=True)
    finally:
        seen.page.close()


def test_a_sweep_report_with_honesty_and_search_draws_every_chart_and_a_row_per_choice(browser, search_run):
    seen = Visit(browser, search_run / "report.html")
    try:
        assert all(seen.charts_drawn())
        for chart in ("fig-validation-test", "fig-search", "fig-settings"):
            assert seen.page.evaluate(f"document.querySelector('#{chart} svg') !== null"), chart
        rows = seen.page.evaluate("document.querySelectorAll('table[data-table=honesty] tbody tr').length")
        assert rows == len(json.loads((search_run / "selection.json").read_text())["honesty"])
        search = {t["name"] for t in seen.traces("fig-search")}
        assert search == {"trial", "pruned", "failed", "best so far"}
        points = seen.page.evaluate("document.querySelectorAll('#fig-validation-test .scatterlayer .point').length")
        drawn = [t["points"] for t in seen.traces("fig-validation-test") if t["name"] != "test = validation"]
        assert points == sum(drawn) > 0
        ARTIFACTS.mkdir(exist_ok=True)
        seen.page.screenshot(path=ARTIFACTS / "search-report.png", full_page=True)
    finally:
        seen.page.close()


def _has_playwright() -> bool:
    try:
        import playwright  # noqa: F401
    except ImportError:
        return False
    return True


def _missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"browser tests must run in CI: {reason}")
    pytest.skip(reason)


def test_a_script_or_style_slipped_into_a_report_is_refused_and_the_charts_still_draw(browser, small_run, tmp_path):
    """The policy allows the page's own scripts and styles by hash: markup added to a report runs nothing."""
    page = (small_run / "report.html").read_text()
    injected = ("<script>document.title = 'pwned'</script>"
                "<img src=\"data:image/gif;base64,R0lGODlhAQABAAAAACw=\" onerror=\"document.title = 'pwned'\" "
                "onload=\"document.title = 'pwned'\">"
                "<style>body { display: none }</style><p id=\"styled\" style=\"color: rgb(255, 0, 0)\">x</p>")
    assert page.count("</main>") == 1
    tampered = tmp_path / "report.html"
    tampered.write_text(page.replace("</main>", injected + "</main>"))
    seen = Visit(browser, tampered)
    try:
        assert seen.page.evaluate("document.body.dataset.ready") == "true"  # its own scripts ran
        assert seen.page.title().startswith("tickercast: ")
        assert seen.page.evaluate("getComputedStyle(document.body).display") != "none"
        assert seen.page.evaluate("getComputedStyle(document.getElementById('styled')).color") != "rgb(255, 0, 0)"
        refused = [error for error in seen.errors if "Content Security Policy" in error]
        assert len(refused) >= 3  # the script, the handler, the style element (and the style attribute)
        assert len(refused) == len(seen.errors)
    finally:
        seen.page.close()


def test_a_report_of_hostile_names_draws_and_shows_each_as_itself(browser, hostile_run):
    from tests.report.conftest import TICKER
    from tests.report.hostile import FILE_NAMES
    from tickercast.report.literal import printable
    from tickercast.report.run_record import write_report

    seen = Visit(browser, write_report(hostile_run))
    try:
        assert seen.page.evaluate("document.body.dataset.ready") == "true"
        assert seen.errors == []
        assert seen.refused == []
        assert " ".join(printable(TICKER).split()) in seen.page.title()
        labels = seen.page.evaluate("""[...document.querySelectorAll('table[data-table=leaderboard] tbody tr')]
            .map(row => row.querySelector('[data-key=label]').textContent)""")
        texts = "[...document.querySelectorAll(%r)].map(text => text.textContent)"
        legend = seen.page.evaluate(texts % "#fig-0-price .legendtext")
        ticks = seen.page.evaluate(texts % "#fig-0-direction .xtick")
        for name in FILE_NAMES.values():
            shown = printable(name)
            assert shown in labels
            assert shown.replace("\n", " ") in legend  # Plotly draws a line break as a space
            assert shown.replace("\n", " ") in ticks
    finally:
        seen.page.close()


def test_a_report_of_input_sets_draws_the_importance_chart_and_the_ablation_table(browser, inputs_run):
    seen = Visit(browser, inputs_run / "report.html")
    try:
        assert seen.page.evaluate("document.body.dataset.ready") == "true"
        assert seen.errors == []
        assert seen.refused == []
        bars = seen.traces("fig-0-importance")
        assert [t["name"] for t in bars] == ["ar+index", "ar+volume", "gru+index-seed0", "gru+volume-seed0"]
        assert seen.page.evaluate("document.querySelectorAll('#fig-0-importance .bars .point').length") == sum(
            t["points"] for t in bars)
        verdicts = seen.page.evaluate("""[...document.querySelectorAll('table[data-table=ablation] tbody tr')]
            .map(row => row.querySelector('td.verdict').textContent)""")
        assert verdicts == [row["verdict"] for row in json.loads((inputs_run / "ablation.json").read_text())]
    finally:
        seen.page.close()
