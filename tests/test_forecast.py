import json

import numpy as np
import pandas as pd
import pytest

import tickercast as tc
from tests.conftest import TINY, price_frame
from tickercast.cli import main
from tickercast.errors import DataError
from tickercast.evaluate.backtest import forecasts_from

PRICES = price_frame(400, phi=0.3, seed=4)


@pytest.fixture(scope="module")
def fitted():
    return tc.Forecaster("gru", **TINY).fit(PRICES)


def test_forecast_table_has_dates_points_and_widening_bands(fitted):
    table = fitted.forecast(PRICES, horizon=4)
    assert list(table.columns) == ["date", "horizon", "forecast", "lower_80", "upper_80", "lower_95", "upper_95"]
    assert table["date"].iloc[0] > PRICES.index[-1]
    assert (table["lower_95"] <= table["lower_80"]).all()
    assert (table["lower_80"] < table["forecast"]).all()
    assert (table["forecast"] < table["upper_80"]).all()
    assert (table["upper_80"] <= table["upper_95"]).all()


def test_forecast_from_a_past_date_is_what_the_backtest_forecast_then(fitted):
    cut = 360  # pretend the data ended on day 359
    table = fitted.forecast(PRICES.iloc[:cut], horizon=3)
    close = PRICES["close"].to_numpy()
    rows = forecasts_from(fitted.model_, close, PRICES.index, range(cut, cut + 1), 3)
    np.testing.assert_allclose(table["forecast"], rows.sort_values("horizon")["predicted"], rtol=1e-12)


def test_forecast_ignores_everything_after_its_origin(fitted):
    changed = PRICES.copy()
    changed.iloc[360:, 0] *= 1.5
    a = fitted.forecast(PRICES.iloc[:360], horizon=2)
    b = fitted.forecast(changed.iloc[:360], horizon=2)
    pd.testing.assert_frame_equal(a, b)


def test_naive_forecast_is_flat_with_bands_from_past_moves():
    fc = tc.Forecaster("naive").fit(PRICES)
    table = fc.forecast(PRICES, horizon=2)
    assert (table["forecast"] == PRICES["close"].iloc[-1]).all()
    assert table["upper_95"].iloc[1] > table["upper_95"].iloc[0]


def test_data_without_the_test_part_cannot_calibrate(fitted):
    with pytest.raises(DataError, match="does not cover enough of the test part"):
        fitted.forecast(PRICES.iloc[:300], horizon=5)


def test_cli_forecast(fitted, tmp_path, capsys):
    folder = fitted.save(tmp_path / "model")
    PRICES.to_csv(tmp_path / "prices.csv")
    assert main(["forecast", "--model-dir", str(folder), "--data", str(tmp_path / "prices.csv"), "--horizon", "3",
                 "--json", "--out", str(tmp_path / "fc")]) == 0
    result = json.loads(capsys.readouterr().out)
    assert [row["horizon"] for row in result["forecast"]] == [1, 2, 3]
    assert result["last_date"] == f"{PRICES.index[-1]:%Y-%m-%d}"
    assert (tmp_path / "fc" / "forecast.png").stat().st_size > 0
    assert pd.read_csv(tmp_path / "fc" / "forecast.csv").shape == (3, 7)


def test_monte_carlo_dropout_spread():
    fc = tc.Forecaster("lstm", **{**TINY, "layers": 2, "dropout": 0.5, "hidden": 8, "epochs": 3}).fit(PRICES)
    table = fc.forecast(PRICES, horizon=3, mc_dropout=50)
    assert (table["dropout_lower_80"] <= table["dropout_upper_80"]).all()
    assert (table["dropout_upper_80"] > table["dropout_lower_80"]).any()
    again = fc.forecast(PRICES, horizon=3, mc_dropout=50)
    pd.testing.assert_frame_equal(table, again)  # seeded: the same spread twice
    assert not fc.model_.net_.training  # dropout is off again afterwards


def test_monte_carlo_dropout_needs_dropout_between_layers(fitted):
    from tickercast.errors import ConfigError

    with pytest.raises(ConfigError, match="needs dropout between layers"):
        fitted.forecast(PRICES, horizon=2, mc_dropout=10)
    with pytest.raises(ConfigError, match="0 \\(off\\) to 10,000"):
        fitted.forecast(PRICES, horizon=2, mc_dropout=-1)


def test_backtest_shows_the_simulators_default_cost_without_importing_numpy():
    from tickercast.cli.backtest import SHOWN_COST_BPS
    from tickercast.evaluate.trading import DEFAULT_COST_BPS

    assert SHOWN_COST_BPS == DEFAULT_COST_BPS
