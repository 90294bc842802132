"""Progress bars on stderr that vanish when nobody is watching (`--json`, pipes, CI logs)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class Bar:
    """One bar. `advance` after each step with fields to show (e.g. the losses); `close` when done."""

    def __init__(self, progress: Any | None = None, task_id: Any = None) -> None:
        self._progress, self._task_id = progress, task_id

    def advance(self, **fields: Any) -> None:
        if self._progress is not None:
            info = "  ".join(f"{k} {v:.4f}" if isinstance(v, float) else f"{k} {v}" for k, v in fields.items())
            self._progress.update(self._task_id, advance=1, info=info)

    def close(self) -> None:
        """Remove the bar (also when it stopped early, e.g. by early stopping)."""
        if self._progress is not None:
            self._progress.remove_task(self._task_id)


class Reporter:
    """Hands out bars; a silent reporter hands out bars that do nothing, so callers never check."""

    def __init__(self, progress: Any | None = None) -> None:
        self._progress = progress

    def bar(self, description: str, total: int) -> Bar:
        if self._progress is None:
            return Bar()
        return Bar(self._progress, self._progress.add_task(description, total=total, info=""))


SILENT = Reporter()


@contextmanager
def progress_bars(enabled: bool | None = None) -> Iterator[Reporter]:
    """Yield a Reporter drawing on stderr; by default only when stderr is a terminal."""
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        yield SILENT
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("eta"), TimeRemainingColumn(), TextColumn("{task.fields[info]}"),
                  console=Console(stderr=True), transient=True) as progress:
        yield Reporter(progress)
