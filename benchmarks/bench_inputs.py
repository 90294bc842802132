"""What ten inputs cost a network's training, against returns alone (issue 14's target: at most 1.3x).

    python benchmarks/bench_inputs.py [--repeats 3] [--epochs 10] [--json]

The bundled S&P 500, the canonical network (32 units, 2 layers, lookback 20, batch 64), trained for a fixed
number of epochs (patience beyond them, so both runs do the same number of steps) on one thread, once on
returns only and once on ten inputs (returns, ohlc (4), volume (2), rsi, bbands, volatility). The runs alternate
(returns, ten, returns, ten, ...) so that a change in the machine's load hits both; the ratio is of the medians of
the seconds per epoch. Exit code 1 if a ratio misses the target. Run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import warnings

import tickercast as tc
from tickercast.reproducible import one_thread

TEN = "returns,ohlc,volume,rsi,bbands,volatility"
TARGET = 1.3


def seconds_per_epoch(model: str, features: str, epochs: int, prices) -> tuple[float, int]:
    forecaster = tc.Forecaster(model, features=features, epochs=epochs, patience=epochs + 1, seed=0)
    forecaster.fit(prices)
    return forecaster.fit_seconds_ / epochs, 1 + len(forecaster.inputs_["columns"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    prices = tc.load("sp500")
    results = {}
    with one_thread():
        for model in ("lstm", "gru"):
            times: dict[str, list[float]] = {"returns": [], TEN: []}
            inputs = {}
            for _ in range(args.repeats):
                for features in times:  # alternating, so load changes hit both
                    seconds, inputs[features] = seconds_per_epoch(model, features, args.epochs, prices)
                    times[features].append(seconds)
            one, ten = statistics.median(times["returns"]), statistics.median(times[TEN])
            results[model] = {"inputs": inputs[TEN], "returns_s_per_epoch": one, "ten_inputs_s_per_epoch": ten,
                              "ratio": ten / one, "runs": times}
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        for model, row in results.items():
            print(f"{model}: {row['returns_s_per_epoch']:.3f} s/epoch on returns, {row['ten_inputs_s_per_epoch']:.3f} "
                  f"s/epoch on {row['inputs']} inputs: {row['ratio']:.2f}x (target <= {TARGET}x; medians of "
                  f"{args.repeats} alternating runs of {args.epochs} epochs)")
    return 0 if all(row["ratio"] <= TARGET for row in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
