import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from tickercast.evaluate.metrics import METRIC_KEYS, directional_accuracy, mae, mape, point_metrics, rmse

ACTUAL = np.array([102.0, 99.0, 99.0, 104.0])
PREVIOUS = np.array([100.0, 102.0, 99.0, 99.0])
PREDICTED = np.array([101.0, 103.0, 100.0, 98.0])


def test_hand_computed_values():
    # errors: 1, -4, -1, 6
    assert rmse(ACTUAL, PREDICTED) == pytest.approx(np.sqrt((1 + 16 + 1 + 36) / 4))
    assert mae(ACTUAL, PREDICTED) == pytest.approx(3.0)
    assert mape(ACTUAL, PREDICTED) == pytest.approx(100 * (1 / 102 + 4 / 99 + 1 / 99 + 6 / 104) / 4)
    # moves predicted: +1, +1, +1, -1; actual: +2, -3, 0, +5 -> hit, miss, tie, miss
    assert directional_accuracy(ACTUAL, PREDICTED, PREVIOUS) == pytest.approx((1 + 0 + 0.5 + 0) / 4)


def test_point_metrics_next_to_naive():
    metrics = point_metrics(ACTUAL, PREDICTED, PREVIOUS)
    assert tuple(metrics) == METRIC_KEYS
    naive = np.sqrt((4 + 9 + 0 + 25) / 4)
    assert metrics["naive_rmse"] == pytest.approx(naive)
    assert metrics["rmse_ratio_vs_naive"] == pytest.approx(np.sqrt(54 / 4) / naive)
    assert metrics["n"] == 4


def test_naive_scores_ratio_one_and_fifty_percent_direction():
    metrics = point_metrics(ACTUAL, PREVIOUS, PREVIOUS)
    assert metrics["rmse_ratio_vs_naive"] == 1.0
    assert metrics["directional_accuracy"] == 0.5


def test_ratio_is_none_when_naive_is_perfect():
    flat = np.ones(3)
    assert point_metrics(flat, flat * 1.01, flat)["rmse_ratio_vs_naive"] is None


prices = arrays(np.float64, 20, elements=st.floats(1, 1000))


@given(actual=prices, predicted=prices, previous=prices)
def test_metric_invariants(actual, predicted, previous):
    assert 0 <= directional_accuracy(actual, predicted, previous) <= 1
    assert mae(actual, predicted) <= rmse(actual, predicted) + 1e-9
    assert directional_accuracy(actual, predicted, previous) + directional_accuracy(
        actual, 2 * previous - predicted, previous) == pytest.approx(1)  # mirrored calls score 1 - p
