"""`tickercast rank`: the cross-sectional study of Fischer & Krauss (2018) on a panel of tickers.

Parses the options, reads the panel and calls `sweep.rank_run.run_rank`; prints a table per model, the
verdicts and the data's caveat, or with --json exactly the study's summary (`rank.json`).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from tickercast.cli import options
from tickercast.config import FILLS
from tickercast.report.literal import printable

#: `rank.RANK_DEFAULTS` and `rank.RankSettings`' defaults, written out so that --help imports no NumPy or torch;
#: a test checks that they match.
RANK_DEFAULTS = {"lookback": 240, "hidden": 25, "layers": 1, "dropout": 0.1, "batch_size": 64, "epochs": 30,
                 "patience": 5}
STUDY_DEFAULTS = {"train_days": 750, "trade_days": 250, "step": 250, "cost_bps": 5.0}
#: Training options that mean nothing here: the study fixes the target (beats the median), the inputs
#: (standardised returns), the scaling (the period's mean and sd) and the split (its study periods).
NOT_FOR_RANK = ("target", "scaler", "features", "horizons", "split", "ensemble")
#: The columns of the table printed per model: key in the summary, header, format.
COLUMNS = (("mean_return", "mean/day", "{:+.3%}"), ("mean_return_after_costs", "after costs", "{:+.3%}"),
           ("t_stat_after_costs", "t (NW)", "{:.2f}"), ("sharpe_after_costs", "Sharpe", "{:.2f}"),
           ("accuracy", "accuracy", "{:.1%}"), ("auc", "AUC", "{:.3f}"), ("turnover", "turnover", "{:.2f}"))


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "rank", help="rank a panel of stocks every day (Fischer & Krauss 2018): long the top k, short the bottom k",
        parents=[_data_options(), options.training_options(RANK_DEFAULTS, without=NOT_FOR_RANK),
                 options.output_options("runs/rank")],
        formatter_class=options.HelpFormatter,
        description="Train one network per study period across all stocks (with --ensemble N, N trained together "
                    "and averaged) to predict which beat tomorrow's cross-sectional median, trade the top and "
                    "bottom k every day, and report the returns before and after costs with Newey–West "
                    "t-statistics, next to logistic regression, short-term reversal and a random ranking on the "
                    "same days. Periods run on local processes or Ray; an interrupted study continues with --resume.",
        epilog="examples:\n"
               "  tickercast rank --data djia30 --out runs/djia30\n"
               "  tickercast rank --data prices.csv --model lstm,gru --top 10 --cost-bps 5 --json\n"
               "  tickercast rank --data djia30 --out runs/djia30 --resume      # the same command, continued")
    study = parser.add_argument_group("study")
    study.add_argument("--model", default="lstm", metavar="M,M",
                       help="networks or models trained per period: lstm, gru, rnn, logistic (logistic, reversal "
                            "and random are always reported)")
    study.add_argument("--top", type=int, default=None, metavar="K",
                       help="stocks held long and short each day (default: tickers // 6, between 1 and 10)")
    study.add_argument("--cost-bps", type=float, default=STUDY_DEFAULTS["cost_bps"],
                       help="cost per half-turn in basis points, charged on the turnover")
    study.add_argument("--train-days", type=int, default=STUDY_DEFAULTS["train_days"],
                       help="days each period trains on (its last 20%% for early stopping)")
    study.add_argument("--trade-days", type=int, default=STUDY_DEFAULTS["trade_days"],
                       help="days each period trades after its training days")
    study.add_argument("--step", type=int, default=STUDY_DEFAULTS["step"], help="days between period starts")
    study.add_argument("--resume", action="store_true",
                       help="continue the study in --out: run only the periods not done")
    options.engine_options(parser)
    parser.set_defaults(run=run)


def _data_options() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(add_help=False)
    group = parser.add_argument_group("data")
    group.add_argument("--data", required=True, metavar="PANEL",
                       help="a panel: djia30 (bundled), a long CSV/Parquet with a ticker column (Name, ticker or "
                            "symbol), a folder or glob of one file per ticker, store:* or store:IBM,store:MSFT")
    group.add_argument("--price-column", default=None, metavar="COL",
                       help="prices the returns are computed from: close or adj_close (default: adj_close if "
                            "present, else close)")
    group.add_argument("--fill", choices=FILLS, default=None,
                       help="forward-fill empty prices instead of stopping with an error")
    return parser


def run(args: argparse.Namespace) -> int:
    from tickercast.config import ModelConfig
    from tickercast.data.panel import load_panel
    from tickercast.progress import progress_bars
    from tickercast.rank import RankSettings, study_models
    from tickercast.report.run_record import Stopwatch, finish_run
    from tickercast.sweep.engines import make_engine
    from tickercast.sweep.rank_run import RankSpec, run_rank

    stopwatch = Stopwatch()
    spec = RankSpec(models=study_models(args.model), config=ModelConfig.from_settings(**options.model_settings(args)),
                    settings=RankSettings(train_days=args.train_days, trade_days=args.trade_days, step=args.step,
                                          top=args.top, cost_bps=args.cost_bps))
    engine = make_engine(args.engine, workers=args.workers, address=args.ray_address,
                         timeout=args.ray_timeout)  # no Ray, or no cluster there: fail now
    with progress_bars(False if args.json else None) as reporter:
        panel = load_panel(args.data, price_column=args.price_column, fill=args.fill, reporter=reporter)
        study = run_rank(spec, panel, Path(args.out).expanduser(), engine, resume=args.resume, reporter=reporter)
    # run.json holds the network settings rank uses, not the ones it fixes
    settings = {key: value for key, value in options.model_settings(args).items() if key not in NOT_FOR_RANK}
    report = finish_run(study.folder, args.command, vars(args), settings, [args.seed], stopwatch)
    if args.json:
        from tickercast.cli.render import print_json

        print_json(study.result.summary)
        return 0
    _print(study, engine.name)
    print(f"report: {printable(str(report))}")  # the last line, unwrapped, for people and for `tail -1`
    return 0


def _print(study: Any, engine: str) -> None:
    from tickercast.cli.render import show

    summary = study.result.summary
    settings = summary["settings"]
    data = summary["data"]
    show(rank_table(summary["models"], f"{data['name']}: {data['tickers']} tickers, {len(summary['periods'])} study "
                                       f"periods, {data['first']} .. {data['last']}; long/short top "
                                       f"{settings.get('top')}, {settings.get('cost_bps'):g} bps per half-turn"),
         *(model["verdict"] for model in summary["models"].values()))
    if data.get("dropped"):
        show(f"dropped: {', '.join(f'{ticker} ({why})' for ticker, why in data['dropped'].items())}")
    if data.get("caveat"):
        show(f"caveat: {data['caveat']}")
    units = study.units
    show(f"ran {units['ran']} of {units['total']} units ({units['skipped']} were done before) in "
         f"{study.seconds:.0f} s on the {engine} engine; results in {study.folder}")


def rank_table(models: dict[str, dict[str, Any]], title: str) -> Any:
    """One row per model: daily mean before and after costs, its Newey–West t, Sharpe, accuracy, AUC, turnover."""
    from rich.table import Table

    table = Table(title=title, caption="mean/day: the long-short portfolio's mean daily return; t (NW): Newey–West "
                  "t-statistic of the after-cost mean; Sharpe after costs, annualised; turnover: mean sum of "
                  "|weight changes| a day (4 = every position replaced)", caption_justify="left")
    table.add_column("model")
    for _, header, _ in COLUMNS:
        table.add_column(header, justify="right")
    for name, values in models.items():
        table.add_row(name, *("—" if values.get(key) is None else fmt.format(values[key]) for key, _, fmt in COLUMNS))
    return table
