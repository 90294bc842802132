"""Sliding windows as strided views: n windows of length `lookback` cost no copy of the series."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def windows_before(series: Any, lookback: int, days: np.ndarray | range) -> Any:
    """The `lookback` values strictly before each day t: row k is series[t_k - lookback : t_k].

    `series` is a NumPy array or a torch tensor (then `Tensor.unfold`), `[n]` or `[n, inputs]`; the result is
    `[len(days), lookback]` or `[len(days), lookback, inputs]`, a view when the days are consecutive, and one
    fancy-indexed copy otherwise.

    >>> windows_before(np.arange(6.0), 3, range(3, 6)).tolist()
    [[0.0, 1.0, 2.0], [1.0, 2.0, 3.0], [2.0, 3.0, 4.0]]
    >>> windows_before(np.arange(8.0).reshape(4, 2), 2, range(2, 4)).shape   # two inputs per day
    (2, 2, 2)
    """
    bounds = (days.start, days.stop - 1) if isinstance(days, range) else (np.min(days), np.max(days))
    if len(days) and (bounds[0] < lookback or bounds[1] > len(series)):
        raise ValueError(f"days {bounds} need {lookback} earlier values within a series of {len(series)}")
    # [len - lookback + 1, lookback]; row j = series[j : j + lookback] ([.., inputs, lookback] for a matrix)
    view = series.unfold(0, lookback, 1) if hasattr(series, "unfold") else sliding_window_view(series, lookback, 0)
    if view.ndim == 3:
        view = view.transpose(1, 2) if hasattr(view, "unfold") else view.transpose(0, 2, 1)  # -> [.., lookback, inputs]
    if isinstance(days, range) and days.step == 1:
        return view[days.start - lookback: days.stop - lookback]
    return view[np.asarray(days) - lookback]
