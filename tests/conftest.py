"""Shared fixtures: small synthetic price series with known structure, and paths to real data."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.report.runs import backtest_run, demo_run, small_run, sweep_run  # noqa: F401 (session fixtures)

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
IBM_CSV = SHARED_DATA / "IBM_2006-01-01_to_2018-01-01.csv"


def ar1_returns(n: int, phi: float, sigma: float, seed: int) -> np.ndarray:
    """Log-returns r_t = phi * r_{t-1} + e_t, e_t ~ N(0, sigma^2), started from the stationary law."""
    rng = np.random.default_rng(seed)
    returns = np.empty(n)
    returns[0] = rng.normal(0, sigma / np.sqrt(1 - phi**2))
    noise = rng.normal(0, sigma, n)
    for t in range(1, n):
        returns[t] = phi * returns[t - 1] + noise[t]
    return returns


def price_frame(n: int = 400, *, phi: float = 0.0, sigma: float = 0.01, seed: int = 0,
                start: str = "2015-01-02") -> pd.DataFrame:
    """A validated PriceFrame of n business days whose log-returns follow an AR(1) (a random walk if phi=0)."""
    import tickercast as tc

    returns = ar1_returns(n - 1, phi, sigma, seed)
    close = 100 * np.exp(np.concatenate([[0.0], np.cumsum(returns)]))
    frame = pd.DataFrame({"close": close}, index=pd.bdate_range(start, periods=n, name="date"))
    return tc.validate(frame, origin="synthetic")


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """`tickercast ARGS` in this process: its exit code, stdout and stderr."""
    from tickercast.cli import main

    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def prices() -> pd.DataFrame:
    """400 days of a random walk: enough for tiny networks, fast to train."""
    return price_frame(400)


@pytest.fixture
def ibm_csv() -> Path:
    if not IBM_CSV.exists():
        pytest.skip(f"{IBM_CSV} not found (tests expect ../shared/data beside the checkout)")
    return IBM_CSV


TINY = {"lookback": 5, "hidden": 4, "layers": 1, "dropout": 0.0, "epochs": 3, "batch_size": 32}
"""Settings for a network that trains in well under a second."""


class HangError(AssertionError):
    """A case ran past its time limit: it would have hung."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Fail a case that blocks or runs away (SIGALRM) instead of hanging the suite."""
    def expire(*_: object) -> None:
        raise HangError(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
