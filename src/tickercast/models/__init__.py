"""Every model tickercast knows, by name, all behind one protocol (`protocol.Model`).

Model classes are imported on first use: the names alone must not pull in torch (the CLI's --help lists them).
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from tickercast.config import CELLS, ModelConfig
from tickercast.errors import ConfigError, option

if TYPE_CHECKING:
    from tickercast.models.protocol import Model

BASELINES = ("naive", "drift", "ma", "ar", "arima")
#: Baselines of the `direction` target only (`models.direction`, `models.logistic`): they forecast P(up), never prices.
DIRECTION_BASELINES = ("base_rate", "momentum", "reversal", "logistic")
#: Every model that can forecast the direction (`classifies`): the networks and the direction baselines.
CLASSIFIERS = (*CELLS, *DIRECTION_BASELINES)
#: What `compare --target direction` runs when no --models are given.
DIRECTION_DEFAULT = ("lstm", "gru", "logistic", "momentum", "reversal", "base_rate")
MODELS = (*CELLS, *BASELINES, *DIRECTION_BASELINES)
#: Settings that choose where and how fast a model runs, not what it learns: no model lists them in `reads`.
EXECUTION_SETTINGS = ("device", "threads")
#: Statistical baselines by name: (module in tickercast.models, class), imported on first use (arima: statsmodels).
_BASELINE_CLASSES = {"drift": ("drift", "DriftModel"), "ma": ("moving_average", "MovingAverageModel"),
                     "ar": ("autoregressive", "AutoregressiveModel"), "arima": ("arima", "ArimaModel"),
                     "base_rate": ("direction", "BaseRateModel"), "momentum": ("direction", "MomentumModel"),
                     "reversal": ("direction", "ReversalModel"), "logistic": ("logistic", "LogisticModel")}


def model_names(models: str | Sequence[str]) -> list[str]:
    """Model names from `"lstm,gru,naive"` or a list: checked against MODELS, repeats dropped, order kept.

    >>> model_names("lstm, naive,lstm")
    ['lstm', 'naive']
    """
    names = [name.strip() for name in models.split(",")] if isinstance(models, str) else list(models)
    unknown = [name for name in names if name not in MODELS]
    if unknown or not [name for name in names if name]:
        raise ConfigError(f"unknown model(s) {', '.join(unknown) or '(none given)'}; "
                          f"use a comma-separated list of: {', '.join(MODELS)}")
    return list(dict.fromkeys(names))


def make_model(name: str, config: ModelConfig) -> Model:
    """A new, unfitted model by name; ConfigError (one line) when it cannot forecast `config.target`.

    A network with `config.ensemble` N > 1 is the mean of N networks (`recurrent.RecurrentEnsemble`); the
    baselines do not read `ensemble` (a deterministic fit repeated is the same fit), as they ignore `hidden`."""
    check_target(name, config.target)
    if name in CELLS:
        from tickercast.models.recurrent import RecurrentEnsemble, RecurrentModel

        return RecurrentModel(name, config) if config.ensemble == 1 else RecurrentEnsemble(name, config)
    if name == "naive":
        from tickercast.models.naive import NaiveModel

        return NaiveModel(config)
    if name in _BASELINE_CLASSES:
        module_name, class_name = _BASELINE_CLASSES[name]
        return getattr(importlib.import_module(f"tickercast.models.{module_name}"), class_name)(config)
    raise ConfigError(f"unknown model {name!r}; use one of: {', '.join(MODELS)}")


def check_target(name: str, target: str) -> None:
    """Refuse a model that cannot forecast the target: a price model for `direction`, or a direction baseline for
    a price target. Every path that builds a model passes here (train, compare, backtest, sweep, bundles)."""
    if target == "direction" and name not in CLASSIFIERS:
        raise ConfigError(f"{name} forecasts prices, not the direction; with {option('target', 'direction')} use "
                          f"{', '.join(CLASSIFIERS)}")
    if target != "direction" and name in DIRECTION_BASELINES:
        raise ConfigError(f"{name} forecasts only the direction (P(up)); use it with "
                          f"{option('target', 'direction')}")


def restore_model(name: str, config: ModelConfig, state: dict[str, Any]) -> Model:
    """A fitted model rebuilt from what `Model.state()` returned (as read back from a bundle)."""
    return make_model(name, config).restore(state)


__all__ = ["BASELINES", "CLASSIFIERS", "DIRECTION_BASELINES", "DIRECTION_DEFAULT", "EXECUTION_SETTINGS", "MODELS",
           "check_target", "make_model", "model_names", "restore_model"]
