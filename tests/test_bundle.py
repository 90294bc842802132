import json
import pickle

import pandas as pd
import pytest
import torch

import tickercast as tc
from tests.conftest import TINY
from tickercast.bundle import read_bundle
from tickercast.errors import DataError
from tickercast.jsonio import json_safe


@pytest.fixture
def saved(prices, tmp_path):
    fc = tc.Forecaster("lstm", **TINY).fit(prices)
    return fc, fc.save(tmp_path / "run")


def test_bundle_holds_readable_files(saved):
    fc, folder = saved
    assert {p.name for p in folder.iterdir()} == {"config.json", "weights.safetensors", "scaler.json",
                                                  "metrics.json", "history.json", "predictions.csv"}
    config = json.loads((folder / "config.json").read_text())
    assert config["format_version"] == 1
    assert config["tickercast_version"] == tc.__version__
    assert config["model"] == "lstm"
    assert config["settings"]["lookback"] == TINY["lookback"]
    assert config["split"]["test"]["days"] == fc.metrics["test"]["n"]
    assert json.loads((folder / "metrics.json").read_text()) == fc.metrics
    predictions = pd.read_csv(folder / "predictions.csv")
    assert list(predictions.columns) == ["date", "actual", "predicted", "naive", "split"]
    assert set(predictions["split"]) == {"train", "val", "test"}


def test_weights_are_plain_safetensors(saved):
    from safetensors.numpy import load_file

    _, folder = saved
    weights = load_file(folder / "weights.safetensors")
    assert "recurrent.weight_hh_l0" in weights
    assert weights["head.weight"].shape == (1, TINY["hidden"])


def test_loading_never_unpickles(saved, monkeypatch):
    _, folder = saved

    def refuse(*args, **kwargs):
        raise AssertionError("a bundle must load without pickle")

    for name in ("load", "loads", "Unpickler"):
        monkeypatch.setattr(pickle, name, refuse)
    monkeypatch.setattr(torch, "load", refuse)
    assert tc.Forecaster.load(folder).model == "lstm"


def test_baselines_save_no_weights(prices, tmp_path):
    folder = tc.Forecaster("naive").fit(prices).save(tmp_path / "naive")
    assert not (folder / "weights.safetensors").exists()
    assert tc.Forecaster.load(folder).predict(prices).iloc[0] == prices["close"].iloc[0]


def test_saving_again_replaces_the_files(saved):
    fc, folder = saved
    fc.save(folder)
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_not_a_bundle(tmp_path):
    with pytest.raises(DataError, match="not a tickercast model folder"):
        read_bundle(tmp_path)


def test_bundle_from_a_newer_version(saved):
    _, folder = saved
    config = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps({**config, "format_version": 99}))
    with pytest.raises(DataError, match="saved by a newer tickercast"):
        read_bundle(folder)


def test_damaged_json(saved):
    _, folder = saved
    (folder / "scaler.json").write_text("{not json")
    with pytest.raises(DataError, match=r"scaler\.json: damaged JSON"):
        read_bundle(folder)


def test_json_safe_turns_nan_into_null():
    assert json.dumps(json_safe({"a": float("nan"), "b": [float("inf"), 1.5]}), allow_nan=False) == \
        '{"a": null, "b": [null, 1.5]}'


def test_a_bundle_from_before_inputs_loads_and_predicts_as_before(saved, prices):
    forecaster, folder = saved
    config = json.loads((folder / "config.json").read_text())
    for key in ("inputs", "importance"):  # what a bundle written before inputs existed did not have
        config.pop(key)
    config["settings"].pop("features")
    (folder / "config.json").write_text(json.dumps(config))
    assert not (folder / "inputs.json").exists()
    loaded = tc.Forecaster.load(folder)
    assert loaded.config.features == "returns"
    pd.testing.assert_series_equal(loaded.predict(prices), forecaster.predict(prices))


@pytest.mark.parametrize("model", ["gru", "ar"])
def test_a_model_with_inputs_saves_them_and_loads_to_the_same_forecasts(prices, tmp_path, model):
    other = prices.copy()
    other["close"] = other["close"].to_numpy()[::-1].copy()  # another series of the same days
    fc = tc.Forecaster(model, **TINY, features="returns,rsi").fit(prices, covariates={"other": other})
    fc.save(tmp_path)
    saved_inputs = json.loads((tmp_path / "inputs.json").read_text())
    assert saved_inputs["columns"] == ["rsi", "other.returns"]
    assert len(saved_inputs["scalers"]) == 2
    loaded = tc.Forecaster.load(tmp_path)
    assert loaded.inputs_["with"] == ["other"]
    pd.testing.assert_series_equal(loaded.predict(prices, covariates={"other": other}),
                                   fc.predict(prices, covariates={"other": other}))
    with pytest.raises(tc.TickercastError, match="needs exactly those"):
        loaded.predict(prices)
    fc = tc.Forecaster(model, **TINY).fit(prices)
    fc.save(tmp_path)  # a returns-only model saved over it leaves no inputs.json behind
    assert not (tmp_path / "inputs.json").exists()
