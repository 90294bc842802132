"""How much of the chosen settings' validation advantage survives on the test part. Pure: no I/O.

A sweep chooses, per dataset and model, the best of many settings on the validation part (`select`). The best of
many scores is partly luck, so the winner's validation score is optimistic; the test part, which played no part
in the choice, is not. The gap between the two, next to the number of settings the choice was made among, says
how much of the advantage was real. `luck.py` gives the gap a reference: the same sweep on data with no
structure left, where the whole gap is luck.

    rows = honesty(result.selections, result.records)
    rows[0]   # {"data": "sp500", "model": "lstm", "params": {...}, "candidates": 12,
              #  "val_ratio": 0.991, "test_ratio": 1.004, "gap": 0.013}
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from typing import Any

from tickercast.sweep.select import Selection, eligible
from tickercast.sweep.store import Record

#: How to read the rows, for the tables and the report that show them.
READING = ("val / test: the chosen settings' mean RMSE / naive over seeds on each part; gap = test - val (above 0: "
           "worse on days it never saw than it looked when chosen among the candidates).")
#: ... and their luck check (`luck.py`).
LUCK_READING = ("luck: the same sweep on the returns shuffled in time within the training and validation parts, "
                "where nothing can be predicted; its gap is what choosing among as many candidates gives by luck "
                "alone, so a real gap as large means the validation edge was luck.")
NO_LUCK_READING = "Add --luck-check to see the gap that luck alone gives."

#: The score the rows compare across parts: RMSE over naive's on the same days, so datasets of any price level
#: read alike (below 1 beats "tomorrow = today").
RATIO = "rmse_ratio_vs_naive"


def honesty(selections: Sequence[Selection], records: Sequence[Record]) -> list[dict[str, Any]]:
    """One row per selection, in their order: the chosen settings' mean validation and test ratio to naive over
    seeds, `gap = test_ratio - val_ratio` (above 0: worse on test than it looked), and `candidates`, the number of
    eligible settings the choice was made among (`select.eligible` of `records`: the more, the more luck).

    A ratio that any run lacks is None (as is the gap then): a mean over fewer seeds than the choice used would
    compare different things.
    """
    candidates = Counter((candidate.data, candidate.model) for candidate in eligible(records))
    rows = []
    for selection in selections:
        val, test = mean_ratio(selection, "val"), mean_ratio(selection, "test")
        rows.append({"data": selection.data, "model": selection.model, "params": selection.params,
                     "candidates": candidates[selection.data, selection.model], "val_ratio": val,
                     "test_ratio": test, "gap": None if val is None or test is None else test - val})
    return rows


def mean_ratio(selection: Selection, part: str) -> float | None:
    """The mean over the selection's runs (its seeds) of `part`'s RMSE ratio to naive; None if a run lacks it.

    >>> run = Record("d", "ar", {}, None, {"val": {RATIO: 0.98}}, None, 0.0, 0.0)
    >>> chosen = Selection("d", "ar", {}, 1.0, (run,))
    >>> mean_ratio(chosen, "val"), mean_ratio(chosen, "test")
    (0.98, None)
    """
    ratios = [(run.metrics or {}).get(part, {}).get(RATIO) for run in selection.runs]
    if not ratios or any(ratio is None for ratio in ratios):
        return None
    return statistics.fmean(ratios)
