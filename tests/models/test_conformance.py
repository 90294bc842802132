"""The check every model must pass, network or baseline. Adding a model = adding it to MODELS."""

import numpy as np
import pytest

from tests.conftest import TINY, price_frame
from tickercast.config import ModelConfig
from tickercast.models import MODELS, make_model, restore_model
from tickercast.progress import SILENT

PRICES = price_frame(300, phi=0.3, seed=5)["close"].to_numpy()
TRAIN_END, VAL_END = 200, 250


def fitted(name, prices=PRICES):
    return make_model(name, ModelConfig(**TINY)).fit(prices[:VAL_END], TRAIN_END, SILENT)


@pytest.mark.parametrize("name", MODELS)
def test_predicts_every_requested_day_in_price_units(name):
    model = fitted(name)
    predictions = model.predict(PRICES, model.min_history)
    assert predictions.shape == (len(PRICES) - model.min_history,)
    assert np.isfinite(predictions).all()
    assert (predictions > 0).all()
    # one-step forecasts stay near the last price: a crude but model-agnostic sanity check
    assert np.abs(np.log(predictions / PRICES[model.min_history - 1:-1])).max() < 0.2


@pytest.mark.parametrize("name", MODELS)
def test_no_look_ahead_changing_the_future_leaves_past_forecasts_alone(name):
    model = fitted(name)
    changed = PRICES.copy()
    changed[260:] *= np.exp(np.random.default_rng(0).normal(0, 0.05, len(PRICES) - 260))
    original, altered = model.predict(PRICES, 240), model.predict(changed, 240)
    np.testing.assert_array_equal(original[:260 - 240 + 1], altered[:260 - 240 + 1])  # days 240..260
    assert not np.array_equal(original[22:], altered[22:])  # and the test can see a change when there is one


@pytest.mark.parametrize("name", MODELS)
def test_fit_never_depends_on_the_test_part(name):
    future = PRICES.copy()
    future[VAL_END:] *= 3.0
    a, b = fitted(name), fitted(name, future)
    np.testing.assert_array_equal(a.predict(PRICES, 240), b.predict(PRICES, 240))


@pytest.mark.parametrize("name", MODELS)
def test_state_round_trip_predicts_identically(name):
    model = fitted(name)
    restored = restore_model(name, ModelConfig(**TINY), model.state())
    np.testing.assert_array_equal(model.predict(PRICES, 240), restored.predict(PRICES, 240))


@pytest.mark.parametrize("name", MODELS)
def test_says_what_it_is(name):
    model = make_model(name, ModelConfig(**TINY))
    assert model.name == name
    assert isinstance(model.is_network, bool)
    assert model.min_history >= 1


@pytest.mark.parametrize("name", MODELS)
def test_predicting_before_enough_history_is_refused(name):
    model = fitted(name)
    with pytest.raises(ValueError, match=r"history|previous day"):
        model.predict(PRICES, model.min_history - 1)
