"""A tampered model folder of a model with inputs: inputs.json, config.json's inputs and importance, and the
features setting, each damaged the way a broken copy or an attacker would; `Forecaster.load` answers with one
line, before anything is built (the pattern of tests/test_bundle_tampered.py, for the files issue 14 added)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import tickercast as tc
from tests.conftest import TINY, price_frame
from tickercast.bundle import DamagedBundleError

PRICES = price_frame(300, seed=7)


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("inputs-model")
    tc.Forecaster("gru", **TINY, features="returns,rsi").fit(PRICES).save(folder)
    return folder


def _edit(file: str, change: Callable[[Any], Any]) -> Callable[[Path], None]:
    def damage(folder: Path) -> None:
        path = folder / file
        path.write_text(json.dumps(change(json.loads(path.read_text()))))
    return damage


def _scaler(scale: float) -> Callable[[Path], None]:
    return _edit("inputs.json", lambda state: {**state, "scalers": [{**state["scalers"][0], "scale": scale}]})


CASES = {
    "inputs.json is a list": (_edit("inputs.json", lambda state: [state]), "inputs must name"),
    "more columns than scalers": (_edit("inputs.json", lambda state: {**state, "columns": ["rsi", "x"]}),
                                  "inputs must name"),
    "a column that is not text": (_edit("inputs.json", lambda state: {**state, "columns": [7]}), "inputs must name"),
    "10,000 columns": (_edit("inputs.json", lambda state: {"columns": ["c"] * 10_000,
                                                             "scalers": state["scalers"] * 10_000}),
                       "inputs must name"),
    "a zero scale": (_scaler(0.0), "scale"),
    "a scale of 1e-300": (_scaler(1e-300), "scale"),
    "a weight shape for another input count": (_edit("inputs.json", lambda state: {
        "columns": ["rsi", "macd.line"], "scalers": state["scalers"] * 2}), "weight|shape"),
    "inputs.json removed": (lambda folder: (folder / "inputs.json").unlink(), "weight|shape"),
    "inputs in config.json is text": (_edit("config.json", lambda c: {**c, "inputs": "returns"}), "inputs must list"),
    "a --with name of 10,000 characters": (_edit("config.json", lambda c: {**c, "inputs": {
        **c["inputs"], "with": ["x" * 10_000]}}), "inputs must list"),
    "importance NaN": (lambda folder: (folder / "config.json").write_text(
        (folder / "config.json").read_text().replace('"importance": [', '"importance": [{"input": "rsi", '
                                                     '"columns": ["rsi"], "importance": NaN}, ', 1)),
                       "importance|JSON|NaN"),
    "an unknown feature in the settings": (_edit("config.json", lambda c: {
        **c, "settings": {**c["settings"], "features": "returns,telepathy"}}), "unknown feature|telepathy"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_damaged_inputs_file_is_one_line_before_anything_is_built(saved, tmp_path, case):
    import shutil

    folder = tmp_path / "model"
    shutil.copytree(saved, folder)
    damage, message = CASES[case]
    damage(folder)
    with pytest.raises(DamagedBundleError) as caught:
        tc.Forecaster.load(folder)
    line = str(caught.value)
    assert re.search(message, line), line
    assert "\n" not in line
    assert len(line) < 300


def test_the_undamaged_folder_loads(saved):
    assert tc.Forecaster.load(saved).inputs_["columns"] == ["rsi"]
