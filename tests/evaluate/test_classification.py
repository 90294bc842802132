"""Scores of up/down forecasts against definitions computed the slow, obvious way."""

import math

import numpy as np
import pytest

from tickercast.errors import DataError
from tickercast.evaluate.classification import auc, average_ranks, classification_metrics, reliability_table


def pairwise_auc(y, p):
    """AUC by its definition: over every (up, down) pair, 1 if the up day has the higher P, 1/2 on a tie."""
    ups, downs = p[y == 1], p[y == 0]
    return np.mean([1.0 if u > d else 0.5 if u == d else 0.0 for u in ups for d in downs])


@pytest.mark.parametrize("seed", range(5))
def test_auc_equals_the_pairwise_definition_with_ties(seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, 60)
    p = np.round(rng.random(60), 1)  # rounding makes many ties
    assert auc(y, p) == pytest.approx(pairwise_auc(y, p), abs=1e-12)


def test_auc_known_answers():
    y = np.array([0, 0, 1, 1])
    assert auc(y, np.array([0.1, 0.2, 0.8, 0.9])) == 1.0
    assert auc(y, np.array([0.9, 0.8, 0.2, 0.1])) == 0.0
    assert auc(y, np.full(4, 0.5)) == 0.5
    assert auc(np.ones(3), np.array([0.1, 0.5, 0.9])) is None


def test_average_ranks_share_ties():
    assert average_ranks(np.array([3.0, 1.0, 3.0, 3.0])).tolist() == [3.0, 1.0, 3.0, 3.0]
    assert average_ranks(np.array([2.0, 1.0])).tolist() == [2.0, 1.0]


def test_a_coin_scores_its_textbook_values():
    y = np.array([1, 0, 1, 0, 1, 1])
    m = classification_metrics(y, np.full(6, 0.5))
    assert m["brier"] == pytest.approx(0.25)
    assert m["log_loss"] == pytest.approx(math.log(2))
    assert m["accuracy"] == pytest.approx(2 / 6)  # 0.5 is a "down" call
    assert m["balanced_accuracy"] == pytest.approx(0.5)
    assert m["base_rate"] == pytest.approx(4 / 6)
    assert m["n"] == 6


def test_the_p_value_is_against_the_better_constant_not_a_coin():
    rng = np.random.default_rng(0)
    y = (rng.random(1000) < 0.6).astype(int)  # a rising market: "always up" is right 60% of days
    always_up = classification_metrics(y, np.full(1000, 0.9))
    assert always_up["accuracy"] == pytest.approx(y.mean())
    assert always_up["p_value_vs_constant"] > 0.4  # no evidence: it *is* the constant
    oracle = classification_metrics(y, np.where(y == 1, 0.8, 0.2))
    assert oracle["accuracy"] == 1.0
    assert oracle["p_value_vs_constant"] < 1e-100
    assert oracle["auc"] == 1.0


def test_log_loss_of_a_confident_mistake_is_finite():
    m = classification_metrics(np.array([1, 0]), np.array([0.0, 1.0]))
    assert math.isfinite(m["log_loss"])
    assert m["log_loss"] > 30


def test_reliability_bins_add_up_and_average_inside_their_edges():
    rng = np.random.default_rng(3)
    p = rng.random(500)
    p[:3] = [0.0, 1.0, 0.5]
    y = (rng.random(500) < p).astype(int)
    table = reliability_table(y, p, bins=10)
    assert len(table) == 10
    assert sum(row["n"] for row in table) == 500
    for row in table:
        if row["n"]:
            assert row["lo"] <= row["mean_p"] <= row["hi"]
            assert 0 <= row["freq"] <= 1


@pytest.mark.parametrize(("y", "p"), [([0, 2], [0.5, 0.5]), ([0, 1], [0.5, 1.5]), ([0, 1], [0.5, np.nan])])
def test_bad_values_are_named(y, p):
    with pytest.raises(DataError):
        classification_metrics(np.array(y), np.array(p))


def test_no_days_gives_none_not_nan():
    m = classification_metrics(np.array([]), np.array([]))
    assert m["accuracy"] is None
    assert m["n"] == 0
