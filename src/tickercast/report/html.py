"""The report page: one self-contained HTML file built from a run folder that `report.folder` read.

Everything is inside the file: the tables as markup (readable even without JavaScript), the charts as Plotly
specs (`report.figures`), Plotly.js itself compressed (`report.library`), the style and the script
(`assets/`). A Content-Security-Policy forbids every request, so the page works, and stays private, when
emailed, and runs no script or style but its own (`report.policy`). Every text from the folder is escaped
(`report.literal.for_html`).

This module puts the page together; each kind of section (the run's facts, a comparison, a sweep, a rank study,
a backtest, how to read it) is a module of `report.sections`, and their numbers' headers, formats and verdicts
come from `evaluate.vocabulary`.

    page = render_page(read_run("runs/demo"), library=plotly_library())
"""

from __future__ import annotations

import json
from importlib.resources import files

import numpy as np

from tickercast._version import __version__
from tickercast.evaluate.vocabulary import SIGNIFICANCE
from tickercast.report import figures as fig
from tickercast.report.folder import RunFolder
from tickercast.report.library import Library
from tickercast.report.literal import for_html as _e
from tickercast.report.policy import allow, content_policy
from tickercast.report.sections.backtest import backtest_sections
from tickercast.report.sections.comparison import comparison_sections
from tickercast.report.sections.facts import run_facts
from tickercast.report.sections.page import Page
from tickercast.report.sections.rank import rank_sections
from tickercast.report.sections.reading import how_to_read
from tickercast.report.sections.sweep import sweep_sections
from tickercast.report.sections.tables import direction_board, overall_table, probability_table


def render_page(run: RunFolder, *, library: Library, generated: str = "") -> str:
    """The whole report as one HTML string; `library` is Plotly.js as `report.library.plotly_library` gives it."""
    prices = [m.predictions["actual"].to_numpy() for c in run.comparisons for m in c.models]
    page = Page(fig.Columns(fig.price_decimals(np.concatenate(prices)) if prices else 6))
    page.section("run", "The run", run_facts(run))
    if run.leaderboard:
        page.section("overall", "Across datasets", overall_table(run.leaderboard),
                     f"rank 1 = the lowest log loss on a dataset; significant: one-sided binomial p < {SIGNIFICANCE} "
                     "that it is more accurate than the better constant call" if direction_board(run.leaderboard) else
                     "rank 1 = the lowest mean RMSE / naive on a dataset; significant: one-sided Diebold–Mariano "
                     f"p < {SIGNIFICANCE} that its errors are smaller than naive's")
    if run.sweep is not None:
        sweep_sections(page, run.sweep)
    if run.rank is not None:
        rank_sections(page, run.rank)
    for number, comparison in enumerate(run.comparisons):
        comparison_sections(page, comparison, number, several=len(run.comparisons) > 1)
    if run.backtest is not None:
        backtest_sections(page, run.backtest)
    for number, forecast in enumerate(run.forecasts):
        if forecast.classifies:
            page.section(f"forecast-{number}", f"Forecast: {forecast.label}", probability_table(forecast.table),
                         "the direction model's probability that the next trading day closes above the last price, "
                         "from the prices up to it")
            continue
        page.section(f"forecast-{number}", f"Forecast: {forecast.label}",
                     page.chart(f"fig-forecast-{number}", fig.forecast_figure(forecast.table, forecast.context)),
                     "the next trading days with 80% and 95% split-conformal intervals, set by the model's own "
                     "errors on the test part; they assume the coming days behave like those")
    for number, (folder, explanation) in enumerate(run.gates):
        from tickercast.lab.explain import GATES

        page.section(f"gates-{number}", f"Gates: {folder.name}",
                     page.chart(f"fig-gates-{number}", fig.gates_figure(explanation, GATES[explanation["cell"]])),
                     f"{explanation['model']} gates on the days {explanation['dates'][0]} .. "
                     f"{explanation['dates'][-1]}, a row per layer: bright = open (1), dark = shut (0); "
                     "candidates run from −1 (dark) to 1 (bright)")
    if run.gradients:
        page.section("gradients", "Gradients through time", page.chart("fig-gradients",
                     fig.gradients_figure(run.gradients)),
                     "how strongly the output still depends on an input k steps back (dashed: after training), "
                     "and an RNN whose gradient explodes, with and without clipping")
    page.section("how-to-read", "How to read this", how_to_read(run))
    return _document(page, run, library, generated)


def _title(run: RunFolder) -> str:
    """What the run was, in a few words: the page's title and heading."""
    if run.rank is not None:
        data = run.rank.summary["data"]
        return f"rank study of {', '.join(run.rank.summary['models'])} on {data.get('name') or 'a panel'}"
    if run.sweep is not None:
        data = list(run.sweep.definition["data"])
        where = ", ".join(data) if len(data) <= 4 else f"{len(data)} datasets"
        return f"sweep of {', '.join(run.sweep.models)} on {where}"
    if run.comparisons:
        data = run.comparisons[0].data
        names = ", ".join(dict.fromkeys(m.config["model"] for c in run.comparisons for m in c.models))
        where = f"{data.get('ticker')} {data.get('price_column')}" if len(run.comparisons) == 1 else \
            ", ".join(c.name for c in run.comparisons)
        return f"{names} on {where}"
    if run.backtest is not None:
        data = run.backtest.settings.get("data", {})
        return f"{run.backtest.settings['model']} walk-forward on {data.get('ticker')} {data.get('price_column')}"
    return run.path.name


def _document(page: Page, run: RunFolder, library: Library, generated: str) -> str:
    """The sections, the charts' data, Plotly.js, the style and the script in one file, under its policy."""
    assets = files("tickercast.report") / "assets"
    code, style = (assets / "report.js").read_text(), (assets / "report.css").read_text()
    policy = content_policy(scripts=[allow(code), *library.scripts], styles=[allow(style), *library.styles])
    data = json.dumps({"columns": page.columns.values, "figures": page.figures}, separators=(",", ":"),
                      allow_nan=False).replace("<", "\\u003c")  # no '</script>' inside the script element
    nav = "".join(f'<a href="#{anchor}">{_e(title)}</a>' for anchor, title, _ in page.sections)
    made = f"report written {generated}" if generated else "report"
    plotly = f", charts by Plotly.js {_e(library.version)}" if library.version else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{policy}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>tickercast: {_e(_title(run))}</title>
<style>{style}</style></head>
<body>
<header><h1>tickercast: {_e(_title(run))}</h1><p>{_e(str(run.path))} · {made} by tickercast {__version__}{plotly}</p>
</header>
<nav>{nav}</nav>
<main>
<noscript><p class="status">The charts need JavaScript; the tables work without it.</p></noscript>
<p id="status" class="status">Drawing the charts…</p>
{"".join(markup for _, _, markup in page.sections)}
</main>
<script type="application/json" id="report-data">{data}</script>
<script type="text/plain" id="plotly-gz">{library.packed}</script>
<script>{code}</script>
</body></html>
"""
