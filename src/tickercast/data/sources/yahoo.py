"""Yahoo Finance daily prices through the optional `yfinance` package (`pip install "tickercast[yahoo]"`).

No key and no daily quota, so it is the alternative when Alpha Vantage's free tier runs out. We ask for
`auto_adjust=False`, which keeps both the traded close and the dividend- and split-adjusted close.

We call `Ticker(symbol).history()` with yfinance's exceptions switched on, not `yfinance.download()`: download
catches every failure and hands back an empty frame, so a dropped connection, a timeout and Yahoo's rate limit
would all look like an unknown symbol, and nothing would be retried. `_failure` sorts what yfinance (or the HTTP
library under it, curl_cffi or requests) raises into the kinds the user can act on:

    connection error, DNS, proxy  -> retried, then "cannot reach Yahoo Finance ..."
    timeout                       -> retried, then "did not answer in time ..."
    HTTP 429 / YFRateLimitError   -> retried, then "Yahoo is limiting requests ..."
    HTTP 5xx, an unreadable page  -> retried, then "Yahoo Finance is failing ..."
    unknown or delisted symbol    -> not retried: Yahoo answers 404, or yfinance finds no timezone for it
    another HTTP refusal          -> not retried: yfinance is likely too old for Yahoo's API
Anything else is a bug (in yfinance or here) and keeps its traceback.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

import pandas as pd

from tickercast.data.sources import http
from tickercast.data.sources.base import price_frame
from tickercast.errors import ConfigError, DataError

INSTALL = 'pip install "tickercast[yahoo]"'
_SYMBOLS = "Yahoo writes BRK-B, ^GSPC, VOD.L"
#: curl's framing around its own one-line reason ("Failed to perform, curl: (7) ... See https://curl.se/...").
_CURL_FRAME = re.compile(r"^Failed to perform, curl: \(\d+\) |\.? See https://curl\.se/\S+ first for more details\.?$")


class Yahoo:
    """Fetch daily bars from Yahoo Finance.

    `session` is the HTTP session yfinance uses (None: yfinance makes its own; tests pass one that answers from
    recorded Yahoo answers); `backoff` sets the retries after failures that may pass.

    >>> prices = Yahoo().fetch("IBM", start=dt.date(2024, 1, 1))   # doctest: +SKIP
    """

    name = "yahoo"

    def __init__(self, *, session: Any = None, backoff: http.Backoff | None = None) -> None:
        self.session, self.backoff = session, backoff or http.PATIENT

    def fetch(self, ticker: str, start: dt.date | None = None) -> pd.DataFrame:
        """Daily bars of `ticker` from `start` on (the whole history when None)."""
        yfinance = _yfinance()
        arguments: dict[str, Any] = {"interval": "1d", "auto_adjust": False, "actions": False}
        arguments.update({"start": start.isoformat()} if start else {"period": "max"})

        def attempt() -> pd.DataFrame:
            try:
                with _raising(yfinance):
                    return yfinance.Ticker(ticker, session=self.session).history(**arguments)
            except Exception as error:
                failure = _failure(error, ticker, start, yfinance.exceptions)
                if failure is None:
                    raise  # not a failure we know: a bug, keep the traceback
                raise failure from None

        raw = http.with_retries(attempt, self.backoff).dropna(how="all")
        if raw.empty:
            raise _no_prices(ticker, start)
        raw.index = raw.index.tz_localize(None)  # midnight at the exchange: the trading day itself
        return price_frame(raw, source=self.name, ticker=ticker, start=start, rows="row")


def _yfinance() -> ModuleType:
    """The yfinance module, if it is installed and new enough to raise its errors instead of hiding them."""
    try:
        import yfinance
        import yfinance.exceptions  # _failure reads its classes
    except ImportError:
        raise ConfigError(f"Yahoo Finance needs the optional yfinance package: {INSTALL}") from None
    config = getattr(yfinance, "config", None)
    if config is None or config.debug.hide_exceptions is None:  # yfinance.config.debug arrived in 1.0
        raise ConfigError(f"Yahoo Finance needs yfinance 1.0 or newer (found {yfinance.__version__}) to tell a "
                          f"network failure from an unknown symbol: {INSTALL} --upgrade")
    return yfinance


@contextmanager
def _raising(yfinance: ModuleType) -> Iterator[None]:
    """yfinance with its exceptions on, its log and its warnings off (our error line says what happened, once)."""
    config, logger = yfinance.config.debug, logging.getLogger("yfinance")
    hide, level = config.hide_exceptions, logger.level
    config.hide_exceptions = False
    logger.setLevel(logging.CRITICAL + 1)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", module=r"yfinance(\.|$)")  # its pandas deprecations are not ours
            yield
    finally:
        config.hide_exceptions = hide
        logger.setLevel(level)


def _failure(error: Exception, ticker: str, start: dt.date | None, errors: ModuleType) -> Exception | None:
    """The exception `error` means for the user (TransientError: worth another try), or None for a bug.

    `errors` is `yfinance.exceptions`; the HTTP library's errors (curl_cffi's or requests') are told apart by
    the answer's status and by their class names, so neither library has to be imported here.
    """
    status = getattr(getattr(error, "response", None), "status_code", None)
    if isinstance(error, errors.YFRateLimitError) or status == 429:
        return http.TransientError(f"Yahoo Finance is limiting requests (HTTP 429 Too Many Requests) and refused "
                                   f"{ticker}; wait a few minutes before trying again (Yahoo's limit can last an "
                                   "hour), or use --source alphavantage")
    if isinstance(error, errors.YFTzMissingError) or status == 404:  # every symbol Yahoo knows has a timezone
        return _unknown(ticker)
    if isinstance(error, errors.YFPricesMissingError):
        reason = getattr(error, "yahoo_reason", None)
        if reason is None:  # a known symbol without a trading day in the span asked for
            return _no_prices(ticker, start)
        if any(word in reason.lower() for word in ("delisted", "not found")):
            return _unknown(ticker)
        return DataError(f"Yahoo Finance sent no prices for {ticker}: {http.brief(reason)}")
    server = _server_failure(error, status)
    if server is not None:
        return http.TransientError(f"Yahoo Finance is failing (it sent {server} instead of prices for {ticker}); "
                                   "try again later")
    if status is not None:
        return DataError(f"Yahoo Finance refused the request for {ticker} (HTTP {status}); Yahoo changes its "
                         f"interface often, so upgrade yfinance ({INSTALL} --upgrade)")
    if {cls.__name__ for cls in type(error).__mro__} & {"Timeout", "TimeoutError"}:  # both libraries' Timeout
        return http.TransientError(f"Yahoo Finance did not answer in time for {ticker}; check your internet "
                                   "connection or try again later")
    if isinstance(error, OSError):  # connection refused or reset, DNS, proxy, TLS: both libraries' errors
        reason = http.brief(_CURL_FRAME.sub("", str(error)))
        return http.TransientError(f"cannot reach Yahoo Finance for {ticker} ({type(error).__name__}: {reason}); "
                                   "check your internet connection or proxy, or try again later")
    return None


def _server_failure(error: Exception, status: int | None) -> str | None:
    """What Yahoo sent when it is failing rather than refusing: an HTTP 5xx, its maintenance page, or junk."""
    if status is not None and status >= 500:
        return f"HTTP {status}"
    if "YAHOO! FINANCE IS CURRENTLY DOWN" in str(error):
        return "its 'Will be right back' page"
    if isinstance(error, json.JSONDecodeError):  # e.g. an HTML error page where JSON belongs
        return "an unreadable answer"
    return None


def _unknown(ticker: str) -> DataError:
    return DataError(f"Yahoo Finance does not know the symbol {ticker!r} (unknown or delisted); check it on "
                     f"finance.yahoo.com ({_SYMBOLS})")


def _no_prices(ticker: str, start: dt.date | None) -> DataError:
    since = f" from {start.isoformat()} on" if start else ""
    return DataError(f"Yahoo Finance has no daily prices for {ticker}{since}; check the start date and the "
                     f"symbol ({_SYMBOLS})")
