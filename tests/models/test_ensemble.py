"""`ensemble=N`: the mean of N networks of seeds seed .. seed + N − 1, trained together.

Every forecast of the ensemble is the members' mean (prices for value targets, P(up) for direction); each member
is a one-network model of its own seed; a state round trip rebuilds the same members.
"""

from __future__ import annotations

import numpy as np
import pytest

import tickercast as tc
from tests.conftest import TINY, price_frame
from tickercast.config import ModelConfig
from tickercast.errors import ConfigError, NotFittedError
from tickercast.models import make_model
from tickercast.models.recurrent import RecurrentEnsemble, RecurrentModel
from tickercast.prepare.inputs import Inputs
from tickercast.progress import SILENT

PRICES = price_frame(300, phi=0.3, seed=3)["close"].to_numpy()
TRAIN_END = 200


def fitted(cell: str = "gru", **settings) -> RecurrentEnsemble:
    model = make_model(cell, ModelConfig(**{**TINY, "ensemble": 3, "seed": 5, **settings}))
    assert isinstance(model, RecurrentEnsemble)
    return model.fit(PRICES, TRAIN_END, SILENT)


def test_members_are_single_networks_of_consecutive_seeds():
    model = fitted()
    assert [member.config.seed for member in model.members_] == [5, 6, 7]
    assert all(type(member) is RecurrentModel and member.config.ensemble == 1 for member in model.members_)
    heads = [member.net_.head.weight.detach().numpy() for member in model.members_]
    assert not np.allclose(heads[0], heads[1])  # different seeds, different networks
    assert model.history_ is model.histories_[0]
    assert len(model.histories_) == 3


def test_a_single_network_is_still_a_recurrent_model():
    assert type(make_model("lstm", ModelConfig(**TINY))) is RecurrentModel


def test_predictions_are_the_mean_of_the_members_prices():
    model = fitted()
    members = np.array([member.predict(PRICES, 250) for member in model.members_])
    np.testing.assert_allclose(model.predict(PRICES, 250), members.mean(axis=0), rtol=0, atol=1e-12)
    assert members.std(axis=0).max() > 0  # the members disagree, so the mean is not any one of them


def test_direction_ensembles_average_the_probabilities():
    model = fitted("lstm", target="direction", horizons=1)
    members = np.array([member.predict_proba(PRICES, 250) for member in model.members_])
    np.testing.assert_allclose(model.predict_proba(PRICES, 250), members.mean(axis=0), atol=1e-12)
    with pytest.raises(ConfigError, match="P\\(up\\)"):
        model.predict(PRICES, 250)


def test_direct_forecasts_are_the_members_mean():
    model = fitted(horizons=3)
    origins = range(250, 260)
    members = np.array([member.forecast_direct(PRICES, origins) for member in model.members_])
    forecast = model.forecast_direct(PRICES, origins)
    assert forecast.shape == (10, 3)
    np.testing.assert_allclose(forecast, members.mean(axis=0), atol=1e-12)


def test_dropout_paths_come_from_every_member():
    model = fitted(layers=2, dropout=0.3)
    paths = model.dropout_paths(Inputs.of(PRICES), horizon=4, samples=7, seed=1)
    assert paths.shape == (7, 4)
    assert np.isfinite(paths).all()
    first = model.members_[0].dropout_paths(Inputs.of(PRICES), horizon=4, samples=3, seed=1)
    np.testing.assert_allclose(paths[:3], first)  # member 0 draws the first share with the given seed
    with pytest.raises(ConfigError, match="Monte-Carlo dropout needs dropout between layers"):
        fitted().dropout_paths(Inputs.of(PRICES), horizon=2, samples=4)


def test_a_state_round_trip_rebuilds_the_same_ensemble():
    model = fitted()
    state = model.state()
    assert len(state["history"]["members"]) == 3
    restored = make_model("gru", model.config).restore(state)
    np.testing.assert_array_equal(restored.predict(PRICES, 250), model.predict(PRICES, 250))
    with pytest.raises(ValueError, match=r"lacks weight 'member0\.head\.bias'"):
        make_model("gru", model.config).restore({**state, "weights": {k: v for k, v in state["weights"].items()
                                                                          if k != "member0.head.bias"}})


def test_an_ensemble_has_no_single_network_to_explain():
    model = fitted()
    with pytest.raises(ConfigError, match="ensemble of 3 gru networks has no single network"):
        _ = model.net_
    with pytest.raises(NotFittedError):
        make_model("gru", ModelConfig(**TINY, ensemble=2)).predict(PRICES, 250)


def test_ensembles_in_one_fit_train_together():
    """Two ensembles of different seeds fitted in one `fit_seeds` call (as `compare` groups them) end as if each
    were fitted alone, within float noise of the order of summation."""
    frame = price_frame(300, phi=0.3, seed=3)
    alone = tc.Forecaster("gru", **TINY, ensemble=2, seed=10).fit(frame)
    together = tc.forecaster.fit_seeds([tc.Forecaster("gru", **TINY, ensemble=2, seed=0),
                                        tc.Forecaster("gru", **TINY, ensemble=2, seed=10)], frame)
    np.testing.assert_allclose(together[1].predict(frame).to_numpy(), alone.predict(frame).to_numpy(), rtol=1e-5)
    assert [m["seed"] for m in together[0].member_metrics] == [0, 1]


def test_the_forecaster_scores_every_member_and_the_ensemble():
    frame = price_frame(300, phi=0.3, seed=3)
    forecaster = tc.Forecaster("lstm", **TINY, ensemble=3).fit(frame)
    members = forecaster.member_metrics
    assert [m["seed"] for m in members] == [0, 1, 2]
    for member, model in zip(members, forecaster.model_.members_, strict=True):
        alone = tc.evaluate.score.score(model, *_scoring(forecaster, frame))[1]
        assert member["metrics"]["test"]["rmse"] == pytest.approx(alone["test"]["rmse"])
    # squared errors are convex: the mean forecast's MSE is at most the members' mean MSE (Jensen)
    mse = [m["metrics"]["test"]["rmse"] ** 2 for m in members]
    assert forecaster.metrics["test"]["rmse"] ** 2 <= np.mean(mse) + 1e-12


def _scoring(forecaster, frame):
    from tickercast.prepare.split import checked_split

    _, inputs = forecaster.prepare(frame)
    split = checked_split(frame.index, forecaster.model_.min_history, origin="synthetic")
    return inputs, frame.index, split


def test_too_many_members_for_memory_is_one_line():
    model = make_model("lstm", ModelConfig(hidden=4096, layers=32, ensemble=1000))
    with pytest.raises(ConfigError, match=r"1000 lstm networks of 32 layer\(s\) x 4096 units trained together"):
        model.fit(PRICES, TRAIN_END, SILENT)


def test_members_stop_early_on_their_own():
    """Each member keeps its own early stopping: one that stops leaves the batch, the others go on."""
    frame = price_frame(600, phi=0.3, seed=3)
    settings = {**TINY, "hidden": 8, "patience": 2, "epochs": 15, "lr": 0.01}
    model = tc.Forecaster("lstm", **settings, ensemble=4).fit(frame).model_
    lengths = [len(history.epochs) for history in model.histories_]
    assert len(set(lengths)) > 1, lengths
    for history, length in zip(model.histories_, lengths, strict=True):
        assert history.best_epoch == length - 1 - 2 or length == 16  # stopped `patience` epochs after its best


def test_compare_from_python_refuses_ensembles_of_consecutive_seeds():
    from tickercast.comparison import compare
    from tickercast.errors import ConfigError

    with pytest.raises(ConfigError, match="would share members"):
        compare(PRICES, "gru", seeds=2, ensemble=3)
