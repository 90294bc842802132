"""Getting prices in: bundled samples, files, the local store and web sources, all through one validation gate.

Submodules are imported on first use (`tickercast.data.store` must not pull in pandas for `tickercast data list`);
so are the panel functions named here (`from tickercast.data import load_panel, wide`).
"""

from __future__ import annotations

import importlib
from typing import Any

_PANEL = ("is_panel", "load_panel", "panel_frames", "validate_panel", "wide")


def __getattr__(name: str) -> Any:
    if name not in _PANEL:
        raise AttributeError(f"module 'tickercast.data' has no attribute {name!r}")
    return getattr(importlib.import_module("tickercast.data.panel"), name)
