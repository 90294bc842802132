"""What a model reads (`prepare.inputs`): Inputs views and groups, build_inputs' trimming and description, and the
alignment of other series on the target's days (last known price, never a later one)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tickercast as tc
from tests.conftest import price_frame
from tickercast.errors import ConfigError, DataError
from tickercast.prepare.features import CATALOGUE, compute_features
from tickercast.prepare.inputs import Inputs, align_covariate, build_inputs


def ohlcv(days: int = 300, start: str = "2020-01-01", seed: int = 0, origin: str = "target.csv") -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    close = 50 * np.exp(np.cumsum(rng.normal(0, 0.01, days)))
    frame = pd.DataFrame({"open": close, "high": close * 1.01, "low": close * 0.99, "close": close,
                          "volume": np.round(1e6 * np.exp(rng.normal(0, 0.2, days)))},
                         index=pd.bdate_range(start, periods=days, name="date"))
    return tc.validate(frame, origin=origin)


def series(dates: pd.DatetimeIndex | list[str], prices: np.ndarray | list[float] | None = None,
           origin: str = "other.csv") -> pd.DataFrame:
    """A one-column PriceFrame on exactly these dates, built as the validation gate leaves one (fast enough for
    hypothesis; a test that needs a defect the gate would refuse can put it in)."""
    dates = pd.DatetimeIndex(dates, name="date")
    values = np.arange(1.0, len(dates) + 1) * 10 if prices is None else np.asarray(prices, dtype=float)
    frame = pd.DataFrame({"close": values}, index=dates)
    frame.attrs.update(price_column="close", origin=origin)
    return frame


def one_line(error: pytest.ExceptionInfo) -> str:
    message = str(error.value)
    assert "\n" not in message
    assert len(message) < 300, message
    return message


# --- Inputs -------------------------------------------------------------------------------------------------------

def test_a_bare_price_array_is_the_inputs_of_a_returns_only_model() -> None:
    inputs = Inputs.of([10, 11, 12])
    assert inputs.width == 0
    assert inputs.extra.shape == (3, 0)
    assert inputs.prices.dtype == np.float64
    assert len(inputs) == 3


def test_inputs_given_to_of_come_back_as_they_are() -> None:
    inputs = Inputs(np.ones(4), np.zeros((4, 1)), ("rsi",))
    assert Inputs.of(inputs) is inputs


def test_one_column_may_be_given_as_a_flat_array() -> None:
    inputs = Inputs(np.ones(4), np.arange(4.0), ("rsi",))
    assert inputs.extra.shape == (4, 1)


@pytest.mark.parametrize(("extra", "columns"), [
    (np.zeros((4, 2)), ("rsi",)),  # more columns than names
    (np.zeros((4, 1)), ("rsi", "bbands")),  # more names than columns
    (np.zeros((2, 4)), ("rsi", "bbands")),  # 8 numbers, but 2 days of 4 columns, not 4 days of 2
    (np.zeros((4, 2)), ()),  # columns without names are not silently dropped
    (np.zeros(3), ("rsi",)),  # a column one day short
])
def test_input_columns_must_match_the_days_and_the_names(extra: np.ndarray, columns: tuple[str, ...]) -> None:
    with pytest.raises(ValueError, match="input columns"):
        Inputs(np.ones(4), extra, columns)


def test_an_own_past_must_cover_every_day() -> None:
    with pytest.raises(ValueError, match="past"):
        Inputs(np.ones(4), past=np.zeros(3))


def test_slicing_gives_the_same_days_of_every_part_without_copying() -> None:
    extra = np.arange(20.0).reshape(10, 2)
    inputs = Inputs(np.arange(1.0, 11), extra, ("a.x", "b"), past=np.arange(10.0))
    part = inputs[2:5]
    np.testing.assert_array_equal(part.prices, [3, 4, 5])
    np.testing.assert_array_equal(part.extra, extra[2:5])
    np.testing.assert_array_equal(part.past, [2, 3, 4])
    assert part.columns == ("a.x", "b")
    assert np.shares_memory(part.extra, inputs.extra)
    assert np.shares_memory(part.prices, inputs.prices)
    assert len(inputs[:-3]) == 7


@pytest.mark.parametrize("rows", [3, slice(0, 10, 2), [1, 2]])
def test_only_a_contiguous_range_of_days_can_be_taken(rows: object) -> None:
    with pytest.raises(TypeError, match="contiguous slice"):
        Inputs.of(np.ones(10))[rows]


def test_groups_gather_the_columns_of_each_feature_and_covariate_in_order() -> None:
    columns = ("ohlc.open", "ohlc.high", "rsi", "ma_gap.20", "ma_gap.200", "^GSPC.returns", "data.v2.returns")
    inputs = Inputs(np.ones(3), np.zeros((3, len(columns))), columns)
    assert inputs.groups() == {"ohlc": [0, 1], "rsi": [2], "ma_gap": [3, 4], "^GSPC": [5], "data.v2": [6]}
    assert Inputs.of(np.ones(3)).groups() == {}


def test_with_columns_keeps_days_and_names_and_replaces_values() -> None:
    inputs = Inputs(np.arange(1.0, 4), np.zeros((3, 1)), ("rsi",))
    other = inputs.with_columns(np.ones((3, 1)), past=np.full(3, 7.0))
    assert other.columns == inputs.columns
    np.testing.assert_array_equal(other.prices, inputs.prices)
    np.testing.assert_array_equal(other.extra, np.ones((3, 1)))
    np.testing.assert_array_equal(inputs.extra, np.zeros((3, 1)))  # the original is untouched


# --- build_inputs ----------------------------------------------------------------------------------------------------

def test_returns_only_uses_every_day_and_no_column() -> None:
    frame = ohlcv(50)
    trimmed, inputs, described = build_inputs(frame)
    assert trimmed.index.equals(frame.index)
    assert inputs.width == 0
    np.testing.assert_array_equal(inputs.prices, frame["close"].to_numpy())
    assert described == {"features": ["returns"], "with": [], "columns": [], "first_used": "2020-01-01",
                         "dropped_days": 0, "filled_days": {}}


@pytest.mark.parametrize("feature", [name for name in CATALOGUE if name != "returns"])
def test_a_feature_moves_the_first_usable_day_past_its_warm_up(feature: str) -> None:
    frame = ohlcv()
    trimmed, inputs, described = build_inputs(frame, [feature])
    warmup = CATALOGUE[feature].warmup
    assert described["dropped_days"] == warmup
    assert described["first_used"] == f"{frame.index[warmup]:%Y-%m-%d}"
    assert trimmed.index[0] == frame.index[warmup]
    assert len(trimmed) == len(inputs) == len(frame) - warmup
    assert trimmed.attrs == frame.attrs
    assert np.isfinite(inputs.extra).all()  # no NaN reaches a model
    assert list(inputs.columns) == described["columns"] == list(compute_features(frame, [feature]).columns)


def test_the_latest_warm_up_of_several_features_decides() -> None:
    _, inputs, described = build_inputs(ohlcv(), "rsi,ma_gap,volume")
    assert described["dropped_days"] == 199
    assert described["features"] == ["returns", "volume", "rsi", "ma_gap"]
    assert inputs.groups().keys() == {"volume", "rsi", "ma_gap"}


def test_too_short_a_series_for_the_inputs_is_one_clear_line() -> None:
    with pytest.raises(DataError, match="no day has a value for every input") as error:
        build_inputs(ohlcv(150), "indicators,ohlc,volume")
    assert "'ma_gap' starts latest, and 150 days are too few" in one_line(error)


def test_a_first_date_drops_earlier_days_but_keeps_the_values_computed_on_the_whole_history() -> None:
    frame = ohlcv()
    _, whole, _ = build_inputs(frame, "rsi,macd")
    start = frame.index[100]
    trimmed, inputs, described = build_inputs(frame, "rsi,macd", start=start)
    assert trimmed.index[0] == start
    assert described["dropped_days"] == 100
    np.testing.assert_array_equal(inputs.extra, whole.extra[100 - 33:])  # MACD's smoothing did not restart


def test_a_first_date_after_the_last_day_says_so() -> None:
    frame = ohlcv(50)
    with pytest.raises(DataError, match="after the last day") as error:
        build_inputs(frame, start=pd.Timestamp("2031-01-01"))
    assert "2031-01-01" in one_line(error)


def test_a_covariate_becomes_one_column_of_its_log_returns() -> None:
    frame = ohlcv(30)
    other = series(frame.index, np.linspace(100, 129, 30))
    trimmed, inputs, described = build_inputs(frame, covariates={"x": other})
    assert inputs.columns == ("x.returns",)
    assert described["with"] == ["x"]
    assert described["filled_days"] == {"x": 0}
    assert described["dropped_days"] == 1  # its first day has no return
    np.testing.assert_allclose(inputs.extra[:, 0], np.diff(np.log(np.linspace(100, 129, 30))))
    assert trimmed.index[0] == frame.index[1]


def test_features_and_covariates_sit_side_by_side_in_that_order() -> None:
    frame = ohlcv()
    _, inputs, described = build_inputs(frame, "rsi", {"b": series(frame.index), "a": series(frame.index)})
    assert inputs.columns == ("rsi", "b.returns", "a.returns")
    assert described["with"] == ["b", "a"]


@pytest.mark.parametrize(("features", "name"), [("returns", "returns"), ("rsi", "rsi"), ("volume", "volume")])
def test_a_covariate_with_the_name_of_an_input_in_use_is_refused(features: str, name: str) -> None:
    frame = ohlcv(60)
    with pytest.raises(ConfigError, match="has the name of an input already used") as error:
        build_inputs(frame, features, {name: series(frame.index)})
    assert "--with" in one_line(error)


def test_a_covariate_named_like_an_unused_feature_is_accepted() -> None:
    frame = ohlcv(60)
    _, inputs, _ = build_inputs(frame, "rsi", {"volume": series(frame.index)})
    assert inputs.columns == ("rsi", "volume.returns")


def test_a_covariate_that_starts_later_is_refused_unless_common_span() -> None:
    frame = ohlcv(60)
    later = series(frame.index[10:])
    with pytest.raises(DataError, match="starts on 2020-01-15, after the data's first day 2020-01-01") as error:
        build_inputs(frame, covariates={"x": later})
    assert "--common-span" in one_line(error)
    trimmed, inputs, described = build_inputs(frame, covariates={"x": later}, common_span=True)
    assert trimmed.index[0] == frame.index[11]  # its first return is on its second day
    assert described["dropped_days"] == 11
    assert described["filled_days"] == {"x": 0}  # days before it started are dropped, not filled
    assert np.isfinite(inputs.extra).all()


def test_a_hole_in_an_input_after_it_started_is_a_clear_error() -> None:
    """Covariates are validated before they arrive; one that was not (a NaN price) must not reach a model."""
    frame = ohlcv(40)
    other = series(frame.index, np.linspace(10, 20, 40))
    other.iloc[20, 0] = np.nan
    with pytest.raises(DataError, match=r"the input 'x\.returns' has no value on 2020-01-29 after it started") as error:
        build_inputs(frame, covariates={"x": other})
    one_line(error)


def test_a_long_origin_keeps_the_message_on_one_short_line() -> None:
    frame = ohlcv(150, origin="/data/" + "very-long-folder-name/" * 30 + "prices.csv")
    with pytest.raises(DataError) as error:
        build_inputs(frame, "ma_gap")
    one_line(error)


# --- align_covariate -----------------------------------------------------------------------------------------------

def test_a_missing_day_takes_the_last_known_price_never_a_later_one() -> None:
    target = pd.bdate_range("2021-03-01", periods=6, name="date")  # Mon .. Mon
    frame = series(target, origin="target")
    other = series(target.delete([2, 3]), [100, 110, 140, 150])  # lacks Wed and Thu
    returns, filled = align_covariate(frame, other, "x")
    # Wed and Thu keep Tuesday's 110 (return 0); Friday carries the whole move from 110 to 140
    np.testing.assert_allclose(returns, [np.nan, np.log(1.1), 0, 0, np.log(140 / 110), np.log(150 / 140)])
    assert filled == 2


def test_days_only_the_covariate_trades_fold_into_the_next_target_day() -> None:
    target = pd.bdate_range("2021-03-05", periods=2, name="date")  # Friday, Monday
    frame = series(target, origin="target")
    other = series(pd.date_range("2021-03-05", periods=4), [100, 120, 90, 80])  # Fri, Sat, Sun, Mon
    returns, filled = align_covariate(frame, other, "x")
    np.testing.assert_allclose(returns, [np.nan, np.log(80 / 100)])
    assert filled == 0


def test_covariate_days_after_the_targets_last_day_are_never_read() -> None:
    target = pd.bdate_range("2021-03-01", periods=5, name="date")
    frame = series(target, origin="target")
    base = series(pd.bdate_range("2021-03-01", periods=8), np.arange(1.0, 9))
    changed = series(base.index, [1, 2, 3, 4, 5, 60, 70, 80])
    np.testing.assert_array_equal(align_covariate(frame, base, "x")[0], align_covariate(frame, changed, "x")[0])


def test_a_covariate_that_ends_early_is_carried_forward_and_counted() -> None:
    target = pd.bdate_range("2021-03-01", periods=6, name="date")
    frame = series(target, origin="target")
    returns, filled = align_covariate(frame, series(target[:4], [1, 2, 3, 4]), "x")
    np.testing.assert_allclose(returns[4:], [0, 0])
    assert filled == 2


@pytest.mark.parametrize(("first", "last"), [("2019-01-01", "2019-06-28"), ("2022-01-03", "2022-06-30")])
def test_a_covariate_that_does_not_overlap_is_one_clear_line(first: str, last: str) -> None:
    frame = series(pd.bdate_range("2021-01-01", periods=50), origin="target")
    other = series(pd.bdate_range(first, last), origin="elsewhere.csv")
    for common_span in (False, True):
        with pytest.raises(DataError, match="does not overlap the data") as error:
            align_covariate(frame, other, "x", common_span=common_span)
        assert "'elsewhere.csv'" in one_line(error)


def test_with_common_span_days_before_the_covariate_have_no_value_and_are_not_counted_as_filled() -> None:
    target = pd.bdate_range("2021-03-01", periods=6, name="date")
    frame = series(target, origin="target")
    returns, filled = align_covariate(frame, series(target[2:], [10, 11, 12, 13]), "x", common_span=True)
    assert np.isnan(returns[:3]).all()
    np.testing.assert_allclose(returns[3:], np.log([11 / 10, 12 / 11, 13 / 12]))
    assert filled == 0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.booleans(), min_size=30, max_size=30), st.lists(st.booleans(), min_size=30, max_size=30),
       st.integers(0, 2**32 - 1))
def test_alignment_is_the_covariate_price_as_of_each_target_day(on_target: list[bool], on_other: list[bool],
                                                                 seed: int) -> None:
    """Whatever the two calendars: each target day sees the covariate's price at its latest day on or before it."""
    days = pd.date_range("2022-01-01", periods=30, name="date")
    on_target[0] = on_other[0] = True  # both start on day 0 (a later start is refused, tested above)
    target, mine = days[np.array(on_target)], days[np.array(on_other)]
    if len(target) < 2:
        return
    prices = np.exp(np.random.default_rng(seed).normal(0, 0.1, len(mine)).cumsum())
    other = series(mine, prices)
    returns, filled = align_covariate(series(target, origin="target"), other, "x")
    expected = np.log(other["close"].asof(target).to_numpy())
    np.testing.assert_allclose(returns[1:], np.diff(expected), atol=1e-12)
    assert np.isnan(returns[0])
    assert filled == int((~target.isin(mine)).sum())


def test_build_inputs_reports_the_filled_days_of_each_covariate() -> None:
    frame = price_frame(40)
    other = series(frame.index.delete([5, 6, 7]))
    _, _, described = build_inputs(frame, covariates={"x": other, "y": series(frame.index)})
    assert described["filled_days"] == {"x": 3, "y": 0}


def test_a_covariate_that_ends_before_the_data_warns_how_many_days_it_is_carried():
    frame, other = price_frame(120), price_frame(120, seed=3).iloc[:-7]
    with pytest.warns(tc.TickercastWarning, match=r"'late' ends on .*, 7 day\(s\) before the data does"):
        build_inputs(frame, None, {"late": other})


def test_an_input_constant_over_the_training_part_is_named():
    import numpy as np

    import tickercast as tc
    from tickercast.config import ModelConfig
    from tickercast.models import make_model
    from tickercast.progress import SILENT

    prices = np.exp(np.cumsum(np.random.default_rng(0).normal(0, 0.01, 200))) * 100
    flat = Inputs(prices, np.ones((200, 1)), ("flat.returns",))
    for name in ("gru", "ar"):
        with pytest.raises(tc.TickercastError, match=r"the input 'flat\.returns' cannot be scaled"):
            make_model(name, ModelConfig(epochs=1, hidden=2, layers=1, lookback=3)).fit(flat, 150, SILENT)
