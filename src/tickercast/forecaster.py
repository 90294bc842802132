"""`Forecaster`: the scikit-learn-shaped front door. fit on prices, predict prices, save, load.

    fc = Forecaster(model="gru", lookback=20, hidden=32, layers=2, seed=0)
    fc.fit(prices, test_size=0.2)          # chronological split; validation for early stopping
    fc.metrics["test"]["rmse_ratio_vs_naive"]
    fc.predict(prices)                     # one-step-ahead forecasts, a Series in price units
    fc.save("runs/sp500-gru"); Forecaster.load("runs/sp500-gru")
"""

from __future__ import annotations

import time
import warnings
from pathlib import Path
from typing import Any, Self

import numpy as np
import pandas as pd

from tickercast.bundle import damaged, read_bundle, write_bundle
from tickercast.config import TEST_SIZE, VAL_SIZE, ModelConfig, shown
from tickercast.data.validate import Fill, validate
from tickercast.errors import ConfigError, DataError, NotFittedError, TickercastWarning, TrainingError
from tickercast.evaluate.scorecard import scorecard
from tickercast.models import MODELS, make_model, restore_model
from tickercast.prepare.split import Split, check_long_enough, make_split
from tickercast.progress import SILENT, Reporter

PARTS = ("train", "val", "test")
INTERVAL_LEVELS = (0.8, 0.95)
#: Largest forecast horizon (four years of trading days) and number of Monte-Carlo dropout paths.
MAX_HORIZON, MAX_DROPOUT_PATHS = 1_000, 10_000


class Forecaster:
    """Forecast a daily price series with one model (`lstm`, `gru`, `rnn` or `naive`).

    Settings are those of `ModelConfig` (target, lookback, hidden, layers, dropout, epochs, batch_size, lr,
    patience, clip, scaler, seed, device). After `fit`, what was learned ends in an underscore: `model_`,
    `metrics_` (also `metrics`), `history_` (also `history`), `predictions_`, `data_`, `split_`.
    """

    def __init__(self, model: str = "lstm", **settings: Any) -> None:
        if model not in MODELS:
            raise ConfigError(f"unknown model {model!r}; use one of: {', '.join(MODELS)}")
        self.model = model
        self.config = ModelConfig.from_settings(**settings)

    def fit(self, prices: pd.DataFrame | pd.Series, *, test_size: float = TEST_SIZE, val_size: float = VAL_SIZE,
            test_start: str | None = None, val_start: str | None = None, price_column: str | None = None,
            fill: Fill = None, exchange: str | None = None, reporter: Reporter = SILENT) -> Self:
        """Split chronologically, fit on the training part (validation for early stopping), score every part.

        Sizes below 1 are fractions, 1 or more are rows; `test_start`/`val_start` (YYYY-MM-DD) cut by date.
        The model never receives the test part: it is scored there with one-step-ahead forecasts only.
        `exchange` (a MIC such as XNSE), else the data's own, is saved and dates later forecasts (see `calendar`).
        """
        from tickercast.calendar import resolve_exchange

        frame = as_price_frame(prices, price_column, fill)
        exchange = resolve_exchange(prices.attrs.get("exchange"), exchange, ticker=frame.attrs["ticker"])
        model = make_model(self.model, self.config)
        series, split = split_series(frame, model.min_history, test_size=test_size, val_size=val_size,
                                     test_start=test_start, val_start=val_start,
                                     settings=f"lookback {self.config.lookback} and this split")
        started = time.perf_counter()
        model.fit(series[:split.val_end], split.train_end, reporter)
        self.fit_seconds_ = time.perf_counter() - started
        self.model_ = model
        self.data_ = {**_describe(frame), "exchange": exchange}
        self.split_ = split_dates(split, frame.index)
        self.predictions_, self.metrics_ = score(model, series, frame.index, split, origin=frame.attrs["origin"])
        return self

    def predict(self, prices: pd.DataFrame | pd.Series, start: str | pd.Timestamp | None = None) -> pd.Series:
        """One-step-ahead forecasts in price units, for every day from `start` (default: the first possible).

        Each day's forecast uses only the prices before it, so it is what you would have predicted that morning.
        """
        model = self._fitted()
        frame = as_price_frame(prices, self.data_["price_column"], None)
        series = frame[frame.attrs["price_column"]].to_numpy(dtype=np.float64)
        first = model.min_history
        if start is not None:
            try:
                first = max(int(frame.index.searchsorted(pd.Timestamp(start))), first)
            except ValueError:
                raise ConfigError(f"cannot read the start date {start!r}; write it as YYYY-MM-DD") from None
        with np.errstate(all="ignore"):  # a damaged model's overflow is refused by _finite, not printed by NumPy
            values = _finite(model.predict(series, first) if first < len(series) else np.empty(0), self.model)
        return pd.Series(values, index=frame.index[first:], name="predicted")

    def forecast(self, prices: pd.DataFrame | pd.Series, horizon: int = 5,
                 levels: tuple[float, ...] = INTERVAL_LEVELS, mc_dropout: int = 0,
                 exchange: str | None = None) -> pd.DataFrame:
        """The next `horizon` trading days after the last date of `prices`, with prediction intervals.

        Days are those of `exchange` if given, else of the one saved with the model when `prices` are of the
        ticker it was trained on, else of the data's own (`tickercast.calendar`); `exchange_` says which it was.

        Point forecasts are recursive (each day's forecast feeds the next). The intervals are split-conformal
        (`evaluate.intervals`), calibrated per horizon on the model's own walk-forward errors over the test
        part, which it never trained on; so they need `prices` to include that part.
        Columns: `date, horizon, forecast`, then `lower_80, upper_80, lower_95, upper_95` for the default levels.
        `mc_dropout=N` (networks with dropout) adds `dropout_lower_80, dropout_upper_80`: the 10th and 90th
        percentiles of N forecast paths with dropout left on, a spread of the model's uncertainty only.
        """
        from tickercast.calendar import next_trading_days, resolve_exchange
        from tickercast.evaluate.backtest import forecasts_from
        from tickercast.evaluate.intervals import conformal_quantile, interval
        from tickercast.models.multistep import recursive_forecast

        model = self._fitted()
        if not 1 <= horizon <= MAX_HORIZON:
            raise ConfigError(f"horizon must be from 1 to {MAX_HORIZON:,} trading days, not {shown(horizon)}")
        if not 0 <= mc_dropout <= MAX_DROPOUT_PATHS:
            raise ConfigError(f"mc_dropout is a number of sampled paths: 0 (off) to {MAX_DROPOUT_PATHS:,}, "
                              f"not {shown(mc_dropout)}")
        frame = as_price_frame(prices, self.data_["price_column"], None)
        ticker = frame.attrs["ticker"]
        saved = self.data_.get("exchange") if ticker == self.data_.get("ticker") else None  # it knows this ticker
        self.exchange_ = resolve_exchange(prices.attrs.get("exchange"), exchange, ticker=ticker, default=saved)
        series = frame[frame.attrs["price_column"]].to_numpy(dtype=np.float64)
        test_start = int(frame.index.searchsorted(pd.Timestamp(self.split_["test"]["start"])))
        if len(series) - test_start < 2 * horizon:
            raise DataError(f"{frame.attrs['origin']} does not cover enough of the test part "
                            f"(from {self.split_['test']['start']}) to calibrate {horizon}-day intervals")
        with np.errstate(all="ignore"):  # a damaged model's overflow is refused below, not printed by NumPy
            calibration = forecasts_from(model, series, frame.index, range(max(test_start, model.min_history),
                                                                           len(series)), horizon)
            point = recursive_forecast(model, series, horizon)
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
                if not getattr(model, "is_network", False):
                    raise ConfigError(f"Monte-Carlo dropout needs a network, not {self.model}")
                paths = model.dropout_paths(series, horizon, mc_dropout, seed=self.config.seed)
                table["dropout_lower_80"], table["dropout_upper_80"] = np.percentile(paths, [10, 90], axis=0)
        _finite(table.drop(columns="date").to_numpy(dtype=np.float64), self.model)
        return table

    @property
    def metrics(self) -> dict[str, dict[str, Any]]:
        """Metrics per split (`train`, `val`, `test`), in price units, next to the naive forecast."""
        self._fitted()
        return self.metrics_

    @property
    def history(self) -> pd.DataFrame:
        """Training and validation loss per epoch (empty for baselines); epoch 0 is the untrained network."""
        history = getattr(self._fitted(), "history_", None)
        epochs = history.epochs if history is not None else []
        return pd.DataFrame(epochs, columns=["epoch", "train_loss", "val_loss", "seconds"])

    def save(self, folder: str | Path) -> Path:
        """Write the model bundle (JSON + safetensors, see `tickercast.bundle`) and return its folder."""
        model = self._fitted()
        config = {"model": self.model, "settings": self.config.to_dict(), "data": self.data_,
                  "split": self.split_, "fit_seconds": self.fit_seconds_}
        return write_bundle(folder, config=config, state=model.state(), metrics=self.metrics_,
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
        forecaster.predictions_ = bundle["predictions"]
        forecaster.data_, forecaster.split_ = config["data"], config["split"]
        forecaster.fit_seconds_ = config.get("fit_seconds")
        return forecaster

    def __repr__(self) -> str:
        changed = {k: v for k, v in self.config.to_dict().items() if v != getattr(ModelConfig, k)}
        settings = "".join(f", {k}={v!r}" for k, v in changed.items())
        return f"Forecaster(model={self.model!r}{settings})"

    def _fitted(self) -> Any:
        if not hasattr(self, "model_"):
            raise NotFittedError("this Forecaster is not fitted yet; call fit(prices) first")
        return self.model_



def split_series(frame: pd.DataFrame, min_history: int, *, test_size: float = TEST_SIZE, val_size: float = VAL_SIZE,
                 test_start: str | None = None, val_start: str | None = None,
                 settings: str = "these settings") -> tuple[np.ndarray, Split]:
    """A PriceFrame's price series and its chronological split, refused (SeriesTooShortError) if a model that
    needs `min_history` days before its first forecast would have too little to train on or nothing to test.

    `settings` names what made the series too short, for the message (e.g. "lookback 60 and this split").
    """
    series = frame[frame.attrs["price_column"]].to_numpy(dtype=np.float64)
    split = make_split(frame.index, test_size=test_size, val_size=val_size, test_start=test_start,
                       val_start=val_start)
    by_fraction = test_start is None and val_start is None and max(test_size, val_size) < 1
    check_long_enough(split, min_history, sizes=(test_size, val_size) if by_fraction else None, settings=settings,
                      origin=frame.attrs["origin"])
    return series, split


def score(model: Any, series: np.ndarray, dates: pd.DatetimeIndex, split: Split,
          origin: str = "data") -> tuple[pd.DataFrame, dict[str, dict[str, Any]]]:
    """A fitted model's one-step forecast of every day it can predict, and the scorecard of each split part.

    The table has `date, actual, predicted, naive, split` (naive = the previous actual price, the same days);
    a non-finite forecast anywhere is a TrainingError, never a quiet NaN in the metrics.
    """
    first = model.min_history
    days = np.arange(first, len(series))
    table = pd.DataFrame({
        "date": dates[first:],
        "actual": series[first:],
        "predicted": model.predict(series, first),
        "naive": series[first - 1:-1],
        "split": pd.Categorical([split.part_of(day) for day in days], categories=PARTS),
    })
    if not np.isfinite(table["predicted"]).all():
        raise TrainingError(f"the {model.name} model produced non-finite forecasts on {origin}; "
                            "check the prices for absurd values, or lower the learning rate")
    metrics = {str(part): scorecard(rows["actual"].to_numpy(), rows["predicted"].to_numpy(), rows["naive"].to_numpy())
               for part, rows in table.groupby("split", sort=False, observed=True) if len(rows)}
    return table, metrics


def _finite(values: np.ndarray, model: str) -> np.ndarray:
    """Forecasts, or a DataError: a model (a loaded one too) never hands back a NaN or infinite price."""
    if not np.isfinite(values).all():
        raise DataError(f"the {model} model's forecasts are not finite numbers; its saved weights or scaler are "
                        "damaged, or the prices are far outside what it was trained on")
    return values


def as_price_frame(prices: pd.DataFrame | pd.Series, price_column: str | None, fill: Fill) -> pd.DataFrame:
    """Pass any user input through the validation gate.

    A Series is the price column itself, whatever its name. Data that already passed the gate (it carries
    a PriceFrame's attrs) is checked again, but its repairs were reported when it was loaded: not twice.
    """
    attrs = dict(prices.attrs)
    if isinstance(prices, pd.Series):
        prices, price_column = prices.to_frame(name="close"), "close"
    column = price_column or attrs.get("price_column")
    with warnings.catch_warnings():
        if "price_column" in attrs:
            warnings.simplefilter("ignore", TickercastWarning)
        return validate(prices, origin=attrs.get("origin", "data"), price_column=column, fill=fill,
                        source=attrs.get("source", "dataframe"), ticker=attrs.get("ticker"),
                        exchange=attrs.get("exchange"))


def _describe(frame: pd.DataFrame) -> dict[str, Any]:
    return {**frame.attrs, "first": f"{frame.index[0]:%Y-%m-%d}", "last": f"{frame.index[-1]:%Y-%m-%d}",
            "rows": len(frame)}


def split_dates(split: Split, dates: pd.DatetimeIndex) -> dict[str, dict[str, Any]]:
    """First and last date and the number of days of each part, as config.json and the report show them."""
    parts = {}
    for part in PARTS:
        days = split.days(part)
        if len(days):
            parts[part] = {"start": f"{dates[days.start]:%Y-%m-%d}", "end": f"{dates[days.stop - 1]:%Y-%m-%d}",
                           "days": len(days)}
    return parts
