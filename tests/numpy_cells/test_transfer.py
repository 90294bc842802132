import numpy as np
import pytest
import torch

import tickercast as tc
from tests.conftest import price_frame
from tickercast.errors import ConfigError
from tickercast.networks.training import predict_network
from tickercast.numpy_cells.transfer import replay


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_trained_model_replayed_in_numpy_gives_its_own_predictions(cell):
    prices = price_frame(300, phi=0.3)
    fc = tc.Forecaster(cell, lookback=6, hidden=5, layers=2, dropout=0.1, epochs=3).fit(prices)
    model = fc.model_
    close = prices["close"].to_numpy()
    windows, _ = model.windows(close, range(model.min_history, len(close)))
    expected = predict_network(model.net_, windows)
    outputs, traces = replay(model.net_, windows.numpy())
    np.testing.assert_allclose(outputs, expected, rtol=0, atol=1e-5)  # float32 network vs float64 NumPy
    assert len(traces) == 2
    assert traces[1].h.shape == (len(windows), 6, 5)
    # and back in price units, exactly what the forecaster predicts
    prices_back = model.target.to_price(model.scaler_.inverse(outputs), close[model.min_history - 1:-1])
    np.testing.assert_allclose(prices_back, fc.predict(prices).to_numpy(), rtol=1e-5)


def test_plain_rnn_has_no_numpy_cell():
    fc = tc.Forecaster("rnn", lookback=4, hidden=3, layers=1, epochs=1).fit(price_frame(120))
    with pytest.raises(ConfigError, match="cover lstm and gru, not rnn"):
        replay(fc.model_.net_, torch.zeros(2, 4).numpy())


def test_weights_copy_both_ways_per_layer_of_a_trained_model():
    from tickercast.numpy_cells import CellParams
    from tickercast.numpy_cells.transfer import from_torch, to_torch

    fc = tc.Forecaster("gru", lookback=4, hidden=3, layers=2, epochs=1).fit(price_frame(120))
    recurrent = fc.model_.net_.recurrent
    layer_one = from_torch(recurrent, layer=1)
    new = CellParams.random(input_size=3, hidden=3, gates=3, seed=5)
    to_torch(new, recurrent, layer=1)
    np.testing.assert_allclose(from_torch(recurrent, layer=1).w_hh, new.w_hh, atol=1e-7)  # float32 inside
    assert not np.allclose(layer_one.w_hh, new.w_hh)
    np.testing.assert_array_equal(from_torch(recurrent, layer=0).w_ih.shape, (9, 1))
