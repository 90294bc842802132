"""The unit of work, as a worker runs it: a top-level function of picklable arguments that returns metrics.

A worker runs a group of units that differ only in their seed (`plan.seed_groups`; most groups hold one unit),
so that their networks train together; it hands back one outcome per unit, which the store keeps as before.
`work` is what every engine calls, in this process, in a pool process or on a Ray node, so the numbers are the
same wherever a unit runs. It runs the unit on one thread (`reproducible.one_thread`): the thread count is part
of what a unit's arithmetic depends on (a matrix product split over two threads rounds differently, in the 15th
digit), and processes that each started one thread per core would fight over the cores.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from tickercast.config import ModelConfig
from tickercast.errors import TickercastError, worded_as_flags
from tickercast.reproducible import one_thread
from tickercast.sweep.plan import SplitOptions, Unit
from tickercast.sweep.pruning import Pruned, Watch, Watcher


@dataclass(frozen=True)
class Outcome:
    """What one unit produced: metrics per split part for each dataset it scored, or why it could not.

    A per-ticker unit has one dataset; a global unit one per ticker (some may fail while the others score).
    `seconds` (wall), `cpu_seconds` (this process's CPU time: what a unit costs, however busy the machine was
    with other work) and `threads` describe the run, not the result; a unit trained with other seeds gets an
    equal share of its group's times.

    In a TPE search a unit also brings back its learning curve (the validation loss after each epoch, the mean
    over the seeds trained with it) and the pruner's notes, for the study; a unit the pruner stopped has no
    metrics and no error, and `pruned` is the epoch it stopped after.
    """

    metrics: dict[str, dict[str, dict[str, Any]]]  # data -> part (train, val, test) -> metric -> value
    errors: dict[str, str]  # data -> one-line reason
    seconds: float
    cpu_seconds: float
    threads: int
    pruned: int | None = None
    curve: tuple[float, ...] = ()
    system_attrs: dict[str, Any] = field(default_factory=dict)

    @property
    def done(self) -> bool:
        """Scored at least one dataset, or stopped by the pruner; any other unit is run again by `--resume`."""
        return bool(self.metrics) or self.pruned is not None


def work(units: Sequence[Unit], base: ModelConfig, split: SplitOptions, watch: Watch | None,
         flags: Mapping[str, str] | None, *frames: pd.DataFrame) -> list[Outcome]:
    """Run a group of units (`plan.seed_groups`) on one thread (the entry point of every engine): one outcome per
    unit, in order. `watch`: how to prune it (a TPE search's trial), or None; `flags`: the driver's wording of
    settings in messages (`errors.current_flags`), so a failed unit's error reads the same in any process."""
    wording = worded_as_flags(flags) if flags is not None else contextlib.nullcontext()
    with one_thread(), wording:
        return run_units(units, base, split, *frames, watch=watch)


def run_units(units: Sequence[Unit], base: ModelConfig, split: SplitOptions, *frames: pd.DataFrame,
              watch: Watch | None = None) -> list[Outcome]:
    """Fit and score units that differ only in their seed on `frames` (validated PriceFrames, one per name in
    `units[0].frames`, in order: its datasets, then its covariates); one outcome per unit. With a `watch`, the
    pruner may stop their training (`sweep.pruning`): then every unit of the group is pruned.

    The seeds' networks train together as one batched computation (`forecaster.fit_seeds`); each outcome holds
    its own seed's metrics, and a share of the group's time. A global unit comes alone (`fit_global`).

    Any error is caught and recorded, so that one bad ticker cannot stop a sweep of thousands of units:
    a user's error (TickercastError) with its own message, anything else as a bug to report. When a group
    fails, each of its units runs again alone, so that each records its own outcome (one seed's diverging loss
    does not cost the others theirs).
    """
    import torch

    started, cpu_started = time.perf_counter(), time.process_time()
    first = units[0]
    watcher = Watcher(watch)
    try:
        own, covariates = frames[:len(first.data)], dict(zip(first.covariates, frames[len(first.data):], strict=True))
        if first.is_global:
            from tickercast.sweep.global_model import fit_global

            (unit,) = units
            fitted = [fit_global(unit.cell, unit.config(base), dict(zip(unit.data, own, strict=True)), split,
                                 covariates)]
        else:
            from tickercast.forecaster import Forecaster, fit_seeds

            (name,), (frame,) = first.data, own
            forecasters = fit_seeds([Forecaster(unit.model, **unit.config(base).to_dict()) for unit in units], frame,
                                    covariates=covariates, **split.to_dict(), first_date=frame.attrs.get("first_date"),
                                    reporter=watcher)
            fitted = [({name: forecaster.metrics}, {}) for forecaster in forecasters]
    except Pruned as stop:
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
        return [Outcome({}, {}, seconds / len(units), cpu_seconds / len(units), torch.get_num_threads(),
                        len(stop.curve), tuple(stop.curve), stop.system_attrs) for _ in units]
    except Exception as error:  # recorded, never lost: see the docstring
        if len(units) > 1:
            return [outcome for unit in units for outcome in run_units((unit,), base, split, *frames, watch=watch)]
        fitted = [({}, dict.fromkeys(first.data, describe(error)))]
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    return [Outcome(metrics, errors, seconds / len(units), cpu_seconds / len(units), torch.get_num_threads(),
                    curve=tuple(watcher.curve), system_attrs=watcher.system_attrs())
            for metrics, errors in fitted]


def describe(error: Exception) -> str:
    """One line for the results table: the message a user can act on, or the bug's type and message."""
    if isinstance(error, TickercastError):
        return str(error)
    return f"{type(error).__name__}: {error} (a bug in tickercast; please report it)"
