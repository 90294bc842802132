"""Epoch progress from worker processes, through small files: a worker's bar writes where it is, the driver
draws it.

A unit running in a pool process or on a Ray task cannot draw on the driver's terminal, and a queue between
them would need a manager process (local) or an actor (Ray). A file per running unit, replaced atomically at
each epoch, needs neither and works on both engines whenever the workers share the driver's disk (this machine,
a one-machine Ray); elsewhere only the units' bar moves, which is still right.

    reporter = FileReporter(folder / "lstm-p3.progress")   # picklable: ship it to the unit
    with watching(folder, driver_reporter):                                   # in the driver
        ...
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from tickercast.jsonio import write_atomic
from tickercast.progress import Bar, Reporter

SUFFIX = ".progress"
#: Seconds between two looks at the files: often enough for a bar, rare enough to cost nothing.
POLL = 0.5


class FileBar(Bar):
    """A bar that writes `{"label", "done", "total", "fields"}` to its file at every step (the fields of the
    last step: losses, as the driver's bar shows them)."""

    def __init__(self, path: Path, label: str, total: int) -> None:
        super().__init__()
        self.path, self.label, self.total, self.done = path, label, total, 0  # label: the bar's description
        self._write({})

    def advance(self, **fields: Any) -> None:
        self.done += 1
        self._write(fields)

    def close(self) -> None:
        """Nothing to remove: the driver drops the file when it has stored the unit."""

    def _write(self, fields: dict[str, Any]) -> None:
        shown = {key: value for key, value in fields.items() if isinstance(value, int | float | str)}
        with suppress(OSError, ValueError):  # progress is never worth failing a unit for
            write_atomic(self.path, json.dumps({"label": self.label, "done": self.done, "total": self.total,
                                                "fields": shown}).encode())


class FileReporter(Reporter):
    """Hands out FileBars writing to `path`; picklable (a path), so it travels with a unit."""

    def __init__(self, path: str | Path) -> None:
        super().__init__()
        self.path = str(path)

    def bar(self, description: str, total: int) -> Bar:
        return FileBar(Path(self.path), description, total)


@contextmanager
def watching(folder: Path, reporter: Reporter) -> Iterator[None]:
    """While the block runs, draw a bar for every `*.progress` file in `folder` (a thread looks every POLL
    seconds); a bar goes when its file does."""
    stop = threading.Event()
    thread = threading.Thread(target=_watch, args=(folder, reporter, stop), daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _watch(folder: Path, reporter: Reporter, stop: threading.Event) -> None:
    bars: dict[Path, tuple[Bar, int, str]] = {}  # file -> its bar, the steps drawn, the label
    while True:
        seen = set(folder.glob(f"*{SUFFIX}")) if folder.is_dir() else set()
        for path in seen:
            state = _read(path)
            if state is None:
                continue
            bar, drawn, label = bars.get(path, (None, 0, ""))
            if bar is None or label != state["label"] or state["done"] < drawn:  # a new bar in the same unit
                if bar is not None:
                    bar.close()
                bar, drawn, label = reporter.bar(state["label"], total=state["total"]), 0, state["label"]
            for _ in range(state["done"] - drawn):
                bar.advance(**state["fields"])
            bars[path] = (bar, state["done"], label)
        for path in set(bars) - seen:
            bars.pop(path)[0].close()
        if stop.wait(POLL):
            break
    for bar, _, _ in bars.values():
        bar.close()


def _read(path: Path) -> dict[str, Any] | None:
    """A progress file's state, or None when it vanished or is not one (it is only ever shown, never trusted)."""
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    valid = (isinstance(state, dict) and isinstance(state.get("label"), str) and isinstance(state.get("fields"), dict)
             and all(isinstance(state.get(key), int) and state[key] >= 0 for key in ("done", "total")))
    return state if valid else None
