"""`tickercast data import` of a long file: every ticker checked before any is stored, then each stored; what was
left out is listed with its reason. The store is a real SQLite file in tmp_path."""

import json

import pandas as pd
import pytest

from tests.conftest import price_frame
from tests.conftest import run_cli as run
from tickercast.data.store import Store


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("TICKERCAST_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def long_file(path, tickers, bad=None):
    """Kaggle's long layout (Date,Open,High,Low,Close,Volume,Name); `bad` gets an unreadable close."""
    parts = []
    for k, ticker in enumerate(tickers):
        close = price_frame(40, seed=k)["close"]
        rows = pd.DataFrame({"Date": close.index.strftime("%Y-%m-%d"), "Open": close, "High": close, "Low": close,
                             "Close": close.astype(str), "Volume": 100, "Name": ticker})
        if ticker == bad:
            rows.loc[rows.index[3], "Close"] = "n.a.x"
        parts.append(rows)
    pd.concat(parts).to_csv(path, index=False)
    return path


def stored():
    with Store() as store:
        return {holding.ticker: holding.rows for holding in store.holdings()}


def test_a_long_file_is_stored_as_each_of_its_tickers_and_a_bad_one_is_left_out(tmp_path, capsys):
    path = long_file(tmp_path / "all.csv", ("IBM", "KO", "XOM"), bad="KO")
    code, out, err = run(capsys, "data", "import", str(path), "--json")
    assert code == 0, err
    result = json.loads(out)
    assert [w["ticker"] for w in result["imported"]] == ["IBM", "XOM"]
    assert all(w["rows"] == 40 for w in result["imported"])
    assert list(result["dropped"]) == ["KO"]
    assert "[KO], line 45: cannot read close 'n.a.x'" in result["dropped"]["KO"]
    assert stored() == {"IBM": 40, "XOM": 40}
    assert err.count("warning:") == 1  # the panel's one summary line
    assert "2 of 3 tickers kept" in err


def test_the_table_lists_what_was_stored_and_what_was_not(tmp_path, capsys):
    path = long_file(tmp_path / "all.csv", ("IBM", "KO"), bad="KO")
    code, out, _ = run(capsys, "data", "import", str(path))
    assert code == 0
    assert "stored 1 tickers from" in out
    assert "not stored: KO:" in out


def test_nothing_is_stored_when_no_ticker_passes(tmp_path, capsys):
    path = long_file(tmp_path / "all.csv", ("IBM", "KO"))
    path.write_text(path.read_text().replace(",IBM", ",BAD SYMBOL!").replace(",KO", ",ALSO BAD!"))
    code, _, err = run(capsys, "data", "import", str(path))
    assert code == 2
    assert err.startswith("error: ")
    assert err.count("\n") == 1
    assert stored() == {}


def test_ticker_picks_one_ticker_of_a_long_file(tmp_path, capsys):
    path = long_file(tmp_path / "all.csv", ("IBM", "KO", "XOM"))
    code, _, err = run(capsys, "data", "import", str(path), "--ticker", "ko")
    assert code == 0, err
    assert stored() == {"KO": 40}


def test_a_file_without_a_ticker_column_needs_ticker_in_one_line(tmp_path, capsys):
    path = tmp_path / "ibm.csv"
    price_frame(30).to_csv(path)
    code, _, err = run(capsys, "data", "import", str(path))
    assert code == 2
    assert "names no ticker" in err
    assert "--ticker" in err
    assert err.count("\n") == 1
    assert stored() == {}


def test_each_ticker_of_a_long_file_keeps_its_own_exchange(tmp_path, capsys):
    """As `data import FILE --ticker VOD.L` does: the Yahoo suffix names the market, unless --exchange says."""
    path = long_file(tmp_path / "all.csv", ("IBM", "VOD.L"))
    code, _, err = run(capsys, "data", "import", str(path))
    assert code == 0, err
    with Store() as store:
        assert {h.ticker: h.exchange for h in store.holdings()} == {"IBM": "XNYS", "VOD.L": "XLON"}
