"""Does training seeds together move their scores? Each GRU seed of the canonical job trained alone and in a stack
of five, side by side: the per-seed change against the seed-to-seed spread.

    python benchmarks/seed_noise.py [gru|rnn|lstm]      # a few minutes on 2 cores
"""

import statistics
import sys

import tickercast as tc
from tickercast.forecaster import Forecaster, fit_seeds

CANONICAL = {"lookback": 20, "hidden": 32, "layers": 2, "dropout": 0.2, "batch_size": 64, "epochs": 20, "lr": 0.001}
SPLIT = {"test_size": 0.2, "val_size": 0}


def main(cell: str = "gru", seeds: int = 5) -> None:
    prices = tc.load("sp500")
    together = fit_seeds([Forecaster(cell, seed=s, **CANONICAL) for s in range(seeds)], prices, **SPLIT)
    alone = [Forecaster(cell, seed=s, **CANONICAL).fit(prices, **SPLIT) for s in range(seeds)]  # each alone
    key = "rmse_ratio_vs_naive"
    a = [f.metrics["test"][key] for f in alone]
    b = [f.metrics["test"][key] for f in together]
    for s, (x, y) in enumerate(zip(a, b, strict=True)):
        print(f"{cell} seed {s}: test ratio alone {x:.5f}, together {y:.5f}, change {y - x:+.5f}")
    change = statistics.mean(abs(y - x) for x, y in zip(a, b, strict=True))
    print(f"mean alone {statistics.mean(a):.5f} sd {statistics.stdev(a):.5f}; mean together {statistics.mean(b):.5f} "
          f"sd {statistics.stdev(b):.5f}; mean |change| {change:.5f}")


if __name__ == "__main__":
    main(*sys.argv[1:2])
