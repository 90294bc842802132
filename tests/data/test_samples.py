from importlib import resources

import pandas as pd
import pytest

import tickercast as tc
from tickercast.data.samples import SAMPLES
from tickercast.errors import DataError


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
