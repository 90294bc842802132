"""What every model reading windows of scaled rows shares: the scalers fit on training rows, and the rows through them.

The networks (`models.recurrent`) and `logistic` (`models.logistic`) read the same thing for day t: the `lookback`
rows before t of its own past (the target's series, or the log-returns for the `direction` target) and of the
input columns, each through a scaler fit on the training rows only. Sharing this code is what makes "logistic
regression on the same windows and inputs" literally the same windows.
"""

from __future__ import annotations

from typing import Any, Self

import numpy as np

from tickercast.config import ModelConfig
from tickercast.models.inputs import fit_input_scalers
from tickercast.prepare.inputs import Inputs
from tickercast.prepare.scaling import Scaler, fit_scaler
from tickercast.prepare.targets import Target


class ScaledRows:
    """Mixin: `fit_scaler` learns the scalers of the own past and input columns; `scaled_rows` applies them."""

    config: ModelConfig
    target: Target
    scaler_: Scaler
    columns_: tuple[str, ...]
    input_scalers_: list[Scaler]

    def fit_scaler(self, inputs: Inputs | np.ndarray, train_end: int) -> Self:
        """Fit only the scalers, on the training days: the first step of `fit`, and all that a model sharing a
        network trained across tickers learns from its own ticker (`tickercast.sweep.global_model`)."""
        inputs = Inputs.of(inputs)
        series = self.target.past(inputs.prices)
        # Training rows end at train_end; no scaler ever sees a validation or test value.
        self.scaler_ = fit_scaler(series[self.target.offset:train_end], self.config.scaler,
                                  center=self.target.name == "price")
        self.columns_ = inputs.columns
        self.input_scalers_ = fit_input_scalers(inputs, slice(0, train_end), self.config.scaler)
        return self

    def scaled_rows(self, inputs: Inputs) -> np.ndarray:
        """What the model reads, float64: its own past `[n]`, or `[n, 1 + k]` with the k scaled input columns."""
        own = inputs.past if inputs.past is not None else self.target.past(inputs.prices)
        own = self.scaler_.transform(own)
        if not self.input_scalers_:
            return own
        columns = [own] + [scaler.transform(inputs.extra[:, k]) for k, scaler in enumerate(self.input_scalers_)]
        return np.stack(columns, axis=1)  # [n, 1 + k]

    def labels(self, prices: np.ndarray, days: range) -> np.ndarray:
        """The 0/1 outcomes (day t up?) of `days`, float64: what a classifier learns."""
        return self.target.series(prices)[days.start:days.stop]

    def scalers_state(self) -> dict[str, Any]:
        """The scaler entries of `state()`: the own past's scaler and the inputs' (see `models.inputs`)."""
        from tickercast.models.inputs import input_state

        return {"scaler": self.scaler_.to_dict(), "inputs": input_state(self.columns_, self.input_scalers_)}
