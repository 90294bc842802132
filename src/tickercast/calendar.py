"""The next trading days of the US stock market: weekdays that are not NYSE holidays or special closures."""

from __future__ import annotations

import pandas as pd


def next_trading_days(last: pd.Timestamp, count: int) -> pd.DatetimeIndex:
    """The `count` NYSE trading days after `last` (holidays from the `holidays` package's NYSE calendar).

    >>> list(next_trading_days(pd.Timestamp("2018-12-21"), 3).strftime("%Y-%m-%d"))   # Christmas is skipped
    ['2018-12-24', '2018-12-26', '2018-12-27']
    """
    import holidays

    years = range(last.year, last.year + 2 + count // 200)
    closed = holidays.financial_holidays("NYSE", years=years)
    days = pd.bdate_range(last + pd.Timedelta(days=1), periods=count * 2 + 10)
    return pd.DatetimeIndex([day for day in days if day.date() not in closed][:count], name="date")
