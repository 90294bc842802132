"""The naive forecast, tomorrow = today: the random walk every model must beat to be worth anything."""

from __future__ import annotations

from typing import Any, Self

import numpy as np

from tickercast.config import ModelConfig
from tickercast.prepare.inputs import Inputs
from tickercast.progress import Reporter


class NaiveModel:
    """Predicts each day's price as the previous day's price. Nothing to learn, nothing to save."""

    name = "naive"
    uses_inputs = seeded = direct = dropout_sampling = classifies = False
    reads = ()
    min_history = 1

    def __init__(self, config: ModelConfig) -> None:
        self.config = config

    def fit(self, inputs: Inputs | np.ndarray, train_end: int, reporter: Reporter) -> Self:
        return self

    def predict(self, inputs: Inputs | np.ndarray, start: int) -> np.ndarray:
        if start < self.min_history:
            raise ValueError(f"naive needs the previous day's price; cannot predict day {start}")
        return Inputs.of(inputs).prices[start - 1:-1].copy()

    def state(self) -> dict[str, Any]:
        return {"scaler": None, "weights": {}, "history": None}

    def restore(self, state: dict[str, Any]) -> Self:
        return self
