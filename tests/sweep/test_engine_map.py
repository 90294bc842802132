"""`Engine.map`: any top-level function over payloads, on this machine's processes, with its index.

Ray's `map` runs in tests/sweep/test_engines.py, under `run` (a sweep is `map` over its units); a Ray session of
its own here would cost more than the whole of this file."""

import time

import pytest

from tickercast.errors import DataError
from tickercast.sweep.engines import LocalEngine


def scaled(value, pause, factor):
    """value * factor, after `pause` seconds (so that the later payloads can finish first)."""
    time.sleep(pause)
    return value * factor


def refuse_three(value, factor):
    if value == 3:
        raise DataError(f"payload {value} is bad")
    return value * factor


PAYLOADS = [(value, 0.3 if value == 0 else 0.0) for value in range(6)]


@pytest.mark.parametrize("workers", [1, 2])
def test_every_payload_comes_back_once_with_its_index_and_the_shared_values(workers):
    results = list(LocalEngine(workers).map(scaled, PAYLOADS, shared=(10,)))
    assert sorted(results) == [(value, value * 10) for value in range(6)]


def test_as_completed_a_slow_first_payload_comes_back_after_the_fast_ones_and_ordered_waits_for_it():
    engine = LocalEngine(2)
    as_completed = [index for index, _ in engine.map(scaled, PAYLOADS, shared=(1,))]
    assert as_completed[0] != 0
    assert sorted(as_completed) == list(range(6))
    assert [index for index, _ in engine.map(scaled, PAYLOADS, shared=(1,), ordered=True)] == list(range(6))


@pytest.mark.parametrize("workers", [1, 2])
def test_an_error_raised_by_the_function_is_raised_to_the_caller_as_it_was(workers):
    with pytest.raises(DataError, match=r"^payload 3 is bad$"):
        list(LocalEngine(workers).map(refuse_three, [(value,) for value in range(6)], shared=(2,)))


def test_on_error_turns_an_error_into_that_payloads_result_and_the_others_go_on():
    results = dict(LocalEngine(2).map(refuse_three, [(value,) for value in range(6)], shared=(2,),
                                      on_error=lambda index, error: f"{index}: {error}"))
    assert results == {0: 0, 1: 2, 2: 4, 3: "3: payload 3 is bad", 4: 8, 5: 10}
