"""`tickercast compare` and `tickercast demo`: several models and seeds on one split, side by side."""

from __future__ import annotations

import argparse
from typing import Any

from tickercast.cli import options
from tickercast.models import MODELS

DEMO_MODELS = "lstm,gru,naive"


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "compare", help="compare several models (and seeds) on the same split",
        parents=options.parents(), formatter_class=options.HelpFormatter,
        description="Fit several models on the same chronological split and rank them against naive.",
        epilog="example:\n  tickercast compare --data nasdaq --models lstm,gru,rnn,naive --seeds 3 --out runs/cmp")
    parser.add_argument("--models", default=DEMO_MODELS, help=f"comma-separated: {', '.join(MODELS)}")
    parser.add_argument("--seeds", type=int, default=1, help="runs per network, seeds --seed, --seed + 1, ...")
    parser.set_defaults(run=run)


def register_demo(commands: Any) -> None:
    parser = commands.add_parser(
        "demo", help="LSTM and GRU vs naive on the bundled S&P 500, with table and plots",
        parents=options.parents(default_data="sp500", default_out="runs/demo"),
        formatter_class=options.HelpFormatter,
        description="The one-command answer: train an LSTM and a GRU on the bundled S&P 500 prices "
                    "(1999-2018), score them on the last 20%% against the naive forecast, and plot.")
    parser.set_defaults(run=run, models=DEMO_MODELS, seeds=1)


def run(args: argparse.Namespace) -> int:
    from tickercast.comparison import compare, summarize
    from tickercast.progress import progress_bars
    from tickercast.report.run import prepare_folder, write_run

    out = prepare_folder(args.out) if args.out else None
    prices = options.load_prices(args)
    with progress_bars(False if args.json else None) as reporter:
        results = compare(prices, args.models, seeds=args.seeds, price_column=args.price_column,
                          reporter=reporter, **options.fit_options(args), **options.model_settings(args))
    summary = summarize(results)
    if out:
        write_run(out, {result.label: result.forecaster for result in results}, nested=True, summary=summary)
    first = results[0].forecaster
    if args.json:
        from tickercast.cli.render import print_json

        print_json({"results": [{"model": r.model, "seed": r.seed, "metrics": r.metrics} for r in results],
                    "summary": {"test": summary}, "data": first.data_, "split": first.split_,
                    "settings": first.config.to_dict(), "out": str(out) if out else None})
        return 0
    from tickercast.cli.render import show, summary_table

    data, test = first.data_, first.split_["test"]
    naive_rmse = results[0].metrics["test"]["naive_rmse"]
    title = (f"{data['ticker']} {data['price_column']}: test {test['start']} .. {test['end']} "
             f"({test['days']} days), one-step-ahead; naive RMSE {naive_rmse:.4g}")
    show(summary_table(summary, title),
         f"wrote models, predictions and plots to {out}" if out else "add --out DIR to save models and plots")
    if out:
        show(f"  {out / 'prediction.png'}\n  {out / 'loss.png'}")
    return 0
