import json

import numpy as np
import pytest

import tickercast as tc
from tests.conftest import TINY, price_frame
from tickercast.cli import main
from tickercast.config import ModelConfig
from tickercast.errors import ConfigError
from tickercast.evaluate.backtest import walk_forward
from tickercast.prepare.split import make_split
from tickercast.progress import SILENT

PRICES = price_frame(300, phi=0.3, seed=2)
CLOSE = PRICES["close"].to_numpy()
SPLIT = make_split(PRICES.index)


def run(name, prices=CLOSE, **kwargs):
    return walk_forward(name, ModelConfig(**TINY), prices, PRICES.index, SPLIT, **kwargs)


def test_one_step_fit_once_equals_the_forecasters_test_predictions():
    result = run("gru")
    fc = tc.Forecaster("gru", **TINY).fit(PRICES)
    test = fc.predictions_[fc.predictions_["split"] == "test"]
    np.testing.assert_allclose(result.forecasts["predicted"], test["predicted"], rtol=1e-12)
    assert result.fits == 1
    assert result.metrics["1"]["n"] == SPLIT.n - SPLIT.val_end


@pytest.mark.parametrize(("name", "kwargs"), [("gru", {"horizon": 3}), ("ar", {"retrain_every": 20}),
                                              ("ar", {"retrain_every": 20, "window": "sliding", "horizon": 2})])
def test_no_look_ahead_changing_the_future_leaves_earlier_forecasts_alone(name, kwargs):
    cut = SPLIT.val_end + 30
    changed = CLOSE.copy()
    changed[cut:] *= np.exp(np.random.default_rng(1).normal(0, 0.05, len(CLOSE) - cut))
    before, after = run(name, **kwargs).forecasts, run(name, changed, **kwargs).forecasts
    known = before["date"] < PRICES.index[cut]  # forecasts of days before the change, from origins before it
    np.testing.assert_array_equal(before.loc[known, "predicted"], after.loc[known, "predicted"])
    assert not np.allclose(before.loc[~known, "predicted"], after.loc[~known, "predicted"])


def test_every_origin_forecasts_every_horizon_that_fits():
    result = run("naive", horizon=3)
    counts = result.forecasts.groupby("horizon").size()
    days = SPLIT.n - SPLIT.val_end
    assert counts.to_dict() == {1: days, 2: days - 1, 3: days - 2}
    rows = result.forecasts[result.forecasts["horizon"] == 3]
    np.testing.assert_array_equal(rows["predicted"], rows["naive"])  # naive forecasts the origin's price
    assert (rows["date"].to_numpy() > rows["origin"].to_numpy()).all()


def test_recursive_forecast_of_drift_compounds_the_drift():
    result = run("drift", horizon=3)
    rows = result.forecasts[result.forecasts["horizon"] == 3]
    one = result.forecasts[result.forecasts["horizon"] == 1]
    step = (one["predicted"] / one["naive"]).iloc[0]  # exp(mean training log-return)
    np.testing.assert_allclose(rows["predicted"] / rows["naive"], step**3, rtol=1e-12)


def test_refits_every_k_days():
    assert run("ar", retrain_every=20).fits == int(np.ceil((SPLIT.n - SPLIT.val_end) / 20))


def test_trading_only_when_asked_and_over_the_same_days():
    assert run("naive").trading is None
    report = run("ar", trade=True).trading
    assert report.buy_and_hold.days == SPLIT.n - SPLIT.val_end
    assert report.buy_and_hold.final_equity == pytest.approx(CLOSE[-1] / CLOSE[SPLIT.val_end - 1] * (1 - 5e-4))


@pytest.mark.parametrize(("kwargs", "message"), [({"horizon": 0}, "horizon"), ({"retrain_every": -1}, "retrain"),
                                                 ({"window": "rolling"}, "window")])
def test_bad_settings(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        run("naive", **kwargs)


def test_backtest_api_and_cli(tmp_path, capsys):
    result = tc.backtest(PRICES, "ar", horizon=2, trade=True)
    assert set(result.metrics) == {"1", "2"}
    assert main(["backtest", "--data", "sp500", "--model", "ar", "--horizon", "2", "--retrain-every", "500",
                 "--trade", "--json", "--out", str(tmp_path)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert set(printed["metrics"]) == {"1", "2"}
    assert printed["fits"] == 3
    assert printed["trading"]["long_flat"]["days"] == printed["metrics"]["1"]["n"]
    for name in ("forecasts.csv", "metrics.json", "prediction.png", "equity.png"):
        assert (tmp_path / name).stat().st_size > 0
    header = (tmp_path / "forecasts.csv").read_text().splitlines()[0]
    assert header == "origin,date,horizon,actual,predicted,naive"


def test_direct_strategy_forecasts_every_horizon_from_one_pass():
    result = run("lstm", horizon=3, strategy="direct")
    counts = result.forecasts.groupby("horizon").size().to_dict()
    days = SPLIT.n - SPLIT.val_end
    assert counts == {1: days, 2: days - 1, 3: days - 2}
    assert result.settings["strategy"] == "direct"


def test_untrained_direct_network_is_the_naive_forecast_at_every_horizon():
    config = ModelConfig(**{**TINY, "epochs": 1, "lr": 1e-9})
    result = walk_forward("gru", config, CLOSE, PRICES.index, SPLIT, horizon=3, strategy="direct")
    np.testing.assert_allclose(result.forecasts["predicted"], result.forecasts["naive"], rtol=1e-6)


def test_direct_strategy_has_no_look_ahead():
    cut = SPLIT.val_end + 30
    changed = CLOSE.copy()
    changed[cut:] *= 1.3
    before = run("gru", horizon=2, strategy="direct").forecasts
    after = run("gru", changed, horizon=2, strategy="direct").forecasts
    known = before["date"] < PRICES.index[cut]
    np.testing.assert_array_equal(before.loc[known, "predicted"], after.loc[known, "predicted"])


def test_direct_strategy_needs_a_model_with_one_output_per_day():
    with pytest.raises(ConfigError, match="direct strategy trains one output per day"):
        run("drift", horizon=2, strategy="direct")


def test_ar_forecasts_directly_with_its_first_day_its_own_one_step_regression():
    from tickercast.models import make_model

    prices = price_frame(400, phi=0.3, seed=3)["close"].to_numpy()
    direct = make_model("ar", ModelConfig(lookback=5, horizons=3)).fit(prices[:300], 250, SILENT)
    paths = direct.forecast_direct(prices, range(300, 400))
    assert paths.shape == (100, 3)
    np.testing.assert_allclose(paths[:, 0], direct.predict(prices, 300))
    result = run("ar", horizon=3, strategy="direct")
    assert set(result.metrics) == {"1", "2", "3"}
    assert result.settings["strategy"] == "direct"


def test_horizon_longer_than_the_test_part():
    with pytest.raises(ConfigError, match="longer than the test part"):
        run("naive", horizon=SPLIT.n)
