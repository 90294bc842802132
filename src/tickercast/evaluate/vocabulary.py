"""The metric vocabulary: each metric's key, header, format, better end and one-line meaning, written once; the
significance level and the verdict against naive, decided once.

Why: the terminal tables (`cli.render`), the JSON (the keys) and the HTML report (`report.leaderboard`,
`report.sections`) all show the same numbers. When each kept its own headers, formats and "p < 0.05", they
drifted; here a table picks its metrics by key and renders them, so a metric is renamed or reformatted in one
place, and "beats naive" means the same test at the same level everywhere.

Pure: numbers in, words out. `number` accepts whatever a file held, because verdicts are also made from
metrics.json files that a person may have edited.

    >>> RMSE_RATIO.text(0.98765)
    '0.9877'
    >>> verdict({"dm_p_value_better": 0.01}).text
    'beats naive (one-sided DM p = 0.010)'
    >>> [metric.header for metric in pick(PRICE, "rmse", "n")]
    ['RMSE', 'days']
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

#: The level below which a p-value counts as significant: "beats naive", "beats the constant", "significantly
#: better with the inputs". One-sided where the question has a direction.
SIGNIFICANCE = 0.05


@dataclass(frozen=True)
class Metric:
    """One metric as every table shows it.

    `key` is its name in metrics.json and in the JSON output; `better` says which end is best (None: not a score,
    such as a p-value or a count); `tip` is its meaning in one line (the report's column tooltip); `short` is
    the terminal's header where the report's is too wide for it.
    """

    key: str
    header: str
    fmt: str
    better: Literal["low", "high"] | None = None
    tip: str = ""
    short: str = ""

    @property
    def terminal_header(self) -> str:
        return self.short or self.header

    def best(self, values: Sequence[float]) -> float | None:
        """The best of `values` (at least one) by this metric's better end; None when it has none."""
        if self.better is None:
            return None
        return min(values) if self.better == "low" else max(values)

    def text(self, value: Any) -> str:
        """The value in this metric's format, or "—" when there is no finite number."""
        return number_text(value, self.fmt)


def pick(metrics: Sequence[Metric], *keys: str) -> tuple[Metric, ...]:
    """The metrics of `keys`, in that order: how a table chooses its columns from a family."""
    found = {metric.key: metric for metric in metrics}
    return tuple(found[key] for key in keys)


RMSE_RATIO = Metric("rmse_ratio_vs_naive", "RMSE / naive", "{:.4f}", "low", "below 1 beats tomorrow = today")

#: Point forecasts of prices, each measured next to naive (tomorrow = today) on the same days (`evaluate.metrics`,
#: `evaluate.scorecard`).
PRICE = (
    Metric("rmse", "RMSE", "{:.4g}", "low", "root mean squared error, in price units"),
    Metric("mae", "MAE", "{:.4g}", "low", "mean absolute error, in price units"),
    Metric("mape", "MAPE", "{:.3f}%", "low", "mean absolute percentage error"),
    Metric("directional_accuracy", "direction", "{:.1%}", "high", "share of days with the right direction of move"),
    RMSE_RATIO,
    Metric("dm_p_value", "DM p", "{:.3f}", None, "Diebold–Mariano p-value of 'as accurate as naive' (two-sided)"),
    Metric("direction_p_value", "dir. p", "{:.3f}", None, "binomial p-value of 'no better than a coin'"),
    Metric("n", "days", "{:.0f}", None, "days scored"),
)

#: Probabilities of an up day (`evaluate.classification`), ranked by log loss.
DIRECTION = (
    Metric("log_loss", "log loss", "{:.4f}", "low", "−mean log of the probability given to what happened; ln 2 = "
                                                    "0.693 for a constant 0.5. The ranking score"),
    Metric("brier", "Brier", "{:.4f}", "low", "mean (P − outcome)²; 0.25 for a constant 0.5"),
    Metric("auc", "AUC", "{:.3f}", "high", "chance that an up day got a higher P(up) than a down day; 0.5 = chance"),
    Metric("accuracy", "accuracy", "{:.1%}", "high", "share of days called right (up when P(up) > 0.5)"),
    Metric("balanced_accuracy", "balanced accuracy", "{:.1%}", "high", "mean of the hit rates on up days and on "
                                                                       "down days; 'always up' scores 50%",
           short="balanced"),
    Metric("base_rate", "base rate", "{:.1%}", None, "share of up days on these days"),
    Metric("p_value_vs_constant", "p vs constant", "{:.3g}", None, "one-sided binomial p-value of 'no more accurate "
                                                                   "than the better of always up and always down'"),
    Metric("n", "days", "{:,.0f}", None, "days scored"),
)

#: A trading simulation's strategies (`evaluate.trading`).
TRADING = (
    Metric("cagr", "CAGR", "{:.2%}", "high"),
    Metric("annual_volatility", "volatility", "{:.2%}"),
    Metric("sharpe", "Sharpe", "{:.2f}", "high"),
    Metric("max_drawdown", "max drawdown", "{:.1%}", "low"),
    Metric("turnover", "turnover", "{:.0f}"),
    Metric("final_equity", "final equity", "{:.3f}", "high"),
)
TRADING_READING = ("CAGR and volatility annualised over 252 days; Sharpe with a zero risk-free rate; turnover: "
                   "position changes (a flip counts 2)")

#: A cross-sectional rank study's long-short portfolio and its probabilities (`rank`).
RANK = (
    Metric("mean_return", "mean/day", "{:+.3%}", "high", "mean daily return of the long-short portfolio before "
                                                         "costs"),
    Metric("mean_return_after_costs", "after costs", "{:+.3%}", "high", "the same after the costs of the turnover"),
    Metric("t_stat_after_costs", "t (NW)", "{:.2f}", "high", "Newey–West t-statistic of the after-cost mean"),
    Metric("p_value_after_costs", "p", "{:.3g}", None, "one-sided p-value of 'the after-cost mean is not above 0'"),
    Metric("sharpe_after_costs", "Sharpe", "{:.2f}", "high", "annualised Sharpe ratio after costs (risk-free rate 0)"),
    Metric("sortino_after_costs", "Sortino", "{:.2f}", "high", "annualised Sortino ratio after costs"),
    Metric("max_drawdown_after_costs", "max drawdown", "{:.1%}", "low", "largest fall of the after-cost equity "
                                                                        "from a peak"),
    Metric("accuracy", "accuracy", "{:.1%}", "high", "share of (stock, day) forecasts on the right side of the "
                                                     "median"),
    Metric("auc", "AUC", "{:.3f}", "high", "chance that a stock beating the median is scored above one that does "
                                           "not"),
    Metric("turnover", "turnover", "{:.2f}", None, "mean sum of |weight changes| a day; 4 replaces every position"),
    Metric("vs_reversal_t_stat", "t vs reversal", "{:.2f}", "high", "Newey–West t of the after-cost difference "
                                                                    "from reversal"),
)

#: What the terminal prints under a table of price metrics.
PRICE_READING = ("RMSE / naive below 1 beats the naive forecast (tomorrow = today); above 1 loses to it. DM p: "
                 "Diebold–Mariano p-value of 'as accurate as naive' (small = a real difference). Direction: share of "
                 "days the predicted move had the right sign (naive = 50%); dir. p: binomial p-value of 'no better "
                 "than a coin'. lagged: the forecast follows yesterday's price.")
#: What the terminal prints under a table of direction scores.
DIRECTION_READING = ("P(up) forecasts; a day is called up when P(up) > 0.5. Balanced: mean hit rate on up days and "
                     "on down days. Brier and log loss judge the probabilities (lower is better; a constant 0.5 "
                     "scores 0.25 and 0.693); AUC their order (0.5 = chance). Base rate: share of up days. p vs "
                     "constant: binomial p-value of 'no more accurate than the better of always up and always "
                     "down' on the same days.")

#: The report's "How to read this" for price forecasts: (term, plain words), longer than the tips.
PRICE_GLOSSARY = (
    ("naive", "The forecast 'tomorrow = today'. Every number here is measured next to it, on exactly the "
              "same days, because it is what a model has to beat to be worth anything."),
    ("RMSE / naive", "The model's RMSE divided by naive's. Below 1 the model's typical error is smaller than "
                     "naive's (0.98: 2% smaller); exactly 1 is naive itself; above 1 the model does worse than "
                     "simply repeating yesterday's price (1.05: its errors are 5% larger)."),
    ("verdict", "Whether the difference from naive is more than luck: a one-sided Diebold–Mariano test on "
                f"the daily squared errors. 'beats naive' or 'loses to naive' needs p below {SIGNIFICANCE}; "
                "otherwise the two cannot be told apart on these days, however the ratio looks."),
    ("direction", "The share of days on which the forecast moved the right way (naive never calls a "
                  "direction and scores 50%). In a rising market, forecasting 'up' every day scores the share "
                  "of up days, so compare with that line, not with 50% alone. dir. p: the binomial p-value of "
                  "'no better than a coin'."),
    ("lagged", "'yes' when the forecast follows the price of a day or more before: the classic chart that "
               "looks perfect and is yesterday's price moved one day to the right."),
)
#: The report's "How to read this" for direction scores: (term, plain words).
DIRECTION_GLOSSARY = (
    ("P(up)", "The model's probability that the day closes above the day before, made from the days before it "
              "only. A day that closes unchanged is not up."),
    ("log loss", "The score the table is ranked by: the mean of −log of the probability the model gave to what "
                 "happened. A constant 0.5 scores ln 2 = 0.693; lower is better, and a confident mistake costs a "
                 "lot. Brier is the mean squared distance between P(up) and the outcome (0.25 for 0.5 every day)."),
    ("accuracy and balanced accuracy", "The share of days called right, calling up when P(up) is above 0.5. In a "
                                       "rising market 'always up' is right on every up day, so compare with the "
                                       "base rate; balanced accuracy averages the hit rates on up and on down days, "
                                       "so that 'always up' scores 50%."),
    ("AUC", "The chance that a random up day got a higher P(up) than a random down day: 0.5 is no better than "
            "chance, whatever the level of the probabilities."),
    ("p vs constant", "The binomial p-value of 'no more accurate than the better constant call (always up or "
                      f"always down) on the same days'. Below {SIGNIFICANCE} the hits are unlikely to be the market's "
                      "drift plus luck."),
    ("calibration", "On the days a calibrated model says 60%, about 60% go up: its points lie on the diagonal. "
                    "Bins with few days say little."),
)
#: The report's "How to read this" for a rank study.
RANK_GLOSSARY = (
    ("long-short portfolio", "Every day the stocks are ranked by the model's probability of beating the next "
                             "day's cross-sectional median; the top k are bought and the bottom k sold short, in "
                             "equal amounts, so the portfolio bets on the ranking, not on the market's direction."),
    ("after costs", "Each half-turn (a buy or a sell) costs the basis points shown, charged on the weights that "
                    "actually change; replacing every position costs 4 times that in a day. An edge before costs "
                    "that does not survive them cannot be traded."),
    ("t (NW)", "The Newey–West t-statistic of the mean daily return: a t-test that allows for days that are not "
               f"independent. Above about 1.65 (one-sided p below {SIGNIFICANCE}) the mean is unlikely to be luck."),
    ("reversal and random", "Reversal buys yesterday's losers and sells its winners, a known effect that needs "
                            "no network; random ranks at random and loses the costs. A network earns its keep "
                            "only by beating reversal after costs."),
    ("survivorship", "A panel of today's index members leaves out the companies that fell out of it, which "
                     "flatters any strategy run on the past; the caveat says when that is the case."),
)


def board_reading(direction: bool) -> str:
    """What the leaderboard across datasets ranks by and what counts as significant there (`comparison.leaderboard`).

    >>> board_reading(False)[:48]
    'rank 1 = lowest mean RMSE / naive on a dataset; '
    """
    if direction:
        return (f"rank 1 = lowest mean log loss on a dataset; significant: binomial p < {SIGNIFICANCE} against the "
                "better of always up and always down")
    return (f"rank 1 = lowest mean RMSE / naive on a dataset; significant: one-sided Diebold–Mariano p < "
            f"{SIGNIFICANCE} that its errors are smaller than naive's")


Kind = Literal["better", "worse", "same", "benchmark", "untested"]


@dataclass(frozen=True)
class Verdict:
    kind: Kind
    text: str


def verdict(metrics: Mapping[str, Any], *, benchmark: bool = False) -> Verdict:
    """Better or worse than naive only when the one-sided Diebold–Mariano test says so at SIGNIFICANCE.

    The same rule as `compare`'s "beats naive significantly", applied in both directions.
    """
    if benchmark:
        return Verdict("benchmark", "the benchmark: tomorrow = today")
    p_better = number(metrics.get("dm_p_value_better"))
    if p_better is None:
        return Verdict("untested", "not tested (too few days, or a metrics.json from before the test)")
    if p_better < SIGNIFICANCE:
        return Verdict("better", f"beats naive (one-sided DM p = {p_better:.3f})")
    if 1 - p_better < SIGNIFICANCE:
        return Verdict("worse", f"loses to naive (one-sided DM p = {1 - p_better:.3f})")
    return Verdict("same", f"no significant difference from naive (DM p = "
                           f"{number_text(metrics.get('dm_p_value'), '{:.2f}')})")


def runs_verdict(runs: Sequence[Mapping[str, Any]], *, benchmark: bool = False) -> Verdict:
    """One verdict for the runs of the same settings (one per seed): better or worse than naive only when every
    run is, so that one lucky seed cannot carry it. A single run keeps its own verdict."""
    if benchmark or len(runs) == 1:
        return verdict(runs[0], benchmark=benchmark)
    kinds = [verdict(run).kind for run in runs]
    if len(set(kinds)) == 1 and kinds[0] in ("better", "worse"):
        word = "beats" if kinds[0] == "better" else "loses to"
        return Verdict(kinds[0], f"{word} naive in all {len(runs)} runs (one-sided DM p < {SIGNIFICANCE} in each)")
    better, worse = kinds.count("better"), kinds.count("worse")
    if better == worse == 0:
        return Verdict("same", f"no significant difference from naive in any of the {len(runs)} runs")
    return Verdict("same", f"no consistent difference from naive: beats it in {better} and loses to it in {worse} "
                           f"of {len(runs)} runs")


def ablation_kind(row: Mapping[str, Any]) -> Literal["better", "worse", "same", "untested"]:
    """What an ablation.json row's verdict says (`comparison.ablation` writes it in words, by this rule): better
    when the one-sided p of 'the inputs make the errors smaller' is below SIGNIFICANCE, worse when the two-sided
    p is and the inputs made the errors larger."""
    better, both = number(row.get("dm_p_value_better")), number(row.get("dm_p_value"))
    if better is None:
        return "untested"
    if better < SIGNIFICANCE:
        return "better"
    return "worse" if both is not None and both < SIGNIFICANCE and better > 0.5 else "same"


def number(value: Any) -> float | None:
    """A finite number from a file, as a float; None for anything else (missing, NaN, a string, a list...)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        value = float(value)
    except OverflowError:  # an integer past 1e308
        return None
    return value if math.isfinite(value) else None


def number_text(value: Any, fmt: str) -> str:
    """`value` in `fmt` if it is a finite number, else "—": a damaged file shows a gap, never stops the page."""
    found = number(value)
    return "—" if found is None else fmt.format(found)
