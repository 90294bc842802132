"""tickercast: LSTM and GRU forecasts of daily prices, honestly measured against tomorrow = today.

    import tickercast as tc
    prices = tc.load("sp500")
    fc = tc.Forecaster(model="gru", seed=0).fit(prices)
    fc.metrics["test"]["rmse_ratio_vs_naive"]

Names are imported on first use, so `import tickercast` (and `tickercast --help`) stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from tickercast._version import __version__

_PUBLIC = {
    "load": "tickercast.data.load",
    "load_panel": "tickercast.data.panel",
    "is_panel": "tickercast.data.panel",
    "fetch": "tickercast.data.sources.refresh",
    "Store": "tickercast.data.store",
    "read_csv": "tickercast.data.files",
    "read_parquet": "tickercast.data.files",
    "validate": "tickercast.data.validate",
    "Forecaster": "tickercast.forecaster",
    "ModelConfig": "tickercast.config",
    "compare": "tickercast.comparison",
    "backtest": "tickercast.evaluate.backtest",
    "TickercastError": "tickercast.errors",
    "TickercastWarning": "tickercast.errors",
}

if TYPE_CHECKING:
    from tickercast.comparison import compare
    from tickercast.config import ModelConfig
    from tickercast.data.files import read_csv, read_parquet
    from tickercast.data.load import load
    from tickercast.data.panel import is_panel, load_panel
    from tickercast.data.sources.refresh import fetch
    from tickercast.data.store import Store
    from tickercast.data.validate import validate
    from tickercast.errors import TickercastError, TickercastWarning
    from tickercast.evaluate.backtest import backtest
    from tickercast.forecaster import Forecaster

__all__ = [
    "Forecaster", "ModelConfig", "Store", "TickercastError", "TickercastWarning", "__version__", "backtest",
    "compare", "fetch", "is_panel", "load", "load_panel", "read_csv", "read_parquet", "validate",
]


def __getattr__(name: str) -> Any:
    if name not in _PUBLIC:
        raise AttributeError(f"module 'tickercast' has no attribute {name!r}")
    value = getattr(importlib.import_module(_PUBLIC[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
