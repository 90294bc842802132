"""`Engine.map`: any top-level function over payloads, on this machine's processes, with its index.

Ray's `map` runs in tests/sweep/test_engines.py, under `run` (a sweep is `map` over its units); a Ray session of
its own here would cost more than the whole of this file."""

import time
from pathlib import Path

import pytest

from tickercast.errors import DataError
from tickercast.sweep.engines import LocalEngine


def scaled(value, pause, factor):
    """value * factor, after `pause` seconds (so that the later payloads can finish first)."""
    time.sleep(pause)
    return value * factor


def last_first(value, flag, factor):
    """value * factor; payload 0 waits (up to a minute) until payload 5 has run, so it must come back last
    whatever the machine's load (a fixed pause lost that race on a busy CI machine)."""
    flag = Path(flag)
    if value == 5:
        flag.touch()
    deadline = time.monotonic() + 60
    while value == 0 and not flag.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
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


def test_as_completed_a_slow_first_payload_comes_back_after_the_fast_ones_and_ordered_waits_for_it(tmp_path):
    engine = LocalEngine(2)
    waiting = [(value, str(tmp_path / "first")) for value in range(6)]
    as_completed = [index for index, _ in engine.map(last_first, waiting, shared=(1,))]
    assert as_completed[-1] == 0
    assert sorted(as_completed) == list(range(6))
    waiting = [(value, str(tmp_path / "second")) for value in range(6)]
    assert [index for index, _ in engine.map(last_first, waiting, shared=(1,), ordered=True)] == list(range(6))


@pytest.mark.parametrize("workers", [1, 2])
def test_an_error_raised_by_the_function_is_raised_to_the_caller_as_it_was(workers):
    with pytest.raises(DataError, match=r"^payload 3 is bad$"):
        list(LocalEngine(workers).map(refuse_three, [(value,) for value in range(6)], shared=(2,)))


def test_on_error_turns_an_error_into_that_payloads_result_and_the_others_go_on():
    results = dict(LocalEngine(2).map(refuse_three, [(value,) for value in range(6)], shared=(2,),
                                      on_error=lambda index, error: f"{index}: {error}"))
    assert results == {0: 0, 1: 2, 2: 4, 3: "3: payload 3 is bad", 4: 8, 5: 10}
