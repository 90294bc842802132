"""The direction target on a series with a known answer, and what its models promise.

AR(1) log-returns r_t = phi r_{t-1} + e_t with Gaussian noise: (r_{t-1}, r_t) is bivariate normal with
correlation phi, so the best possible call of the sign of r_t from the past is the sign of r_{t-1}, right with
probability 1/2 + arcsin(phi)/pi (the orthant probability). For phi = 0.5 that is 2/3. 3,000 test days give a
standard error of sqrt(2/3 * 1/3 / 3000) = 0.0086.
"""

import math

import numpy as np
import pandas as pd
import pytest

import tickercast as tc
from tests.conftest import price_frame
from tickercast.config import ModelConfig
from tickercast.errors import ConfigError
from tickercast.models import make_model
from tickercast.prepare.targets import get_target
from tickercast.progress import SILENT

PHI = 0.5
BEST = 0.5 + math.asin(PHI) / math.pi  # 0.6667
NETWORK = {"target": "direction", "lookback": 5, "hidden": 8, "layers": 1, "dropout": 0.0, "epochs": 5,
           "threads": 1}


@pytest.fixture(scope="module")
def ar1():
    """10,000 days of prices whose log-returns are AR(1)."""
    return price_frame(10_000, phi=PHI, seed=11)


def _test_scores(ar1, model):
    return tc.Forecaster(model, **NETWORK).fit(ar1, test_size=0.3).metrics["test"]


def test_momentum_is_right_as_often_as_the_best_possible_call(ar1):
    test = _test_scores(ar1, "momentum")
    se = math.sqrt(BEST * (1 - BEST) / test["n"])
    assert test["n"] == 3000
    assert abs(test["accuracy"] - BEST) < 3 * se
    assert test["p_value_vs_constant"] < 1e-6  # far beyond "always up" or "always down"


@pytest.mark.parametrize("model", ["lstm", "gru", "logistic"])
def test_networks_and_logistic_learn_the_direction_of_an_ar1(ar1, model):
    test = _test_scores(ar1, model)
    assert test["accuracy"] >= 0.64
    assert test["auc"] > 0.7
    assert test["log_loss"] < math.log(2)


def test_reversal_is_the_mirror_of_momentum(ar1):
    assert _test_scores(ar1, "reversal")["accuracy"] < 1 - BEST + 0.03


def test_base_rate_forecasts_the_training_share_of_up_days():
    prices = price_frame(400, phi=0.2, seed=3)["close"].to_numpy()
    model = make_model("base_rate", ModelConfig(target="direction")).fit(prices[:300], 250, SILENT)
    expected = np.mean(np.diff(prices[:250]) > 0)
    np.testing.assert_array_equal(model.predict_proba(prices, 1), np.full(399, expected))


def test_a_day_without_a_move_is_not_up():
    series = get_target("direction").series(np.array([10.0, 11.0, 11.0, 10.0, 10.5]))
    np.testing.assert_array_equal(series[1:], [1.0, 0.0, 0.0, 1.0])
    assert np.isnan(series[0])


def test_momentum_and_reversal_follow_yesterday_and_sit_on_the_fence_after_a_flat_day():
    prices = price_frame(300, seed=4)["close"].to_numpy().copy()
    prices[200] = prices[199]  # day 200 did not move: day 201 gets exactly 0.5
    config = ModelConfig(target="direction")
    momentum = make_model("momentum", config).fit(prices, 150, SILENT).predict_proba(prices, 2)
    reversal = make_model("reversal", config).fit(prices, 150, SILENT).predict_proba(prices, 2)
    np.testing.assert_allclose(momentum + reversal, 1.0)
    assert momentum[201 - 2] == 0.5
    yesterday_up = np.diff(prices)[:-1] > 0  # r_{t-1} > 0 for t = 2 ..
    assert ((momentum > 0.5) == yesterday_up).all()


def test_logistic_reads_the_networks_windows_returns_and_input_columns():
    frame = price_frame(400, seed=6)
    frame["volume"] = np.random.default_rng(0).uniform(1e6, 2e6, len(frame))
    fc = tc.Forecaster("logistic", target="direction", lookback=4, features="returns,volume").fit(frame)
    columns = fc.inputs_["columns"]  # volume gives two columns: its change and its ratio to the 20-day mean
    assert len(columns) == 2
    assert fc.model_.columns_ == tuple(columns)
    assert fc.model_.weights_.shape == (4 * (1 + 2),)  # lookback x (own returns + the input columns)
    assert fc.feature_importance_.empty  # importance is measured in price errors: not for P(up)


def test_forecast_gives_the_next_days_probability_from_the_past_alone():
    frame = price_frame(500, phi=0.3, seed=8)
    fc = tc.Forecaster("gru", **{**NETWORK, "epochs": 2}).fit(frame)
    table = fc.forecast(frame)
    assert list(table.columns) == ["date", "horizon", "p_up"]
    assert len(table) == 1
    for price in (1.0, 1e6):  # whatever tomorrow's close, P(up) for it was fixed the evening before
        tomorrow = pd.DataFrame({"close": [price]}, index=pd.DatetimeIndex([table["date"][0]], name="date"))
        extended = tc.validate(pd.concat([frame[["close"]], tomorrow]), origin="synthetic")
        assert fc.predict_proba(extended).iloc[-1] == pytest.approx(table["p_up"][0], abs=1e-12)


def test_price_only_paths_refuse_a_direction_model_in_one_line():
    frame = price_frame(400, seed=9)
    fc = tc.Forecaster("momentum", target="direction").fit(frame)
    for call, match in ((lambda: fc.predict(frame), "not prices"), (lambda: fc.forecast(frame, horizon=5), "next"),
                        (lambda: fc.forecast(frame, mc_dropout=10), "Monte-Carlo")):
        with pytest.raises(ConfigError, match=match):
            call()


def test_a_saved_direction_model_loads_and_gives_the_same_probabilities(tmp_path):
    frame = price_frame(500, phi=0.3, seed=10)
    fc = tc.Forecaster("lstm", **{**NETWORK, "epochs": 2}).fit(frame)
    fc.save(tmp_path / "up")
    loaded = tc.Forecaster.load(tmp_path / "up")
    pd.testing.assert_series_equal(fc.predict_proba(frame), loaded.predict_proba(frame))
    assert loaded.config.target == "direction"
    assert loaded.metrics["test"]["reliability"] == fc.metrics["test"]["reliability"]
    assert list(loaded.predictions_.columns) == ["date", "actual", "up", "p_up", "split"]
