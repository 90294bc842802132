"""Baselines for the `direction` target: what a network calling up/down days must beat to have learned anything.

    base_rate   P(up) = the share of up days in training, every day: the best constant forecast
    momentum    yesterday's move continues: P = 1/2 + 1/2 tanh(r_{t-1} / s)
    reversal    yesterday's move reverses:   P = 1/2 - 1/2 tanh(r_{t-1} / s)

r_{t-1} = log(p_{t-1} / p_{t-2}) is the last known log-return and s the standard deviation of the training
log-returns, so a typical move gives P of about 0.5 ± 0.38 and a day without a move gives exactly 0.5 (a "down"
call: no evidence of a rise). Momentum and reversal are rules, not fitted probabilities: their P is a score that
orders days by the size of yesterday's move (which AUC rewards) and calls each day by its sign (which accuracy
measures). Their log loss and Brier score say how far a rule's confidence is from calibrated.
On AR(1) log-returns with coefficient phi the sign rule is the best possible call, right on
1/2 + arcsin(phi)/pi of the days (`tests/models/test_direction.py`).

Every day's P reads only the prices before it (no look-ahead); `predict` (prices) is refused: these models forecast
the direction only.
"""

from __future__ import annotations

from typing import Any, Self

import numpy as np

from tickercast.config import ModelConfig
from tickercast.errors import DataError, NotFittedError, SeriesTooShortError
from tickercast.models.baseline import log_returns
from tickercast.models.protocol import no_price
from tickercast.prepare.inputs import Inputs
from tickercast.progress import Reporter


class DirectionBaseline:
    """A P(up) rule fit by a formula on the training prices: no seed, no loss history, no scaler."""

    name: str
    uses_inputs = seeded = direct = dropout_sampling = False
    classifies = True
    reads: tuple[str, ...] = ("target",)
    min_history = 1
    #: The one number `fit` learns, saved under this name in weights.safetensors.
    learned = ""

    def __init__(self, config: ModelConfig) -> None:
        self.config = config

    def fit(self, inputs: Inputs | np.ndarray, train_end: int, reporter: Reporter) -> Self:
        """Learn from the training days' returns r_1 .. r_{train_end - 1} only."""
        returns = log_returns(Inputs.of(inputs).prices[:train_end])[1:]
        if len(returns) < 2:
            raise SeriesTooShortError(f"{self.name} needs at least 2 training returns, got {len(returns)}; use a "
                                      "longer series or a shorter lookback")
        self.value_ = self._learn(returns)
        return self

    def predict(self, inputs: Inputs | np.ndarray, start: int) -> np.ndarray:
        raise no_price(self.name)

    def predict_proba(self, inputs: Inputs | np.ndarray, start: int) -> np.ndarray:
        """P(up) of days start .. len(inputs) - 1, each from the prices before that day."""
        if not hasattr(self, "value_"):
            raise NotFittedError(f"the {self.name} model is not fitted yet; call fit first")
        if start < self.min_history:
            raise ValueError(f"{self.name} needs {self.min_history} days of history; cannot predict day {start}")
        inputs = Inputs.of(inputs)
        return self._proba(log_returns(inputs.prices), range(start, len(inputs)))

    def state(self) -> dict[str, Any]:
        return {"scaler": None, "weights": {self.learned: np.array([self.value_])}, "history": None}

    def restore(self, state: dict[str, Any]) -> Self:
        """Take back the learned number; ValueError if it is missing or outside what `fit` can learn."""
        weights = state["weights"]
        if self.learned not in weights or np.shape(weights[self.learned]) != (1,):
            raise ValueError(f"the {self.name} model needs one number {self.learned!r}")
        value = float(weights[self.learned][0])
        if not self._valid(value):
            raise ValueError(f"{self.learned} {value!r} is not a value {self.name} can learn")
        self.value_ = value
        return self

    def _learn(self, returns: np.ndarray) -> float:
        raise NotImplementedError

    def _valid(self, value: float) -> bool:
        raise NotImplementedError

    def _proba(self, returns: np.ndarray, days: range) -> np.ndarray:
        """P(up) of each day in `days` from `returns` (returns[t] = r_t, returns[0] NaN), reading r_s, s < t only."""
        raise NotImplementedError


class BaseRateModel(DirectionBaseline):
    """P(up) = the training share of up days (close_t > close_{t-1}), the same every day."""

    name = "base_rate"
    learned = "base_rate"

    def _learn(self, returns: np.ndarray) -> float:
        return float(np.mean(returns > 0))

    def _valid(self, value: float) -> bool:
        return 0.0 <= value <= 1.0

    def _proba(self, returns: np.ndarray, days: range) -> np.ndarray:
        return np.full(len(days), self.value_)


class SignModel(DirectionBaseline):
    """P = 1/2 + sign/2 · tanh(r_{t-1} / s): momentum (sign +1) or reversal (sign -1) of yesterday's move."""

    sign = 1.0
    learned = "scale"
    min_history = 2  # r_{t-1} needs the prices of days t-2 and t-1

    def _learn(self, returns: np.ndarray) -> float:
        scale = float(np.std(returns, ddof=1))
        if not scale > 0:
            raise DataError(f"the training prices never move, so {self.name} has no move to follow; use a series "
                            "whose price changes")
        return scale

    def _valid(self, value: float) -> bool:
        return bool(np.isfinite(value) and value > 0)

    def _proba(self, returns: np.ndarray, days: range) -> np.ndarray:
        yesterday = returns[days.start - 1:days.stop - 1]
        return 0.5 + 0.5 * self.sign * np.tanh(yesterday / self.value_)


class MomentumModel(SignModel):
    name = "momentum"
    sign = 1.0


class ReversalModel(SignModel):
    name = "reversal"
    sign = -1.0
