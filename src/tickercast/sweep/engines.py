"""Where units run: `local` (this machine's processes, the default) or `ray` (a Ray cluster, any size).

We do not schedule anything ourselves: a process pool is enough for one machine, and Ray, which this field
already uses for exactly this, takes over beyond one. Both call the same `unit.work` with the same arguments,
so a unit's numbers do not depend on the engine. Both keep only a few units in flight per worker and yield
each outcome as soon as it is ready, so the caller can store it before anything else can go wrong.

Threads: every unit runs on one thread (`reproducible.one_thread`), so that its numbers are identical with any
number of workers and on Ray; the parallelism is the number of units running side by side. A local worker dies
with the driver, even one killed with `kill -9` (`lifeline.attach`).
"""

from __future__ import annotations

import itertools
import multiprocessing
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from types import ModuleType
from typing import Any, Protocol

import pandas as pd

from tickercast.config import ModelConfig
from tickercast.errors import ConfigError, TickercastError
from tickercast.lifeline import attach
from tickercast.parallel import cores
from tickercast.sweep.plan import SplitOptions, Unit
from tickercast.sweep.reach import TIMEOUT, join
from tickercast.sweep.unit import Outcome, work

ENGINES = ("local", "ray")
INSTALL_RAY = "pip install 'tickercast[distributed]'"
#: Units queued per worker beyond the one it runs: enough to never wait for the driver, few enough that an
#: interrupted sweep abandons little and a 150,000-unit sweep is not pickled up front.
_QUEUED_PER_WORKER = 1


class Engine(Protocol):
    name: str

    def run(self, units: Iterable[Unit], frames: Mapping[str, pd.DataFrame], base: ModelConfig,
            split: SplitOptions) -> Iterator[tuple[Unit, Outcome]]:
        """Run every unit on its frames (by name in `unit.frames`), yielding each outcome as it finishes."""
        ...


class LocalEngine:
    """`workers` processes on this machine (0: one per core); with one, this process itself (no start-up cost,
    easy to debug).

    Worker processes are spawned, not forked: a fork of a process whose torch thread pool is running can
    deadlock, and spawning is what macOS and Windows do anyway. They die with this process (`lifeline`).
    """

    name = "local"

    def __init__(self, workers: int = 0) -> None:
        if workers < 0:
            raise ConfigError("--workers must be 0 (one per core) or more")
        self.workers = workers or cores()

    def run(self, units: Iterable[Unit], frames: Mapping[str, pd.DataFrame], base: ModelConfig,
            split: SplitOptions) -> Iterator[tuple[Unit, Outcome]]:
        if self.workers == 1:
            for unit in units:
                yield unit, work(unit, base, split, *(frames[name] for name in unit.frames))
            return
        queue = iter(units)
        pending: dict[Future[Outcome], Unit] = {}
        pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"), initializer=attach)

        def submit(batch: Iterable[Unit]) -> None:
            for unit in batch:
                pending[pool.submit(work, unit, base, split, *(frames[n] for n in unit.frames))] = unit

        try:
            submit(itertools.islice(queue, self.workers * (1 + _QUEUED_PER_WORKER)))
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    unit = pending.pop(future)
                    try:
                        outcome = future.result()
                    except BrokenProcessPool:
                        raise TickercastError("a worker process died (out of memory, or killed); the units that "
                                              "finished are saved: run the same command with --resume (and "
                                              "fewer --workers if memory is short)") from None
                    yield unit, outcome
                    submit(itertools.islice(queue, 1))
        finally:
            pool.shutdown(wait=True, cancel_futures=True)  # units not started are dropped, not waited for


class RayEngine:
    """Tasks on a Ray cluster: `address` as `ray.init` takes it (None: the RAY_ADDRESS variable, else a Ray
    started on this machine for the sweep). A Ray already initialised in this process is used as it is.

    It connects when created, within `timeout` seconds (`reach.join`), so that an unreachable cluster is
    reported before any data is read or any run folder is written. Each dataset is put in Ray's object store
    once and shared by all its units. Ray runs a task again when its node is lost (up to 3 times); a unit it
    still cannot run is recorded as failed.
    """

    name = "ray"

    def __init__(self, address: str | None = None, timeout: float = TIMEOUT) -> None:
        self.address = address
        self.timeout = timeout
        self.ray = import_ray()
        self.started_here = False
        self._connect()

    def run(self, units: Iterable[Unit], frames: Mapping[str, pd.DataFrame], base: ModelConfig,
            split: SplitOptions) -> Iterator[tuple[Unit, Outcome]]:
        ray = self.ray
        self._connect()
        queue = iter(units)
        pending: dict[Any, Unit] = {}  # Ray's ObjectRef of each running unit's outcome
        try:
            task = ray.remote(num_cpus=1, max_retries=3)(work)
            shared = {name: ray.put(frame) for name, frame in frames.items()}
            workers = max(1, int(ray.cluster_resources().get("CPU", 1)))

            def submit(batch: Iterable[Unit]) -> None:
                for unit in batch:
                    pending[task.remote(unit, base, split, *(shared[name] for name in unit.frames))] = unit

            submit(itertools.islice(queue, workers * (1 + _QUEUED_PER_WORKER)))
            while pending:
                (ready,), _ = ray.wait(list(pending), num_returns=1)
                unit = pending.pop(ready)
                try:
                    outcome = ray.get(ready)
                except ray.exceptions.RayError as error:
                    reason = str(error).strip().splitlines()[0]
                    outcome = Outcome({}, dict.fromkeys(unit.data, f"Ray could not run this unit: {reason}"), 0.0,
                                      0.0, 1)
                yield unit, outcome
                submit(itertools.islice(queue, 1))
        finally:
            if self.started_here:
                ray.shutdown()
                self.started_here = False
            else:  # someone else's Ray: take back what an interrupted sweep left running
                for ref in pending:
                    ray.cancel(ref)

    def _connect(self) -> None:
        if self.ray.is_initialized():
            return
        join(self.ray, self.address, self.timeout)
        self.started_here = True


def make_engine(name: str, *, workers: int = 0, address: str | None = None, timeout: float | None = None) -> Engine:
    """An engine by name; the options of the other engine are refused rather than silently ignored."""
    if name == "local":
        if address is not None or timeout is not None:
            raise ConfigError(f"{'--ray-address' if address is not None else '--ray-timeout'} is for --engine ray")
        return LocalEngine(workers)
    if name == "ray":
        if workers:
            raise ConfigError("--workers is for --engine local; Ray runs one unit per CPU of its cluster")
        if timeout is not None and not 0 < timeout <= 3600:
            raise ConfigError("--ray-timeout must be above 0 and at most 3600 seconds")
        return RayEngine(address, TIMEOUT if timeout is None else timeout)
    raise ConfigError(f"unknown engine {name!r}; use one of: {', '.join(ENGINES)}")


def import_ray() -> ModuleType:
    """Ray, imported only when asked for (it is an optional extra and slow to import)."""
    try:
        import ray
    except ImportError:
        raise ConfigError(f"--engine ray needs Ray, an optional extra: {INSTALL_RAY}") from None
    return ray
