import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from tickercast.prepare.windows import windows_before


@given(n=st.integers(2, 60), lookback=st.integers(1, 10), data=st.data())
def test_each_window_holds_exactly_the_values_before_its_day(n, lookback, data):
    if lookback > n:
        return
    series = np.arange(n, dtype=float) * 1.5
    start = data.draw(st.integers(lookback, n))
    stop = data.draw(st.integers(start, n))
    windows = windows_before(series, lookback, range(start, stop))
    assert windows.shape == (stop - start, lookback)
    for row, day in zip(windows, range(start, stop), strict=True):
        np.testing.assert_array_equal(row, series[day - lookback:day])


def test_consecutive_days_give_a_view_not_a_copy():
    series = np.random.default_rng(0).normal(size=1000)
    windows = windows_before(series, 20, range(20, 1000))
    assert np.shares_memory(windows, series)
    assert windows.base is not None


def test_torch_tensors_give_the_same_windows_as_a_view():
    series = np.random.default_rng(0).normal(size=50).astype(np.float32)
    tensor = torch.from_numpy(series)
    windows = windows_before(tensor, 7, range(7, 51))
    np.testing.assert_array_equal(windows.numpy(), windows_before(series, 7, range(7, 51)))
    assert windows.untyped_storage().data_ptr() == tensor.untyped_storage().data_ptr()


def test_scattered_days():
    series = np.arange(10.0)
    assert windows_before(series, 2, np.array([2, 9])).tolist() == [[0.0, 1.0], [7.0, 8.0]]


@pytest.mark.parametrize("days", [range(2, 5), range(8, 12)])
def test_days_without_enough_history_are_a_bug(days):
    with pytest.raises(ValueError, match="earlier values"):
        windows_before(np.arange(10.0), 3, days)
