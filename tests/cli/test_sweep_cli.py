"""`tickercast sweep` as users meet it: the --json shape, what the text says, one-line errors with exit code 2."""

import json
import re
import subprocess
import sys

import pytest

from tests.conftest import price_frame
from tickercast.cli import main
from tickercast.evaluate.metrics import METRIC_KEYS

SMALL = ["--lookback", "5", "--hidden", "3", "--layers", "1", "--epochs", "2", "--batch-size", "32"]


@pytest.fixture
def data(tmp_path):
    paths = []
    for name, rows, seed in (("a", 200, 1), ("b", 180, 2)):
        price_frame(rows, seed=seed).to_csv(tmp_path / f"{name}.csv")
        paths.append(str(tmp_path / f"{name}.csv"))
    return ",".join(paths)


def sweep(capsys, *args, workers=("--workers", "1")):
    code = main(["sweep", *SMALL, *workers, *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_has_every_result_and_the_selected_settings(data, tmp_path, capsys):
    code, out, _ = sweep(capsys, "--data", data, "--models", "lstm,naive", "--grid", "hidden=3,4", "--seeds", "2",
                         "--global", "--out", str(tmp_path / "run"), "--json")
    assert code == 0
    result = json.loads(out)
    assert len(result["results"]) == 2 * (2 * 2 + 2 * 2 + 1)  # per dataset: lstm, lstm-global, naive
    first = result["results"][0]
    assert set(first) == {"data", "model", "params", "seed", "metrics", "error", "seconds", "cpu_seconds"}
    assert (first["model"], first["params"], first["seed"]) == ("lstm", {"hidden": 3}, 0)
    assert set(first["metrics"]) == {"train", "val", "test"}
    assert set(METRIC_KEYS) <= set(first["metrics"]["test"])
    assert {(s["model"], len(s["seeds"])) for s in result["selected"]} == {("lstm", 2), ("lstm-global", 2),
                                                                            ("naive", 1)}
    assert "validation" in result["selection"]
    assert [row["model"] for row in result["leaderboard"]] != []
    assert result["units"] == {"total": 14, "ran": 14, "skipped": 0, "failed": 0}


def test_the_text_says_the_settings_were_chosen_on_validation_only(data, tmp_path, capsys):
    code, out, _ = sweep(capsys, "--data", data, "--models", "ar,naive", "--grid", "lookback=3,5",
                         "--out", str(tmp_path / "run"))
    assert code == 0
    text = " ".join(out.split())
    assert "settings chosen on the validation part" in text
    assert "the test part was never used to choose" in text


@pytest.mark.parametrize(("args", "message"), [
    (["--grid", "seed=1,2"], "cannot search 'seed'"),
    (["--grid", "lookback=ten"], "lookback takes int values"),
    (["--search", "random:0"], "--search 'random:0'"),
    (["--models", "naive", "--global"], "--global trains one network"),
    (["--engine", "ray", "--workers", "2"], "--workers is for --engine local"),
    (["--ray-timeout", "5"], "--ray-timeout is for --engine ray"),
    (["--val-size", "0"], "needs one: --val-size must be above 0"),
    (["--resume"], "nothing to resume"),
    (["--models", "lstm", "--lookback", "500"], "every unit failed .* the first: .* the series has 200 rows"),
])
def test_bad_sweeps_exit_2_with_one_line(args, message, data, tmp_path, capsys):
    code, out, err = sweep(capsys, "--data", data, "--models", "lstm,naive", "--out", str(tmp_path / "run"), *args)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1, err
    assert err.startswith("error: ")
    assert re.search(message, err), err


def test_without_ray_the_ray_engine_says_how_to_install_it(data, tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)
    code, _, err = sweep(capsys, "--data", data, "--engine", "ray", "--out", str(tmp_path / "run"), workers=())
    assert code == 2
    assert err == "error: --engine ray needs Ray, an optional extra: pip install 'tickercast[distributed]'\n"


def test_a_second_sweep_into_the_same_folder_needs_resume(data, tmp_path, capsys):
    args = ["--data", data, "--models", "naive", "--out", str(tmp_path / "run")]
    assert sweep(capsys, *args)[0] == 0
    code, _, err = sweep(capsys, *args)
    assert code == 2
    assert "already holds a sweep; add --resume" in err
    code, out, _ = sweep(capsys, *args, "--resume", "--json")
    assert code == 0
    assert json.loads(out)["units"] == {"total": 2, "ran": 0, "skipped": 2, "failed": 0}


def test_an_unreadable_dataset_is_a_warning_and_failed_units(data, tmp_path, capsys):
    broken = tmp_path / "broken.csv"
    broken.write_text("Date,Close\n2024-01-02,abc\n")
    code, out, err = sweep(capsys, "--data", f"{data},{broken}", "--models", "naive", "--out", str(tmp_path / "run"),
                           "--json")
    assert code == 0
    assert "cannot read close 'abc'" in err
    errors = [r["error"] for r in json.loads(out)["results"] if r["error"]]
    assert len(errors) == 1
    assert "cannot read close 'abc'" in errors[0]


def test_help_imports_neither_ray_nor_torch():
    code = ("import sys; from tickercast.cli import build_parser; build_parser().parse_args(['sweep', '--data', 'x']); "
            "print([name for name in ('ray', 'torch', 'pandas') if name in sys.modules])")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_a_sweep_ends_with_its_report(data, tmp_path, capsys):
    out = tmp_path / "run"
    code, text, _ = sweep(capsys, "--data", data, "--models", "ar,naive", "--grid", "lookback=3,5", "--out", str(out))
    assert code == 0
    assert text.splitlines()[-1] == f"report: {out / 'report.html'}"
    page = (out / "report.html").read_text()
    assert '<section id="selection">' in page
    record = json.loads((out / "run.json").read_text())
    assert (record["command"], record["options"]["engine"], record["seeds"]) == ("sweep", "local", [])
    code, text, _ = sweep(capsys, "--data", data, "--models", "ar,naive", "--grid", "lookback=3,5", "--out", str(out),
                          "--resume", "--json")
    assert code == 0
    assert json.loads(text)["report"] == str(out / "report.html")


def test_a_ray_address_where_nothing_listens_is_one_line_in_seconds(data, tmp_path, capsys):
    import time

    pytest.importorskip("ray")
    started = time.monotonic()
    code, out, err = sweep(capsys, "--data", data, "--engine", "ray", "--ray-address", "127.0.0.1:1",
                           "--out", str(tmp_path / "run"), workers=())
    assert (code, out) == (2, "")
    assert err == ("error: cannot reach Ray at 127.0.0.1:1: Connection refused; check the address of the cluster's "
                   "head (HEAD:6379, or ray://HEAD:10001)\n")
    assert time.monotonic() - started < 30
    assert not (tmp_path / "run").exists()
