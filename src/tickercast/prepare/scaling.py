"""Scalers: fit on the training part only, applied everywhere, saved as plain JSON.

For a log-return target both scalers work without centring (`center=False`): standard scaling divides by
the training root-mean-square, min-max by the largest absolute training value. A zero return then stays
zero, so a zero network output stays the naive forecast whichever scaler is chosen.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from tickercast.config import SCALERS
from tickercast.errors import ConfigError, DataError

#: Usable scales: a scale outside this range is not one a price series gives (fit_scaler refuses the low end as
#: "all values equal"), and dividing by 1e-300 or multiplying by 1e300 turns a network's output into inf or NaN.
SCALE_RANGE = (1e-12, 1e12)


@dataclass(frozen=True)
class Scaler:
    """An affine map x -> (x - shift) / scale, learned from training data.

    >>> s = fit_scaler(np.array([1.0, 2.0, 3.0]), "minmax")
    >>> s.transform(np.array([1.0, 3.0])).tolist(), s.inverse(np.array([0.0])).tolist()
    ([-1.0, 1.0], [2.0])
    """

    kind: str
    shift: float
    scale: float

    def transform(self, values: np.ndarray) -> np.ndarray:
        return (values - self.shift) / self.scale

    def inverse(self, values: np.ndarray) -> np.ndarray:
        return values * self.scale + self.shift

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> Scaler:
        """The scaler `to_dict` wrote, refused (DataError) unless its kind is known and its numbers usable."""
        if not isinstance(data, dict) or data.get("kind") not in SCALERS:
            raise DataError(f"a scaler needs a kind ({', '.join(SCALERS)}), a shift and a scale")
        shift, scale = data.get("shift"), data.get("scale")
        numbers = all(isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
                      for value in (shift, scale))
        low, high = SCALE_RANGE
        if not (numbers and abs(shift) <= high and low <= scale <= high):
            raise DataError(f"the scaler's shift must be a finite number within ±{high:g} and its scale between "
                            f"{low:g} and {high:g}")
        return cls(kind=data["kind"], shift=float(shift), scale=float(scale))


def fit_scaler(train: np.ndarray, kind: str = "standard", center: bool = True) -> Scaler:
    """Learn a scaler from training values only (NaNs ignored).

    `standard`: zero mean, unit variance (without centring: x / rms).
    `minmax`: the training range onto [-1, 1] (without centring: x / max|x|, inside [-1, 1]).
    """
    values = train[np.isfinite(train)]
    if values.size == 0:
        raise DataError("no finite training values to fit the scaler on")
    if kind == "standard":
        shift = float(values.mean()) if center else 0.0
        scale = float(np.sqrt(np.mean((values - shift) ** 2)))
    elif kind == "minmax" and center:
        low, high = float(values.min()), float(values.max())
        shift, scale = (high + low) / 2, (high - low) / 2
    elif kind == "minmax":
        shift, scale = 0.0, float(np.abs(values).max())
    else:
        raise ConfigError(f"unknown scaler {kind!r}; use one of: {', '.join(SCALERS)}")
    if not scale >= SCALE_RANGE[0]:
        raise DataError("the training values are all equal, so they carry nothing to learn from; "
                        "check that the price column is the right one")
    if not (scale <= SCALE_RANGE[1] and abs(shift) <= SCALE_RANGE[1]):
        raise DataError(f"the training values reach {np.abs(values).max():.3g}, beyond what a model can scale "
                        f"({SCALE_RANGE[1]:g}); check the prices' units")
    return Scaler(kind=kind, shift=shift, scale=scale)
