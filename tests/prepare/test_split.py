import pandas as pd
import pytest

from tickercast.errors import ConfigError, SeriesTooShortError
from tickercast.prepare.split import MIN_TRAIN_WINDOWS, Split, check_long_enough, make_split, rows_needed

DATES = pd.bdate_range("2020-01-01", periods=100)


def test_fractions_round_up_the_held_out_parts():
    assert make_split(DATES, test_size=0.205, val_size=0.1) == Split(train_end=69, val_end=79, n=100)


def test_canonical_sp500_split_leaves_4004_training_windows_of_20():
    split = make_split(pd.bdate_range("1999-01-04", periods=5031), test_size=0.2, val_size=0.0)
    assert split.train_end - 20 == 4004


def test_row_counts():
    assert make_split(DATES, test_size=10, val_size=5) == Split(train_end=85, val_end=90, n=100)


def test_dates():
    split = make_split(DATES, test_start=str(DATES[80].date()), val_start=str(DATES[60].date()))
    assert (split.train_end, split.val_end) == (60, 80)


def test_parts_are_consecutive_and_cover_every_day():
    split = make_split(DATES, test_size=0.2, val_size=0.1)
    days = [*split.days("train"), *split.days("val"), *split.days("test")]
    assert days == list(range(100))
    assert [split.part_of(d) for d in (0, 69, 70, 79, 80, 99)] == ["train", "train", "val", "val", "test", "test"]


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"test_size": -0.1}, "test size must be a fraction"),
    ({"val_size": 2.5}, "validation size must be a fraction in \\[0, 1\\) or a whole number"),
    ({"test_start": "2031-01-01"}, "outside the data"),
    ({"test_start": "yesterday-ish"}, "cannot read the date 'yesterday-ish'"),
    ({"test_start": "2020-03-02", "val_start": "2020-04-01"}, "validation start 2020-04-01 is after the test"),
])
def test_bad_split_settings(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        make_split(DATES, **kwargs)


def test_too_short_says_how_many_rows_are_needed():
    split = make_split(DATES[:40], test_size=0.2, val_size=0.1)
    with pytest.raises(SeriesTooShortError, match=r"has 40 rows, which leaves 7 training windows \(need 30\) with "
                                                  r"lookback 21; it needs at least 74 rows"):
        check_long_enough(split, 21, settings="lookback 21", sizes=(0.2, 0.1))


def test_rows_needed_is_exactly_the_threshold():
    needed = rows_needed(21, 0.2, 0.1)
    check_long_enough(make_split(pd.bdate_range("2020-01-01", periods=needed)), 21, settings="")
    with pytest.raises(SeriesTooShortError):
        check_long_enough(make_split(pd.bdate_range("2020-01-01", periods=needed - 1)), 21, settings="")


def test_no_test_days():
    split = Split(train_end=MIN_TRAIN_WINDOWS + 5, val_end=60, n=60)
    with pytest.raises(SeriesTooShortError, match="no test days"):
        check_long_enough(split, 5, settings="x")


@pytest.mark.parametrize(("test_size", "val_size", "message"), [
    (0, 0.1, "test size must be above 0"),
    (0.6, 0.5, "leave nothing to train on"),
    (float("nan"), 0.1, "test size must be a fraction"),
    (0.2, float("inf"), "validation size must be a fraction"),
])
def test_impossible_sizes_are_refused_at_once(test_size, val_size, message):
    with pytest.raises(ConfigError, match=message):
        make_split(DATES, test_size=test_size, val_size=val_size)
    with pytest.raises(ConfigError, match=message):
        rows_needed(21, test_size, val_size)


def _smallest_by_counting(first_day: int, test_size: float, val_size: float) -> int:
    """The definition of rows_needed, counted up one row at a time (what it did before: a loop over the lookback)."""
    from tickercast.prepare.split import _rows

    n = first_day + MIN_TRAIN_WINDOWS + 1
    while True:
        test, val = _rows(test_size, n), _rows(val_size, n)
        if n - test - val - first_day >= MIN_TRAIN_WINDOWS and test >= 1 and (val >= 1 or val_size == 0):
            return n
        n += 1


@pytest.mark.parametrize("first_day", [1, 6, 21, 101, 2500])
@pytest.mark.parametrize(("test_size", "val_size"), [(0.2, 0.1), (0.5, 0), (0.01, 0.49), (5, 0.3), (100, 10),
                                                     (0.333, 0.333), (0.9, 0.05)])
def test_rows_needed_equals_counting_up_row_by_row(first_day, test_size, val_size):
    assert rows_needed(first_day, test_size, val_size) == _smallest_by_counting(first_day, test_size, val_size)


def test_rows_needed_takes_no_time_for_a_huge_lookback():
    import time

    from tickercast.prepare.split import _rows

    started = time.perf_counter()
    needed = rows_needed(10**9, 0.2, 0.1)
    assert time.perf_counter() - started < 0.1  # it counted up a billion rows before (issue 13: a hang)
    for n, enough in ((needed, True), (needed - 1, False)):
        assert (n - _rows(0.2, n) - _rows(0.1, n) - 10**9 >= MIN_TRAIN_WINDOWS) == enough
