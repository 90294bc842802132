"""Is the difference real? Significance tests and diagnostics for forecasts, as pure functions.

A lower RMSE than naive on one test period proves little: daily prices are mostly noise, and a network's errors
differ from naive's by chance too. This module answers four questions with numbers:

- `diebold_mariano`: are the model's losses smaller than the benchmark's beyond chance (Diebold–Mariano with the
  Harvey–Leybourne–Newbold small-sample correction)?
- `direction_test` / `binomial_direction_test`: does the model call the direction of tomorrow's move more often
  than a coin (one-sided binomial test)?
- `lag_diagnostic`: is the "prediction" just yesterday's price shifted one day to the right?
- `seed_spread_verdict`: does model A beat model B by more than the spread from re-training with other seeds?
- `newey_west_test`: is a daily return's mean above zero, allowing for autocorrelated days (a strategy's returns)?

Arrays in, small frozen results out; each result has `to_dict()` giving plain JSON (floats, None where undefined,
never NaN).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np
from scipy import special  # the distribution functions alone: scipy.stats costs 45 MB and 0.5 s to import

from tickercast.errors import ConfigError, DataError, SeriesTooShortError

Loss = Literal["squared", "absolute"]
Verdict = Literal["A", "B", "tie"]


def _series(name: str, values: np.ndarray) -> np.ndarray:
    """A finite 1-D float array, or an error naming the argument (NaNs are never scored silently)."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise DataError(f"{name} contains NaN or infinite values; drop or repair those days before testing")
    return array


def _same_length(**arrays: np.ndarray) -> int:
    lengths = {name: len(array) for name, array in arrays.items()}
    if len(set(lengths.values())) != 1:
        raise ValueError(f"arrays must cover the same days, got lengths {lengths}")
    return next(iter(lengths.values()))


# ---------------------------------------------------------------------------------------------------------------
# Diebold–Mariano


@dataclass(frozen=True)
class DieboldMarianoResult:
    """Outcome of `diebold_mariano`. Negative `statistic`: the model's losses are smaller than the benchmark's.

    `statistic` is the HLN-corrected statistic (None when it is infinite: a constant, non-zero loss differential),
    `statistic_uncorrected` the original DM statistic, `p_value` two-sided, `p_value_model_better` one-sided for
    "model loss < benchmark loss". `horizon_used` is the horizon of the variance and correction actually used
    (1 after the fallback for a non-positive long-run variance, see `note`).
    """

    statistic: float | None
    statistic_uncorrected: float | None
    p_value: float
    p_value_model_better: float
    mean_loss_differential: float
    loss: str
    horizon: int
    horizon_used: int
    n: int
    note: str | None = None

    def to_dict(self) -> dict[str, float | int | str | None]:
        return asdict(self)


def _loss(errors: np.ndarray, loss: str) -> np.ndarray:
    if loss == "squared":
        return errors**2
    if loss == "absolute":
        return np.abs(errors)
    raise ConfigError(f"loss must be 'squared' or 'absolute', got {loss!r}")


def _autocovariance(x: np.ndarray, lag: int) -> float:
    """gamma_k = (1/n) * sum_{t=k+1..n} (x_t - xbar)(x_{t-k} - xbar): divisor n, as DM and HLN use."""
    deviation = x - x.mean()
    return float(np.dot(deviation[lag:], deviation[: len(x) - lag]) / len(x))


def diebold_mariano(errors_model: np.ndarray, errors_benchmark: np.ndarray, horizon: int = 1,
                    loss: Loss = "squared") -> DieboldMarianoResult:
    """Test of equal predictive accuracy of two forecasts of the same days (Diebold–Mariano, HLN-corrected).

    Why: a model "beating" naive by 2% RMSE on 500 days may be luck. DM asks whether the mean loss differential is
    far from zero relative to its standard error; HLN's correction makes the test honest in small samples and for
    multi-step forecasts, whose errors overlap and so are autocorrelated up to lag h-1.

    Variant implemented (Harvey, Leybourne & Newbold 1997, "Testing the equality of prediction mean squared
    errors", IJF 13(2)), with e1 = model errors, e2 = benchmark errors, h = `horizon`, n days:

        d_t      = L(e1_t) - L(e2_t),  L(e) = e^2 ("squared") or |e| ("absolute")
        d_bar    = (1/n) sum_t d_t
        gamma_k  = (1/n) sum_{t=k+1..n} (d_t - d_bar)(d_{t-k} - d_bar)        (divisor n, not n-k)
        V        = gamma_0 + 2 sum_{k=1..h-1} gamma_k                         (rectangular kernel, lags < h)
        DM       = d_bar / sqrt(V / n)                                        (Diebold & Mariano 1995)
        DM*      = DM * sqrt((n + 1 - 2h + h(h-1)/n) / n)                     (HLN correction)
        p        = 2 * (1 - T_{n-1}(|DM*|))     two-sided, Student-t with n-1 degrees of freedom (HLN)
        p_better = T_{n-1}(DM*)                 one-sided, H1: E[d] < 0, the model's loss is smaller

    Non-positive V (possible for h > 1, since the rectangular kernel does not guarantee V > 0): like R's
    `forecast::dm.test`, the test is redone with h = 1 (V = gamma_0, correction with h = 1); `horizon_used` is
    then 1 and `note` says so. Zero variance (d constant): if d is identically zero (identical losses) there is no
    evidence either way and the result is statistic 0, p = 1, p_better = 1/2; if d is a non-zero constant the
    statistic is infinite, reported as None, with the p-values at their limits (0, and 0 or 1).

    At h = 1, DM* equals the one-sample t statistic of d (ddof=1), so the test reduces to a t-test of mean(d) = 0.

    >>> r = diebold_mariano(np.array([1.0, -3.0, 2.0]), np.zeros(3), loss="absolute")
    >>> round(r.statistic, 6), round(r.p_value, 6)   # 2*sqrt(3), 1 - sqrt(6/7)
    (3.464102, 0.07418)
    """
    e1 = _series("errors_model", errors_model)
    e2 = _series("errors_benchmark", errors_benchmark)
    n = _same_length(errors_model=e1, errors_benchmark=e2)
    if isinstance(horizon, bool) or not isinstance(horizon, int | np.integer) or horizon < 1:
        raise ConfigError(f"horizon must be a whole number >= 1, got {horizon!r}")
    horizon = int(horizon)
    if n < 2 or n <= horizon:
        raise SeriesTooShortError(f"the Diebold–Mariano test needs more than max(1, horizon={horizon}) forecasts, "
                                  f"got {n}; use a longer test period")
    d = _loss(e1, loss) - _loss(e2, loss)
    mean_d = float(d.mean())
    common = {"mean_loss_differential": mean_d, "loss": loss, "horizon": horizon, "n": n}

    if np.ptp(d) == 0:  # constant differential: zero variance, the ratio is 0/0 or +-infinity
        if d[0] == 0:
            return DieboldMarianoResult(0.0, 0.0, 1.0, 0.5, horizon_used=horizon,
                                        note="identical losses: no evidence either way", **common)
        return DieboldMarianoResult(None, None, 0.0, 0.0 if d[0] > 0 else 1.0, horizon_used=horizon,
                                    note="constant non-zero loss differential: zero variance, infinite statistic",
                                    **common)

    note = None
    variance = sum(_autocovariance(d, k) * (1 if k == 0 else 2) for k in range(horizon))
    h = horizon
    if variance <= 0:  # only possible for horizon > 1: gamma_0 > 0 since d is not constant
        h, variance = 1, _autocovariance(d, 0)
        note = f"long-run variance with lags < {horizon} was not positive; used horizon 1 (as R's forecast::dm.test)"
    statistic = mean_d / math.sqrt(variance / n)
    corrected = statistic * math.sqrt((n + 1 - 2 * h + h * (h - 1) / n) / n)
    return DieboldMarianoResult(
        statistic=corrected,
        statistic_uncorrected=statistic,
        p_value=float(min(1.0, 2 * special.stdtr(n - 1, -abs(corrected)))),  # Student t with n - 1 df
        p_value_model_better=float(special.stdtr(n - 1, corrected)),
        horizon_used=h,
        note=note,
        **common,
    )


# ---------------------------------------------------------------------------------------------------------------
# Direction: binomial test


@dataclass(frozen=True)
class DirectionTestResult:
    """Outcome of the binomial direction test. `accuracy` = hits / decided, None when no day was decided."""

    hits: int
    decided: int
    ties: int
    accuracy: float | None
    p_value: float

    def to_dict(self) -> dict[str, float | int | None]:
        return asdict(self)


def binomial_direction_test(hits: int, n: int, ties: int = 0) -> DirectionTestResult:
    """One-sided binomial test of H1: P(correct direction) > 1/2, on n decided days of which `hits` were right.

    p = P(X >= hits), X ~ Binomial(n, 1/2) = sum_{k=hits..n} C(n, k) / 2^n   (as scipy.stats.binomtest, "greater").

    With n = 0 (nothing decided) p = P(X >= 0) = 1: no evidence of skill. `ties` is only carried into the result.

    >>> round(binomial_direction_test(8, 10).p_value, 12)   # (45 + 10 + 1) / 1024
    0.0546875
    """
    for name, value in (("hits", hits), ("n", n), ("ties", ties)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
            raise ValueError(f"{name} must be a whole number >= 0, got {value!r}")
    if hits > n:
        raise ValueError(f"hits ({hits}) cannot exceed n ({n})")
    hits, n, ties = int(hits), int(n), int(ties)
    p_value = 1.0 if n == 0 or hits == 0 else float(special.bdtrc(hits - 1, n, 0.5))  # P(X > hits - 1)
    return DirectionTestResult(hits, n, ties, hits / n if n else None, min(1.0, p_value))


def direction_test(actual: np.ndarray, predicted: np.ndarray, previous: np.ndarray) -> DirectionTestResult:
    """Binomial test that the model calls the direction of the move better than a coin, ties dropped.

    Moves are taken from the previous actual price, as in `metrics.directional_accuracy`: predicted move
    `predicted - previous`, actual move `actual - previous`. A day is a hit when both have the same non-zero sign,
    a miss when the signs are opposite, and a tie (score 1/2 in directional accuracy) when either move is exactly
    zero. Ties are dropped from the test: they are neither evidence for nor against skill, and counting them as
    half-hits would make a binomial count non-integer. So `accuracy` here (hits / decided) can differ from
    `directional_accuracy`, which keeps ties at 1/2. A naive forecast decides no day: p = 1.
    """
    actual, predicted, previous = (_series(name, x) for name, x in
                                   (("actual", actual), ("predicted", predicted), ("previous", previous)))
    _same_length(actual=actual, predicted=predicted, previous=previous)
    agreement = np.sign(predicted - previous) * np.sign(actual - previous)  # 1 hit, -1 miss, 0 tie
    return binomial_direction_test(int(np.sum(agreement > 0)), int(np.sum(agreement != 0)),
                                   ties=int(np.sum(agreement == 0)))


# ---------------------------------------------------------------------------------------------------------------
# Lag diagnostic


@dataclass(frozen=True)
class LagDiagnostic:
    """Outcome of `lag_diagnostic`. `correlations[k]` is corr(predicted change, actual change k days earlier)."""

    correlations: list[float | None]
    correlation_same_day: float | None
    correlation_previous_day: float | None
    best_shift: int | None
    looks_lagged: bool
    noise_level: float
    n: int

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def _correlation(x: np.ndarray, y: np.ndarray) -> float | None:
    """Pearson correlation, None when either series is constant (no correlation is defined)."""
    x, y = x - x.mean(), y - y.mean()
    denominator = math.sqrt(float(np.dot(x, x)) * float(np.dot(y, y)))
    return None if denominator == 0 else float(np.clip(np.dot(x, y) / denominator, -1.0, 1.0))


def lag_diagnostic(actual: np.ndarray, predicted: np.ndarray, max_shift: int = 5) -> LagDiagnostic:
    """Do the predictions track today's actual prices, or the actual prices of k days ago?

    The classic failure of LSTM stock tutorials: the network learns `prediction_t ≈ price_{t-1}`, and the plot of
    predictions over prices looks perfect because it is the price curve shifted one day right.

    Why changes, not levels: prices are a random walk, so the level series is dominated by its slow trend and
    corr(predicted_t, actual_{t-k}) is ≈ 0.99 for every k: the diagnostic would see nothing. Day-to-day changes
    remove the trend; for a random walk they are nearly uncorrelated across days, so a forecast that copies the
    price of k days ago has changes correlated ≈ 1 with the actual changes k days earlier and ≈ 0 with today's.
    (Plain price differences rather than log-returns: correlation is scale-free, and differences stay defined for
    any prediction, even a non-positive one.)

        dp_t  = predicted_t - predicted_{t-1}
        da_t  = actual_t - actual_{t-1}
        c_k   = corr(dp_t, da_{t-k})   over the same days t = max_shift+1 .. n-1 for every k = 0..max_shift
        best_shift   = argmax_k c_k (None when no c_k is defined: a constant forecast)
        noise_level  = 2 / sqrt(m), m = n - max_shift - 1 pairs: the rough 95% band of a correlation between
                       unrelated series
        looks_lagged = best_shift >= 1 and c_best > c_0 and c_best > noise_level

    So a forecast whose changes match yesterday's actual change better than today's (c_1 > c_0, the issue's
    "prediction is yesterday's price") is flagged, as is one copying the price of k > 1 days ago; a forecast
    unrelated to every shift (all c_k inside the noise band) is not called lagged, only useless.

    `actual` and `predicted` cover the same consecutive days.
    """
    actual = _series("actual", actual)
    predicted = _series("predicted", predicted)
    n = _same_length(actual=actual, predicted=predicted)
    if isinstance(max_shift, bool) or not isinstance(max_shift, int | np.integer) or max_shift < 1:
        raise ConfigError(f"max_shift must be a whole number >= 1, got {max_shift!r}")
    max_shift = int(max_shift)
    m = n - max_shift - 1
    if m < 3:
        raise SeriesTooShortError(f"the lag diagnostic with max_shift={max_shift} needs at least {max_shift + 4} "
                                  f"days, got {n}")
    predicted_change = np.diff(predicted)[max_shift:]  # dp_t for t = max_shift+1 .. n-1
    actual_change = np.diff(actual)  # da_t for t = 1 .. n-1, at index t-1
    correlations = [_correlation(predicted_change, actual_change[max_shift - k: len(actual_change) - k])
                    for k in range(max_shift + 1)]
    defined = [(c, k) for k, c in enumerate(correlations) if c is not None]
    best_shift = max(defined)[1] if defined else None  # ties: the larger shift, the more suspicious reading
    noise_level = 2 / math.sqrt(m)
    looks_lagged = False
    if best_shift is not None and best_shift >= 1:
        best, same_day = correlations[best_shift], correlations[0]
        looks_lagged = best > noise_level and (same_day is None or best > same_day)
    return LagDiagnostic(correlations, correlations[0], correlations[1], best_shift, looks_lagged, noise_level, m)


# ---------------------------------------------------------------------------------------------------------------
# Seeds


def seed_spread_verdict(a_values: np.ndarray, b_values: np.ndarray, *, higher_is_better: bool = False) -> Verdict:
    """Which of two models wins on a metric measured over several seeds: "A", "B", or "tie".

    A win is called only when the means differ by more than the seed-to-seed spread:

        |mean_a - mean_b| > sd_a + sd_b        (sd: sample standard deviation over seeds, ddof=1)

    i.e. exactly when the "mean ± sd" intervals printed in the tables do not overlap, so a reader can check every
    verdict by eye. Why not a Welch t-test: with the 3 seeds we run it has 2-4 degrees of freedom, rests on a
    normality that 3 values cannot check, and its p-value invites the "significant" reading this rule is meant to
    avoid; non-overlapping one-sd bands is the plain, conservative rule the issue asks for. With fewer than two
    values on either side the spread is unknown and the verdict is "tie". `higher_is_better` is False for losses
    (RMSE, MAE), True for accuracy-like metrics.

    >>> seed_spread_verdict([1.0, 1.1, 0.9], [1.5, 1.6, 1.4])   # lower RMSE, gap 0.5 > 0.1 + 0.1
    'A'
    """
    a = _series("a_values", a_values)
    b = _series("b_values", b_values)
    if len(a) < 2 or len(b) < 2:
        return "tie"
    difference = float(a.mean() - b.mean())
    spread = float(a.std(ddof=1) + b.std(ddof=1))
    if abs(difference) <= spread:
        return "tie"
    a_is_higher = difference > 0
    return "A" if a_is_higher == higher_is_better else "B"


# ---------------------------------------------------------------------------------------------------------------
# Mean of an autocorrelated series (a strategy's daily returns)


@dataclass(frozen=True)
class MeanTest:
    """Outcome of `newey_west_test`: the mean, its HAC t-statistic (None when the series is constant) and the
    one-sided p-value of H1: mean > 0, with the lags used and the number of days."""

    mean: float
    t_stat: float | None
    p_value: float
    lags: int
    n: int

    def to_dict(self) -> dict[str, float | int | None]:
        return asdict(self)


def newey_west_lags(n: int) -> int:
    """The usual automatic lag length floor(4 (n / 100)^(2/9)) (Newey & West 1994): 4 lags for 250 days."""
    return math.floor(4 * (n / 100) ** (2 / 9))


def newey_west_test(values: np.ndarray, lags: int | None = None) -> MeanTest:
    """One-sided test that the mean of `values` is above zero, with a Newey–West (Bartlett) standard error.

    Why not a plain t-test: a portfolio rebuilt daily from overlapping signals has autocorrelated returns, and a
    plain t overstates significance when they are positively correlated. With gamma_k the autocovariances
    (divisor n) and L lags,

        V = gamma_0 + 2 sum_{k=1..L} (1 - k / (L + 1)) gamma_k,     t = mean / sqrt(V / n),     p = 1 - Phi(t)

    which is the t of the constant in an OLS of the values on a constant with HAC errors (statsmodels'
    `cov_type="HAC"` without its small-sample correction). With `lags=0` it is the t-statistic with divisor n.

    >>> round(newey_west_test(np.array([1.0, 2.0, 3.0]), lags=0).t_stat, 6)   # 2 / sqrt((2/3) / 3)
    4.242641
    """
    x = _series("values", values)
    n = len(x)
    if n < 2:
        raise SeriesTooShortError(f"a mean test needs at least 2 days, got {n}; use a longer trading period")
    lags = newey_west_lags(n) if lags is None else lags
    if isinstance(lags, bool) or not isinstance(lags, int | np.integer) or lags < 0:
        raise ConfigError(f"lags must be a whole number >= 0, got {lags!r}")
    lags = int(min(lags, n - 1))
    mean = float(x.mean())
    variance = _autocovariance(x, 0) + 2 * sum((1 - k / (lags + 1)) * _autocovariance(x, k)
                                               for k in range(1, lags + 1))
    if variance <= 0:  # a constant series: its mean is certain
        return MeanTest(mean, None, 0.0 if mean > 0 else 1.0, lags, n)
    t_stat = mean / math.sqrt(variance / n)
    return MeanTest(mean, t_stat, float(special.ndtr(-t_stat)), lags, n)
