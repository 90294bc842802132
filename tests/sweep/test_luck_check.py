"""`--luck-check` and the honesty of every sweep's choice, end to end through `run_sweep` and the CLI."""

import json

import pytest

from tests.conftest import TINY, price_frame, run_cli
from tickercast.config import ModelConfig
from tickercast.sweep.driver import run_sweep
from tickercast.sweep.engines import LocalEngine
from tickercast.sweep.plan import SweepSpec, parse_grid

BASE = ModelConfig(**TINY)


@pytest.fixture(scope="module")
def checked(tmp_path_factory):
    folder = tmp_path_factory.mktemp("luck") / "run"
    spec = SweepSpec(models=("ar", "naive"), grid=parse_grid(["lookback=2,5,10"], BASE), base=BASE)
    data = {"echo": price_frame(400, phi=0.5, seed=2)}
    return folder, spec, data, run_sweep(spec, data, folder, LocalEngine(1), luck_check=True)


def test_the_luck_check_is_the_same_sweep_on_shuffled_returns_in_its_own_folder(checked):
    folder, _, _, result = checked
    luck = json.loads((folder / "luck" / "selection.json").read_text())
    assert result.luck == {"honesty": luck["honesty"], "folder": "luck"}
    real = {row["model"]: row for row in result.honesty}
    shuffled = {row["model"]: row for row in luck["honesty"]}
    assert set(real) == set(shuffled) == {"ar", "naive"}
    assert real["ar"]["candidates"] == shuffled["ar"]["candidates"] == 3
    assert real["ar"]["val_ratio"] < 0.95  # an AR(1) with phi 0.5 is predictable ...
    assert shuffled["ar"]["val_ratio"] > 0.98  # ... and not once its returns are shuffled
    assert shuffled["naive"]["val_ratio"] == shuffled["naive"]["test_ratio"] == 1.0
    # the test part is the real one: naive scores the same there in both sweeps
    luck_records = json.loads((folder / "luck" / "sweep.json").read_text())["definition"]["data"]["echo"]
    assert luck_records["rows"] == 400
    naive = {run.metrics["test"]["naive_rmse"] for run in result.records if run.model == "naive"}
    assert len(naive) == 1


def test_selection_json_holds_the_honesty_rows_and_the_luck_check(checked):
    folder, _, _, result = checked
    written = json.loads((folder / "selection.json").read_text())
    assert written["honesty"] == result.honesty
    assert written["luck"]["folder"] == "luck"
    for row in result.honesty:
        assert row["gap"] == pytest.approx(row["test_ratio"] - row["val_ratio"])


def test_a_resumed_luck_check_runs_nothing_again(checked):
    folder, spec, data, result = checked
    again = run_sweep(spec, data, folder, LocalEngine(1), resume=True, luck_check=True)
    assert again.units["ran"] == 0
    assert again.luck == result.luck


def test_the_command_line_prints_the_honesty_table_and_its_json_holds_it(tmp_path, capsys):
    command = ["sweep", "--data", "sp500", "--models", "ar,naive", "--grid", "lookback=3,6", "--workers", "1",
               "--luck-check"]
    code, output, _ = run_cli(capsys, *command, "--out", str(tmp_path / "text"))
    assert code == 0
    assert "gap" in output
    assert "luck" in output
    code, output, _ = run_cli(capsys, *command, "--out", str(tmp_path / "json"), "--json")
    result = json.loads(output)
    assert code == 0
    assert [row["model"] for row in result["honesty"]] == ["ar", "naive"]
    assert [row["model"] for row in result["luck"]["honesty"]] == ["ar", "naive"]
    assert (tmp_path / "json" / "luck" / "results.sqlite").is_file()


def test_the_luck_check_with_common_span_is_one_line_and_exit_2(tmp_path, capsys):
    code, _, error = run_cli(capsys, "sweep", "--data", "sp500", "--with", "msft", "--common-span", "--models",
                             "naive", "--luck-check", "--out", str(tmp_path / "run"))
    assert code == 2
    message = error.splitlines()[-1]  # after the covariate's own data warnings
    assert message.startswith("error: --luck-check")
    assert len(message) < 300
