"""Web services prices come from. Each is a `Source` (see base.py) in a module of its own.

`make_source(name, ...)` builds one by the name `--source` uses; the modules are imported only when asked for.
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any

from tickercast.data.sources.base import Source
from tickercast.errors import ConfigError

#: --source name -> "module:class". Adding a source: one module and one line here.
_SOURCES = {
    "alphavantage": "tickercast.data.sources.alphavantage:AlphaVantage",
    "yahoo": "tickercast.data.sources.yahoo:Yahoo",
}
SOURCES = tuple(_SOURCES)


def make_source(name: str, **options: Any) -> Source:
    """Build the source called `name` with the options given (None and False mean "not given").

    Callers pass every command-line option through; one the source does not take (Yahoo has no API key) is
    an error naming the option, rather than silently ignored.

    >>> make_source("yahoo").name
    'yahoo'
    """
    if name not in _SOURCES:
        raise ConfigError(f"unknown source {name!r}; use one of: {', '.join(SOURCES)}")
    module, _, cls = _SOURCES[name].partition(":")
    source = getattr(importlib.import_module(module), cls)
    given = {key: value for key, value in options.items() if value is not None and value is not False}
    unknown = [f"--{key.replace('_', '-')}" for key in given if key not in inspect.signature(source).parameters]
    if unknown:
        raise ConfigError(f"--source {name} does not take {', '.join(unknown)}")
    return source(**given)


__all__ = ["SOURCES", "Source", "make_source"]
