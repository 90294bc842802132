"""One settings object shared by every model, network or baseline, and by every command that trains."""

from __future__ import annotations

import dataclasses
import inspect
import math
import numbers
import textwrap
from collections.abc import Mapping
from dataclasses import Field, asdict, dataclass, fields
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


def setting(default: Any, description: str, *, choices: tuple[str, ...] | None = None,
            metavar: str | None = None) -> Any:
    """A ModelConfig field with its one description: the line `tickercast train --help` shows, and the one
    `help(ModelConfig)` lists. A description names another setting as `{name}` (and `fit`'s covariates as
    `{covariates}`), so that each reader sees what they type: `--seed` on the command line, `seed` in Python
    (`describe`). `choices` are the only values accepted; `metavar` is the letter the description uses for the
    value (`N networks`)."""
    extra = {key: value for key, value in (("choices", choices), ("metavar", metavar)) if value is not None}
    return dataclasses.field(default=default, metadata={"description": description, **extra})


def describe(setting: Field[Any], names: Mapping[str, str]) -> str:
    """`setting`'s description, each other setting it mentions named as `names` says (`{"seed": "--seed"}`).

    >>> describe(next(f for f in fields(ModelConfig) if f.name == "ensemble"), {"seed": "seed"})[:58]
    'networks: forecast the mean of N networks (seeds seed .. s'
    """
    return str(setting.metadata["description"]).format_map(names)


@dataclass(frozen=True)
class ModelConfig:
    """Settings for one model; baselines read only the ones they need (e.g. `lookback`).

    Each setting is described once, where it is defined (`setting`): `tickercast train --help` shows those lines
    and they are listed at the end of this docstring. What a line there does not say:

    target      `price` is the tutorial way. `direction`: day t is up when close_t > close_{t-1} strictly; for
                networks and the direction baselines.
    dropout     acts between stacked layers, as in `nn.LSTM`.
    patience    early stopping restores the best weights.
    seed        the same seed on the same machine gives the same numbers.
    horizons    H > 1 is the direct strategy: one output per day 1..H.
    threads     the automatic choice (0) is one thread for networks of up to 128 units on a CPU, whose steps are
                too small to share (a second thread only adds waiting, and under load from other processes it
                makes training several times slower), torch's default for larger ones.
    features    comma-separated, e.g. `returns,volume,rsi` (a list is accepted and joined). Networks and `ar`
                read them; the other baselines ignore them.
    ensemble    the members are trained together as one batched computation.
    """

    target: str = setting("log_return", "what the network predicts; log_return: an output of 0 is the naive "
                                        "forecast", choices=TARGETS)
    lookback: int = setting(20, "days per input window")
    hidden: int = setting(32, "hidden units per layer")
    layers: int = setting(2, "stacked recurrent layers")
    dropout: float = setting(0.2, "dropout between layers")
    epochs: int = setting(100, "most epochs to train")
    batch_size: int = setting(64, "windows per batch")
    lr: float = setting(1e-3, "Adam learning rate")
    patience: int = setting(10, "stop after this many epochs without a better validation loss")
    clip: float = setting(1.0, "gradient-norm clip (0 = off)")
    scaler: str = setting("standard", "scaler, fit on the training part only", choices=SCALERS)
    seed: int = setting(0, "seed for Python, NumPy and torch")
    device: str = setting("cpu", "where to train", choices=DEVICES)
    horizons: int = setting(1, "network outputs, one per day ahead: a model with {features} or {covariates} "
                               "forecasts up to H days directly", metavar="H")
    threads: int = setting(0, "torch threads while training (0 = automatic: 1 for small networks on a CPU)")
    #: The feature catalogue's names and groups (`prepare.features`), written out so that --help imports no
    #: NumPy; a test checks that they match.
    features: str = setting("returns", "inputs computed from the data's own columns (networks and ar): returns, "
                                       "ohlc, volume, rsi, macd, bbands, volatility, ma_gap, indicators (the five "
                                       "indicators); returns is always included", metavar="F,F")
    ensemble: int = setting(1, "networks: forecast the mean of N networks (seeds {seed} .. {seed} + N - 1) trained "
                               "together; see docs/ensembles.md", metavar="N")

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


def _with_settings(doc: str | None) -> str:
    """ModelConfig's docstring with each setting's description (as Python names them) and default."""
    names = {**{f.name: f"`{f.name}`" for f in fields(ModelConfig)}, "covariates": "`covariates`"}
    lines = [textwrap.fill(f"{f.name} = {f.default!r}{_one_of(f)}: {describe(f, names)}", 116,
                           subsequent_indent="    ") for f in fields(ModelConfig)]
    return "\n".join([inspect.cleandoc(doc or ""), "", "Settings:", *lines])


def _one_of(setting: Field[Any]) -> str:
    choices = setting.metadata.get("choices")
    return f" (one of {', '.join(choices)})" if choices else ""


ModelConfig.__doc__ = _with_settings(ModelConfig.__doc__)
