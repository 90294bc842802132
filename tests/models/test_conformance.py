"""The check every model must pass, network or baseline. Adding a model = adding it to MODELS.

Price models are checked on their price forecasts, classifiers (CLASSIFIERS) on their P(up) with the direction
target: the same promises (every day, no look-ahead, nothing learned from the test part, save and load).
"""

import numpy as np
import pytest

from tests.conftest import TINY, price_frame
from tickercast.config import ModelConfig
from tickercast.errors import ConfigError
from tickercast.models import CLASSIFIERS, DIRECTION_BASELINES, MODELS, make_model, restore_model
from tickercast.progress import SILENT

PRICES = price_frame(300, phi=0.3, seed=5)["close"].to_numpy()
TRAIN_END, VAL_END = 200, 250
PRICE_MODELS = [name for name in MODELS if name not in DIRECTION_BASELINES]
DIRECTION = {**TINY, "target": "direction"}


def fitted(name, prices=PRICES):
    return make_model(name, ModelConfig(**TINY)).fit(prices[:VAL_END], TRAIN_END, SILENT)


def fitted_up(name, prices=PRICES):
    return make_model(name, ModelConfig(**DIRECTION)).fit(prices[:VAL_END], TRAIN_END, SILENT)


@pytest.mark.parametrize("name", PRICE_MODELS)
def test_predicts_every_requested_day_in_price_units(name):
    model = fitted(name)
    predictions = model.predict(PRICES, model.min_history)
    assert predictions.shape == (len(PRICES) - model.min_history,)
    assert np.isfinite(predictions).all()
    assert (predictions > 0).all()
    # one-step forecasts stay near the last price: a crude but model-agnostic sanity check
    assert np.abs(np.log(predictions / PRICES[model.min_history - 1:-1])).max() < 0.2


@pytest.mark.parametrize("name", PRICE_MODELS)
def test_no_look_ahead_changing_the_future_leaves_past_forecasts_alone(name):
    model = fitted(name)
    changed = PRICES.copy()
    changed[260:] *= np.exp(np.random.default_rng(0).normal(0, 0.05, len(PRICES) - 260))
    original, altered = model.predict(PRICES, 240), model.predict(changed, 240)
    np.testing.assert_array_equal(original[:260 - 240 + 1], altered[:260 - 240 + 1])  # days 240..260
    assert not np.array_equal(original[22:], altered[22:])  # and the test can see a change when there is one


@pytest.mark.parametrize("name", PRICE_MODELS)
def test_fit_never_depends_on_the_test_part(name):
    future = PRICES.copy()
    future[VAL_END:] *= 3.0
    a, b = fitted(name), fitted(name, future)
    np.testing.assert_array_equal(a.predict(PRICES, 240), b.predict(PRICES, 240))


@pytest.mark.parametrize("name", PRICE_MODELS)
def test_state_round_trip_predicts_identically(name):
    model = fitted(name)
    restored = restore_model(name, ModelConfig(**TINY), model.state())
    np.testing.assert_array_equal(model.predict(PRICES, 240), restored.predict(PRICES, 240))


@pytest.mark.parametrize("name", MODELS)
def test_says_what_it_is(name):
    model = make_model(name, ModelConfig(**(DIRECTION if name in DIRECTION_BASELINES else TINY)))
    assert model.name == name
    for capability in ("uses_inputs", "seeded", "direct", "dropout_sampling", "classifies"):
        assert isinstance(getattr(model, capability), bool), capability
    assert model.classifies == (name in CLASSIFIERS)
    assert model.seeded == ("seed" in model.reads)  # a sweep repeats per seed exactly the models that depend on it
    assert model.min_history >= 1


@pytest.mark.parametrize("name", PRICE_MODELS)
def test_predicting_before_enough_history_is_refused(name):
    model = fitted(name)
    with pytest.raises(ValueError, match=r"history|previous day"):
        model.predict(PRICES, model.min_history - 1)


#: A valid value, different from TINY's and the defaults, for every setting a model may claim to ignore.
OTHER_SETTINGS = {"target": "price", "lookback": 7, "hidden": 5, "layers": 2, "dropout": 0.1, "epochs": 4,
                  "batch_size": 16, "lr": 2e-3, "patience": 2, "clip": 0.5, "scaler": "minmax", "seed": 1,
                  "horizons": 2, "features": "returns,volume", "ensemble": 3}


@pytest.mark.parametrize("name", PRICE_MODELS)
def test_forecasts_ignore_every_setting_the_model_does_not_read(name):
    from dataclasses import fields, replace

    from tickercast.models import EXECUTION_SETTINGS

    config = ModelConfig(**TINY)
    model = make_model(name, config)
    known = {field.name for field in fields(ModelConfig)} - set(EXECUTION_SETTINGS)
    assert set(model.reads) <= known
    assert set(known) - set(model.reads) <= set(OTHER_SETTINGS)
    ignored = {key: value for key, value in OTHER_SETTINGS.items() if key in known - set(model.reads)}
    other = make_model(name, replace(config, **ignored)).fit(PRICES[:VAL_END], TRAIN_END, SILENT)
    start = max(model.min_history, other.min_history)
    np.testing.assert_array_equal(fitted(name).predict(PRICES, start), other.predict(PRICES, start))


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_direction_gives_a_probability_for_every_requested_day(name):
    model = fitted_up(name)
    p_up = model.predict_proba(PRICES, model.min_history)
    assert p_up.shape == (len(PRICES) - model.min_history,)
    assert np.isfinite(p_up).all()
    assert ((p_up >= 0) & (p_up <= 1)).all()


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_direction_no_look_ahead_changing_prices_after_a_day_moves_no_probability_up_to_it(name):
    model = fitted_up(name)
    changed = PRICES.copy()
    changed[260:] *= np.exp(np.random.default_rng(0).normal(0, 0.05, len(PRICES) - 260))
    original, altered = model.predict_proba(PRICES, 240), model.predict_proba(changed, 240)
    np.testing.assert_array_equal(original[:260 - 240 + 1], altered[:260 - 240 + 1])  # days 240..260
    if name != "base_rate":  # the one forecast that reads no recent price
        assert not np.array_equal(original[22:], altered[22:])


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_direction_fit_never_depends_on_the_test_part(name):
    future = PRICES.copy()
    future[VAL_END:] *= 3.0
    np.testing.assert_array_equal(fitted_up(name).predict_proba(PRICES, 240),
                                  fitted_up(name, future).predict_proba(PRICES, 240))


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_direction_state_round_trip_gives_the_same_probabilities(name):
    model = fitted_up(name)
    restored = restore_model(name, ModelConfig(**DIRECTION), model.state())
    np.testing.assert_array_equal(model.predict_proba(PRICES, 240), restored.predict_proba(PRICES, 240))


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_direction_model_refuses_to_forecast_prices(name):
    with pytest.raises(ConfigError, match="P\\(up\\)"):
        fitted_up(name).predict(PRICES, 240)


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_direction_predicting_before_enough_history_is_refused(name):
    model = fitted_up(name)
    with pytest.raises(ValueError, match="history"):
        model.predict_proba(PRICES, model.min_history - 1)


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_direction_probabilities_ignore_every_setting_the_model_does_not_read(name):
    from dataclasses import fields, replace

    from tickercast.models import EXECUTION_SETTINGS

    config = ModelConfig(**DIRECTION)
    model = make_model(name, config)
    known = {field.name for field in fields(ModelConfig)} - set(EXECUTION_SETTINGS)
    assert "target" in model.reads
    assert set(known) - set(model.reads) <= set(OTHER_SETTINGS)
    ignored = {key: value for key, value in OTHER_SETTINGS.items() if key in known - set(model.reads)}
    other = make_model(name, replace(config, **ignored)).fit(PRICES[:VAL_END], TRAIN_END, SILENT)
    start = max(model.min_history, other.min_history)
    np.testing.assert_array_equal(fitted_up(name).predict_proba(PRICES, start), other.predict_proba(PRICES, start))


@pytest.mark.parametrize("name", PRICE_MODELS)
def test_a_model_that_cannot_forecast_the_target_is_one_line(name):
    config = ModelConfig(**DIRECTION)
    if name in CLASSIFIERS:
        make_model(name, config)
    else:
        with pytest.raises(ConfigError, match="forecasts prices, not the direction"):
            make_model(name, config)


@pytest.mark.parametrize("name", DIRECTION_BASELINES)
def test_a_direction_baseline_with_a_price_target_is_one_line(name):
    with pytest.raises(ConfigError, match="only the direction"):
        make_model(name, ModelConfig(**TINY))
