import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import tickercast as tc
from tests.conftest import TINY
from tickercast.comparison import summarize
from tickercast.errors import ConfigError


def test_networks_run_once_per_seed_and_baselines_once(prices):
    results = tc.compare(prices, "lstm,naive", seeds=2, **TINY)
    assert [(r.model, r.seed) for r in results] == [("lstm", 0), ("lstm", 1), ("naive", None)]
    assert results[0].metrics["test"]["rmse"] != results[1].metrics["test"]["rmse"]


def test_worker_processes_give_the_same_numbers_in_the_same_order(prices):
    alone = tc.compare(prices, "gru,naive,lstm", seeds=2, workers=1, **TINY)
    side_by_side = tc.compare(prices, "gru,naive,lstm", seeds=2, workers=2, **TINY)
    assert [(r.model, r.seed) for r in side_by_side] == [(r.model, r.seed) for r in alone]
    for a, b in zip(alone, side_by_side, strict=True):
        assert a.metrics == b.metrics
        assert a.forecaster.predictions_.equals(b.forecaster.predictions_)


def test_every_model_is_scored_on_the_same_days(prices):
    results = tc.compare(prices, ["gru", "naive"], **TINY)
    naive_rmse = {r.metrics["test"]["naive_rmse"] for r in results}
    assert len(naive_rmse) == 1
    assert results[1].metrics["test"]["rmse"] == naive_rmse.pop()


def test_summary_has_mean_and_sd_over_seeds(prices):
    results = tc.compare(prices, "rnn,naive", seeds=3, **TINY)
    rows = {row["model"]: row for row in summarize(results)}
    ratios = [r.metrics["test"]["rmse_ratio_vs_naive"] for r in results if r.model == "rnn"]
    assert rows["rnn"]["runs"] == 3
    assert rows["rnn"]["rmse_ratio_vs_naive"] == pytest.approx(sum(ratios) / 3)
    assert rows["rnn"]["rmse_ratio_vs_naive_sd"] > 0
    assert rows["naive"]["rmse_ratio_vs_naive"] == 1.0
    assert rows["naive"]["rmse_ratio_vs_naive_sd"] is None


@pytest.mark.parametrize(("models", "seeds", "message"), [("lstm,prophet", 1, "unknown model\\(s\\) prophet"),
                                                          ("", 1, "none given"), ("lstm", 0, "seeds")])
def test_bad_requests(prices, models, seeds, message):
    with pytest.raises(ConfigError, match=message):
        tc.compare(prices, models, seeds=seeds)


def test_negative_workers_are_refused(prices):
    with pytest.raises(ConfigError, match="workers"):
        tc.compare(prices, "naive", workers=-1)


def test_seed_verdict_needs_a_difference_beyond_the_spread(prices):
    from tickercast.comparison import network_verdicts

    results = tc.compare(prices, "lstm,gru,naive", seeds=2, **TINY)
    (verdict,) = network_verdicts(results)
    assert (verdict["a"], verdict["b"]) == ("lstm", "gru")
    separated = abs(verdict["rmse_a"] - verdict["rmse_b"]) > verdict["sd_a"] + verdict["sd_b"]
    assert verdict["winner"] == (("lstm" if verdict["rmse_a"] < verdict["rmse_b"] else "gru") if separated
                                 else "tie")


def test_leaderboard_ranks_models_across_datasets():
    from tests.conftest import price_frame
    from tickercast.comparison import leaderboard

    predictable = price_frame(1500, phi=0.6, seed=1)
    random_walk = price_frame(400, phi=0.0, seed=2)
    runs = {name: tc.compare(frame, "ar,naive,ma", lookback=5)
            for name, frame in (("ar1", predictable), ("rw", random_walk))}
    board = {row["model"]: row for row in leaderboard(runs)}
    assert board["ar"]["datasets"] == 2
    assert board["ar"]["beats_naive_significantly"] >= 1  # on the AR(1) series it must
    assert board["ar"]["mean_rank"] < board["ma"]["mean_rank"]
    assert sorted(row["mean_rank"] for row in board.values()) == [row["mean_rank"] for row in leaderboard(runs)]


def test_tied_models_share_a_rank(prices):
    from tickercast.comparison import leaderboard

    runs = tc.compare(prices, "naive")
    board = leaderboard({"a": runs, "b": runs})
    assert board == [{"model": "naive", "mean_rank": 1.0, "datasets": 2, "runs": 2, "beats_naive_significantly": 0}]


def test_one_worker_or_two_give_identical_numbers_for_blas_heavy_fits():
    """`ar` on a long series takes a product large enough for BLAS to split over threads: every fit runs on one
    thread, in this process (which has all the cores) as in a worker, so the last digits agree too."""
    nasdaq = tc.load("nasdaq")
    alone = tc.compare(nasdaq, "ar,naive", lookback=60, workers=1)
    side_by_side = tc.compare(nasdaq, "ar,naive", lookback=60, workers=2)
    assert [r.metrics for r in alone] == [r.metrics for r in side_by_side]


def test_a_dataset_name_that_looks_like_a_formula_is_text_in_the_csv_tables(tmp_path, monkeypatch, capsys):
    import pandas as pd

    from tests.conftest import price_frame
    from tickercast.cli import main

    monkeypatch.chdir(tmp_path)
    for name in ("=HYPERLINK(1)", "-b"):
        price_frame(150, seed=3).to_csv(tmp_path / f"{name}.csv")
    assert main(["compare", "--data", "=HYPERLINK(1).csv,-b.csv", "--models", "naive,drift", "--out", "run"]) == 0
    results = pd.read_csv(tmp_path / "run" / "results.csv")
    assert sorted(set(results["data"])) == ["'-b.csv", "'=HYPERLINK(1).csv"]
    assert results["rmse"].dtype == float  # numbers stay numbers


@pytest.mark.parametrize("data", [",,", " , ", ""])
def test_data_that_names_no_dataset_is_one_line(data, tmp_path, capsys):
    from tickercast.cli import main

    code = main(["compare", "--data", data, "--models", "naive", "--json", "--out", str(tmp_path / "run")])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err.count("\n") == 1
    assert "no data named; give --data a comma-separated list" in err
    assert not (tmp_path / "run").exists()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads processes from /proc")
def test_compare_workers_die_with_a_command_killed_with_sigkill(tmp_path):
    from tests.sweep.test_kill import REPO, alive, children

    command = [sys.executable, "-m", "tickercast", "compare", "--data", "sp500", "--models", "lstm,gru", "--seeds", "2",
               "--epochs", "200", "--workers", "2"]
    driver = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path,
                              env={**os.environ, "PYTHONPATH": str(REPO / "src")})
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 120
        while len([pid for pid in workers if lifeline_running(pid)]) < 2:  # both workers hold their lifeline
            assert driver.poll() is None, driver.communicate()[1].decode()[-2000:]
            assert time.monotonic() < deadline, "the workers did not start in 120 s"
            time.sleep(0.1)
            workers = children(driver.pid)
        driver.kill()
        deadline = time.monotonic() + 5
        while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert [pid for pid in workers if alive(pid)] == []
        driver.communicate(timeout=5)  # nothing holds the output pipes open
    finally:
        for pid in [driver.pid, *workers]:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


def lifeline_running(pid):
    """Whether the process `pid` runs the lifeline's watchdog thread (by the name it gives itself)."""
    from tickercast.lifeline import THREAD_NAME

    try:
        return any((task / "comm").read_text().strip() == THREAD_NAME for task in Path(f"/proc/{pid}/task").iterdir())
    except (FileNotFoundError, ProcessLookupError):
        return False


def test_input_sets_put_the_reference_first_and_label_each_set_as_written():
    from tickercast.comparison import input_sets

    sets = input_sets("returns,RSI, volume; returns; returns,other", covariates=["other"])  # features: any case
    assert [(s.features, s.covariates, s.label) for s in sets] == [
        ("returns", (), ""), ("returns,volume,rsi", (), "+rsi+volume"), ("returns", ("other",), "+other")]
    with pytest.raises(ConfigError, match="in none of the --feature-sets"):
        input_sets("returns; returns,rsi", covariates=["other"])
    with pytest.raises(ConfigError, match="unknown input 'telepathy'"):
        input_sets("returns; telepathy")
    with pytest.raises(ConfigError, match="the same set twice"):
        input_sets("returns,rsi; rsi,returns")


def test_feature_sets_score_every_set_on_the_same_days_with_a_verdict_each(prices):
    from tickercast.comparison import ablation

    results = tc.compare(prices, "ar,naive", feature_sets="returns; returns,rsi", **TINY)
    assert [r.name for r in results] == ["ar", "ar+rsi", "naive"]
    days = {r.name: r.forecaster.split_["test"] for r in results}
    assert days["ar"] == days["ar+rsi"] == days["naive"]  # the same split and test days, whatever the inputs
    (row,) = ablation(results)
    assert row["name"] == "ar+rsi"
    assert 0 <= row["dm_p_value_better"] <= 1
    assert row["verdict"].startswith("adding rsi: ")
