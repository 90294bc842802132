"""Chronological train / validation / test splits, by fraction, row count or date.

Split positions are days of the price series. Every model is scored on the same validation and test days,
whatever its lookback, and the naive forecast on exactly those days too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from tickercast.config import TEST_SIZE, VAL_SIZE
from tickercast.errors import ConfigError, SeriesTooShortError

#: Fewest training windows we accept: below this a network learns nothing worth measuring.
MIN_TRAIN_WINDOWS = 30
PARTS = ("train", "val", "test")


@dataclass(frozen=True)
class Split:
    """Days [0, train_end) train, [train_end, val_end) validate, [val_end, n) test."""

    train_end: int
    val_end: int
    n: int

    def days(self, part: str) -> range:
        return {"train": range(0, self.train_end), "val": range(self.train_end, self.val_end),
                "test": range(self.val_end, self.n)}[part]

    def part_of(self, day: int) -> str:
        return "train" if day < self.train_end else "val" if day < self.val_end else "test"


def make_split(dates: pd.DatetimeIndex, *, test_size: float = TEST_SIZE, val_size: float = VAL_SIZE,
               test_start: str | None = None, val_start: str | None = None) -> Split:
    """Cut the dates into train, validation and test parts, in time order.

    Sizes below 1 are fractions of all rows (rounded up); sizes of 1 or more are row counts. A start date
    overrides the size: `test_start="2017-01-01"` puts every day from then on in the test part.

    >>> make_split(pd.bdate_range("2024-01-01", periods=100), test_size=0.2, val_size=0.1)
    Split(train_end=70, val_end=80, n=100)
    """
    n = len(dates)
    check_sizes(test_size, val_size)
    val_end = n - _rows(test_size, n) if test_start is None else _position(dates, test_start)
    if val_start is None:
        train_end = val_end - _rows(val_size, n)
    else:
        train_end = _position(dates, val_start)
        if train_end > val_end:
            raise ConfigError(f"validation start {val_start} is after the test start")
    return Split(train_end=max(train_end, 0), val_end=max(val_end, 0), n=n)


def checked_split(dates: pd.DatetimeIndex, first_day: int, *, origin: str = "data", test_size: float = TEST_SIZE,
                  val_size: float = VAL_SIZE, test_start: str | None = None, val_start: str | None = None,
                  settings: str = "these settings") -> Split:
    """The chronological split of `dates`, refused (SeriesTooShortError) if a model whose first forecast is day
    `first_day` would have too little to train on or nothing to test: the one split every command makes.

    `settings` names what made the series too short, for the message (e.g. "lookback 60 and this split").
    """
    split = make_split(dates, test_size=test_size, val_size=val_size, test_start=test_start, val_start=val_start)
    by_fraction = test_start is None and val_start is None and max(test_size, val_size) < 1
    check_long_enough(split, first_day, sizes=(test_size, val_size) if by_fraction else None, settings=settings,
                      origin=origin)
    return split


def split_dates(split: Split, dates: pd.DatetimeIndex) -> dict[str, dict[str, object]]:
    """First and last date and the number of days of each part, as config.json and the report show them."""
    parts = {}
    for part in PARTS:
        days = split.days(part)
        if len(days):
            parts[part] = {"start": f"{dates[days.start]:%Y-%m-%d}", "end": f"{dates[days.stop - 1]:%Y-%m-%d}",
                           "days": len(days)}
    return parts


def check_long_enough(split: Split, first_day: int, *, settings: str, origin: str = "data",
                      sizes: tuple[float, float] | None = None) -> None:
    """Raise SeriesTooShortError, saying what is missing and how many rows would do, if a part is too small.

    `first_day` is the first day a model can predict (its lookback, plus one for returns); `sizes` are the
    fractional (test, validation) sizes, when the split was made from them, to compute the rows needed.
    """
    train_windows = split.train_end - first_day
    problems = []
    if train_windows < MIN_TRAIN_WINDOWS:
        problems.append(f"{max(train_windows, 0)} training windows (need {MIN_TRAIN_WINDOWS})")
    if split.n <= split.val_end:
        problems.append("no test days")
    if not problems:
        return
    needed = f"; it needs at least {rows_needed(first_day, *sizes)} rows" if sizes else ""
    raise SeriesTooShortError(f"{origin}: the series has {split.n} rows, which leaves {' and '.join(problems)} with "
                              f"{settings}{needed}; use a longer series, a shorter lookback or smaller splits")


def check_sizes(test_size: float, val_size: float) -> None:
    """Sizes must be finite, the test part non-empty, and fractions must leave something to train on."""
    for size, what in ((test_size, "test size"), (val_size, "validation size")):
        if not math.isfinite(size) or size < 0 or (size >= 1 and size != int(size)):
            raise ConfigError(f"{what} must be a fraction in [0, 1) or a whole number of rows, not {size}")
    if test_size == 0:
        raise ConfigError("test size must be above 0: a model needs days it has never seen to be scored on")
    fractions = [size for size in (test_size, val_size) if size < 1]
    if sum(fractions) >= 1:
        raise ConfigError(f"test size {test_size} and validation size {val_size} leave nothing to train on")


def rows_needed(first_day: int, test_size: float, val_size: float) -> int:
    """Smallest series length whose split by these sizes leaves enough training windows and evaluation days.

    Found in a few steps whatever the lookback: with f the sum of the fractional sizes and r the row counts,
    the training part of n rows is at most n(1 - f) - r, so no n below (first_day + MIN_TRAIN_WINDOWS + r) / (1 - f)
    can do; and each fraction's rounding up costs at most one row, so two rows more than that always do.

    >>> rows_needed(20, 0.2, 0.1)
    73
    """
    check_sizes(test_size, val_size)
    rows = sum(int(size) for size in (test_size, val_size) if size >= 1)
    fraction = sum(size for size in (test_size, val_size) if size < 1)
    floor = first_day + MIN_TRAIN_WINDOWS + rows
    lowest = max(first_day + MIN_TRAIN_WINDOWS + 1, math.floor(floor / (1 - fraction)))
    enough = max(lowest, math.ceil((floor + 2) / (1 - fraction)) + 1)
    for n in range(lowest, min(enough, lowest + 1000)):  # a few steps unless the fractions leave almost nothing
        test, val = _rows(test_size, n), _rows(val_size, n)
        if n - test - val - first_day >= MIN_TRAIN_WINDOWS and test >= 1 and (val >= 1 or val_size == 0):
            return n
    return enough


def _rows(size: float, n: int) -> int:
    return int(size) if size >= 1 else math.ceil(n * size - 1e-9)


def _position(dates: pd.DatetimeIndex, date: str) -> int:
    try:
        when = pd.Timestamp(date)
    except ValueError:
        raise ConfigError(f"cannot read the date {date!r}; write it as YYYY-MM-DD") from None
    if not dates[0] < when <= dates[-1]:
        raise ConfigError(f"date {date} is outside the data ({dates[0]:%Y-%m-%d} .. {dates[-1]:%Y-%m-%d})")
    return int(dates.searchsorted(when))
