"""No look-ahead, end to end (issue 14, point 3): change the data after a day D, and no forecast made by D may move.

A forecast made at the close of D is the forecast of every day up to D and of the next trading day after it
(`NEXT`): all of them may read rows up to D and nothing later. So for each path that turns data into forecasts
(`Forecaster.fit` with every feature of the catalogue and with covariates, walk-forward backtests that refit,
`Forecaster.predict` and `forecast`), the data are changed on every day after D, the same run is made again, and:

* every forecast dated up to NEXT (in a backtest: made at an origin up to D) is bit-for-bit the same;
* some later forecast moved (the change reached the model, so the comparison could have failed);
* changing day D itself (only the columns the feature reads) does move the forecast of NEXT: the boundary is
  exactly the close of D, neither a day later (a leak) nor ignored.

D lies in the test part, so the training rows, and with them the fitted models, are the same in both runs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import tickercast as tc
from tests.conftest import TINY
from tickercast.evaluate.backtest import backtest
from tickercast.prepare.features import CATALOGUE

DAYS = 500  # the 200-day mean (ma_gap) leaves 300 days; the test part is the last 60
D_BACK = 30  # D is the 30th day from the end: inside every test part, 30 test days after it
SETTINGS = {**TINY, "seed": 0}


def ohlcv(days: int = DAYS, seed: int = 0, freq: str = "B", origin: str = "target") -> pd.DataFrame:
    """A validated frame with consistent open, high, low, close bars and a volume, on business (or all) days."""
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, days)))
    open_ = np.concatenate([[close[0]], close[:-1]]) * np.exp(rng.normal(0, 0.003, days))
    high = np.maximum(open_, close) * np.exp(np.abs(rng.normal(0, 0.005, days)))
    low = np.minimum(open_, close) * np.exp(-np.abs(rng.normal(0, 0.005, days)))
    volume = np.round(1e6 * np.exp(rng.normal(0, 0.3, days)))
    frame = pd.DataFrame({"open": open_, "high": high, "low": low, "close": close, "volume": volume},
                         index=pd.date_range("2016-01-04", periods=days, freq=freq, name="date"))
    return tc.validate(frame, origin=origin)


def changed(frame: pd.DataFrame, rows: np.ndarray, columns: tuple[str, ...] = ("close", "open", "volume"),
            seed: int = 1) -> pd.DataFrame:
    """A copy with other values on `rows` (a mask): `close` moves the whole bar by one factor a day, `open` moves
    the open inside the day's range, `volume` scales the volume. Bars stay consistent."""
    copy = frame.copy()
    copy.attrs = dict(frame.attrs)
    rng = np.random.default_rng(seed)
    if "close" in columns:
        factor = np.exp(rng.normal(0, 0.05, rows.sum()))
        for column in ("open", "high", "low", "close"):
            copy.loc[rows, column] *= factor
    if "open" in columns:
        low, high = copy.loc[rows, "low"], copy.loc[rows, "high"]
        copy.loc[rows, "open"] = low + rng.uniform(0.1, 0.9, rows.sum()) * (high - low)
    if "volume" in columns:
        copy.loc[rows, "volume"] = np.round(copy.loc[rows, "volume"] * np.exp(rng.normal(0, 0.5, rows.sum())))
    return copy


def after(frame: pd.DataFrame, day: pd.Timestamp) -> np.ndarray:
    return np.asarray(frame.index > day)


def day_d(frame: pd.DataFrame) -> tuple[pd.Timestamp, pd.Timestamp]:
    """D and the next trading day of `frame` after it."""
    return frame.index[-D_BACK], frame.index[-D_BACK + 1]


def by_date(table: pd.DataFrame) -> pd.Series:
    return table.set_index("date")["predicted"]


def assert_fixed_through(before: pd.Series, after_change: pd.Series, last_fixed: pd.Timestamp) -> None:
    """Forecasts dated up to `last_fixed` identical, and at least one later forecast moved."""
    assert before.index.equals(after_change.index)
    fixed = before.index <= last_fixed
    assert fixed.any()
    assert (~fixed).any()
    np.testing.assert_array_equal(before[fixed].to_numpy(), after_change[fixed].to_numpy())
    assert (before[~fixed] != after_change[~fixed]).any(), "the change never reached a forecast: the test is void"


#: What changing day D alone may touch to reach a feature: its own column (not the close) where it has one.
OWN_COLUMNS = {"ohlc": ("open",), "volume": ("volume",)}


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return ohlcv()


@pytest.mark.parametrize("model", ["gru", "ar"])
@pytest.mark.parametrize("feature", CATALOGUE)
def test_no_feature_lets_a_forecast_see_past_its_origin(feature: str, model: str, frame: pd.DataFrame) -> None:
    d, following = day_d(frame)
    fitted = tc.Forecaster(model, features=[feature], **SETTINGS).fit(frame)
    refitted = tc.Forecaster(model, features=[feature], **SETTINGS).fit(changed(frame, after(frame, d)))
    assert fitted.inputs_["features"] == (["returns"] if feature == "returns" else ["returns", feature])
    assert_fixed_through(by_date(fitted.predictions_), by_date(refitted.predictions_), following)
    # the other side of the boundary: the feature's own value on D is read by the forecast of the next day
    day_only = changed(frame, np.asarray(frame.index == d), OWN_COLUMNS.get(feature, ("close",)))
    moved = fitted.predict(day_only, start=following)
    assert moved[following] != fitted.predict(frame, start=following)[following]


@pytest.fixture(scope="module")
def covariate() -> pd.DataFrame:
    """Another series on every calendar day (weekends too) that also lacks D and the two days before it."""
    other = ohlcv(days=int(DAYS * 1.45), seed=5, freq="D", origin="x.csv")
    d, _ = day_d(ohlcv())
    gap = (other.index > d - pd.Timedelta(days=3)) & (other.index <= d)
    kept = other[~gap]
    kept.attrs = dict(other.attrs)
    return kept


@pytest.mark.parametrize("model", ["gru", "ar"])
def test_a_covariate_changed_after_d_moves_no_forecast_made_by_d(model: str, frame: pd.DataFrame,
                                                                  covariate: pd.DataFrame) -> None:
    """The covariate lacks D (it takes its last price before D, never a later one) and trades on the weekend after
    D (a day the target does not have): changing it from D's next calendar day on must not reach NEXT."""
    d, following = day_d(frame)
    fitted = tc.Forecaster(model, **SETTINGS).fit(frame, covariates={"x": covariate})
    assert fitted.inputs_["filled_days"]["x"] >= 1  # D itself was filled from before
    refitted = tc.Forecaster(model, **SETTINGS).fit(frame, covariates={"x": changed(covariate, after(covariate, d))})
    assert_fixed_through(by_date(fitted.predictions_), by_date(refitted.predictions_), following)


def test_the_check_catches_a_covariate_that_leaks_tomorrow(frame: pd.DataFrame) -> None:
    """The harness can fail: a covariate that is the target's next-day price moves the forecast of NEXT."""
    d, following = day_d(frame)

    def leaky(target: pd.DataFrame) -> pd.DataFrame:
        tomorrow = target.shift(-1).dropna()
        tomorrow.attrs = dict(target.attrs, origin="leak")
        return tomorrow

    later = changed(frame, after(frame, d))
    with pytest.warns(tc.TickercastWarning, match="'leak' ends on"):  # tomorrow's price ends a day early
        fitted = tc.Forecaster("ar", **SETTINGS).fit(frame, covariates={"leak": leaky(frame)})
    with pytest.warns(tc.TickercastWarning, match="'leak' ends on"):
        refitted = tc.Forecaster("ar", **SETTINGS).fit(later, covariates={"leak": leaky(later)})
    before, moved = by_date(fitted.predictions_), by_date(refitted.predictions_)
    assert before[following] != moved[following]
    assert fitted.metrics["test"]["rmse_ratio_vs_naive"] < 0.5  # it really read tomorrow


@pytest.mark.parametrize(("model", "horizon", "strategy", "features"), [
    ("gru", 3, None, "returns,volume,rsi"),  # direct by default: one network output per day ahead
    ("ar", 1, "recursive", "returns,ohlc,macd"),  # one day ahead (the default, see below)
])
def test_a_backtest_that_refits_makes_the_same_forecasts_up_to_d(model: str, horizon: int, strategy: str | None,
                                                                 features: str, frame: pd.DataFrame,
                                                                 covariate: pd.DataFrame) -> None:
    """Refits every 7 days: each one fitted on the rows before its first origin; forecasts from origins up to D
    (for every horizon, dated after D too) do not move when the target and the covariate change after D."""
    d, _ = day_d(frame)
    run = {"horizon": horizon, "retrain_every": 7, "strategy": strategy, "features": features, **SETTINGS}
    first = backtest(frame, model, covariates={"x": covariate}, **run)
    second = backtest(changed(frame, after(frame, d)), model, covariates={"x": changed(covariate, after(covariate, d))},
                      **run)
    assert first.fits > 2
    assert first.settings["strategy"] == ("direct" if horizon > 1 else "recursive")
    before, moved = first.forecasts, second.forecasts
    pd.testing.assert_frame_equal(before[["origin", "date", "horizon"]], moved[["origin", "date", "horizon"]])
    made_by_d = (before["origin"] <= d).to_numpy()
    assert (before.loc[made_by_d, "date"] > d).any()  # made at D's close: dated after D, still fixed
    np.testing.assert_array_equal(before.loc[made_by_d, "predicted"], moved.loc[made_by_d, "predicted"])
    assert (before.loc[~made_by_d, "predicted"] != moved.loc[~made_by_d, "predicted"]).any()


def test_ar_with_inputs_backtests_one_day_ahead_by_default(frame: pd.DataFrame) -> None:
    result = backtest(frame, "ar", features="returns,volume", **SETTINGS)
    assert result.settings["strategy"] == "recursive"


@pytest.fixture(scope="module")
def direct_model(frame: pd.DataFrame, covariate: pd.DataFrame) -> tc.Forecaster:
    """A gru reading volume, RSI and the covariate, trained for 3 days ahead (the direct strategy)."""
    return tc.Forecaster("gru", features="returns,volume,rsi", horizons=3, **SETTINGS).fit(
        frame, covariates={"x": covariate})


def test_predict_on_data_changed_after_d_keeps_every_forecast_made_by_d(direct_model: tc.Forecaster,
                                                                       frame: pd.DataFrame,
                                                                       covariate: pd.DataFrame) -> None:
    d, following = day_d(frame)
    before = direct_model.predict(frame, covariates={"x": covariate})
    moved = direct_model.predict(changed(frame, after(frame, d)),
                                 covariates={"x": changed(covariate, after(covariate, d))})
    assert_fixed_through(before, moved, following)


def test_a_forecast_at_origin_d_ignores_covariate_days_after_d(direct_model: tc.Forecaster, frame: pd.DataFrame,
                                                                 covariate: pd.DataFrame) -> None:
    """The data end at D but the covariate goes on (and changes) beyond it: the forecast is the same, and its
    next day is the one-day forecast `predict` makes for NEXT from the whole series."""
    d, following = day_d(frame)
    until_d = frame.loc[:d]
    until_d.attrs = dict(frame.attrs)
    forecast = direct_model.forecast(until_d, horizon=3, covariates={"x": covariate})
    later = direct_model.forecast(until_d, horizon=3, covariates={"x": changed(covariate, after(covariate, d))})
    pd.testing.assert_frame_equal(forecast, later)
    assert forecast["date"].iloc[0] == following
    whole = direct_model.predict(changed(frame, after(frame, d)), covariates={"x": covariate}, start=following)
    assert forecast["forecast"].iloc[0] == pytest.approx(whole[following], rel=1e-6)
