"""`tickercast report`: one self-contained HTML page (charts, tables, how to read them) from a run folder."""

from __future__ import annotations

import argparse
from typing import Any

from tickercast.cli import options
from tickercast.report.literal import printable


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "report", help="write RUN_DIR/report.html, an interactive report that works offline",
        formatter_class=options.HelpFormatter,
        description="Read a run folder (the --out of demo, compare, sweep, train, backtest, forecast, explain or "
                    "gradients) and write one HTML file with everything in it: it opens offline and can be "
                    "emailed. demo, compare, sweep and backtest write it by themselves.",
        epilog="examples:\n  tickercast report runs/demo --open\n  tickercast report runs/msft-ar --png")
    parser.add_argument("run_dir", metavar="RUN_DIR", help="the folder a command wrote with --out")
    parser.add_argument("--open", action="store_true", help="open the report in the default web browser")
    parser.add_argument("--png", action="store_true", help="also write the static PNG plots into the folder")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from tickercast.report.run_record import write_report

    path = write_report(args.run_dir, png=args.png)
    if args.open:
        import webbrowser

        webbrowser.open(path.resolve().as_uri())
    print(f"report: {printable(str(path))}")
    return 0
