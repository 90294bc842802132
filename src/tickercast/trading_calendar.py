"""The trading days of any stock exchange, from the maintained `exchange_calendars` library.

Exchanges are named by their ISO 10383 market identifier (MIC): XNYS (New York, the default), XLON, XETR, XWAR,
XNSE, XTKS, ... `exchange_calendars` keeps each one's holidays and special closures (50+ exchanges), so nothing
here is a hand-kept holiday list. It is imported only when a date is needed: it costs most of a second, and
`tickercast --help` must stay instant.

Which exchange a series trades on: what the user says (`--exchange`), else what the data says (a PriceFrame's
`attrs["exchange"]`, from the store or the ticker's Yahoo suffix: `exchange_for`, `.NS` -> XNSE, `.L` -> XLON, ...),
else XNYS.

The library records some exchanges' holidays only for a range of years (XBOM: 1997 to 2026). Days outside that
range are counted as weekdays, with a warning: a forecast dated there may land on a holiday.
"""

from __future__ import annotations

import contextlib
import difflib
import functools
import warnings
from collections.abc import Iterator
from typing import Any

import pandas as pd

from tickercast.errors import ConfigError, TickercastWarning, shown

DEFAULT_EXCHANGE = "XNYS"
#: Yahoo Finance's ticker suffixes (its "exchanges and data providers" list) and the exchange each one means.
SUFFIXES = {
    "NS": "XNSE", "BO": "XBOM", "L": "XLON", "IL": "XLON", "DE": "XETR", "F": "XFRA", "DU": "XDUS", "HM": "XHAM",
    "SG": "XSTU", "WA": "XWAR", "PA": "XPAR", "AS": "XAMS", "BR": "XBRU", "LS": "XLIS", "MC": "XMAD", "MI": "XMIL",
    "SW": "XSWX", "VI": "XWBO", "CO": "XCSE", "ST": "XSTO", "HE": "XHEL", "OL": "XOSL", "IR": "XDUB", "AT": "ASEX",
    "IS": "XIST", "PR": "XPRA", "BD": "XBUD", "TL": "XTAL", "RG": "XRIS", "VS": "XLIT", "IC": "XICE", "ME": "XMOS",
    "TO": "XTSE", "V": "XTSE", "SA": "BVMF", "MX": "XMEX", "BA": "XBUE", "SN": "XSGO", "T": "XTKS", "HK": "XHKG",
    "SS": "XSHG", "SZ": "XSHG", "KS": "XKRX", "KQ": "XKRX", "TW": "XTAI", "TWO": "XTAI", "SI": "XSES", "KL": "XKLS",
    "BK": "XBKK", "JK": "XIDX", "AX": "XASX", "NZ": "XNZE", "JO": "XJSE", "TA": "XTAE", "SR": "XSAU",
}
#: Exchanges the library has no calendar of, and the one whose trading days they share: the National Stock
#: Exchange of India closes on the same days as the Bombay Stock Exchange (one holiday list for both markets);
#: Shenzhen is open on Shanghai's days (SZ above).
SAME_DAYS = {"XNSE": "XBOM"}
_HOW_TO_LIST = "list them with: python -c \"import exchange_calendars as x; print(x.get_calendar_names())\""


def exchange_for(ticker: str | None) -> str:
    """The exchange a ticker trades on, by Yahoo's suffix convention; XNYS when it has no known suffix.

    >>> exchange_for("RELIANCE.NS"), exchange_for("VOD.L"), exchange_for("BRK.B"), exchange_for("^GSPC")
    ('XNSE', 'XLON', 'XNYS', 'XNYS')
    """
    _, dot, suffix = (ticker or "").strip().upper().rpartition(".")
    return SUFFIXES.get(suffix, DEFAULT_EXCHANGE) if dot else DEFAULT_EXCHANGE


def check_exchange(code: str) -> str:
    """`code` as a known exchange's MIC (upper case; the library's aliases such as LSE resolved), or ConfigError."""
    name = str(code).strip().upper()
    if name == DEFAULT_EXCHANGE or name in SUFFIXES.values() or name in SAME_DAYS:
        return name  # known without importing the library (a test checks that it knows each of them)
    import exchange_calendars

    known = exchange_calendars.get_calendar_names(include_aliases=True)
    if name in known:
        return exchange_calendars.resolve_alias(name)
    close = difflib.get_close_matches(name, [*known, *SAME_DAYS], n=1)
    hint = f"did you mean {close[0]}? " if close else ""
    raise ConfigError(f"unknown exchange {shown(code)}; {hint}use an ISO MIC code such as XNYS, XLON, XETR, XNSE or "
                      f"XWAR ({_HOW_TO_LIST})")


def resolve_exchange(own: str | None, explicit: str | None = None, *, ticker: str | None = None,
                     default: str | None = None) -> str:
    """The exchange of a series: the user's `explicit` code (`--exchange`), else `default` (what a saved model
    knows of this ticker), else the data's `own` (a PriceFrame's `attrs["exchange"]`: the store's record, or
    one the loader was given), else what the ticker's suffix names.

    The user's word comes first: it is the one thing here that was said about this very run.

    >>> resolve_exchange("XNYS", ticker="INFY"), resolve_exchange("XNYS", "xnse", ticker="INFY")
    ('XNYS', 'XNSE')
    """
    for code in (explicit, default, own):
        if code:
            return check_exchange(code)
    return exchange_for(ticker)


def trading_days(exchange: str, start: Any, end: Any) -> pd.DatetimeIndex:
    """The trading days of `exchange` from `start` to `end`, both included (tz-naive dates, named `date`).

    >>> list(trading_days("XNYS", "2018-12-21", "2018-12-27").strftime("%m-%d"))   # Christmas is skipped
    ['12-21', '12-24', '12-26', '12-27']
    """
    first, last = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    exchange = check_exchange(exchange)
    name = SAME_DAYS.get(exchange, exchange)
    if last < first:
        return pd.DatetimeIndex([], name="date", dtype="datetime64[ns]")
    bounds = _bounds(name)
    sessions = _sessions(name, max(first, bounds[0]), min(last, bounds[1])) if bounds else None
    if sessions is None:
        warnings.warn(f"exchange_calendars cannot build the {exchange} calendar here; its days count as weekdays, "
                      "holidays or not", TickercastWarning, stacklevel=2)
        return pd.DatetimeIndex(pd.bdate_range(first, last).as_unit("ns"), name="date")
    low, high = bounds
    if first < low or last > high:
        warnings.warn(f"exchange_calendars knows the holidays of {exchange} from {low:%Y-%m-%d} to {high:%Y-%m-%d}; "
                      "days outside that range count as weekdays, holidays or not", TickercastWarning, stacklevel=2)
        before = pd.bdate_range(first, min(last, low - pd.Timedelta(days=1)))
        sessions = before.append([sessions, pd.bdate_range(max(first, high + pd.Timedelta(days=1)), last)])
    return pd.DatetimeIndex(sessions.as_unit("ns"), name="date", freq=None)


def next_trading_days(last: pd.Timestamp, count: int, exchange: str = DEFAULT_EXCHANGE) -> pd.DatetimeIndex:
    """The `count` trading days of `exchange` after `last`.

    >>> list(next_trading_days(pd.Timestamp("2018-12-21"), 3).strftime("%Y-%m-%d"))   # Christmas is skipped
    ['2018-12-24', '2018-12-26', '2018-12-27']
    """
    span = 2 * count + 30  # calendar days: weekends, and the longest closures (a lunar new year's week)
    while True:
        days = trading_days(exchange, last + pd.Timedelta(days=1), last + pd.Timedelta(days=span))
        if len(days) >= count:
            return days[:count]
        span *= 2


@functools.cache
def _bounds(name: str) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """The first and last day whose holidays the library records for this calendar (or no limit); None if the
    library cannot build it at all (in exchange_calendars 4.13.2 with pandas 3: ASEX and XTAE)."""
    import exchange_calendars

    try:
        with _quietly():
            calendar = exchange_calendars.get_calendar(name)
    except Exception:  # any failure of the library's own construction is its bug, not the user's
        return None
    low, high = calendar.bound_min(), calendar.bound_max()
    return (pd.Timestamp(low) if low is not None else pd.Timestamp.min.ceil("D"),
            pd.Timestamp(high) if high is not None else pd.Timestamp.max.floor("D"))


def _sessions(name: str, first: pd.Timestamp, last: pd.Timestamp) -> pd.DatetimeIndex | None:
    """The library's sessions from `first` to `last` (none if last < first); None if it cannot build them."""
    try:
        with _quietly():
            calendar = _calendar(name, first.year, last.year)
    except Exception:  # the library's bug (e.g. XTAE's Sunday sessions under pandas 3), not the user's
        return None
    sessions = calendar.sessions  # the whole years: a holiday at either end of the range is no error
    return sessions[(sessions >= first) & (sessions <= last)]


@functools.lru_cache(maxsize=32)
def _calendar(name: str, first_year: int, last_year: int) -> Any:
    """The library's calendar for whole years (so that nearby requests share one), within its bounds."""
    import exchange_calendars

    low, high = _bounds(name)
    start = max(pd.Timestamp(year=first_year, month=1, day=1), low)
    end = min(pd.Timestamp(year=last_year, month=12, day=31), high)
    with _quietly():
        return exchange_calendars.get_calendar(name, start=start, end=end)


@contextlib.contextmanager
def _quietly() -> Iterator[None]:
    """The library's own deprecation notices (about pandas' future) are for its authors, not our users."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        yield
