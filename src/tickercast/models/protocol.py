"""The one protocol every model implements, network or baseline, so evaluation never asks which it holds.

Days are positions in the price series. `fit` gets only the prices up to the end of validation (the test
part is not even passed in) and where validation starts; `predict` returns the one-step-ahead forecast of
each day from `start` to the end, made from the prices strictly before that day.
"""

from __future__ import annotations

from typing import Any, Protocol, Self

import numpy as np

from tickercast.progress import Reporter


class Model(Protocol):
    """What Forecaster, compare and the conformance tests rely on."""

    name: str
    #: Trained by gradient descent (has weights, a loss history, and depends on the seed).
    is_network: bool
    #: The ModelConfig settings its forecasts depend on. A sweep runs a model once per distinct value of these
    #: (and once per seed only if `seed` is among them), instead of repeating identical fits.
    reads: tuple[str, ...]

    @property
    def min_history(self) -> int:
        """Days of price history needed before the first prediction (the first day it can predict)."""
        ...

    def fit(self, prices: np.ndarray, train_end: int, reporter: Reporter) -> Self:
        """Learn from days [0, train_end); days [train_end, len(prices)) are for validation only."""
        ...

    def predict(self, prices: np.ndarray, start: int) -> np.ndarray:
        """Price forecasts for days start .. len(prices) - 1, each from prices[:day] only."""
        ...

    def state(self) -> dict[str, Any]:
        """What was learned: `scaler` (a JSON dict or None), `weights` (name -> array), `history` (or None)."""
        ...

    def restore(self, state: dict[str, Any]) -> Self:
        """Take back what `state()` returned (read from a bundle): the model then predicts as before."""
        ...
