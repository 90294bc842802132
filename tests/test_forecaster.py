import numpy as np
import pandas as pd
import pytest

import tickercast as tc
from tests.conftest import TINY, price_frame
from tickercast.errors import ConfigError, NotFittedError, SeriesTooShortError

PHI, SIGMA = 0.6, 0.01


@pytest.fixture(scope="module")
def ar1_prices():
    return price_frame(1500, phi=PHI, sigma=SIGMA, seed=1)


def oracle_forecast(close: np.ndarray, days: np.ndarray) -> np.ndarray:
    """The best one-step forecast given the true process: p_{t-1} * exp(phi * r_{t-1})."""
    returns = np.diff(np.log(close))
    return close[days - 1] * np.exp(PHI * returns[days - 2])


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_networks_find_predictable_structure_close_to_the_best_possible(cell, ar1_prices):
    fc = tc.Forecaster(cell, lookback=5, hidden=8, layers=1, dropout=0.0, epochs=30, lr=0.01, batch_size=32,
                       seed=0).fit(ar1_prices)
    test = fc.predictions_[fc.predictions_["split"] == "test"]
    close = ar1_prices["close"].to_numpy()
    days = ar1_prices.index.get_indexer(test["date"])
    oracle = oracle_forecast(close, days)
    # Closed form: in log-return space the oracle's error is the innovation, so its RMSE is sigma;
    # naive's is the whole return, sigma / sqrt(1 - phi^2).
    oracle_log_error = np.log(test["actual"] / oracle)
    assert np.sqrt(np.mean(oracle_log_error**2)) == pytest.approx(SIGMA, rel=0.1)
    oracle_rmse = np.sqrt(np.mean((test["actual"] - oracle) ** 2))
    metrics = fc.metrics["test"]
    assert metrics["rmse"] <= 1.03 * oracle_rmse
    assert metrics["rmse_ratio_vs_naive"] < 0.9  # theory: sqrt(1 - 0.36) = 0.8
    assert metrics["directional_accuracy"] > 0.6


def test_on_a_random_walk_the_network_cannot_beat_naive_by_much(prices):
    fc = tc.Forecaster("gru", **TINY).fit(prices)
    assert 0.97 < fc.metrics["test"]["rmse_ratio_vs_naive"] < 1.05


def test_metrics_cover_every_split_on_the_same_days_as_naive(prices):
    fc = tc.Forecaster("lstm", **TINY).fit(prices, test_size=0.2, val_size=0.1)
    assert set(fc.metrics) == {"train", "val", "test"}
    assert fc.metrics["test"]["n"] == 80
    assert fc.metrics["val"]["n"] == 40
    naive = tc.Forecaster("naive").fit(prices)
    assert naive.metrics["test"]["rmse"] == fc.metrics["test"]["naive_rmse"]
    assert naive.metrics["val"]["rmse"] == fc.metrics["val"]["naive_rmse"]


def test_same_seed_identical_metrics_and_other_seed_different(prices):
    runs = [tc.Forecaster("lstm", **{**TINY, "seed": seed}).fit(prices).metrics for seed in (7, 7, 8)]
    assert runs[0] == runs[1]
    assert runs[0]["test"]["rmse"] != runs[2]["test"]["rmse"]


def test_save_and_load_predict_identically(prices, tmp_path):
    fc = tc.Forecaster("gru", **TINY).fit(prices)
    fc.save(tmp_path / "model")
    loaded = tc.Forecaster.load(tmp_path / "model")
    pd.testing.assert_series_equal(fc.predict(prices), loaded.predict(prices))
    assert loaded.metrics == fc.metrics  # JSON round trip keeps every float exactly
    assert loaded.config == fc.config
    assert loaded.history["val_loss"].tolist() == pytest.approx(fc.history["val_loss"].tolist(), nan_ok=True)


def test_predict_returns_dated_one_step_forecasts(prices):
    fc = tc.Forecaster("lstm", **TINY).fit(prices)
    predicted = fc.predict(prices)
    assert predicted.index[0] == prices.index[TINY["lookback"] + 1]
    assert predicted.index[-1] == prices.index[-1]
    assert fc.predict(prices, start="2016-01-04").index[0] == pd.Timestamp("2016-01-04")
    np.testing.assert_allclose(predicted.to_numpy(), fc.predictions_["predicted"].to_numpy())


def test_predict_does_not_change_the_forecaster(prices):
    fc = tc.Forecaster("gru", **TINY).fit(prices)
    before = fc.metrics["test"].copy()
    fc.predict(prices.iloc[:100])
    assert fc.metrics["test"] == before


def test_a_plain_series_is_accepted(prices):
    fc = tc.Forecaster("naive").fit(prices["close"].rename("Adj Close"))
    assert fc.data_["price_column"] == "close"


def test_naive_has_no_history(prices):
    assert tc.Forecaster("naive").fit(prices).history.empty


def test_unknown_setting_is_named():
    with pytest.raises(ConfigError, match="unknown setting\\(s\\) hiden; known: "):
        tc.Forecaster("lstm", hiden=8)


@pytest.mark.parametrize(("settings", "message"), [({"dropout": 1.0}, "dropout"), ({"lookback": 0}, "lookback"),
                                                   ({"target": "returns"}, "target")])
def test_bad_settings(settings, message):
    with pytest.raises(ConfigError, match=message):
        tc.Forecaster("gru", **settings)


def test_unknown_model(prices):
    with pytest.raises(ConfigError, match="unknown model 'transformer'"):
        tc.Forecaster("transformer").fit(prices)


def test_predict_before_fit():
    with pytest.raises(NotFittedError, match="call fit"):
        tc.Forecaster("lstm").predict(price_frame(50))


def test_series_shorter_than_the_window_says_how_many_rows_it_needs():
    with pytest.raises(SeriesTooShortError, match=r"has 60 rows.*needs at least \d+ rows"):
        tc.Forecaster("lstm", lookback=40).fit(price_frame(60))


def test_price_target_works_and_is_reported_in_prices(prices):
    fc = tc.Forecaster("lstm", **{**TINY, "target": "price"}).fit(prices)
    assert fc.metrics["test"]["rmse"] > 0
    assert fc.predict(prices).min() > 0


def test_a_column_of_a_loaded_frame_is_accepted_as_a_series():
    sp500 = tc.load("sp500").iloc[:300]
    fc = tc.Forecaster("naive").fit(sp500["adj_close"])
    assert fc.predict(sp500["adj_close"]).iloc[0] == sp500["adj_close"].iloc[0]
    assert tc.Forecaster("naive").fit(sp500).predict(sp500["adj_close"]).iloc[-1] == sp500["adj_close"].iloc[-2]


def test_minmax_scaler_still_starts_from_the_naive_forecast(prices):
    fc = tc.Forecaster("lstm", **{**TINY, "scaler": "minmax", "epochs": 1, "lr": 1e-9}).fit(prices)
    table = fc.predictions_
    np.testing.assert_allclose(table["predicted"], table["naive"], rtol=1e-6)


@pytest.mark.parametrize(("settings", "message"), [({"lookback": 5.5}, "lookback must be a whole number"),
                                                   ({"epochs": "3"}, "epochs must be a whole number"),
                                                   ({"seed": 2**32}, "seed must be a whole number from 0")])
def test_settings_of_the_wrong_type(settings, message):
    with pytest.raises(ConfigError, match=message):
        tc.Forecaster("gru", **settings)


def test_unknown_model_is_refused_at_construction():
    with pytest.raises(ConfigError, match="unknown model 'transformer'"):
        tc.Forecaster("transformer")


def test_unreadable_start_date(prices):
    with pytest.raises(ConfigError, match="cannot read the start date 'garbage'"):
        tc.Forecaster("naive").fit(prices).predict(prices, start="garbage")


def test_a_model_saved_for_cuda_loads_on_the_cpu(prices, tmp_path):
    import json

    fc = tc.Forecaster("gru", **TINY).fit(prices)
    folder = fc.save(tmp_path / "gpu-model")
    config = json.loads((folder / "config.json").read_text())
    config["settings"]["device"] = "cuda"
    (folder / "config.json").write_text(json.dumps(config))
    loaded = tc.Forecaster.load(folder)
    assert loaded.config.device == "cpu"
    pd.testing.assert_series_equal(loaded.predict(prices), fc.predict(prices))


def test_a_loaded_model_keeps_its_predictions_and_saves_again(prices, tmp_path):
    fc = tc.Forecaster("lstm", **TINY).fit(prices)
    loaded = tc.Forecaster.load(fc.save(tmp_path / "a"))
    assert list(loaded.predictions_.columns) == ["date", "actual", "predicted", "naive", "split"]
    np.testing.assert_allclose(loaded.predictions_["predicted"], fc.predictions_["predicted"], atol=1e-6)
    loaded.save(tmp_path / "b")
    assert (tmp_path / "b" / "weights.safetensors").exists()


def test_damaged_weights_are_a_clear_error(prices, tmp_path):
    from tickercast.errors import DataError

    folder = tc.Forecaster("lstm", **TINY).fit(prices).save(tmp_path / "m")
    (folder / "weights.safetensors").write_bytes(b"not safetensors")
    with pytest.raises(DataError, match="damaged weights file"):
        tc.Forecaster.load(folder)


def test_repairs_are_reported_once_not_once_per_model(tmp_path):
    import warnings

    frame = price_frame(200)
    frame["open"] = frame["close"]
    frame.iloc[5, frame.columns.get_loc("open")] = np.nan
    with pytest.warns(tc.TickercastWarning, match="open have empty values"):
        prices = tc.validate(frame, origin="f.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("error", tc.TickercastWarning)
        tc.compare(prices, "naive,gru", **TINY)


def test_public_api_names_resolve():
    for name in tc.__all__:
        assert getattr(tc, name) is not None, name
