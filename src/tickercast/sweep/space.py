"""A searched setting's values: a list to try as given, or a range (`lr=1e-4..1e-2:log`) for the TPE search.

Why ranges: a model-based search learns where good values lie, so limiting it to a handful of listed values
throws away what it learns; a range lets it try any value in between. Grid and random search try listed values
only, so a range is for `--search tpe:N`. Pure: no I/O; Optuna is imported only to build its distributions.

>>> parse_range("lr", "1e-4..1e-2:log", float)
Range(low=0.0001, high=0.01, log=True, integer=False)
>>> parse_range("hidden", "8..128:int", int).contains(64)
True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from tickercast.errors import ConfigError, option

#: What a range is written as, for messages.
RANGE_FORM = "low..high, optionally :log and (for whole-number settings) :int, e.g. lr=1e-4..1e-2:log"


@dataclass(frozen=True)
class Range:
    """Every value from `low` to `high` (both included), on a log scale with `log`, whole numbers with `integer`."""

    low: float
    high: float
    log: bool = False
    integer: bool = False

    def contains(self, value: Any) -> bool:
        """Whether a stored value could have come from this range (a whole number, for an integer range)."""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        if self.integer and (not isinstance(value, int)):
            return False
        return self.low <= value <= self.high

    def distribution(self) -> Any:
        """Optuna's distribution for this range."""
        from optuna.distributions import FloatDistribution, IntDistribution

        if self.integer:
            return IntDistribution(int(self.low), int(self.high), log=self.log)
        return FloatDistribution(self.low, self.high, log=self.log)

    def to_dict(self) -> dict[str, Any]:
        """As sweep.json records it (an object where a list of values would be)."""
        return {"low": self.low, "high": self.high, "log": self.log}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Range:
        """From sweep.json; a range of whole numbers is one whose bounds are stored as whole numbers."""
        integer = all(isinstance(data[bound], int) for bound in ("low", "high"))
        return cls(data["low"], data["high"], bool(data["log"]), integer)


def is_range(text: str) -> bool:
    """Whether a --grid value is written as a range (`8..128`) rather than a list (`8,16,32`)."""
    return ".." in text


def parse_range(key: str, text: str, kind: Callable[[str], Any], check: Callable[[Any], Any] = lambda v: v) -> Range:
    """`"1e-4..1e-2:log"` -> Range(1e-4, 1e-2, log=True) for a setting whose values are of `kind` (int or float).

    `check(value)` validates a bound as the setting's own values are validated (ModelConfig's limits), so a range
    can only hold values a model accepts.
    """
    item = option("grid", f"{key}={text}")  # how the message names what was given
    bounds, *flags = (part.strip() for part in text.split(":"))
    unknown = set(flags) - {"log", "int"}
    low_text, _, high_text = bounds.partition("..")  # 1e-4...1e-2 would read as 1e-4 to .1e-2: refused below
    if unknown or len(flags) != len(set(flags)) or not low_text or not high_text or "..." in bounds:
        raise ConfigError(f"{item}: write a range as {RANGE_FORM}")
    if kind is str:
        raise ConfigError(f"{item}: {key} takes named values, not a range; list them: {key}=a,b")
    if "int" in flags and kind is not int:
        raise ConfigError(f"{item}: {key} takes fractional values; drop :int")
    try:
        low, high = kind(low_text), kind(high_text)
    except ValueError:
        raise ConfigError(f"{item}: {key} takes {kind.__name__} values") from None
    if not (math.isfinite(low) and math.isfinite(high)) or low >= high:
        raise ConfigError(f"{item}: a range needs low < high, both finite (e.g. {key}=1..10)")
    if "log" in flags and low <= 0:
        raise ConfigError(f"{item}: a log range needs low above 0")
    check(low), check(high)
    return Range(low, high, "log" in flags, kind is int)
