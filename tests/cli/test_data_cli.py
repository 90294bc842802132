"""`tickercast data ...` as users meet it: the store round trip, one JSON object, and exit code 2 with one line
for every mistake. Alpha Vantage is the local fake from tests/data/fixtures; the store lives in tmp_path."""

import json
import re
import subprocess
import sys

import pandas as pd
import pytest

from tests.conftest import price_frame
from tests.conftest import run_cli as run
from tests.data.fixtures.fake_alphavantage import Answer, av_json, recorded, serving
from tickercast import TickercastWarning
from tickercast.cli import main
from tickercast.data.files import read_csv, read_file
from tickercast.data.sources.refresh import OVERLAP
from tickercast.data.store import Store

SMALL = ["--lookback", "5", "--hidden", "4", "--layers", "1", "--epochs", "2", "--batch-size", "64"]
JUNK_ROW = "line 3021: skipped a trailing row with no prices ('-1,,,,,,')"


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("TICKERCAST_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("ALPHAVANTAGE_API_KEY", raising=False)
    return tmp_path / "home"


@pytest.fixture
def alphavantage(monkeypatch):
    with serving(monkeypatch) as fake:
        yield fake


@pytest.fixture
def ibm(ibm_csv):
    """The shared IBM file as a PriceFrame (its junk last row skipped)."""
    with pytest.warns(TickercastWarning, match="skipped a trailing row"):
        return read_csv(ibm_csv)


@pytest.fixture
def imported(ibm_csv, capsys):
    code, _, _ = run(capsys, "data", "import", str(ibm_csv), "--ticker", "IBM")
    assert code == 0


def one_json_object(out):
    assert out.startswith("{")
    assert out.count("\n{") == 0
    return json.loads(out)


# The store round trip


def test_import_stores_the_ibm_file_and_warns_once_about_its_junk_row(ibm_csv, capsys):
    code, out, err = run(capsys, "data", "import", str(ibm_csv), "--ticker", "IBM")
    assert code == 0
    lines = err.splitlines()
    assert lines[0] == f"warning: {ibm_csv}, {JUNK_ROW}"
    assert [line.split(": ", 2)[2].split(" (")[0] for line in lines[1:]] == [  # the file's real defects, flagged
        "4 impossible bars", "1 trading day of XNYS missing, in 1 run on 2017-07-31; the model treats the days around "
        "each gap as consecutive"]
    assert "stored 3019 days of IBM (2006-01-03 .. 2017-12-29)" in " ".join(out.split())


def test_import_json_describes_what_was_stored(ibm_csv, capsys):
    code, out, _ = run(capsys, "data", "import", str(ibm_csv), "--ticker", "ibm", "--json")
    assert code == 0
    result = one_json_object(out)
    assert result["imported"] | {"note": None} == {
        "ticker": "IBM", "source": "file", "received": 3019, "added": 3019, "replaced": True, "note": None,
        "first": "2006-01-03", "last": "2017-12-29", "rows": 3019}


@pytest.mark.parametrize("name", ["ibm.csv", "ibm.parquet"])
def test_export_round_trips_to_identical_values(imported, ibm, tmp_path, capsys, name):
    out_file = tmp_path / name
    code, out, err = run(capsys, "data", "export", "IBM", str(out_file), "--json")
    assert (code, err) == (0, "")
    assert one_json_object(out)["rows"] == 3019
    back = read_file(out_file)
    pd.testing.assert_frame_equal(back, ibm, check_exact=True, check_freq=False)
    with Store() as store:
        pd.testing.assert_frame_equal(back, store.read("IBM"), check_exact=True, check_freq=False)


def test_exported_csv_is_plain(imported, tmp_path, capsys):
    out_file = tmp_path / "ibm.csv"
    run(capsys, "data", "export", "IBM", str(out_file))
    lines = out_file.read_text().splitlines()
    assert lines[:2] == ["date,open,high,low,close,volume", "2006-01-03,82.45,82.55,80.81,82.06,11715200"]
    assert len(lines) == 3020


def test_list_says_how_to_fill_an_empty_store(capsys):
    code, out, _ = run(capsys, "data", "list")
    assert code == 0
    assert "is empty; fetch prices with `tickercast data fetch" in " ".join(out.split())


def test_list_json_names_each_ticker(imported, home, capsys):
    code, out, _ = run(capsys, "data", "list", "--json")
    assert code == 0
    result = one_json_object(out)
    assert result["store"] == str(home / "prices.db")
    (ibm,) = result["tickers"]
    assert (ibm["ticker"], ibm["first"], ibm["last"], ibm["rows"], ibm["source"]) == (
        "IBM", "2006-01-03", "2017-12-29", 3019, "file")


def test_list_shows_a_table(imported, capsys):
    code, out, _ = run(capsys, "data", "list")
    assert code == 0
    assert re.search(r"IBM\s+│\s+XNYS\s+│\s+2006-01-03\s+│\s+2017-12-29\s+│\s+3019\s+│\s+file", out)


def test_show_json_gives_the_last_days_and_the_fetch_log(imported, capsys):
    code, out, _ = run(capsys, "data", "show", "ibm", "--tail", "3", "--json")
    assert code == 0
    result = one_json_object(out)
    assert [row["date"] for row in result["prices"]] == ["2017-12-27", "2017-12-28", "2017-12-29"]
    assert result["prices"][-1]["close"] == 153.42
    assert result["fetches"][0]["note"].startswith("imported ")


def test_show_prints_the_last_days(imported, capsys):
    code, out, _ = run(capsys, "data", "show", "IBM", "--tail", "2")
    assert code == 0
    assert "2017-12-29" in out
    assert "2017-12-27" not in out


def test_remove_forgets_the_ticker(imported, capsys):
    code, out, _ = run(capsys, "data", "remove", "IBM", "--json")
    assert code == 0
    assert one_json_object(out)["removed"] == {"IBM": 3019}
    assert one_json_object(run(capsys, "data", "list", "--json")[1])["tickers"] == []


def test_train_a_gru_on_a_stored_ticker(tmp_path, capsys):
    path = tmp_path / "walk.csv"
    price_frame(200).to_csv(path)
    assert run(capsys, "data", "import", str(path), "--ticker", "WALK")[0] == 0
    code, out, err = run(capsys, "train", "--data", "walk", "--source", "store", "--model", "gru", *SMALL, "--json")
    assert code == 0, err
    result = one_json_object(out)
    assert (result["data"]["ticker"], result["data"]["rows"], result["model"]) == ("WALK", 200, "gru")
    assert result["metrics"]["test"]["rmse"] > 0


def test_train_on_the_stored_ibm_file(imported, capsys):
    code, out, err = run(capsys, "train", "--data", "IBM", "--source", "store", "--model", "naive", "--json")
    assert code == 0, err
    assert one_json_object(out)["data"]["rows"] == 3019


# Fetching from Alpha Vantage (the local fake)


def test_fetch_from_alphavantage_then_train_offline(alphavantage, ibm, capsys):
    alphavantage.answer(av_json(ibm))
    code, out, err = run(capsys, "data", "fetch", "IBM", "--source", "alphavantage", "--json")
    assert code == 0
    assert [line.split(" (")[0] for line in err.splitlines()] == [  # the defects of the file it was recorded from
        "warning: alphavantage IBM: 4 impossible bars",
        "warning: alphavantage IBM: 1 trading day of XNYS missing, in 1 run on 2017-07-31; the model treats the days "
        "around each gap as consecutive"]
    (fetched,) = one_json_object(out)["fetched"]
    assert (fetched["ticker"], fetched["added"], fetched["rows"], fetched["source"]) == (
        "IBM", 3019, 3019, "alphavantage")

    code, out, err = run(capsys, "train", "--data", "IBM", "--source", "store", "--model", "naive", "--json")
    assert code == 0, err
    assert one_json_object(out)["metrics"]["test"]["rmse_ratio_vs_naive"] == 1.0

    code, out, _ = run(capsys, "data", "fetch", "IBM", "--json")  # again: continues the stored history
    (again,) = one_json_object(out)["fetched"]
    assert (again["received"], again["added"], again["replaced"]) == (OVERLAP, 0, False)
    assert len(alphavantage.queries) == 2


def test_fetch_several_tickers_prints_a_table(alphavantage, capsys):
    alphavantage.answer(recorded("av_daily.json"))
    code, out, err = run(capsys, "data", "fetch", "IBM", "MSFT")
    assert (code, err) == (0, "")
    assert [query["symbol"] for query in alphavantage.queries] == ["IBM", "MSFT"]
    assert re.search(r"IBM\s+│\s+8\s+│\s+\+8\s+│\s+new", out)
    assert re.search(r"MSFT\s+│\s+8\s+│\s+\+8\s+│\s+new", out)


def test_train_with_source_alphavantage_fetches_first(alphavantage, ibm, capsys):
    alphavantage.answer(av_json(ibm))
    code, out, err = run(capsys, "train", "--data", "IBM", "--source", "alphavantage", "--model", "naive",
                         "--api-key", "OPTIONKEY", "--json")
    assert code == 0, err
    assert one_json_object(out)["data"]["rows"] == 3019
    assert alphavantage.queries[0]["apikey"] == "OPTIONKEY"


# Every mistake: exit code 2 and one line on stderr that says what to do

MISTAKES = {  # name: (arguments, Alpha Vantage's answers (none: no server), expected message)
    "no API key": (["data", "fetch", "IBM"], (), r"needs an API key: set ALPHAVANTAGE_API_KEY or pass --api-key"),
    "unknown symbol": (["data", "fetch", "NOPE"], ("av_error_symbol.json",), r"does not know the symbol 'NOPE'"),
    "bad API key": (["data", "fetch", "IBM"], ("av_error_apikey.json",), r"refused the API key"),
    "daily limit": (["data", "fetch", "IBM"], ("av_information_rate_limit.json",),
                    r"daily limit \(25 requests a day on a free key\) is used up, so IBM was not downloaded; run it "
                    r"again tomorrow"),
    "burst limit": (["data", "fetch", "IBM"], ("av_information_burst.json",),
                    r"burst limit .* stopped the download of IBM; wait a few seconds .* \(tried 4 times\)"),
    "premium endpoint": (["data", "fetch", "IBM", "--adjusted"], ("av_information_premium.json",),
                         r"premium Alpha Vantage endpoint; drop --adjusted"),
    "server down": (["data", "fetch", "IBM"], (Answer("", status=503),), r"answered HTTP 503"),
    "second ticker fails": (["data", "fetch", "IBM", "NOPE"], ("av_daily.json", "av_error_symbol.json"),
                            r"does not know the symbol 'NOPE'.* \(stored before it: IBM\)$"),
    "train on an unknown symbol": (["train", "--data", "NOPE", "--source", "alphavantage", "--model", "naive"],
                                   ("av_error_symbol.json",), r"does not know the symbol 'NOPE'"),
    "yahoo option it lacks": (["data", "fetch", "IBM", "--source", "yahoo", "--api-key", "K"], (),
                              r"--source yahoo does not take --api-key"),
    "ticker not stored": (["data", "show", "MSFT"], (), r"MSFT is not in the store .*tickercast data fetch MSFT"),
    "export a ticker not stored": (["data", "export", "MSFT", "out.csv"], (), r"MSFT is not in the store"),
    "remove a ticker not stored": (["data", "remove", "MSFT"], (), r"MSFT is not in the store"),
    "train on a ticker not stored": (["train", "--data", "MSFT", "--source", "store", "--model", "naive"], (),
                                     r"MSFT is not in the store"),
    "import a missing file": (["data", "import", "no/such.csv", "--ticker", "X"], (), r"no/such.csv: no such file"),
    "export into a missing folder": (["data", "export", "IBM", "no/such/dir/out.csv"], (),
                                     r"no/such/dir/out.csv: cannot write"),
    "tail below one": (["data", "show", "IBM", "--tail", "0"], (), r"--tail must be at least 1"),
}
NEED_IBM = ("export into a missing folder", "tail below one")


@pytest.mark.parametrize("mistake", MISTAKES)
def test_every_mistake_exits_2_with_one_line(mistake, request, capsys):
    args, answers, message = MISTAKES[mistake]
    if mistake in NEED_IBM:
        request.getfixturevalue("imported")
    if answers:
        request.getfixturevalue("alphavantage").answer(*(recorded(a) if isinstance(a, str) else a for a in answers))
    code, out, err = run(capsys, *args)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1, err
    assert err.startswith("error: ")
    assert "Traceback" not in err
    assert re.search(message, err), err


def test_yahoo_without_yfinance_exits_2_saying_how_to_install_it(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "yfinance", None)  # as if it were not installed: import fails
    code, out, err = run(capsys, "data", "fetch", "IBM", "--source", "yahoo")
    assert (code, out) == (2, "")
    assert err == 'error: Yahoo Finance needs the optional yfinance package: pip install "tickercast[yahoo]"\n'


def test_a_bad_start_date_says_what_a_date_looks_like(capsys):
    with pytest.raises(SystemExit):
        main(["data", "fetch", "IBM", "--start", "2010-13-01"])
    assert "'2010-13-01' is not a date like 2010-01-31" in capsys.readouterr().err


@pytest.mark.parametrize("action", ["fetch", "list", "show", "import", "export", "remove"])
def test_every_action_has_help_with_json_and_an_example(action, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["data", action, "--help"])
    out = capsys.readouterr().out
    assert exit_info.value.code == 0
    assert f"usage: tickercast data {action}" in out
    assert "--json" in out
    assert f"tickercast data {action}" in out.split("example:")[1]


def test_data_help_in_a_real_process():
    result = subprocess.run([sys.executable, "-m", "tickercast", "data", "--help"], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stderr
    for action in ("fetch", "list", "show", "import", "export", "remove"):
        assert action in result.stdout


def test_a_ticker_that_is_not_a_symbol_is_refused_before_reading(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TICKERCAST_HOME", str(tmp_path))
    assert main(["data", "import", str(tmp_path / "missing.csv"), "--ticker", "ib m"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "'ib m' is not a ticker symbol" in err
