"""The metric vocabulary: its keys are the ones the evaluators write, its formats and best ends mean what they
say, and one significance level decides every verdict."""

import math

import numpy as np
import pytest

from tickercast.evaluate.scorecard import direction_scorecard, scorecard
from tickercast.evaluate.vocabulary import (
    DIRECTION,
    PRICE,
    RANK,
    SIGNIFICANCE,
    TRADING,
    board_reading,
    pick,
    runs_verdict,
    verdict,
)


def _prices(days=300, seed=0):
    rng = np.random.default_rng(seed)
    price = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, days + 1)))
    return price[1:], price[:-1]  # actual, previous


@pytest.mark.parametrize("family", [PRICE, DIRECTION, TRADING, RANK], ids=["price", "direction", "trading", "rank"])
def test_each_metric_is_defined_once_in_its_family(family):
    keys = [metric.key for metric in family]
    headers = [metric.header for metric in family]
    assert len(set(keys)) == len(keys)
    assert len(set(headers)) == len(headers)


def test_every_price_metric_is_a_key_the_scorecard_writes():
    actual, previous = _prices()
    card = scorecard(actual, previous * 1.001, previous)
    assert {metric.key for metric in PRICE} <= set(card)


def test_every_direction_metric_is_a_key_the_direction_scorecard_writes():
    rng = np.random.default_rng(1)
    card = direction_scorecard(rng.integers(0, 2, 200), rng.uniform(0.3, 0.7, 200))
    assert {metric.key for metric in DIRECTION} <= set(card)


@pytest.mark.parametrize("value", [None, math.nan, math.inf, "0.5", [0.5], True])
def test_a_metric_shows_a_gap_for_anything_but_a_finite_number(value):
    assert pick(PRICE, "rmse_ratio_vs_naive")[0].text(value) == "—"


def test_formats_read_as_their_headers_promise():
    ratio, direction, days = pick(PRICE, "rmse_ratio_vs_naive", "directional_accuracy", "n")
    assert (ratio.text(0.98765), direction.text(0.5234), days.text(1007)) == ("0.9877", "52.3%", "1007")
    assert pick(DIRECTION, "n")[0].text(1007) == "1,007"


def test_best_follows_the_better_end_and_p_values_have_none():
    values = [0.9, 1.1, 1.0]
    rmse, direction, p = pick(PRICE, "rmse", "directional_accuracy", "dm_p_value")
    assert (rmse.best(values), direction.best(values), p.best(values)) == (0.9, 1.1, None)


def test_the_terminal_header_is_the_short_one_where_there_is_one():
    balanced, brier = pick(DIRECTION, "balanced_accuracy", "brier")
    assert (balanced.header, balanced.terminal_header) == ("balanced accuracy", "balanced")
    assert brier.terminal_header == brier.header


@pytest.mark.parametrize(("p_better", "kind"), [(SIGNIFICANCE * 0.99, "better"), (SIGNIFICANCE, "same"),
                                                (1 - SIGNIFICANCE, "same"), (1 - SIGNIFICANCE * 0.99, "worse")])
def test_the_verdict_turns_exactly_at_the_significance_level(p_better, kind):
    assert verdict({"dm_p_value_better": p_better, "dm_p_value": 0.5}).kind == kind


def test_runs_agree_or_there_is_no_verdict():
    better, same = {"dm_p_value_better": 0.001}, {"dm_p_value_better": 0.4, "dm_p_value": 0.8}
    assert runs_verdict([better, better]).kind == "better"
    assert runs_verdict([better, same]).text == ("no consistent difference from naive: beats it in 1 and loses to "
                                                 "it in 0 of 2 runs")


@pytest.mark.parametrize("direction", [False, True])
def test_the_board_reading_names_the_significance_level(direction):
    assert f"p < {SIGNIFICANCE} " in board_reading(direction)
