"""The random walk with drift: tomorrow = today, grown by the average daily log-return of the training years.

    μ   = mean(r_1 .. r_{T-1}) = (log p_{T-1} - log p_0) / (T - 1)     (T = train_end)
    p̂_t = p_{t-1} · exp(μ)

Why the multiplicative (log) form and not the additive p̂_t = p_{t-1} + (p_{T-1} - p_0) / (T - 1): prices grow
geometrically, so a drift measured in points on the training years' price level is far too small (or too large)
at the test years' level (the S&P 500 tripled between 1999 and 2018), while a drift in log-returns is a growth
rate that holds at any level. It is also the `log_return` target's own zero point shifted by a constant: μ = 0
gives the naive forecast exactly. (p_{t-1} · exp(μ) is the median, not the mean, of a log-normal step; the
difference, a factor exp(σ²/2) ≈ 1 + 5e-5 for daily stock returns, is far below anything RMSE can resolve.)

>>> from tickercast.config import ModelConfig
>>> from tickercast.progress import SILENT
>>> prices = 100 * np.exp(0.01 * np.arange(6))          # +1% (in log terms) every day
>>> model = DriftModel(ModelConfig()).fit(prices, train_end=4, reporter=SILENT)
>>> np.allclose(model.predict(prices, 4), prices[4:])
True
"""

from __future__ import annotations

from typing import Any, Self

import numpy as np

from tickercast.models.baseline import ReturnBaseline
from tickercast.prepare.inputs import Inputs


class DriftModel(ReturnBaseline):
    """r̂_t = μ, the mean training log-return: the random walk with drift."""

    name = "drift"

    def _fit_returns(self, train: np.ndarray, inputs: Inputs) -> None:
        self.drift_ = float(np.mean(train))

    def _predict_returns(self, returns: np.ndarray, days: range, inputs: Inputs) -> np.ndarray:
        return np.full(len(days), self.drift_)

    def state(self) -> dict[str, Any]:
        return {"scaler": None, "weights": {"drift": np.array([self.drift_])}, "history": None}

    def restore(self, state: dict[str, Any]) -> Self:
        drift = np.asarray(state["weights"]["drift"], dtype=np.float64)
        if drift.shape != (1,):
            raise ValueError(f"the drift is one number, the state has shape {drift.shape}")
        self.drift_ = float(drift[0])
        return self
