"""What a network learns to predict, and how its output becomes a price again.

`log_return` (the default) predicts r_t = log(p_t / p_{t-1}); the forecast price is p_{t-1} * exp(r̂_t), so
an output of exactly 0 *is* the naive forecast "tomorrow = today" and a network can only add to it.
`price` predicts p_t itself, the tutorial way; a scaler fit on the training years rarely covers later prices.
`direction` predicts whether day t is up: 1 when p_t > p_{t-1} strictly, else 0 (a day without a move is "not
up"); a model outputs P(up), never a price, and reads the log-returns as its own past.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tickercast.config import TARGETS
from tickercast.errors import ConfigError

#: What a direction model outputs instead of a price (`to_price` refuses it with this reason).
NOT_A_PRICE = "the direction target forecasts P(up), not a price"


@dataclass(frozen=True)
class Target:
    """A transform of the price series, aligned so that `series(prices)[t]` belongs to day t."""

    name: str
    offset: int  # leading days without a value (1 for returns: day 0 has no previous price)
    additive: bool  # values add up over days (log-returns): h days ahead is the sum of h daily values

    def series(self, prices: np.ndarray) -> np.ndarray:
        """The target for every day; the first `offset` entries are NaN."""
        if self.name == "log_return":
            return np.concatenate([[np.nan], np.diff(np.log(prices))])
        if self.name == "direction":
            return np.concatenate([[np.nan], (np.diff(prices) > 0).astype(np.float64)])
        return prices.astype(np.float64, copy=True)

    def past(self, prices: np.ndarray) -> np.ndarray:
        """What a model reads as the series' own past: the target itself, except for `direction`, whose 0/1
        labels would hide how large each move was: its models read the log-returns."""
        return _TARGETS["log_return"].series(prices) if self.name == "direction" else self.series(prices)

    def to_price(self, values: np.ndarray, previous_prices: np.ndarray) -> np.ndarray:
        """Prices implied by predicted target values, given each day's previous actual price."""
        if self.name == "log_return":
            return previous_prices * np.exp(values)
        if self.name == "direction":
            raise ConfigError(f"{NOT_A_PRICE}; use predict_proba")
        return values


_TARGETS = {"log_return": Target("log_return", offset=1, additive=True),
            "price": Target("price", offset=0, additive=False),
            "direction": Target("direction", offset=1, additive=False)}
assert tuple(_TARGETS) == TARGETS


def get_target(name: str) -> Target:
    """Look up a target by name, with a clear error for typos."""
    if name not in _TARGETS:
        raise ConfigError(f"unknown target {name!r}; use one of: {', '.join(TARGETS)}")
    return _TARGETS[name]
