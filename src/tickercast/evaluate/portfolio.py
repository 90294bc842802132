"""A daily long/short portfolio from cross-sectional scores: weights, returns after costs, and how good it was.

The rules of Fischer & Krauss (2018), written out so a reader can check them by hand:

- every day, among the tickers with a score, go long the k highest and short the k lowest, each at weight
  1/k (+1/k long, -1/k short: a dollar-neutral book of gross exposure 2); ties go to the earlier ticker, and a
  day whose scores are all equal holds nothing;
- the position held on day d earns that day's simple return; a leg whose ticker has no return that day earns 0
  (it is held as cash: nothing is invented);
- costs are `cost_bps` basis points per half-turn, charged on the turnover sum_s |w_d,s - w_d-1,s|, so entering
  the first book costs 2c, swapping every name costs 4c (5 bps -> 20 bps a day) and keeping the picks costs 0.
  Weights are reset to 1/k daily without charging for drift, and the last book is never closed.

Arrays in (`[days, tickers]`), arrays and plain dicts out (JSON-ready: None where undefined, never NaN).
"""

from __future__ import annotations

import math

import numpy as np

from tickercast.errors import ConfigError
from tickercast.evaluate.stats import newey_west_test

TRADING_DAYS = 252  # annualisation, as the paper and most of the literature


def long_short_weights(scores: np.ndarray, k: int) -> np.ndarray:
    """`[D, N]` scores (NaN = not eligible that day) -> `[D, N]` weights: +1/k on the k highest scores, -1/k on
    the k lowest, 0 elsewhere. A day holds nothing when fewer than 2k tickers are scored, or when every score is
    the same (a model with no opinion, e.g. an untrained network early stopping kept, would otherwise trade the
    alphabet).

    Order: higher score first, and among equal scores the earlier ticker (column) first; the long leg is the
    front of that order, the short leg its back.

    >>> long_short_weights(np.array([[0.9, 0.1, np.nan, 0.5]]), 1).tolist()
    [[1.0, -1.0, 0.0, 0.0]]
    """
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise ConfigError(f"top must be a whole number >= 1, got {k!r}")
    scores = np.asarray(scores, dtype=np.float64)
    scored = np.isfinite(scores)
    key = np.where(scored, -scores, np.inf)  # ascending key = descending score; unscored last
    order = np.argsort(key, axis=1, kind="stable")  # stable: equal scores keep ticker order
    position = np.argsort(order, axis=1)  # each ticker's place in its day's order
    count = scored.sum(axis=1, keepdims=True)
    weights = np.zeros(scores.shape)
    weights[position < k] = 1.0 / k
    weights[(position >= count - k) & (position < count)] = -1.0 / k
    highest = np.where(scored, scores, -np.inf).max(axis=1)
    lowest = np.where(scored, scores, np.inf).min(axis=1)
    weights[(count.ravel() < 2 * k) | ~(highest > lowest)] = 0.0  # too few names, or no opinion at all
    return weights


def portfolio_returns(weights: np.ndarray, returns: np.ndarray,
                      cost_bps: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Daily `(gross, net, turnover)` of holding `weights[d]` over day d, whose simple returns are `returns[d]`.

    gross_d = sum_s w_d,s r_d,s (a missing r counts 0), turnover_d = sum_s |w_d,s - w_d-1,s| with w_-1 = 0, and
    net_d = gross_d - cost_bps / 1e4 * turnover_d.
    """
    weights, returns = np.asarray(weights, dtype=np.float64), np.asarray(returns, dtype=np.float64)
    if weights.shape != returns.shape:
        raise ValueError(f"weights and returns must cover the same days and tickers, got {weights.shape} and "
                         f"{returns.shape}")
    if not (math.isfinite(cost_bps) and cost_bps >= 0):
        raise ConfigError(f"cost must be 0 or more basis points, got {cost_bps!r}")
    gross = np.sum(weights * np.where(np.isfinite(returns), returns, 0.0), axis=1)
    turnover = np.abs(np.diff(weights, axis=0, prepend=np.zeros((1, weights.shape[1])))).sum(axis=1)
    return gross, gross - cost_bps / 1e4 * turnover, turnover


def performance(daily: np.ndarray, turnover: np.ndarray | None = None) -> dict[str, float | int | None]:
    """How a daily return series did, JSON-ready.

    mean, with a one-sided Newey–West t and p (H1: mean > 0; autocorrelation-robust, see evaluate.stats);
    hit_rate = share of days above 0; annualised_return = compounded, (prod(1 + r))^(252 / n) - 1; volatility =
    sd * sqrt(252); sharpe = mean / sd * sqrt(252) (risk-free rate 0: the book is dollar-neutral); sortino =
    mean / sqrt(mean(min(r, 0)^2)) * sqrt(252); max_drawdown = the largest fall of the compounded equity from
    its running peak (starting at 1), as a positive fraction; turnover = the mean daily turnover when given.

    >>> round(performance(np.array([0.1, -0.1, 0.1]))["max_drawdown"], 6)
    0.1
    """
    r = np.asarray(daily, dtype=np.float64)
    n = len(r)
    result: dict[str, float | int | None] = dict.fromkeys(
        ("mean", "t_stat", "p_value", "hit_rate", "annualised_return", "volatility", "sharpe", "sortino",
         "max_drawdown"))
    result["n"] = n
    result["turnover"] = float(np.mean(turnover)) if turnover is not None and len(turnover) else None
    if n == 0:
        return result
    result["mean"] = float(r.mean())
    result["hit_rate"] = float(np.mean(r > 0))
    equity = np.cumprod(1.0 + r)
    result["annualised_return"] = float(equity[-1] ** (TRADING_DAYS / n) - 1) if equity[-1] > 0 else -1.0
    peaks = np.maximum.accumulate(np.concatenate([[1.0], equity]))
    result["max_drawdown"] = float(np.max(1.0 - np.concatenate([[1.0], equity]) / peaks))
    downside = math.sqrt(float(np.mean(np.minimum(r, 0.0) ** 2)))
    result["sortino"] = float(r.mean() / downside * math.sqrt(TRADING_DAYS)) if downside > 0 else None
    if n >= 2:
        test = newey_west_test(r)
        result["t_stat"], result["p_value"] = test.t_stat, test.p_value
        sd = float(r.std(ddof=1))
        result["volatility"] = sd * math.sqrt(TRADING_DAYS)
        result["sharpe"] = float(r.mean() / sd * math.sqrt(TRADING_DAYS)) if sd > 0 else None
    return result
