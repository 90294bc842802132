"""ARIMA(p, 1, q) on log prices, i.e. ARMA(p, q) on log-returns, with the order chosen by AIC on the training days.

    r_t = c + φ_1 r_{t-1} + ... + φ_p r_{t-p} + ε_t + θ_1 ε_{t-1} + ... + θ_q ε_{t-q},   ε_t ~ N(0, σ²)
    p̂_t = p_{t-1} · exp(r̂_t),   r̂_t = E[r_t | r_1 .. r_{t-1}]  (the Kalman filter's one-step prediction)

Order: every p, q in 0..2, with and without the constant c (18 candidates, (0, 0) without c being the naive
forecast itself), each fit by exact Gaussian maximum likelihood on the training returns; the lowest AIC wins, the
simpler model on a tie. Why not up to 3: daily returns are nearly white noise, and ARMA(3, q) or (p, 3) fits to
them end in nearly cancelling AR and MA roots, whose flat likelihood costs 2-3x the fitting time (about 5 s more
per dataset) for an order that describes noise (`max_order` widens the grid).

The differencing order is not searched: d = 1 on log prices is fixed, because a unit root in stock prices is the
one thing every test agrees on and because the protocol's target is the log-return (so every model, network or
baseline, answers the same question). The returns are divided by their training root-mean-square first
(`prepare.scaling`, no centring), which puts the optimiser on a unit scale instead of σ ≈ 0.01 and does not
change which order wins; forecasts are scaled back.

Forecasts: the parameters are fixed after `fit` and the whole series is run once through the Kalman filter
(`ARIMA(...).filter(params)`, what statsmodels' `results.apply(endog, refit=False)` does), so every one-step
forecast, train to test, comes from one pass: about 20 ms for 5,000 days, no refitting per day. The state saves
the order, whether there is a constant, the parameters and the scaler, and `restore` rebuilds the filter from
them without fitting anything.

Library: statsmodels (`statsmodels.tsa.arima.model.ARIMA`), not statsforecast. statsforecast's AutoARIMA (a
port of R's auto.arima) is built for fitting thousands of series at once, but it pins pandas < 3 (we run pandas
3) and depends on statsmodels anyway, plus coreforecast, fugue, utilsforecast, cloudpickle and tqdm. statsmodels
adds only patsy, formulaic and three small helpers beside numpy, scipy and pandas; it is the reference
exact-likelihood ARIMA in Python, maintained for fifteen years, with a stable public API for running fixed
parameters over new data (`filter`, `apply`) and a documented estimator per `method`.
We fit with `method="innovations_mle"` (exact likelihood by the innovations algorithm, stationarity and
invertibility enforced; the constant by feasible GLS): on the three bundled datasets it reached the same AIC
as the default state-space optimiser, in 2.3-3.4 s for 3,500-5,600 training days where that took 2.5-9.5 s
(side by side on a busy 2-core machine; about 1 s for the S&P 500 on an idle one).
Every statsmodels call runs with one BLAS thread (`threadpoolctl`): the Kalman filter does many products of
tiny matrices, and a multi-threaded OpenBLAS makes them up to 10x slower, not faster (statsmodels issue 2914).

A candidate whose fit raises a numerical error or ends with a non-finite likelihood is dropped; if every one
fails, `fit` raises TrainingError. A candidate that stopped at the iteration limit is kept: its AIC is that of
the parameters it will forecast with.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Self

import numpy as np
from statsmodels.tsa.arima.model import ARIMA
from threadpoolctl import threadpool_limits

from tickercast.config import ModelConfig
from tickercast.errors import TrainingError
from tickercast.models.baseline import ReturnBaseline
from tickercast.prepare.inputs import Inputs
from tickercast.prepare.scaling import Scaler, fit_scaler

#: Largest p and q searched.
MAX_ORDER = 2
#: A candidate's key: (p, q, has constant).
Order = tuple[int, int, bool]


class ArimaModel(ReturnBaseline):
    """ARMA(p, q) on log-returns (ARIMA(p, 1, q) on log prices), order by AIC over p, q <= max_order, ± constant.

    >>> prices = tc.load("sp500")["adj_close"].to_numpy()                                # doctest: +SKIP
    >>> model = ArimaModel(ModelConfig()).fit(prices[:4024], train_end=3520, reporter=SILENT)  # doctest: +SKIP
    >>> model.order_, model.constant_                                                     # doctest: +SKIP
    ((2, 0), False)
    """

    name = "arima"

    def __init__(self, config: ModelConfig, max_order: int = MAX_ORDER) -> None:
        super().__init__(config)
        self.max_order = max_order

    @property
    def min_train(self) -> int:
        return 4 * (2 * self.max_order + 2)  # four returns per parameter of the largest candidate

    def candidates(self) -> list[Order]:
        """Every (p, q, constant) searched, simplest first (fewest parameters), so ties go to the simpler."""
        grid = itertools.product(range(self.max_order + 1), range(self.max_order + 1), (False, True))
        return sorted(grid, key=lambda order: (order[0] + order[1] + order[2], order))

    def _fit_returns(self, train: np.ndarray, inputs: Inputs) -> None:
        scaler = fit_scaler(train, "standard", center=False)  # r / rms: unit scale for the optimiser
        scaled = scaler.transform(train)
        aic: dict[Order, float] = {}
        best: tuple[float, Order, np.ndarray] | None = None
        with _statsmodels_quietly():
            for order in self.candidates():
                try:
                    result = _arma(scaled, order).fit(method="innovations_mle", cov_type="none")
                except (np.linalg.LinAlgError, ValueError, ArithmeticError):
                    continue
                params = np.asarray(result.params, dtype=np.float64)
                if not (np.isfinite(result.aic) and np.isfinite(params).all()):
                    continue
                aic[order] = float(result.aic)
                if best is None or aic[order] < best[0]:
                    best = (aic[order], order, params)
        if best is None:
            raise TrainingError(f"no ARIMA order up to ({self.max_order}, 1, {self.max_order}) could be fit to the "
                                f"{len(train)} training returns; check the prices for long flat stretches or jumps")
        _, (p, q, constant), params = best
        self.scaler_, self.order_, self.constant_, self.params_, self.aic_ = scaler, (p, q), constant, params, aic

    def _predict_returns(self, returns: np.ndarray, days: range, inputs: Inputs) -> np.ndarray:
        scaled = self.scaler_.transform(returns[1:])  # scaled[k] is day k + 1's return
        with _statsmodels_quietly():
            # fittedvalues[k]: the one-step prediction of scaled[k] from scaled[:k], with the parameters fixed
            fitted = np.asarray(_arma(scaled, (*self.order_, self.constant_)).filter(self.params_).fittedvalues)
        return self.scaler_.inverse(fitted[days.start - 1:days.stop - 1])

    def state(self) -> dict[str, Any]:
        """Scaler as JSON; weights: `arma_order` [p, q], `constant` [0|1], `params` in statsmodels' order
        (const, ar.L1.., ma.L1.., sigma2; sigma2 in scaled units)."""
        weights = {"arma_order": np.array(self.order_, dtype=np.int64),
                   "constant": np.array([int(self.constant_)], dtype=np.int64), "params": self.params_}
        return {"scaler": self.scaler_.to_dict(), "weights": weights, "history": None}

    def restore(self, state: dict[str, Any]) -> Self:
        weights = state["weights"]
        order, constant = np.asarray(weights["arma_order"]), np.asarray(weights["constant"])
        if order.shape != (2,) or not ((order >= 0) & (order <= self.max_order)).all():
            raise ValueError(f"arma_order must be two orders from 0 to {self.max_order}")
        if constant.shape != (1,) or constant[0] not in (0, 1):
            raise ValueError("constant must be 0 or 1")
        if state.get("scaler") is None:
            raise ValueError("no scaler.json, which arima needs")
        p, q = (int(value) for value in order)
        constant = bool(constant[0])
        params = np.asarray(weights["params"], dtype=np.float64)
        if params.shape != (p + q + constant + 1,):
            raise ValueError(f"ARMA({p}, {q}) {'with' if constant else 'without'} constant needs "
                             f"{p + q + constant + 1} parameters, the state has {params.size}")
        self.scaler_, self.order_, self.constant_ = Scaler.from_dict(state["scaler"]), (p, q), constant
        self.params_ = params
        return self


def _arma(scaled: np.ndarray, order: Order) -> ARIMA:
    p, q, constant = order
    return ARIMA(scaled, order=(p, 0, q), trend="c" if constant else "n")


@contextmanager
def _statsmodels_quietly() -> Iterator[None]:
    """One BLAS thread (see the module docstring), and no optimiser chatter: each fit is judged by its result."""
    with threadpool_limits(limits=1, user_api="blas"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield
