"""What a network learns to predict, and how its output becomes a price again.

`log_return` (the default) predicts r_t = log(p_t / p_{t-1}); the forecast price is p_{t-1} * exp(r̂_t), so
an output of exactly 0 *is* the naive forecast "tomorrow = today" and a network can only add to it.
`price` predicts p_t itself, the tutorial way; a scaler fit on the training years rarely covers later prices.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tickercast.config import TARGETS
from tickercast.errors import ConfigError


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
        return prices.astype(np.float64, copy=True)

    def to_price(self, values: np.ndarray, previous_prices: np.ndarray) -> np.ndarray:
        """Prices implied by predicted target values, given each day's previous actual price."""
        if self.name == "log_return":
            return previous_prices * np.exp(values)
        return values


_TARGETS = {"log_return": Target("log_return", offset=1, additive=True),
            "price": Target("price", offset=0, additive=False)}
assert tuple(_TARGETS) == TARGETS


def get_target(name: str) -> Target:
    """Look up a target by name, with a clear error for typos."""
    if name not in _TARGETS:
        raise ConfigError(f"unknown target {name!r}; use one of: {', '.join(TARGETS)}")
    return _TARGETS[name]
