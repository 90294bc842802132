"""Price files in the layouts people actually have, read through the CLI as a user would.

Every file is in tests/data/fixtures/ in its exact layout (fixtures/README.md says where each came from).
"""

import json
import warnings
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import run_cli as run
from tickercast import TickercastWarning
from tickercast.data.files import read_csv
from tickercast.errors import DataError

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("TICKERCAST_HOME", str(tmp_path / "home"))


def imported(capsys, name, *extra):
    code, out, err = run(capsys, "data", "import", str(FIXTURES / name), "--json", *extra)
    assert code == 0, err
    return json.loads(out)["imported"], err


@pytest.mark.parametrize(("name", "ticker", "columns"), [
    ("yf_aapl.csv", "AAPL", ["open", "high", "low", "close", "volume"]),  # yfinance >= 0.2.51: auto_adjust=True
    ("yahoo_ibm.csv", "IBM", ["open", "high", "low", "close", "adj_close", "volume"]),  # auto_adjust=False
    ("yf_aapl_no_index_name.csv", "AAPL", ["open", "high", "low", "close", "volume"]),  # two header rows
])
def test_yfinance_files_with_stacked_headers_are_read_whole(capsys, name, ticker, columns):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing to repair: no warning at all
        frame = read_csv(FIXTURES / name)
    assert list(frame.columns) == columns
    assert frame.attrs["ticker"] == ticker
    assert frame.index[0] == pd.Timestamp("2024-01-02")
    assert frame.notna().all().all()
    raw = pd.read_csv(FIXTURES / name, header=[0, 1], index_col=0).dropna(how="all")
    assert frame["close"].tolist() == pytest.approx(raw["Close"].iloc[:, 0].astype(float).tolist())
    written, _ = imported(capsys, name, "--ticker", ticker)
    assert written["rows"] == len(frame)


@pytest.mark.parametrize("name", ["yf_two_tickers.csv", "yf_two_tickers_by_ticker.csv"])
def test_several_tickers_side_by_side_are_picked_with_ticker(capsys, name):
    raw = pd.read_csv(FIXTURES / name, header=[0, 1], index_col=0).dropna(how="all")
    msft = raw.xs("MSFT", axis=1, level=0 if "by_ticker" in name else 1)
    frame = read_csv(FIXTURES / name, ticker="msft")
    assert frame.attrs["ticker"] == "MSFT"
    assert frame["close"].tolist() == pytest.approx(msft["Close"].astype(float).tolist())
    written, _ = imported(capsys, name, "--ticker", "MSFT")
    assert (written["ticker"], written["rows"]) == ("MSFT", len(msft))


@pytest.mark.parametrize("name", ["yf_two_tickers.csv", "yf_two_tickers_by_ticker.csv"])
def test_several_tickers_without_a_choice_list_them_in_one_line(capsys, name):
    code, _, err = run(capsys, "train", "--data", str(FIXTURES / name), "--model", "naive")
    assert code == 2
    assert "columns for 2 tickers ('AAPL', 'MSFT')" in err
    assert "--ticker 'AAPL'" in err
    assert err.count("\n") == 1
    assert len(err) < 300
    code, _, err = run(capsys, "data", "import", str(FIXTURES / name), "--ticker", "GOOG")
    assert code == 2
    assert "not 'GOOG'" in err


def test_yahoo_null_rows_are_closed_days_dropped_never_filled(capsys):
    for fill in ([], ["--fill", "ffill"]):
        written, err = imported(capsys, "yahoo_null_rows.csv", "--ticker", "IBM", *fill)
        assert written["rows"] == 10
        assert "dropped 2 rows with a date but no prices (days without trading: 2019-03-10, 2019-03-17)" in err
        assert "forward-filled" not in err
    with pytest.warns(TickercastWarning, match="dropped 2 rows"):
        frame = read_csv(FIXTURES / "yahoo_null_rows.csv", fill="ffill")
    assert not (frame.index.day_of_week >= 5).any()  # no Sunday was invented


def test_intraday_yfinance_file_says_daily_bars_and_how_to_resample(capsys):
    code, _, err = run(capsys, "data", "import", str(FIXTURES / "yf_aapl_15m.csv"), "--ticker", "AAPL")
    assert code == 2
    assert "78 rows on 3 days (up to 26 bars a day): intraday data" in err
    assert "resample" in err
    assert err.count("\n") == 1
    assert len(err) < 300


def test_nse_file_with_last_and_close_uses_the_close_and_says_so(capsys):
    written, err = imported(capsys, "nse_quandl.csv", "--ticker", "TATAGLOBAL.NS")
    assert written["rows"] == 8
    assert "uses 'Close' as the close and ignores 'Last'" in err
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        frame = read_csv(FIXTURES / "nse_quandl.csv")
    assert any("ignores 'Last'" in str(warning.message) for warning in seen)
    assert frame["close"].iloc[-1] == 233.75  # Close of 2018-09-28, not its Last (233.5)
    assert frame["volume"].iloc[-1] == 3069914


def test_a_plain_price_header_next_to_close_is_not_two_closes(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text("Date,Price,Close\n2024-01-02,1,1.5\n2024-01-03,2,2.5\n")
    with pytest.warns(TickercastWarning, match="uses 'Close' as the close and ignores 'Price'"):
        assert read_csv(path)["close"].tolist() == [1.5, 2.5]


@pytest.mark.parametrize("text", ["Date,Close,Last\n2024-01-02,1,1\n", "Date,Last,Price\n2024-01-02,1,1\n"])
def test_two_columns_without_a_clear_winner_stay_an_error(tmp_path, text):
    path = tmp_path / "f.csv"
    path.write_text(text * 1)
    if text.startswith("Date,Close"):
        with pytest.warns(TickercastWarning):
            read_csv(path)
    else:
        with pytest.raises(DataError, match="two columns mean 'close'"):
            read_csv(path)
