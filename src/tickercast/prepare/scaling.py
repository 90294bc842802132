"""Scalers: fit on the training part only, applied everywhere, saved as plain JSON.

For a log-return target both scalers work without centring (`center=False`): standard scaling divides by
the training root-mean-square, min-max by the largest absolute training value. A zero return then stays
zero, so a zero network output stays the naive forecast whichever scaler is chosen.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from tickercast.config import SCALERS
from tickercast.errors import ConfigError, DataError


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
    def from_dict(cls, data: dict[str, Any]) -> Scaler:
        return cls(kind=str(data["kind"]), shift=float(data["shift"]), scale=float(data["scale"]))


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
    if not scale > 0:
        raise DataError("the training values are all equal, so they carry nothing to learn from; "
                        "check that the price column is the right one")
    return Scaler(kind=kind, shift=shift, scale=scale)
