"""The command line as users meet it: exit codes, one-line errors, --json, files written."""

import json
import re
import subprocess
import sys

import pytest

from tests.conftest import price_frame
from tests.conftest import run_cli as run
from tickercast.cli import main

SMALL = ["--lookback", "5", "--hidden", "4", "--layers", "1", "--epochs", "2", "--batch-size", "32"]


def csv_lines(rows=150):
    frame = price_frame(rows)
    lines = [f"{date:%Y-%m-%d},{close:.4f},{close:.4f},1000" for date, close in frame["close"].items()]
    return ["Date,Close,Adj Close,Volume", *lines]


def write_csv(tmp_path, lines, name="prices.csv"):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n" if lines else "")
    return str(path)


def replace(lines, index, replacement):
    lines = list(lines)
    lines[index] = replacement
    return lines


def with_close(line, close):
    date, *_ = line.split(",")
    return f"{date},{close},{close},1000"


GOOD = csv_lines()

BAD_INPUTS = {
    "empty file": ([], "the file is empty"),
    "header only": (GOOD[:1], "no data rows"),
    "no date column": (["When,Close,Adj Close,Volume", *GOOD[1:]], "no date column"),
    "no price column": (["Date,Volume", *[line.split(",")[0] + ",5" for line in GOOD[1:]]], "no price column"),
    "unreadable date": (replace(GOOD, 10, "2015-13-45,1,1,1"), "line 11: cannot read date '2015-13-45'"),
    "unreadable number": (replace(GOOD, 10, with_close(GOOD[10], "1..2")), "line 11: cannot read close '1..2'"),
    "non-positive price": (replace(GOOD, 10, with_close(GOOD[10], "0")), "prices must be positive"),
    "conflicting duplicate": ([*GOOD[:11], with_close(GOOD[10], "9"), *GOOD[11:]],
                              "lines 11, 12: date .* appears 2 times with different values"),
    "gap": (replace(GOOD, 10, with_close(GOOD[10], "")), "line 11: adj_close is empty on .*pass --fill ffill"),
    "too short": (GOOD[:40], "has 39 rows.*needs at least \\d+ rows"),
    "garbled": (replace(GOOD, 5, GOOD[5] + ",7,8,9"), "line 6: 7 fields but the header has 4"),
}


@pytest.mark.parametrize("case", BAD_INPUTS)
def test_bad_input_exits_2_with_one_clear_line(case, tmp_path, capsys):
    lines, message = BAD_INPUTS[case]
    code, out, err = run(capsys, "train", "--data", write_csv(tmp_path, lines), "--model", "lstm", *SMALL)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("error: ")
    assert "Traceback" not in err
    assert re.search(message, err), err


def test_bad_file_in_a_real_process_exits_2_with_one_line(tmp_path):
    path = write_csv(tmp_path, ["Date,Close", "2024-01-02,abc"])
    result = subprocess.run([sys.executable, "-m", "tickercast", "train", "--data", path, "--model", "naive"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("error: ")
    assert "line 2: cannot read close 'abc'" in result.stderr
    assert result.stdout == ""


REPAIRED = {
    "junk trailing row": ([*GOOD, "-1,,,"], "skipped a trailing row"),
    "newest first": ([GOOD[0], *GOOD[:0:-1]], "newest first"),
    "unsorted": ([GOOD[0], GOOD[2], GOOD[1], *GOOD[3:]], "out of order"),
    "identical duplicate": ([*GOOD[:11], GOOD[10], *GOOD[11:]], "dropped 1 exact duplicate"),
}


@pytest.mark.parametrize("case", REPAIRED)
def test_repairable_input_warns_and_succeeds(case, tmp_path, capsys):
    lines, message = REPAIRED[case]
    code, out, err = run(capsys, "train", "--data", write_csv(tmp_path, lines), "--model", "naive", "--json")
    assert code == 0
    assert err.startswith("warning: ")
    assert message in err
    assert json.loads(out)["metrics"]["test"]["rmse_ratio_vs_naive"] == 1.0


def test_fill_ffill_fills_gaps(tmp_path, capsys):
    lines = replace(GOOD, 10, with_close(GOOD[10], ""))
    code, _, err = run(capsys, "train", "--data", write_csv(tmp_path, lines), "--model", "naive", "--fill",
                       "ffill", "--json")
    assert code == 0
    assert "forward-filled 1 empty adj_close values" in err


def test_help_on_every_command_in_a_real_process():
    for command in ([], ["demo"], ["train"], ["compare"]):
        result = subprocess.run([sys.executable, "-m", "tickercast", *command, "--help"], capture_output=True,
                                text=True, check=False)
        assert result.returncode == 0, result.stderr
        assert "usage: tickercast" in result.stdout


@pytest.mark.parametrize("args", [["train", "--data", "sp500"],
                                  ["train", "--model", "lstm", "--data", "sp500", "--epochs", "many"],
                                  ["fly"], ["data"], ["data", "fetch"],
                                  ["data", "fetch", "IBM", "--start", "2010-13-01"],
                                  ["data", "fetch", "IBM", "--source", "bloomberg"]])
def test_usage_errors_exit_2_with_one_line(args, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    err = capsys.readouterr().err
    assert exit_info.value.code == 2
    assert err.count("\n") == 1
    assert "see tickercast" in err


def test_bad_settings_exit_2(capsys):
    code, _, err = run(capsys, "train", "--data", "sp500", "--model", "gru", "--dropout", "1.5")
    assert (code, err) == (2, "error: dropout must be in [0, 1)\n")


def test_unknown_data_exits_2(capsys):
    code, _, err = run(capsys, "train", "--data", "no_such_thing", "--model", "gru")
    assert code == 2
    assert "not a bundled sample (sp500, nasdaq, msft) and no such file" in err


def test_train_json_is_one_object_with_the_contract_keys(tmp_path, capsys):
    code, out, _ = run(capsys, "train", "--data", write_csv(tmp_path, GOOD), "--model", "lstm", *SMALL, "--json")
    assert code == 0
    result = json.loads(out)
    assert set(result["metrics"]) == {"train", "val", "test"}
    for split in result["metrics"].values():
        assert set(split) >= {"rmse", "mae", "mape", "directional_accuracy", "naive_rmse", "rmse_ratio_vs_naive",
                              "n"}
    assert result["model"] == "lstm"
    assert result["training"]["epochs_run"] >= 1
    assert result["data"]["price_column"] == "adj_close"


def test_train_out_writes_bundle_and_plots(tmp_path, capsys):
    out = tmp_path / "run"
    code, stdout, _ = run(capsys, "train", "--data", write_csv(tmp_path, GOOD), "--model", "gru", *SMALL,
                          "--out", str(out))
    assert code == 0
    assert "RMSE / naive" in stdout
    for name in ("config.json", "weights.safetensors", "scaler.json", "metrics.json", "history.json",
                 "predictions.csv", "prediction.png", "loss.png"):
        assert (out / name).stat().st_size > 0, name


def test_compare_json_lists_each_model_and_seed(tmp_path, capsys):
    code, out, _ = run(capsys, "compare", "--data", write_csv(tmp_path, GOOD), "--models", "rnn,naive",
                       "--seeds", "2", *SMALL, "--json")
    assert code == 0
    result = json.loads(out)
    assert [(r["model"], r["seed"]) for r in result["results"]] == [("rnn", 0), ("rnn", 1), ("naive", None)]
    assert result["results"][0]["metrics"]["test"]["n"] == result["results"][2]["metrics"]["test"]["n"]


def test_demo_prints_the_table_and_writes_plots(tmp_path, capsys):
    out = tmp_path / "demo"
    code, stdout, _ = run(capsys, "demo", *SMALL, "--out", str(out))
    assert code == 0
    for model in ("lstm", "gru", "naive"):
        assert f"│ {model}" in stdout
    assert (out / "prediction.png").exists()
    assert (out / "loss.png").exists()
    assert (out / "lstm-seed0" / "weights.safetensors").exists()


def test_out_that_is_a_file_fails_before_training(tmp_path, capsys):
    blocker = tmp_path / "taken"
    blocker.write_text("a file, not a folder")
    code, _, err = run(capsys, "train", "--data", "sp500", "--model", "lstm", "--out", str(blocker))
    assert code == 2
    assert err.startswith(f"error: cannot use --out {blocker}")


def test_compare_refuses_negative_workers_in_one_line(capsys):
    code, _, err = run(capsys, "compare", "--data", "sp500", "--models", "naive", "--workers", "-1")
    assert code == 2
    assert err.count("\n") == 1
    assert "workers must be 0 (automatic) or more" in err


@pytest.mark.parametrize(("args", "message"), [(["--test-size", "0"], "test size must be above 0"),
                                                (["--test-size", "nan"], "test size must be a fraction"),
                                                (["--seed", "4294967296"], "seed must be a whole number")])
def test_impossible_settings_exit_2(args, message, capsys):
    code, _, err = run(capsys, "train", "--data", "sp500", "--model", "naive", *args)
    assert code == 2
    assert message in err


def test_compare_several_datasets_gives_a_leaderboard(tmp_path, capsys):
    path = write_csv(tmp_path, GOOD)
    code, out, _ = run(capsys, "compare", "--data", f"{path},sp500", "--models", "naive,drift", "--json",
                       "--test-size", "0.2", "--out", str(tmp_path / "out"))
    assert code == 0
    result = json.loads(out)
    assert {r["data"] for r in result["results"]} == {path, "sp500"}
    assert {row["model"] for row in result["leaderboard"]} == {"naive", "drift"}
    assert (tmp_path / "out" / "leaderboard.csv").exists()
    assert (tmp_path / "out" / "sp500" / "drift" / "config.json").exists()
    assert (tmp_path / "out" / "prices" / "naive" / "config.json").exists()


def test_help_and_data_list_import_neither_pandas_nor_torch():
    code = ("import sys; from tickercast.cli import build_parser; import tickercast.data.store; build_parser(); "
            "heavy = [name for name in ('pandas', 'torch', 'matplotlib') if name in sys.modules]; print(heavy)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


HOSTILE_CLI = ("rich closing tag", "math, closed", "script", "control characters", "newline", "10,000 characters")


def _one_line_error(code, out, err):
    """A name the data layer refuses is fine, as one line under exit 2; anything else must succeed."""
    return code == 2 and out == "" and err.count("\n") == 1


@pytest.mark.parametrize("kind", HOSTILE_CLI)
def test_a_hostile_ticker_in_the_name_column_is_shown_as_itself_by_train_and_report(kind, tmp_path, capsys):
    from tests.report.conftest import write_named_prices
    from tests.report.hostile import HOSTILE
    from tickercast.report.literal import for_html, printable

    name = HOSTILE[kind]
    data = write_named_prices(tmp_path / "prices.csv", name, rows=150)
    code, out, err = run(capsys, "train", "--data", str(data), "--model", "naive", "--out", str(tmp_path / "o"))
    if _one_line_error(code, out, err):
        return
    assert (code, err) == (0, "")
    ticker = json.loads((tmp_path / "o" / "config.json").read_text())["data"]["ticker"]  # as the data layer read it
    assert ticker.replace("\n", "\r") == name.replace("\n", "\r")  # (csv reads a quoted \r as a line break)
    joined = "".join(out.split())  # rich wraps the table's title to the table's width
    assert all("".join(line.split()) in joined for line in printable(ticker).split("\n"))
    assert "\x1b" not in out
    code, out, err = run(capsys, "report", str(tmp_path / "o"), "--png")
    assert (code, err) == (0, "")
    assert for_html(ticker) in (tmp_path / "o" / "report.html").read_text()


def test_an_out_path_with_markup_and_math_is_printed_as_itself(tmp_path, capsys):
    out_dir = tmp_path / "o[/x] $x$ [bold]"
    code, out, err = run(capsys, "train", "--data", write_csv(tmp_path, GOOD), "--model", "naive",
                         "--out", str(out_dir))
    assert (code, err) == (0, "")
    assert out.splitlines()[-1].endswith(str(out_dir))
    assert (out_dir / "prediction.png").read_bytes()[:4] == b"\x89PNG"


def test_compare_and_sweep_show_hostile_file_names_and_error_text_as_themselves(tmp_path, capsys):
    from tickercast.report.literal import for_html

    good = tmp_path / "[-red] $x$ <b>.csv"
    good.write_text("\n".join(GOOD) + "\n")
    broken = tmp_path / "broken.csv"
    broken.write_text("Date,Close\n2024-01-02,[/red]<b>$x$</b>\n")
    code, out, err = run(capsys, "compare", "--data", str(good), "--models", "naive,drift",
                         "--out", str(tmp_path / "c"))
    assert (code, err) == (0, "")
    assert "[-red] $x$ <b>" in out
    assert for_html("[-red] $x$ <b>") in (tmp_path / "c" / "report.html").read_text()
    code, out, err = run(capsys, "sweep", "--data", f"{good},{broken}", "--models", "naive,drift", "--workers", "1",
                         "--out", str(tmp_path / "s"))
    assert code == 0
    assert "[/red]<b>$x$</b>" in err  # the warning names the cell as it is
    assert "[-red] $x$ <b>" in " ".join(out.split())  # the table may wrap a long temporary path at a space
    page = (tmp_path / "s" / "report.html").read_text()
    assert for_html("[/red]<b>$x$</b>") in page
    assert "[/red]<b>$x$</b>" not in page
