"""What a model reads: the target's prices and, beside them, named input columns, each known at its day's close.

    Inputs.prices   [n]      the price series a model forecasts (its own past: the log-returns it computes)
    Inputs.extra    [n, k]   k more columns (k = 0: returns only, tickercast's default and its behaviour before
                             inputs existed); row t holds values known at the close of day t, never later

A model forecasting day t reads rows strictly before t of both, so no input can leak the day it forecasts. The
columns are raw (unscaled): each model that reads them scales every column on its training rows only.

`build_inputs` makes them from a PriceFrame: the named features of `prepare.features`, computed from the frame's own
columns, and the returns of other datasets (`covariates`, the `--with` option) aligned on the target's trading days.
A covariate day missing on the target's calendar takes the covariate's last known price (never a later one), and
how often that happened is reported. Days before every input has a value (RSI's first 14 days, the 200-day mean's
first 200) are dropped from the front, and the description says from which date the series is used.

>>> prices = np.array([10.0, 11.0, 12.0])
>>> Inputs.of(prices).width, len(Inputs.of(prices)[1:])
(0, 2)
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from tickercast.errors import ConfigError, DataError, TickercastWarning, shown, shown_path

#: Columns of a covariate (`--with NAME`): its log-return, named `NAME.returns`.
COVARIATE_COLUMN = "{name}.returns"


@dataclass(frozen=True)
class Inputs:
    """The target's prices and the input columns beside them, row t known at the close of day t.

    `past` (optional) replaces the log-returns a model computes from `prices` as its own past input: how
    permutation importance shuffles that input without touching the prices the forecasts are scored on.
    """

    prices: np.ndarray
    extra: np.ndarray = field(default_factory=lambda: np.empty((0, 0)))
    columns: tuple[str, ...] = ()
    past: np.ndarray | None = None

    def __post_init__(self) -> None:
        prices = np.asarray(self.prices, dtype=np.float64)
        extra = np.asarray(self.extra, dtype=np.float64)
        if extra.size == 0 and not self.columns:
            extra = np.empty((len(prices), 0))  # returns only
        elif extra.ndim == 1:
            extra = extra[:, None]  # one column given flat
        # the exact shape, not a reshape: [2, 4] is not [4, 2] read in another order
        if extra.shape != (len(prices), len(self.columns)):
            raise ValueError(f"input columns of shape {extra.shape} for {len(prices)} days and "
                             f"{len(self.columns)} names")
        if self.past is not None and len(self.past) != len(prices):
            raise ValueError(f"an own past of {len(self.past)} days for {len(prices)} days of prices")
        object.__setattr__(self, "prices", prices)
        object.__setattr__(self, "extra", extra)

    @classmethod
    def of(cls, data: Inputs | np.ndarray | Sequence[float]) -> Inputs:
        """Inputs as given, or a bare price array as the inputs of a returns-only model."""
        return data if isinstance(data, Inputs) else cls(np.asarray(data, dtype=np.float64))

    def __len__(self) -> int:
        return len(self.prices)

    def __getitem__(self, rows: slice) -> Inputs:
        """The same inputs for a range of days (a view: no column is copied)."""
        if not isinstance(rows, slice) or rows.step not in (None, 1):
            raise TypeError("Inputs take a contiguous slice of days, e.g. inputs[:train_end]")
        past = None if self.past is None else self.past[rows]
        return Inputs(self.prices[rows], self.extra[rows], self.columns, past)

    @property
    def width(self) -> int:
        """Input columns beyond the target's own past (0 for returns only)."""
        return len(self.columns)

    def groups(self) -> dict[str, list[int]]:
        """Columns by the feature or covariate they come from (`ohlc.open` -> `ohlc`), in order."""
        groups: dict[str, list[int]] = {}
        for index, column in enumerate(self.columns):
            groups.setdefault(column.rsplit(".", 1)[0], []).append(index)
        return groups

    def with_columns(self, extra: np.ndarray, past: np.ndarray | None = None) -> Inputs:
        """The same days and names with other column values (and own past): a permutation, a what-if."""
        return Inputs(self.prices, extra, self.columns, past)


def build_inputs(frame: pd.DataFrame, features: str | Sequence[str] | None = None,
                 covariates: Mapping[str, pd.DataFrame] | None = None, *, common_span: bool = False,
                 start: pd.Timestamp | None = None) -> tuple[pd.DataFrame, Inputs, dict[str, Any]]:
    """The PriceFrame trimmed to the days every input has a value, its Inputs, and a description of them.

    `features` are names of `prepare.features` (returns always included); `covariates` map a name to another
    validated PriceFrame whose log-returns become inputs. `common_span` trims the target to the days a covariate
    covers instead of refusing one that starts later; `start` drops every day before it after the inputs are
    computed on the whole history (how `compare` puts several input sets on the same days).
    The description (`features`, `with`, `columns`, `first_used`, `dropped_days`, `filled_days`) goes into
    config.json, the JSON output and the report.
    """
    if features is None or features == "returns" or list(features) == ["returns"]:
        names, table = ("returns",), pd.DataFrame(index=frame.index)  # the default needs no catalogue
    else:
        from tickercast.prepare.features import compute_features, feature_names

        names = feature_names(features)
        table = compute_features(frame, names)
    filled: dict[str, int] = {}
    for name, other in (covariates or {}).items():
        column = COVARIATE_COLUMN.format(name=name)
        if column in table.columns or name in names:
            raise ConfigError(f"the covariate {shown(name)} has the name of an input already used; "
                              f"give --with another dataset name")
        table[column], filled[name] = align_covariate(frame, other, name, common_span=common_span)
        _warn_if_stale(frame, other, name)
    origin = shown_path(frame.attrs.get("origin", "the data"))
    if start is not None and start > frame.index[-1]:
        raise DataError(f"{origin}: the first date to use, {start:%Y-%m-%d}, is after the last day "
                        f"{frame.index[-1]:%Y-%m-%d}; use an earlier one")
    extra = table.to_numpy(dtype=np.float64)
    known = np.isfinite(extra).all(axis=1) if extra.shape[1] else np.ones(len(frame), dtype=bool)
    if start is not None:
        known &= frame.index >= start
    if not known.any():
        finite = np.isfinite(extra)
        latest = table.columns[int(np.argmax(np.where(finite.any(axis=0), finite.argmax(axis=0), len(frame))))]
        raise DataError(f"{origin}: no day has a value for every input ({shown(latest.rsplit('.', 1)[0])} starts "
                        f"latest, and {len(frame)} days are too few); use fewer inputs or a longer series")
    first = int(np.argmax(known))
    if not known[first:].all():
        row = first + int(np.argmin(known[first:]))
        missing = [c for c, ok in zip(table.columns, np.isfinite(extra[row]), strict=True) if not ok]
        raise DataError(f"{origin}: the input {shown(missing[0])} has no value on {frame.index[row]:%Y-%m-%d} "
                        f"after it started; repair that day in the data or drop the input")
    trimmed = frame.iloc[first:]
    trimmed.attrs = dict(frame.attrs)
    inputs = Inputs(trimmed[frame.attrs["price_column"]].to_numpy(dtype=np.float64), extra[first:],
                    tuple(table.columns))
    description = {"features": list(names), "with": list(covariates or {}), "columns": list(table.columns),
                   "first_used": f"{trimmed.index[0]:%Y-%m-%d}", "dropped_days": first, "filled_days": filled}
    return trimmed, inputs, description


def align_covariate(frame: pd.DataFrame, other: pd.DataFrame, name: str, *,
                    common_span: bool = False) -> tuple[np.ndarray, int]:
    """`other`'s log-return on each of `frame`'s days from its last known price, and how many days were filled.

    A target day the covariate has no row for takes the covariate's latest price before it (never a later one),
    so its return that day is 0 and the next traded day carries the whole move. Before the covariate's second
    day there is no return (NaN); a covariate that starts after the target's first day is refused unless
    `common_span` (the target is then used from the covariate's start).
    """
    origin = other.attrs.get("origin", name)
    prices = other[other.attrs["price_column"]]
    dates = frame.index
    if prices.index[0] > dates[-1] or prices.index[-1] < dates[0]:
        raise DataError(f"the covariate {shown(origin)} ({prices.index[0]:%Y-%m-%d} .. {prices.index[-1]:%Y-%m-%d}) "
                        f"does not overlap the data ({dates[0]:%Y-%m-%d} .. {dates[-1]:%Y-%m-%d}); use another")
    if prices.index[0] > dates[0] and not common_span:
        raise DataError(f"the covariate {shown(origin)} starts on {prices.index[0]:%Y-%m-%d}, after the data's first "
                        f"day {dates[0]:%Y-%m-%d}; pass --common-span (common_span=True) to start the data there too")
    # the last covariate price on or before each target day: asof never looks forward
    position = prices.index.searchsorted(dates, side="right") - 1
    aligned = np.where(position >= 0, prices.to_numpy(dtype=np.float64)[np.maximum(position, 0)], np.nan)
    returns = np.concatenate([[np.nan], np.diff(np.log(aligned))])
    covered = position >= 0
    filled = int((covered & ~dates.isin(prices.index)).sum())
    return returns, filled


def inputs_start(description: dict[str, Any]) -> str:
    """For a too-short series' message: where the inputs start, when warm-ups moved the first day later.

    >>> inputs_start({"first_used": "1999-02-01", "dropped_days": 19})
    ', inputs from 1999-02-01 (19 earlier days lack a value)'
    """
    if not description["dropped_days"]:
        return ""
    return f", inputs from {description['first_used']} ({description['dropped_days']} earlier days lack a value)"


def _warn_if_stale(frame: pd.DataFrame, other: pd.DataFrame, name: str) -> None:
    """A covariate that ends before the data does is carried over the last days with a return of 0: say so."""
    last = other.index[-1]
    stale = int((frame.index > last).sum())
    if stale:
        warnings.warn(f"the covariate {shown(name)} ends on {last:%Y-%m-%d}, {stale} day(s) before the data does; "
                      "its last price is carried over them (a return of 0): update it for current forecasts",
                      TickercastWarning, stacklevel=3)
