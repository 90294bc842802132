"""Yahoo Finance daily prices through the optional `yfinance` package (`pip install "tickercast[yahoo]"`).

No key and no daily quota, so it is the alternative when Alpha Vantage's free tier runs out. We ask for
`auto_adjust=False`, which keeps both the traded close and the dividend- and split-adjusted close. yfinance
returns (Price, Ticker) MultiIndex columns in recent versions and flat columns in older ones, and an empty
frame (after logging the reason) for a symbol it does not know; `_one_ticker` takes care of all three.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pandas as pd

from tickercast.data.layout import PRICE_COLUMNS, canonical_name
from tickercast.data.sources import http
from tickercast.data.sources.base import price_frame
from tickercast.errors import ConfigError, DataError

#: yfinance.download's shape: download(ticker, **arguments) -> DataFrame indexed by date.
Download = Callable[..., pd.DataFrame]
INSTALL = 'pip install "tickercast[yahoo]"'


class Yahoo:
    """Fetch daily bars from Yahoo Finance.

    `download` replaces `yfinance.download` (tests feed recorded frames through it); `backoff` sets the
    retries after network failures, which yfinance raises as OSError subclasses or YFRateLimitError.
    """

    name = "yahoo"

    def __init__(self, *, download: Download | None = None, backoff: http.Backoff | None = None) -> None:
        self._download, self.backoff = download, backoff or http.PATIENT

    def fetch(self, ticker: str, start: dt.date | None = None) -> pd.DataFrame:
        """Daily bars of `ticker` from `start` on (the whole history when None)."""
        download, transient = (self._download, (OSError,)) if self._download else _yfinance()
        arguments: dict[str, Any] = {"interval": "1d", "auto_adjust": False, "actions": False,
                                     "progress": False, "threads": False}
        arguments.update({"start": start.isoformat()} if start else {"period": "max"})

        def attempt() -> pd.DataFrame:
            try:
                return download(ticker, **arguments)
            except transient as error:
                raise http.TransientError(f"Yahoo Finance failed for {ticker} ({type(error).__name__}: "
                                          f"{error}); try again later") from None

        raw = _one_ticker(http.with_retries(attempt, self.backoff), ticker)
        if raw.empty:
            raise DataError(f"Yahoo Finance sent no daily prices for {ticker!r}: an unknown or delisted symbol "
                            "(Yahoo writes BRK-B, ^GSPC, VOD.L), or Yahoo is limiting requests; check the symbol "
                            "on finance.yahoo.com or try again later")
        return price_frame(raw, source=self.name, ticker=ticker, start=start, rows="row")


def _yfinance() -> tuple[Download, tuple[type[BaseException], ...]]:
    """yfinance's download, silenced (the CLI speaks for it), and the exceptions worth a retry."""
    try:
        import yfinance
    except ImportError:
        raise ConfigError(f"Yahoo Finance needs the optional yfinance package: {INSTALL}") from None
    rate_limit = getattr(getattr(yfinance, "exceptions", None), "YFRateLimitError", None)

    def download(ticker: str, **arguments: Any) -> pd.DataFrame:
        with _silenced("yfinance"):
            return yfinance.download(ticker, **arguments)

    return download, (OSError, *([rate_limit] if rate_limit else []))


@contextmanager
def _silenced(logger_name: str) -> Iterator[None]:
    """yfinance logs "1 Failed download" itself; our error line already says it, once."""
    logger = logging.getLogger(logger_name)
    level = logger.level
    logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        logger.setLevel(level)


def _one_ticker(frame: pd.DataFrame, ticker: str) -> pd.DataFrame:
    """Flat price columns for `ticker`: drop yfinance's Ticker level, whichever side `group_by` put it."""
    frame = frame.dropna(how="all")
    if frame.empty or not isinstance(frame.columns, pd.MultiIndex):
        return frame
    levels = [frame.columns.get_level_values(level) for level in range(frame.columns.nlevels)]
    prices = [i for i, names in enumerate(levels) if any(canonical_name(n) in PRICE_COLUMNS for n in names)]
    if frame.columns.nlevels != 2 or len(prices) != 1:
        raise DataError(f"Yahoo Finance sent columns tickercast cannot read ({list(frame.columns)[:4]}); "
                        f"upgrade yfinance ({INSTALL} --upgrade)")
    other = 1 - prices[0]
    tickers = list(dict.fromkeys(levels[other]))
    if len(tickers) == 1:
        return frame.droplevel(other, axis=1)
    matches = [name for name in tickers if str(name).upper() == ticker.upper()]
    if not matches:
        raise DataError(f"Yahoo Finance sent prices for {', '.join(map(str, tickers))}, not {ticker}")
    return frame.xs(matches[0], axis=1, level=other).dropna(how="all")
