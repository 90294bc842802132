"""The unit of work, as a worker runs it: a top-level function of picklable arguments that returns metrics.

`work` is what every engine calls, in this process, in a pool process or on a Ray node, so the numbers are the
same wherever a unit runs. It runs the unit on one thread (`reproducible.one_thread`): the thread count is part
of what a unit's arithmetic depends on (a matrix product split over two threads rounds differently, in the 15th
digit), and processes that each started one thread per core would fight over the cores.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import pandas as pd

from tickercast.config import ModelConfig
from tickercast.errors import TickercastError
from tickercast.reproducible import one_thread
from tickercast.sweep.plan import SplitOptions, Unit


@dataclass(frozen=True)
class Outcome:
    """What one unit produced: metrics per split part for each dataset it scored, or why it could not.

    A per-ticker unit has one dataset; a global unit one per ticker (some may fail while the others score).
    `seconds` (wall), `cpu_seconds` (this process's CPU time: what a unit costs, however busy the machine was
    with other work) and `threads` describe the run, not the result.
    """

    metrics: dict[str, dict[str, dict[str, Any]]]  # data -> part (train, val, test) -> metric -> value
    errors: dict[str, str]  # data -> one-line reason
    seconds: float
    cpu_seconds: float
    threads: int

    @property
    def done(self) -> bool:
        """Scored at least one dataset; a unit that scored none is run again by `--resume`."""
        return bool(self.metrics)


def work(unit: Unit, base: ModelConfig, split: SplitOptions, *frames: pd.DataFrame) -> Outcome:
    """Run the unit on one thread (the entry point of every engine)."""
    with one_thread():
        return run_unit(unit, base, split, *frames)


def run_unit(unit: Unit, base: ModelConfig, split: SplitOptions, *frames: pd.DataFrame) -> Outcome:
    """Fit and score one unit on `frames` (validated PriceFrames, one per name in `unit.frames`, in order: its
    datasets, then its covariates).

    Any error is caught and recorded, so that one bad ticker cannot stop a sweep of thousands of units:
    a user's error (TickercastError) with its own message, anything else as a bug to report.
    """
    import torch

    started, cpu_started = time.perf_counter(), time.process_time()
    metrics: dict[str, dict[str, dict[str, Any]]] = {}
    errors: dict[str, str] = {}
    config = unit.config(base)
    try:
        own, covariates = frames[:len(unit.data)], dict(zip(unit.covariates, frames[len(unit.data):], strict=True))
        if unit.is_global:
            from tickercast.sweep.global_model import fit_global

            metrics, errors = fit_global(unit.cell, config, dict(zip(unit.data, own, strict=True)), split, covariates)
        else:
            from tickercast.forecaster import Forecaster

            (name,), (frame,) = unit.data, own
            metrics[name] = Forecaster(unit.model, **config.to_dict()).fit(
                frame, covariates=covariates, **split.to_dict(), first_date=frame.attrs.get("first_date")).metrics
    except Exception as error:  # recorded, never lost: see the docstring
        errors = dict.fromkeys(unit.data, describe(error))
        metrics = {}
    return Outcome(metrics, errors, time.perf_counter() - started, time.process_time() - cpu_started,
                   torch.get_num_threads())


def describe(error: Exception) -> str:
    """One line for the results table: the message a user can act on, or the bug's type and message."""
    if isinstance(error, TickercastError):
        return str(error)
    return f"{type(error).__name__}: {error} (a bug in tickercast; please report it)"
