"""`tickercast train`: fit one model, print its metrics per split, optionally save the bundle and plots."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from tickercast.cli import options
from tickercast.models import MODELS


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "train", help="train one model and score it against the naive forecast",
        parents=options.parents(), formatter_class=options.HelpFormatter,
        description="Train one model on a chronological split and score its one-step-ahead forecasts.",
        epilog="examples:\n  tickercast train --data sp500 --model gru --epochs 50 --out runs/sp500-gru\n"
               "  tickercast train --data sp500 --model lstm --features returns,volume,rsi --with nasdaq")
    parser.add_argument("--model", required=True, choices=MODELS, help="model to train")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from tickercast.forecaster import Forecaster
    from tickercast.progress import progress_bars
    from tickercast.report.run_record import prepare_folder, write_run

    options.check_ensemble(args, [args.model])
    out = prepare_folder(args.out) if args.out else None
    prices = options.load_prices(args)
    forecaster = Forecaster(args.model, **options.model_settings(args))
    with progress_bars(False if args.json else None) as reporter:
        forecaster.fit(prices, covariates=options.load_covariates(args), price_column=args.price_column,
                       reporter=reporter, **options.fit_options(args))
    if out:
        write_run(out, {forecaster.model: forecaster}, nested=False)
    if args.json:
        from tickercast.cli.render import print_json

        print_json(describe(forecaster, out))
    else:
        _print_summary(forecaster, out)
    return 0


def describe(forecaster: Any, out: Path | None) -> dict[str, Any]:
    """The `--json` object of a trained model (DESIGN §4: metrics under metrics.<split>)."""
    history = forecaster.history
    return {
        "model": forecaster.model,
        "data": forecaster.data_,
        "split": forecaster.split_,
        "settings": forecaster.config.to_dict(),
        "metrics": forecaster.metrics,
        **({"members": forecaster.member_metrics} if forecaster.member_metrics is not None else {}),
        "inputs": forecaster.inputs_,
        "importance": getattr(forecaster, "importance_", None),
        "training": {"epochs_run": int(history["epoch"].max()) if len(history) else 0,
                     "best_epoch": next(iter(forecaster.best_epochs_), None), "seconds": forecaster.fit_seconds_},
        "out": str(out) if out else None,
    }


def _print_summary(forecaster: Any, out: Path | None) -> None:
    from tickercast.cli.render import importance_table, inputs_line, members_table, show, split_table

    data = forecaster.data_
    title = (f"{options.model_label(forecaster.model, forecaster.config.ensemble)} on {data['ticker']} "
             f"{data['price_column']} "
             f"({data['first']} .. {data['last']}, {data['rows']} days)")
    lines: list[Any] = [split_table(forecaster.metrics, title)]
    described = inputs_line(forecaster.inputs_)
    if described:
        lines.append(described + ("" if forecaster.reads_inputs_ else f" ({forecaster.model} reads none of them)"))
    if getattr(forecaster, "importance_", None):
        lines.append(importance_table(forecaster.importance_))
    if forecaster.member_metrics is not None:
        lines.append(members_table(forecaster.metrics, forecaster.member_metrics))
        kept = ", ".join(str(epoch) for epoch in forecaster.best_epochs_)
        lines.append(f"the members kept the weights of epochs {kept} (best validation loss each); trained "
                     f"together in {forecaster.fit_seconds_:.1f} s")
    best = None if forecaster.member_metrics is not None else next(iter(forecaster.best_epochs_), None)
    if best is not None:
        epochs = int(forecaster.history["epoch"].max())
        why = "best validation loss" if forecaster.history["val_loss"].notna().any() else "no validation split"
        lines.append(f"kept the weights of epoch {best} of {epochs} ({why}); "
                     f"trained in {forecaster.fit_seconds_:.1f} s")
        if best == 0 and forecaster.config.target == "log_return":
            lines.append("no epoch beat the untrained network on validation, so this model's forecasts equal "
                         "the naive forecast")
        if best == 0 and forecaster.config.target == "direction":
            lines.append("no epoch beat the untrained network on validation, so this model's P(up) is the "
                         "training base rate every day")
    if forecaster.config.target == "direction":
        lines.append(f"saved the model to {out} (`tickercast report {out}` draws its P(up))" if out else
                     "add --out DIR to save the model")
    else:
        lines.append(f"saved the model and plots to {out}" if out else "add --out DIR to save the model and plots")
    show(*lines)
