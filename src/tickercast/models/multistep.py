"""Forecasting several days ahead with any one-step model, by feeding its forecasts back (the recursive way)."""

from __future__ import annotations

import numpy as np

from tickercast.models.protocol import Model


def recursive_forecast(model: Model, known: np.ndarray, horizon: int) -> np.ndarray:
    """Prices for the `horizon` days after `known`: each day's forecast is treated as observed for the next.

    >>> recursive_forecast(naive_model, np.array([1.0, 2.0]), 3)   # doctest: +SKIP
    array([2., 2., 2.])
    """
    path = [float(value) for value in known]
    for _ in range(horizon):
        # predict(day) reads prices[:day] only; the appended placeholder stands for the unknown day itself
        path.append(float(model.predict(np.array([*path, path[-1]]), len(path))[0]))
    return np.array(path[len(known):])
