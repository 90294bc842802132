"""An ensemble's bundle: every member's weights in one safetensors file, a round trip that predicts exactly as
before, and every tampering of the member-specific parts refused in one line (as `test_bundle_tampered`)."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from safetensors.numpy import load_file, save_file

import tickercast as tc
from tests.conftest import TINY, price_frame, time_limit
from tickercast.cli import main
from tickercast.errors import TickercastError

PRICES = price_frame(300, seed=7)
SETTINGS = {**TINY, "layers": 2, "dropout": 0.2, "epochs": 2, "ensemble": 3}


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> tuple[Any, Path]:
    forecaster = tc.Forecaster("gru", **SETTINGS).fit(PRICES)
    return forecaster, forecaster.save(tmp_path_factory.mktemp("ensemble") / "gru")


def test_the_members_weights_are_one_file_named_by_member(saved):
    forecaster, folder = saved
    weights = load_file(folder / "weights.safetensors")
    single = set(forecaster.model_.members_[0].state()["weights"])
    assert set(weights) == {f"member{k}.{name}" for k in range(3) for name in single}
    for k, member in enumerate(forecaster.model_.members_):
        np.testing.assert_array_equal(weights[f"member{k}.head.bias"], member.net_.head.bias.detach().numpy())
    assert sorted(path.name for path in folder.iterdir()) == ["config.json", "history.json", "metrics.json",
                                                               "predictions.csv", "scaler.json",
                                                               "weights.safetensors"]


def test_a_loaded_ensemble_predicts_and_scores_as_before(saved):
    forecaster, folder = saved
    loaded = tc.Forecaster.load(folder)
    np.testing.assert_array_equal(loaded.predict(PRICES).to_numpy(), forecaster.predict(PRICES).to_numpy())
    assert loaded.member_metrics == json.loads(json.dumps(forecaster.member_metrics))
    assert [member["seed"] for member in loaded.member_metrics] == [0, 1, 2]
    assert [h.best_epoch for h in loaded.model_.histories_] == [h.best_epoch for h in forecaster.model_.histories_]
    assert "members" not in loaded.metrics  # the splits only, as for one network


def test_a_single_network_bundle_has_no_member_entries(tmp_path):
    folder = tc.Forecaster("gru", **TINY).fit(PRICES).save(tmp_path / "one")
    assert not any(name.startswith("member") for name in load_file(folder / "weights.safetensors"))
    assert "members" not in json.loads((folder / "metrics.json").read_text())
    assert "members" not in json.loads((folder / "history.json").read_text())
    assert tc.Forecaster.load(folder).member_metrics is None


def _weights(change: Callable[[dict[str, np.ndarray]], dict[str, np.ndarray]]) -> Callable[[Path], None]:
    def damage(folder: Path) -> None:
        path = folder / "weights.safetensors"
        save_file(change(dict(load_file(path))), path)
    return damage


def _json(file: str, change: Callable[[Any], Any]) -> Callable[[Path], None]:
    def damage(folder: Path) -> None:
        path = folder / file
        path.write_text(json.dumps(change(json.loads(path.read_text()))))
    return damage


def _renamed(old: str, new: str) -> Callable[[Path], None]:
    return _weights(lambda w: {(new if k == old else k): v for k, v in w.items()})


DAMAGED = "damaged model bundle: .*"
CASES = {
    "a member's weight missing": (_weights(lambda w: {k: v for k, v in w.items() if k != "member1.head.bias"}),
                                  DAMAGED + "lacks weight 'member1.head.bias'"),
    "a fourth member": (_weights(lambda w: {**w, "member3.head.bias": w["member0.head.bias"]}),
                        DAMAGED + "unexpected weight 'member3.head.bias' for an ensemble of 3"),
    "a weight without a member": (_renamed("member2.head.bias", "head.bias"),
                                  DAMAGED + "unexpected weight 'head.bias' for an ensemble of 3"),
    "a member number written 01": (_renamed("member1.head.bias", "member01.head.bias"),
                                   DAMAGED + "unexpected weight 'member01.head.bias'"),
    "a member's weight of another shape": (
        _weights(lambda w: {**w, "member2.head.weight": np.zeros((1, 7), np.float32)}),
        DAMAGED + r"member2.head.weight has shape \(1, 7\)"),
    "settings say fewer members": (_json("config.json", lambda c: {**c, "settings": {**c["settings"], "ensemble": 2}}),
                                   DAMAGED + "unexpected weight 'member2"),
    "settings say one network": (_json("config.json", lambda c: {**c, "settings": {**c["settings"], "ensemble": 1}}),
                                 DAMAGED + "lacks weight 'head.bias'|has an unexpected weight 'member"),
    "settings say more members": (_json("config.json", lambda c: {**c, "settings": {**c["settings"], "ensemble": 4}}),
                                  DAMAGED + "lacks weight 'member3"),
    "too many members for memory": (
        _json("config.json", lambda c: {**c, "settings": {**c["settings"], "ensemble": 1000, "hidden": 4096,
                                                          "layers": 32}}),
        DAMAGED + r"1000 gru networks .* need about [\d.]+ GiB to load"),
    "member histories of another count": (_json("history.json", lambda h: {**h, "members": h["members"][:2]}),
                                          DAMAGED + "2 member histories for 3 members"),
    "member histories not a list": (_json("history.json", lambda h: {**h, "members": {"a": 1}}),
                                    DAMAGED + "history.json: members must be a list"),
    "a member history without epochs": (_json("history.json", lambda h: {**h, "members": [{}] * 3}),
                                        DAMAGED + "history.json: members: must be an object with a list of epochs"),
    "member scores without a seed": (
        _json("metrics.json", lambda m: {**m, "members": [{"metrics": {}}]}),
        DAMAGED + "metrics.json: members must be a list"),
    "member scores of an unknown part": (
        _json("metrics.json", lambda m: {**m, "members": [{"seed": 0, "metrics": {"later": {}}}]}),
        DAMAGED + "metrics.json: members must be a list"),
}


@pytest.mark.parametrize("case", CASES)
def test_a_tampered_ensemble_is_refused_in_one_line(case, saved, tmp_path, capsys):
    damage, pattern = CASES[case]
    folder = tmp_path / "bundle"
    shutil.copytree(saved[1], folder)
    damage(folder)
    with time_limit(20), pytest.raises(TickercastError) as refused:
        tc.Forecaster.load(folder)
    message = str(refused.value)
    assert "\n" not in message, message
    assert len(message) < 300, message
    assert re.search(pattern, message), message
    PRICES.to_csv(tmp_path / "prices.csv")
    code = main(["forecast", "--model-dir", str(folder), "--data", str(tmp_path / "prices.csv"), "--json"])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err == f"error: {message}\n"
