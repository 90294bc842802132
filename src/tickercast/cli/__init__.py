"""The `tickercast` command: parses arguments, calls the library, turns user errors into exit code 2.

Exit codes: 0 success, 2 bad input or usage (one line on stderr, no traceback), 1 a bug (with traceback).
Heavy libraries (pandas, torch, matplotlib) are imported inside the commands, so `--help` is instant.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence

from tickercast._version import __version__
from tickercast.cli import backtest, compare, data, explain, forecast, gradients, rank, report, sweep, train
from tickercast.cli.options import HelpFormatter
from tickercast.errors import TickercastError, TickercastWarning, worded_as_flags
from tickercast.report.literal import printable

#: The library parameters whose flag is not `--` and the name with dashes (`errors.option`): a message that
#: names `covariates` reads `--with` here, and `covariates` from Python.
FLAGS = {"covariates": "--with", "global_models": "--global", "address": "--ray-address",
         "timeout": "--ray-timeout"}


class ArgumentParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line that points to --help."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> ArgumentParser:
    parser = ArgumentParser(
        prog="tickercast", formatter_class=HelpFormatter,
        description="Forecast daily prices with LSTM/GRU networks and measure them against tomorrow = today.",
        epilog="examples:\n  tickercast demo\n  tickercast train --data sp500 --model gru --out runs/gru\n"
               "  tickercast compare --data prices.csv --models lstm,gru,naive --seeds 3\n\n"
               "Run `tickercast COMMAND --help` for the options of each command.")
    parser.add_argument("--version", action="version", version=f"tickercast {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True, dest="command")
    compare.register_demo(commands)
    train.register(commands)
    compare.register(commands)
    sweep.register(commands)
    rank.register(commands)
    backtest.register(commands)
    forecast.register(commands)
    explain.register(commands)
    gradients.register(commands)
    data.register(commands)
    report.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    with worded_as_flags(FLAGS):  # settings named in messages read as the flags the user typed
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("always", TickercastWarning)  # a repair is always worth a line
                warnings.showwarning = _one_line_warning
                return args.run(args) or 0
        except TickercastError as error:
            print(f"error: {printable(str(error))}", file=sys.stderr)  # a name in it must not steer the terminal
            return 2
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            return 130


def _one_line_warning(message: Warning | str, category: type[Warning], *_: object, **__: object) -> None:
    prefix = "warning" if issubclass(category, TickercastWarning) else category.__name__
    print(f"{prefix}: {printable(str(message))}", file=sys.stderr)
