"""Which inputs a fitted model actually used: permutation importance on the validation days.

For each input group (the model's own past returns, then each feature or covariate of `Inputs.groups`), the
group's values on the validation days are shuffled in time, destroying what they say about the next day while
keeping their distribution, and the validation RMSE is measured again. The importance is the relative increase:

    importance(g) = mean over repeats of  RMSE(validation, g shuffled) / RMSE(validation) - 1

0 means the model ignores the input (or it carries nothing); 0.05 means it is 5% worse without it. Validation
days, not test days: the test part stays untouched for the verdicts, and the validation part was never trained on.
Every shuffle reuses the fitted model: no refit, one batched forecast per repeat and group.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tickercast.evaluate.metrics import rmse
from tickercast.models.protocol import Model
from tickercast.prepare.inputs import Inputs
from tickercast.prepare.split import Split
from tickercast.prepare.targets import get_target

#: Shuffles per input group, averaged: one shuffle of a few hundred days is noisy to a few tenths of a percent.
REPEATS = 3


def permutation_importance(model: Model, inputs: Inputs, split: Split, *, seed: int = 0,
                           repeats: int = REPEATS) -> list[dict[str, Any]]:
    """Rows `{input, columns, importance}` for the returns and every input group, largest first ([] without
    validation days the model can predict)."""
    start, stop = max(split.train_end, model.min_history), split.val_end
    if stop - start < 2:
        return []
    inputs = inputs[:stop]
    actual = inputs.prices[start:]
    base = rmse(actual, model.predict(inputs, start))
    own = get_target(model.config.target).series(inputs.prices)
    rng = np.random.default_rng(seed)
    rows = []
    for group, columns in [("returns", []), *inputs.groups().items()]:
        worse = []
        for _ in range(repeats):
            order = start + rng.permutation(stop - start)
            if group == "returns":  # shuffle the own past only; the columns stay as they are
                extra, past = inputs.extra, own.copy()
                past[start:] = own[order]
            else:  # shuffle this group's columns only; the model computes its own past from the prices
                extra, past = inputs.extra.copy(), None
                extra[start:, columns] = inputs.extra[np.ix_(order, columns)]
            worse.append(rmse(actual, model.predict(inputs.with_columns(extra, past), start)) / base - 1)
        names = ["returns"] if group == "returns" else [inputs.columns[k] for k in columns]
        rows.append({"input": group, "columns": names, "importance": float(np.mean(worse))})
    return sorted(rows, key=lambda row: -row["importance"])
