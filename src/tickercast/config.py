"""One settings object shared by every model, network or baseline, and by every command that trains."""

from __future__ import annotations

import math
import numbers
from dataclasses import asdict, dataclass, fields
from typing import Any

from tickercast.errors import ConfigError, shown

CELLS = ("lstm", "gru", "rnn")
TARGETS = ("log_return", "price", "direction")
SCALERS = ("standard", "minmax")
FILLS = ("ffill",)
#: The default split, shared by the Python API and the CLI: last 20% test, the 10% before it validation.
TEST_SIZE, VAL_SIZE = 0.2, 0.1
_KINDS = {int: (numbers.Integral, "a whole number"), float: (numbers.Real, "a number"), str: (str, "a name")}
DEVICES = ("cpu", "auto", "cuda", "mps")
#: Largest accepted value of each size setting. They are far beyond any useful daily-price model and exist so
#: that a typo or a tampered bundle is one clear line, not a 16 GB allocation, an hour-long loop or a crash in
#: C++: 10,000 days of lookback is 40 years, 4,096 units and 32 layers make a network of billions of weights.
#: A network within these caps can still be too large for the machine: `networks.modules.check_memory` refuses
#: that, with its estimate, before anything is built.
LIMITS = {"lookback": 10_000, "hidden": 4_096, "layers": 32, "epochs": 100_000, "batch_size": 65_536,
          "patience": 100_000, "horizons": 1_000, "threads": 256,
          "ensemble": 1_000}


@dataclass(frozen=True)
class ModelConfig:
    """Settings for one model; baselines read only the ones they need (e.g. `lookback`).

    target      `log_return` (predict tomorrow's log-return; 0 = naive), `price` (the tutorial way) or `direction`
                (P(up): day t is up when close_t > close_{t-1} strictly; networks and the direction baselines).
    lookback    days of history the network sees per prediction.
    hidden, layers, dropout     network size; dropout acts between stacked layers, as in `nn.LSTM`.
    epochs, batch_size, lr      Adam mini-batch training; stops early after `patience` epochs without a
                                better validation loss and restores the best weights.
    clip        gradient-norm clipping threshold (0 turns it off).
    scaler      `standard` or `minmax`, fit on the training part only.
    seed        one seed for Python, NumPy and torch: the same seed on the same machine gives the same numbers.
    horizons    outputs of a network: 1 (one day ahead), or H for the direct strategy, one output per day 1..H.
    device      `cpu` (default), `auto`, `cuda` or `mps`.
    threads     torch threads while training; 0 = automatic: one for networks of up to 128 units on a CPU,
                whose steps are too small to share (a second thread only adds waiting, and under load from
                other processes it makes training several times slower), torch's default for larger ones.
    features    the inputs computed from the data's own columns (`prepare.features`), comma-separated, e.g.
                `returns,volume,rsi` (a list is accepted and joined); `returns`, the target's own past, is
                always among them. Networks and `ar` read them; the other baselines ignore them.
    ensemble    networks: N members (seeds seed .. seed + N - 1) trained together as one batched computation;
                the forecast is their mean. 1 = one network.
    """

    target: str = "log_return"
    lookback: int = 20
    hidden: int = 32
    layers: int = 2
    dropout: float = 0.2
    epochs: int = 100
    batch_size: int = 64
    lr: float = 1e-3
    patience: int = 10
    clip: float = 1.0
    scaler: str = "standard"
    seed: int = 0
    device: str = "cpu"
    horizons: int = 1
    threads: int = 0
    features: str = "returns"
    ensemble: int = 1

    def __post_init__(self) -> None:
        if isinstance(self.features, (list, tuple)):
            object.__setattr__(self, "features", ",".join(str(name) for name in self.features))
        for field in fields(self):
            value, kind = getattr(self, field.name), _KINDS[type(field.default)]
            if not isinstance(value, kind[0]) or isinstance(value, bool):
                raise ConfigError(f"{field.name} must be {kind[1]}, not {shown(value)}")
        checks = [
            (self.target in TARGETS, f"target must be one of {', '.join(TARGETS)}"),
            (0 <= self.dropout < 1, "dropout must be in [0, 1)"),
            (math.isfinite(self.lr) and self.lr > 0, "learning rate must be positive"),
            (math.isfinite(self.clip) and self.clip >= 0, "clip must be 0 (off) or positive"),
            (self.scaler in SCALERS, f"scaler must be one of {', '.join(SCALERS)}"),
            (0 <= self.seed < 2**32, "seed must be a whole number from 0 to 2**32 - 1"),
            (self.device in DEVICES, f"device must be one of {', '.join(DEVICES)}"),
        ]
        for name, limit in LIMITS.items():
            value = getattr(self, name)
            least = "0 (automatic) or positive" if name == "threads" else "at least 1"
            checks.append((value >= (name != "threads"), f"{name} must be {least}"))
            checks.append((value <= limit, f"{name} must be at most {limit:,}, not {shown(value)}"))
        for ok, message in checks:
            if not ok:
                raise ConfigError(message)
        if self.features != "returns":  # the default needs no catalogue (keeps --help and imports light)
            from tickercast.prepare.features import feature_key

            object.__setattr__(self, "features", feature_key(self.features))

    @classmethod
    def from_settings(cls, **settings: Any) -> ModelConfig:
        """Build from keyword settings, naming any unknown setting instead of a bare TypeError."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(settings) - known)
        if unknown:
            more = f" and {len(unknown) - 3} more" if len(unknown) > 3 else ""
            raise ConfigError(f"unknown setting(s) {', '.join(name[:40] for name in unknown[:3])}{more}; "
                              f"known: {', '.join(sorted(known))}")
        return cls(**settings)

    def to_dict(self) -> dict[str, Any]:
        """Every setting; `ensemble` only when above 1, so that what one network writes (run.json, a sweep's or a
        study's settings) is what it wrote before ensembles existed, and such folders still resume."""
        settings = asdict(self)
        if self.ensemble == 1:
            del settings["ensemble"]
        return settings
