"""Panels: many tickers through the single-series gate, one summary warning, nothing filled.

The bundled djia30 is checked against the Kaggle files it was made from (../shared/data/djia30/, when present);
the other panels are small files written here, in every layout a panel can come in.
"""

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import tickercast as tc
from tests.conftest import price_frame
from tickercast.cli import main
from tickercast.data.panel import is_panel, load_panel, panel_frames, validate_panel, wide
from tickercast.data.store import Store
from tickercast.errors import DataError, DataQualityWarning, TickercastWarning

DJIA = Path(__file__).parents[2] / ".." / "shared" / "data" / "djia30"
NASDAQ = ("AABA", "AAPL", "AMZN", "CSCO", "GOOGL", "INTC", "MSFT")  # no row on 2010-04-01
EMPTY_OHL_TICKERS = 24  # 2017-07-31: open/high/low empty, close there


@pytest.fixture(scope="module")
def djia30():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        panel = tc.load("djia30")
    return panel, caught


def kaggle_rows(ticker: str, frame: pd.DataFrame) -> pd.DataFrame:
    """One ticker in Kaggle's long layout: Date,Open,High,Low,Close,Volume,Name."""
    close = frame["close"]
    return pd.DataFrame({"Date": frame.index.strftime("%Y-%m-%d"), "Open": close, "High": close * 1.01,
                         "Low": close * 0.99, "Close": close, "Volume": 1000.0, "Name": ticker})


def long_csv(path: Path, tickers=("AAA", "BBB", "CCC"), n=60, drop_day=None) -> Path:
    """A long CSV of `tickers`; `drop_day` = (ticker, position) removes one day of one ticker."""
    parts = []
    for k, ticker in enumerate(tickers):
        rows = kaggle_rows(ticker, price_frame(n, seed=k))
        if drop_day and drop_day[0] == ticker:
            rows = rows.drop(index=rows.index[drop_day[1]])
        parts.append(rows)
    pd.concat(parts).to_csv(path, index=False)
    return path


def loaded(spec, **options):
    """A panel and the warnings its loading raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        panel = load_panel(spec, **options)
    return panel, [w for w in caught if issubclass(w.category, TickercastWarning)]


# the bundled djia30

def test_djia30_is_a_panel_of_31_tickers_with_its_caveat(djia30):
    panel, _ = djia30
    assert is_panel(panel)
    assert len(panel.attrs["tickers"]) == 31
    assert len(panel) == 93_612
    assert list(panel.columns) == ["date", "ticker", "open", "high", "low", "close", "volume"]
    assert panel.attrs["price_column"] == "close"
    assert panel.attrs["source"] == "sample"
    assert "survivorship" in panel.attrs["caveat"]
    assert "dividend" in panel.attrs["caveat"]
    assert (panel["date"].min(), panel["date"].max()) == (pd.Timestamp("2006-01-03"), pd.Timestamp("2017-12-29"))
    assert panel.set_index(["ticker", "date"]).index.is_monotonic_increasing


def test_djia30_loading_warns_once_with_its_missing_days_and_repairs(djia30):
    panel, caught = djia30
    summaries = [w for w in caught if issubclass(w.category, TickercastWarning)]
    assert len(summaries) == 1, [str(w.message) for w in summaries]
    message = str(summaries[0].message)
    assert "31 of 31 tickers kept, 3,020 days" in message
    assert "days missing (not filled) in 8 tickers" in message
    assert f"repairs in {EMPTY_OHL_TICKERS} tickers" in message
    assert "\n" not in message
    assert len(panel.attrs["panel_quality"]["notes"]) == EMPTY_OHL_TICKERS


@pytest.mark.skipif(not DJIA.is_dir(), reason="../shared/data/djia30 is not here")
def test_djia30_missing_days_are_those_of_the_kaggle_files(djia30):
    panel, _ = djia30
    dates = {path.name.split("_")[0]: set(pd.read_csv(path, usecols=["Date"])["Date"])
             for path in DJIA.glob("*.csv")}
    union = set().union(*dates.values())
    expected = {ticker: len(union - days) for ticker, days in dates.items()}
    assert panel.attrs["panel_quality"]["missing_days"] == expected
    assert {t for t, n in expected.items() if n} == {*NASDAQ, "MRK"}
    assert all(n == 1 for t, n in expected.items() if n)
    closes = wide(panel)
    assert closes.loc["2010-04-01", list(NASDAQ)].isna().all()  # missing, not filled
    assert closes.loc["2009-08-11", "MRK"] != closes.loc["2009-08-11", "MRK"]
    assert closes.loc["2010-04-01"].notna().sum() == 31 - len(NASDAQ)


@pytest.mark.skipif(not DJIA.is_dir(), reason="../shared/data/djia30 is not here")
def test_djia30_values_are_the_kaggle_files_unchanged_read_as_a_glob(djia30):
    panel, _ = djia30
    files, _caught = loaded(str(DJIA / "A*_2006-01-01_to_2018-01-01.csv"))
    assert files.attrs["tickers"] == ["AABA", "AAPL", "AMZN", "AXP"]
    sample = panel[panel["ticker"].isin(files.attrs["tickers"])].reset_index(drop=True)
    pd.testing.assert_frame_equal(files[sample.columns], sample, check_dtype=False)


# files, folders, globs, the store

def test_a_long_csv_with_a_name_column_is_a_panel_and_nothing_is_filled(tmp_path):
    path = long_csv(tmp_path / "all_stocks.csv", drop_day=("BBB", 10))
    panel, caught = loaded(path)
    assert panel.attrs["tickers"] == ["AAA", "BBB", "CCC"]
    assert panel.attrs["source"] == "file"
    assert panel.attrs["panel_quality"]["missing_days"] == {"AAA": 0, "BBB": 1, "CCC": 0}
    closes = wide(panel)
    assert closes.shape == (60, 3)
    assert np.isnan(closes["BBB"].iloc[10])
    assert closes["BBB"].isna().sum() == 1
    assert (panel.groupby("ticker").size() == [60, 59, 60]).all()
    assert len(caught) == 1
    assert caught[0].category is DataQualityWarning
    assert "BBB 1" in str(caught[0].message)


def test_tc_load_of_a_long_file_is_a_panel_and_a_single_series_caller_gets_the_hint(tmp_path):
    path = long_csv(tmp_path / "all_stocks.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TickercastWarning)
        assert is_panel(tc.load(path))
    with pytest.raises(DataError, match=r"is a panel of 3 tickers: use `tickercast rank --data .*all_stocks.csv`, "
                                        r"or pick one with `tickercast data import .* --ticker AAA`") as caught:
        tc.load(path, series=True)
    assert len(str(caught.value)) < 300


def test_a_long_parquet_file_is_a_panel(tmp_path):
    path = tmp_path / "all.parquet"
    pd.read_csv(long_csv(tmp_path / "all.csv")).to_parquet(path)
    panel, _ = loaded(path)
    assert panel.attrs["tickers"] == ["AAA", "BBB", "CCC"]
    assert len(panel) == 180


def test_a_folder_of_per_ticker_files_names_tickers_by_file(tmp_path):
    for k, ticker in enumerate(("IBM", "KO")):
        price_frame(50, seed=k).to_csv(tmp_path / f"{ticker}_2015-01-01_to_2016-01-01.csv")
    (tmp_path / "notes.txt.bak").write_text("not prices")
    panel, _ = loaded(tmp_path)
    assert panel.attrs["tickers"] == ["IBM", "KO"]
    frames = panel_frames(panel)
    pd.testing.assert_series_equal(frames["KO"]["close"], price_frame(50, seed=1)["close"], check_freq=False)
    assert frames["KO"].attrs["ticker"] == "KO"
    assert frames["KO"].attrs["price_column"] == "close"


def test_a_glob_takes_the_files_it_matches_and_a_name_column_wins_over_the_file_name(tmp_path):
    kaggle_rows("AAPL", price_frame(40)).to_csv(tmp_path / "apple_prices.csv", index=False)
    price_frame(40, seed=3).to_csv(tmp_path / "MSFT.csv")
    price_frame(40, seed=4).to_csv(tmp_path / "other.csv.skip")
    panel, _ = loaded(str(tmp_path / "*.csv"))
    assert panel.attrs["tickers"] == ["AAPL", "MSFT"]


def test_a_glob_that_matches_nothing_is_one_line(tmp_path):
    with pytest.raises(DataError, match="no price files match"):
        load_panel(str(tmp_path / "nothing*.csv"))


def test_store_star_and_a_list_of_stored_tickers_are_panels(tmp_path, monkeypatch):
    monkeypatch.setenv("TICKERCAST_HOME", str(tmp_path))
    with Store() as store:
        for k, ticker in enumerate(("IBM", "MSFT", "KO")):
            store.replace(ticker, price_frame(60 - 10 * k, seed=k))
    everything, _ = loaded("store:*")
    assert everything.attrs["tickers"] == ["IBM", "KO", "MSFT"]
    assert everything.attrs["source"] == "store"
    assert everything.groupby("ticker").size().to_dict() == {"IBM": 60, "KO": 40, "MSFT": 50}
    two, _ = loaded("store:IBM,store:KO")
    assert two.attrs["tickers"] == ["IBM", "KO"]
    assert wide(two)["KO"].isna().sum() == 20  # KO's history is shorter: no rows, no fills
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TickercastWarning)
        assert is_panel(tc.load("store:*"))
    with pytest.raises(DataError, match=r"store:\* is a panel of 3 tickers: .* pick one stored ticker"):
        tc.load("store:*", series=True)


# the gate, for the panel as a whole

def test_a_ticker_the_gate_refuses_is_dropped_with_its_reason_in_one_warning(tmp_path):
    path = long_csv(tmp_path / "all.csv")
    text = path.read_text().splitlines()
    cells = text[5].split(",")
    text[5] = ",".join([*cells[:4], "abc", *cells[5:]])  # AAA's close on line 6
    path.write_text("\n".join([*text, "2015-01-02,1,1,1,1,1,SHORT"]) + "\n")
    panel, caught = loaded(path)
    assert panel.attrs["tickers"] == ["BBB", "CCC"]
    dropped = panel.attrs["panel_quality"]["dropped"]
    assert dropped["AAA"].endswith("all.csv [AAA], line 6: cannot read close 'abc'; expected a number")
    assert dropped["SHORT"].startswith("1 day: a ticker needs at least 2 days")
    assert panel.attrs["panel_quality"]["tickers_in"] == 4
    assert len(caught) == 1
    assert caught[0].category is TickercastWarning
    assert "2 of 4 tickers kept" in str(caught[0].message)
    assert "dropped AAA" in str(caught[0].message)


def test_repairs_of_each_ticker_are_summarised_not_repeated(tmp_path):
    path = long_csv(tmp_path / "all.csv")
    table = pd.read_csv(path)
    table = pd.concat([table, table[table["Name"] == "CCC"].head(3)])  # exact repeats of 3 rows
    table.to_csv(path, index=False)
    panel, caught = loaded(path)
    assert len(caught) == 1
    assert "repairs in 1 tickers (first, CCC: dates are out of order" in str(caught[0].message)
    notes = panel.attrs["panel_quality"]["notes"]
    assert list(notes) == ["CCC"]
    assert "all.csv [CCC]: dropped 3 exact duplicate rows" in notes["CCC"][1]


def test_fewer_than_two_tickers_left_is_one_line(tmp_path):
    path = long_csv(tmp_path / "all.csv", tickers=("AAA", "BBB"))
    path.write_text(path.read_text().replace(",BBB", ",") + "2015-01-05,1,1,1,zero,1,BBB\n")  # BBB: one bad row
    with pytest.raises(DataError) as caught:
        load_panel(path)
    message = str(caught.value)
    assert "1 of 2 tickers passed the checks; BBB: [BBB], line 122: cannot read close 'zero'" in message
    assert "a panel needs at least 2" in message
    assert "\n" not in message
    assert len(message) < 300


def test_a_file_without_a_ticker_column_where_a_panel_is_needed_is_one_line(tmp_path):
    path = tmp_path / "ibm.csv"
    price_frame(30).to_csv(path)
    with pytest.raises(DataError, match=r"ibm.csv: no ticker column \(found: 'date', 'close'\), so it holds one "
                                        r"series, not a panel") as caught:
        load_panel(path)
    assert len(str(caught.value)) < 300


def test_tickers_of_mixed_price_columns_are_refused_with_the_fix(tmp_path):
    price_frame(30).to_csv(tmp_path / "A.csv")
    adjusted = price_frame(30, seed=1)
    adjusted["adj_close"] = adjusted["close"]
    adjusted.to_csv(tmp_path / "B.csv")
    with pytest.raises(DataError, match=r"tickers mix price columns .* pass --price-column close"):
        load_panel(tmp_path)
    panel, _ = loaded(tmp_path, price_column="close")
    assert panel.attrs["price_column"] == "close"
    assert "adj_close" in panel


def test_a_users_long_frame_goes_through_the_same_gate():
    days = pd.bdate_range("2024-01-01", periods=5)
    long = pd.DataFrame({"date": [*days, *days[:4]], "symbol": ["X"] * 5 + ["Y"] * 4,
                         "close": np.arange(1.0, 10.0)})
    panel = validate_panel(long, origin="mine")
    assert panel.attrs["tickers"] == ["X", "Y"]
    assert panel.attrs["name"] == "mine"
    assert wide(panel).shape == (5, 2)
    with pytest.raises(DataError, match="not a panel"):
        wide(long)


# single-series commands given a panel

HINT = "djia30 is a panel of 31 tickers: use `tickercast rank --data djia30`, or pick one ticker's file"


@pytest.mark.parametrize("args", [
    ["train", "--data", "djia30", "--model", "naive"],
    ["compare", "--data", "sp500,djia30", "--models", "naive"],
    ["sweep", "--data", "djia30", "--models", "naive"],
    ["train", "--data", "sp500", "--model", "naive", "--with", "djia30"],
], ids=["train", "compare", "sweep", "with"])
def test_single_series_commands_given_a_panel_exit_2_with_one_line_pointing_to_rank(args, capsys, tmp_path,
                                                                                     monkeypatch):
    monkeypatch.chdir(tmp_path)  # sweep would write its folder here
    code = main(args)
    err = capsys.readouterr().err
    assert code == 2
    assert err.endswith(HINT + "\n")
    assert err.startswith("error: ")
    assert err.count("\n") == 1


def test_the_gate_shows_one_bar_step_per_ticker(tmp_path):
    """A 500-ticker panel takes a minute to check: the gate advances a bar per ticker on the reporter it gets."""
    from tickercast.progress import Reporter

    class Counting(Reporter):
        def __init__(self):
            super().__init__()
            self.steps, self.titles = [], []

        def bar(self, description, total):
            self.titles.append((description, total))
            outer = self

            class Counted:
                def advance(self, **fields):
                    outer.steps.append(fields["ticker"])

                def close(self):
                    outer.steps.append("closed")

            return Counted()

    long = pd.DataFrame({"date": ["2024-01-02", "2024-01-03"] * 3, "ticker": ["A", "A", "B", "B", "C", "C"],
                         "close": [1.0, 1.1, 5.0, 4.9, 2.0, 2.1]})
    reporter = Counting()
    validate_panel(long, origin="mine", reporter=reporter)
    assert reporter.titles == [("checking mine", 3)]
    assert reporter.steps == ["A", "B", "C", "closed"]
