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

This is the linear model a network with a `log_return` target competes with: the same inputs and the same output,
with no hidden state. All forecasts come from one matrix product.

With k input columns beside the returns (`prepare.inputs`), each column is scaled on the training rows
(`prepare.scaling`) and contributes its own `lookback` lags: X is `[n, L (1 + k)]`, one block of L lags per input,
and each block gets its own penalty, α times that block's average lag sum of squares, so that no input is shrunk
more for being measured in larger numbers. With no input columns this is exactly the AR(L) above.

Direct multi-step (`horizons` H > 1): the same lags regressed at once on H targets, the cumulative return to each
day ahead (y_h = r_t + .. + r_{t+h-1}): one solve with H right-hand sides, coefficients `[p, H]`. Only training
rows whose H days all lie in the training part are used, as for a direct network. This is how `ar` forecasts
several days with inputs beyond returns, whose future it cannot feed back.
"""

from __future__ import annotations

from typing import Any, Self

import numpy as np

from tickercast.config import ModelConfig
from tickercast.errors import TrainingError
from tickercast.models.baseline import ReturnBaseline, log_returns
from tickercast.models.inputs import check_columns, fit_input_scalers, input_state, restore_inputs
from tickercast.prepare.inputs import Inputs
from tickercast.prepare.windows import windows_before

#: Default ridge strength α, as a fraction of the average lag's sum of squares.
RIDGE = 1e-2


class AutoregressiveModel(ReturnBaseline):
    """AR(L) on log-returns with intercept, L = config.lookback, fit by ridge least squares on training days."""

    name = "ar"
    uses_inputs = True
    direct = True
    reads = ("lookback", "features", "horizons")

    def __init__(self, config: ModelConfig, ridge: float = RIDGE) -> None:
        super().__init__(config)
        self.ridge = ridge

    @property
    def lags(self) -> int:
        return self.config.lookback

    @property
    def min_train(self) -> int:
        return 2 * self.lags + 2  # at least L + 2 fitted equations for L + 1 unknowns

    def _fit_returns(self, train: np.ndarray, inputs: Inputs) -> None:
        lags = self.lags
        self.columns_ = inputs.columns
        self.input_scalers_ = fit_input_scalers(inputs, slice(1, None), "standard")
        horizons = self.config.horizons
        days = range(lags, len(train) - horizons + 1)  # each row's H days ahead lie in the training part
        x = self._design(train, inputs[1:], days)  # [n, L (1 + k)]; row k = the lags of day k + L (train[0] = r_1)
        if horizons == 1:
            y = train[days.start:]  # [n]
        else:  # [n, H]: the cumulative return from each day to h - 1 days later
            y = np.cumsum(windows_before(train, horizons, range(days.start + horizons, len(train) + 1)), axis=1)
        n = len(y)
        x_mean, y_mean = x.mean(axis=0), y.mean(axis=0)
        gram = x.T @ x  # [L (1 + k), L (1 + k)]
        moments = gram - n * np.outer(x_mean, x_mean)
        target = x.T @ y - (n * np.outer(x_mean, y_mean) if horizons > 1 else n * x_mean * y_mean)  # [p] or [p, H]
        blocks = [float(np.trace(gram[b:b + lags, b:b + lags])) / lags  # each input's average lag sum of squares
                  for b in range(0, len(gram), lags)]
        penalty = self.ridge * np.maximum(np.repeat(blocks, lags), np.finfo(np.float64).tiny)
        try:
            coefficients = np.linalg.solve(moments + np.diag(penalty), target)
        except np.linalg.LinAlgError:
            coefficients = np.full(target.shape, np.nan)
        if not np.isfinite(coefficients).all():
            raise TrainingError(f"the ar model's least-squares fit failed (singular lags); use ridge > 0 "
                                f"or a shorter lookback than {lags}")
        self.coefficients_ = coefficients
        self.intercept_ = y_mean - x_mean @ coefficients  # a number, or [H]

    def _predict_returns(self, returns: np.ndarray, days: range, inputs: Inputs) -> np.ndarray:
        paths = self._paths(returns, days, inputs)
        return paths if paths.ndim == 1 else paths[:, 0]

    def _paths(self, returns: np.ndarray, days: range, inputs: Inputs) -> np.ndarray:
        check_columns(self.name, self.columns_, inputs)
        # [len(days), L (1 + k)] @ [L (1 + k)] -> [len(days)] (or @ [p, H] -> [len(days), H]): one product
        return self.intercept_ + self._design(returns, inputs, days) @ self.coefficients_

    def forecast_direct(self, inputs: Inputs | np.ndarray, origins: range) -> np.ndarray:
        """Direct multi-step forecasts `[len(origins), horizons]`: the prices of days t .. t + H − 1 from each
        origin t (its first unknown day), all from the rows before t."""
        inputs = Inputs.of(inputs)[:origins.stop]
        if origins.start < self.min_history:
            raise ValueError(f"{self.name} needs {self.min_history} days of history")
        paths = self._paths(log_returns(inputs.prices), origins, inputs).reshape(len(origins), -1)
        return inputs.prices[origins.start - 1:origins.stop - 1, None] * np.exp(paths)

    def _design(self, returns: np.ndarray, inputs: Inputs, days: range) -> np.ndarray:
        """The lags of each day: its returns' (a strided view), then each scaled input column's, side by side."""
        x = windows_before(returns, self.lags, days)
        if not self.input_scalers_:
            return x
        columns = [windows_before(scaler.transform(inputs.extra[:, k]), self.lags, days)
                   for k, scaler in enumerate(self.input_scalers_)]
        return np.concatenate([x, *columns], axis=1)

    def state(self) -> dict[str, Any]:
        weights = {"coefficients": self.coefficients_, "intercept": np.atleast_1d(self.intercept_)}
        return {"scaler": None, "weights": weights, "history": None,
                "inputs": input_state(self.columns_, self.input_scalers_)}

    def restore(self, state: dict[str, Any]) -> Self:
        self.columns_, self.input_scalers_ = restore_inputs(state.get("inputs"))
        horizons = self.config.horizons
        coefficients = np.asarray(state["weights"]["coefficients"], dtype=np.float64)
        expected = (self.lags * (1 + len(self.columns_)),) + ((horizons,) if horizons > 1 else ())
        if coefficients.shape != expected:
            raise ValueError(f"ar weights have {coefficients.shape} coefficients, the lookback is {self.lags}, "
                             f"there are {1 + len(self.columns_)} inputs and {horizons} horizon(s)")
        intercept = np.asarray(state["weights"]["intercept"], dtype=np.float64)
        if intercept.shape != (horizons,):
            raise ValueError(f"the ar intercept is one number per horizon, the state has shape {intercept.shape}")
        self.coefficients_ = coefficients
        self.intercept_ = float(intercept[0]) if horizons == 1 else intercept
        return self
