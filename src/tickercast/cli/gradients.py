"""`tickercast gradients`: the vanishing/exploding gradient lab for RNN, LSTM and GRU."""

from __future__ import annotations

import argparse
from dataclasses import fields
from pathlib import Path
from typing import Any

from tickercast.cli import options
from tickercast.lab.settings import LabSettings


def register(commands: Any) -> None:
    defaults = {field.name: field.default for field in fields(LabSettings)}
    parser = commands.add_parser(
        "gradients", help="measure vanishing and exploding gradients in RNN, LSTM and GRU",
        formatter_class=options.HelpFormatter,
        description="Measure how far back a gradient reaches in each cell, train each on a task that needs "
                    "a long memory, and show an exploding RNN with and without gradient clipping.",
        epilog="example:\n  tickercast gradients --cells rnn,lstm,gru --steps 100 --out runs/gradients")
    parser.add_argument("--cells", default="rnn,lstm,gru", help="comma-separated: rnn, lstm, gru")
    parser.add_argument("--steps", type=int, default=defaults["steps"], help="lags to measure")
    parser.add_argument("--gap", type=int, default=defaults["gap"], help="steps the memory task must bridge")
    parser.add_argument("--iterations", type=int, default=defaults["iterations"], help="training updates per cell")
    parser.add_argument("--hidden", type=int, default=defaults["hidden"], help="hidden units of every cell")
    parser.add_argument("--gate-bias", type=float, default=defaults["gate_bias"],
                        help="bias added to the forget/update gate in the open-gate runs (0: skip them)")
    parser.add_argument("--seed", type=int, default=defaults["seed"], help="seed of weights and data")
    parser.add_argument("--seeds", type=int, default=defaults["seeds"],
                        help="memory-task runs per cell (seeds --seed, --seed + 1, ...)")
    parser.add_argument("--out", default="runs/gradients", metavar="DIR",
                        help="where to write gradients.png and gradients.json")
    parser.add_argument("--json", action="store_true", help="print the curves and accuracies as one JSON object")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from tickercast.lab.gradients import run_lab
    from tickercast.progress import progress_bars
    from tickercast.report.run_record import write_lab

    settings = LabSettings(hidden=args.hidden, steps=args.steps, gap=args.gap, iterations=args.iterations,
                           gate_bias=args.gate_bias, seed=args.seed, seeds=args.seeds)
    cells = [cell.strip() for cell in args.cells.split(",") if cell.strip()]
    with progress_bars(False if args.json else None) as reporter:
        result = run_lab(cells, settings, reporter)
    result["plot"] = str(write_lab(Path(args.out), result))
    if args.json:
        from tickercast.cli.render import print_json

        print_json(result)
        return 0
    from tickercast.cli.render import gradient_lab_table, show

    unclipped, clipped = result["exploding"]["unclipped"], result["exploding"]["clipped"]
    show(gradient_lab_table(result),
         f"exploding: an RNN with recurrent spectral radius {settings.radius:g}, trained by plain SGD, has gradient "
         f"norms up to {unclipped['max_grad_norm']:.3g}; without clipping its weights end at norm "
         f"{unclipped['final_weight_norm']:.3g} (loss {unclipped['final_loss']:.3g}), with clipping at "
         f"{settings.clip:g} at {clipped['final_weight_norm']:.3g} (loss {clipped['final_loss']:.3g})",
         f"wrote {result['plot']}")
    return 0
