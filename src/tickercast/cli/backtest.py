"""`tickercast backtest`: walk forward through the test part, refitting as asked, and score every horizon."""

from __future__ import annotations

import argparse
from typing import Any

from tickercast.cli import options
from tickercast.models import MODELS
from tickercast.report.literal import printable

#: The simulator's default (`evaluate.trading.DEFAULT_COST_BPS`, checked by a test), written out here because
#: importing it for `--help` would load NumPy: over half of the start-up time.
SHOWN_COST_BPS = 5.0


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "backtest", help="walk-forward backtest with refits, several horizons and a trading simulation",
        parents=options.parents(), formatter_class=options.HelpFormatter,
        description="Fit on the data before the test part, then walk through it: every --retrain-every days "
                    "refit on the data up to that day, and from each day forecast the next --horizon days "
                    "(recursively). Each forecast uses only prices known at its origin.",
        epilog="examples:\n  tickercast backtest --data sp500 --model gru --horizon 5\n"
               "  tickercast backtest --data msft --model ar --retrain-every 250 --trade --out runs/msft-ar")
    parser.add_argument("--model", required=True, choices=MODELS, help="model to backtest")
    parser.add_argument("--horizon", type=int, default=1, help="days ahead to forecast from each origin")
    parser.add_argument("--retrain-every", type=int, default=0, metavar="K", help="refit every K days (0: once)")
    parser.add_argument("--window", choices=("expanding", "sliding"), default="expanding",
                        help="refit on all data so far, or on a window as long as the first fit's")
    parser.add_argument("--strategy", choices=("recursive", "direct"), default=None,
                        help="horizons beyond 1: feed forecasts back (any model reading only returns), or one "
                             "network output per day (default: recursive; direct with --features or --with)")
    parser.add_argument("--trade", action="store_true",
                        help="simulate long/flat and long/short trading on the one-day forecasts")
    parser.add_argument("--cost-bps", type=float, default=SHOWN_COST_BPS,
                        help="transaction cost per side, in basis points")
    parser.add_argument("--threshold", type=float, default=None, metavar="P",
                        help="--target direction: go long when P(up) > P, short (long/short) when P(up) < 1 - P "
                             "(default: 0.5)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from tickercast.evaluate.backtest import backtest
    from tickercast.progress import progress_bars
    from tickercast.report.run_record import Stopwatch, finish_run, prepare_folder, write_backtest

    stopwatch = Stopwatch()
    options.check_ensemble(args, [args.model])
    out = prepare_folder(args.out) if args.out else None
    prices = options.load_prices(args)
    with progress_bars(False if args.json else None) as reporter:
        result = backtest(prices, args.model, horizon=args.horizon, retrain_every=args.retrain_every,
                          window=args.window, strategy=args.strategy, trade=args.trade, cost_bps=args.cost_bps,
                          threshold=args.threshold,
                          covariates=options.load_covariates(args), price_column=args.price_column,
                          reporter=reporter, **options.fit_options(args),
                          **options.model_settings(args))
    report = None
    direction = args.target == "direction"
    if out:
        write_backtest(out, result)
        settings = options.model_settings(args)
        report = finish_run(out, args.command, vars(args), settings, [settings["seed"]], stopwatch)
    summary = {**result.to_dict(), **({"ensemble": args.ensemble} if args.ensemble > 1 else {}),
               "out": str(out) if out else None, "report": str(report) if report else None}
    if args.json:
        from tickercast.cli.render import print_json

        print_json(summary)
        return 0
    from tickercast.cli.render import horizon_table, show, trading_table

    data = result.settings["data"]
    first, last = result.forecasts["origin"].iloc[0], result.forecasts["date"].iloc[-1]
    title = (f"{options.model_label(args.model, args.ensemble)} walk-forward on {data['ticker']} "
             f"{data['price_column']}, {first:%Y-%m-%d} .. "
             f"{last:%Y-%m-%d}: {result.fits} fit(s), {args.window} window, "
             f"{'P(up) one day ahead' if direction else result.settings['strategy']}")
    shown: list[Any] = [horizon_table(result.metrics, title)]
    if result.trading is not None:
        shown.append(trading_table(result.trading.to_dict()))
    if direction:
        shown.append(f"wrote forecasts.csv and metrics.json to {out}" if out else
                     "add --out DIR to save every forecast, the metrics and an HTML report")
    else:
        shown.append(f"wrote forecasts.csv, metrics.json and plots to {out}" if out else
                     "add --out DIR to save every forecast, the plots and an HTML report")
    show(*shown)
    if report:
        print(f"report: {printable(str(report))}")  # the last line, unwrapped, for people and for `tail -1`
    return 0
