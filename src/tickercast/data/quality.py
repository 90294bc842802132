"""Defects real price files carry, found and named but never repaired: the user decides what to do.

Five kinds, each a pure function of a PriceFrame's columns:

- `split`: a one-day move within 4% of a split ratio (-50%, -66.7%, -75%, -80%, -85.7%, -90%, or the inverse)
  that does not revert the next day: an unadjusted split (Alpha Vantage's free daily series is unadjusted).
- `bar`: an impossible bar: open or close outside [low, high], a high below the low, a low at or below zero.
- `outlier`: a one-day price that is 40% or more away from both neighbours, which agree with each other within
  10%: a bad print that reverts the next day.
- `gap`: trading days of the exchange's calendar missing inside the ticker's history.
- `volume`: a volume of 0 in a series that traded on at least 99% of the days before: a volume that was not
  recorded, not a day without trades (an index or a liquid stock does not stop trading for a day and go on).

`quality_flags` runs them all and returns one `Flag` per kind found; the validation gate warns one line per flag
and keeps them in `prices.attrs["quality"]`, so the CLI, the JSON and the report can list them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: One-day price ratios (new / old) that a split of 2, 3, 4, 5, 7 or 10 for 1, or the reverse, produces.
SPLIT_RATIOS = (1 / 2, 1 / 3, 1 / 4, 1 / 5, 1 / 7, 1 / 10, 2.0, 3.0, 4.0, 5.0, 7.0, 10.0)
_SPLIT_TOLERANCE = 0.04  # the day's own move on top of the split
_PRINT_JUMP = np.log(1.4)  # a bad print is at least 40% away from both neighbours ...
_PRINT_AGREE = np.log(1.1)  # ... which agree with each other within 10%
_SHOWN = 3  # dates named in a message

_ADVICE = {
    "split": "use adjusted prices (--price-column adj_close, Alpha Vantage --adjusted, or --source yahoo)",
    "bar": "check the open, high and low columns (the model uses only the price column)",
    "outlier": "check those days against another source",
    "gap": "the model treats the days around each gap as consecutive",
    "volume": "the volume feature carries the previous day's volume over them",
}
#: A series with volume on at least this share of its (at least _HISTORY) earlier days records every day's volume;
#: its zeros are gaps.
_TRADES_EVERY_DAY, _HISTORY = 0.99, 20


@dataclass(frozen=True)
class Flag:
    """One kind of defect found in a series, with every date it was found on (ISO strings, oldest first)."""

    kind: str
    dates: tuple[str, ...]
    detail: str

    def message(self, origin: str) -> str:
        """One line for the terminal: what, how many, the first dates, and what to do."""
        shown = ", ".join(self.dates[:_SHOWN]) + (", ..." if len(self.dates) > _SHOWN else "")
        return f"{origin}: {self.detail} on {shown}; {_ADVICE[self.kind]}"

    def to_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "count": len(self.dates), "dates": list(self.dates), "detail": self.detail}


def unadjusted_splits(prices: pd.Series) -> pd.DatetimeIndex:
    """Days whose move from the day before is a split ratio and is not undone the next day.

    >>> days = pd.bdate_range("2024-01-01", periods=4)
    >>> list(unadjusted_splits(pd.Series([100.0, 101, 50.4, 51], index=days)).strftime("%m-%d"))
    ['01-03']
    """
    ratio = (prices / prices.shift(1)).to_numpy()
    near = np.zeros(len(ratio), dtype=bool)
    for split in SPLIT_RATIOS:
        near |= np.abs(ratio / split - 1) < _SPLIT_TOLERANCE
    printed = _reverted(prices)
    undone = np.concatenate([[False], printed[:-1]])  # the day a bad print is undone moves like a split too
    return prices.index[near & ~printed & ~undone]


def bad_prints(prices: pd.Series) -> pd.DatetimeIndex:
    """Days whose price jumps far from both neighbours while the neighbours agree: a print that reverts.

    >>> days = pd.bdate_range("2024-01-01", periods=5)
    >>> list(bad_prints(pd.Series([100.0, 101, 50, 102, 101], index=days)).strftime("%m-%d"))
    ['01-03']
    """
    return prices.index[_reverted(prices)]


def impossible_bars(frame: pd.DataFrame) -> pd.DatetimeIndex:
    """Days whose open/high/low/close cannot all be true: open or close outside [low, high], high < low, low <= 0.

    Only the columns a file has are checked; a missing value checks nothing.
    """
    if not {"high", "low"} <= set(frame):
        return frame.index[:0]
    high, low = frame["high"], frame["low"]
    bad = (high < low) | (low <= 0)
    for column in ("open", "close"):
        if column in frame:
            bad |= (frame[column] > high) | (frame[column] < low)
    return frame.index[bad.fillna(False).to_numpy(dtype=bool)]


def unrecorded_volume(volume: pd.Series) -> np.ndarray:
    """True on days of zero volume in a series that had volume on at least 99% of the (20 or more) days before.

    Decided from the days before each one only, so a volume feature that relies on it knows no later day.

    >>> unrecorded_volume(pd.Series([5.0] * 199 + [0.0])).nonzero()[0].tolist()
    [199]
    """
    values = volume.to_numpy(dtype=float)
    traded = (np.isfinite(values) & (values > 0)).astype(float)
    before = np.concatenate([[0.0], np.cumsum(traded)[:-1]])  # days with volume before each day
    days = np.arange(len(values))
    with np.errstate(invalid="ignore", divide="ignore"):
        trades_every_day = (days >= _HISTORY) & (before >= _TRADES_EVERY_DAY * days)
    return (values == 0) & trades_every_day


def missing_days(dates: pd.DatetimeIndex, expected: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """The expected trading days between a series' first and last date that it does not have."""
    if len(dates) == 0:
        return dates
    inside = expected[(expected > dates[0]) & (expected < dates[-1])]
    return inside.difference(dates)


def quality_flags(frame: pd.DataFrame, price_column: str, expected: pd.DatetimeIndex | None = None,
                  exchange: str = "") -> list[Flag]:
    """Every kind of defect in a PriceFrame, one Flag each; `expected` (the exchange's trading days) adds gaps."""
    prices = frame[price_column]
    found = {"split": unadjusted_splits(prices), "bar": impossible_bars(frame), "outlier": bad_prints(prices)}
    if "volume" in frame:
        found["volume"] = frame.index[unrecorded_volume(frame["volume"])]
    if expected is not None:
        found["gap"] = missing_days(frame.index, expected)
    flags = []
    for kind, days in found.items():
        if len(days):
            flags.append(Flag(kind, tuple(days.strftime("%Y-%m-%d")), _detail(kind, days, prices, expected,
                                                                               exchange)))
    return flags


def _reverted(prices: pd.Series) -> np.ndarray:
    """True on days that jump at least 40% from the day before and come back the day after."""
    logs = np.log(prices.to_numpy(dtype=float))
    before = np.full(len(logs), np.nan)
    after = np.full(len(logs), np.nan)
    span = np.full(len(logs), np.nan)
    before[1:] = logs[1:] - logs[:-1]
    after[:-1] = logs[1:] - logs[:-1]
    span[1:-1] = logs[2:] - logs[:-2]
    with np.errstate(invalid="ignore"):
        return ((np.abs(before) >= _PRINT_JUMP) & (np.abs(after) >= _PRINT_JUMP)
                & (np.sign(before) != np.sign(after)) & (np.abs(span) < _PRINT_AGREE))


def _detail(kind: str, days: pd.DatetimeIndex, prices: pd.Series, expected: pd.DatetimeIndex | None,
            exchange: str) -> str:
    count = len(days)
    if kind == "split":
        move = (prices / prices.shift(1) - 1).loc[days[0]]
        return f"{_counted(count, 'one-day move')} like an unadjusted split (the first {move:+.1%})"
    if kind == "bar":
        return f"{_counted(count, 'impossible bar')} (open or close outside low..high, high below low, or low <= 0)"
    if kind == "outlier":
        return f"{_counted(count, 'one-day price')} that revert the next day (bad prints)"
    if kind == "volume":
        return f"{_counted(count, 'day')} of volume 0 in a series that trades every day (unrecorded volume)"
    assert expected is not None
    runs = int((np.diff(expected.get_indexer(days)) > 1).sum()) + 1  # consecutive trading days make one run
    return f"{_counted(count, 'trading day')} of {exchange or 'the exchange'} missing, in {_counted(runs, 'run')}"


def _counted(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"
