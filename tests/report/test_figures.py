"""The report's Plotly specs: each number stored once, traces that a legend click can hide per model."""

import numpy as np
import pandas as pd
import pytest

from tickercast.report import figures as fig


def predictions(first: int, n: int = 10, split_at: tuple[int, int] = (6, 8)) -> pd.DataFrame:
    """A predictions.csv table for days first..n-1 of a 10-day series; forecast = actual + 1."""
    dates = pd.bdate_range("2024-01-01", periods=n)[first:]
    actual = np.arange(first, n, dtype=float) + 100
    split = ["train" if d < split_at[0] else "val" if d < split_at[1] else "test" for d in range(first, n)]
    return pd.DataFrame({"date": dates, "actual": actual, "predicted": actual + 1, "naive": actual - 1,
                         "split": split})


def test_columns_round_and_store_nan_as_null():
    columns = fig.Columns(decimals=2)
    reference = columns.add("a", np.array([1.23456, np.nan, 2.0]))
    assert reference == {"$col": "a"}
    assert columns.values["a"] == [1.23, None, 2.0]


@pytest.mark.parametrize(("prices", "decimals"), [([2500.0, 100.0], 2), ([3.21], 5), ([0.5], 6), ([123456.0], 0)])
def test_price_decimals_keep_six_significant_digits_of_the_largest_price(prices, decimals):
    assert fig.price_decimals(np.array(prices)) == decimals


def test_price_view_aligns_models_that_start_later_on_the_longest_dates():
    view = fig.price_view({"lstm": predictions(first=4), "naive": predictions(first=1)})
    assert len(view.dates) == 9
    assert np.isnan(view.forecasts["lstm"][:3]).all()
    assert view.forecasts["lstm"][3:].tolist() == (view.actual[3:] + 1).tolist()
    assert [part for part, _, _ in view.splits] == ["train", "val", "test"]
    assert view.dates[view.test_start] == view.splits[-1][1]


def test_price_figure_stores_each_series_once_and_groups_a_model_with_its_errors():
    view = fig.price_view({"lstm": predictions(first=2), "naive": predictions(first=1)})
    columns = fig.Columns(decimals=2)
    figure = fig.price_figure(view, columns, "0:", fig.colours(["lstm", "naive"]))
    assert set(columns.values) == {"0:dates", "0:actual", "0:error:lstm", "0:error:naive"}
    assert columns.values["0:error:lstm"][1:] == [1.0] * 8  # forecast - actual
    names = [(trace["name"], trace.get("yaxis", "y"), trace["legendgroup"]) for trace in figure["data"]]
    assert names == [("actual", "y", "actual"), ("lstm", "y", "lstm"), ("lstm", "y2", "lstm"),
                     ("naive", "y", "naive"), ("naive", "y2", "naive")]
    assert figure["data"][1]["y"] == {"$col": "0:actual", "plus": "0:error:lstm"}
    assert figure["layout"]["legend"]["groupclick"] == "togglegroup"
    assert figure["layout"]["xaxis"]["rangeslider"]["visible"]
    assert len(figure["layout"]["shapes"]) == 3  # train, val, test shading


def test_error_figure_takes_the_test_days_of_the_stored_errors():
    view = fig.price_view({"lstm": predictions(first=0)})
    figure = fig.error_figure(view, "0:", {"lstm": "#000"})
    assert figure["data"][0]["y"] == {"$col": "0:error:lstm", "from": 8}


def test_up_share_scores_up_days_one_and_flat_days_half():
    assert fig.up_share(np.array([2.0, 1.0, 1.0, 3.0]), np.array([1.0, 2.0, 1.0, 2.0])) == pytest.approx(2.5 / 4)


def test_direction_bars_start_at_the_coin():
    figure = fig.direction_figure(["a", "naive"], [{"directional_accuracy": 0.53, "direction_p_value": 0.02},
                                                   {"directional_accuracy": 0.5, "direction_p_value": 1.0}],
                                  {"a": "#111", "naive": "#999"}, up=0.52)
    bars = figure["data"][0]
    assert bars["base"] == 0.5
    assert bars["y"] == pytest.approx([0.03, 0.0])
    assert bars["text"] == ["53.0%", "50.0%"]
    assert [shape["y0"] for shape in figure["layout"]["shapes"]] == [0.5, 0.52]


def test_grid_places_subplots_row_by_row_without_overlap():
    layout = fig.grid(2, 2)
    assert layout["xaxis"]["domain"][1] < layout["xaxis2"]["domain"][0]
    assert layout["yaxis3"]["domain"][1] < layout["yaxis"]["domain"][0]
    assert layout["xaxis4"]["anchor"] == "y4"


def test_colours_are_stable_and_naive_is_grey():
    colour = fig.colours(["lstm", "naive", "gru"])
    assert colour == {"lstm": fig.PALETTE[0], "naive": fig.NAIVE_COLOUR, "gru": fig.PALETTE[1]}


def test_loss_figure_marks_the_epoch_whose_weights_were_kept():
    history = pd.DataFrame({"epoch": [0, 1, 2], "train_loss": [1.0, 0.9, 0.8], "val_loss": [0.5, 0.4, 0.45]})
    figure = fig.loss_figure({"gru": history}, {"gru": "#111"})
    marker = figure["data"][-1]
    assert (marker["x"], marker["y"]) == ([1], [0.4])


def test_importance_bars_a_model_each_with_the_input_that_mattered_most_on_top():
    importance = {
        "gru+volume": [{"input": "volume", "columns": ["volume.change", "volume.relative"], "importance": 0.02},
                       {"input": "returns", "columns": ["returns"], "importance": -0.001}],
        "ar+index": [{"input": "returns", "columns": ["returns"], "importance": 0.05},
                     {"input": "index", "columns": ["index.returns"], "importance": None}],
    }
    figure = fig.importance_figure(importance, fig.colours(importance))
    assert figure["layout"]["yaxis"]["categoryarray"] == ["returns", "volume", "index"]  # None last
    gru, ar = figure["data"]
    assert (gru["name"], gru["orientation"], gru["y"], gru["x"]) == ("gru+volume", "h", ["returns", "volume"],
                                                                     [-0.001, 0.02])
    assert gru["customdata"] == ["returns", "volume.change, volume.relative"]
    assert (ar["y"], ar["x"]) == (["returns", "index"], [0.05, None])  # no bar where there is no number
    assert gru["marker"]["color"] != ar["marker"]["color"]
