"""`forecast --model-dir B` without `--data` reads only what a bundle may name: a bundled sample or a stored ticker.

Regression tests for issue 13, class 2: a tampered bundle's `data.origin` made forecast read /etc/shadow (and
print its first line), block on a FIFO, fill memory from /dev/zero, or download from Yahoo. A path or a web
source in a bundle is now refused in one line that asks for --data, before anything is opened.
"""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest

import tickercast as tc
from tests.conftest import price_frame
from tickercast.cli import main
from tickercast.data.store import Store

PRICES = price_frame(300, seed=11)


@pytest.fixture
def bundle(tmp_path) -> Path:
    return tc.Forecaster("naive").fit(PRICES).save(tmp_path / "model")


def set_origin(folder: Path, **data: str) -> None:
    config = json.loads((folder / "config.json").read_text())
    config["data"].update(data)
    (folder / "config.json").write_text(json.dumps(config))


def forecast(folder: Path, *extra: str) -> int:
    """The real CLI, failing (not hanging) if it blocks on what it opens."""
    def expire(*_: object) -> None:
        raise TimeoutError("forecast blocked")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(20)
    try:
        return main(["forecast", "--model-dir", str(folder), "--horizon", "2", "--json", *extra])
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def refused(capsys) -> str:
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1
    assert len(err) < 300
    assert "pass the prices with --data" in err
    return err


def test_a_path_to_a_secret_is_neither_read_nor_printed(bundle, tmp_path, capsys):
    secret = tmp_path / "shadow"
    secret.write_text("root:$6$secret-hash:19000:0:99999:7:::\n")
    set_origin(bundle, origin=str(secret), source="file", ticker="shadow")
    assert forecast(bundle) == 2
    assert "secret-hash" not in refused(capsys)


def test_etc_shadow_named_by_a_bundle_is_refused(bundle, capsys):
    set_origin(bundle, origin="/etc/shadow", source="file", ticker="shadow")
    assert forecast(bundle) == 2
    assert "root:" not in refused(capsys)


def test_a_fifo_named_by_a_bundle_is_never_opened(bundle, tmp_path, capsys):
    os.mkfifo(tmp_path / "pipe.csv")
    set_origin(bundle, origin=str(tmp_path / "pipe.csv"), source="file", ticker="pipe")
    assert forecast(bundle) == 2  # opening the FIFO for reading would block until the alarm
    refused(capsys)


def test_dev_zero_named_by_a_bundle_is_never_read(bundle, capsys):
    set_origin(bundle, origin="/dev/zero", source="file", ticker="zero")
    assert forecast(bundle) == 2
    refused(capsys)


@pytest.mark.parametrize("origin", ["yahoo:IBM", "alphavantage:IBM", "https://example.com/prices.csv"])
def test_a_download_named_by_a_bundle_is_refused_before_any_connection(bundle, capsys, origin):
    set_origin(bundle, origin=origin, source="yahoo", ticker="IBM")
    assert forecast(bundle) == 2
    refused(capsys)


def test_even_a_real_price_file_needs_data_named_by_the_user(bundle, tmp_path, capsys):
    PRICES.to_csv(tmp_path / "prices.csv")
    set_origin(bundle, origin=str(tmp_path / "prices.csv"), source="file", ticker="prices")
    assert forecast(bundle) == 2
    refused(capsys)
    assert forecast(bundle, "--data", str(tmp_path / "prices.csv")) == 0  # the user names it: read
    assert json.loads(capsys.readouterr().out)["last_date"] == f"{PRICES.index[-1]:%Y-%m-%d}"


def test_a_bundled_sample_is_read_again(tmp_path, capsys):
    folder = tc.Forecaster("naive").fit(tc.load("msft")).save(tmp_path / "msft")
    assert forecast(folder) == 0
    assert json.loads(capsys.readouterr().out)["last_date"] == "2017-11-10"


def test_a_stored_ticker_is_read_from_the_store_without_fetching(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TICKERCAST_HOME", str(tmp_path))
    with Store() as store:
        store.replace("ACME", PRICES)
    folder = tc.Forecaster("naive").fit(tc.load("store:ACME")).save(tmp_path / "acme")
    assert json.loads((folder / "config.json").read_text())["data"]["origin"] == "store ACME"
    assert forecast(folder) == 0
    assert json.loads(capsys.readouterr().out)["last_date"] == f"{PRICES.index[-1]:%Y-%m-%d}"


def test_a_store_origin_with_a_mismatched_ticker_is_refused(bundle, capsys):
    set_origin(bundle, origin="store IBM", source="yahoo", ticker="yahoo:IBM")
    assert forecast(bundle) == 2
    refused(capsys)


def test_source_without_data_is_a_usage_error(bundle, capsys):
    assert forecast(bundle, "--source", "yahoo") == 2
    assert capsys.readouterr().err == "error: --source says how to read --data; give --data too\n"
