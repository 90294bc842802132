"""A run folder full of hostile names, made once per session by the commands themselves (see hostile.py)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.report.hostile import FILE_NAMES
from tests.report.runs import TINY_ARGS, inputs_run, search_run, tpe_run  # noqa: F401 (session fixtures)
from tickercast.cli import main

#: One ticker with a meaning for every renderer at once.
TICKER = "<b>$x$</b> [/red] &amp; %{y} {0} \x1b[31m\u202e"


def write_named_prices(path: Path, name: str, rows: int = 300) -> Path:
    """A CSV whose `Name` column holds `name` (as in Kaggle's stock files): the ticker every command shows."""
    from tests.conftest import price_frame

    quoted = '"' + name.replace('"', '""') + '"'
    lines = "".join(f"{day:%Y-%m-%d},{close:.4f},{quoted}\n" for day, close in price_frame(rows)["close"].items())
    path.write_text("Date,Close,Name\n" + lines, encoding="utf-8", errors="surrogateescape")
    return path


@pytest.fixture(scope="session")
def hostile_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """compare gru, naive and drift on prices of TICKER, then the naive bundle copied under every hostile folder
    name; a forecast and the gates of the GRU beside them, with the model named TICKER in gates.json."""
    folder = tmp_path_factory.mktemp("hostile")
    data = write_named_prices(folder / "prices.csv", TICKER)
    run = folder / "run"
    assert main(["compare", "--data", str(data), "--models", "gru,naive,drift", *TINY_ARGS, "--out", str(run),
                 "--json"]) == 0
    for name in FILE_NAMES.values():
        shutil.copytree(run / "naive", run / name)
    assert main(["forecast", "--model-dir", str(run / "naive"), "--data", str(data), "--out", str(run / "forecast"),
                 "--json"]) == 0
    assert main(["explain", "--model-dir", str(run / "gru-seed0"), "--data", str(data), "--days", "6", "--out",
                 str(run / "gates"), "--json"]) == 0
    gates = json.loads((run / "gates" / "gates.json").read_text())
    (run / "gates" / "gates.json").write_text(json.dumps({**gates, "model": TICKER}))
    return run
