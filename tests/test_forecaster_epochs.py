"""`Forecaster.best_epochs_` and `reads_inputs_`: what the CLI prints about training, without the model's insides."""

from __future__ import annotations

from tests.conftest import price_frame
from tickercast.forecaster import Forecaster

TINY = {"lookback": 5, "hidden": 4, "layers": 1, "epochs": 3, "batch_size": 64}


def test_a_network_names_the_epoch_it_kept_among_those_it_ran():
    forecaster = Forecaster("gru", **TINY).fit(price_frame(200))
    (best,) = forecaster.best_epochs_
    assert 0 <= best <= int(forecaster.history["epoch"].max())
    assert forecaster.history["val_loss"].iloc[best] == forecaster.history["val_loss"].min()
    assert forecaster.reads_inputs_


def test_an_ensemble_names_one_kept_epoch_per_member():
    forecaster = Forecaster("lstm", ensemble=2, **TINY).fit(price_frame(200))
    assert len(forecaster.best_epochs_) == 2
    assert forecaster.best_epochs_[0] == int(forecaster.history["epoch"][forecaster.history["val_loss"].idxmin()])


def test_a_baseline_kept_no_epoch_and_may_read_no_inputs():
    forecaster = Forecaster("naive", lookback=5).fit(price_frame(200))
    assert forecaster.best_epochs_ == []
    assert not forecaster.reads_inputs_
