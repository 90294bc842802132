import socket
import sys
import threading
import time

import pytest

from tests.conftest import TINY, price_frame
from tickercast.config import ModelConfig
from tickercast.errors import ConfigError
from tickercast.parallel import cores
from tickercast.sweep.driver import run_sweep
from tickercast.sweep.engines import LocalEngine, RayEngine, make_engine
from tickercast.sweep.plan import SweepSpec, parse_grid

BASE = ModelConfig(**TINY)


@pytest.fixture(scope="module")
def ray():
    """A Ray started in this process, on 127.0.0.1 with 2 CPUs (a few seconds), shared by this module's tests."""
    ray = pytest.importorskip("ray")
    ray.init(address="local", num_cpus=2, include_dashboard=False, _node_ip_address="127.0.0.1",
             log_to_driver=False, logging_level="warning")
    yield ray
    ray.shutdown()


def without_timings(result):
    as_json = result.to_dict()
    timings = ("seconds", "cpu_seconds")
    return {**as_json, "results": [{k: v for k, v in r.items() if k not in timings} for r in as_json["results"]],
            "seconds": None, "out": None}


def test_local_processes_and_ray_give_identical_results(tmp_path, ray):
    datasets = {"a": price_frame(260, phi=0.3, seed=7), "b": price_frame(240, seed=8)}
    covariates = {"c": price_frame(260, seed=9)}  # shipped to every unit as an input, on both engines
    sweep = SweepSpec(models=("gru", "ar"), grid=parse_grid(["hidden=3,4", "lookback=5,8"], BASE),
                      global_models=True, base=BASE, covariates=("c",))
    local = run_sweep(sweep, datasets, tmp_path / "local", LocalEngine(2), covariates=covariates)
    on_ray = run_sweep(sweep, datasets, tmp_path / "ray", RayEngine(), covariates=covariates)
    assert local.units["ran"] == on_ray.units["ran"] == 4 * 2 + 4 + 2 * 2  # gru, gru-global, ar
    assert local.units["failed"] == 0
    assert without_timings(local) == without_timings(on_ray)
    assert ray.is_initialized()  # a Ray the caller started is left running


def test_a_tpe_search_proposes_prunes_and_scores_the_same_trials_on_local_processes_and_on_ray(tmp_path, ray):
    import json

    base = ModelConfig(**{**TINY, "epochs": 8, "patience": 8})
    sweep = SweepSpec(models=("gru", "naive"), grid=parse_grid(["hidden=2..8", "lr=1e-4..5e-2:log"], base),
                      base=base, search="tpe:8", prune="median", seeds=2)
    datasets = {"a": price_frame(260, phi=0.3, seed=7)}
    local = run_sweep(sweep, datasets, tmp_path / "local", LocalEngine(2))
    on_ray = run_sweep(sweep, datasets, tmp_path / "ray", RayEngine())
    assert without_timings(local) == without_timings(on_ray)
    searched = [json.loads((tmp_path / name / "search.json").read_text()) for name in ("local", "ray")]
    assert searched[0] == searched[1]
    assert searched[0]["batch"] == 2  # two local workers, two Ray CPUs
    assert len(searched[0]["studies"][0]["trials"]) == 8


def test_without_ray_the_ray_engine_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # what `import ray` meets when Ray is not installed
    with pytest.raises(ConfigError, match=r"pip install 'tickercast\[distributed\]'"):
        make_engine("ray")


def test_an_unreachable_ray_cluster_is_one_clear_error_before_anything_runs(monkeypatch):
    class NoCluster:
        @staticmethod
        def is_initialized():
            return False

        @staticmethod
        def init(**_):
            raise ConnectionError("Could not find any running Ray instance.\nmore lines")

    monkeypatch.setitem(sys.modules, "ray", NoCluster)
    with pytest.raises(ConfigError, match=r"^cannot reach Ray at auto: Could not find any running Ray instance.$"):
        make_engine("ray", address="auto")


def test_an_address_where_nothing_listens_is_refused_in_seconds_without_asking_ray(monkeypatch):
    class NeverAsked:
        @staticmethod
        def is_initialized():
            return False

        @staticmethod
        def init(**_):
            raise AssertionError("ray.init was called")

    monkeypatch.setitem(sys.modules, "ray", NeverAsked)
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.monotonic()
    with pytest.raises(ConfigError, match=rf"^cannot reach Ray at 127.0.0.1:{port}: Connection refused; check"):
        make_engine("ray", address=f"127.0.0.1:{port}")
    assert time.monotonic() - started < 5


def test_a_cluster_that_never_answers_is_given_up_after_the_timeout(monkeypatch):
    class Silent:  # what Ray does at an address that accepts connections but never answers: retry for minutes
        @staticmethod
        def is_initialized():
            return False

        @staticmethod
        def init(**_):
            threading.Event().wait(60)

    monkeypatch.setitem(sys.modules, "ray", Silent)
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        address = f"127.0.0.1:{listener.getsockname()[1]}"
        started = time.monotonic()
        with pytest.raises(ConfigError, match=r"no cluster answered within 0.5 s; .* --ray-timeout$"):
            make_engine("ray", address=address, timeout=0.5)
    assert time.monotonic() - started < 5


@pytest.mark.parametrize(("engine", "options", "message"), [
    ("local", {"address": "auto"}, "--ray-address is for --engine ray"),
    ("local", {"timeout": 5}, "--ray-timeout is for --engine ray"),
    ("ray", {"timeout": 0}, "--ray-timeout must be above 0"),
    ("ray", {"workers": 2}, "--workers is for --engine local"),
    ("local", {"workers": -1}, "--workers must be 0 \\(one per core\\) or more"),
    ("spark", {}, "unknown engine 'spark'"),
])
def test_options_that_do_not_fit_the_engine_are_refused(engine, options, message):
    with pytest.raises(ConfigError, match=message):
        make_engine(engine, **options)


def test_zero_local_workers_means_one_per_core():
    assert LocalEngine(0).workers == cores()


def test_one_worker_or_two_give_identical_numbers(tmp_path):
    """`ar` fits on a long series take a BLAS product large enough to be split over threads; every unit runs on
    one thread, so this process (all the cores) and two workers (one core each) add in the same order."""
    import tickercast as tc

    datasets = {"nasdaq": tc.load("nasdaq")}
    sweep = SweepSpec(models=("ar",), grid=parse_grid(["lookback=60,120"], BASE), base=BASE)
    alone = run_sweep(sweep, datasets, tmp_path / "alone", LocalEngine(1))
    side_by_side = run_sweep(sweep, datasets, tmp_path / "side", LocalEngine(2))
    assert without_timings(alone) == without_timings(side_by_side)


def test_a_failed_units_error_names_the_flag_in_a_worker_process_as_in_the_driver(tmp_path):
    import torch

    from tickercast.errors import worded_as_flags

    if torch.cuda.is_available():
        pytest.skip("the unit fails only where CUDA is missing")
    base = ModelConfig(**{**TINY, "device": "cuda"})
    sweep = SweepSpec(models=("gru", "naive"), base=base)
    datasets = {"a": price_frame(200, seed=3)}
    with worded_as_flags({}):  # as the CLI runs every command
        here = run_sweep(sweep, datasets, tmp_path / "here", LocalEngine(1))
        spawned = run_sweep(sweep, datasets, tmp_path / "spawned", LocalEngine(2))
    errors = [[r.error for r in result.records if r.error] for result in (here, spawned)]
    assert errors[0] == errors[1]
    assert len(errors[0]) == 1
    assert "use --device cpu or auto" in errors[0][0]
