"""The cross-sectional study with `ensemble` N: a period's N networks train together and score by their mean."""

from dataclasses import replace

import numpy as np
import pytest

from tests.test_rank_acceptance import CONFIG, SETTINGS, synthetic_panel
from tickercast.rank import panel_returns, run_period, study_periods

#: Largest difference allowed between a member trained with the others and alone (the batched sums round in
#: another order): measured at about 1e-8 on these probabilities, which differ by about 1e-2 from seed to seed.
TOLERANCE = 1e-5


@pytest.fixture(scope="module")
def period_data():
    returns, _, _ = panel_returns(synthetic_panel(-0.3, seed=11, days=451, tickers=12))
    return returns, study_periods(len(returns), SETTINGS, CONFIG.lookback)[1]


def test_an_ensemble_scores_by_the_mean_of_the_networks_its_seeds_train_alone(period_data):
    returns, period = period_data
    together = run_period(returns, period, "gru", replace(CONFIG, ensemble=3), SETTINGS)
    alone = [run_period(returns, period, "gru", replace(CONFIG, seed=CONFIG.seed + k), SETTINGS) for k in range(3)]
    scored = np.isfinite(together.scores)
    assert scored.any()
    np.testing.assert_allclose(together.scores[scored], np.mean([o.scores for o in alone], axis=0)[scored],
                               rtol=0, atol=TOLERANCE)
    assert np.abs(alone[0].scores[scored] - alone[1].scores[scored]).max() > 100 * TOLERANCE  # seeds differ


def test_each_member_keeps_its_own_history_and_the_unit_shows_the_longest(period_data):
    returns, period = period_data
    together = run_period(returns, period, "lstm", replace(CONFIG, ensemble=2), SETTINGS)
    members = together.history["members"]
    assert len(members) == 2
    alone = run_period(returns, period, "lstm", CONFIG, SETTINGS).history
    assert "members" not in alone  # one network: the history it always had
    np.testing.assert_allclose([e["val_loss"] for e in members[0]["epochs"]],
                               [e["val_loss"] for e in alone["epochs"]], rtol=TOLERANCE)
    assert len(together.history["epochs"]) == max(len(m["epochs"]) for m in members)

