"""Web sources: recorded Alpha Vantage answers served over real HTTP on 127.0.0.1, and recorded Yahoo answers
handed to the real yfinance package through its HTTP session (see fixtures/fake_yahoo.py)."""

import datetime as dt
import logging
import socket
import sys
import warnings

import pandas as pd
import pytest
import yfinance
from curl_cffi.requests import Session

from tests.data.fixtures import fake_yahoo as recorded_yahoo
from tests.data.fixtures.fake_alphavantage import FIXTURES, KEY, Answer, recorded, serving
from tickercast.cli import data as cli_data
from tickercast.data.sources import SOURCES, make_source
from tickercast.data.sources.alphavantage import OUTPUTSIZES, AlphaVantage
from tickercast.data.sources.http import Backoff
from tickercast.data.sources.yahoo import Yahoo
from tickercast.errors import ConfigError, DataError, TickercastError

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
                            "price_column": "close", "quality": []}


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
    ("av_error_function.json", DataError,
     r"rejected the request for NOPE as malformed \(This API function \(\) does not exist\.\): a proxy rewrote the "
     r"URL or tickercast sent a wrong call; check TICKERCAST_ALPHAVANTAGE_URL"),
    ("av_error_apikey.json", ConfigError, r"refused the API key; set ALPHAVANTAGE_API_KEY or --api-key"),
    ("av_information_demo_key.json", ConfigError, r"refused the API key"),
    ("av_information_premium.json", DataError,
     r"TIME_SERIES_DAILY_ADJUSTED is a premium .*drop --adjusted .*TIME_SERIES_DAILY.*--source yahoo"),
    ("av_information_premium_outputsize.json", DataError, r"only to premium keys; add --outputsize compact"),
    ("av_information_rate_limit.json", DataError,
     r"daily limit \(25 requests a day on a free key\) is used up, so NOPE was not downloaded; run it again "
     r"tomorrow, use a premium key, or use --source yahoo$"),
    ("av_intraday_1min.json", DataError,
     r"sent intraday bars for NOPE \('Time Series \(1min\)'\), but tickercast models daily bars"),
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


@pytest.mark.parametrize(("fixture", "message"), [
    ("av_information_burst.json", r"burst limit \(about 1 request a second on a free key\) stopped the download of "
                                  r"IBM; wait a few seconds and run it again"),
    ("av_note_rate_limit.json", r"per-minute limit stopped the download of IBM; wait a minute and run it again"),
])
def test_rate_limit_that_may_pass_is_retried_then_explained(alphavantage, fixture, message):
    alphavantage.answer(recorded(fixture))
    with pytest.raises(DataError, match=message + r".* \(tried 4 times\)$") as error:
        AlphaVantage().fetch("IBM")
    assert "tomorrow" not in str(error.value)
    assert len(alphavantage.queries) == 4
    assert alphavantage.slept == [2.0, 4.0, 8.0]


def test_the_daily_limit_is_not_retried(alphavantage):
    alphavantage.answer(recorded("av_information_rate_limit.json"))
    with pytest.raises(DataError, match="run it again tomorrow"):
        AlphaVantage().fetch("IBM")
    assert len(alphavantage.queries) == 1
    assert alphavantage.slept == []


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
    source = AlphaVantage(url=f"http://127.0.0.1:{unused_port()}/query",
                          backoff=Backoff(sleep=alphavantage.slept.append))
    with pytest.raises(DataError, match=r"cannot reach Alpha Vantage .*check your internet connection.*tried 4"):
        source.fetch("IBM")
    assert alphavantage.slept == [2.0, 4.0, 8.0]


def test_backoff_delays_grow_up_to_a_cap():
    assert list(Backoff(attempts=6, first=1, factor=3, most=20).delays()) == [1, 3, 9, 20, 20]
    assert list(Backoff(attempts=1).delays()) == []


# Yahoo Finance through the real yfinance, with only its HTTP session replaced by recorded Yahoo answers


@pytest.fixture(scope="module", autouse=True)
def _yfinance_caches_in_tmp(tmp_path_factory):
    """yfinance keeps timezone and cookie caches on disk: keep them out of the user's cache folder."""
    yfinance.set_tz_cache_location(str(tmp_path_factory.mktemp("yfinance-cache")))


@pytest.fixture
def fake_yahoo(monkeypatch):
    """Recorded Yahoo (IBM known, every other symbol unknown); a request that would leave the machine fails."""

    def offline(*_, **__):
        raise recorded_yahoo.UnrecordedRequestError("a test tried to reach the network")

    monkeypatch.setattr(Session, "_request_once", offline)  # where every real curl_cffi request goes
    session = recorded_yahoo.RecordedYahoo({"IBM": "yahoo_chart_ibm.json"})
    yield session
    assert session.unexpected == []


def yahoo(session, slept=None, sleep=None):
    """The Yahoo source on a recorded session, its pauses recorded in `slept` instead of slept."""
    slept = [] if slept is None else slept
    return Yahoo(session=session, backoff=Backoff(sleep=sleep or slept.append))


def test_yahoo_chart_becomes_a_price_frame_with_both_closes(fake_yahoo):
    prices = quietly(yahoo(fake_yahoo).fetch, "IBM")
    assert list(prices.columns) == ["open", "high", "low", "close", "adj_close", "volume"]
    assert (prices.index[0], prices.index[-1], len(prices)) == (FIRST, LAST, 8)
    expected = pd.read_csv(FIXTURES / "yahoo_ibm.csv", header=[0, 1], index_col=0, parse_dates=True)
    assert prices["close"].tolist() == expected[("Close", "IBM")].tolist()
    assert prices["adj_close"].tolist() == expected[("Adj Close", "IBM")].tolist()
    assert prices.attrs == {"origin": "yahoo IBM", "ticker": "IBM", "source": "yahoo", "price_column": "adj_close",
                            "quality": []}


def test_yahoo_is_asked_for_the_whole_daily_history_with_dividends(fake_yahoo):
    yahoo(fake_yahoo).fetch("IBM")
    history = fake_yahoo.chart_requests()[-1]
    assert history["interval"] == "1d"
    assert history["period1"] < pd.Timestamp("1930-01-01").timestamp()  # yfinance's "max": 99 years back
    assert "div" in history["events"]
    assert fake_yahoo.requests[-1][1] == "https://query2.finance.yahoo.com/v8/finance/chart/IBM"


def test_yahoo_start_asks_from_that_day_at_the_exchange(fake_yahoo):
    prices = yahoo(fake_yahoo).fetch("IBM", start=dt.date(2024, 1, 8))
    assert fake_yahoo.chart_requests()[-1]["period1"] == pd.Timestamp("2024-01-08", tz="America/New_York").timestamp()
    assert (prices.index[0], len(prices)) == (pd.Timestamp("2024-01-08"), 4)


def test_yahoo_start_after_the_last_trading_day_says_there_are_no_prices(fake_yahoo):
    with pytest.raises(DataError, match=r"^Yahoo Finance has no daily prices for IBM from 2024-01-12 on; check the "
                                        r"start date"):
        yahoo(fake_yahoo).fetch("IBM", start=dt.date(2024, 1, 12))


def test_yahoo_unknown_symbol_is_said_at_once(fake_yahoo):
    # yfinance meets an unknown symbol in two ways: Yahoo's 404 for its quote lookup (the first two times in a
    # process), then "no timezone found". Three fetches in a fresh process see both; each says the same.
    slept = []
    for _ in range(3):
        with pytest.raises(DataError, match=r"^Yahoo Finance does not know the symbol 'NOPE' \(unknown or "
                                            r"delisted\); check it on finance\.yahoo\.com \(Yahoo writes BRK-B"):
            yahoo(fake_yahoo, slept).fetch("NOPE")
    assert slept == []


def connection_refused():
    return recorded_yahoo.connection_error()


def no_dns():
    return recorded_yahoo.connection_error(recorded_yahoo.CurlECode.COULDNT_RESOLVE_HOST)


def server_error():
    return recorded_yahoo.Answer(503, b"<!doctype html><html><body>Service Unavailable</body></html>", "text/html")


YAHOO_TRANSIENT = {
    "connection refused": (connection_refused, r"^cannot reach Yahoo Finance for IBM \(ConnectionError: Failed to "
                                               r"connect to query2\.finance\.yahoo\.com port 443 after 3 ms: Couldn't "
                                               r"connect to server\); check your internet connection or proxy"),
    "no DNS": (no_dns, r"^cannot reach Yahoo Finance for IBM \(DNSError: Could not resolve host: "
                       r"query2\.finance\.yahoo\.com\); check your internet connection"),
    "timeout": (recorded_yahoo.timeout,
                r"^Yahoo Finance did not answer in time for IBM; check your internet connection"),
    "rate limit": (lambda: recorded_yahoo.TOO_MANY_REQUESTS,
                   r"^Yahoo Finance is limiting requests \(HTTP 429 Too Many Requests\) and refused IBM; wait a few "
                   r"minutes"),
    "server error": (server_error, r"^Yahoo Finance is failing \(it sent an unreadable answer instead of prices "
                                   r"for IBM\); try again later"),
}


@pytest.mark.parametrize(("failure", "message"), YAHOO_TRANSIENT.values(), ids=YAHOO_TRANSIENT)
def test_yahoo_failure_that_may_pass_is_retried_then_explained(fake_yahoo, failure, message):
    fake_yahoo.down(failure())
    slept = []
    with pytest.raises(DataError, match=message + r".* \(tried 4 times\)$"):
        yahoo(fake_yahoo, slept).fetch("IBM")
    assert slept == [2.0, 4.0, 8.0]


@pytest.mark.parametrize("failure", [failure for failure, _ in YAHOO_TRANSIENT.values()], ids=YAHOO_TRANSIENT)
def test_yahoo_failure_that_passes_is_invisible(fake_yahoo, failure):
    fake_yahoo.down(failure())
    slept = []

    def wait(seconds):  # Yahoo is back after the first pause
        slept.append(seconds)
        fake_yahoo.heal()

    assert len(quietly(yahoo(fake_yahoo, sleep=wait).fetch, "IBM")) == 8
    assert slept == [2.0]


def test_yahoo_four_failures_give_four_different_messages(fake_yahoo):
    messages = []
    for ticker, failure in [("IBM", connection_refused()), ("IBM", recorded_yahoo.timeout()),
                            ("IBM", recorded_yahoo.TOO_MANY_REQUESTS), ("NOPE", None)]:
        fake_yahoo.down(failure) if failure is not None else fake_yahoo.heal()
        with pytest.raises(DataError) as error:
            yahoo(fake_yahoo).fetch(ticker)
        messages.append(str(error.value))
    assert len(set(messages)) == 4
    assert [m.split(";")[0].split(" (")[0] for m in messages] == [
        "cannot reach Yahoo Finance for IBM", "Yahoo Finance did not answer in time for IBM",
        "Yahoo Finance is limiting requests", "Yahoo Finance does not know the symbol 'NOPE'"]


def test_yahoo_leaves_yfinance_settings_as_it_found_them(fake_yahoo):
    logger = logging.getLogger("yfinance")
    yahoo(fake_yahoo).fetch("IBM")
    with pytest.raises(DataError):
        yahoo(fake_yahoo).fetch("NOPE")
    assert yfinance.config.debug.hide_exceptions is True
    assert logger.level == logging.NOTSET


def test_yahoo_without_yfinance_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "yfinance", None)  # what Python answers when it is not installed
    with pytest.raises(ConfigError, match=r'needs the optional yfinance package: pip install "tickercast\[yahoo\]"'):
        Yahoo().fetch("IBM")


def test_yahoo_with_a_yfinance_older_than_1_0_asks_for_an_upgrade(monkeypatch):
    monkeypatch.delattr(yfinance, "config")  # yfinance.config arrived in 1.0
    with pytest.raises(ConfigError, match=r"needs yfinance 1\.0 or newer \(found .*\) to tell a network failure "
                                          r"from an unknown symbol: pip install"):
        Yahoo().fetch("IBM")


# Every failure message is one line under 300 characters (realistic long symbols)


def one_short_line(message):
    return "\n" not in message and len(message) < 300


def unused_port():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


ALPHAVANTAGE_FAILURES = {  # name: (answers served, source options)
    **{name: ([recorded(name)], {"adjusted": "premium.json" in name}) for name in [
        "av_error_symbol.json", "av_error_function.json", "av_error_apikey.json", "av_information_demo_key.json",
        "av_information_premium.json", "av_information_premium_outputsize.json", "av_information_rate_limit.json",
        "av_information_burst.json", "av_note_rate_limit.json", "av_intraday_1min.json"]},
    "unknown notice": (['{"Information": "' + "A notice nobody has seen before. " * 12 + '"}'], {}),
    "web page": (["<!DOCTYPE html><html>Sign in to the hotel wifi</html>"], {}),
    "not an object": (["[1, 2, 3]"], {}),
    "no series": (['{"Meta Data": {"2. Symbol": "TSCO.LON"}}'], {}),
    "empty series": (['{"Time Series (Daily)": {}}'], {}),
    "cut off": ([Answer(recorded("av_daily.json"), cut=True)], {}),
    "HTTP 404": ([Answer("not here", status=404)], {}),
    "HTTP 503": ([Answer("oops", status=503)], {}),
    "timeout": ([Answer(recorded("av_daily.json"), delay=5)], {"timeout": 0.2}),
}


@pytest.mark.parametrize(("answers", "options"), ALPHAVANTAGE_FAILURES.values(), ids=ALPHAVANTAGE_FAILURES)
def test_every_alpha_vantage_failure_is_one_short_line(alphavantage, answers, options):
    alphavantage.answer(*answers)
    with pytest.raises(TickercastError) as error:
        AlphaVantage(**options).fetch("TSCO.LON")
    assert one_short_line(str(error.value)), str(error.value)


def test_every_alpha_vantage_setup_failure_is_one_short_line(alphavantage, monkeypatch):
    source = AlphaVantage(url=f"http://127.0.0.1:{unused_port()}/query")
    failures = [lambda: source.fetch("TSCO.LON"), lambda: AlphaVantage(outputsize="huge"),
                lambda: AlphaVantage(datatype="xml")]
    monkeypatch.delenv("ALPHAVANTAGE_API_KEY")
    failures.append(AlphaVantage)
    for failure in failures:
        with pytest.raises(TickercastError) as error:
            failure()
        assert one_short_line(str(error.value)), str(error.value)


YAHOO_FAILURES = {  # name: (how Yahoo fails, symbol, start)
    **{name: (failure, "RELIANCE.NS", None) for name, (failure, _) in YAHOO_TRANSIENT.items()},
    "unknown symbol": (None, "RELIANCE.NS", None),
    "no prices from start": (None, "IBM", dt.date(2024, 1, 12)),
}


@pytest.mark.parametrize(("failure", "ticker", "start"), YAHOO_FAILURES.values(), ids=YAHOO_FAILURES)
def test_every_yahoo_failure_is_one_short_line(fake_yahoo, failure, ticker, start):
    if failure is not None:
        fake_yahoo.down(failure())
    with pytest.raises(TickercastError) as error:
        yahoo(fake_yahoo).fetch(ticker, start)
    assert one_short_line(str(error.value)), str(error.value)


def test_every_yahoo_setup_failure_is_one_short_line(monkeypatch):
    for missing in [lambda: monkeypatch.delattr(yfinance, "config"),
                    lambda: monkeypatch.setitem(sys.modules, "yfinance", None)]:
        missing()
        with pytest.raises(ConfigError) as error:
            Yahoo().fetch("RELIANCE.NS")
        assert one_short_line(str(error.value)), str(error.value)


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
