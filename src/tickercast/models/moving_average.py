"""The moving average: tomorrow = the mean of the last k prices (k = `lookback`).

    p̂_t = (p_{t-k} + ... + p_{t-1}) / k

It is the smoothed line many tutorials plot next to their network, and the honest reference for it: averaging
removes day-to-day noise but lags a trend by (k - 1) / 2 days, so on a random walk it loses to the naive forecast
(k = 1 *is* the naive forecast) by a factor that grows with k. Nothing is learned; it reads only `lookback`.

>>> from tickercast.config import ModelConfig
>>> model = MovingAverageModel(ModelConfig(lookback=3))
>>> model.predict(np.arange(1.0, 11.0), 3).tolist()        # prices 1 .. 10
[2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]
"""

from __future__ import annotations

import numpy as np

from tickercast.models.baseline import Baseline
from tickercast.prepare.inputs import Inputs
from tickercast.prepare.windows import windows_before


class MovingAverageModel(Baseline):
    """p̂_t = mean(p_{t-k} .. p_{t-1}), k = config.lookback. Nothing to fit, nothing to save."""

    name = "ma"
    reads = ("lookback",)

    @property
    def min_history(self) -> int:
        return self.config.lookback

    def _forecast(self, inputs: Inputs, days: range) -> np.ndarray:
        # [len(days), k] strided view of the k prices before each day -> [len(days)]
        return windows_before(inputs.prices, self.config.lookback, days).mean(axis=1)
