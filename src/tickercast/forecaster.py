"""`Forecaster`: the scikit-learn-shaped front door. fit on prices, predict prices, save, load.

    fc = Forecaster(model="gru", lookback=20, hidden=32, layers=2, seed=0)
    fc.fit(prices, test_size=0.2)          # chronological split; validation for early stopping
    Forecaster(model="lstm", features=["returns", "volume", "rsi"]).fit(prices, covariates={"nasdaq": other})
    fc.metrics["test"]["rmse_ratio_vs_naive"]
    fc.predict(prices)                     # one-step-ahead forecasts, a Series in price units
    fc.save("runs/sp500-gru"); Forecaster.load("runs/sp500-gru")

    up = Forecaster(model="gru", target="direction").fit(prices)   # P(up) instead of prices (docs/direction.md)
    up.metrics["test"]["log_loss"]; up.predict_proba(prices); up.forecast(prices)   # P(up) of the next day
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, Self

import numpy as np
import pandas as pd

from tickercast.bundle import damaged, read_bundle, write_bundle
from tickercast.config import CELLS, TEST_SIZE, VAL_SIZE, ModelConfig
from tickercast.data.validate import Fill, as_price_frame
from tickercast.errors import ConfigError, DataError, NotFittedError, option, shown
from tickercast.evaluate.score import score
from tickercast.models import MODELS, make_model, restore_model
from tickercast.models.protocol import forecasts_direction
from tickercast.prepare.inputs import Inputs, build_inputs, inputs_start
from tickercast.prepare.split import checked_split, split_dates
from tickercast.progress import SILENT, Reporter

INTERVAL_LEVELS = (0.8, 0.95)
#: Largest forecast horizon (four years of trading days) and number of Monte-Carlo dropout paths.
MAX_HORIZON, MAX_DROPOUT_PATHS = 1_000, 10_000
Covariates = Mapping[str, pd.DataFrame | pd.Series]


class Forecaster:
    """Forecast a daily price series with one model: a network (`lstm`, `gru`, `rnn`) or a baseline (`naive`,
    `drift`, `ma`, `ar`, `arima`). With `target="direction"` it forecasts P(up) instead: a network or a direction
    baseline (`base_rate`, `momentum`, `reversal`, `logistic`); `predict_proba` replaces `predict`, and `forecast`
    gives P(up) of the next trading day.

    Settings are those of `ModelConfig` (target, lookback, hidden, layers, dropout, epochs, batch_size, lr,
    patience, clip, scaler, seed, device, horizons, threads, features, ensemble). After `fit`, what was learned
    ends in an underscore: `model_`, `metrics_` (also `metrics`), `history` (a table), `predictions_`, `data_`,
    `split_`, `inputs_` (which inputs were used, from which day), `reads_inputs_`, `best_epochs_` (the epoch
    each network kept), `fit_seconds_`, `member_metrics_` (also
    `member_metrics`: an ensemble's members) and `feature_importance_` (a table: how much worse validation gets
    when each input is shuffled; empty for a returns-only model); `forecast` adds `exchange_` (whose calendar).

    >>> from dataclasses import fields
    >>> [f.name for f in fields(ModelConfig)]  # the settings listed above     # doctest: +NORMALIZE_WHITESPACE
    ['target', 'lookback', 'hidden', 'layers', 'dropout', 'epochs', 'batch_size', 'lr', 'patience', 'clip',
     'scaler', 'seed', 'device', 'horizons', 'threads', 'features', 'ensemble']
    >>> MODELS  # the models listed above                                       # doctest: +NORMALIZE_WHITESPACE
    ('lstm', 'gru', 'rnn', 'naive', 'drift', 'ma', 'ar', 'arima', 'base_rate', 'momentum', 'reversal',
     'logistic')

    `ensemble=N` (networks) makes the model the mean forecast of N networks, seeds seed .. seed + N − 1, trained
    together (docs/ensembles.md); `member_metrics` then scores each member alone on the same days.
    """

    #: An ensemble's members' scores (`member_metrics`); None for a single model.
    member_metrics_: list[dict[str, Any]] | None = None

    def __init__(self, model: str = "lstm", **settings: Any) -> None:
        if model not in MODELS:
            raise ConfigError(f"unknown model {model!r}; use one of: {', '.join(MODELS)}")
        self.model = model
        self.config = ModelConfig.from_settings(**settings)

    def fit(self, prices: pd.DataFrame | pd.Series, *, covariates: Covariates | None = None,
            test_size: float = TEST_SIZE, val_size: float = VAL_SIZE, test_start: str | None = None,
            val_start: str | None = None, price_column: str | None = None, fill: Fill = None,
            exchange: str | None = None, common_span: bool = False, first_date: str | pd.Timestamp | None = None,
            reporter: Reporter = SILENT) -> Self:
        """Split chronologically, fit on the training part (validation for early stopping), score every part.

        Sizes below 1 are fractions, 1 or more are rows; `test_start`/`val_start` (YYYY-MM-DD) cut by date.
        The model never receives the test part: it is scored there with one-step-ahead forecasts only.
        `covariates` (name -> prices of another series) add that series' returns as inputs, aligned on these days;
        `common_span` starts the data where the latest covariate starts instead of refusing it. `first_date`
        uses no day before it (inputs are still computed on the whole history): how `compare` scores several
        input sets on the same days. `exchange` (a MIC such as XNSE), else the data's own, is saved and dates
        later forecasts (see `calendar`).
        """
        options = {"covariates": covariates, "test_size": test_size, "val_size": val_size, "test_start": test_start,
                   "val_start": val_start, "price_column": price_column, "fill": fill, "exchange": exchange,
                   "common_span": common_span, "first_date": first_date}
        return fit_seeds([self], prices, reporter=reporter, **options)[0]

    def _prepared(self, prices: pd.DataFrame | pd.Series, *, covariates: Covariates | None = None,
                  test_size: float = TEST_SIZE, val_size: float = VAL_SIZE, test_start: str | None = None,
                  val_start: str | None = None, price_column: str | None = None, fill: Fill = None,
                  exchange: str | None = None, common_span: bool = False,
                  first_date: str | pd.Timestamp | None = None) -> tuple[pd.DataFrame, Inputs, Any, Any]:
        """What `fit` needs before training: the validated frame, the model's inputs, the split and the unfitted
        model."""
        from tickercast.trading_calendar import resolve_exchange

        frame = as_price_frame(prices, price_column, fill)
        exchange = resolve_exchange(prices.attrs.get("exchange"), exchange, ticker=frame.attrs["ticker"])
        start = None if first_date is None else _date(first_date, "first date")
        frame, inputs, self.inputs_ = build_inputs(frame, self.config.features, _validated(covariates),
                                                   common_span=common_span, start=start)
        model = make_model(self.model, self.config)  # one line if the model cannot forecast the target
        split = checked_split(frame.index, model.min_history, origin=frame.attrs["origin"], test_size=test_size,
                              val_size=val_size, test_start=test_start, val_start=val_start,
                              settings=f"lookback {self.config.lookback}{inputs_start(self.inputs_)} and this split")
        self.data_ = {**_describe(frame), "exchange": exchange}
        self.split_ = split_dates(split, frame.index)
        return frame, inputs, split, model

    def _scored(self, frame: pd.DataFrame, inputs: Inputs, split: Any, model: Any) -> Self:
        """Keep the fitted model and score it on every part (and the inputs' importance, for a model reading
        inputs)."""
        self.model_ = model
        self.predictions_, self.metrics_ = score(model, inputs, frame.index, split, origin=frame.attrs["origin"])
        self.member_metrics_ = member_scores(model, inputs, frame.index, split, frame.attrs["origin"])
        if model.uses_inputs and inputs.width and not forecasts_direction(model):  # importance is in price RMSE
            from tickercast.evaluate.importance import permutation_importance

            self.importance_ = permutation_importance(model, inputs, split, seed=self.config.seed)
        return self

    def predict(self, prices: pd.DataFrame | pd.Series, start: str | pd.Timestamp | None = None, *,
                covariates: Covariates | None = None) -> pd.Series:
        """One-step-ahead forecasts in price units, for every day from `start` (default: the first possible).

        Each day's forecast uses only the data before it, so it is what you would have predicted that morning.
        A model fitted with covariates needs them again, under the same names; its inputs are recomputed from
        the data given, with the same code as in `fit`. A direction model refuses (use `predict_proba`).
        """
        return self._one_step(prices, start, covariates, "predicted")

    def predict_proba(self, prices: pd.DataFrame | pd.Series, start: str | pd.Timestamp | None = None, *,
                      covariates: Covariates | None = None) -> pd.Series:
        """P(up) of every day from `start` (a direction model: `target="direction"`), each from the data before
        that day; a day is up when its price is strictly above the previous day's."""
        return self._one_step(prices, start, covariates, "p_up")

    def _one_step(self, prices: pd.DataFrame | pd.Series, start: str | pd.Timestamp | None,
                  covariates: Covariates | None, kind: str) -> pd.Series:
        model = self._fitted()
        forecast = model.predict_proba if kind == "p_up" else model.predict
        frame, inputs = self.prepare(prices, covariates)
        first = model.min_history
        if start is not None:
            first = max(int(frame.index.searchsorted(_date(start, "start date"))), first)
        with np.errstate(all="ignore"):  # a damaged model's overflow is refused by _finite, not printed by NumPy
            values = _finite(forecast(inputs, first) if first < len(inputs) else np.empty(0), self.model)
        return pd.Series(values, index=frame.index[first:], name=kind)

    def forecast(self, prices: pd.DataFrame | pd.Series, horizon: int | None = None,
                 levels: tuple[float, ...] = INTERVAL_LEVELS, mc_dropout: int = 0,
                 exchange: str | None = None, covariates: Covariates | None = None) -> pd.DataFrame:
        """The next `horizon` trading days after the last date of `prices`, with prediction intervals.

        Days are those of `exchange` if given, else of the one saved with the model when `prices` are of the
        ticker it was trained on, else of the data's own (`tickercast.trading_calendar`); `exchange_` says which it was.

        Point forecasts are recursive (each day's forecast feeds the next), or direct for a model that reads
        inputs beyond returns (their future is unknown): one output per day ahead, so it must have been trained
        with `horizons` of at least `horizon`. The intervals are split-conformal
        (`evaluate.intervals`), calibrated per horizon on the model's own walk-forward errors over the test
        part, which it never trained on; so they need `prices` to include that part.
        Columns: `date, horizon, forecast`, then `lower_80, upper_80, lower_95, upper_95` for the default levels.
        `mc_dropout=N` (networks with dropout) adds `dropout_lower_80, dropout_upper_80`: the 10th and 90th
        percentiles of N forecast paths with dropout left on, a spread of the model's uncertainty only.

        `horizon` None is 5 days. A direction model forecasts the next trading day only (horizon 1, no intervals):
        columns `date, horizon, p_up`.
        """
        from tickercast.evaluate.backtest import forecasts_from
        from tickercast.evaluate.intervals import conformal_quantile, interval
        from tickercast.models.multistep import recursive_forecast
        from tickercast.models.protocol import can_forecast_recursively
        from tickercast.trading_calendar import next_trading_days

        model = self._fitted()
        if forecasts_direction(model):
            return self._next_day_up(model, prices, horizon, mc_dropout, exchange, covariates)
        horizon = 5 if horizon is None else horizon
        if not 1 <= horizon <= MAX_HORIZON:
            raise ConfigError(f"horizon must be from 1 to {MAX_HORIZON:,} trading days, not {shown(horizon)}")
        if not 0 <= mc_dropout <= MAX_DROPOUT_PATHS:
            raise ConfigError(f"mc_dropout is a number of sampled paths: 0 (off) to {MAX_DROPOUT_PATHS:,}, "
                              f"not {shown(mc_dropout)}")
        frame, inputs = self.prepare(prices, covariates)
        strategy = "recursive" if can_forecast_recursively(model, inputs) else "direct"
        if strategy == "direct" and horizon > self.config.horizons:
            raise ConfigError(f"a model with inputs beyond returns forecasts directly, and this one was trained for "
                              f"{self.config.horizons} day(s) ahead; train it with horizons={horizon} (--horizons "
                              f"{horizon}) to forecast {horizon} days")
        self._resolve_exchange(frame, prices, exchange)
        test_start = int(frame.index.searchsorted(pd.Timestamp(self.split_["test"]["start"])))
        if len(inputs) - test_start < 2 * horizon:
            raise DataError(f"{frame.attrs['origin']} does not cover enough of the test part "
                            f"(from {self.split_['test']['start']}) to calibrate {horizon}-day intervals")
        with np.errstate(all="ignore"):  # a damaged model's overflow is refused below, not printed by NumPy
            calibration = forecasts_from(model, inputs, frame.index, range(max(test_start, model.min_history),
                                                                           len(inputs)), horizon, strategy)
            if strategy == "direct":
                point = model.forecast_direct(inputs, range(len(inputs), len(inputs) + 1))[0, :horizon]
            else:
                point = recursive_forecast(model, inputs.prices, horizon)
            table = pd.DataFrame({"date": next_trading_days(frame.index[-1], horizon, self.exchange_),
                                  "horizon": np.arange(1, horizon + 1), "forecast": point})
            for level in levels:
                bounds = []
                for h in range(1, horizon + 1):
                    rows = calibration[calibration["horizon"] == h]
                    q = conformal_quantile(rows["actual"].to_numpy(), rows["predicted"].to_numpy(), level)
                    bounds.append(interval(point[h - 1:h], q))
                percent = round(level * 100)
                table[f"lower_{percent}"] = [lower[0] for lower, _ in bounds]
                table[f"upper_{percent}"] = [upper[0] for _, upper in bounds]
            if mc_dropout:
                if not model.dropout_sampling:
                    raise ConfigError(f"Monte-Carlo dropout needs a network, not {self.model}")
                paths = model.dropout_paths(inputs, horizon, mc_dropout, seed=self.config.seed)
                table["dropout_lower_80"], table["dropout_upper_80"] = np.percentile(paths, [10, 90], axis=0)
        _finite(table.drop(columns="date").to_numpy(dtype=np.float64), self.model)
        return table

    def _next_day_up(self, model: Any, prices: pd.DataFrame | pd.Series, horizon: int | None, mc_dropout: int,
                     exchange: str | None, covariates: Covariates | None) -> pd.DataFrame:
        """P(up) of the trading day after the last date: the model's forecast of one more day, whose row is a
        placeholder it never reads (each day's P reads only the rows before it)."""
        from tickercast.trading_calendar import next_trading_days

        if horizon not in (None, 1):
            raise ConfigError(f"a direction model forecasts P(up) of the next trading day only, not {shown(horizon)} "
                              "days; use horizon 1")
        if mc_dropout:
            raise ConfigError("Monte-Carlo dropout samples price paths; a direction model forecasts P(up) only")
        frame, inputs = self.prepare(prices, covariates)
        self._resolve_exchange(frame, prices, exchange)
        extended = Inputs(np.append(inputs.prices, inputs.prices[-1]), np.vstack([inputs.extra, inputs.extra[-1:]]),
                          inputs.columns)
        with np.errstate(all="ignore"):
            p_up = _finite(model.predict_proba(extended, len(inputs)), self.model)
        return pd.DataFrame({"date": next_trading_days(frame.index[-1], 1, self.exchange_), "horizon": [1],
                             "p_up": p_up})

    def _resolve_exchange(self, frame: pd.DataFrame, prices: pd.DataFrame | pd.Series, exchange: str | None) -> None:
        """`exchange_`: the given one, else the saved one for the ticker it was trained on, else the data's."""
        from tickercast.trading_calendar import resolve_exchange

        ticker = frame.attrs["ticker"]
        saved = self.data_.get("exchange") if ticker == self.data_.get("ticker") else None  # it knows this ticker
        self.exchange_ = resolve_exchange(prices.attrs.get("exchange"), exchange, ticker=ticker, default=saved)

    @property
    def metrics(self) -> dict[str, dict[str, Any]]:
        """Metrics per split (`train`, `val`, `test`): in price units next to the naive forecast, or for the
        direction target the scores of P(up) (`evaluate.scorecard.direction_scorecard`)."""
        self._fitted()
        return self.metrics_

    @property
    def member_metrics(self) -> list[dict[str, Any]] | None:
        """An ensemble's members, each `{"seed": s, "metrics": {split: metrics}}` (the metrics of `metrics`, without
        a direction model's reliability table), scored on the same days as the ensemble; None for one model."""
        self._fitted()
        return self.member_metrics_

    @property
    def feature_importance_(self) -> pd.DataFrame:
        """Permutation importance of each input on the validation days (`evaluate.importance`), largest first:
        columns `input, importance` (relative RMSE increase when shuffled). Empty for a returns-only model."""
        rows = getattr(self, "importance_", None) or []
        self._fitted()
        return pd.DataFrame([(row["input"], row["importance"]) for row in rows], columns=["input", "importance"])

    @property
    def history(self) -> pd.DataFrame:
        """Training and validation loss per epoch (empty for baselines); epoch 0 is the untrained network."""
        history = getattr(self._fitted(), "history_", None)
        epochs = history.epochs if history is not None else []
        return pd.DataFrame(epochs, columns=["epoch", "train_loss", "val_loss", "seconds"])

    @property
    def best_epochs_(self) -> list[int]:
        """The epoch whose weights each network kept (best validation loss, or the last without a validation part;
        0 is the untrained network): one per ensemble member, the first being `history`'s; empty for a baseline."""
        model = self._fitted()
        histories = getattr(model, "histories_", None)
        if histories is None:
            history = getattr(model, "history_", None)
            histories = [] if history is None else [history]
        return [history.best_epoch for history in histories]

    @property
    def reads_inputs_(self) -> bool:
        """Whether the model reads the input columns (`inputs_`) at all; a baseline such as `naive` reads none."""
        return bool(self._fitted().uses_inputs)

    def save(self, folder: str | Path) -> Path:
        """Write the model bundle (JSON + safetensors, see `tickercast.bundle`) and return its folder."""
        model = self._fitted()
        config = {"model": self.model, "target": self.config.target, "settings": self.config.to_dict(),
                  "data": self.data_,
                  "split": self.split_, "fit_seconds": self.fit_seconds_, "inputs": self.inputs_,
                  "importance": getattr(self, "importance_", None)}
        members = self.member_metrics_
        metrics = self.metrics_ if members is None else {**self.metrics_, "members": members}
        return write_bundle(folder, config=config, state=model.state(), metrics=metrics,
                            predictions=self.predictions_)

    @classmethod
    def load(cls, folder: str | Path, device: str = "cpu") -> Forecaster:
        """Rebuild a saved forecaster on `device` (a model trained on a GPU loads on a CPU machine).

        It predicts exactly as it did before saving.
        """
        bundle = read_bundle(folder)  # the whole folder checked against its schema, or one line
        config = bundle["config"]
        forecaster = cls(config["model"], **{**config["settings"], "device": device})
        try:
            forecaster.model_ = restore_model(config["model"], forecaster.config, bundle["state"])
        except (KeyError, ValueError) as error:  # the models' own checks of their state, before building
            detail = f"lacks {error}" if isinstance(error, KeyError) else str(error)
            raise damaged(folder, f"weights.safetensors does not match the settings: {detail}") from None
        forecaster.metrics_ = bundle["metrics"]
        forecaster.member_metrics_ = forecaster.metrics_.pop("members", None)
        forecaster.predictions_ = bundle["predictions"]
        forecaster.data_, forecaster.split_ = config["data"], config["split"]
        forecaster.fit_seconds_ = config.get("fit_seconds")
        forecaster.inputs_ = config.get("inputs") or {"features": ["returns"], "with": []}
        forecaster.importance_ = config.get("importance")
        return forecaster

    def __repr__(self) -> str:
        changed = {k: v for k, v in self.config.to_dict().items() if v != getattr(ModelConfig, k)}
        settings = "".join(f", {k}={v!r}" for k, v in changed.items())
        return f"Forecaster(model={self.model!r}{settings})"

    def _fitted(self) -> Any:
        if not hasattr(self, "model_"):
            raise NotFittedError("this Forecaster is not fitted yet; call fit(prices) first")
        return self.model_

    def prepare(self, prices: pd.DataFrame | pd.Series,
                covariates: Covariates | None = None) -> tuple[pd.DataFrame, Inputs]:
        """The data through the gate and the inputs this model was fitted on, recomputed from it."""
        named = list(covariates or {})
        if named != list(self.inputs_["with"]):
            raise ConfigError(f"this model was fitted with covariates {', '.join(self.inputs_['with']) or '(none)'} "
                              f"and needs exactly those (given: {', '.join(map(str, named)) or 'none'}); "
                              f"pass the same {option('covariates')} as when it was trained")
        frame = as_price_frame(prices, self.data_["price_column"], None)
        frame, inputs, _ = build_inputs(frame, self.inputs_["features"], _validated(covariates), common_span=True)
        return frame, inputs



def member_scores(model: Any, inputs: Inputs, dates: pd.DatetimeIndex, split: Any,
                  origin: str) -> list[dict[str, Any]] | None:
    """Each member of an ensemble scored alone on every part (None for a single model): what the ensemble's
    mean forecast is measured against."""
    members = getattr(model, "members_", None)
    if members is None:
        return None
    scored = []
    for member in members:
        metrics = score(member, inputs, dates, split, origin=origin)[1]
        scored.append({"seed": member.config.seed, "metrics": {part: {key: value for key, value in card.items()
                                                                        if key != "reliability"}
                                                                 for part, card in metrics.items()}})
    return scored


def _finite(values: np.ndarray, model: str) -> np.ndarray:
    """Forecasts, or a DataError: a model (a loaded one too) never hands back a NaN or infinite price."""
    if not np.isfinite(values).all():
        raise DataError(f"the {model} model's forecasts are not finite numbers; its saved weights or scaler are "
                        "damaged, or the prices are far outside what it was trained on")
    return values


def _describe(frame: pd.DataFrame) -> dict[str, Any]:
    return {**frame.attrs, "first": f"{frame.index[0]:%Y-%m-%d}", "last": f"{frame.index[-1]:%Y-%m-%d}",
            "rows": len(frame)}


def _date(value: str | pd.Timestamp, what: str) -> pd.Timestamp:
    try:
        return pd.Timestamp(value)
    except ValueError:
        raise ConfigError(f"cannot read the {what} {shown(value)}; write it as YYYY-MM-DD") from None


def _validated(covariates: Covariates | None) -> dict[str, pd.DataFrame]:
    """Each covariate through the validation gate, by name."""
    return {str(name): as_price_frame(prices) for name, prices in (covariates or {}).items()}


def fit_seeds(forecasters: list[Forecaster], prices: pd.DataFrame | pd.Series, *, reporter: Reporter = SILENT,
              **options: Any) -> list[Forecaster]:
    """`fit` each forecaster on the same prices and options (those of `Forecaster.fit`); networks that differ
    only in their seed are trained together as one batched computation (`models.recurrent.fit_together`),
    everything else one by one. An ensemble's members join its group's batch (`fit_together`).

    Each forecaster ends as if fitted alone (its own seed's weights, data order and early stopping), so its
    scores are those of a lone fit within the noise of training.
    """
    from tickercast.models.recurrent import fit_together

    prepared = [forecaster._prepared(prices, **options) for forecaster in forecasters]
    groups: dict[tuple[str, str], list[int]] = {}
    for index, forecaster in enumerate(forecasters):
        key = (forecaster.model, repr(replace(forecaster.config, seed=0)))
        groups.setdefault(key if forecaster.model in CELLS else (str(index), ""), []).append(index)
    for members in groups.values():
        _, inputs, split, model = prepared[members[0]]
        started = time.perf_counter()
        if len(members) > 1:
            fit_together([prepared[index][3] for index in members], inputs[:split.val_end], split.train_end,
                         reporter)
        else:
            model.fit(inputs[:split.val_end], split.train_end, reporter)
        seconds = (time.perf_counter() - started) / len(members)  # shared: each member's share of the time
        for index in members:
            forecasters[index].fit_seconds_ = seconds
    return [forecaster._scored(*prepared[index]) for index, forecaster in enumerate(forecasters)]
