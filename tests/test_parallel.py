import pytest

from tickercast.parallel import cores, run_all


@pytest.mark.parametrize("workers", [1, 2])
def test_results_come_back_in_task_order_and_each_is_reported_done(workers):
    finished = []
    tasks = [(2, k) for k in range(6)]
    assert run_all(pow, tasks, workers, finished.append) == [2**k for k in range(6)]
    assert sorted(finished) == list(range(6))


@pytest.mark.parametrize("workers", [1, 2])
def test_a_failing_task_raises_its_own_error(workers):
    with pytest.raises(ValueError, match="invalid literal"):
        run_all(int, [("1",), ("not a number",), ("3",)], workers)


def test_no_tasks_no_work():
    assert run_all(pow, [], 4) == []


def test_cores_is_at_least_one():
    assert cores() >= 1
