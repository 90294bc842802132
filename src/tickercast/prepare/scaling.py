"""Scalers: fit on the training part only, applied everywhere, saved as plain JSON.

Standard scaling for a log-return target divides by the training spread without centring
(`center=False`), so a zero return stays zero and a zero network output stays the naive forecast.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

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


SCALERS = ("standard", "minmax")


def fit_scaler(train: np.ndarray, kind: str = "standard", center: bool = True) -> Scaler:
    """Learn a scaler from training values only (NaNs ignored).

    `standard`: zero mean, unit variance (mean kept at 0 when `center` is False: x / rms).
    `minmax`: the training range onto [-1, 1].
    """
    values = train[np.isfinite(train)]
    if values.size == 0:
        raise DataError("no finite training values to fit the scaler on")
    if kind == "standard":
        shift = float(values.mean()) if center else 0.0
        scale = float(np.sqrt(np.mean((values - shift) ** 2)))
    elif kind == "minmax":
        low, high = float(values.min()), float(values.max())
        shift, scale = (high + low) / 2, (high - low) / 2
    else:
        raise ConfigError(f"unknown scaler {kind!r}; use one of: {', '.join(SCALERS)}")
    if not scale > 0:
        raise DataError("the training values are all equal, so they carry nothing to learn from; "
                        "check that the price column is the right one")
    return Scaler(kind=kind, shift=shift, scale=scale)
