"""Would the forecast have made money? A daily trading simulation on the sign of the predicted move, as pure math.

The rules, chosen so the simulation cannot flatter a model:

- No look-ahead. For day t the inputs are `previous[t]` (the last actual close before day t), `predicted[t]` (the
  forecast of day t's close, made before day t) and `actual[t]` (day t's close). The position held over day t is
  decided from `predicted[t] - previous[t]` only, entered at the close `previous[t]`, and earns the return
  r_t = actual[t] / previous[t] - 1. Nothing from day t or later decides it.
- Strategies: "long_flat" holds 1 when the predicted move is up, else 0; "long_short" holds +1 up, -1 down;
  a predicted move of exactly zero is flat in both. "buy_and_hold" holds 1 every day.
- From probabilities (the `direction` target, `positions_from_probability`): with a threshold t in [0.5, 1),
  "long_flat" holds 1 when P(up) > t, else 0; "long_short" holds +1 when P(up) > t, -1 when P(up) < 1 - t, and
  is flat between. P(up) of day t is made before day t, exactly as a predicted price is.
- Costs: `cost_bps` basis points of equity per side, c = cost_bps / 10,000, charged on every change of position,
  pro rata to its size |pos_t - pos_{t-1}| (the book starts flat, pos_{-1} = 0, so entering costs one side and a
  flip long -> short costs two). No exit cost at the end: the last day is marked to market. Buy-and-hold pays the
  same entry cost, so it is compared on equal terms.

Equity starts at 1 before the first day and compounds daily:

    E_t = E_{t-1} * (1 - c |pos_t - pos_{t-1}|) * (1 + pos_t r_t)

(If a short loses more than everything, E hits 0 and stays there: ruin, never negative equity.)
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Literal

import numpy as np

from tickercast.errors import ConfigError, DataError

TRADING_DAYS = 252
DEFAULT_COST_BPS = 5.0
Strategy = Literal["long_flat", "long_short", "buy_and_hold"]
STRATEGIES: tuple[Strategy, ...] = ("long_flat", "long_short", "buy_and_hold")


@dataclass(frozen=True, eq=False)  # holds arrays: compare fields, not objects
class TradingResult:
    """Performance of one strategy over the simulated days; the arrays (one value per day) are for plotting.

    cagr              = E_n ** (252 / n) - 1                  (None if it overflows: too few days to annualise)
    annual_volatility = std(R_t, ddof=1) * sqrt(252)          (R_t = E_t / E_{t-1} - 1; None for one day)
    sharpe            = mean(R_t) / std(R_t, ddof=1) * sqrt(252), risk-free rate 0 (None when std is 0)
    max_drawdown      = max_t (1 - E_t / max_{s<=t} E_s), with E_0 = 1 counted as a peak; a fraction in [0, 1]
    turnover          = sum_t |pos_t - pos_{t-1}|: equity traded, in units of one full side (a flip counts 2)
    turnover_per_year = turnover * 252 / n
    trades            = number of days the position changed (a flip is one trade of two sides)
    exposure          = share of days with a non-zero position
    """

    strategy: str
    days: int
    final_equity: float
    cagr: float | None
    annual_volatility: float | None
    sharpe: float | None
    max_drawdown: float
    turnover: float
    turnover_per_year: float
    trades: int
    exposure: float
    equity: np.ndarray = field(repr=False)  # E_1 .. E_n, equity at each day's close
    positions: np.ndarray = field(repr=False)  # pos_1 .. pos_n
    daily_returns: np.ndarray = field(repr=False)  # R_1 .. R_n, net of costs

    def to_dict(self, *, curves: bool = False) -> dict[str, object]:
        """Plain JSON: the numbers, and with `curves=True` the equity and positions as lists."""
        out: dict[str, object] = {f.name: getattr(self, f.name) for f in fields(self)
                                  if not isinstance(getattr(self, f.name), np.ndarray)}
        if curves:
            out["equity"] = self.equity.tolist()
            out["positions"] = self.positions.tolist()
        return out


@dataclass(frozen=True, eq=False)  # holds arrays: compare fields, not objects
class TradingReport:
    """The two forecast-driven strategies next to buy-and-hold over exactly the same days and costs."""

    long_flat: TradingResult
    long_short: TradingResult
    buy_and_hold: TradingResult
    cost_bps: float
    threshold: float | None = None  # trading on P(up): the probability above which it goes long

    def to_dict(self, *, curves: bool = False) -> dict[str, object]:
        return {"cost_bps": self.cost_bps, **({"threshold": self.threshold} if self.threshold is not None else {}),
                **{name: getattr(self, name).to_dict(curves=curves) for name in STRATEGIES}}


def _prices(name: str, values: np.ndarray, *, positive: bool) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1 or len(array) == 0:
        raise ValueError(f"{name} must be a non-empty one-dimensional array, got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise DataError(f"{name} contains NaN or infinite values; drop or repair those days before simulating")
    if positive and np.any(array <= 0):
        raise DataError(f"{name} must be positive prices to compute returns")
    return array


def _check_cost(cost_bps: float) -> float:
    valid = isinstance(cost_bps, numbers.Real) and not isinstance(cost_bps, bool)
    if not (valid and math.isfinite(cost_bps) and 0 <= cost_bps < 5000):
        raise ConfigError(f"cost_bps must be a number of basis points in [0, 5000), got {cost_bps!r} "
                          "(5 means 0.05% of the traded amount per side)")
    return float(cost_bps)


def positions_from_forecast(previous: np.ndarray, predicted: np.ndarray, strategy: Strategy) -> np.ndarray:
    """The position held over each day, from the sign of the predicted move `predicted - previous` alone."""
    previous = _prices("previous", previous, positive=True)
    predicted = _prices("predicted", predicted, positive=False)
    if len(previous) != len(predicted):
        raise ValueError(f"previous and predicted must cover the same days, got {len(previous)} and {len(predicted)}")
    signal = np.sign(predicted - previous)  # +1 up, -1 down, 0 no call
    if strategy == "long_flat":
        return np.maximum(signal, 0.0)
    if strategy == "long_short":
        return signal.astype(np.float64)
    if strategy == "buy_and_hold":
        return np.ones_like(signal)
    raise ConfigError(f"strategy must be one of {', '.join(STRATEGIES)}, got {strategy!r}")


def check_threshold(threshold: float) -> float:
    """A probability threshold in [0.5, 1): below 0.5 the long and short zones of long/short would overlap."""
    valid = isinstance(threshold, numbers.Real) and not isinstance(threshold, bool)
    if not (valid and 0.5 <= threshold < 1):
        raise ConfigError(f"the threshold is the P(up) above which to go long: a number in [0.5, 1), not "
                          f"{threshold!r}")
    return float(threshold)


def positions_from_probability(p_up: np.ndarray, threshold: float = 0.5,
                               strategy: Strategy = "long_flat") -> np.ndarray:
    """The position held over each day from its P(up) alone: long above `threshold`, short (long_short) below
    1 - threshold, else flat.

    >>> positions_from_probability(np.array([0.7, 0.5, 0.2]), 0.6, "long_short").tolist()
    [1.0, 0.0, -1.0]
    """
    p = _prices("p_up", p_up, positive=False)
    if np.any((p < 0) | (p > 1)):
        raise DataError("p_up must hold probabilities in [0, 1]")
    t = check_threshold(threshold)
    long, short = (p > t).astype(np.float64), (p < 1 - t).astype(np.float64)
    if strategy == "long_flat":
        return long
    if strategy == "long_short":
        return long - short
    if strategy == "buy_and_hold":
        return np.ones_like(p)
    raise ConfigError(f"strategy must be one of {', '.join(STRATEGIES)}, got {strategy!r}")


def simulate(previous: np.ndarray, actual: np.ndarray, positions: np.ndarray, *,
             cost_bps: float = DEFAULT_COST_BPS, strategy: str = "custom") -> TradingResult:
    """Compound the daily returns of a given position path, net of costs (see the module docstring)."""
    previous = _prices("previous", previous, positive=True)
    actual = _prices("actual", actual, positive=True)
    positions = _prices("positions", positions, positive=False)
    if not len(previous) == len(actual) == len(positions):
        raise ValueError(f"previous, actual and positions must cover the same days, got "
                         f"{len(previous)}, {len(actual)} and {len(positions)}")
    c = _check_cost(cost_bps) / 10_000
    n = len(actual)
    traded = np.abs(np.diff(positions, prepend=0.0))  # |pos_t - pos_{t-1}|, starting flat
    factor = (1 - c * traded) * (1 + positions * (actual / previous - 1))
    ruined = np.cumsum(factor <= 0) > 0  # a short that lost everything: equity 0 from then on
    factor = np.where(ruined, 0.0, factor)
    equity = np.cumprod(factor)
    after_ruin = np.concatenate([[False], ruined[:-1]])  # nothing left to invest: no return, not -100% again
    daily_returns = np.where(after_ruin, 0.0, factor - 1)

    final = float(equity[-1])
    try:
        cagr: float | None = -1.0 if final == 0 else math.exp(TRADING_DAYS / n * math.log(final)) - 1
    except OverflowError:
        cagr = None
    sd = float(np.std(daily_returns, ddof=1)) if n > 1 else None
    peaks = np.maximum.accumulate(np.concatenate([[1.0], equity]))[1:]
    turnover = float(traded.sum())
    return TradingResult(
        strategy=strategy,
        days=n,
        final_equity=final,
        cagr=cagr,
        annual_volatility=None if sd is None else sd * math.sqrt(TRADING_DAYS),
        sharpe=None if not sd else float(np.mean(daily_returns)) / sd * math.sqrt(TRADING_DAYS),
        max_drawdown=float(np.max(1 - equity / peaks)),
        turnover=turnover,
        turnover_per_year=turnover * TRADING_DAYS / n,
        trades=int(np.count_nonzero(traded)),
        exposure=float(np.mean(positions != 0)),
        equity=equity,
        positions=positions,
        daily_returns=daily_returns,
    )


def trading_simulation(previous: np.ndarray, actual: np.ndarray, predicted: np.ndarray,
                       cost_bps: float = DEFAULT_COST_BPS) -> TradingReport:
    """Long/flat and long/short on the sign of the predicted next-day move, vs buy-and-hold, same days and costs.

    `previous[t]` is the last actual close before day t, `actual[t]` day t's close, `predicted[t]` the forecast
    of day t's close made before day t; for consecutive days, previous[t] = actual[t-1].

    >>> report = trading_simulation(np.array([100.0, 102.0]), np.array([102.0, 101.0]), np.array([101.0, 103.0]),
    ...                             cost_bps=0)
    >>> round(report.long_flat.final_equity, 6), round(report.buy_and_hold.final_equity, 6)
    (1.01, 1.01)
    """
    return _report(previous, actual, lambda strategy: positions_from_forecast(previous, predicted, strategy),
                   cost_bps)


def probability_trading_simulation(previous: np.ndarray, actual: np.ndarray, p_up: np.ndarray,
                                   threshold: float = 0.5, cost_bps: float = DEFAULT_COST_BPS) -> TradingReport:
    """Long/flat and long/short on P(up) (`positions_from_probability`) vs buy-and-hold, same days and costs.

    >>> report = probability_trading_simulation(np.array([100.0, 102.0]), np.array([102.0, 101.0]),
    ...                                         np.array([0.7, 0.4]), cost_bps=0)
    >>> round(report.long_flat.final_equity, 6), round(report.long_short.final_equity, 6)
    (1.02, 1.03)
    """
    return _report(previous, actual, lambda strategy: positions_from_probability(p_up, threshold, strategy),
                   cost_bps, check_threshold(threshold))


def _report(previous: np.ndarray, actual: np.ndarray, positions: Callable[[Strategy], np.ndarray],
            cost_bps: float, threshold: float | None = None) -> TradingReport:
    """Every strategy's positions (`positions(strategy)`) simulated over the same days and costs."""
    results = {strategy: simulate(previous, actual, positions(strategy), cost_bps=cost_bps, strategy=strategy)
               for strategy in STRATEGIES}
    return TradingReport(**results, cost_bps=float(cost_bps), threshold=threshold)
