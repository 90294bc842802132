"""What every statistical baseline shares: the history check, the NaN guard, and log-returns in, prices out.

Two kinds of baseline sit on these classes:

* `Baseline` forecasts a price directly from the prices before the day (the moving average).
* `ReturnBaseline` forecasts tomorrow's log-return r̂_t from the returns before day t and turns it into a price
  the same way the networks do (`prepare.targets`):

      r_t = log(p_t / p_{t-1}),        p̂_t = p_{t-1} · exp(r̂_t)

  so a forecast return of exactly 0 *is* the naive forecast, and drift, AR and ARIMA differ only in r̂_t.

Both follow the scikit-learn shape: `__init__` only stores the config, `fit` sets attributes ending in `_`,
`predict` changes nothing. Subclasses write two small methods (`_fit_returns`, `_predict_returns`, or
`_forecast` for price baselines) and their `state`/`restore`.
"""

from __future__ import annotations

from typing import Any, Self

import numpy as np

from tickercast.config import ModelConfig
from tickercast.errors import DataError, NotFittedError, SeriesTooShortError, TrainingError
from tickercast.prepare.inputs import Inputs
from tickercast.prepare.targets import get_target
from tickercast.progress import Reporter

LOG_RETURN = get_target("log_return")


class Baseline:
    """A model fit by a formula, not by gradient descent: no seed, no loss history, no scaler by default."""

    name: str
    uses_inputs = False
    seeded = False
    direct = False
    dropout_sampling = False
    classifies = False  # forecasts prices only (see protocol: the direction target)
    reads: tuple[str, ...] = ()

    def __init__(self, config: ModelConfig) -> None:
        self.config = config

    @property
    def min_history(self) -> int:
        raise NotImplementedError

    def fit(self, inputs: Inputs | np.ndarray, train_end: int, reporter: Reporter) -> Self:
        return self

    def predict(self, inputs: Inputs | np.ndarray, start: int) -> np.ndarray:
        """Price forecasts for days start .. len(inputs) - 1, each from the rows before that day only."""
        inputs = Inputs.of(inputs)
        if start < self.min_history:
            raise ValueError(f"{self.name} needs {self.min_history} days of history; cannot predict day {start}")
        checked_prices(inputs.prices)
        forecasts = self._forecast(inputs, range(start, len(inputs)))
        if not np.isfinite(forecasts).all():
            raise TrainingError(f"the {self.name} baseline produced non-finite forecasts; "
                                "check the prices for absurd values (zeros, huge jumps)")
        return forecasts

    def state(self) -> dict[str, Any]:
        return {"scaler": None, "weights": {}, "history": None}

    def restore(self, state: dict[str, Any]) -> Self:
        return self

    def _forecast(self, inputs: Inputs, days: range) -> np.ndarray:
        """The forecast of each day in `days` (never empty of history: days.start >= min_history)."""
        raise NotImplementedError


class ReturnBaseline(Baseline):
    """A baseline that forecasts log-returns: it needs `lags` returns (so `lags + 1` prices) per forecast."""

    @property
    def lags(self) -> int:
        """Returns before day t that the forecast of day t reads (0: the forecast needs only p_{t-1})."""
        return 0

    @property
    def min_train(self) -> int:
        """Fewest training returns `fit` accepts."""
        return 1

    @property
    def min_history(self) -> int:
        return self.lags + LOG_RETURN.offset

    def fit(self, inputs: Inputs | np.ndarray, train_end: int, reporter: Reporter) -> Self:
        """Learn from the training returns r_1 .. r_{train_end-1}: each uses only training prices."""
        inputs = Inputs.of(inputs)[:train_end]
        train = log_returns(inputs.prices)[LOG_RETURN.offset:]
        if len(train) < self.min_train:
            raise SeriesTooShortError(f"{self.name} needs at least {self.min_train} training returns, got "
                                      f"{len(train)}; use a longer series or a shorter lookback")
        self._fit_returns(train, inputs)
        return self

    def _forecast(self, inputs: Inputs, days: range) -> np.ndarray:
        # fitted = has a learned attribute (name ending in `_`), as scikit-learn's check_is_fitted
        if not any(key.endswith("_") and not key.startswith("_") for key in vars(self)):
            raise NotFittedError(f"the {self.name} model is not fitted yet; call fit first")
        own = inputs.past if self.uses_inputs and inputs.past is not None else LOG_RETURN.series(inputs.prices)
        predicted = self._predict_returns(own, days, inputs)  # r̂_t for t in days; prices checked
        return LOG_RETURN.to_price(predicted, inputs.prices[days.start - 1:days.stop - 1])

    def _fit_returns(self, train: np.ndarray, inputs: Inputs) -> None:
        """Learn from training returns (train[0] is r_1, no NaN); `inputs` are the training days' rows."""
        raise NotImplementedError

    def _predict_returns(self, returns: np.ndarray, days: range, inputs: Inputs) -> np.ndarray:
        """r̂_t for each t in `days`, reading only rows before t (returns[0] is NaN: day 0 has no return)."""
        raise NotImplementedError


def checked_prices(prices: np.ndarray) -> np.ndarray:
    """The prices as float64, refusing what would turn into a silent NaN (log of a non-positive price)."""
    prices = np.asarray(prices, dtype=np.float64)
    if not (np.isfinite(prices).all() and (prices > 0).all()):
        raise DataError("prices must be positive, finite numbers; pass the series through tickercast.validate")
    return prices


def log_returns(prices: np.ndarray) -> np.ndarray:
    """r_t = log(p_t / p_{t-1}) for every day t, with r_0 = NaN, as the `log_return` target defines it."""
    return LOG_RETURN.series(checked_prices(prices))
