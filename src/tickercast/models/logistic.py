"""Logistic regression by Newton's method: the linear yardstick for up/down forecasts.

A network that calls tomorrow's direction must beat the best linear rule on the same windows and inputs, or its
non-linearity bought nothing. With an L2 penalty the log-likelihood is strictly concave, so Newton's method
converges in a handful of steps from zero weights and the fit is exact and deterministic (no seed, no epochs).

`LogisticModel` is the `logistic` model of the `direction` target: the networks' very windows (the `lookback`
scaled log-returns before day t and the scaled input columns, `models.windowed`), flattened into one row per day.
"""

from __future__ import annotations

from typing import Any, Self

import numpy as np

from tickercast.config import ModelConfig
from tickercast.errors import NotFittedError, SeriesTooShortError, TrainingError
from tickercast.models.windowed import ScaledRows
from tickercast.prepare.inputs import Inputs
from tickercast.prepare.targets import get_target
from tickercast.prepare.windows import windows_before
from tickercast.progress import Reporter

_ITERATIONS = 50  # Newton converges quadratically; real fits here take 5-8 steps
_TOLERANCE = 1e-10
_CHUNK = 16_384  # rows per block of the Newton sums: 32 MB of float64 for 240 inputs, whatever n is


def sigmoid(z: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-z)) without overflow for large |z|."""
    return np.exp(-np.logaddexp(0.0, -z))


def fit_logistic(x: np.ndarray, y: np.ndarray, penalty: float = 1.0) -> tuple[np.ndarray, float]:
    """Weights and intercept maximising sum log P(y | x) - penalty/2 * |w|^2 (the intercept is not penalised).

    `x` is `[n, k]` (features on comparable scales: the penalty treats them alike; any float dtype, read in row
    blocks so that it is never copied whole), `y` is 0/1. Each Newton step
    solves (X'WX + P) d = X'(y - p) - P w, with W = p(1 - p) and P the penalty on all but the intercept.

    >>> w, b = fit_logistic(np.array([[-2.0], [-1.0], [1.0], [2.0]]), np.array([0, 0, 1, 1]), penalty=1.0)
    >>> bool(w[0] > 0), abs(round(b, 6))
    (True, 0.0)
    """
    y = np.asarray(y, dtype=np.float64)
    ridge = np.full(x.shape[1] + 1, float(penalty))
    ridge[0] = 0.0
    beta = np.zeros(x.shape[1] + 1)
    for _ in range(_ITERATIONS):
        gradient, hessian = -ridge * beta, np.diag(ridge) + 1e-12 * np.eye(len(beta))
        for first in range(0, len(x), _CHUNK):  # in row blocks: a 500-stock panel's windows stay float32 once
            design = np.hstack([np.ones((len(x[first:first + _CHUNK]), 1)),
                                np.asarray(x[first:first + _CHUNK], dtype=np.float64)])
            p = sigmoid(design @ beta)
            gradient += design.T @ (y[first:first + _CHUNK] - p)
            hessian += (design * (p * (1 - p))[:, None]).T @ design
        step = np.linalg.solve(hessian, gradient)
        beta += step
        if np.max(np.abs(step)) < _TOLERANCE:
            break
    if not np.all(np.isfinite(beta)):
        raise TrainingError("logistic regression did not converge (non-finite weights); check the inputs for "
                            "extreme values or raise the penalty")
    return beta[1:], float(beta[0])


def predict_logistic(x: np.ndarray, weights: np.ndarray, intercept: float) -> np.ndarray:
    """P(up) for each row of `x` `[n, k]`, computed in float64 one row block at a time."""
    return np.concatenate([sigmoid(np.asarray(x[first:first + _CHUNK], dtype=np.float64) @ weights + intercept)
                           for first in range(0, len(x), _CHUNK)] or [np.empty(0)])


class LogisticModel(ScaledRows):
    """`logistic`: P(up on day t) = sigmoid(w . window_t + b), fit on the training days by `fit_logistic`.

    The window is what a network of the same settings reads (`lookback` rows of the scaled own past and input
    columns, scalers fit on the training rows), flattened to `lookback * (1 + k)` numbers. The fit is exact, so
    the validation days play no part (there is nothing to stop early).
    """

    name = "logistic"
    uses_inputs = True
    seeded = direct = dropout_sampling = False
    classifies = True
    reads = ("target", "lookback", "scaler", "features")
    #: The L2 penalty: small beside thousands of training days, there to keep the Newton steps well posed.
    penalty = 1.0

    def __init__(self, config: ModelConfig) -> None:
        self.config = config
        self.target = get_target(config.target)

    @property
    def min_history(self) -> int:
        return self.config.lookback + self.target.offset

    def fit(self, inputs: Inputs | np.ndarray, train_end: int, reporter: Reporter) -> Self:
        inputs = Inputs.of(inputs)
        days = range(self.min_history, train_end)
        if len(days) < 2:
            raise SeriesTooShortError(f"logistic needs at least 2 training days after a lookback of "
                                      f"{self.config.lookback}, got {max(len(days), 0)}; use a longer series or a "
                                      "shorter lookback")
        self.fit_scaler(inputs, train_end)
        self.weights_, self.intercept_ = fit_logistic(self._rows(inputs, days), self.labels(inputs.prices, days),
                                                      self.penalty)
        return self

    def predict(self, inputs: Inputs | np.ndarray, start: int) -> np.ndarray:
        from tickercast.models.protocol import no_price

        raise no_price(self.name)

    def predict_proba(self, inputs: Inputs | np.ndarray, start: int) -> np.ndarray:
        """P(up) of days start .. len(inputs) - 1, each from the rows before that day."""
        from tickercast.models.inputs import check_columns

        if not hasattr(self, "weights_"):
            raise NotFittedError("the logistic model is not fitted yet; call fit first")
        if start < self.min_history:
            raise ValueError(f"logistic needs {self.min_history} days of history; cannot predict day {start}")
        inputs = check_columns(self.name, self.columns_, Inputs.of(inputs))
        return predict_logistic(self._rows(inputs, range(start, len(inputs))), self.weights_, self.intercept_)

    def state(self) -> dict[str, Any]:
        return {**self.scalers_state(), "history": None,
                "weights": {"weights": self.weights_, "intercept": np.array([self.intercept_])}}

    def restore(self, state: dict[str, Any]) -> Self:
        """Take back the scalers and weights; ValueError if they do not fit the settings."""
        from tickercast.models.inputs import restore_inputs
        from tickercast.prepare.scaling import Scaler

        if state.get("scaler") is None:
            raise ValueError("no scaler.json, which logistic needs to read its inputs")
        columns, scalers = restore_inputs(state.get("inputs"))
        weights = state["weights"]
        size = self.config.lookback * (1 + len(columns))
        if np.shape(weights.get("weights")) != (size,) or np.shape(weights.get("intercept")) != (1,):
            raise ValueError(f"logistic with lookback {self.config.lookback} and {len(columns)} input column(s) "
                             f"needs {size} weights and one intercept")
        self.scaler_, self.columns_, self.input_scalers_ = Scaler.from_dict(state["scaler"]), columns, scalers
        self.weights_ = np.asarray(weights["weights"], dtype=np.float64)
        self.intercept_ = float(weights["intercept"][0])
        return self

    def _rows(self, inputs: Inputs, days: range) -> np.ndarray:
        """One flattened window per day `[len(days), lookback * (1 + k)]`."""
        windows = windows_before(self.scaled_rows(inputs), self.config.lookback, days)
        return np.ascontiguousarray(windows).reshape(len(days), -1)
