"""Each model's settings chosen on the validation part only, and the leaderboard of the chosen settings.

Why validation only: a sweep tries many settings, and the best of many test scores is luck as much as skill.
Choosing on validation days and then reporting the test days, which played no part in the choice, keeps the
test metrics an honest estimate of how the chosen model does on days it has never seen. A sweep whose test
part is altered therefore chooses exactly the same settings (a test checks this).

The leaderboard is `compare`'s (`tickercast.comparison`): per dataset a summary over seeds, verdicts between
networks beyond the seed spread, and across datasets each model's mean rank and its significant wins over naive.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tickercast.comparison import leaderboard, network_verdicts, summarize
from tickercast.sweep.store import Record

RULE = ("settings chosen per dataset and model by the lowest mean validation RMSE over seeds; "
        "the test part was never used to choose")


@dataclass(frozen=True)
class Selection:
    """Settings of one model on one dataset and their runs (one per seed), scored on validation: one candidate
    (`eligible`), or the one chosen (`select`)."""

    data: str
    model: str
    params: dict[str, Any]
    validation_rmse: float  # mean over the runs
    runs: tuple[Record, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"data": self.data, "model": self.model, "params": self.params,
                "validation_rmse": self.validation_rmse, "seeds": [run.seed for run in self.runs]}


def select(records: Sequence[Record]) -> list[Selection]:
    """Per (dataset, model), the settings whose runs have the lowest mean validation RMSE; the first on a tie.

    A (dataset, model) none of whose settings is eligible (see `eligible`) has no selection.
    """
    chosen: dict[tuple[str, str], Selection] = {}
    for candidate in eligible(records):
        best = chosen.get((candidate.data, candidate.model))
        if best is None or candidate.validation_rmse < best.validation_rmse:
            chosen[candidate.data, candidate.model] = candidate
    return list(chosen.values())


def eligible(records: Sequence[Record]) -> list[Selection]:
    """Every settings tried on every (dataset, model), scored by its mean validation RMSE over its runs: what
    `select` chooses from, and what the report draws. In the order the records first list them.

    Settings with a failed run are not eligible (their mean would be over fewer seeds than the others').
    """
    groups: dict[tuple[str, str, str], list[Record]] = {}
    for record in records:
        groups.setdefault((record.data, record.model, repr(sorted(record.params.items()))), []).append(record)
    return [Selection(data, model, runs[0].params, statistics.fmean(_validation_rmse(run) for run in runs),
                      tuple(runs))
            for (data, model, _), runs in groups.items() if all(_validation_rmse(run) is not None for run in runs)]


def standings(selections: Sequence[Selection]) -> dict[str, Any]:
    """`compare`'s summary, verdicts and (for several datasets) leaderboard, of the selected runs' test part."""
    runs: dict[str, list[Record]] = {}
    for selection in selections:
        runs.setdefault(selection.data, []).extend(selection.runs)
    return {"summary": {data: summarize(data_runs, "test") for data, data_runs in runs.items()},
            "verdicts": {data: network_verdicts(data_runs, "test") for data, data_runs in runs.items()},
            "leaderboard": leaderboard(runs, "test") if len(runs) > 1 else None}


def _validation_rmse(record: Record) -> float | None:
    return (record.metrics or {}).get("val", {}).get("rmse")
