"""`tickercast explain`: every gate of an LSTM/GRU, step by step (hand-set weights) or per unit (a trained model)."""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any

from tickercast.cli import options
from tickercast.errors import ConfigError


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "explain", help="show the gates of an LSTM/GRU at work, step by step",
        formatter_class=options.HelpFormatter,
        description="Run an LSTM or GRU through the NumPy cells and show every gate value per step: the "
                    "textbook StatQuest unit on a short sequence, or a trained model on its last days.",
        epilog="examples:\n  tickercast explain --cell lstm --weights statquest --sequence 0,0.5,0.25,1\n"
               "  tickercast explain --model-dir runs/demo/gru-seed0 --days 30 --out runs/gates")
    parser.add_argument("--cell", choices=("lstm", "gru"), help="cell to explain (with --model-dir: checked)")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--weights", choices=("statquest",), help="hand-set weights of a one-unit LSTM")
    source.add_argument("--model-dir", metavar="DIR", help="a model saved with --out")
    parser.add_argument("--sequence", action="append", metavar="V,V,...",
                        help="input values for --weights; repeat for several sequences "
                             "(default: StatQuest's Company A and Company B)")
    parser.add_argument("--data", metavar="D", help="prices for --model-dir (default: the data it was trained on)")
    options.add_covariates(parser)
    parser.add_argument("--days", type=int, help="last days to explain for --model-dir (default: its lookback)")
    parser.add_argument("--out", metavar="DIR",
                        help="where to write gates.png and gates.json for --model-dir (default: DIR)")
    parser.add_argument("--json", action="store_true", help="print every per-step array as one JSON object")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    result = _explain_weights(args) if args.weights else _explain_model(args)
    if args.json:
        from tickercast.cli.render import print_json

        print_json(result)
    return 0


def _explain_weights(args: argparse.Namespace) -> dict[str, Any]:
    from tickercast.lab.explain import explain_sequence
    from tickercast.numpy_cells import COMPANY_A, COMPANY_B

    sequences = [_values(text) for text in args.sequence] if args.sequence else [list(COMPANY_A), list(COMPANY_B)]
    runs = [explain_sequence(args.cell or "lstm", args.weights, sequence) for sequence in sequences]
    if not args.json:
        from tickercast.cli.render import gate_steps_table, show

        for run in runs:
            show(gate_steps_table(run))
    return {"cell": "lstm", "weights": args.weights, "runs": runs}


def _explain_model(args: argparse.Namespace) -> dict[str, Any]:
    from tickercast.bundle import saved_data
    from tickercast.data.load import load
    from tickercast.forecaster import Forecaster
    from tickercast.lab.explain import GATES, explain_model
    from tickercast.report.run_record import write_explanation

    forecaster = Forecaster.load(args.model_dir)
    if args.cell and args.cell != forecaster.model:
        raise ConfigError(f"{args.model_dir} holds a {forecaster.model} model, not {args.cell}")
    data = forecaster.data_
    # A bundle is data from elsewhere: it may name a sample or a stored ticker, never a path or a download.
    prices = load(args.data if args.data else saved_data(args.model_dir, data), price_column=data["price_column"],
                  series=True)
    result = explain_model(forecaster, prices, args.days, options.load_covariates(args))
    out = Path(args.out or args.model_dir)
    title = f"{forecaster.model} gates on {data['ticker']}, {result['dates'][0]} .. {result['dates'][-1]}"
    result["plot"] = str(write_explanation(out, result, GATES[forecaster.model], title))
    if not args.json:
        from tickercast.cli.render import gate_summary_table, show

        show(gate_summary_table(result), f"wrote the gate heatmap to {result['plot']}")
    return result


def _values(text: str) -> list[float]:
    try:
        values = [float(value) for value in text.split(",") if value.strip()]
    except ValueError:
        values = [math.nan]
    if not all(math.isfinite(value) for value in values):
        raise ConfigError(f"cannot read the sequence {text!r}; write finite numbers separated by commas")
    return values
