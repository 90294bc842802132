"""A fitted model's one-step forecast of every day it can predict, and the scorecard of each split part."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from tickercast.errors import TrainingError
from tickercast.evaluate.scorecard import direction_scorecard, scorecard
from tickercast.models.protocol import Model, forecasts_direction
from tickercast.prepare.inputs import Inputs
from tickercast.prepare.split import PARTS, Split


def score(model: Model, inputs: Inputs | np.ndarray, dates: pd.DatetimeIndex, split: Split,
          origin: str = "data") -> tuple[pd.DataFrame, dict[str, dict[str, Any]]]:
    """The forecasts table and the metrics of each part that has days.

    The table has `date, actual, predicted, naive, split` (naive = the previous actual price, the same days);
    a non-finite forecast anywhere is a TrainingError, never a quiet NaN in the metrics. A direction model's
    table is `date, actual, up, p_up, split` (up: 1 when the day's price rose) and its metrics `direction_scorecard`.
    """
    inputs = Inputs.of(inputs)
    series = inputs.prices
    first = model.min_history
    days = np.arange(first, len(series))
    parts = pd.Categorical([split.part_of(day) for day in days], categories=PARTS)
    if forecasts_direction(model):
        return _score_direction(model, inputs, dates, parts, origin)
    table = pd.DataFrame({
        "date": dates[first:],
        "actual": series[first:],
        "predicted": model.predict(inputs, first),
        "naive": series[first - 1:-1],
        "split": parts,
    })
    if not np.isfinite(table["predicted"]).all():
        raise TrainingError(f"the {model.name} model produced non-finite forecasts on {origin}; "
                            "check the prices for absurd values, or lower the learning rate")
    metrics = {str(part): scorecard(rows["actual"].to_numpy(), rows["predicted"].to_numpy(), rows["naive"].to_numpy())
               for part, rows in table.groupby("split", sort=False, observed=True) if len(rows)}
    return table, metrics


def _score_direction(model: Model, inputs: Inputs, dates: pd.DatetimeIndex, parts: pd.Categorical,
                     origin: str) -> tuple[pd.DataFrame, dict[str, dict[str, Any]]]:
    first, prices = model.min_history, inputs.prices
    table = pd.DataFrame({"date": dates[first:], "actual": prices[first:],
                          "up": (prices[first:] > prices[first - 1:-1]).astype(int),
                          "p_up": model.predict_proba(inputs, first), "split": parts})
    if not np.isfinite(table["p_up"]).all():
        raise TrainingError(f"the {model.name} model produced non-finite probabilities on {origin}; "
                            "check the prices for absurd values, or lower the learning rate")
    metrics = {str(part): direction_scorecard(rows["up"].to_numpy(), rows["p_up"].to_numpy())
               for part, rows in table.groupby("split", sort=False, observed=True) if len(rows)}
    return table, metrics
