"""Web sources: recorded Alpha Vantage answers served over real HTTP on 127.0.0.1, recorded yfinance frames."""

import datetime as dt
import importlib.util
import logging
import socket
import sys
import types
import warnings

import pandas as pd
import pytest

from tests.data.fixtures.fake_alphavantage import FIXTURES, KEY, Answer, recorded, serving
from tickercast.cli import data as cli_data
from tickercast.data.sources import SOURCES, make_source
from tickercast.data.sources.alphavantage import OUTPUTSIZES, AlphaVantage
from tickercast.data.sources.http import Backoff
from tickercast.data.sources.yahoo import Yahoo
from tickercast.errors import ConfigError, DataError

FIRST, LAST = pd.Timestamp("2024-01-02"), pd.Timestamp("2024-01-11")


@pytest.fixture
def alphavantage(monkeypatch):
    with serving(monkeypatch) as fake:
        yield fake


def quietly(fetch, *args, **kwargs):
    """Call a fetch that must not need any repair (a warning would mean we misread the service)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return fetch(*args, **kwargs)


# Alpha Vantage: answers that carry prices


@pytest.mark.parametrize("datatype", ["json", "csv"])
def test_daily_answer_becomes_a_price_frame_oldest_first(alphavantage, datatype):
    alphavantage.answer(recorded(f"av_daily.{datatype}"))
    prices = quietly(AlphaVantage(datatype=datatype).fetch, "IBM")
    assert list(prices.columns) == ["open", "high", "low", "close", "volume"]
    assert (prices.index[0], prices.index[-1], len(prices)) == (FIRST, LAST, 8)
    assert prices.loc["2024-01-11"].tolist() == [162.07, 163.41, 160.90, 162.16, 4319800.0]
    assert prices.attrs == {"origin": "alphavantage IBM", "ticker": "IBM", "source": "alphavantage",
                            "price_column": "close"}


@pytest.mark.parametrize("datatype", ["json", "csv"])
def test_adjusted_answer_keeps_close_and_adjusted_close(alphavantage, datatype):
    alphavantage.answer(recorded(f"av_daily_adjusted.{datatype}"))
    prices = quietly(AlphaVantage(adjusted=True, datatype=datatype).fetch, "IBM")
    assert list(prices.columns) == ["open", "high", "low", "close", "adj_close", "volume"]
    assert prices.attrs["price_column"] == "adj_close"
    assert prices.loc["2024-01-05", ["close", "adj_close"]].tolist() == [159.86, 158.2132]


def test_json_and_csv_answers_give_the_same_prices(alphavantage):
    alphavantage.answer(recorded("av_daily_adjusted.json"), recorded("av_daily_adjusted.csv"))
    from_json = AlphaVantage(adjusted=True).fetch("IBM")
    from_csv = AlphaVantage(adjusted=True, datatype="csv").fetch("IBM")
    pd.testing.assert_frame_equal(from_json, from_csv, check_like=False, check_exact=True)


def test_request_names_function_symbol_size_format_and_key(alphavantage):
    alphavantage.answer(recorded("av_daily_adjusted.csv"))
    AlphaVantage(adjusted=True, datatype="csv", outputsize="compact").fetch("IBM")
    assert alphavantage.queries == [{"function": "TIME_SERIES_DAILY_ADJUSTED", "symbol": "IBM",
                                     "outputsize": "compact", "datatype": "csv", "apikey": KEY}]


def test_start_keeps_the_days_from_start_on(alphavantage):
    alphavantage.answer(recorded("av_daily.json"))
    prices = AlphaVantage().fetch("IBM", start=dt.date(2024, 1, 8))
    assert prices.index[0] == pd.Timestamp("2024-01-08")
    assert len(prices) == 4


def test_auto_outputsize_is_compact_only_when_100_days_reach_back_to_start():
    source = AlphaVantage(api_key="k")
    today = dt.date(2024, 6, 3)
    assert source.size_for(None, today) == "full"
    assert source.size_for(dt.date(2024, 5, 27), today) == "compact"
    assert source.size_for(dt.date(2024, 1, 2), today) == "full"
    assert AlphaVantage(api_key="k", outputsize="compact").size_for(None, today) == "compact"


def test_a_bad_value_is_reported_with_its_day(alphavantage):
    alphavantage.answer(recorded("av_daily.json").replace('"4. close": "160.3700"', '"4. close": "abc"'))
    with pytest.raises(DataError, match=r"^alphavantage IBM, day 2024-01-04: cannot read close 'abc'"):
        AlphaVantage().fetch("IBM")


# Alpha Vantage: refusals that retrying cannot fix are not retried


@pytest.mark.parametrize(("fixture", "error", "message"), [
    ("av_error_symbol.json", DataError, r"does not know the symbol 'NOPE'.*check the symbol.*--source yahoo"),
    ("av_error_apikey.json", ConfigError, r"refused the API key; set ALPHAVANTAGE_API_KEY or --api-key"),
    ("av_information_demo_key.json", ConfigError, r"refused the API key"),
    ("av_information_premium.json", DataError,
     r"TIME_SERIES_DAILY_ADJUSTED is a premium .*drop --adjusted .*TIME_SERIES_DAILY.*--source yahoo"),
    ("av_information_premium_outputsize.json", DataError, r"only to premium keys; add --outputsize compact"),
])
def test_refusal_is_a_clear_error_without_retry(alphavantage, fixture, error, message):
    alphavantage.answer(recorded(fixture))
    with pytest.raises(error, match=message):
        AlphaVantage(adjusted="premium.json" in fixture).fetch("NOPE")
    assert len(alphavantage.queries) == 1
    assert alphavantage.slept == []


def test_http_client_error_is_not_retried(alphavantage):
    alphavantage.answer(Answer("not here", status=404))
    with pytest.raises(DataError, match="answered HTTP 404 Not Found; check the ticker and options"):
        AlphaVantage().fetch("IBM")
    assert len(alphavantage.queries) == 1


def test_unknown_notice_is_quoted(alphavantage):
    alphavantage.answer('{"Information": "Something   new."}')
    with pytest.raises(DataError, match=r"sent no prices for IBM: Something new\.$"):
        AlphaVantage().fetch("IBM")


def test_a_web_page_instead_of_prices_is_named(alphavantage):
    alphavantage.answer("<!DOCTYPE html><html>Sign in to the hotel wifi</html>")
    with pytest.raises(DataError, match="with a web page, not prices"):
        AlphaVantage().fetch("IBM")


def test_missing_key_names_the_variable_and_the_option(monkeypatch):
    monkeypatch.delenv("ALPHAVANTAGE_API_KEY", raising=False)
    with pytest.raises(ConfigError, match=r"set ALPHAVANTAGE_API_KEY or pass --api-key.*--source yahoo"):
        AlphaVantage()


def test_the_option_key_wins_over_the_variable(alphavantage):
    alphavantage.answer(recorded("av_daily.json"))
    AlphaVantage(api_key="FROMOPTION").fetch("IBM")
    assert alphavantage.queries[0]["apikey"] == "FROMOPTION"


# Alpha Vantage: transient failures are retried with growing pauses


@pytest.mark.parametrize("fixture", ["av_note_rate_limit.json", "av_information_rate_limit.json",
                                     "av_information_burst.json"])
def test_rate_limit_is_retried_then_explained(alphavantage, fixture):
    alphavantage.answer(recorded(fixture))
    with pytest.raises(DataError, match=r"rate limit stopped the download of IBM \(the free tier allows 25 "
                                        r"requests a day\); run it again tomorrow.*--source yahoo \(tried 4 times\)"):
        AlphaVantage().fetch("IBM")
    assert len(alphavantage.queries) == 4
    assert alphavantage.slept == [2.0, 4.0, 8.0]


def test_rate_limit_that_passes_is_invisible(alphavantage):
    alphavantage.answer(recorded("av_information_burst.json"), recorded("av_daily.json"))
    assert len(AlphaVantage().fetch("IBM")) == 8
    assert alphavantage.slept == [2.0]


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_retried(alphavantage, status):
    alphavantage.answer(Answer("oops", status=status), Answer("oops", status=status), recorded("av_daily.json"))
    assert len(AlphaVantage().fetch("IBM")) == 8
    assert len(alphavantage.queries) == 3


def test_persistent_server_error_is_explained_without_the_key(alphavantage):
    alphavantage.answer(Answer("oops", status=503))
    with pytest.raises(DataError, match=r"answered HTTP 503 .*try again later \(tried 4 times\)") as error:
        AlphaVantage().fetch("IBM")
    assert KEY not in str(error.value)


def test_retry_after_is_honoured(alphavantage):
    alphavantage.answer(Answer("slow down", status=429, headers={"Retry-After": "7"}), recorded("av_daily.json"))
    AlphaVantage(backoff=Backoff(first=0.5, sleep=alphavantage.slept.append)).fetch("IBM")
    assert alphavantage.slept == [7.0]


def test_timeout_is_retried_then_explained(alphavantage):
    alphavantage.answer(Answer(recorded("av_daily.json"), delay=5))
    backoff = Backoff(attempts=2, sleep=alphavantage.slept.append)
    with pytest.raises(DataError, match=r"did not answer within 0.2 s; check your internet connection.*tried 2"):
        AlphaVantage(timeout=0.2, backoff=backoff).fetch("IBM")
    assert len(alphavantage.queries) == 2


def test_a_cut_off_answer_is_retried(alphavantage):
    alphavantage.answer(Answer(recorded("av_daily.json"), cut=True), recorded("av_daily.json"))
    assert len(AlphaVantage().fetch("IBM")) == 8
    assert len(alphavantage.queries) == 2


def test_unreachable_service_is_retried_then_explained(alphavantage):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    source = AlphaVantage(url=f"http://127.0.0.1:{port}/query", backoff=Backoff(sleep=alphavantage.slept.append))
    with pytest.raises(DataError, match=r"cannot reach Alpha Vantage .*check your internet connection.*tried 4"):
        source.fetch("IBM")
    assert alphavantage.slept == [2.0, 4.0, 8.0]


def test_backoff_delays_grow_up_to_a_cap():
    assert list(Backoff(attempts=6, first=1, factor=3, most=20).delays()) == [1, 3, 9, 20, 20]
    assert list(Backoff(attempts=1).delays()) == []


# Yahoo Finance through (a stand-in for) yfinance.download


def yahoo_frame(layout="price-ticker"):
    """`yahoo_ibm.csv` as yfinance returns it: (Price, Ticker) columns, or (Ticker, Price), or flat."""
    frame = pd.read_csv(FIXTURES / "yahoo_ibm.csv", header=[0, 1], index_col=0, parse_dates=True)
    frame.index.name = "Date"
    if layout == "ticker-price":
        return frame.swaplevel(axis=1)
    if layout == "flat":
        return frame.droplevel(1, axis=1)
    return frame


class Recorder:
    """A yfinance.download stand-in that returns given frames (or raises given errors) and records its calls."""

    def __init__(self, *results):
        self.results, self.calls = list(results), []

    def __call__(self, ticker, **arguments):
        self.calls.append((ticker, arguments))
        result = self.results.pop(0) if len(self.results) > 1 else self.results[0]
        if isinstance(result, BaseException):
            raise result
        return result


@pytest.mark.parametrize("layout", ["price-ticker", "ticker-price", "flat"])
def test_yahoo_frame_becomes_a_price_frame_with_both_closes(layout):
    prices = quietly(Yahoo(download=Recorder(yahoo_frame(layout))).fetch, "IBM")
    assert list(prices.columns) == ["open", "high", "low", "close", "adj_close", "volume"]
    assert (prices.index[0], prices.index[-1], len(prices)) == (FIRST, LAST, 8)
    assert prices.loc["2024-01-11", "close"] == pytest.approx(162.16)
    assert prices.loc["2024-01-11", "adj_close"] < prices.loc["2024-01-11", "close"]
    assert prices.attrs["source"] == "yahoo"
    assert prices.attrs["price_column"] == "adj_close"


def test_yahoo_is_asked_for_unadjusted_daily_bars():
    download = Recorder(yahoo_frame())
    Yahoo(download=download).fetch("IBM")
    Yahoo(download=download).fetch("IBM", start=dt.date(2024, 1, 8))
    (_, whole), (_, since) = download.calls
    assert whole["auto_adjust"] is False
    assert whole["interval"] == "1d"
    assert whole["period"] == "max"
    assert since["start"] == "2024-01-08"
    assert "period" not in since


def test_yahoo_frame_of_several_tickers_gives_the_one_asked_for():
    ibm = yahoo_frame()
    other = ibm.rename(columns={"IBM": "MSFT"}, level=1) * 2
    both = pd.concat([ibm, other], axis=1)
    prices = Yahoo(download=Recorder(both)).fetch("ibm")
    assert prices.loc["2024-01-11", "close"] == pytest.approx(162.16)


def test_yahoo_empty_frame_means_an_unknown_symbol():
    empty = pd.DataFrame(columns=pd.MultiIndex.from_product([["Adj Close", "Close"], ["NOPE"]],
                                                            names=["Price", "Ticker"]),
                         index=pd.DatetimeIndex([], name="Date"))
    with pytest.raises(DataError, match=r"Yahoo Finance sent no daily prices for 'NOPE': an unknown or delisted"):
        Yahoo(download=Recorder(empty)).fetch("NOPE")


def test_yahoo_network_failure_is_retried():
    slept = []
    download = Recorder(ConnectionError("reset by peer"), yahoo_frame())
    assert len(Yahoo(download=download, backoff=Backoff(sleep=slept.append)).fetch("IBM")) == 8
    assert slept == [2.0]


def test_yahoo_persistent_failure_is_explained():
    download = Recorder(TimeoutError("timed out"))
    with pytest.raises(DataError, match=r"Yahoo Finance failed for IBM \(TimeoutError: timed out\); try again later"):
        Yahoo(download=download, backoff=Backoff(sleep=lambda _: None)).fetch("IBM")
    assert len(download.calls) == 4


@pytest.mark.skipif(importlib.util.find_spec("yfinance") is not None, reason="yfinance is installed here")
def test_yahoo_without_yfinance_says_how_to_install_it():
    with pytest.raises(ConfigError, match=r'needs the optional yfinance package: pip install "tickercast\[yahoo\]"'):
        Yahoo().fetch("IBM")


def test_yahoo_uses_yfinance_when_installed_and_keeps_its_log_quiet(monkeypatch):
    logger = logging.getLogger("yfinance")
    seen = []

    def download(ticker, **arguments):
        seen.append((ticker, logger.level, arguments["auto_adjust"]))
        return yahoo_frame()

    monkeypatch.setitem(sys.modules, "yfinance", types.SimpleNamespace(download=download))
    assert len(Yahoo().fetch("IBM")) == 8
    assert seen == [("IBM", logging.CRITICAL + 1, False)]
    assert logger.level == logging.NOTSET


# Building sources by name


def test_make_source_builds_by_name_and_refuses_options_a_source_lacks():
    assert make_source("yahoo", api_key=None, adjusted=False).name == "yahoo"
    assert make_source("alphavantage", api_key="k", outputsize="compact").outputsize == "compact"
    with pytest.raises(ConfigError, match="--source yahoo does not take --api-key, --adjusted"):
        make_source("yahoo", api_key="k", adjusted=True)
    with pytest.raises(ConfigError, match="unknown source 'bloomberg'"):
        make_source("bloomberg")


def test_command_line_choices_match_the_library():
    assert cli_data.SOURCES == SOURCES
    assert cli_data.OUTPUTSIZES == OUTPUTSIZES
