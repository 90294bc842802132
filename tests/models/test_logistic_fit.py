"""Newton's logistic regression against the optimum found a different way (scipy's general minimiser)."""

import numpy as np
import pytest
from scipy.optimize import minimize

from tickercast.models.logistic import fit_logistic, predict_logistic, sigmoid


def objective(beta, x, y, penalty):
    z = beta[0] + x @ beta[1:]
    return -np.sum(y * z - np.logaddexp(0, z)) + penalty / 2 * np.sum(beta[1:] ** 2)


@pytest.mark.parametrize("penalty", [0.1, 1.0, 10.0])
def test_newton_reaches_the_penalised_optimum(penalty):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 5))
    y = (rng.random(400) < sigmoid(0.3 + x @ np.array([1.0, -0.5, 0.0, 0.2, 2.0]))).astype(float)
    weights, intercept = fit_logistic(x, y, penalty)
    reference = minimize(objective, np.zeros(6), args=(x, y, penalty), method="BFGS", options={"gtol": 1e-9}).x
    np.testing.assert_allclose(np.r_[intercept, weights], reference, atol=1e-5)


def test_probabilities_follow_the_weights_and_stay_finite():
    p = predict_logistic(np.array([[1e4], [-1e4], [0.0]]), np.array([1.0]), 0.0)
    np.testing.assert_allclose(p, [1.0, 0.0, 0.5])
    assert np.all(np.isfinite(p))


def test_row_blocks_change_nothing(monkeypatch):
    """The Newton sums run over row blocks; blocks of 7 rows and one block give the same fit and probabilities."""
    from tickercast.models import logistic

    rng = np.random.default_rng(1)
    x = rng.normal(size=(300, 4)).astype(np.float32)
    y = (rng.random(300) < sigmoid(x @ np.array([1.0, -1.0, 0.5, 0.0]))).astype(float)
    whole = fit_logistic(x, y)
    whole_p = predict_logistic(x, *whole)
    monkeypatch.setattr(logistic, "_CHUNK", 7)
    blocks = fit_logistic(x, y)
    np.testing.assert_allclose(blocks[0], whole[0], rtol=1e-10, atol=1e-12)
    assert blocks[1] == pytest.approx(whole[1], abs=1e-12)
    np.testing.assert_allclose(predict_logistic(x, *blocks), whole_p, rtol=1e-10)
    assert predict_logistic(x[:0], *blocks).shape == (0,)
