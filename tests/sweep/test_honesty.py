"""Selection honesty: the chosen settings' validation and test ratio to naive, the gap, and the table showing them."""

import dataclasses
import io
import statistics

import pytest

from tests.conftest import TINY, price_frame
from tickercast.cli.render import honesty_table, literal_console
from tickercast.config import ModelConfig
from tickercast.sweep.driver import run_sweep
from tickercast.sweep.engines import LocalEngine
from tickercast.sweep.honesty import LUCK_READING, NO_LUCK_READING, honesty, mean_ratio
from tickercast.sweep.plan import SweepSpec, parse_grid
from tickercast.sweep.select import Selection, select
from tickercast.sweep.store import Record

BASE = ModelConfig(**TINY)


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    """A tiny real sweep: on `short` a lookback of 30 leaves too few training windows, so fewer settings compete."""
    datasets = {"short": price_frame(70, seed=1), "long": price_frame(300, phi=0.3, seed=2)}
    spec = SweepSpec(models=("lstm", "ar", "naive"), grid=parse_grid(["lookback=5,30", "hidden=3,4"], BASE),
                     base=BASE, seeds=2)
    return run_sweep(spec, datasets, tmp_path_factory.mktemp("sweep") / "run", LocalEngine(1))


def test_each_row_is_the_chosen_settings_mean_ratio_over_seeds_and_the_gap_between_parts(sweep):
    rows = honesty(sweep.selections, sweep.records)
    assert [(row["data"], row["model"], row["params"]) for row in rows] == \
           [(s.data, s.model, s.params) for s in sweep.selections]
    for row, chosen in zip(rows, sweep.selections, strict=True):
        runs = [r for r in sweep.records if (r.data, r.model, r.params) == (chosen.data, chosen.model, chosen.params)]
        assert len(runs) == (2 if row["model"] == "lstm" else 1)
        for part in ("val", "test"):
            expected = statistics.fmean(run.metrics[part]["rmse_ratio_vs_naive"] for run in runs)
            assert row[f"{part}_ratio"] == pytest.approx(expected, rel=1e-12)
        assert row["gap"] == pytest.approx(row["test_ratio"] - row["val_ratio"], abs=1e-15)


def test_naive_measured_against_itself_has_ratios_of_one_and_no_gap(sweep):
    naive = [row for row in honesty(sweep.selections, sweep.records) if row["model"] == "naive"]
    assert len(naive) == 2
    assert all(row["val_ratio"] == row["test_ratio"] == pytest.approx(1.0) for row in naive)
    assert all(row["gap"] == pytest.approx(0.0, abs=1e-12) for row in naive)


def test_candidates_count_the_settings_that_could_be_chosen_on_each_dataset(sweep):
    rows = {(row["data"], row["model"]): row["candidates"] for row in honesty(sweep.selections, sweep.records)}
    # lstm reads lookback and hidden, ar only lookback; on `short` every lookback-30 run failed
    assert rows == {("short", "lstm"): 2, ("short", "ar"): 1, ("short", "naive"): 1,
                    ("long", "lstm"): 4, ("long", "ar"): 2, ("long", "naive"): 1}


def test_a_ratio_one_seed_lacks_leaves_that_part_and_the_gap_unknown(sweep):
    lstm = next(s for s in sweep.selections if (s.data, s.model) == ("long", "lstm"))
    first, second = lstm.runs
    test_without_ratio = {key: value for key, value in second.metrics["test"].items() if key != "rmse_ratio_vs_naive"}
    damaged = dataclasses.replace(second, metrics={**second.metrics, "test": test_without_ratio})
    records = [damaged if record is second else record for record in sweep.records]
    (row,) = [row for row in honesty(select(records), records) if (row["data"], row["model"]) == ("long", "lstm")]
    assert row["val_ratio"] == pytest.approx(statistics.fmean(
        run.metrics["val"]["rmse_ratio_vs_naive"] for run in (first, second)))
    assert row["test_ratio"] is None
    assert row["gap"] is None


def test_runs_without_metrics_or_no_runs_give_no_ratio():
    failed = Record("a", "lstm", {}, 0, None, "too short", 0.0, 0.0)
    assert mean_ratio(Selection("a", "lstm", {}, 1.0, (failed,)), "val") is None
    assert mean_ratio(Selection("a", "lstm", {}, 1.0, ()), "val") is None


def test_no_selection_gives_no_row(sweep):
    assert honesty([], sweep.records) == []


def rendered(table):
    console = literal_console(width=220, record=True, file=io.StringIO())
    console.print(table)
    return console.export_text()


def cells(line):
    """The cells of one line of a rendered table."""
    return [cell.strip() for cell in line.strip().strip("│┃").replace("┃", "│").split("│")]


def test_the_table_shows_each_chosen_settings_ratios_and_gap_and_how_to_read_them(sweep):
    rows = honesty(sweep.selections, sweep.records)
    text = rendered(honesty_table(rows))
    (header,) = [cells(line) for line in text.splitlines() if line.startswith("┃")]
    assert header == ["data", "model", "chosen settings", "candidates", "val ratio", "test ratio", "gap"]
    long_lstm = next(row for row in rows if (row["data"], row["model"]) == ("long", "lstm"))
    (line,) = [cells(line) for line in text.splitlines() if "long" in line and "lstm" in line]
    assert sorted(line[2].split()) == sorted(f"{key}={value}" for key, value in long_lstm["params"].items())
    assert line[3:] == ["4", f"{long_lstm['val_ratio']:.4f}", f"{long_lstm['test_ratio']:.4f}",
                        f"{long_lstm['gap']:+.4f}"]
    assert " ".join(NO_LUCK_READING.split()) in " ".join(text.split())


def test_with_the_luck_check_each_row_gets_the_shuffled_sweeps_validation_ratio_and_gap(sweep):
    rows = honesty(sweep.selections, sweep.records)
    luck = [{**row, "val_ratio": 0.9321, "gap": 0.0567} for row in rows if row["data"] == "long"]
    text = rendered(honesty_table(rows, luck))
    assert "luck val" in text
    assert "luck gap" in text
    assert " ".join(LUCK_READING.split()) in " ".join(text.split())
    body = [cells(line) for line in text.splitlines() if line.startswith("│")]
    assert [row[-2:] for row in body if row[0] == "long"] == [["0.9321", "+0.0567"]] * 3
    assert [row[-2:] for row in body if row[0] == "short"] == [["—", "—"]] * 3  # no luck row: unknown, not a number


def test_unknown_ratios_show_as_a_dash_and_names_show_literally():
    row = {"data": "[red]x[/red]", "model": "lstm", "params": {"lr": 0.001}, "candidates": 3, "val_ratio": 0.98,
           "test_ratio": None, "gap": None}
    text = rendered(honesty_table([row]))
    (line,) = [line for line in text.splitlines() if "lstm" in line]
    assert "[red]x[/red]" in line
    assert "lr=0.001" in line
    assert "0.9800" in line
    assert line.count("—") == 2
