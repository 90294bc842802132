"""`tickercast compare` and `tickercast demo`: several models and seeds on one split, side by side."""

from __future__ import annotations

import argparse
from typing import Any

from tickercast.cli import options
from tickercast.models import DIRECTION_DEFAULT, MODELS
from tickercast.report.literal import printable

DEMO_MODELS = "lstm,gru,naive"


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "compare", help="compare several models (and seeds) on the same split",
        parents=options.parents(), formatter_class=options.HelpFormatter,
        description="Fit several models on the same chronological split and rank them against naive.",
        epilog="examples:\n  tickercast compare --data nasdaq --models lstm,gru,rnn,naive --seeds 3 --out runs/cmp\n"
               "  tickercast compare --data sp500,nasdaq,msft --models lstm,gru,naive,ar --seeds 3\n"
               "  tickercast compare --data msft --models lstm,ar --with nasdaq "
               "--feature-sets \"returns; returns,volume; returns,nasdaq\"")
    parser.add_argument("--models", default=None,
                        help=f"comma-separated: {', '.join(MODELS)} (default: {DEMO_MODELS}; with --target "
                             f"direction: {','.join(DIRECTION_DEFAULT)})")
    parser.add_argument("--seeds", type=int, default=1, help="runs per network, seeds --seed, --seed + 1, ...")
    parser.add_argument("--feature-sets", default=None, metavar="SETS",
                        help="input sets separated by ';' (e.g. \"returns; returns,volume\"; a --with name is a "
                             "covariate): each model that reads inputs runs once per set, on the same days, and "
                             "each set is tested against returns only")
    parser.add_argument("--workers", type=int, default=0,
                        help="processes fitting models side by side, each model with all its seeds (0 = one per "
                             "network model, up to one per core, when it pays)")
    parser.set_defaults(run=run)


def register_demo(commands: Any) -> None:
    parser = commands.add_parser(
        "demo", help="LSTM and GRU vs naive on the bundled S&P 500, with table and plots",
        parents=options.parents(default_data="sp500", default_out="runs/demo"),
        formatter_class=options.HelpFormatter,
        description="The one-command answer: train an LSTM and a GRU on the bundled S&P 500 prices "
                    "(1999-2018), score them on the last 20% against the naive forecast, and plot.")
    parser.set_defaults(run=run, models=None, seeds=1, workers=0, feature_sets=None)


def run(args: argparse.Namespace) -> int:
    from tickercast.comparison import ablation, compare, leaderboard, network_verdicts, summarize
    from tickercast.data.load import dataset_names
    from tickercast.progress import progress_bars
    from tickercast.report.run_record import Stopwatch, finish_run, prepare_folder, write_comparison

    stopwatch = Stopwatch()
    direction = args.target == "direction"
    models = args.models or (",".join(DIRECTION_DEFAULT) if direction else DEMO_MODELS)
    _check_ensemble(args, models)
    names = dataset_names(args.data)  # store:* stands for every stored ticker; an empty list is one line
    out = prepare_folder(args.out) if args.out else None
    # every dataset is read (and checked) before any training starts
    prices = {name: options.load_prices(args, name) for name in names}
    covariates = options.load_covariates(args)
    results = {}
    with progress_bars(False if args.json else None) as reporter:
        for name, frame in prices.items():
            results[name] = compare(frame, models, seeds=args.seeds, feature_sets=args.feature_sets,
                                    covariates=covariates, price_column=args.price_column, workers=args.workers,
                                    reporter=reporter, **options.fit_options(args), **options.model_settings(args))
    summaries = {name: summarize(runs) for name, runs in results.items()}
    ablations = {name: ablation(runs) for name, runs in results.items()}
    verdicts = {name: network_verdicts(runs) for name, runs in results.items()}
    board = leaderboard(results) if len(results) > 1 else None
    report = None
    if out:
        write_comparison(out, results, summaries, ablations, board)
        seeds = sorted({r.seed for runs in results.values() for r in runs if r.seed is not None})
        report = finish_run(out, args.command, vars(args), options.model_settings(args), seeds, stopwatch)
    if args.json:
        from tickercast.cli.render import print_json

        first = next(iter(results.values()))[0].forecaster
        print_json({"results": [{"data": name, "model": r.model, "seed": r.seed, "metrics": r.metrics,
                                 **({"members": r.forecaster.member_metrics}
                                    if r.forecaster.member_metrics is not None else {}),
                                 **({"inputs": r.forecaster.inputs_} if r.inputs or r.forecaster.inputs_["with"] or
                                    r.forecaster.inputs_["features"] != ["returns"] else {})}
                                for name, runs in results.items() for r in runs],
                    "summary": {name: {"test": rows} for name, rows in summaries.items()},
                    **({"ablation": ablations} if any(ablations.values()) else {}),
                    "verdicts": verdicts, "leaderboard": board,
                    "data": {name: runs[0].forecaster.data_ for name, runs in results.items()},
                    "split": {name: runs[0].forecaster.split_ for name, runs in results.items()},
                    "settings": first.config.to_dict(), "out": str(out) if out else None,
                    "report": str(report) if report else None})
        return 0
    from tickercast.cli.render import ablation_table, leaderboard_table, show, summary_table, verdict_lines

    for name, runs in results.items():
        data, test = runs[0].forecaster.data_, runs[0].forecaster.split_["test"]
        against = ("P(up) one day ahead, ranked by log loss" if direction else
                   f"one-step-ahead; naive RMSE {runs[0].metrics['test']['naive_rmse']:.4g}")
        title = (f"{data['ticker']} {data['price_column']}: test {test['start']} .. {test['end']} "
                 f"({test['days']} days), {against}")
        show(summary_table(summaries[name], title), *verdict_lines(verdicts[name]), *_member_lines(runs))
        if ablations[name]:
            show(ablation_table(ablations[name]))
    if board:
        show(leaderboard_table(board))
    if direction:
        show(f"wrote models, predictions and tables to {out}" if out else
             "add --out DIR to save the models and an HTML report")
    else:
        show(f"wrote models, predictions, plots and tables to {out}" if out else
             "add --out DIR to save models, plots and an HTML report")
    if report:
        print(f"report: {printable(str(report))}")  # the last line, unwrapped, for people and for `tail -1`
    return 0


def _check_ensemble(args: argparse.Namespace, models: str) -> None:
    """`--ensemble N` needs a network among the models (baselines run once, as without it), and one ensemble per
    network: seeds s, s + 1, ... of several ensembles would share members, so their spread would understate the
    seed noise (give --seed to move the ensemble instead)."""
    from tickercast.comparison import check_ensemble_seeds
    from tickercast.models import model_names

    options.check_ensemble(args, model_names(models))
    check_ensemble_seeds(args.ensemble, args.seeds)  # before any data is read


def _member_lines(runs: list[Any]) -> list[str]:
    """'lstm: ensemble of 5 (seeds 0-4): test RMSE / naive 0.9981 vs 1.0043 ± 0.0031 ...' per ensemble run."""
    from tickercast.evaluate.members import ensemble_gain

    return [f"{r.label}: {ensemble_gain(r.metrics, r.forecaster.member_metrics)}" for r in runs
            if r.forecaster.member_metrics is not None]
