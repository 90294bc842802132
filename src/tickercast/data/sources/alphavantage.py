"""Alpha Vantage daily prices: TIME_SERIES_DAILY (free) or TIME_SERIES_DAILY_ADJUSTED (premium), JSON or CSV.

Alpha Vantage answers most refusals with HTTP 200 and a one-key JSON body, so reading the body is part of
error handling:

    {"Error Message": "Invalid API call. ..."}           unknown symbol: fail, never retry
    {"Error Message": "This API function (X) does not exist."}
                                                          a malformed request (a bug or a proxy): fail
    {"Error Message": "the parameter apikey is invalid"}  bad or missing key: fail, never retry
    {"Information": "... (1 request per second) ..."}     burst limit: retry with backoff, then fail
    {"Note": "... 5 calls per minute ..."}                per-minute limit (older keys): retry, then fail
    {"Information": "... 25 requests per day ..."}        daily limit: fail at once (tomorrow is too far)
    {"Information": "... This is a premium endpoint ..."} premium only: fail, suggest the free way

An answer holding intraday bars ("Time Series (1min)") is refused: tickercast models daily bars.

The free tier allows 25 requests a day (and about one a second); `outputsize=compact` (the last 100 days) is
enough to bring a stored ticker up to date, so `outputsize="auto"` asks for `full` only when it must.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os

import numpy as np
import pandas as pd

from tickercast.data.layout import canonical_name
from tickercast.data.sources import http
from tickercast.data.sources.base import price_frame
from tickercast.errors import ConfigError, DataError

URL = "https://www.alphavantage.co/query"
URL_VARIABLE = "TICKERCAST_ALPHAVANTAGE_URL"
KEY_VARIABLE = "ALPHAVANTAGE_API_KEY"
OUTPUTSIZES = ("auto", "compact", "full")
DATATYPES = ("json", "csv")
SERVICE = "Alpha Vantage"
_COMPACT_DAYS = 100  # rows in an outputsize=compact answer
_KEY_PAGE = "https://www.alphavantage.co/support/#api-key"
_DAILY_SERIES = "Time Series (Daily)"  # the key of both daily functions' bars


class AlphaVantage:
    """Fetch daily bars from Alpha Vantage.

    The key comes from `api_key` or the ALPHAVANTAGE_API_KEY variable; the URL from `url` or
    TICKERCAST_ALPHAVANTAGE_URL (tests point it at a local server). `backoff` sets the retries
    (default `http.PATIENT`).

    >>> prices = AlphaVantage().fetch("IBM", start=dt.date(2024, 1, 1))   # doctest: +SKIP
    """

    name = "alphavantage"

    def __init__(self, api_key: str | None = None, *, adjusted: bool = False, outputsize: str = "auto",
                 datatype: str = "json", url: str | None = None, timeout: float = 30.0,
                 backoff: http.Backoff | None = None) -> None:
        key = (api_key or os.environ.get(KEY_VARIABLE, "")).strip()
        if not key:
            raise ConfigError(f"Alpha Vantage needs an API key: set {KEY_VARIABLE} or pass --api-key (a free key "
                              f"takes a minute at {_KEY_PAGE}), or use --source yahoo")
        if outputsize not in OUTPUTSIZES:
            raise ConfigError(f"unknown outputsize {outputsize!r}; use one of: {', '.join(OUTPUTSIZES)}")
        if datatype not in DATATYPES:
            raise ConfigError(f"unknown datatype {datatype!r}; use one of: {', '.join(DATATYPES)}")
        self.api_key, self.adjusted, self.outputsize, self.datatype = key, adjusted, outputsize, datatype
        self.url = url or os.environ.get(URL_VARIABLE) or URL
        self.timeout, self.backoff = timeout, backoff or http.PATIENT

    @property
    def function(self) -> str:
        return "TIME_SERIES_DAILY_ADJUSTED" if self.adjusted else "TIME_SERIES_DAILY"

    def fetch(self, ticker: str, start: dt.date | None = None) -> pd.DataFrame:
        """Daily bars of `ticker` from `start` on (all Alpha Vantage has when None)."""
        params = {"function": self.function, "symbol": ticker, "outputsize": self.size_for(start),
                  "datatype": self.datatype, "apikey": self.api_key}
        raw, rows = http.with_retries(lambda: self._download(params, ticker), self.backoff)
        return price_frame(raw, source=self.name, ticker=ticker, start=start, rows=rows)

    def size_for(self, start: dt.date | None, today: dt.date | None = None) -> str:
        """`compact` when the last 100 trading days surely reach back to `start`, else `full` (for "auto")."""
        if self.outputsize != "auto":
            return self.outputsize
        if start is None:
            return "full"
        weekdays = int(np.busday_count(start, today or dt.date.today()))  # >= trading days (holidays)
        return "compact" if weekdays < _COMPACT_DAYS - 5 else "full"

    def _download(self, params: dict[str, str], ticker: str) -> tuple[pd.DataFrame, str]:
        """One request: the raw table and what its row labels are, or the error its answer means."""
        body = http.get_text(self.url, params, timeout=self.timeout, service=SERVICE).lstrip("\ufeff \r\n\t")
        if body.startswith("{"):
            answer = _json(body, ticker)
            notice = answer.get("Error Message") or answer.get("Information") or answer.get("Note")
            if notice is not None:
                raise _notice_error(str(notice), "Error Message" in answer, ticker, self.function)
            return _json_table(answer, ticker), "day"
        if body.startswith("<"):
            raise DataError(f"{SERVICE} answered {ticker} with a web page, not prices; check {URL_VARIABLE} "
                            "and whether a proxy or login page sits between you and the internet")
        return _csv_table(body, ticker), "line"


def _notice_error(notice: str, is_error: bool, ticker: str, function: str) -> Exception:
    """The exception one of Alpha Vantage's HTTP-200 notices means (TransientError: worth retrying)."""
    text = notice.lower()
    limit = _rate_limit(text)  # the daily limit's notice says "we detected your API key as ..."
    if ("apikey" in text or "api key" in text) and limit is None:
        return ConfigError(f"Alpha Vantage refused the API key; set {KEY_VARIABLE} or --api-key to a valid "
                           f"key (free at {_KEY_PAGE})")
    if is_error and "does not exist" in text:
        return DataError(f"Alpha Vantage rejected the request for {ticker} as malformed ({http.brief(notice)}): "
                         f"a proxy rewrote the URL or tickercast sent a wrong call; check {URL_VARIABLE} and any "
                         "proxy, or upgrade tickercast")
    if is_error:
        return DataError(f"Alpha Vantage does not know the symbol {ticker!r} ({function}: invalid API call); "
                         "check the symbol (e.g. IBM, or TSCO.LON outside the US) or try --source yahoo")
    if limit == "second":
        return http.TransientError(f"Alpha Vantage's burst limit (about 1 request a second on a free key) stopped "
                                   f"the download of {ticker}; wait a few seconds and run it again, or fetch "
                                   "fewer tickers at once")
    if limit == "minute":
        return http.TransientError(f"Alpha Vantage's per-minute limit stopped the download of {ticker}; wait a "
                                   "minute and run it again, or use a premium key")
    if limit == "day":
        return DataError(f"Alpha Vantage's daily limit (25 requests a day on a free key) is used up, so {ticker} "
                         "was not downloaded; run it again tomorrow, use a premium key, or use --source yahoo")
    if "premium" in text and "outputsize" in text:
        return DataError(f"Alpha Vantage serves the full history of {ticker} only to premium keys; add "
                         "--outputsize compact for the last 100 days, or use --source yahoo")
    if "premium" in text:
        return DataError(f"{function} is a premium Alpha Vantage endpoint; drop --adjusted to use the free "
                         "TIME_SERIES_DAILY (close only), or use --source yahoo for adjusted closes")
    return DataError(f"Alpha Vantage sent no prices for {ticker}: {http.brief(notice, 200)}")


def _rate_limit(text: str) -> str | None:
    """Which of Alpha Vantage's limits a (lower-cased) notice reports: "second", "minute", "day" or None.

    Checked in this order because the burst notice also mentions the daily limit ("... the free key rate limit
    (25 requests per day) ...") and the old per-minute notice also mentions a daily one.
    """
    if "per second" in text or "burst" in text:
        return "second"
    if "per minute" in text:
        return "minute"
    if "per day" in text:
        return "day"
    return None


def _json(body: str, ticker: str) -> dict:
    try:
        answer = json.loads(body)
    except json.JSONDecodeError as error:  # a cut-off body: the connection dropped mid-answer
        raise http.TransientError(f"{SERVICE} sent an unreadable answer for {ticker} ({error.msg}); try "
                                  "again later") from None
    if not isinstance(answer, dict):
        raise DataError(f"{SERVICE} sent an unexpected answer for {ticker} (a JSON {type(answer).__name__})")
    return answer


def _json_table(answer: dict, ticker: str) -> pd.DataFrame:
    """{"Time Series (Daily)": {"2024-01-05": {"1. open": "160.1", ...}, ...}} -> one row per day.

    Intraday bars ("Time Series (1min)", from TIME_SERIES_INTRADAY) are refused rather than read as days.
    """
    intraday = [key for key in answer if key.startswith("Time Series (") and key != _DAILY_SERIES]
    if intraday:
        raise DataError(f"{SERVICE} sent intraday bars for {ticker} ({intraday[0]!r}), but tickercast models "
                        f"daily bars; check {URL_VARIABLE} and any proxy, or resample the bars to one a day")
    series = answer.get(_DAILY_SERIES)
    if not isinstance(series, dict) or not all(isinstance(bar, dict) for bar in series.values()):
        found = ", ".join(map(repr, answer)) or "nothing"
        raise DataError(f"{SERVICE} sent no daily prices for {ticker} (the answer holds {found}); try again "
                        "later or use --source yahoo")
    if not series:
        raise DataError(f"{SERVICE} has no daily prices for {ticker}; check the symbol or use --source yahoo")
    table = pd.DataFrame.from_dict(series, orient="index", dtype=object)
    table.insert(0, "date", table.index)
    return _oldest_first(table)


def _csv_table(body: str, ticker: str) -> pd.DataFrame:
    """timestamp,open,high,low,close,volume rows, labelled by their line in the body."""
    try:
        table = pd.read_csv(io.StringIO(body), dtype=str, keep_default_na=False, index_col=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as error:
        first_line = str(error).strip().splitlines()[-1] if str(error).strip() else type(error).__name__
        raise DataError(f"{SERVICE} sent an unreadable CSV for {ticker} ({first_line})") from None
    table.index = pd.RangeIndex(2, len(table) + 2)  # line numbers of the body (header is line 1)
    return _oldest_first(table)


def _oldest_first(table: pd.DataFrame) -> pd.DataFrame:
    """Alpha Vantage lists the newest day first; put the oldest first so validation has nothing to repair.

    ISO dates sort as text; an unreadable date is left to the validation gate to name.
    """
    dates = [column for column in table.columns if canonical_name(column) == "date"]
    return table.sort_values(dates[0], kind="stable") if dates else table
