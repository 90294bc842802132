"""Trading days of every exchange (exchange-calendars), chosen by the data, the user, or the ticker's suffix."""

import json
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

import tickercast as tc
from tickercast.cli import main
from tickercast.errors import ConfigError, TickercastWarning
from tickercast.trading_calendar import check_exchange, exchange_for, next_trading_days, resolve_exchange, trading_days


def test_weekends_and_nyse_holidays_are_skipped():
    days = next_trading_days(pd.Timestamp("2018-12-28"), 4)  # a Friday; 1 January is a holiday
    assert list(days.strftime("%Y-%m-%d")) == ["2018-12-31", "2019-01-02", "2019-01-03", "2019-01-04"]


def test_a_range_that_starts_or_ends_on_a_holiday():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert list(trading_days("XNYS", "2019-01-01", "2019-01-03").strftime("%m-%d")) == ["01-02", "01-03"]
        assert list(next_trading_days(pd.Timestamp("2018-12-31"), 2).strftime("%m-%d")) == ["01-02", "01-03"]
        assert list(trading_days("XNYS", "2018-12-31", "2019-01-01").strftime("%m-%d")) == ["12-31"]


def test_special_closures_and_good_friday():
    assert pd.Timestamp("2018-12-05") not in next_trading_days(pd.Timestamp("2018-12-03"), 3)  # day of mourning
    assert pd.Timestamp("2024-03-29") not in next_trading_days(pd.Timestamp("2024-03-27"), 3)  # Good Friday


def test_many_days_cross_years():
    days = next_trading_days(pd.Timestamp("2023-06-01"), 300)
    assert len(days) == 300
    assert days.is_monotonic_increasing
    assert (days.day_of_week < 5).all()






def nse_prices(ticker: str = "RELIANCE.NS", last: str = "2024-03-22") -> pd.DataFrame:
    """400 business days ending on Friday 22 March 2024; Holi (25 March) and Good Friday (29 March) follow."""
    days = pd.bdate_range(end=last, periods=400, name="date")
    close = 2500 * np.exp(np.cumsum(np.random.default_rng(3).normal(0, 0.01, len(days))))
    return tc.validate(pd.DataFrame({"close": close}, index=days), origin=f"{ticker}.csv", ticker=ticker)


def test_a_forecast_of_an_nse_ticker_skips_indian_holidays():
    table = tc.Forecaster("naive").fit(nse_prices()).forecast(nse_prices(), horizon=4)
    assert list(table["date"].dt.strftime("%Y-%m-%d")) == ["2024-03-26", "2024-03-27", "2024-03-28", "2024-04-01"]


def test_the_same_days_on_the_nyse_calendar_skip_only_good_friday():
    table = tc.Forecaster("naive").fit(nse_prices("IBM")).forecast(nse_prices("IBM"), horizon=4)
    assert list(table["date"].dt.strftime("%Y-%m-%d")) == ["2024-03-25", "2024-03-26", "2024-03-27", "2024-03-28"]


@pytest.mark.parametrize(("ticker", "exchange"), [
    ("RELIANCE.NS", "XNSE"), ("reliance.bo", "XBOM"), ("VOD.L", "XLON"), ("SAP.DE", "XETR"), ("PKO.WA", "XWAR"),
    ("MC.PA", "XPAR"), ("RY.TO", "XTSE"), ("7203.T", "XTKS"), ("0700.HK", "XHKG"), ("BHP.AX", "XASX"),
    ("IBM", "XNYS"), ("BRK.B", "XNYS"), ("^GSPC", "XNYS"), ("", "XNYS"), (None, "XNYS"),
])
def test_the_exchange_follows_yahoos_ticker_suffixes(ticker, exchange):
    assert exchange_for(ticker) == exchange


def test_every_exchange_known_without_the_library_is_one_the_library_has():
    import exchange_calendars

    from tickercast.trading_calendar import DEFAULT_EXCHANGE, SAME_DAYS, SUFFIXES

    names = exchange_calendars.get_calendar_names(include_aliases=False)
    for exchange in {DEFAULT_EXCHANGE, *SUFFIXES.values(), *SAME_DAYS}:
        assert SAME_DAYS.get(exchange, exchange) in names  # building each takes 0.1-8 s: only a few below


@pytest.mark.parametrize("exchange", ["XNYS", "XNSE", "XLON", "XETR", "XWAR", "XHKG"])
def test_two_weeks_of_june_have_eight_to_ten_trading_days(exchange):
    days = trading_days(exchange, "2024-06-03", "2024-06-14")
    assert 8 <= len(days) <= 10
    assert days.is_monotonic_increasing
    assert (days.day_of_week < 5).all()


@pytest.mark.parametrize("exchange", ["ASEX", "XTAE"])
def test_a_calendar_the_library_cannot_build_is_weekdays_with_a_warning(exchange):
    """exchange_calendars 4.13.2 fails to build these two under pandas 3 (Athens: NotImplementedError; Tel Aviv:
    its Sunday sessions); tickercast must still date a forecast, and say that holidays are not skipped."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        days = trading_days(exchange, "2024-06-03", "2024-06-09")
    messages = [str(w.message) for w in caught if issubclass(w.category, TickercastWarning)]
    if messages:
        assert messages == [f"exchange_calendars cannot build the {exchange} calendar here; its days count as "
                            "weekdays, holidays or not"]
        assert list(days.strftime("%m-%d")) == ["06-03", "06-04", "06-05", "06-06", "06-07"]
    else:  # a later version of the library builds it
        assert len(days) >= 4


def test_codes_are_case_insensitive_and_aliases_resolve():
    assert (check_exchange("xlon"), check_exchange("LSE"), check_exchange(" xnse ")) == ("XLON", "XLON", "XNSE")


def test_an_unknown_exchange_is_one_line_saying_how_to_list_them():
    with pytest.raises(ConfigError) as refused:
        check_exchange("NSE")
    message = str(refused.value)
    assert "did you mean XNSE?" in message
    assert "get_calendar_names()" in message
    assert "\n" not in message
    assert len(message) < 300


def test_the_user_says_first_then_the_saved_model_then_the_data_then_the_ticker():
    assert resolve_exchange("XLON", "XETR", ticker="INFY.NS", default="XWAR") == "XETR"
    assert resolve_exchange("XLON", None, ticker="INFY.NS", default="XWAR") == "XWAR"
    assert resolve_exchange("XLON", None, ticker="INFY.NS") == "XLON"
    assert resolve_exchange(None, None, ticker="INFY.NS") == "XNSE"


def test_trading_days_include_both_ends_and_skip_each_exchanges_holidays():
    london = trading_days("XLON", "2024-12-20", "2025-01-03")  # Boxing Day is a London holiday, not a New York one
    new_york = trading_days("XNYS", "2024-12-20", "2025-01-03")
    assert pd.Timestamp("2024-12-26") not in london
    assert pd.Timestamp("2024-12-26") in new_york
    assert (london[0], london[-1]) == (pd.Timestamp("2024-12-20"), pd.Timestamp("2025-01-03"))
    assert london.name == "date"
    assert len(trading_days("XNYS", "2024-01-05", "2024-01-01")) == 0


def test_days_beyond_the_librarys_holidays_are_weekdays_with_a_warning():
    with pytest.warns(TickercastWarning, match="knows the holidays of XNSE from 1997-01-01 to 2026-12-31"):
        days = trading_days("XNSE", "2026-12-30", "2027-01-05")
    assert list(days.strftime("%m-%d")) == ["12-30", "12-31", "01-01", "01-04", "01-05"]


def test_no_warning_inside_the_range():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(trading_days("XNSE", "2024-03-20", "2024-04-02")) == 8


def test_train_stores_the_exchange_and_forecast_uses_it(tmp_path, capsys):
    prices = nse_prices("ACME")  # no suffix: only --exchange says it is Indian
    prices.to_csv(tmp_path / "acme.csv")
    assert main(["train", "--data", str(tmp_path / "acme.csv"), "--model", "naive", "--exchange", "xnse",
                 "--out", str(tmp_path / "model"), "--json"]) == 0
    config = json.loads((tmp_path / "model" / "config.json").read_text())
    assert config["data"]["exchange"] == "XNSE"
    capsys.readouterr()
    assert main(["forecast", "--model-dir", str(tmp_path / "model"), "--data", str(tmp_path / "acme.csv"),
                 "--horizon", "2", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["exchange"] == "XNSE"
    assert [row["date"] for row in result["forecast"]] == ["2024-03-26", "2024-03-27"]


def test_forecast_exchange_option_overrides_the_models(tmp_path, capsys):
    folder = tc.Forecaster("naive").fit(nse_prices("RELIANCE.NS")).save(tmp_path / "m")
    nse_prices("RELIANCE.NS").to_csv(tmp_path / "p.csv")
    assert main(["forecast", "--model-dir", str(folder), "--data", str(tmp_path / "p.csv"), "--horizon", "1",
                 "--exchange", "XNYS", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["forecast"][0]["date"] == "2024-03-25"


def test_an_unknown_exchange_option_exits_2_with_one_line(tmp_path, capsys):
    nse_prices().to_csv(tmp_path / "p.csv")
    assert main(["train", "--data", str(tmp_path / "p.csv"), "--model", "naive", "--exchange", "NOPE"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: unknown exchange 'NOPE'")
    assert err.count("\n") == 1


def test_help_does_not_import_the_calendar_library():
    code = ("import sys; from tickercast.cli import build_parser; build_parser(); "
            "print('exchange_calendars' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
