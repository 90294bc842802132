"""Walk-forward backtests: forecasts made at each origin from the prices up to that origin only, as in real use.

The model is fitted on everything before the test part (training + validation, as `Forecaster.fit` does), then
walks through the test part: every `retrain_every` days it is fitted again on the data up to that day
(`expanding`: all of it; `sliding`: the same number of days as the first fit), and from each origin it forecasts
the next `horizon` days. Horizons beyond 1 are `recursive` (the model's own forecast of day t is fed back as
if it had been observed to forecast day t + 1; any model reading only its own past) or `direct` (a network trained
with one output per day ahead forecasts them all at once from the same window). A model reading inputs beyond
returns forecasts directly by default: the future of those inputs is unknown, so it cannot be fed back.

With `retrain_every=0` and `horizon=1` every forecast comes from one batched call of `predict`: a backtest of
1,000 days costs one forward pass.

Each forecast row: `origin` (the last date whose price is known), `date` (the day forecast), `horizon`,
`actual`, `predicted`, `naive` (the origin's price: the random walk's forecast at every horizon).

With the `direction` target the backtest is one day ahead only, and each row is `origin, date, horizon, previous,
actual, up, p_up` (previous: the origin's price; up: 1 when the day's price is above it); the metrics are the
direction scorecard, and trading goes long when P(up) is above `threshold` (short below 1 - threshold).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
import pandas as pd

from tickercast.config import TEST_SIZE, VAL_SIZE, ModelConfig
from tickercast.data.validate import Fill, as_price_frame
from tickercast.errors import ConfigError, option
from tickercast.evaluate.scorecard import direction_scorecard, scorecard
from tickercast.evaluate.trading import (
    DEFAULT_COST_BPS,
    TradingReport,
    check_threshold,
    probability_trading_simulation,
    trading_simulation,
)
from tickercast.models import make_model
from tickercast.models.multistep import recursive_forecast
from tickercast.models.protocol import Model, can_forecast_recursively
from tickercast.prepare.inputs import Inputs, build_inputs, inputs_start
from tickercast.prepare.split import Split, checked_split, split_dates
from tickercast.progress import SILENT, Reporter

Window = Literal["expanding", "sliding"]
WINDOWS = ("expanding", "sliding")
Strategy = Literal["recursive", "direct"]
STRATEGIES = ("recursive", "direct")


@dataclass
class Backtest:
    """Every forecast of a walk-forward run, the metrics per horizon, and (horizon 1) the trading simulation."""

    forecasts: pd.DataFrame
    metrics: dict[str, dict[str, Any]]
    fits: int
    trading: TradingReport | None = None
    settings: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for `--json` and `metrics.json` (the forecasts themselves go to `forecasts.csv`)."""
        return {"settings": self.settings, "fits": self.fits, "metrics": self.metrics,
                "trading": self.trading.to_dict() if self.trading else None}


def walk_forward(model_name: str, config: ModelConfig, inputs: Inputs | np.ndarray, dates: pd.DatetimeIndex,
                 split: Split, *, horizon: int = 1, retrain_every: int = 0, window: Window = "expanding",
                 strategy: Strategy | None = None, trade: bool = False, cost_bps: float = DEFAULT_COST_BPS,
                 threshold: float | None = None, reporter: Reporter = SILENT) -> Backtest:
    """Run the walk-forward backtest over the test part of `split` (see the module docstring).

    `strategy` None: recursive, or direct for a model that reads inputs beyond returns and a horizon above 1.
    `threshold` (direction target only; None = 0.5): the P(up) above which the trading simulation goes long.
    """
    inputs = Inputs.of(inputs)
    if config.target == "direction":
        return _walk_forward_direction(model_name, config, inputs, dates, split, horizon=horizon,
                                       retrain_every=retrain_every, window=window, strategy=strategy, trade=trade,
                                       cost_bps=cost_bps, threshold=0.5 if threshold is None else threshold,
                                       reporter=reporter)
    if threshold is not None:
        raise ConfigError(f"{option('threshold')} is a probability of a rise: it applies to "
                          f"{option('target', 'direction')} only")
    if horizon < 1:
        raise ConfigError("horizon must be at least 1")
    if retrain_every < 0:
        raise ConfigError("retrain-every must be 0 (fit once) or a number of days")
    if window not in WINDOWS:
        raise ConfigError(f"window must be one of {', '.join(WINDOWS)}")
    model = make_model(model_name, config)
    recursive = can_forecast_recursively(model, inputs)
    strategy = strategy or ("recursive" if recursive or horizon == 1 else "direct")  # one day ahead: no strategy
    if strategy not in STRATEGIES:
        raise ConfigError(f"strategy must be one of {', '.join(STRATEGIES)}")
    if strategy == "recursive" and horizon > 1 and not recursive:
        raise ConfigError(f"{model_name} reads inputs beyond returns, whose future is unknown, so its forecasts "
                          "cannot be fed back; use the direct strategy (the default for such a model)")
    if strategy == "direct":
        if not model.direct:
            more = " with inputs beyond returns, use only returns" if not recursive else ""
            raise ConfigError(f"the direct strategy trains one output per day ahead, which networks and ar have and "
                              f"{model_name} has not; use the recursive strategy{more}")
        config = replace(config, horizons=horizon)
    if horizon > split.n - split.val_end:
        raise ConfigError(f"horizon {horizon} is longer than the test part ({split.n - split.val_end} days)")
    forecasts, fits = _walk(model_name, config, inputs, split, retrain_every, window, reporter,
                            lambda model, origins: forecasts_from(model, inputs, dates, origins, horizon, strategy),
                            dates)
    metrics = {}
    for h, group in forecasts.groupby("horizon"):
        metrics[str(h)] = scorecard(group["actual"].to_numpy(), group["predicted"].to_numpy(),
                                    group["naive"].to_numpy(), horizon=int(h))
    one_step = forecasts[forecasts["horizon"] == 1]
    trading = trading_simulation(one_step["naive"].to_numpy(), one_step["actual"].to_numpy(),
                                 one_step["predicted"].to_numpy(), cost_bps) if trade else None
    settings = {"model": model_name, "horizon": horizon, "retrain_every": retrain_every, "window": window,
                "strategy": strategy, **({"cost_bps": cost_bps} if trade else {})}
    return Backtest(forecasts, metrics, fits, trading, settings)


def _walk(model_name: str, config: ModelConfig, inputs: Inputs, split: Split, retrain_every: int, window: Window,
          reporter: Reporter, forecast: Callable[[Model, range], pd.DataFrame],
          dates: pd.DatetimeIndex) -> tuple[pd.DataFrame, int]:
    """Fit at each refit origin on the days before it, `forecast(model, origins)` until the next: every row and
    the number of fits."""
    starts = list(range(split.val_end, split.n, retrain_every)) if retrain_every else [split.val_end]
    bar = reporter.bar(f"{model_name} walk-forward", total=len(starts))
    rows = []
    for number, start in enumerate(starts):
        stop = starts[number + 1] if number + 1 < len(starts) else split.n
        model = _fitted(model_name, config, inputs, split, start, window, reporter)
        rows.append(forecast(model, range(start, stop)))
        bar.advance(origin=f"{dates[start]:%Y-%m-%d}")
    bar.close()
    return pd.concat(rows, ignore_index=True), len(starts)


def _walk_forward_direction(model_name: str, config: ModelConfig, inputs: Inputs, dates: pd.DatetimeIndex,
                            split: Split, *, horizon: int, retrain_every: int, window: Window,
                            strategy: Strategy | None, trade: bool, cost_bps: float, threshold: float,
                            reporter: Reporter) -> Backtest:
    """The walk-forward of a direction model: P(up) one day ahead, scored and (with `trade`) traded on."""
    if horizon != 1 or strategy == "direct":
        raise ConfigError(f"a direction model forecasts P(up) of the next day only: use {option('horizon', 1)} "
                          f"(and no {option('strategy')}) with {option('target', 'direction')}")
    if retrain_every < 0:
        raise ConfigError("retrain-every must be 0 (fit once) or a number of days")
    if window not in WINDOWS:
        raise ConfigError(f"window must be one of {', '.join(WINDOWS)}")
    check_threshold(threshold)
    make_model(model_name, config)  # one line if it cannot forecast the direction, before any fit
    prices = inputs.prices

    def forecast(model: Model, origins: range) -> pd.DataFrame:
        days = np.asarray(origins)
        return pd.DataFrame({"origin": dates[days - 1], "date": dates[days], "horizon": 1,
                             "previous": prices[days - 1], "actual": prices[days],
                             "up": (prices[days] > prices[days - 1]).astype(int),
                             "p_up": model.predict_proba(inputs[:origins.stop], origins.start)})

    forecasts, fits = _walk(model_name, config, inputs, split, retrain_every, window, reporter, forecast, dates)
    metrics = {"1": direction_scorecard(forecasts["up"].to_numpy(), forecasts["p_up"].to_numpy())}
    trading = probability_trading_simulation(forecasts["previous"].to_numpy(), forecasts["actual"].to_numpy(),
                                             forecasts["p_up"].to_numpy(), threshold, cost_bps) if trade else None
    settings = {"model": model_name, "horizon": 1, "retrain_every": retrain_every, "window": window,
                "strategy": None, "target": "direction",
                **({"cost_bps": cost_bps, "threshold": threshold} if trade else {})}
    return Backtest(forecasts, metrics, fits, trading, settings)


def _fitted(name: str, config: ModelConfig, inputs: Inputs, split: Split, start: int, window: Window,
            reporter: Reporter) -> Model:
    """A model fitted on the days before `start` only; validation keeps its length from the original split."""
    first = start - split.val_end if window == "sliding" else 0
    history = inputs[first:start]  # nothing from day `start` on: it cannot see what it will forecast
    return make_model(name, config).fit(history, split.train_end + (start - split.val_end) - first, reporter)


def forecasts_from(model: Model, inputs: Inputs | np.ndarray, dates: pd.DatetimeIndex, origins: range,
                   horizon: int, strategy: Strategy = "recursive") -> pd.DataFrame:
    """A fitted model's forecasts from every origin (given as the first unknown day), 1 to `horizon` days ahead."""
    inputs = Inputs.of(inputs)
    prices = inputs.prices
    if strategy == "direct":
        paths = model.forecast_direct(inputs, origins)  # [origins, horizon], one batched forward pass
        frames = []
        for h in range(1, horizon + 1):
            keep = np.asarray(origins) + h - 1 < len(prices)
            frames.append(_rows(dates, prices, np.asarray(origins)[keep], h, paths[keep, h - 1]))
        return pd.concat(frames, ignore_index=True)
    one_step = model.predict(inputs[:origins.stop], origins.start)  # one batched call: all horizon-1 forecasts
    frames = [_rows(dates, prices, origins, 1, one_step)]
    if horizon > 1:
        paths = {day: recursive_forecast(model, prices[:day], min(horizon, len(prices) - day)) for day in origins}
        for h in range(2, horizon + 1):
            days = [day for day in origins if len(paths[day]) >= h]
            frames.append(_rows(dates, prices, days, h, np.array([paths[day][h - 1] for day in days])))
    return pd.concat(frames, ignore_index=True)


def _rows(dates: pd.DatetimeIndex, prices: np.ndarray, origins: range | list[int] | np.ndarray, h: int,
          predicted: np.ndarray) -> pd.DataFrame:
    first = np.asarray(origins, dtype=int)  # the first unknown day of each origin
    days = first + h - 1
    return pd.DataFrame({"origin": dates[first - 1], "date": dates[days], "horizon": h,
                         "actual": prices[days], "predicted": predicted, "naive": prices[first - 1]})


def backtest(prices: pd.DataFrame | pd.Series, model: str = "gru", *, horizon: int = 1, retrain_every: int = 0,
             window: Window = "expanding", strategy: Strategy | None = None, trade: bool = False,
             cost_bps: float = DEFAULT_COST_BPS, covariates: Mapping[str, pd.DataFrame] | None = None,
             common_span: bool = False, test_size: float = TEST_SIZE, val_size: float = VAL_SIZE,
             test_start: str | None = None, val_start: str | None = None, price_column: str | None = None,
             fill: Fill = None, threshold: float | None = None, reporter: Reporter = SILENT,
             **settings: Any) -> Backtest:
    """Walk-forward backtest of one model over the test part of a chronological split.

    The inputs (`settings["features"]`, `covariates`) are computed once on the whole history, with the code
    `Forecaster.fit` uses; every refit reads only the rows before its first forecast.

    >>> bt = backtest(tc.load("sp500"), "gru", horizon=5, retrain_every=250, trade=True)   # doctest: +SKIP
    >>> bt.metrics["5"]["rmse_ratio_vs_naive"], bt.trading.long_flat.sharpe                  # doctest: +SKIP
    """
    config = ModelConfig.from_settings(**settings)
    frame = as_price_frame(prices, price_column, fill)
    covariates = {name: as_price_frame(other) for name, other in (covariates or {}).items()}
    frame, inputs, described = build_inputs(frame, config.features, covariates, common_span=common_span)
    split = checked_split(frame.index, make_model(model, config).min_history, origin=frame.attrs["origin"],
                          test_size=test_size, val_size=val_size, test_start=test_start, val_start=val_start,
                          settings=f"lookback {config.lookback}{inputs_start(described)} and this split")
    result = walk_forward(model, config, inputs, frame.index, split, horizon=horizon, retrain_every=retrain_every,
                          window=window, strategy=strategy, trade=trade, cost_bps=cost_bps, threshold=threshold,
                          reporter=reporter)
    result.settings["data"] = {**frame.attrs, "first": f"{frame.index[0]:%Y-%m-%d}",
                               "last": f"{frame.index[-1]:%Y-%m-%d}"}
    result.settings["split"] = split_dates(split, frame.index)
    result.settings["inputs"] = described
    return result
