"""Linear autoregression on the last `lookback` log-returns, fit by ridge least squares on the training days.

    r̂_t = c + φ_1 r_{t-L} + ... + φ_L r_{t-1}            (L = lookback; φ ordered oldest lag first)
    p̂_t = p_{t-1} · exp(r̂_t)

Fit: with X the [n, L] matrix of training windows (rows r_{t-L} .. r_{t-1}, a strided view, no copy) and y the
n returns they precede, the intercept is left unpenalised by centring, and

    (X̃ᵀX̃ + λ I) φ = X̃ᵀỹ,      c = ȳ - x̄ᵀφ,      λ = α · tr(XᵀX) / L,

where X̃ᵀX̃ = XᵀX - n x̄x̄ᵀ and X̃ᵀỹ = Xᵀy - n x̄ȳ are the centred moments (computed from the view, so no centred
copy is made). λ is α times the average lag's raw sum of squares, so α = `ridge` (default 1e-2) is a shrinkage
fraction whatever the price level or volatility: it keeps the solve well posed when lags are nearly collinear
(flat stretches, a constant growth rate) and barely moves a well-determined fit. The raw (uncentred) trace is
used so that λ stays positive for a constant non-zero return, whose centred moments are rounding noise.

This is the linear model a network with a `log_return` target competes with: the same inputs (the last
`lookback` returns) and the same output, with no hidden state. All forecasts come from one matrix product.
"""

from __future__ import annotations

from typing import Any, Self

import numpy as np

from tickercast.config import ModelConfig
from tickercast.errors import TrainingError
from tickercast.models.baseline import ReturnBaseline
from tickercast.prepare.windows import windows_before

#: Default ridge strength α, as a fraction of the average lag's sum of squares.
RIDGE = 1e-2


class AutoregressiveModel(ReturnBaseline):
    """AR(L) on log-returns with intercept, L = config.lookback, fit by ridge least squares on training days."""

    name = "ar"
    reads = ("lookback",)

    def __init__(self, config: ModelConfig, ridge: float = RIDGE) -> None:
        super().__init__(config)
        self.ridge = ridge

    @property
    def lags(self) -> int:
        return self.config.lookback

    @property
    def min_train(self) -> int:
        return 2 * self.lags + 2  # at least L + 2 fitted equations for L + 1 unknowns

    def _fit_returns(self, train: np.ndarray) -> None:
        lags = self.lags
        days = range(lags, len(train))
        x = windows_before(train, lags, days)  # [n, L] strided view: row k = train[k : k + L]
        y = train[days.start:]  # [n]
        n = len(y)
        x_mean, y_mean = x.mean(axis=0), y.mean()
        gram = x.T @ x  # [L, L]
        moments = gram - n * np.outer(x_mean, x_mean)
        target = x.T @ y - n * x_mean * y_mean
        penalty = self.ridge * max(float(np.trace(gram)) / lags, np.finfo(np.float64).tiny)
        try:
            coefficients = np.linalg.solve(moments + penalty * np.eye(lags), target)
        except np.linalg.LinAlgError:
            coefficients = np.full(lags, np.nan)
        if not np.isfinite(coefficients).all():
            raise TrainingError(f"the ar model's least-squares fit failed (singular lags); use ridge > 0 "
                                f"or a shorter lookback than {lags}")
        self.coefficients_ = coefficients
        self.intercept_ = float(y_mean - x_mean @ coefficients)

    def _predict_returns(self, returns: np.ndarray, days: range) -> np.ndarray:
        # [len(days), L] @ [L] -> [len(days)]: every forecast in one product
        return self.intercept_ + windows_before(returns, self.lags, days) @ self.coefficients_

    def state(self) -> dict[str, Any]:
        weights = {"coefficients": self.coefficients_, "intercept": np.array([self.intercept_])}
        return {"scaler": None, "weights": weights, "history": None}

    def restore(self, state: dict[str, Any]) -> Self:
        coefficients = np.asarray(state["weights"]["coefficients"], dtype=np.float64)
        if coefficients.shape != (self.lags,):
            raise ValueError(f"ar weights have {coefficients.shape} coefficients, the lookback is {self.lags}")
        intercept = np.asarray(state["weights"]["intercept"], dtype=np.float64)
        if intercept.shape != (1,):
            raise ValueError(f"the ar intercept is one number, the state has shape {intercept.shape}")
        self.coefficients_ = coefficients
        self.intercept_ = float(intercept[0])
        return self
