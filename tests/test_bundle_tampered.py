"""Every shape of tampered model bundle, through the CLI and the API: one line, exit 2, quickly, never a NaN.

A bundle is data from elsewhere (issue 13, classes 2 and 7). Each case below damages one file of a freshly
saved bundle the way an attacker or a broken copy would; the real `forecast --model-dir` must answer with one
line under 300 characters and exit code 2 within a time limit, and `tc.Forecaster.load` with a TickercastError
whose message is that line. Cases marked "forecast" load (their numbers are finite and of the right shapes) and
must be refused when forecasting instead of returning a NaN or infinite price.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
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
SECONDS = 20  # per case; a FIFO or /dev/zero that were read would block or fill memory far longer


@dataclass(frozen=True)
class Case:
    name: str
    model: str
    damage: Callable[[Path], Any]
    message: str  # regex the one line must match
    stage: str = "load"  # "forecast": the bundle loads, and forecasting from it is refused


def _json(file: str, change: Callable[[Any], Any]) -> Callable[[Path], None]:
    def damage(folder: Path) -> None:
        path = folder / file
        path.write_text(json.dumps(change(json.loads(path.read_text()))))
    return damage


def _setting(key: str, value: Any) -> Callable[[Path], None]:
    return _json("config.json", lambda config: {**config, "settings": {**config["settings"], key: value}})


def _without(key: str) -> Callable[[Path], None]:
    return _json("config.json", lambda config: {k: v for k, v in config.items() if k != key})


def _bytes(file: str, content: bytes) -> Callable[[Path], None]:
    return lambda folder: (folder / file).write_bytes(content)


def _text_edit(file: str, old: str, new: str) -> Callable[[Path], None]:
    def damage(folder: Path) -> None:
        text = (folder / file).read_text()
        assert old in text
        (folder / file).write_text(text.replace(old, new, 1))
    return damage


def _fifo(file: str) -> Callable[[Path], None]:
    def damage(folder: Path) -> None:
        (folder / file).unlink(missing_ok=True)
        os.mkfifo(folder / file)
    return damage


def _symlink_to_fifo(file: str) -> Callable[[Path], None]:
    def damage(folder: Path) -> None:
        os.mkfifo(folder.parent / f"{folder.name}.fifo")
        (folder / file).unlink()
        (folder / file).symlink_to(folder.parent / f"{folder.name}.fifo")
    return damage


def _symlink(file: str, target: str) -> Callable[[Path], None]:
    def damage(folder: Path) -> None:
        (folder / file).unlink()
        (folder / file).symlink_to(target)
    return damage


def _directory(file: str) -> Callable[[Path], None]:
    def damage(folder: Path) -> None:
        (folder / file).unlink()
        (folder / file).mkdir()
    return damage


def _replace_folder(make: Callable[[Path], Any]) -> Callable[[Path], None]:
    def damage(folder: Path) -> None:
        shutil.rmtree(folder)
        make(folder)
    return damage


def _weights(change: Callable[[dict[str, np.ndarray]], dict[str, np.ndarray]]) -> Callable[[Path], None]:
    def damage(folder: Path) -> None:
        path = folder / "weights.safetensors"
        save_file(change(dict(load_file(path))), path)
    return damage


def _set_weight(name: str, value: np.ndarray) -> Callable[[Path], None]:
    return _weights(lambda weights: {**weights, name: value})


def _scaled(factor: float) -> Callable[[Path], None]:
    return _weights(lambda weights: {k: (v * factor).astype(v.dtype) for k, v in weights.items()})


def _remove(file: str) -> Callable[[Path], None]:
    return lambda folder: (folder / file).unlink()


HEADER = "date,actual,predicted,naive,split\n"
DAMAGED = "damaged model bundle: .*"
CASES = [
    # config.json: not an object, not a file, not JSON, too big, too deep
    Case("config is a list", "lstm", _bytes("config.json", b"[]"), DAMAGED + r"config\.json: holds a list"),
    Case("config is null", "lstm", _bytes("config.json", b"null"), DAMAGED + r"config\.json: holds null"),
    Case("config is a number", "lstm", _bytes("config.json", b"7"), DAMAGED + r"config\.json: holds int"),
    Case("config is a directory", "lstm", _directory("config.json"), DAMAGED + "config.json: not a regular file"),
    Case("config nested 100,000 deep", "lstm", _bytes("config.json", b"[" * 100_000 + b"]" * 100_000),
         DAMAGED + r"config\.json: damaged JSON \(nested too deeply\)"),
    Case("config is binary", "lstm", _bytes("config.json", bytes(range(256)) * 4), DAMAGED + "damaged JSON"),
    Case("config over its size limit", "lstm", _bytes("config.json", b" " * (2**20 + 1)),
         DAMAGED + "more than the 1,048,576 allowed"),
    Case("config is a symlink to a FIFO", "lstm", _symlink_to_fifo("config.json"), DAMAGED + "not a regular file"),
    Case("config is a FIFO", "lstm", _fifo("config.json"), DAMAGED + "not a regular file"),
    Case("config is a symlink to /dev/zero", "lstm", _symlink("config.json", "/dev/zero"),
         DAMAGED + "not a regular file"),
    Case("config is a dangling symlink", "lstm", _symlink("config.json", "/nonexistent/x.json"),
         DAMAGED + "cannot be read"),
    Case("config holds NaN", "lstm", _text_edit("config.json", '"lr": 0.001', '"lr": NaN'),
         DAMAGED + "NaN is not a JSON number"),
    Case("config holds a 5,000-digit number", "lstm", _text_edit("config.json", '"lookback": 5', '"lookback": '
                                                                + "9" * 5000), DAMAGED + "damaged JSON"),
    Case("config missing", "lstm", _remove("config.json"), "not a tickercast model folder"),
    Case("model folder is a file", "lstm", _replace_folder(lambda folder: folder.write_bytes(b"{}")),
         "not a tickercast model folder"),
    Case("model folder is a FIFO", "lstm", _replace_folder(os.mkfifo), "not a tickercast model folder"),
    Case("model folder is a symlink to /dev", "lstm", _replace_folder(lambda folder: folder.symlink_to("/dev")),
         "not a tickercast model folder"),
    # config.json: an object of the wrong shape
    Case("config lacks settings", "lstm", _without("settings"), DAMAGED + "settings is missing"),
    Case("config lacks model", "lstm", _without("model"), DAMAGED + "model is missing"),
    Case("config lacks data", "lstm", _without("data"), DAMAGED + "data is missing"),
    Case("config lacks split", "lstm", _without("split"), DAMAGED + "split is missing"),
    Case("string format_version", "lstm", _json("config.json", lambda c: {**c, "format_version": "1"}),
         DAMAGED + "format_version must be a whole number"),
    Case("format_version from the future", "lstm", _json("config.json", lambda c: {**c, "format_version": 99}),
         "saved by a newer tickercast"),
    Case("unknown model", "lstm", _json("config.json", lambda c: {**c, "model": "__import__('os')"}),
         DAMAGED + "unknown model"),
    Case("lookback 10**30", "lstm", _setting("lookback", 10**30), DAMAGED + "lookback must be at most 10,000"),
    Case("20,000 layers", "lstm", _setting("layers", 20_000), DAMAGED + "layers must be at most 32"),
    Case("a billion hidden units", "lstm", _setting("hidden", 10**9), DAMAGED + "hidden must be at most 4,096"),
    Case("100,000 threads", "lstm", _setting("threads", 100_000), DAMAGED + "threads must be at most 256"),
    Case("lookback as text", "lstm", _setting("lookback", "5"), DAMAGED + "lookback must be a whole number"),
    Case("negative epochs", "lstm", _setting("epochs", -1), DAMAGED + "epochs must be at least 1"),
    Case("unknown setting", "lstm", _setting("exec", "rm -rf /"), DAMAGED + "unknown setting"),
    Case("network too large for memory", "lstm",
         _json("config.json", lambda c: {**c, "settings": {**c["settings"], "hidden": 4096, "layers": 32,
                                                           "horizons": 1000}}),
         # the largest network within the caps needs 51 GiB to load; a machine with more then refuses the weights
         DAMAGED + r"needs about [\d.]+ GiB to load, but [\d.]+ GiB is available|does not match the settings"),
    Case("garbage split date", "lstm",
         _json("config.json", lambda c: {**c, "split": {**c["split"], "test": {**c["split"]["test"],
                                                                               "start": "2020-13-45"}}}),
         DAMAGED + "split.test needs start and end dates"),
    Case("split without test", "lstm",
         _json("config.json", lambda c: {**c, "split": {k: v for k, v in c["split"].items() if k != "test"}}),
         DAMAGED + "split must name test"),
    Case("price column is a path", "lstm",
         _json("config.json", lambda c: {**c, "data": {**c["data"], "price_column": "../../etc/passwd"}}),
         DAMAGED + "data.price_column"),
    Case("exchange is a number", "lstm",
         _json("config.json", lambda c: {**c, "data": {**c["data"], "exchange": 5}}),
         DAMAGED + "data.exchange 5 is not an exchange code"),
    Case("fit_seconds as text", "lstm", _json("config.json", lambda c: {**c, "fit_seconds": "fast"}),
         DAMAGED + "fit_seconds"),
    # weights.safetensors
    Case("NaN weights", "lstm", _set_weight("head.bias", np.array([np.nan], dtype=np.float32)),
         DAMAGED + "head.bias' holds NaN or infinite values"),
    Case("infinite weights", "lstm", _set_weight("recurrent.weight_hh_l0", np.full((16, 4), np.inf, np.float32)),
         DAMAGED + "holds NaN or infinite values"),
    Case("weights of another hidden size", "lstm", _set_weight("recurrent.weight_hh_l0", np.zeros((32, 8), np.float32)),
         DAMAGED + r"does not match the settings: recurrent\.weight_hh_l0 has shape \(32, 8\)"),
    Case("a weight missing", "lstm", _weights(lambda w: {k: v for k, v in w.items() if k != "head.bias"}),
         DAMAGED + "lacks weight 'head.bias'"),
    Case("an unexpected weight", "lstm", _set_weight("recurrent.weight_hh_l7", np.zeros((16, 4), np.float32)),
         DAMAGED + "has an unexpected weight"),
    Case("boolean weights", "lstm", _set_weight("head.bias", np.array([True])), DAMAGED + "holds bool, not numbers"),
    Case("weights file is garbage", "lstm", _bytes("weights.safetensors", b"not safetensors"),
         DAMAGED + "damaged weights file"),
    Case("weights header claims exabytes", "lstm", _bytes("weights.safetensors", b"\xff" * 8 + b"{}"),
         DAMAGED + "damaged weights file"),
    Case("weights file over its size limit", "lstm", _bytes("weights.safetensors", b"\0" * (3 * 2**20)),
         DAMAGED + "weights.safetensors: .* bytes, more than"),
    Case("weights file is a FIFO", "lstm", _fifo("weights.safetensors"), DAMAGED + "not a regular file"),
    Case("weights file is /dev/zero", "lstm", _symlink("weights.safetensors", "/dev/zero"),
         DAMAGED + "not a regular file"),
    Case("huge finite weights", "lstm", _scaled(1e30), "forecasts are not finite numbers", stage="forecast"),
    # scaler.json
    Case("scaler scale zero", "lstm", _json("scaler.json", lambda s: {**s, "scale": 0}), DAMAGED + "scale between"),
    Case("scaler scale negative", "lstm", _json("scaler.json", lambda s: {**s, "scale": -1.0}),
         DAMAGED + "scale between"),
    Case("scaler scale 1e-300", "lstm", _json("scaler.json", lambda s: {**s, "scale": 1e-300}),
         DAMAGED + "scale between"),
    Case("scaler scale null", "lstm", _json("scaler.json", lambda s: {**s, "scale": None}),
         DAMAGED + "scale between"),
    Case("scaler shift 1e300", "lstm", _json("scaler.json", lambda s: {**s, "shift": 1e300}),
         DAMAGED + "shift must be a finite number"),
    Case("scaler of an unknown kind", "lstm", _json("scaler.json", lambda s: {**s, "kind": "evil"}),
         DAMAGED + "scaler needs a kind"),
    Case("scaler is a list", "lstm", _bytes("scaler.json", b"[1, 2]"), DAMAGED + "scaler needs a kind"),
    Case("scaler missing", "lstm", _remove("scaler.json"), DAMAGED + "no scaler.json"),
    # history.json and metrics.json
    Case("history not JSON", "lstm", _bytes("history.json", b"\x89PNG\r\n\x1a\n"), DAMAGED + "history.json: damaged"),
    Case("history is a list", "lstm", _bytes("history.json", b"[]"), DAMAGED + "history.json: must be an object"),
    Case("history loss as text", "lstm",
         _json("history.json", lambda h: {**h, "epochs": [{"epoch": 0, "train_loss": "low"}]}),
         DAMAGED + "every epoch needs"),
    Case("history stopped_early as text", "lstm", _json("history.json", lambda h: {**h, "stopped_early": "yes"}),
         DAMAGED + "stopped_early true or false"),
    Case("metrics is a list", "lstm", _bytes("metrics.json", b"[]"), DAMAGED + "metrics.json: must map"),
    Case("metrics of an unknown part", "lstm", _json("metrics.json", lambda m: {**m, "hack": {}}),
         DAMAGED + "metrics.json: must map"),
    Case("metrics nested", "lstm", _json("metrics.json", lambda m: {**m, "test": {"rmse": {"a": [1]}}}),
         DAMAGED + "metrics.json: must map"),
    # predictions.csv
    Case("predictions binary", "lstm", _bytes("predictions.csv", bytes(range(256)) * 100),
         DAMAGED + "predictions.csv: the first line must be"),
    Case("predictions garbage date", "lstm", _bytes("predictions.csv", (HEADER + "2020-99-01,1,1,1,test\n").encode()),
         DAMAGED + "predictions.csv: unreadable rows"),
    Case("predictions NaN", "lstm", _bytes("predictions.csv", (HEADER + "2020-01-02,1,nan,1,test\n").encode()),
         DAMAGED + "predictions.csv: unreadable rows"),
    Case("predictions infinite", "lstm", _bytes("predictions.csv", (HEADER + "2020-01-02,1,inf,1,test\n").encode()),
         DAMAGED + "predictions.csv: every row needs a date, finite numbers"),
    Case("predictions without a date", "lstm", _bytes("predictions.csv", (HEADER + ",1,1,1,test\n").encode()),
         DAMAGED + "predictions.csv: every row needs a date"),
    Case("predictions unknown part", "lstm",
         _bytes("predictions.csv", (HEADER + "2020-01-02,1,1,1,holdout\n").encode()),
         DAMAGED + "predictions.csv: every row needs"),
    Case("predictions ragged", "lstm", _bytes("predictions.csv", (HEADER + "2020-01-02,1,1,1,test,x,y\n").encode()),
         DAMAGED + "predictions.csv: unreadable rows"),
    Case("predictions is a FIFO", "lstm", _fifo("predictions.csv"), DAMAGED + "not a regular file"),
    # baselines' weights
    Case("ar coefficients of another lookback", "ar", _set_weight("coefficients", np.zeros(9)),
         DAMAGED + r"ar weights have \(9,\) coefficients"),
    Case("ar intercept NaN", "ar", _set_weight("intercept", np.array([np.nan])), DAMAGED + "NaN or infinite"),
    Case("ar intercept of three numbers", "ar", _set_weight("intercept", np.zeros(3)),
         DAMAGED + "intercept is one number"),
    Case("ar intercept missing", "ar", _weights(lambda w: {"coefficients": w["coefficients"]}),
         DAMAGED + "lacks 'intercept'"),
    Case("drift of two numbers", "drift", _set_weight("drift", np.zeros(2)), DAMAGED + "drift is one number"),
    Case("drift infinite", "drift", _set_weight("drift", np.array([np.inf])), DAMAGED + "NaN or infinite"),
    Case("drift huge", "drift", _set_weight("drift", np.array([1e300])), "non-finite forecasts", stage="forecast"),
]


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("pristine")
    PRICES.to_csv(root / "prices.csv")
    return {"lstm": tc.Forecaster("lstm", **TINY).fit(PRICES).save(root / "lstm"),
            "ar": tc.Forecaster("ar", lookback=5).fit(PRICES).save(root / "ar"),
            "drift": tc.Forecaster("drift").fit(PRICES).save(root / "drift"),
            "csv": root / "prices.csv"}


def damaged_copy(case: Case, pristine: dict[str, Path], tmp_path: Path) -> Path:
    folder = tmp_path / "bundle"
    shutil.copytree(pristine[case.model], folder)
    case.damage(folder)
    return folder


def assert_one_line(message: str, pattern: str) -> None:
    assert "\n" not in message.strip(), message
    assert len(message) < 300, message
    assert "Traceback" not in message
    assert re.search(pattern, message), message


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_the_cli_refuses_a_tampered_bundle_in_one_line(case, pristine, tmp_path, capsys):
    folder = damaged_copy(case, pristine, tmp_path)
    with time_limit(SECONDS):
        code = main(["forecast", "--model-dir", str(folder), "--data", str(pristine["csv"]), "--horizon", "2",
                     "--json"])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err.startswith("error: ")
    assert_one_line(err, case.message)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_the_api_refuses_a_tampered_bundle_in_one_line(case, pristine, tmp_path):
    folder = damaged_copy(case, pristine, tmp_path)
    with time_limit(SECONDS):
        if case.stage == "forecast":
            forecaster = tc.Forecaster.load(folder)
            with pytest.raises(TickercastError) as refused:
                forecaster.forecast(PRICES, horizon=2)
        else:
            with pytest.raises(TickercastError) as refused:
                tc.Forecaster.load(folder)
    assert_one_line(str(refused.value), case.message)


@pytest.mark.parametrize("name", ["config is a symlink to a FIFO", "weights file is /dev/zero",
                                  "weights of another hidden size", "config nested 100,000 deep"])
def test_a_real_process_exits_2_with_one_line(name, pristine, tmp_path):
    case = next(case for case in CASES if case.name == name)
    folder = damaged_copy(case, pristine, tmp_path)
    result = subprocess.run([sys.executable, "-m", "tickercast", "forecast", "--model-dir", str(folder), "--data",
                             str(pristine["csv"])], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert_one_line(result.stderr, case.message)
