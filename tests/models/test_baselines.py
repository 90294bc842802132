"""Each statistical baseline against answers known by construction: series built so the right forecast is exact
(or a simulated process whose coefficients we chose). The conformance test covers what every model shares."""

import subprocess
import sys
import time

import numpy as np
import pytest

import tickercast as tc
from tests.conftest import price_frame
from tickercast.config import ModelConfig
from tickercast.errors import DataError, TickercastError, TrainingError
from tickercast.models import BASELINES, make_model, restore_model
from tickercast.progress import SILENT


def prices_from(returns: np.ndarray, start: float = 100.0) -> np.ndarray:
    """Prices p_0 = start, p_t = p_{t-1} · exp(r_t) for the given returns r_1, r_2, ..."""
    return start * np.exp(np.concatenate([[0.0], np.cumsum(returns)]))


def arma_returns(n: int, *, ar: tuple[float, ...] = (), ma: tuple[float, ...] = (), mean: float = 0.0,
                 sigma: float = 0.01, seed: int = 0) -> np.ndarray:
    """r_t = mean + Σ ar_i (r_{t-i} - mean) + e_t + Σ ma_j e_{t-j}, after 200 burn-in steps."""
    rng = np.random.default_rng(seed)
    burn = 200
    noise = rng.normal(0, sigma, n + burn)
    x = np.zeros(n + burn)
    for t in range(n + burn):
        x[t] = noise[t] + sum(a * x[t - i - 1] for i, a in enumerate(ar) if t > i) \
            + sum(b * noise[t - j - 1] for j, b in enumerate(ma) if t > j)
    return mean + x[burn:]


def fit(name: str, prices: np.ndarray, train_end: int, **settings):
    return make_model(name, ModelConfig(**settings)).fit(prices, train_end, SILENT)


# --- drift --------------------------------------------------------------------------------------------------

def test_drift_on_a_constant_log_return_forecasts_every_day_exactly():
    prices = prices_from(np.full(29, 0.01))
    model = fit("drift", prices[:25], 20)
    assert model.drift_ == pytest.approx(0.01, rel=1e-12)
    np.testing.assert_allclose(model.predict(prices, 1), prices[1:], rtol=1e-12)


def test_drift_is_the_mean_training_log_return():
    prices = np.array([100.0, 110.0, 99.0, 121.0])  # training returns log(1.1) and log(0.9): mean log(0.99) / 2
    model = fit("drift", prices, 3)
    np.testing.assert_allclose(model.predict(prices, 1), np.array([100.0, 110.0, 99.0]) * np.sqrt(0.99), rtol=1e-12)


def test_drift_with_no_net_growth_is_the_naive_forecast():
    prices = np.array([100.0, 125.0, 80.0, 100.0, 90.0, 95.0])  # p_3 = p_0: the training returns sum to zero
    np.testing.assert_allclose(fit("drift", prices, 4).predict(prices, 1), prices[:-1], rtol=1e-12)


# --- moving average -----------------------------------------------------------------------------------------

def test_moving_average_of_one_to_ten():
    model = make_model("ma", ModelConfig(lookback=3))
    assert model.min_history == 3
    np.testing.assert_allclose(model.predict(np.arange(1.0, 11.0), 3), [2, 3, 4, 5, 6, 7, 8])
    np.testing.assert_allclose(model.predict(np.arange(1.0, 11.0), 9), [8.0])


def test_moving_average_of_one_day_is_the_naive_forecast():
    prices = price_frame(50, seed=3)["close"].to_numpy()
    np.testing.assert_array_equal(make_model("ma", ModelConfig(lookback=1)).predict(prices, 1), prices[:-1])


# --- linear autoregression ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def ar2_prices() -> np.ndarray:
    """5,001 prices whose log-returns are r_t - 0.0005 = 0.5 (r_{t-1} - 0.0005) - 0.3 (r_{t-2} - 0.0005) + e_t."""
    return prices_from(arma_returns(5000, ar=(0.5, -0.3), mean=0.0005, seed=1))


def test_ar_recovers_the_coefficients_of_a_simulated_ar2(ar2_prices):
    model = fit("ar", ar2_prices, 4500, lookback=2)
    np.testing.assert_allclose(model.coefficients_, [-0.3, 0.5], atol=0.03)  # oldest lag first
    # c = mean · (1 - φ_1 - φ_2) = 0.0004
    assert model.intercept_ == pytest.approx(0.0004, abs=0.00015)


def test_ar_gives_extra_lags_about_zero_weight(ar2_prices):
    model = fit("ar", ar2_prices, 4500, lookback=5)
    np.testing.assert_allclose(model.coefficients_, [0, 0, 0, -0.3, 0.5], atol=0.04)


def test_ar_without_ridge_is_ordinary_least_squares_on_the_training_days(ar2_prices):
    from tickercast.models.autoregressive import AutoregressiveModel

    model = AutoregressiveModel(ModelConfig(lookback=3), ridge=0.0).fit(ar2_prices[:400], 300, SILENT)
    r = np.diff(np.log(ar2_prices[:300]))  # r_1 .. r_299: training returns only
    design = np.column_stack([np.ones(len(r) - 3), r[:-3], r[1:-2], r[2:-1]])  # per row: 1, r_{t-3}, r_{t-2}, r_{t-1}
    solution, *_ = np.linalg.lstsq(design, r[3:], rcond=None)
    assert model.intercept_ == pytest.approx(solution[0], rel=1e-8, abs=1e-12)
    np.testing.assert_allclose(model.coefficients_, solution[1:], rtol=1e-8)


def test_ar_ridge_shrinks_the_lags_but_not_the_level(ar2_prices):
    from tickercast.models.autoregressive import AutoregressiveModel

    heavy = AutoregressiveModel(ModelConfig(lookback=2), ridge=1e6).fit(ar2_prices, 4500, SILENT)
    assert np.abs(heavy.coefficients_).max() < 1e-5
    assert heavy.intercept_ == pytest.approx(np.mean(np.diff(np.log(ar2_prices[:4500]))[2:]), rel=1e-3)


def test_ar_forecast_is_the_formula_applied_day_by_day(ar2_prices):
    model = fit("ar", ar2_prices, 4500, lookback=3)
    r = np.concatenate([[np.nan], np.diff(np.log(ar2_prices))])
    days = range(4990, len(ar2_prices))
    by_hand = [ar2_prices[t - 1] * np.exp(model.intercept_ + r[t - 3:t] @ model.coefficients_) for t in days]
    np.testing.assert_allclose(model.predict(ar2_prices, days.start), by_hand, rtol=1e-12)


def test_ar_on_a_constant_growth_rate_forecasts_it_exactly():
    prices = prices_from(np.full(99, 0.002))  # every lag identical: only the ridge keeps the solve well posed
    model = fit("ar", prices, 80, lookback=5)
    np.testing.assert_allclose(model.predict(prices, 6), prices[6:], rtol=1e-9)


def test_ar_on_flat_prices_is_the_naive_forecast():
    prices = np.full(60, 42.0)
    np.testing.assert_array_equal(fit("ar", prices, 50, lookback=3).predict(prices, 4), prices[4:])


# --- ARIMA --------------------------------------------------------------------------------------------------

ARMA_TRAIN_END, ARMA_VAL_END = 800, 1000


@pytest.fixture(scope="module")
def arma_prices() -> np.ndarray:
    """1,201 prices whose log-returns follow ARMA(1, 1): r_t = 0.6 r_{t-1} + e_t + 0.3 e_{t-1}."""
    return prices_from(arma_returns(1200, ar=(0.6,), ma=(0.3,), seed=2))


@pytest.fixture(scope="module")
def arima(arma_prices):
    return fit("arima", arma_prices[:ARMA_VAL_END], ARMA_TRAIN_END)


def test_arima_picks_the_lowest_aic_and_a_sensible_order(arima):
    assert len(arima.aic_) == 18  # p, q in 0..2, with and without constant
    assert arima.aic_[(*arima.order_, arima.constant_)] == min(arima.aic_.values())
    assert arima.order_ == (1, 1)
    assert arima.constant_ is False  # the simulated returns have mean 0


def test_arima_parameters_are_statsmodels_own_fit_of_that_order(arima, arma_prices):
    from statsmodels.tsa.arima.model import ARIMA

    returns = np.diff(np.log(arma_prices[:ARMA_TRAIN_END]))
    scaled = arima.scaler_.transform(returns)
    reference = ARIMA(scaled, order=(1, 0, 1), trend="n").fit(method="innovations_mle", cov_type="none")
    np.testing.assert_allclose(arima.params_, reference.params, rtol=1e-10)
    np.testing.assert_allclose(arima.params_[:2], [0.6, 0.3], atol=0.1)  # φ, θ


def test_arima_forecasts_match_statsmodels_own_one_step_predictions(arima, arma_prices):
    from statsmodels.tsa.arima.model import ARIMA

    scaled = arima.scaler_.transform(np.diff(np.log(arma_prices)))  # scaled[k] is day k + 1
    trained = ARIMA(scaled[:ARMA_TRAIN_END - 1], order=(1, 0, 1), trend="n").filter(arima.params_)
    extended = trained.append(scaled[ARMA_TRAIN_END - 1:], refit=False)  # new days, parameters fixed
    one_step = arima.scaler_.inverse(extended.predict(start=ARMA_VAL_END - 1, end=len(scaled) - 1))
    expected = arma_prices[ARMA_VAL_END - 1:-1] * np.exp(one_step)
    np.testing.assert_allclose(arima.predict(arma_prices, ARMA_VAL_END), expected, rtol=1e-10)


def test_arima_beats_the_random_walk_on_an_arma_process(arima, arma_prices):
    actual = arma_prices[ARMA_VAL_END:]
    error = arima.predict(arma_prices, ARMA_VAL_END) - actual
    naive_error = arma_prices[ARMA_VAL_END - 1:-1] - actual
    # the best one-step forecast leaves σ², the random walk var(r) = 2.27 σ²: an RMSE ratio near 0.66
    assert np.sqrt(np.mean(error**2) / np.mean(naive_error**2)) < 0.75


def test_arima_predicts_a_thousand_days_well_under_a_second(arima, arma_prices):
    prices = np.tile(arma_prices, 2)[:2200]
    started = time.perf_counter()
    predictions = arima.predict(prices, 1200)
    assert len(predictions) == 1000
    assert time.perf_counter() - started < 0.5


def test_arima_restores_without_fitting_anything(arima, arma_prices, monkeypatch):
    from statsmodels.tsa.arima.model import ARIMA

    state = arima.state()
    monkeypatch.setattr(ARIMA, "fit", lambda *args, **kwargs: pytest.fail("restore refit the model"))
    restored = restore_model("arima", ModelConfig(), state)
    np.testing.assert_array_equal(restored.predict(arma_prices, 900), arima.predict(arma_prices, 900))


def test_arima_bundle_round_trip_through_safetensors_and_json(tmp_path):
    prices = price_frame(300, phi=0.3, seed=5)
    fitted = tc.Forecaster("arima").fit(prices)
    loaded = tc.Forecaster.load(fitted.save(tmp_path / "arima"))
    assert (tmp_path / "arima" / "scaler.json").exists()
    np.testing.assert_array_equal(loaded.predict(prices).to_numpy(), fitted.predict(prices).to_numpy())


def test_arima_raises_when_no_order_can_be_fit(arma_prices, monkeypatch):
    from tickercast.models import arima

    def broken(*args):
        raise np.linalg.LinAlgError("singular")

    monkeypatch.setattr(arima, "_arma", broken)
    with pytest.raises(TrainingError, match="no ARIMA order"):
        fit("arima", arma_prices[:ARMA_VAL_END], ARMA_TRAIN_END)


def test_arima_refuses_flat_training_prices():
    with pytest.raises(TickercastError, match="all equal"):
        fit("arima", np.full(200, 10.0), 150)


# --- every baseline -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", BASELINES)
def test_a_forecast_reads_only_the_prices_before_its_day(name):
    prices = price_frame(300, phi=0.3, seed=7)["close"].to_numpy()
    model = fit(name, prices[:250], 200, lookback=5)
    full = model.predict(prices, 240)
    for day in (240, 255, 299):
        garbage = np.concatenate([prices[:day], [1e6]])  # the day's own price replaced: its forecast must not move
        assert model.predict(garbage, day)[0] == full[day - 240]


@pytest.mark.parametrize("name", BASELINES)
def test_baselines_are_not_networks_and_restore_from_their_state(name):
    prices = price_frame(300, seed=9)["close"].to_numpy()
    model = fit(name, prices[:250], 200, lookback=4)
    assert not model.seeded
    assert not model.dropout_sampling
    assert model.direct == (name == "ar")  # one output per day ahead: ar's regression on H targets
    restored = restore_model(name, ModelConfig(lookback=4), model.state())
    np.testing.assert_array_equal(restored.predict(prices, 250), model.predict(prices, 250))


@pytest.mark.parametrize("name", ["drift", "ma", "ar", "arima"])
def test_a_non_positive_price_is_an_error_not_a_nan(name):
    prices = price_frame(300, seed=9)["close"].to_numpy()
    model = fit(name, prices[:250], 200, lookback=4)
    prices = prices.copy()
    prices[260] = 0.0 if name != "ma" else np.nan
    with pytest.raises(DataError, match="positive, finite"):
        model.predict(prices, 250)


@pytest.mark.parametrize("name", ["drift", "ar", "arima"])
def test_predicting_before_fitting_is_refused(name):
    with pytest.raises(TickercastError, match="not fitted"):
        make_model(name, ModelConfig()).predict(np.linspace(100, 110, 50), 30)


def test_importing_the_model_names_imports_neither_statsmodels_nor_torch():
    code = "import sys, tickercast.models; print('statsmodels' in sys.modules, 'torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "False"]
