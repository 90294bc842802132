"""The one protocol every model implements, network or baseline, so evaluation never asks which it holds.

Days are positions in the series. A model reads one `Inputs` object (`prepare.inputs`): the target's prices and
the named input columns beside them, row t known at the close of day t (a bare price array is the inputs of a
returns-only model). `fit` gets only the days up to the end of validation (the test part is not even passed in)
and where validation starts; `predict` returns the one-step-ahead forecast of each day from `start` to the end,
made from the rows strictly before that day.

What a model can do is a property it declares, never something a caller infers from its class:

    uses_inputs        reads input columns beyond its own past (networks, ar); the others ignore them
    seeded             its fit depends on the seed (compare and sweeps run it once per seed)
    direct             forecasts several days at once from one window (`forecast_direct`, trained with horizons > 1)
    dropout_sampling   can sample forecast paths with dropout on (`dropout_paths`)
    classifies         can forecast the direction (`predict_proba`, with the `direction` target): the networks and
                       the direction baselines (base_rate, momentum, reversal, logistic)

A model fitted for the `direction` target forecasts P(up), not a price: its `predict_proba(inputs, start)` gives
P(day t is up) for days start .. n-1 from the rows before each day, and its `predict` refuses (`no_price`), so
no price-only path (intervals, recursive multi-step forecasts, Diebold–Mariano tests against naive, the lag
diagnostic) can treat a probability as a price. `forecasts_direction(model)` says which kind a model is.

A network with `config.ensemble` N > 1 (`recurrent.RecurrentEnsemble`) is one model to every caller: each of its
forecasts is the mean of its N members' (prices, or P(up)); nothing here asks how many networks a model holds.

Every model can forecast several days recursively (its own forecast fed back as if observed), but only from its
own past: the future of other inputs is unknown, so with input columns a multi-day forecast must be direct.
"""

from __future__ import annotations

from typing import Any, Protocol, Self

import numpy as np

from tickercast.config import ModelConfig
from tickercast.errors import ConfigError, option
from tickercast.prepare.inputs import Inputs
from tickercast.progress import Reporter


class Model(Protocol):
    """What Forecaster, compare, backtests and the conformance tests rely on."""

    name: str
    config: ModelConfig
    uses_inputs: bool
    seeded: bool
    direct: bool
    dropout_sampling: bool
    classifies: bool
    #: The ModelConfig settings its forecasts depend on. A sweep runs a model once per distinct value of these
    #: (and once per seed only if `seed` is among them), instead of repeating identical fits.
    reads: tuple[str, ...]

    @property
    def min_history(self) -> int:
        """Days of history needed before the first prediction (the first day it can predict)."""
        ...

    def fit(self, inputs: Inputs | np.ndarray, train_end: int, reporter: Reporter) -> Self:
        """Learn from days [0, train_end); days [train_end, len(inputs)) are for validation only."""
        ...

    def predict(self, inputs: Inputs | np.ndarray, start: int) -> np.ndarray:
        """Price forecasts for days start .. len(inputs) - 1, each from the rows before that day only."""
        ...

    def predict_proba(self, inputs: Inputs | np.ndarray, start: int) -> np.ndarray:
        """P(up) of days start .. len(inputs) - 1, each from the rows before that day only (classifiers only)."""
        ...

    def state(self) -> dict[str, Any]:
        """What was learned: `scaler` (a JSON dict or None), `weights` (name -> array), `history` (or None), and
        `inputs` (the input columns and their scalers, or None when the model reads none)."""
        ...

    def restore(self, state: dict[str, Any]) -> Self:
        """Take back what `state()` returned (read from a bundle): the model then predicts as before."""
        ...


def can_forecast_recursively(model: Model, inputs: Inputs) -> bool:
    """A recursive multi-day forecast needs every input's future; only a model's own past has one (its forecast)."""
    return not (model.uses_inputs and inputs.width)


def forecasts_direction(model: Model) -> bool:
    """Whether the model forecasts P(up) (the `direction` target) rather than prices."""
    return model.config.target == "direction"


def no_price(name: str) -> ConfigError:
    """The error of a price forecast asked of a direction model (raised by its `predict`)."""
    return ConfigError(f"the {name} model forecasts P(up) (target direction), not prices; use predict_proba, or "
                       f"train it with another {option('target')} for prices")
