import json
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import special
from scipy import stats as scipy_stats

from tickercast.errors import ConfigError, DataError, SeriesTooShortError
from tickercast.evaluate.stats import (
    binomial_direction_test,
    diebold_mariano,
    direction_test,
    lag_diagnostic,
    seed_spread_verdict,
)

# --------------------------------------------------------------------------------------------------------------
# Diebold–Mariano: an independent, loop-based reference written from the published formulas


def t_cdf(x: float, df: int) -> float:
    """Student-t CDF from the regularized incomplete beta: T(x) = 1 - I_{df/(df+x^2)}(df/2, 1/2) / 2 for x >= 0."""
    tail = 0.5 * special.betainc(df / 2, 0.5, df / (df + x * x))
    return 1 - tail if x >= 0 else tail


def reference_dm(e1, e2, h, power):
    """Diebold & Mariano (1995) with the Harvey, Leybourne & Newbold (1997) correction, one step at a time."""
    n = len(e1)
    d = [abs(e1[t]) ** power - abs(e2[t]) ** power for t in range(n)]
    d_bar = 0.0
    for value in d:
        d_bar += value
    d_bar /= n
    gammas = []
    for k in range(h):
        total = 0.0
        for t in range(k, n):
            total += (d[t] - d_bar) * (d[t - k] - d_bar)
        gammas.append(total / n)
    variance = gammas[0]
    for k in range(1, h):
        variance += 2 * gammas[k]
    dm = d_bar / math.sqrt(variance / n)
    dm_star = dm * math.sqrt((n + 1 - 2 * h + h * (h - 1) / n) / n)
    return dm, dm_star, 2 * (1 - t_cdf(abs(dm_star), n - 1)), t_cdf(dm_star, n - 1)


def ma_errors(n, h, seed, scale=1.0):
    """MA(h-1) errors, like those of overlapping h-step forecasts: autocorrelated up to lag h-1."""
    noise = np.random.default_rng(seed).normal(0, scale, n + h - 1)
    return np.convolve(noise, np.ones(h), mode="valid")


@pytest.mark.parametrize("loss", ["squared", "absolute"])
@pytest.mark.parametrize(("n", "h", "seed"), [(30, 1, 0), (250, 1, 1), (60, 2, 2), (120, 3, 3), (500, 5, 4)])
def test_dm_matches_loop_reference_to_1e_6(loss, n, h, seed):
    e_model = ma_errors(n, h, seed, scale=0.9)
    e_bench = ma_errors(n, h, seed + 100)
    result = diebold_mariano(e_model, e_bench, horizon=h, loss=loss)
    dm, dm_star, p, p_better = reference_dm(e_model, e_bench, h, power=2 if loss == "squared" else 1)
    assert result.horizon_used == h  # the reference has no fallback: these cases must not need it
    assert result.statistic_uncorrected == pytest.approx(dm, abs=1e-6)
    assert result.statistic == pytest.approx(dm_star, abs=1e-6)
    assert result.p_value == pytest.approx(p, abs=1e-6)
    assert result.p_value_model_better == pytest.approx(p_better, abs=1e-6)


def test_dm_hand_computed_three_days():
    # d = |e1| - 0 = 1, 3, 2: mean 2, gamma_0 = 2/3, DM = 2 / sqrt(2/9) = 3 sqrt(2), HLN factor sqrt(2/3)
    # DM* = 2 sqrt(3); with 2 degrees of freedom T(x) = 1/2 + x / (2 sqrt(2 + x^2)), so p = 1 - sqrt(6/7)
    result = diebold_mariano(np.array([1.0, -3.0, 2.0]), np.zeros(3), loss="absolute")
    assert result.statistic_uncorrected == pytest.approx(3 * math.sqrt(2), abs=1e-12)
    assert result.statistic == pytest.approx(2 * math.sqrt(3), abs=1e-12)
    assert result.p_value == pytest.approx(1 - math.sqrt(6 / 7), abs=1e-12)
    assert result.p_value_model_better == pytest.approx(0.5 + 0.5 * math.sqrt(6 / 7), abs=1e-12)
    assert result.mean_loss_differential == pytest.approx(2.0)


def test_dm_hand_computed_two_step_horizon():
    # d = 1, 2, 3, 0: mean 3/2, gamma_0 = 5/4, gamma_1 = -7/16, V = 3/8, DM = sqrt(24), HLN factor sqrt(3/8)
    # DM* = 3; with 3 degrees of freedom T(3) = 5/6 + sqrt(3) / (4 pi), so p = 1/3 - sqrt(3) / (2 pi)
    result = diebold_mariano(np.array([1.0, 2.0, 3.0, 0.0]), np.zeros(4), horizon=2, loss="absolute")
    assert result.statistic_uncorrected == pytest.approx(math.sqrt(24), abs=1e-12)
    assert result.statistic == pytest.approx(3.0, abs=1e-12)
    assert result.p_value == pytest.approx(1 / 3 - math.sqrt(3) / (2 * math.pi), abs=1e-12)
    assert (result.horizon, result.horizon_used, result.note) == (2, 2, None)


def test_dm_falls_back_to_horizon_one_when_long_run_variance_is_not_positive():
    # d = 1, -1, 2, 0: gamma_0 = 5/4, gamma_1 = -15/16, V = 5/4 - 15/8 < 0 -> redo with h = 1:
    # DM = (1/2) / sqrt(5/16) = 2 / sqrt(5), factor sqrt(3/4), DM* = sqrt(3/5)
    result = diebold_mariano(np.sqrt([1.0, 0.0, 2.0, 0.0]), np.sqrt([0.0, 1.0, 0.0, 0.0]), horizon=2)
    assert (result.horizon, result.horizon_used) == (2, 1)
    assert "not positive" in result.note
    assert result.statistic == pytest.approx(math.sqrt(3 / 5), abs=1e-12)
    assert result.p_value == pytest.approx(2 * scipy_stats.t.sf(math.sqrt(3 / 5), 3), abs=1e-12)


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(3, 200))
def test_dm_at_horizon_one_is_the_one_sample_t_test_of_the_loss_differential(seed, n):
    rng = np.random.default_rng(seed)
    e_model, e_bench = rng.normal(0, 1, n), rng.normal(0, 1.2, n)
    result = diebold_mariano(e_model, e_bench)
    t_test = scipy_stats.ttest_1samp(e_model**2 - e_bench**2, 0.0)
    assert result.statistic == pytest.approx(t_test.statistic, rel=1e-9, abs=1e-9)
    assert result.p_value == pytest.approx(t_test.pvalue, rel=1e-9, abs=1e-12)


def test_dm_uncorrected_statistic_at_horizon_one_is_mean_over_its_standard_error():
    rng = np.random.default_rng(7)
    e_model, e_bench = rng.normal(0, 1, 80), rng.normal(0, 1, 80)
    d = e_model**2 - e_bench**2
    direct = d.mean() / (d.std(ddof=0) / math.sqrt(len(d)))
    assert diebold_mariano(e_model, e_bench).statistic_uncorrected == pytest.approx(direct, rel=1e-12)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), h=st.integers(1, 4), loss=st.sampled_from(["squared", "absolute"]))
def test_swapping_model_and_benchmark_mirrors_the_test(seed, h, loss):
    rng = np.random.default_rng(seed)
    e1, e2 = rng.normal(0, 1, 50), rng.normal(0, 1, 50)
    forward, backward = diebold_mariano(e1, e2, h, loss), diebold_mariano(e2, e1, h, loss)
    assert backward.statistic == pytest.approx(-forward.statistic, abs=1e-12)
    assert backward.p_value == pytest.approx(forward.p_value, abs=1e-12)
    assert backward.p_value_model_better == pytest.approx(1 - forward.p_value_model_better, abs=1e-12)


def test_a_clearly_better_model_is_significant_and_negative():
    rng = np.random.default_rng(3)
    noise = rng.normal(0, 1, 300)
    result = diebold_mariano(0.5 * noise + rng.normal(0, 0.1, 300), noise)
    assert result.statistic < 0
    assert result.p_value_model_better < 1e-6
    assert result.p_value < 1e-6


def test_identical_losses_give_no_evidence_and_no_nan():
    errors = np.array([0.5, -1.0, 2.0, 0.1])
    result = diebold_mariano(errors, -errors)  # same squared losses
    assert (result.statistic, result.p_value, result.p_value_model_better) == (0.0, 1.0, 0.5)
    assert "identical" in result.note
    json.dumps(result.to_dict(), allow_nan=False)


def test_constant_nonzero_differential_reports_infinite_statistic_as_none():
    result = diebold_mariano(np.full(5, 2.0), np.full(5, 1.0))
    assert result.statistic is None
    assert (result.p_value, result.p_value_model_better) == (0.0, 0.0)  # the model is always worse
    assert "constant" in result.note
    assert json.loads(json.dumps(result.to_dict(), allow_nan=False))["statistic"] is None


def test_dm_to_dict_is_plain_json():
    result = diebold_mariano(ma_errors(40, 2, 0), ma_errors(40, 2, 1), horizon=2)
    data = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert set(data) == {"statistic", "statistic_uncorrected", "p_value", "p_value_model_better",
                         "mean_loss_differential", "loss", "horizon", "horizon_used", "n", "note"}
    assert all(type(data[key]) is float for key in ("statistic", "p_value", "p_value_model_better"))


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"horizon": 0}, ConfigError, "horizon"),
    ({"horizon": 1.5}, ConfigError, "horizon"),
    ({"loss": "huber"}, ConfigError, "loss"),
    ({"horizon": 5}, SeriesTooShortError, "longer test period"),
])
def test_dm_rejects_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        diebold_mariano(np.arange(5.0), np.ones(5), **kwargs)


def test_dm_rejects_nan_and_mismatched_lengths():
    with pytest.raises(DataError, match="NaN"):
        diebold_mariano(np.array([1.0, np.nan, 2.0]), np.ones(3))
    with pytest.raises(ValueError, match="same days"):
        diebold_mariano(np.ones(4), np.ones(3))


# --------------------------------------------------------------------------------------------------------------
# Binomial direction test


@pytest.mark.parametrize(("hits", "n", "p"), [
    (8, 10, Fraction(45 + 10 + 1, 1024)),
    (5, 5, Fraction(1, 32)),
    (3, 6, Fraction(20 + 15 + 6 + 1, 64)),
    (0, 3, Fraction(1)),
    (0, 0, Fraction(1)),
])
def test_binomial_p_value_is_the_hand_computed_upper_tail(hits, n, p):
    assert binomial_direction_test(hits, n).p_value == pytest.approx(float(p), abs=1e-12)


@settings(max_examples=50)
@given(n=st.integers(1, 60), data=st.data())
def test_binomial_p_value_equals_the_exact_tail_sum(n, data):
    hits = data.draw(st.integers(0, n))
    tail = Fraction(sum(math.comb(n, k) for k in range(hits, n + 1)), 2**n)
    assert binomial_direction_test(hits, n).p_value == pytest.approx(float(tail), rel=1e-9, abs=1e-15)


def test_direction_test_drops_ties():
    # same days as test_metrics: moves predicted +1, +1, +1, -1; actual +2, -3, 0, +5 -> hit, miss, tie, miss
    actual, previous = np.array([102.0, 99.0, 99.0, 104.0]), np.array([100.0, 102.0, 99.0, 99.0])
    result = direction_test(actual, np.array([101.0, 103.0, 100.0, 98.0]), previous)
    assert (result.hits, result.decided, result.ties) == (1, 3, 1)
    assert result.accuracy == pytest.approx(1 / 3)
    assert result.p_value == pytest.approx(7 / 8)  # P(X >= 1), X ~ Binomial(3, 1/2)


def test_naive_forecast_decides_nothing_and_shows_no_skill():
    previous = np.array([100.0, 101.0, 99.0])
    result = direction_test(np.array([101.0, 99.0, 103.0]), previous, previous)
    assert (result.hits, result.decided, result.ties, result.accuracy, result.p_value) == (0, 0, 3, None, 1.0)
    json.dumps(result.to_dict(), allow_nan=False)


def test_binomial_rejects_impossible_counts():
    with pytest.raises(ValueError, match="exceed"):
        binomial_direction_test(4, 3)
    with pytest.raises(ValueError, match="whole number"):
        binomial_direction_test(-1, 3)


# --------------------------------------------------------------------------------------------------------------
# Lag diagnostic


def random_walk(n=300, seed=0):
    return 100 + np.cumsum(np.random.default_rng(seed).normal(0, 1, n))


def test_naive_forecast_is_flagged_as_lagged():
    prices = random_walk()
    naive = np.concatenate([[100.0], prices[:-1]])  # tomorrow = today
    result = lag_diagnostic(prices, naive)
    assert result.looks_lagged
    assert result.best_shift == 1
    assert result.correlation_previous_day == pytest.approx(1.0)
    assert abs(result.correlation_same_day) < result.noise_level


def test_oracle_forecast_is_not_flagged():
    prices = random_walk()
    result = lag_diagnostic(prices, prices.copy())
    assert not result.looks_lagged
    assert result.best_shift == 0
    assert result.correlation_same_day == pytest.approx(1.0)


def test_a_good_noisy_forecast_is_not_flagged():
    prices = random_walk(seed=1)
    forecast = prices + np.random.default_rng(2).normal(0, 0.3, len(prices))
    result = lag_diagnostic(prices, forecast)
    assert not result.looks_lagged
    assert result.best_shift == 0


def test_forecast_shifted_two_days_reports_shift_two():
    prices = random_walk(seed=3)
    result = lag_diagnostic(prices[2:], prices[:-2])  # predicted_t = actual_{t-2}
    assert result.best_shift == 2
    assert result.correlations[2] == pytest.approx(1.0)
    assert result.looks_lagged


def test_a_moving_average_of_past_prices_is_flagged():
    prices = random_walk(seed=4)
    moving_average = np.convolve(prices, np.ones(3) / 3, mode="valid")  # mean of days t-2..t
    result = lag_diagnostic(prices[3:], moving_average[:-1])  # forecast of day t: mean of t-3..t-1
    assert result.looks_lagged
    assert result.best_shift in (1, 2, 3)
    assert result.correlation_previous_day > result.correlation_same_day


def test_an_unrelated_forecast_is_useless_but_not_called_lagged():
    result = lag_diagnostic(random_walk(seed=5), random_walk(seed=6))
    assert not result.looks_lagged
    assert all(abs(c) < result.noise_level for c in result.correlations)


def test_constant_forecast_has_no_defined_correlation():
    result = lag_diagnostic(random_walk(50), np.full(50, 100.0))
    assert result.correlations == [None] * 6
    assert (result.best_shift, result.looks_lagged) == (None, False)
    json.dumps(result.to_dict(), allow_nan=False)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), shift=st.integers(0, 5))
def test_copying_the_price_of_k_days_ago_is_found_at_shift_k(seed, shift):
    prices = random_walk(120, seed)
    result = lag_diagnostic(prices[shift:], prices[: len(prices) - shift])
    assert result.best_shift == shift
    assert result.looks_lagged == (shift >= 1)


@settings(max_examples=25, deadline=None)
@given(scale=st.floats(0.01, 100), offset=st.floats(-1000, 1000))
def test_lag_diagnostic_ignores_the_scale_and_offset_of_the_forecast(scale, offset):
    prices = random_walk(80, 9)
    forecast = prices + np.random.default_rng(1).normal(0, 1, 80)
    base, moved = lag_diagnostic(prices, forecast), lag_diagnostic(prices, scale * forecast + offset)
    assert moved.correlations == pytest.approx(base.correlations, abs=1e-9)


def test_lag_diagnostic_needs_enough_days():
    with pytest.raises(SeriesTooShortError, match="at least 9 days"):
        lag_diagnostic(np.arange(8.0), np.arange(8.0))
    with pytest.raises(ConfigError, match="max_shift"):
        lag_diagnostic(np.arange(20.0), np.arange(20.0), max_shift=0)


# --------------------------------------------------------------------------------------------------------------
# Seed spread verdict


def test_lower_loss_wins_when_the_gap_exceeds_the_spread():
    assert seed_spread_verdict([1.0, 1.1, 0.9], [1.5, 1.6, 1.4]) == "A"  # gap 0.5 > 0.1 + 0.1
    assert seed_spread_verdict([1.5, 1.6, 1.4], [1.0, 1.1, 0.9]) == "B"


def test_overlapping_bands_are_a_tie():
    assert seed_spread_verdict([1.0, 1.1, 0.9], [1.15, 1.25, 1.05]) == "tie"  # gap 0.15 < 0.2


def test_gap_just_outside_and_inside_the_spread():
    a = [1.0, 1.2]  # mean 1.1, sd 0.1 * sqrt(2); b below is constant, sd 0: the spread is sd_a alone
    sd_a = 0.1 * math.sqrt(2)
    assert seed_spread_verdict(a, [1.1 + sd_a + 1e-6] * 2) == "A"
    assert seed_spread_verdict(a, [1.1 + sd_a - 1e-6] * 2) == "tie"
    assert seed_spread_verdict(a, [1.1 + sd_a + 1e-6, 1.1 + sd_a + 0.2]) == "tie"  # b's own spread closes the gap


def test_higher_is_better_flips_the_winner():
    assert seed_spread_verdict([0.55, 0.56, 0.54], [0.50, 0.51, 0.49], higher_is_better=True) == "A"
    assert seed_spread_verdict([0.55, 0.56, 0.54], [0.50, 0.51, 0.49]) == "B"


def test_one_seed_cannot_call_a_winner():
    assert seed_spread_verdict([1.0], [2.0, 2.1]) == "tie"


seed_values = arrays(np.float64, st.integers(2, 6), elements=st.floats(0, 10))


@settings(max_examples=50)
@given(a=seed_values, b=seed_values, higher=st.booleans())
def test_verdict_is_symmetric_in_its_arguments(a, b, higher):
    swap = {"A": "B", "B": "A", "tie": "tie"}
    assert seed_spread_verdict(b, a, higher_is_better=higher) == swap[seed_spread_verdict(a, b,
                                                                                          higher_is_better=higher)]


# ---------------------------------------------------------------------------------------------------------------
# Newey–West mean test


def test_newey_west_equals_statsmodels_hac_t():
    import statsmodels.api as sm

    from tickercast.evaluate.stats import newey_west_test

    rng = np.random.default_rng(1)
    x = rng.normal(0.001, 0.01, 400)
    x[1:] += 0.4 * x[:-1]  # autocorrelated, as a daily-rebuilt portfolio's returns are
    for lags in (0, 3, 7):
        fit = sm.OLS(x, np.ones(len(x))).fit(cov_type="HAC", cov_kwds={"maxlags": lags, "use_correction": False})
        assert newey_west_test(x, lags=lags).t_stat == pytest.approx(fit.tvalues[0], rel=1e-10)


def test_newey_west_default_lags_and_one_sided_p():
    from tickercast.evaluate.stats import newey_west_lags, newey_west_test

    assert newey_west_lags(250) == 4
    assert newey_west_lags(100) == 4
    assert newey_west_lags(2000) == 7
    up = newey_west_test(np.array([0.01, 0.02, 0.015, 0.03, 0.0]))
    down = newey_west_test(-np.array([0.01, 0.02, 0.015, 0.03, 0.0]))
    assert up.p_value < 0.5 < down.p_value
    assert up.p_value + down.p_value == pytest.approx(1.0)


def test_newey_west_constant_series_and_too_short():
    from tickercast.evaluate.stats import newey_west_test

    assert newey_west_test(np.full(5, 0.01)).t_stat is None
    with pytest.raises(SeriesTooShortError):
        newey_west_test(np.array([1.0]))
