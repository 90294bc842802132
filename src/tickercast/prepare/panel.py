"""A panel's returns made ready for one network across all stocks: standardised, labelled and windowed.

Pure array work on the wide `[days, tickers]` matrix of one study period (Fischer & Krauss 2018):

- `simple_returns`: close_t / close_{t-1} - 1, NaN unless both closes exist (nothing is invented);
- `training_moments` / `standardise`: one mean and sd over every finite return of every stock on the training
  days only, so that no trading day shapes the inputs;
- `median_labels`: is the return above that day's cross-sectional median (strictly, over the tickers that traded)?
- `eligible_windows`: which (day, ticker) windows may be used: a return on the day itself and at most
  `max_missing` missing returns inside the window (they enter as 0, the training mean);
- `PanelWindows`: the windows of a list of (day, ticker) pairs, gathered batch by batch from the `[days, tickers]`
  matrix, never materialised (500 tickers x 255,000 windows x 240 steps would be 245 MB per period);
- `validation_start`: the first target day of the early-stopping set, the last part of the training days by date.

Days are row positions of the matrix; a window "ending at t" is rows t - lookback + 1 .. t, and its label is the
next row's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from tickercast.errors import DataError


def simple_returns(close: np.ndarray) -> np.ndarray:
    """`[T, N]` closes -> `[T - 1, N]` simple returns; row t is the return from close row t to row t + 1.

    A ticker without a price on either day has no return (NaN): a gap is never bridged or filled.

    >>> simple_returns(np.array([[10.0, 20.0], [11.0, np.nan], [11.0, 22.0]])).tolist()
    [[0.10000000000000009, nan], [0.0, nan]]
    """
    close = np.asarray(close, dtype=np.float64)
    if close.ndim != 2:
        raise ValueError(f"closes must be a [days, tickers] matrix, got shape {close.shape}")
    if np.any(close[np.isfinite(close)] <= 0):
        raise DataError("the panel has a close of zero or below; returns need positive prices (fix or drop that "
                        "ticker)")
    with np.errstate(invalid="ignore", divide="ignore"):
        return close[1:] / close[:-1] - 1.0  # NaN propagates from either side


def training_moments(returns: np.ndarray, start: int, end: int) -> tuple[float, float]:
    """Mean and standard deviation of every finite return of every stock on days `start .. end - 1`.

    One pair for the whole cross-section (not one per stock), as in the paper: a stock's level of volatility stays
    visible to the network. Only the training days enter, so changing any later return changes neither number.
    """
    values = returns[start:end]
    values = values[np.isfinite(values)]
    if len(values) < 2:
        raise DataError(f"the training days {start}..{end - 1} hold fewer than 2 returns; the panel is too sparse "
                        f"there (use tickers with more history)")
    mu, sd = float(values.mean()), float(values.std())
    if not sd > 0:
        raise DataError(f"every return on the training days {start}..{end - 1} is the same; there is nothing to "
                        f"standardise (check the prices)")
    return mu, sd


def standardise(returns: np.ndarray, mu: float, sd: float) -> np.ndarray:
    """(r - mu) / sd as float32, with a missing return as 0: the training mean, no evidence either way."""
    z = (returns - mu) / sd
    return np.where(np.isfinite(z), z, 0.0).astype(np.float32)


def median_labels(returns: np.ndarray) -> np.ndarray:
    """1.0 where a return is strictly above its day's median over the tickers with a return, else 0.0; NaN where
    the ticker has no return that day.

    Strict, so a return equal to the median (the middle one of an odd count) is "not above".

    >>> median_labels(np.array([[0.01, -0.02, 0.03, np.nan]])).tolist()
    [[0.0, 0.0, 1.0, nan]]
    """
    present = np.isfinite(returns)
    labels = np.full(returns.shape, np.nan)
    traded = present.any(axis=1)  # days when at least one ticker has a return
    medians = np.nanmedian(returns[traded], axis=1, keepdims=True)
    labels[traded] = np.where(present[traded], (returns[traded] > medians).astype(np.float64), np.nan)
    return labels


def eligible_windows(returns: np.ndarray, lookback: int, max_missing: int) -> np.ndarray:
    """`[T, N]` bool: may the window of `lookback` returns ending at day t be used for ticker s?

    Yes when the ticker has a return on t itself (the day the forecast is made), the window lies inside the
    matrix (t >= lookback - 1), and at most `max_missing` of its returns are missing. Never looks at t + 1: a
    ticker that stops trading tomorrow is still eligible today (its leg then earns 0, see evaluate.portfolio).
    """
    present = np.isfinite(returns)
    missing = np.cumsum(~present, axis=0)
    eligible = np.zeros(returns.shape, dtype=bool)
    if len(returns) < lookback:
        return eligible
    # missing returns in rows t - lookback + 1 .. t, from the running count
    in_window = missing[lookback - 1:] - np.vstack([np.zeros((1, returns.shape[1]), int), missing[:-lookback]])
    eligible[lookback - 1:] = present[lookback - 1:] & (in_window <= max_missing)
    return eligible


def validation_start(first_target: int, end: int, fraction: float) -> int:
    """The first target day of the early-stopping set: the last `fraction` of target days `first_target .. end-1`,
    by date, at least one day, and at least one day left for training.

    >>> validation_start(240, 750, 0.2)   # 510 target days: the last 102 validate
    648
    """
    days = end - first_target
    if days < 2:
        raise DataError(f"{days} training target day(s) leave nothing to train and validate on; use more training "
                        f"days or a shorter lookback")
    held_out = min(days - 1, max(1, round(fraction * days)))
    return end - held_out


class PanelWindows:
    """The standardised windows of (day, ticker) pairs, gathered on demand: sample i is ticker `tickers[i]`'s
    window of `lookback` values ending at row `days[i]` of `z`.

    Behaves like the `[n, lookback]` tensor that `networks.training.fit_network` and `predict_network` index: `len(w)`,
    `w[index_tensor]` and `w[a:b]` give `[b, lookback]` float32 tensors. Only one batch is ever copied; `z` is
    held once, as a `[tickers, days]` tensor whose windows are a strided view.

    >>> z = np.arange(12, dtype=np.float32).reshape(4, 3)        # 4 days x 3 tickers
    >>> PanelWindows(z, days=np.array([3, 2]), tickers=np.array([0, 2]), lookback=2)[0:2].tolist()
    [[6.0, 9.0], [5.0, 8.0]]
    """

    def __init__(self, z: np.ndarray, days: np.ndarray, tickers: np.ndarray, lookback: int) -> None:
        days, tickers = np.asarray(days, dtype=np.int64), np.asarray(tickers, dtype=np.int64)
        if len(days) != len(tickers):
            raise ValueError(f"days and tickers must pair up, got {len(days)} and {len(tickers)}")
        if len(days) and (days.min() < lookback - 1 or days.max() >= len(z)):
            raise ValueError(f"window ends must lie in rows {lookback - 1}..{len(z) - 1} of z")
        by_ticker = torch.from_numpy(np.ascontiguousarray(np.asarray(z, dtype=np.float32).T))
        self._windows = by_ticker.unfold(1, lookback, 1)  # [tickers, days - lookback + 1, lookback], a view
        self._starts = torch.from_numpy(days - (lookback - 1))
        self._tickers = torch.from_numpy(tickers)
        self.lookback = lookback

    def __len__(self) -> int:
        return len(self._starts)

    def __getitem__(self, index: torch.Tensor | np.ndarray | slice) -> torch.Tensor:
        if isinstance(index, np.ndarray):
            index = torch.from_numpy(index)
        return self._windows[self._tickers[index], self._starts[index]]  # [b, lookback], a copy

    def matrix(self) -> np.ndarray:
        """Every window as one `[n, lookback]` float32 array (for a model fitted in one piece, e.g. logistic)."""
        return self[0:len(self)].numpy()


@dataclass(frozen=True)
class PeriodSamples:
    """One study period's windows, as (end day, ticker) index pairs into the period's own rows.

    `z` `[days, tickers]` float32 is the period's returns standardised with its training moments; `labels` the
    median labels. A window ending at t is scored for, and labelled by, day t + 1. `train` and `validation`
    hold the windows whose label day is a training day (split by date: `validation_start`), `trade` those whose
    day t + 1 is a trading day.
    """

    z: np.ndarray
    labels: np.ndarray
    train: tuple[np.ndarray, np.ndarray]
    validation: tuple[np.ndarray, np.ndarray]
    trade: tuple[np.ndarray, np.ndarray]

    def targets(self, part: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        """The 0/1 labels of a part's windows (the next day's), as float32."""
        days, tickers = part
        return self.labels[days + 1, tickers].astype(np.float32)


def period_samples(returns: np.ndarray, train_days: int, lookback: int, max_missing: int,
                   val_fraction: float) -> PeriodSamples:
    """Standardise, label and index one study period: `returns` are its rows only (training then trading days),
    of which the first `train_days` are training days.

    Windows lie inside the period (the first label day is `lookback`, as in the paper: 750 - 240 = 510 training
    days per stock). A training window needs a label (the ticker trades on t + 1); a trading window does not,
    since tomorrow is unknown when the book is formed.
    """
    mu, sd = training_moments(returns, 0, train_days)
    z = standardise(returns, mu, sd)
    labels = median_labels(returns)
    eligible = eligible_windows(returns, lookback, max_missing)
    split = validation_start(lookback, train_days, val_fraction)

    def pairs(first: int, last: int, labelled: bool) -> tuple[np.ndarray, np.ndarray]:
        """Eligible windows ending at days first..last-1 (whose labels are present, when `labelled`)."""
        usable = eligible[first:last] & (np.isfinite(labels[first + 1:last + 1]) if labelled else True)
        days, tickers = np.nonzero(usable)
        return days + first, tickers

    return PeriodSamples(z, labels, train=pairs(lookback - 1, split - 1, True),
                         validation=pairs(split - 1, train_days - 1, True),
                         trade=pairs(train_days - 1, len(returns) - 1, False))
