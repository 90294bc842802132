"""The canonical job of issue 6, shared by every system's script so that all of them see the same data and split.

S&P 500 adjusted close 1999-2018 (tickercast's bundled sample), last 20% test (1,007 days), no validation,
window 20, 2 layers x 32 units, dropout 0.2, batch 64, 20 epochs (1,260 Adam steps of 64 windows), lr 1e-3.
Every system is scored the same way: one-step forecasts for each test day from the 20 prices before it, in
price units, RMSE against tomorrow = today on the same days.
"""

from __future__ import annotations

import json
import resource
from dataclasses import dataclass

import numpy as np

LOOKBACK, HIDDEN, LAYERS, DROPOUT, BATCH, EPOCHS, LR = 20, 32, 2, 0.2, 64, 20, 1e-3


@dataclass(frozen=True)
class Job:
    prices: np.ndarray  # float64, one per trading day
    test_start: int  # index of the first test day

    @property
    def train(self) -> np.ndarray:
        return self.prices[:self.test_start]

    @property
    def windows(self) -> int:
        return self.test_start - LOOKBACK  # training windows with the price target


def load_job() -> Job:
    import tickercast as tc
    from tickercast.prepare.split import make_split

    prices = tc.load("sp500")
    split = make_split(prices.index, test_size=0.2, val_size=0)
    return Job(prices["adj_close"].to_numpy(dtype=np.float64), split.train_end)


def emit(system: str, version: str, model: str, job: Job, predicted: np.ndarray, train_s: float,
         **extra: object) -> None:
    """Print the run as one JSON line: accuracy on the test part, training time, this process's peak RSS."""
    actual = job.prices[job.test_start:]
    naive = job.prices[job.test_start - 1:-1]
    assert predicted.shape == actual.shape, (predicted.shape, actual.shape)
    rmse = float(np.sqrt(np.mean((predicted - actual) ** 2)))
    naive_rmse = float(np.sqrt(np.mean((naive - actual) ** 2)))
    print(json.dumps({"system": system, "version": version, "model": model, "target": "price",
                      "train_s": train_s, "windows": job.windows, "rmse": rmse, "ratio": rmse / naive_rmse,
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, **extra}))
