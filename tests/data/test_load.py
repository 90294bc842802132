"""`--data D` names: samples, files, and `source:name` prefixes; `store:*` for every stored ticker."""

import pytest

import tickercast as tc
from tests.conftest import price_frame
from tickercast.data.load import dataset_names
from tickercast.data.store import Store
from tickercast.errors import DataError


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("TICKERCAST_HOME", str(tmp_path))
    with Store() as store:
        store.replace("IBM", price_frame(60, seed=1))
        store.replace("MSFT", price_frame(60, seed=2))
    return tmp_path


def test_a_source_prefix_reads_a_stored_ticker(home):
    prices = tc.load("store:ibm")
    assert prices.attrs["ticker"] == "IBM"
    assert len(prices) == 60


def test_a_prefix_that_is_not_a_source_is_part_of_the_name():
    with pytest.raises(DataError, match="unknown data 'nowhere:IBM'"):
        tc.load("nowhere:IBM")


def test_store_star_stands_for_every_stored_ticker(home):
    assert dataset_names("sp500,store:*,store:IBM") == ["sp500", "store:IBM", "store:MSFT"]


def test_store_star_on_an_empty_store_says_how_to_fill_it(tmp_path, monkeypatch):
    monkeypatch.setenv("TICKERCAST_HOME", str(tmp_path))
    with pytest.raises(DataError, match=r"the store \(.*\) is empty"):
        dataset_names("store:*")


def test_an_empty_list_is_refused():
    with pytest.raises(DataError, match="no data named"):
        dataset_names(" , ")
