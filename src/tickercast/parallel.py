"""Independent fits in worker processes that share the machine's cores instead of competing for them.

Small networks cannot use a second core within one training step (see `ModelConfig.threads`), but two fits
can each use one. Workers are spawned, not forked: forking a process whose torch thread pools have started can
deadlock. Each costs about two seconds to start (importing torch and pandas), so callers only ask for them when
the work is larger than that.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


def cores() -> int:
    """Cores this process may run on (a container's or `taskset`'s limit, not the machine's count)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def available_memory() -> int | None:
    """Bytes of memory this process can still get without swapping (Linux's MemAvailable, capped by a cgroup's
    limit); None where neither can be read, and then nothing is refused for its size."""
    found = []
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    found.append(int(line.split()[1]) * 1024)
    except (OSError, ValueError, IndexError):
        pass
    try:
        cgroup = Path("/sys/fs/cgroup")
        limit, used = (cgroup / "memory.max").read_text().strip(), int((cgroup / "memory.current").read_text())
        if limit != "max":
            found.append(max(int(limit) - used, 0))
    except (OSError, ValueError):
        pass
    return min(found) if found else None


def run_all(function: Callable[..., T], tasks: Sequence[tuple[Any, ...]], workers: int,
            done: Callable[[int], None] = lambda index: None) -> list[T]:
    """`[function(*task) for task in tasks]`, in up to `workers` processes; `done(index)` as each finishes.

    The results come back in the order of `tasks` whatever the order they finish in, so the numbers do not
    depend on the number of workers. The first task to raise stops the rest and its error is raised here.
    """
    workers = min(workers, len(tasks))
    if workers <= 1:
        results = []
        for index, task in enumerate(tasks):
            results.append(function(*task))
            done(index)
        return results
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_share_cores, initargs=(max(1, cores() // workers),))
    try:
        futures = {pool.submit(function, *task): index for index, task in enumerate(tasks)}
        pending = set(futures)
        while pending:
            finished, pending = wait(pending, return_when=FIRST_EXCEPTION)
            for future in finished:
                future.result()  # raises the task's error, if any
                done(futures[future])
        return [future.result() for future in futures]
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _share_cores(threads: int) -> None:
    """Worker start-up: its share of the cores; Ctrl-C is the parent's to handle."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    pin_threads(threads)


_pinned: int | None = None


def pin_threads(threads: int) -> None:
    """Limit torch and the BLAS libraries of this process to `threads` threads (once; later calls are free)."""
    global _pinned
    if _pinned == threads:
        return
    import numpy  # noqa: F401  (numpy's and scipy's BLAS are loaded first, so that the limit reaches both)
    import scipy.linalg  # noqa: F401
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(threads)
    threadpool_limits(threads)
    _pinned = threads
