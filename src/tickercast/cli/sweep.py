"""`tickercast sweep`: many datasets × models × settings × seeds on local processes or Ray, resumable."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from tickercast.cli import options
from tickercast.models import MODELS
from tickercast.report.literal import printable
from tickercast.sweep.plan import PRUNERS


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "sweep", help="many datasets, models, settings and seeds; local processes or Ray; resumable",
        parents=options.parents(default_out="runs/sweep"), formatter_class=options.HelpFormatter,
        description="Run every (dataset, model, settings, seed) unit, store each as it finishes, choose each "
                    "model's settings on the validation part only, and rank the chosen ones on the test part "
                    "as `compare` does. An interrupted sweep continues with --resume.",
        epilog="examples:\n"
               "  tickercast sweep --data sp500,msft,store:IBM --models lstm,gru,naive,ar --seeds 3 \\\n"
               "      --grid lookback=10,20,60 hidden=16,32,64 --out runs/sweep1\n"
               "  tickercast sweep --data store:* --models lstm,naive --global --search random:20 \\\n"
               "      --grid lookback=10,20,60 hidden=16,32,64 lr=1e-3,3e-3 --engine ray --out runs/sweep2\n"
               "  tickercast sweep --data sp500 --models lstm,naive --search tpe:30 \\\n"
               "      --grid lr=1e-4..1e-2:log hidden=8..128 lookback=10,20,60 --out runs/tpe\n"
               "  tickercast sweep ... --out runs/sweep1 --resume      # the same command, continued")
    sweep = parser.add_argument_group("sweep")
    sweep.add_argument("--models", default="lstm,gru,naive", help=f"comma-separated: {', '.join(MODELS)}")
    sweep.add_argument("--seeds", type=int, default=1, help="runs per network and settings: --seed, --seed + 1, ...")
    sweep.add_argument("--grid", nargs="+", default=[], metavar="KEY=V1,V2",
                       help="settings to search, e.g. lookback=10,20,60 hidden=16,32 (others: the options below)")
    sweep.add_argument("--search", default="grid", metavar="grid|random:N|tpe:N",
                       help="every combination of --grid, N of them drawn with --seed, or N trials per dataset and "
                            "model proposed by Optuna's TPE sampler from the earlier trials' validation scores "
                            "(--grid may then hold ranges: lr=1e-4..1e-2:log hidden=8..128)")
    sweep.add_argument("--prune", choices=PRUNERS, default=None,
                       help="tpe:N only: stop a trial whose validation loss after an epoch is worse than the median "
                            "of the earlier trials' (median, the default there), or by successive halving; none "
                            "trains every trial to the end")
    sweep.add_argument("--luck-check", action="store_true",
                       help="also run the same sweep with each dataset's returns shuffled in time within its "
                            "training and validation parts (in OUT/luck): the gap between validation and test "
                            "that choosing among the settings gives by luck alone")
    sweep.add_argument("--global", dest="global_models", action="store_true",
                       help="also train each network once on all datasets together (lstm-global, ...)")
    sweep.add_argument("--resume", action="store_true",
                       help="continue the sweep in --out: run only the units not done (failed ones again)")
    options.engine_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import warnings

    from tickercast.config import ModelConfig
    from tickercast.data.load import dataset_names
    from tickercast.errors import TickercastError, TickercastWarning
    from tickercast.models import model_names
    from tickercast.progress import progress_bars
    from tickercast.report.run_record import Stopwatch, finish_run
    from tickercast.sweep.driver import load_datasets, run_sweep
    from tickercast.sweep.engines import make_engine
    from tickercast.sweep.plan import SplitOptions, SweepSpec, parse_grid

    stopwatch = Stopwatch()
    base = ModelConfig.from_settings(**options.model_settings(args))
    covariates = options.load_covariates(args)
    spec = SweepSpec(models=tuple(model_names(args.models)), seeds=args.seeds, grid=parse_grid(args.grid, base),
                     search=args.search, global_models=args.global_models, base=base,
                     split=SplitOptions(args.test_size, args.val_size, args.test_start, args.val_start,
                                        args.common_span), covariates=tuple(covariates),
                     prune=_pruner(args))
    engine = make_engine(args.engine, workers=args.workers, address=args.ray_address,
                         timeout=args.ray_timeout)  # no Ray, or no cluster there: fail now
    datasets = load_datasets(dataset_names(args.data), **options.load_options(args))
    for frame in datasets.values():
        if isinstance(frame, str):
            warnings.warn(f"{frame} (its units are recorded as failed)", TickercastWarning, stacklevel=1)
    with progress_bars(False if args.json else None) as reporter:
        result = run_sweep(spec, datasets, Path(args.out).expanduser(), engine, resume=args.resume,
                           reporter=reporter, covariates=covariates, luck_check=args.luck_check)
    if not result.selections:
        first = next(record.error for record in result.records if record.error)
        raise TickercastError(f"every unit failed (recorded in {result.folder / 'results.sqlite'}); the first: {first}")
    seeds = sorted({record.seed for record in result.records if record.seed is not None})
    report = finish_run(result.folder, args.command, vars(args), options.model_settings(args), seeds, stopwatch)
    if args.json:
        from tickercast.cli.render import print_json

        print_json({**result.to_dict(), "report": str(report)})
        return 0
    _print(result, engine.name)
    print(f"report: {printable(str(report))}")  # the last line, unwrapped, for people and for `tail -1`
    return 0


def _pruner(args: argparse.Namespace) -> str:
    """--prune as given; by default median for a TPE search of networks (nothing to prune otherwise)."""
    from tickercast.config import CELLS
    from tickercast.models import model_names
    from tickercast.sweep.plan import search_kind

    if args.prune is not None:
        return args.prune
    networks = set(model_names(args.models)) & set(CELLS)
    return "median" if search_kind(args.search) == "tpe" and networks else "none"


def _print(result: Any, engine: str) -> None:
    from tickercast.cli.render import (
        honesty_table,
        leaderboard_table,
        selection_table,
        show,
        summary_table,
        verdict_lines,
    )
    from tickercast.sweep.select import RULE

    standings = result.standings
    for data, rows in standings["summary"].items():
        days = next(s.runs[0].metrics["test"]["n"] for s in result.selections if s.data == data)
        show(summary_table(rows, f"{data}: test part ({days} days), one-step-ahead, with the settings chosen on "
                                 "validation"), *verdict_lines(standings["verdicts"][data]))
    show(selection_table(result.selections))
    show(honesty_table(result.honesty, result.luck and result.luck["honesty"]))
    if standings["leaderboard"]:
        show(leaderboard_table(standings["leaderboard"]))
    failures = [record for record in result.records if record.error]
    if failures:
        lines = [f"  {r.data} {r.model} {r.params or ''} seed {r.seed}: {r.error}" for r in failures[:5]]
        more = f"  ... and {len(failures) - 5} more" if len(failures) > 5 else ""
        show(f"{len(failures)} of {len(result.records)} results failed (every error is in "
             f"{result.folder / 'results.sqlite'}):", *lines, *([more] if more else []))
    units = result.units
    pruned = f"; {units['pruned']} stopped early by the pruner" if units.get("pruned") else ""
    show(f"Selection: {RULE}.",
         f"ran {units['ran']} of {units['total']} units ({units['skipped']} were done before{pruned}) in "
         f"{result.seconds:.0f} s on the {engine} engine; results in {result.folder}")
