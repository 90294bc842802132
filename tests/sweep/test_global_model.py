import numpy as np
import pandas as pd
import pytest

import tickercast as tc
from tests.conftest import TINY, ar1_returns, price_frame
from tickercast.config import ModelConfig
from tickercast.errors import TickercastError
from tickercast.sweep.global_model import fit_global
from tickercast.sweep.plan import SplitOptions

CONFIG = ModelConfig(**TINY)
SPLIT = SplitOptions()


def frame_from_returns(returns, origin):
    close = 100 * np.exp(np.concatenate([[0.0], np.cumsum(returns)]))
    frame = pd.DataFrame({"close": close}, index=pd.bdate_range("2015-01-02", periods=len(close), name="date"))
    return tc.validate(frame, origin=origin)


def test_on_one_ticker_it_is_the_per_ticker_model_exactly():
    prices = price_frame(300, phi=0.3, seed=3)
    metrics, errors = fit_global("lstm", CONFIG, {"a": prices}, SPLIT)
    assert errors == {}
    assert metrics["a"] == tc.Forecaster("lstm", **TINY).fit(prices).metrics


def test_each_ticker_is_scaled_by_its_own_training_part():
    # b moves ten times as much as a, in the same pattern: scaled by its own training part it is the same
    # training data as a copy of a, so the network (and a's scores) cannot tell the two apart
    returns = ar1_returns(299, 0.3, 0.01, seed=4)
    a, calm_copy, volatile = (frame_from_returns(r, name) for r, name in ((returns, "a"), (returns, "copy"),
                                                                          (10 * returns, "b")))
    with_copy, _ = fit_global("gru", CONFIG, {"a": a, "b": calm_copy}, SPLIT)
    with_volatile, _ = fit_global("gru", CONFIG, {"a": a, "b": volatile}, SPLIT)
    assert with_volatile["a"] == with_copy["a"]


def test_no_tickers_test_part_reaches_training():
    a, b = price_frame(300, phi=0.3, seed=5), price_frame(260, phi=-0.2, seed=6)
    altered = b.copy()
    altered.iloc[-40:, 0] *= np.exp(np.random.default_rng(0).normal(0, 0.05, 40))
    before, _ = fit_global("rnn", CONFIG, {"a": a, "b": b}, SPLIT)
    after, _ = fit_global("rnn", CONFIG, {"a": a, "b": altered}, SPLIT)
    assert before["a"] == after["a"]
    assert before["b"]["val"] == after["b"]["val"]
    assert before["b"]["test"] != after["b"]["test"]


def test_a_ticker_too_short_is_left_out_with_its_reason():
    metrics, errors = fit_global("lstm", CONFIG, {"a": price_frame(300), "tiny": price_frame(40)}, SPLIT)
    assert set(metrics) == {"a"}
    assert "the series has 40 rows" in errors["tiny"]


def test_no_ticker_to_train_on_is_an_error():
    with pytest.raises(TickercastError, match="no dataset can train the global lstm"):
        fit_global("lstm", CONFIG, {"tiny": price_frame(40)}, SPLIT)


def test_with_inputs_and_a_covariate_on_one_ticker_it_is_the_per_ticker_model_exactly():
    prices, other = price_frame(300, phi=0.3, seed=3), price_frame(300, seed=8)
    config = ModelConfig(**{**TINY, "features": "returns,rsi"})
    metrics, errors = fit_global("lstm", config, {"a": prices}, SPLIT, {"other": other})
    assert errors == {}
    alone = tc.Forecaster("lstm", **{**TINY, "features": "returns,rsi"}).fit(prices, covariates={"other": other})
    assert metrics["a"] == alone.metrics
