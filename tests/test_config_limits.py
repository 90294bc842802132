"""Every size setting is bounded, in the API and on the command line, with one clear line (issue 13, classes 4, 6).

Before: `--lookback 1000000000` hung in a counting loop, `--hidden 1000000000` tried to allocate 16 GB,
`--layers 100000` never finished building, `--threads 100000` crashed torch (a segmentation fault in 2 of 4
runs), and a sweep unit with hidden=10**23 printed 12 lines of C++ stack.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time

import pytest

import tickercast as tc
from tests.conftest import price_frame
from tickercast.cli import main
from tickercast.config import LIMITS, ModelConfig, shown
from tickercast.errors import ConfigError
from tickercast.parallel import cores


@pytest.mark.parametrize("name", sorted(LIMITS))
def test_each_size_is_accepted_at_its_limit_and_refused_beyond(name):
    assert getattr(ModelConfig(**{name: LIMITS[name]}), name) == LIMITS[name]
    with pytest.raises(ConfigError, match=rf"^{name} must be at most {LIMITS[name]:,}, not {LIMITS[name] + 1}$"):
        ModelConfig(**{name: LIMITS[name] + 1})


@pytest.mark.parametrize("value", [10**23, 10**30, 10**5000], ids=["1e23", "1e30", "1e5000"])
def test_absurd_sizes_are_named_short(value):
    with pytest.raises(ConfigError) as refused:
        ModelConfig(hidden=value)
    assert re.fullmatch(r"hidden must be at most 4,096, not about 1e\+\d+", str(refused.value))


def test_shown_keeps_long_values_short():
    assert shown("x" * 1000) == "'" + "x" * 36 + "..."
    assert shown(12) == "12"


def test_the_forecaster_refuses_before_loading_anything():
    with pytest.raises(ConfigError, match="layers must be at most 32, not 100000"):
        tc.Forecaster("lstm", layers=100_000)


@pytest.mark.parametrize(("option", "value", "message"), [
    ("--lookback", "1000000000", "lookback must be at most 10,000, not 1000000000"),
    ("--hidden", "1000000000", "hidden must be at most 4,096, not 1000000000"),
    ("--layers", "100000", "layers must be at most 32, not 100000"),
    ("--epochs", "10000000", "epochs must be at most 100,000"),
    ("--batch-size", "100000000", "batch_size must be at most 65,536"),
    ("--threads", "100000", "--threads 100000 is more than the \\d+ cores this process may use"),
    ("--threads", "-1", "threads must be 0 \\(automatic\\) or positive"),
])
def test_the_cli_refuses_each_size_in_one_line_at_once(option, value, message, tmp_path, capsys):
    price_frame(200).to_csv(tmp_path / "p.csv")
    started = time.perf_counter()
    code = main(["train", "--data", str(tmp_path / "p.csv"), "--model", "lstm", option, value])
    assert time.perf_counter() - started < 10
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1
    assert len(err) < 300
    assert re.search(message, err), err


def test_threads_up_to_the_cores_are_accepted(tmp_path, capsys):
    price_frame(200).to_csv(tmp_path / "p.csv")
    assert main(["train", "--data", str(tmp_path / "p.csv"), "--model", "rnn", "--hidden", "2", "--layers", "1",
                 "--epochs", "1", "--lookback", "3", "--threads", str(cores()), "--json"]) == 0


def test_a_network_that_cannot_fit_in_memory_is_refused_with_its_estimate(tmp_path, capsys):
    price_frame(200).to_csv(tmp_path / "p.csv")
    code = main(["train", "--data", str(tmp_path / "p.csv"), "--model", "gru", "--hidden", "4096", "--layers", "32",
                 "--batch-size", "65536", "--lookback", "100"])
    err = capsys.readouterr().err
    assert code == 2
    assert re.search(r"has [\d,]+ weights and needs about [\d.]+ GiB to train, but [\d.]+ GiB is available", err)


def test_a_hundred_thousand_threads_in_a_real_process_is_one_line_not_a_crash(tmp_path):
    price_frame(200).to_csv(tmp_path / "p.csv")
    result = subprocess.run([sys.executable, "-m", "tickercast", "train", "--data", str(tmp_path / "p.csv"),
                             "--model", "gru", "--threads", "100000"], capture_output=True, text=True, timeout=120,
                            check=False)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "--threads 100000 is more than the" in result.stderr
