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


@pytest.fixture(scope="session")
def tpe_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """sweep --search tpe:5 of lstm over a range and a list, and naive, on 300 synthetic days, with its luck check:
    a real search.json, and honesty rows with the luck check's."""
    folder = tmp_path_factory.mktemp("tpe")
    code = main(["sweep", "--data", str(write_prices(folder)), "--models", "lstm,naive", "--search", "tpe:5", "--grid",
                 "hidden=2..6", "lookback=3,5", "--luck-check", *TINY_ARGS, "--workers", "1", "--out",
                 str(folder / "run"), "--json"])
    assert code == 0
    return folder / "run"


def add_honesty_and_search(folder: Path) -> None:
    """Write into a finished sweep folder, by hand in the documented shape, what issue 17's sweeps add, with every
    case the report handles: selection.json's "honesty" (a row per selection, one without a test ratio, naive's
    chosen among one candidate) and "luck" (rows for all but the last selection), and a search.json of two lstm
    studies over the sweep's grid, on its two datasets read.

    The studies' trials (numbers 0..5): the four grid settings complete, with val_ratio 1.01, 0.99, 1.0, 0.98 and
    value (the objective) ordered alike but for trial 2, whose value is the lowest so far although its ratio is
    not; trial 4 pruned after epoch 1, trial 5 failed. Only the first study has importances."""
    import json

    path = folder / "selection.json"
    selection = json.loads(path.read_text())
    rows = [{"data": s["data"], "model": s["model"], "params": s["params"],
             "candidates": 1 if s["model"] == "naive" else 4 - index % 3,  # naive: nothing to choose from
             "val_ratio": 0.95 + index / 100, "test_ratio": 1.0 + index / 50, "gap": 0.05 + index / 100}
            for index, s in enumerate(selection["selected"])]
    rows[1]["test_ratio"] = rows[1]["gap"] = None  # a ratio that could not be computed
    luck = [{**row, "val_ratio": row["val_ratio"] - 0.01, "test_ratio": 1.0, "gap": 0.04} for row in rows[:-1]]
    selection.update(honesty=rows, luck={"honesty": luck, "folder": "luck"})
    path.write_text(json.dumps(selection))
    definition = json.loads((folder / "sweep.json").read_text())["definition"]
    grid = [{"hidden": hidden, "lookback": lookback} for lookback in definition["grid"]["lookback"]
            for hidden in definition["grid"]["hidden"]]
    ratios, values = (1.01, 0.99, 1.0, 0.98), (0.61, 0.6, 0.59, 0.58)
    scored = enumerate(zip(grid, ratios, values, strict=True))
    trials = [{"number": number, "params": params, "state": "complete", "value": value, "val_ratio": ratio,
               "pruned_at": None} for number, (params, ratio, value) in scored]
    trials += [{"number": 4, "params": grid[0], "state": "pruned", "value": None, "val_ratio": None, "pruned_at": 1},
               {"number": 5, "params": grid[1], "state": "failed", "value": None, "val_ratio": None,
                "pruned_at": None}]
    studies = [{"data": data, "model": "lstm", "space": definition["grid"], "trials": trials,
                "importances": {"lookback": 0.7, "hidden": 0.3} if index == 0 else {}}
               for index, data in enumerate(list(definition["data"])[:2])]
    (folder / "search.json").write_text(json.dumps({"sampler": "tpe", "trials": 6, "batch": 2, "prune": "median",
                                                    "studies": studies}))


@pytest.fixture(scope="session")
def search_run(sweep_run: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """sweep_run with the honesty rows, the luck check and a search.json of `add_honesty_and_search`, and its report
    written again."""
    import shutil

    from tickercast.report.run_record import write_report

    folder = tmp_path_factory.mktemp("search") / "run"
    shutil.copytree(sweep_run, folder)
    add_honesty_and_search(folder)
    write_report(folder)
    return folder
