"""The cross-sectional study on synthetic panels with a known answer (issue 15's acceptance tests).

Tiny settings throughout (20 stocks, 700 days, 300 training + 100 trading days, lookback 10, an 8-unit LSTM for 5
epochs, one thread), each study run once per module: a planted reversal must be found by the network and by the
reversal baseline, independent random walks must not look significant, and nothing dated up to a day D may move
when prices after D change.
"""

import io
import json

import numpy as np
import pandas as pd
import pytest

from tickercast.config import ModelConfig
from tickercast.errors import DataError
from tickercast.progress import Reporter
from tickercast.rank import (
    MODELS,
    PeriodOutcome,
    RankSettings,
    panel_returns,
    rank_study,
    run_period,
    study_periods,
)

SETTINGS = RankSettings(train_days=300, trade_days=100, step=100, top=5, cost_bps=1.0)
CONFIG = ModelConfig(lookback=10, hidden=8, layers=1, dropout=0.0, epochs=5, batch_size=64, patience=5, threads=1)
PHI, SIGMA = -0.3, 0.02
CONTRACT = ("accuracy", "auc", "brier", "log_loss", "balanced_accuracy", "mean_return", "mean_return_after_costs",
            "t_stat", "t_stat_after_costs", "p_value_after_costs", "hit_rate", "annualised_return",
            "annualised_return_after_costs", "volatility", "sharpe", "sharpe_after_costs", "sortino_after_costs",
            "max_drawdown_after_costs", "turnover", "vs_reversal_t_stat", "verdict", "subperiods")


def synthetic_panel(phi: float, seed: int, *, days: int = 701, tickers: int = 20) -> pd.DataFrame:
    """A long panel whose simple returns follow r[t+1, s] = phi * r[t, s] + e, e ~ N(0, SIGMA^2), iid stocks."""
    rng = np.random.default_rng(seed)
    returns = np.empty((days - 1, tickers))
    returns[0] = rng.normal(0, SIGMA / np.sqrt(1 - phi**2), tickers)
    for t in range(1, days - 1):
        returns[t] = phi * returns[t - 1] + rng.normal(0, SIGMA, tickers)
    close = 50 * np.vstack([np.ones(tickers), np.cumprod(1 + returns, axis=0)])
    dates = pd.bdate_range("2008-06-02", periods=days)
    panel = pd.concat([pd.DataFrame({"date": dates, "ticker": f"S{s:02d}", "close": close[:, s]})
                       for s in range(tickers)], ignore_index=True)
    panel.attrs.update(kind="panel", name="synthetic", price_column="close", caveat="made up for a test")
    return panel


class RecordingProgress:
    """Stands in for a terminal's progress display: keeps each bar's description and how far it got."""

    def __init__(self) -> None:
        self.bars: dict[int, list] = {}

    def add_task(self, description: str, total: int, info: str) -> int:
        self.bars[len(self.bars)] = [description, 0]
        return len(self.bars) - 1

    def update(self, task_id: int, advance: int, info: str) -> None:
        self.bars[task_id][1] += advance

    def remove_task(self, task_id: int) -> None:
        pass


D = 551  # a price day inside the third trading period; every close after it is changed in the look-ahead test


@pytest.fixture(scope="module")
def progress() -> RecordingProgress:
    return RecordingProgress()


@pytest.fixture(scope="module")
def reversal_panel() -> pd.DataFrame:
    return synthetic_panel(PHI, seed=1)


@pytest.fixture(scope="module")
def reversal(reversal_panel, progress):
    return rank_study(reversal_panel, "lstm", config=CONFIG, settings=SETTINGS, reporter=Reporter(progress))


@pytest.fixture(scope="module")
def walks():
    return rank_study(synthetic_panel(0.0, seed=2), "lstm", config=CONFIG, settings=SETTINGS)


@pytest.fixture(scope="module")
def noised_after_d(reversal_panel):
    """The reversal panel with every close after price day D multiplied by noise, and the study on it."""
    panel = reversal_panel.copy()
    cut = panel["date"].drop_duplicates().sort_values().iloc[D]
    later = panel["date"] > cut
    panel.loc[later, "close"] *= np.exp(np.random.default_rng(9).normal(0, 0.05, int(later.sum())))
    return cut, rank_study(panel, "lstm", config=CONFIG, settings=SETTINGS)


# ---------------------------------------------------------------------------------------------------------------
# (a) A planted reversal is found


@pytest.mark.parametrize("model", ["lstm", "reversal"])
def test_planted_reversal_is_found_with_significant_returns_after_costs(reversal, model):
    result = reversal.summary["models"][model]
    assert result["accuracy"] > 0.55  # theory: 1/2 + arcsin(0.3) / pi = 0.597
    assert result["mean_return_after_costs"] > 0
    assert result["t_stat_after_costs"] > 3
    assert ": significantly above zero" in result["verdict"]


def test_reversal_gross_mean_is_within_three_standard_errors_of_theory(reversal):
    """E[r_t+1 | r_t] = phi r_t, so long the 5 lowest and short the 5 highest of 20 earns
    2 |phi| sigma_r m(5, 20), m = the expected mean of the top 5 of 20 standard normals (Monte Carlo here)."""
    draws = np.sort(np.random.default_rng(0).normal(size=(200_000, 20)), axis=1)
    m = draws[:, -5:].mean()  # about 1.22
    theory = 2 * abs(PHI) * SIGMA / np.sqrt(1 - PHI**2) * m
    result = reversal.summary["models"]["reversal"]
    standard_error = result["mean_return"] / result["t_stat"]
    assert abs(result["mean_return"] - theory) < 3 * standard_error


def test_costs_follow_turnover(reversal):
    daily = reversal.daily
    np.testing.assert_allclose(daily["gross"] - daily["net"], SETTINGS.cost_bps / 1e4 * daily["turnover"])
    np.testing.assert_allclose(daily.groupby("model").head(1)["turnover"], 2.0)  # entering a book of exposure 2
    assert daily["turnover"].max() <= 4.0 + 1e-12  # at most every name swapped, also where periods meet
    held = reversal.positions.groupby(["model", "date"])["weight"]
    assert (held.apply(lambda w: np.isclose(w.sum(), 0.0)).all())
    assert ((held.size() == 2 * SETTINGS.top).all())


# ---------------------------------------------------------------------------------------------------------------
# (b) Random walks are not significant


def test_random_walks_are_not_significant_and_the_verdicts_say_so(walks):
    for name, result in walks.summary["models"].items():
        assert abs(result["t_stat"] or 0.0) < 2, name  # None: no variation (a model that never traded)
        assert "not significantly above zero" in result["verdict"], name
        assert abs(result["accuracy"] - 0.5) < 0.03, name


# ---------------------------------------------------------------------------------------------------------------
# (c) No look-ahead


def test_nothing_dated_up_to_d_moves_when_later_prices_change(reversal, noised_after_d):
    cut, noised = noised_after_d
    next_day = reversal.daily["date"][reversal.daily["date"] > cut].min()  # formed at D's close
    for frame, changed, last in ((reversal.positions, noised.positions, next_day),
                                 (reversal.daily, noised.daily, cut)):
        before, after = frame[frame["date"] <= last], changed[changed["date"] <= last]
        assert len(before) > 0
        pd.testing.assert_frame_equal(before.reset_index(drop=True), after.reset_index(drop=True))
    later = reversal.daily["date"] > cut
    assert not np.allclose(reversal.daily.loc[later, "gross"], noised.daily.loc[later, "gross"])  # it can fail


def losses(outcome: PeriodOutcome) -> list | None:
    """The history without its timings."""
    if outcome.history is None:
        return None
    return [(e["train_loss"], e["val_loss"]) for e in outcome.history["epochs"]] + [outcome.history["best_epoch"]]


def test_standardisation_and_early_stopping_see_training_days_only(reversal_panel):
    returns, _, _ = panel_returns(reversal_panel)
    period = study_periods(len(returns), SETTINGS, CONFIG.lookback)[1]
    changed = returns.copy()
    changed[period.trade_start:] *= np.random.default_rng(5).normal(3.0, 1.0, changed[period.trade_start:].shape)
    for model in ("lstm", "logistic"):
        original = run_period(returns, period, model, CONFIG, SETTINGS)
        moved = run_period(changed, period, model, CONFIG, SETTINGS)
        assert losses(original) == losses(moved)  # training and validation losses, epoch by epoch
        np.testing.assert_array_equal(original.scores[0], moved.scores[0])  # formed before any changed day
        assert not np.allclose(original.scores[1:], moved.scores[1:], equal_nan=True)


def test_every_model_ranks_the_same_eligible_tickers(reversal_panel):
    returns, _, _ = panel_returns(reversal_panel)
    holes = np.random.default_rng(6).random(returns.shape) < 0.05  # 5% of returns missing, some windows too gappy
    returns[holes] = np.nan
    period = study_periods(len(returns), SETTINGS, CONFIG.lookback)[0]
    settings = RankSettings(train_days=300, trade_days=100, step=100, top=5, max_missing=1)
    scored = {model: np.isfinite(run_period(returns, period, model, CONFIG, settings).scores)
              for model in ("logistic", "reversal", "random")}
    assert 0 < scored["logistic"].mean() < 0.95
    np.testing.assert_array_equal(scored["logistic"], scored["reversal"])
    np.testing.assert_array_equal(scored["logistic"], scored["random"])


# ---------------------------------------------------------------------------------------------------------------
# The contract, progress, saved outcomes, bad input


def test_the_summary_holds_the_contract_for_every_model(reversal):
    summary = reversal.summary
    json.dumps(summary, allow_nan=False)  # strict JSON
    assert list(summary["models"]) == ["lstm", "logistic", "reversal", "random"]
    for name, result in summary["models"].items():
        assert set(CONTRACT) <= set(result), name
        assert set(result["subperiods"]) == {"before 2010", "from 2010", "2009", "2010", "2011"}
    assert summary["models"]["reversal"]["vs_reversal_t_stat"] is None
    assert len(summary["periods"]) == 4
    first = summary["periods"][0]
    assert (first["train_start"], first["trade_start"], first["tickers"]) == ("2008-06-03", "2009-07-28", 20)
    assert set(first["models"]["lstm"]) == {"mean_return", "mean_return_after_costs", "t_stat_after_costs",
                                            "accuracy", "epochs", "best_epoch"}
    assert 1 <= first["models"]["lstm"]["epochs"] <= CONFIG.epochs
    assert first["models"]["random"]["epochs"] is None
    assert summary["data"]["caveat"] == "made up for a test"
    assert summary["data"]["days"] == 701
    assert summary["settings"]["top"] == 5
    assert summary["settings"]["lookback"] == 10


def test_progress_shows_one_bar_per_period_and_network(progress, reversal):
    descriptions = [description for description, _ in progress.bars.values()]
    assert descriptions == [f"period {i}/4 lstm" for i in range(1, 5)]
    assert all(1 <= steps <= CONFIG.epochs for _, steps in progress.bars.values())


def test_a_period_outcome_round_trips_through_npz_and_json(reversal_panel):
    returns, _, _ = panel_returns(reversal_panel)
    period = study_periods(len(returns), SETTINGS, CONFIG.lookback)[0]
    outcome = run_period(returns, period, "reversal", CONFIG, SETTINGS)
    buffer = io.BytesIO()
    np.savez(buffer, **outcome.to_arrays())
    buffer.seek(0)
    meta = json.loads(json.dumps(outcome.meta(), allow_nan=False))
    with np.load(buffer, allow_pickle=False) as arrays:
        restored = PeriodOutcome.from_saved(dict(arrays), meta)
    assert restored.period == period
    assert restored.model == "reversal"
    np.testing.assert_array_equal(restored.scores, outcome.scores)
    with pytest.raises(DataError, match="do not fit"):
        PeriodOutcome.from_saved({"scores": outcome.scores[:-1]}, meta)
    with pytest.raises(DataError, match="damaged"):
        PeriodOutcome.from_saved({"scores": outcome.scores}, {"model": "lstm"})
    assert set(MODELS) == {"lstm", "gru", "rnn", "logistic", "reversal", "random"}


@pytest.mark.parametrize(("tickers", "days", "top", "match"), [
    (1, 701, None, "one ticker"),
    (9, 701, 5, "9 tickers, fewer than 2 x top = 10"),
    (20, 350, 5, "one study period needs 400"),
])
def test_a_panel_the_study_cannot_use_is_one_line(tickers, days, top, match):
    panel = synthetic_panel(0.0, seed=3, days=days, tickers=tickers)
    settings = RankSettings(train_days=300, trade_days=100, step=100, top=top)
    with pytest.raises(DataError, match=match) as error:
        rank_study(panel, "lstm", config=CONFIG, settings=settings)
    assert "\n" not in str(error.value)
    assert len(str(error.value)) < 300


def test_a_table_without_a_ticker_column_is_refused():
    frame = synthetic_panel(0.0, seed=3, tickers=2).drop(columns="ticker")
    with pytest.raises(DataError, match="ticker column"):
        rank_study(frame, "lstm", config=CONFIG, settings=SETTINGS)
