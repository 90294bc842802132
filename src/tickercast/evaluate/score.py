"""A fitted model's one-step forecast of every day it can predict, and the scorecard of each split part."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from tickercast.errors import TrainingError
from tickercast.evaluate.scorecard import scorecard
from tickercast.models.protocol import Model
from tickercast.prepare.inputs import Inputs
from tickercast.prepare.split import PARTS, Split


def score(model: Model, inputs: Inputs | np.ndarray, dates: pd.DatetimeIndex, split: Split,
          origin: str = "data") -> tuple[pd.DataFrame, dict[str, dict[str, Any]]]:
    """The forecasts table and the metrics of each part that has days.

    The table has `date, actual, predicted, naive, split` (naive = the previous actual price, the same days);
    a non-finite forecast anywhere is a TrainingError, never a quiet NaN in the metrics.
    """
    inputs = Inputs.of(inputs)
    series = inputs.prices
    first = model.min_history
    days = np.arange(first, len(series))
    table = pd.DataFrame({
        "date": dates[first:],
        "actual": series[first:],
        "predicted": model.predict(inputs, first),
        "naive": series[first - 1:-1],
        "split": pd.Categorical([split.part_of(day) for day in days], categories=PARTS),
    })
    if not np.isfinite(table["predicted"]).all():
        raise TrainingError(f"the {model.name} model produced non-finite forecasts on {origin}; "
                            "check the prices for absurd values, or lower the learning rate")
    metrics = {str(part): scorecard(rows["actual"].to_numpy(), rows["predicted"].to_numpy(), rows["naive"].to_numpy())
               for part, rows in table.groupby("split", sort=False, observed=True) if len(rows)}
    return table, metrics
