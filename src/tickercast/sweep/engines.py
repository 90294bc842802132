"""Where units run: `local` (this machine's processes, the default) or `ray` (a Ray cluster, any size).

We do not schedule anything ourselves: a process pool is enough for one machine, and Ray, which this field
already uses for exactly this, takes over beyond one. Both call the same `unit.work` with the same arguments,
so a unit's numbers do not depend on the engine. Both keep only a few units in flight per worker and yield
each outcome as soon as it is ready, so the caller can store it before anything else can go wrong.

`run` is the sweep's entry point; `map` is the same machinery for any top-level function (the rank study's
periods use it): `fn(*payload, *shared)` for each payload, results with their index as they finish (or in
order), and an error raised by `fn` raised again in the caller as what it was.

Units that differ only in their seed run as one task whose networks train together (`plan.seed_groups`), so
a worker and a Ray task take a whole group; each unit still comes back with its own outcome.

Threads: every unit runs on one thread (`reproducible.one_thread`), so that its numbers are identical with any
number of workers and on Ray; the parallelism is the number of units running side by side. A local worker dies
with the driver, even one killed with `kill -9` (`lifeline.attach`).
"""

from __future__ import annotations

import itertools
import multiprocessing
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from types import ModuleType
from typing import Any, Protocol, TypeVar

import pandas as pd

from tickercast.config import ModelConfig
from tickercast.errors import ConfigError, TickercastError, current_flags
from tickercast.lifeline import attach
from tickercast.parallel import cores
from tickercast.sweep.plan import SplitOptions, Unit, seed_groups
from tickercast.sweep.pruning import Watch
from tickercast.sweep.reach import TIMEOUT, join
from tickercast.sweep.unit import Outcome, work

ENGINES = ("local", "ray")
INSTALL_RAY = "pip install 'tickercast[distributed]'"
#: Units queued per worker beyond the one it runs: enough to never wait for the driver, few enough that an
#: interrupted sweep abandons little and a 150,000-unit sweep is not pickled up front.
_QUEUED_PER_WORKER = 1
#: What a worker process that died leaves: the units that finished were handed over as they finished.
_WORKER_DIED = ("a worker process died (out of memory, or killed); the units that finished are saved: run the same "
                "command with --resume (and fewer --workers if memory is short)")

R = TypeVar("R")
#: Turns a task's error into its result (`map(on_error=...)`): how a sweep records a failed unit and goes on.
OnError = Callable[[int, BaseException], Any]


class Engine(Protocol):
    name: str
    workers: int  # units that run side by side

    def run(self, units: Iterable[Unit], frames: Mapping[str, pd.DataFrame], base: ModelConfig,
            split: SplitOptions, watches: Mapping[str, Watch] | None = None) -> Iterator[tuple[Unit, Outcome]]:
        """Run every unit on its frames (by name in `unit.frames`), yielding each outcome as it finishes.

        Consecutive units that differ only in their seed run as one task (`plan.seed_groups`: their networks
        train together), and their outcomes come out together, one per unit. `watches` maps the key of a
        group's first unit to how to prune it (a TPE search's trials, `sweep.pruning`)."""
        ...

    def kept(self) -> Any:
        """A context in which every `run` and `map` use the same workers (a TPE search runs one batch at a
        time, and starting workers for each would cost more than the batch)."""
        ...

    def map(self, fn: Callable[..., R], payloads: Iterable[Sequence[Any]], *, shared: Sequence[Any] = (),
            ordered: bool = False, on_error: OnError | None = None) -> Iterator[tuple[int, R]]:
        """Call `fn(*payload, *shared)` for each payload; yield `(index, result)` as each finishes (in payload
        order with `ordered`). `fn` must be a top-level function and its arguments picklable.

        `shared` values are the same for every call and shipped once where the engine can (Ray's object
        store). An exception raised by `fn` is raised here as it was, unless `on_error(index, error)` turns it
        into that task's result; a worker that dies is a TickercastError saying what to do.
        """
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
        self._pool: ProcessPoolExecutor | None = None  # while `kept`

    @contextmanager
    def kept(self) -> Generator[None]:
        """`Engine.kept`: one pool of worker processes for every call inside."""
        if self.workers == 1 or self._pool is not None:
            yield
            return
        self._pool = _new_pool(self.workers)
        try:
            yield
        finally:
            pool, self._pool = self._pool, None
            pool.shutdown(wait=True, cancel_futures=True)

    def run(self, units: Iterable[Unit], frames: Mapping[str, pd.DataFrame], base: ModelConfig,
            split: SplitOptions, watches: Mapping[str, Watch] | None = None) -> Iterator[tuple[Unit, Outcome]]:
        started: list[tuple[Unit, ...]] = []  # by index, as `map` hands them to the pool (it reads them lazily)
        flags = current_flags()

        def payloads() -> Iterator[tuple[Any, ...]]:
            for group in seed_groups(units):
                started.append(group)
                yield (group, base, split, (watches or {}).get(group[0].key), flags,
                       *(frames[name] for name in group[0].frames))

        for index, outcomes in self.map(work, payloads()):
            yield from zip(started[index], outcomes, strict=True)

    def map(self, fn: Callable[..., R], payloads: Iterable[Sequence[Any]], *, shared: Sequence[Any] = (),
            ordered: bool = False, on_error: OnError | None = None) -> Iterator[tuple[int, R]]:
        """`Engine.map` on this machine's processes (in this process with one worker)."""
        if self.workers == 1:
            for index, payload in enumerate(payloads):
                yield index, _call(fn, index, (*payload, *shared), on_error)
            return
        queue = enumerate(payloads)
        pending: dict[Future[Any], int] = {}
        pool = self._pool or _new_pool(self.workers)

        def submit(batch: Iterable[tuple[int, Sequence[Any]]]) -> None:
            for index, payload in batch:
                pending[pool.submit(fn, *payload, *shared)] = index

        def finished() -> Iterator[tuple[int, Any]]:
            submit(itertools.islice(queue, self.workers * (1 + _QUEUED_PER_WORKER)))
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in sorted(done, key=pending.__getitem__):
                    index = pending.pop(future)
                    try:
                        result = future.result()
                    except BrokenProcessPool:
                        raise TickercastError(_WORKER_DIED) from None
                    except Exception as error:  # fn's own error: the caller's to handle or to raise
                        if on_error is None:
                            raise
                        result = on_error(index, error)
                    yield index, result
                    submit(itertools.islice(queue, 1))

        try:
            yield from (_in_order(finished()) if ordered else finished())
        finally:
            if pool is self._pool:  # kept for the next call: drop only this call's units not started
                for future in pending:
                    future.cancel()
            else:
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
        self._kept = False
        self._connect()

    @contextmanager
    def kept(self) -> Generator[None]:
        """`Engine.kept`: a Ray this engine started stays up for every call inside, not one per call."""
        if self._kept:
            yield
            return
        self._kept = True
        try:
            yield
        finally:
            self._kept = False
            self._release()

    def run(self, units: Iterable[Unit], frames: Mapping[str, pd.DataFrame], base: ModelConfig,
            split: SplitOptions, watches: Mapping[str, Watch] | None = None) -> Iterator[tuple[Unit, Outcome]]:
        self._connect()
        shared = {name: self.ray.put(frame) for name, frame in frames.items()}  # each dataset once
        started: list[tuple[Unit, ...]] = []
        flags = current_flags()

        def payloads() -> Iterator[tuple[Any, ...]]:
            for group in seed_groups(units):
                started.append(group)
                yield (group, base, split, (watches or {}).get(group[0].key), flags,
                       *(shared[name] for name in group[0].frames))

        def failed(index: int, error: BaseException) -> list[Outcome]:
            reason = str(error).strip().splitlines()[0]
            return [Outcome({}, dict.fromkeys(unit.data, f"Ray could not run this unit: {reason}"), 0.0, 0.0, 1)
                    for unit in started[index]]

        for index, outcomes in self.map(work, payloads(), on_error=failed):
            yield from zip(started[index], outcomes, strict=True)

    def map(self, fn: Callable[..., R], payloads: Iterable[Sequence[Any]], *, shared: Sequence[Any] = (),
            ordered: bool = False, on_error: OnError | None = None) -> Iterator[tuple[int, R]]:
        """`Engine.map` as Ray tasks (one CPU each, run again up to 3 times when their node is lost)."""
        ray = self.ray
        self._connect()
        queue = enumerate(payloads)
        pending: dict[Any, int] = {}  # Ray's ObjectRef of each running task's result -> its index
        try:
            task = ray.remote(num_cpus=1, max_retries=3)(fn)
            refs = [ray.put(value) for value in shared]
            workers = self.workers

            def submit(batch: Iterable[tuple[int, Sequence[Any]]]) -> None:
                for index, payload in batch:
                    pending[task.remote(*payload, *refs)] = index

            def finished() -> Iterator[tuple[int, Any]]:
                submit(itertools.islice(queue, workers * (1 + _QUEUED_PER_WORKER)))
                while pending:
                    (ready,), _ = ray.wait(list(pending), num_returns=1)
                    index = pending.pop(ready)
                    try:
                        result = ray.get(ready)
                    except ray.exceptions.RayError as error:
                        if on_error is not None:
                            result = on_error(index, error)
                        elif isinstance(error, ray.exceptions.RayTaskError):
                            raise error.as_instanceof_cause() from None  # fn's own error, as it was raised
                        else:
                            reason = str(error).strip().splitlines()[0]
                            raise TickercastError(f"Ray could not run task {index}: {reason}") from None
                    yield index, result
                    submit(itertools.islice(queue, 1))

            yield from (_in_order(finished()) if ordered else finished())
        finally:
            for ref in pending:  # what an interrupted run left running
                ray.cancel(ref)
            if not self._kept:
                self._release()

    def _release(self) -> None:
        """Shut down a Ray this engine started; one it found running is left as it was."""
        if self.started_here:
            self.ray.shutdown()
            self.started_here = False

    @property
    def workers(self) -> int:
        """The cluster's CPUs: how many units run side by side (a TPE search asks this many trials at once)."""
        self._connect()
        return max(1, int(self.ray.cluster_resources().get("CPU", 1)))

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


def _new_pool(workers: int) -> ProcessPoolExecutor:
    """Spawned worker processes that die with this one (`lifeline`)."""
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=attach)


def import_ray() -> ModuleType:
    """Ray, imported only when asked for (it is an optional extra and slow to import)."""
    try:
        import ray
    except ImportError:
        raise ConfigError(f"--engine ray needs Ray, an optional extra: {INSTALL_RAY}") from None
    return ray


def _call(fn: Callable[..., R], index: int, arguments: Sequence[Any], on_error: OnError | None) -> R:
    """`fn(*arguments)` in this process, its error turned into a result by `on_error` when one is given."""
    try:
        return fn(*arguments)
    except Exception as error:
        if on_error is None:
            raise
        return on_error(index, error)


def _in_order(results: Iterator[tuple[int, R]]) -> Iterator[tuple[int, R]]:
    """`(index, result)` pairs, finishing in any order, handed on in index order (the early ones wait)."""
    waiting: dict[int, R] = {}
    following = 0
    for index, result in results:
        waiting[index] = result
        while following in waiting:
            yield following, waiting.pop(following)
            following += 1
