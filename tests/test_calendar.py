import pandas as pd

from tickercast.calendar import next_trading_days


def test_weekends_and_nyse_holidays_are_skipped():
    days = next_trading_days(pd.Timestamp("2018-12-28"), 4)  # a Friday; 1 January is a holiday
    assert list(days.strftime("%Y-%m-%d")) == ["2018-12-31", "2019-01-02", "2019-01-03", "2019-01-04"]


def test_special_closures_and_good_friday():
    assert pd.Timestamp("2018-12-05") not in next_trading_days(pd.Timestamp("2018-12-03"), 3)  # day of mourning
    assert pd.Timestamp("2024-03-29") not in next_trading_days(pd.Timestamp("2024-03-27"), 3)  # Good Friday


def test_many_days_cross_years():
    days = next_trading_days(pd.Timestamp("2023-06-01"), 300)
    assert len(days) == 300
    assert days.is_monotonic_increasing
    assert (days.day_of_week < 5).all()
