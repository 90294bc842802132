"""One fit's arithmetic on one thread, so its numbers do not depend on how many processes share the machine.

Why: a matrix product split over two BLAS threads adds its partial sums in another order than on one thread, so
the last digits differ (measured: `ar` on the bundled nasdaq, lookback 20, 60, 100 and 120, differed around the
15th digit between a sweep with `--workers 1`, whose single process had 2 threads, and `--workers 2`, whose
workers had one each). Running every sweep unit and every `compare` fit on one thread, wherever it runs (this
process, a pool worker, a Ray task), makes the numbers identical for any number of workers. A network that asks
for more torch threads with `--threads N` gets them inside training, the same N everywhere.

    with one_thread():
        metrics = Forecaster("ar", lookback=20).fit(prices).metrics
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def one_thread() -> Iterator[None]:
    """Run the block with one torch thread and one thread in every BLAS library, then restore the previous counts."""
    import numpy  # noqa: F401  (numpy's and scipy's BLAS are loaded first, so that the limit reaches both)
    import scipy.linalg  # noqa: F401
    import torch
    from threadpoolctl import threadpool_limits

    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with threadpool_limits(1):
            yield
    finally:
        torch.set_num_threads(previous)
