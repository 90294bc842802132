"""The cross-sectional study of Fischer & Krauss (2018): rank a panel's stocks daily, trade the extremes, judge it.

The strongest published evidence that an LSTM can do anything with daily prices is this study: one network per
study period, trained across all stocks on windows of standardised returns, predicts which stocks beat the next
day's cross-sectional median; every day the k most likely are bought and the k least likely sold short. This
module runs it as pure functions over a `[days, tickers]` matrix of simple returns:

    returns, dates, tickers = panel_returns(panel)           # the union calendar, NaN where a ticker has no return
    periods = study_periods(len(returns), settings, lookback) # 750 training + 250 trading days, rolled by 250
    outcome = run_period(returns, periods[0], "lstm", config, settings)   # one unit of work: scores [days, N]
    result = summarise(returns, dates, tickers, {"lstm": [...], "reversal": [...], ...}, settings, config, data)

`rank_study` chains them sequentially (the reference path); `sweep.rank_run` runs the same units on the sweep's
engines. docs/rank.md gives the method, each default's source and what differs from the paper.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

import numpy as np
import pandas as pd
import torch

from tickercast.config import CELLS, ModelConfig
from tickercast.data.panel import is_panel, validate_panel
from tickercast.data.panel import wide as prices_wide
from tickercast.errors import ConfigError, DataError, option, shown
from tickercast.evaluate.classification import average_ranks, classification_metrics, reliability_table
from tickercast.evaluate.portfolio import long_short_weights, performance, portfolio_returns
from tickercast.evaluate.stats import newey_west_test
from tickercast.evaluate.vocabulary import SIGNIFICANCE
from tickercast.jsonio import json_safe
from tickercast.models.logistic import fit_logistic, predict_logistic, sigmoid
from tickercast.networks.modules import RecurrentForecaster, resolve_device
from tickercast.networks.training import fit_networks, predict_network, seed_everything, torch_threads, training_threads
from tickercast.prepare.panel import (
    PanelWindows,
    PeriodSamples,
    eligible_windows,
    median_labels,
    period_samples,
    simple_returns,
)
from tickercast.progress import SILENT, Reporter

#: The paper's network and our training budget (ModelConfig overrides; the CLI uses them as rank's defaults).
RANK_DEFAULTS = {"lookback": 240, "hidden": 25, "layers": 1, "dropout": 0.1, "batch_size": 64, "epochs": 30,
                 "patience": 5}
#: Models trained per study period; `logistic` reads the same standardised windows as the networks.
RANKED_MODELS = (*CELLS, "logistic")
#: Rankings that need no training: yesterday's losers first (`reversal`), and a seeded shuffle (`random`).
BASELINES = ("reversal", "random")
MODELS = RANKED_MODELS + BASELINES
#: Reported in every study, whatever network was asked for: the yardsticks a network must beat.
ALWAYS = ("logistic", "reversal", "random")
_LOGISTIC_CHUNK = 65_536  # windows per matrix when scoring with logistic regression: bounds memory


def _whole(name: str, value: Any, least: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < least:
        raise ConfigError(f"{name} must be a whole number >= {least}, not {shown(value)}")


@dataclass(frozen=True)
class RankSettings:
    """The study's own numbers (ModelConfig holds the network's). Defaults: Fischer & Krauss (2018).

    train_days, trade_days, step   days of a study period's training and trading parts, and how far each period
                                   starts after the previous one; a newer period's model takes over the days it
                                   covers, so `step` may not exceed `trade_days` (no day left untraded).
    val_fraction   the last part of the training days (by date) used for early stopping.
    top            k stocks long and k short every day; None -> `default_top(tickers)`.
    cost_bps       cost per half-turn, charged on actual turnover.
    split_year     the sub-periods "before" and "from" this year (the paper's returns vanish from 2010).
    max_missing    missing returns a window may hold and still be used (they enter as the training mean).
    """

    train_days: int = 750
    trade_days: int = 250
    step: int = 250
    val_fraction: float = 0.2
    top: int | None = None
    cost_bps: float = 5.0
    split_year: int = 2010
    max_missing: int = 5

    def __post_init__(self) -> None:
        for name in ("train_days", "trade_days", "step"):
            _whole(name, getattr(self, name), 1)
        _whole("max_missing", self.max_missing, 0)
        _whole("split_year", self.split_year, 1)
        if self.top is not None:
            _whole("top", self.top, 1)
        for name, ok, rule in (("val_fraction", lambda v: 0 < v < 1, "between 0 and 1"),
                               ("cost_bps", lambda v: v >= 0, "0 or more")):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) \
                    or not ok(value):
                raise ConfigError(f"{name} must be a number {rule}, not {shown(value)}")
        if self.step > self.trade_days:
            raise ConfigError(f"step ({self.step}) is longer than trade_days ({self.trade_days}): the days between "
                              f"trading periods would not be traded; use a step of at most {self.trade_days}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, settings: dict[str, Any]) -> RankSettings:
        """Rebuild from `to_dict()` (e.g. a run folder's), naming any unknown key instead of a TypeError."""
        unknown = sorted(set(settings) - {f.name for f in fields(cls)})
        if unknown:
            raise ConfigError(f"unknown rank setting(s) {', '.join(shown(name) for name in unknown[:3])}")
        return cls(**settings)


def default_top(tickers: int) -> int:
    """k for a panel of `tickers` stocks: the paper's 10 of 500 scaled down, one sixth, 1 to 10 (30 -> 5).

    >>> default_top(30), default_top(500), default_top(5)
    (5, 10, 1)
    """
    return max(1, min(10, tickers // 6))


@dataclass(frozen=True)
class Period:
    """One study period as row positions of the returns matrix: training days `train_start .. train_end - 1`,
    then trading days `trade_start .. trade_end - 1` (trade_start == train_end)."""

    index: int
    train_start: int
    train_end: int
    trade_start: int
    trade_end: int

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


def study_periods(days: int, settings: RankSettings, lookback: int) -> list[Period]:
    """The study periods of `days` return days: one starts every `step` days while a trading day is left.

    A period trades until the next one's model takes over or the data end, so a shorter last trading period
    covers the tail (3,019 returns with the defaults: 9 full periods and one of 19 days).
    """
    if lookback >= settings.train_days - 1:
        raise ConfigError(f"lookback ({lookback}) must be shorter than train_days ({settings.train_days}) - 1, so "
                          f"that training windows fit inside a study period")
    needed = settings.train_days + settings.trade_days
    if days < needed:
        raise DataError(f"the panel has {days:,} days of returns; one study period needs {needed:,} "
                        f"({settings.train_days} training + {settings.trade_days} trading): use a longer panel or "
                        f"smaller {option('train_days')}/{option('trade_days')}")
    starts = list(range(0, days - settings.train_days, settings.step))
    periods = []
    for index, start in enumerate(starts):
        trade_start = start + settings.train_days
        trade_end = min(trade_start + settings.trade_days, days)
        if index + 1 < len(starts):
            trade_end = min(trade_end, starts[index + 1] + settings.train_days)
        periods.append(Period(index, start, trade_start, trade_start, trade_end))
    return periods


def panel_returns(panel: pd.DataFrame) -> tuple[np.ndarray, pd.DatetimeIndex, list[str]]:
    """`(returns [T, N], dates [T], tickers [N])` of a long panel frame (columns date, ticker and prices).

    A long frame that did not come from `load_panel` is validated first, as a file would be. Prices are
    `attrs["price_column"]`, laid out on the union calendar of all tickers; row t
    is the return of day `dates[t]` from the previous panel day (the first panel day has none and is dropped).
    Tickers are sorted, which fixes the tie-breaking order of the rankings.
    """
    if not isinstance(panel, pd.DataFrame):
        raise DataError("rank needs a panel: a long table with date and ticker columns (e.g. tickercast.load("
                        "'djia30'), or a CSV with a Name/ticker/symbol column)")
    if not is_panel(panel):  # a long frame built by hand goes through the same gate as a file
        panel = validate_panel(panel, origin="a DataFrame", source="dataframe")
    wide = prices_wide(panel)
    if len(wide) < 2:
        raise DataError("the panel covers fewer than 2 dates; returns need at least two")
    returns = simple_returns(wide.to_numpy(dtype=np.float64))
    return returns, pd.DatetimeIndex(wide.index[1:]), [str(ticker) for ticker in wide.columns]


def describe_panel(panel: pd.DataFrame) -> dict[str, Any]:
    """The `data` part of the summary: name, tickers, price days, first and last date, dropped tickers, caveat."""
    dates = pd.DatetimeIndex(panel["date"].unique()).sort_values()
    quality = panel.attrs.get("panel_quality") or {}
    return {"name": panel.attrs.get("name"), "tickers": int(panel["ticker"].nunique()), "days": len(dates),
            "first": dates[0].date().isoformat(), "last": dates[-1].date().isoformat(),
            "dropped": dict(quality.get("dropped") or {}), "caveat": panel.attrs.get("caveat")}


def check_panel(returns: np.ndarray, tickers: Sequence[str], settings: RankSettings, lookback: int) -> list[Period]:
    """Refuse, in one line each, a panel the study cannot use: one ticker, fewer than 2k, too short; else its
    study periods."""
    count = len(tickers)
    k = settings.top or default_top(count)
    if count == 1:
        raise DataError(f"the panel has one ticker ({shown(tickers[0])}); rank compares stocks with each other and "
                        f"needs at least {max(2, 2 * k)}; give a panel of several tickers")
    if count < 2 * k:
        raise DataError(f"the panel has {count} tickers, fewer than 2 x top = {2 * k}: the long and short legs of "
                        f"{k} stocks each would overlap; use more tickers or {option('top', max(1, count // 2))}")
    return study_periods(len(returns), settings, lookback)


def study_models(models: str | Sequence[str]) -> tuple[str, ...]:
    """The models of a study: those asked for (a name, a comma list or a sequence), then `ALWAYS`, each once."""
    asked = [name.strip() for name in models.split(",")] if isinstance(models, str) else list(models)
    unknown = [name for name in asked if name not in MODELS]
    if unknown or not asked:
        raise ConfigError(f"unknown rank model {shown(unknown[0]) if unknown else '(none)'}; choose from "
                          f"{', '.join(MODELS)}")
    return tuple(dict.fromkeys([*asked, *ALWAYS]))


@dataclass
class PeriodOutcome:
    """One unit of work's result: a model's scores for a period's trading days, P(beats the median).

    `scores[i, s]` is for ticker s on trading day `period.trade_start + i`, from the window ending the day
    before; NaN where the ticker was not eligible. `history` is the network's training history (None for
    models without epochs). Saved as arrays plus JSON (`to_arrays`, `meta`), never pickled.
    """

    period: Period
    model: str
    scores: np.ndarray
    history: dict | None
    seconds: float

    def to_arrays(self) -> dict[str, np.ndarray]:
        return {"scores": np.asarray(self.scores, dtype=np.float64)}

    def meta(self) -> dict[str, Any]:
        return json_safe({"period": self.period.to_dict(), "model": self.model, "history": self.history,
                          "seconds": self.seconds})

    @classmethod
    def from_saved(cls, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> PeriodOutcome:
        """Rebuild from `to_arrays()` and `meta()`; a damaged pair is a DataError, not a wrong number."""
        try:
            period = Period(**{name: int(meta["period"][name]) for name in
                               ("index", "train_start", "train_end", "trade_start", "trade_end")})
            scores = np.asarray(arrays["scores"], dtype=np.float64)
            model, seconds = str(meta["model"]), float(meta["seconds"])
        except (KeyError, TypeError, ValueError) as error:
            raise DataError(f"a saved study period is damaged ({shown(str(error))}); delete it and rerun") from None
        days = period.trade_end - period.trade_start
        if model not in MODELS or scores.ndim != 2 or len(scores) != days:
            raise DataError(f"the saved scores of {shown(model)} in period {period.index} do not fit the period "
                            f"({scores.shape}, {days} trading days); delete them and rerun")
        return cls(period, model, scores, meta.get("history"), seconds)


def run_period(returns: np.ndarray, period: Period, model: str, config: ModelConfig, settings: RankSettings,
               reporter: Reporter = SILENT, *, description: str | None = None) -> PeriodOutcome:
    """Train `model` on the period's training days only and score its trading days (one unit of work).

    Networks: one `RecurrentForecaster` across all stocks, seeded with `config.seed + period.index`, trained with
    binary cross-entropy and early-stopped on the last `val_fraction` of the training days (by date); with
    `config.ensemble` N > 1, N of them (seeds that seed + 0 .. N - 1) trained together, and the scores are their
    mean probability (`_networks`).
    `logistic`: L2-penalised logistic regression on the same windows, all training days. The baselines need no
    training (`baseline_scores`). Nothing after `period.trade_end` is read.
    """
    started = time.perf_counter()
    if model in BASELINES:
        scores = baseline_scores(returns, period, model, config.seed, lookback=config.lookback,
                                 max_missing=settings.max_missing)
        return PeriodOutcome(period, model, scores, None, time.perf_counter() - started)
    if model not in RANKED_MODELS:
        raise ConfigError(f"unknown rank model {shown(model)}; choose from {', '.join(MODELS)}")
    samples = period_samples(returns[period.train_start:period.trade_end], period.train_end - period.train_start,
                             config.lookback, settings.max_missing, settings.val_fraction)
    if len(samples.train[0]) == 0:
        raise DataError(f"study period {period.index + 1} has no complete training window; the panel is too "
                        f"sparse there (allow more missing days per window, or use tickers with more history)")
    trade = PanelWindows(samples.z, *samples.trade, config.lookback)
    history = None
    if model == "logistic":
        # no epochs to stop early: the fit uses every training day
        every = tuple(np.concatenate(pair) for pair in zip(samples.train, samples.validation, strict=True))
        weights, intercept = fit_logistic(PanelWindows(samples.z, *every, config.lookback).matrix(),
                                          samples.targets(every))
        probabilities = np.concatenate([predict_logistic(trade[first:first + _LOGISTIC_CHUNK].numpy(), weights,
                                                         intercept)
                                        for first in range(0, len(trade), _LOGISTIC_CHUNK)] or [np.empty(0)])
    else:
        probabilities, history = _networks(model, config, period, samples, trade, reporter,
                                           description or f"period {period.index + 1} {model}")
    scores = np.full((period.trade_end - period.trade_start, returns.shape[1]), np.nan)
    days, tickers = samples.trade
    scores[days + 1 - (period.train_end - period.train_start), tickers] = probabilities
    return PeriodOutcome(period, model, scores, history, time.perf_counter() - started)


def _networks(model: str, config: ModelConfig, period: Period, samples: PeriodSamples, trade: PanelWindows,
              reporter: Reporter, description: str) -> tuple[np.ndarray, dict[str, Any]]:
    """The period's `config.ensemble` networks, trained together (`networks.training.fit_networks`; one network
    alone is the plain `fit_network`), and their mean P(beats the median) on the trading windows, with the history.

    Member k is seeded with the period's seed + k, so a one-member study is the study it always was and member
    k is the network a study with `--seed` + k would train in this period (within the noise of training). The
    history is that of the member that trained longest (what the unit's time and epochs show), with every
    member's under `members` when there are several.
    """
    seeds = [(config.seed + period.index + k) % 2**32 for k in range(config.ensemble)]
    configs = [replace(config, seed=seed) for seed in seeds]
    device = resolve_device(config.device)
    nets = []
    for member in configs:
        seed_everything(member.seed)  # each member's initial weights are its own seed's
        nets.append(RecurrentForecaster(model, hidden=config.hidden, layers=config.layers,
                                        dropout=config.dropout).to(device))
    train, validation = (PanelWindows(samples.z, *part, config.lookback)
                         for part in (samples.train, samples.validation))
    histories = fit_networks(nets, train, torch.from_numpy(samples.targets(samples.train)), validation,
                             torch.from_numpy(samples.targets(samples.validation)), configs, reporter=reporter,
                             loss="bce", description=description)
    with torch_threads(training_threads(config, device)):
        probabilities = np.mean([sigmoid(predict_network(net, trade)) for net in nets], axis=0)
    longest = max(histories, key=lambda history: len(history.epochs))
    history = longest.to_dict()
    if len(histories) > 1:
        history["members"] = [member.to_dict() for member in histories]
    return probabilities, history


def baseline_scores(returns: np.ndarray, period: Period, name: str, seed: int, *, lookback: int,
                    max_missing: int = 5) -> np.ndarray:
    """Scores of a ranking that needs no training, on the same days and eligible tickers as the networks.

    `reversal`: -r of the day the book is formed, as a cross-sectional percentile rank / (m + 1) in (0, 1), so
    yesterday's biggest loser ranks first (the paper's short-term reversal; ties share a rank). `random`: uniform
    draws, seeded by `seed` and the period. Both are scores, not calibrated probabilities.
    """
    if name not in BASELINES:
        raise ConfigError(f"unknown baseline {shown(name)}; choose from {', '.join(BASELINES)}")
    block = returns[period.train_start:period.trade_end]
    first = period.train_end - period.train_start - 1  # the day the first trading book is formed
    eligible = eligible_windows(block, lookback, max_missing)[first:len(block) - 1]
    scores = np.full(eligible.shape, np.nan)
    if name == "random":
        draws = np.random.default_rng([seed, period.index]).uniform(size=eligible.shape)
        scores[eligible] = draws[eligible]
        return scores
    formed = block[first:len(block) - 1]
    for row in range(len(scores)):
        chosen = eligible[row]
        scores[row, chosen] = average_ranks(-formed[row, chosen]) / (chosen.sum() + 1)
    return scores


@dataclass
class RankResult:
    """A study's outcome: the JSON summary (the `rank --json` contract), the daily portfolio returns of every
    model (`date, model, gross, net, turnover`) and its positions (`date, model, ticker, score, weight`, the
    non-zero weights only). A row's date is the day the position is held; it was formed at the previous close."""

    summary: dict
    daily: pd.DataFrame
    positions: pd.DataFrame


@dataclass(frozen=True)
class _Book:
    """One model's joined trading days: scores, weights and returns, aligned on `days` (rows of `returns`)."""

    days: np.ndarray
    scores: np.ndarray
    weights: np.ndarray
    gross: np.ndarray
    net: np.ndarray
    turnover: np.ndarray
    labels: np.ndarray

    def part(self, rows: np.ndarray) -> dict[str, Any]:
        """Returns, costs and classification of the days selected by the boolean `rows` (a period, a year, all)."""
        gross, net = performance(self.gross[rows], self.turnover[rows]), performance(self.net[rows])
        scored = np.isfinite(self.scores[rows]) & np.isfinite(self.labels[rows])
        classes = classification_metrics(self.labels[rows][scored], self.scores[rows][scored])
        return {"days": int(np.sum(rows)), "gross": gross, "net": net, "classes": classes, "scored": scored}


def _book(returns: np.ndarray, labels: np.ndarray, runs: list[PeriodOutcome], k: int, cost_bps: float) -> _Book:
    runs = sorted(runs, key=lambda outcome: outcome.period.index)
    days = np.concatenate([np.arange(o.period.trade_start, o.period.trade_end) for o in runs])
    scores = np.vstack([o.scores for o in runs])
    weights = long_short_weights(scores, k)
    gross, net, turnover = portfolio_returns(weights, returns[days], cost_bps)
    return _Book(days, scores, weights, gross, net, turnover, labels[days])


def verdict(name: str, net: dict[str, Any], cost_bps: float, vs_reversal: Any | None, *,
            traded: bool = True) -> str:
    """One line: is the after-cost mean significantly above zero, and above the reversal baseline?

    `vs_reversal` is the `newey_west_test` of the daily difference to reversal's net return (None for reversal
    itself); `traded` False says the model never held a position.

    >>> verdict("lstm", {"mean": 0.00012, "t_stat": 0.61, "p_value": 0.27}, 5, None)
    'lstm: +0.012%/day after 5 bps, t = 0.61 (p = 0.27): not significantly above zero'
    """
    def t_text(t: float | None) -> str:
        return "n/a" if t is None else f"{t:.2f}"

    mean, p = net["mean"] or 0.0, net["p_value"]
    significant = traded and p is not None and p < SIGNIFICANCE
    p_text = "= n/a" if p is None else "< 0.01" if p < 0.01 else f"= {p:.2f}"
    line = (f"{name}: {mean * 100:+.3f}%/day after {cost_bps:g} bps, t = {t_text(net['t_stat'])} (p {p_text})"
            if traded else f"{name}: took no positions (its scores never told the stocks apart)")
    line += f": {'significantly' if significant else 'not significantly'} above zero"
    if vs_reversal is not None:
        above = vs_reversal.p_value < SIGNIFICANCE
        line += f"; {'above' if above else 'not above'} reversal (t = {t_text(vs_reversal.t_stat)})"
    return line


def _subperiods(book: _Book, dates: pd.DatetimeIndex, split_year: int) -> dict[str, dict[str, Any]]:
    years = dates[book.days].year.to_numpy()
    masks = {f"before {split_year}": years < split_year, f"from {split_year}": years >= split_year}
    masks |= {str(year): years == year for year in sorted(set(years.tolist()))}
    table = {}
    for label, rows in masks.items():
        if rows.any():
            part = book.part(rows)
            table[label] = {"days": part["days"], "mean_return": part["gross"]["mean"],
                            "mean_return_after_costs": part["net"]["mean"],
                            "t_stat_after_costs": part["net"]["t_stat"],
                            "p_value_after_costs": part["net"]["p_value"],
                            "sharpe_after_costs": part["net"]["sharpe"], "accuracy": part["classes"]["accuracy"]}
    return table


def summarise(returns: np.ndarray, dates: pd.DatetimeIndex, tickers: Sequence[str],
              outcomes: dict[str, list[PeriodOutcome]], settings: RankSettings, config: ModelConfig,
              data: dict[str, Any]) -> RankResult:
    """Join each model's periods into one daily book (positions carry over), then returns, costs, metrics and
    verdicts, overall, per period and per sub-period: the `rank --json` contract, with the daily series."""
    k = settings.top or default_top(len(tickers))
    labels = median_labels(returns)
    books = {name: _book(returns, labels, runs, k, settings.cost_bps) for name, runs in outcomes.items()}
    reference = books.get("reversal")
    for name, book in books.items():
        if reference is not None and not np.array_equal(book.days, reference.days):
            raise ValueError(f"{name} covers other trading days than reversal; every model needs every period")
    models = {}
    for name, book in books.items():
        whole = book.part(np.ones(len(book.days), dtype=bool))
        gross, net, classes = whole["gross"], whole["net"], whole["classes"]
        vs = newey_west_test(book.net - reference.net) if reference is not None and name != "reversal" else None
        scored = whole["scored"]
        models[name] = {
            **{key: classes[key] for key in ("accuracy", "auc", "brier", "log_loss", "balanced_accuracy")},
            "mean_return": gross["mean"], "mean_return_after_costs": net["mean"], "t_stat": gross["t_stat"],
            "t_stat_after_costs": net["t_stat"], "p_value_after_costs": net["p_value"],
            "hit_rate": net["hit_rate"], "annualised_return": gross["annualised_return"],
            "annualised_return_after_costs": net["annualised_return"], "volatility": net["volatility"],
            "sharpe": gross["sharpe"], "sharpe_after_costs": net["sharpe"], "sortino_after_costs": net["sortino"],
            "max_drawdown_after_costs": net["max_drawdown"], "turnover": gross["turnover"],
            "vs_reversal_t_stat": vs.t_stat if vs else None, "vs_reversal_p_value": vs.p_value if vs else None,
            "verdict": verdict(name, net, settings.cost_bps, vs, traded=bool(book.weights.any())),
            "days": len(book.days),
            "subperiods": _subperiods(book, dates, settings.split_year),
            "reliability": reliability_table(book.labels[scored], book.scores[scored]) if scored.any() else [],
        }
    summary = {"models": models, "periods": _periods(books, outcomes, dates), "data": dict(data),
               "settings": {**settings.to_dict(), "top": k, "lookback": config.lookback, "models": list(outcomes),
                            "config": config.to_dict()}}
    return RankResult(json_safe(summary), *_frames(books, dates, tickers))


def _periods(books: dict[str, _Book], outcomes: dict[str, list[PeriodOutcome]],
             dates: pd.DatetimeIndex) -> list[dict[str, Any]]:
    def day(row: int) -> str:
        return dates[row].date().isoformat()

    table = []
    first = next(iter(outcomes.values()))
    for period in sorted((o.period for o in first), key=lambda p: p.index):
        row = {"index": period.index, "train_start": day(period.train_start), "train_end": day(period.train_end - 1),
               "trade_start": day(period.trade_start), "trade_end": day(period.trade_end - 1), "models": {}}
        for name, book in books.items():
            rows = (book.days >= period.trade_start) & (book.days < period.trade_end)
            part = book.part(rows)
            row["tickers"] = int(np.isfinite(book.scores[rows]).any(axis=0).sum())  # the same for every model
            history = next(o.history for o in outcomes[name] if o.period.index == period.index)
            row["models"][name] = {"mean_return": part["gross"]["mean"], "mean_return_after_costs": part["net"]["mean"],
                                   "t_stat_after_costs": part["net"]["t_stat"], "accuracy": part["classes"]["accuracy"],
                                   "epochs": len(history["epochs"]) - 1 if history else None,
                                   "best_epoch": history["best_epoch"] if history else None}
        table.append(row)
    return table


def _frames(books: dict[str, _Book], dates: pd.DatetimeIndex,
            tickers: Sequence[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    daily = pd.concat([pd.DataFrame({"date": dates[book.days], "model": name, "gross": book.gross,
                                     "net": book.net, "turnover": book.turnover})
                       for name, book in books.items()], ignore_index=True)
    held = []
    for name, book in books.items():
        rows, columns = np.nonzero(book.weights)
        held.append(pd.DataFrame({"date": dates[book.days[rows]], "model": name,
                                  "ticker": np.asarray(tickers, dtype=object)[columns],
                                  "score": book.scores[rows, columns], "weight": book.weights[rows, columns]}))
    return daily, pd.concat(held, ignore_index=True)


def rank_study(panel: pd.DataFrame, models: str | Sequence[str] = ("lstm",), *, config: ModelConfig | None = None,
               settings: RankSettings = RankSettings(), reporter: Reporter = SILENT) -> RankResult:
    """The whole study, one period and model after another (the reference path; the sweep engines run the same
    `run_period` units in parallel). `models` are the networks asked for; logistic, reversal and random are
    always added. `config` defaults to `RANK_DEFAULTS`.
    """
    config = config or ModelConfig.from_settings(**RANK_DEFAULTS)
    names = study_models(models)
    returns, dates, tickers = panel_returns(panel)
    periods = check_panel(returns, tickers, settings, config.lookback)
    outcomes: dict[str, list[PeriodOutcome]] = {name: [] for name in names}
    for period in periods:
        for name in names:
            outcomes[name].append(run_period(returns, period, name, config, settings, reporter,
                                             description=f"period {period.index + 1}/{len(periods)} {name}"))
    return summarise(returns, dates, tickers, outcomes, settings, config, describe_panel(panel))
