"""Real run folders, made once per session by the commands themselves with tiny networks.

The fixtures are imported by tests/conftest.py, so that CLI and report tests share one run of each.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tickercast.cli import main

TINY_ARGS = ["--lookback", "5", "--hidden", "4", "--layers", "1", "--epochs", "2", "--batch-size", "64"]


def write_prices(folder: Path, rows: int = 300) -> Path:
    """A CSV of `rows` days of a random walk, as a user would pass it to --data."""
    from tests.conftest import price_frame  # tests/conftest.py imports this module's fixtures

    frame = price_frame(rows)
    path = folder / "prices.csv"
    path.write_text("Date,Close\n" + "".join(f"{day:%Y-%m-%d},{close:.4f}\n" for day, close in frame["close"].items()))
    return path


def write_volume_prices(path: Path, rows: int = 300, seed: int = 0) -> Path:
    """A CSV of `rows` days of a random walk with a random Volume column: what --features volume reads."""
    import numpy as np

    from tests.conftest import price_frame

    frame = price_frame(rows, seed=seed)
    volume = np.random.default_rng(seed).integers(100_000, 1_000_000, rows)
    path.write_text("Date,Close,Volume\n" + "".join(f"{day:%Y-%m-%d},{close:.4f},{shares}\n" for (day, close), shares
                                                    in zip(frame["close"].items(), volume, strict=True)))
    return path


#: The input sets of `inputs_run`: returns only, then the data's own volume, then another ticker ("index").
FEATURE_SETS = "returns; returns,volume; returns,index"


@pytest.fixture(scope="session")
def inputs_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """compare gru, ar and naive with three input sets (FEATURE_SETS): bundles with inputs and importance, and an
    ablation.json of gru and ar."""
    folder = tmp_path_factory.mktemp("inputs")
    data, index = write_volume_prices(folder / "prices.csv"), write_volume_prices(folder / "index.csv", seed=1)
    code = main(["compare", "--data", str(data), "--with", str(index), "--models", "gru,ar,naive", "--feature-sets",
                 FEATURE_SETS, *TINY_ARGS, "--out", str(folder / "run"), "--json"])
    assert code == 0
    return folder / "run"


@pytest.fixture(scope="session")
def small_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """compare lstm, gru and naive on 300 synthetic days."""
    folder = tmp_path_factory.mktemp("small")
    code = main(["compare", "--data", str(write_prices(folder)), "--models", "lstm,gru,naive", *TINY_ARGS,
                 "--out", str(folder / "run"), "--json"])
    assert code == 0
    return folder / "run"


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`tickercast demo` (LSTM, GRU, naive on 20 years of the S&P 500) with tiny networks: a full-length report."""
    folder = tmp_path_factory.mktemp("demo") / "demo"
    assert main(["demo", *TINY_ARGS, "--out", str(folder), "--json"]) == 0
    return folder


@pytest.fixture(scope="session")
def backtest_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("backtest")
    code = main(["backtest", "--data", str(write_prices(folder)), "--model", "ar", "--horizon", "3", "--trade",
                 *TINY_ARGS, "--out", str(folder / "run"), "--json"])
    assert code == 0
    return folder / "run"


@pytest.fixture(scope="session")
def sweep_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """sweep lstm (4 settings × 2 seeds, and lstm-global), ar (2) and naive on two synthetic datasets and one that
    cannot be read: every part of a sweep's report, in a few seconds."""
    from tests.conftest import price_frame

    folder = tmp_path_factory.mktemp("sweep")
    for name, rows, seed in (("a", 300, 1), ("b", 260, 2)):
        price_frame(rows, seed=seed).to_csv(folder / f"{name}.csv")
    (folder / "broken.csv").write_text("Date,Close\n2024-01-02,abc\n")
    data = ",".join(str(folder / name) for name in ("a.csv", "b.csv", "broken.csv"))
    code = main(["sweep", "--data", data, "--models", "lstm,ar,naive", "--grid", "lookback=5,8", "hidden=3,4",
                 "--seeds", "2", "--global", *TINY_ARGS, "--workers", "1", "--out", str(folder / "run"), "--json"])
    assert code == 0
    return folder / "run"
