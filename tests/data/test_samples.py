from importlib import resources

import pandas as pd
import pytest

import tickercast as tc
from tickercast.data.samples import PANELS, SAMPLES
from tickercast.errors import DataError, TickercastWarning


@pytest.mark.parametrize(("name", "rows", "first", "last", "column"), [
    ("sp500", 5031, "1999-01-04", "2018-12-31", "adj_close"),
    ("nasdaq", 5031, "1999-01-04", "2018-12-31", "adj_close"),
    ("msft", 7983, "1986-03-13", "2017-11-10", "close"),
])
def test_bundled_samples(name, rows, first, last, column):
    frame = tc.load(name)
    assert len(frame) == rows
    assert (frame.index[0], frame.index[-1]) == (pd.Timestamp(first), pd.Timestamp(last))
    assert frame.attrs["price_column"] == column
    assert frame.attrs["source"] == "sample"
    assert (frame[column] > 0).all()


def test_sample_origins_are_documented():
    readme = resources.files("tickercast.data.samples").joinpath("README.md").read_text()
    for name in SAMPLES:
        assert f"{name}.csv.gz" in readme


def test_unknown_name_lists_samples():
    with pytest.raises(DataError, match=r"unknown data 'sp600': not a bundled sample \(sp500, nasdaq, msft\)"):
        tc.load("sp600")


def test_sample_names_are_case_insensitive():
    assert tc.load("SP500").attrs["ticker"] == "^GSPC"


def test_bundled_panels_are_documented_with_their_caveats_and_kept_apart_from_samples():
    readme = resources.files("tickercast.data.samples").joinpath("README.md").read_text()
    for name, panel in PANELS.items():
        assert f"{name}.csv.gz" in readme
        assert name not in SAMPLES  # code looping over SAMPLES gets single series only
        assert "survivorship" in panel.caveat
    assert "2010-04-01" in readme
    assert "2009-08-11" in readme
    assert "2017-07-31" in readme


def test_djia30_loads_as_a_panel_of_its_documented_size():
    with pytest.warns(TickercastWarning, match="31 of 31 tickers kept"):
        panel = tc.load("djia30")
    assert tc.is_panel(panel)
    assert len(panel.attrs["tickers"]) == PANELS["djia30"].tickers
    assert panel.attrs["caveat"] == PANELS["djia30"].caveat
