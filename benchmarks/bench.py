"""The canonical job of issue 6, measured the way the issue asks: fresh processes, alternating, repeated, medians.

    canonical job: S&P 500 adjusted close 1999-2018, last 20% test (no validation part), window 20,
    2 layers x 32 units, dropout 0.2, batch 64, 20 epochs, Adam 1e-3 -> 4,004 training windows

`make bench` measures tickercast alone (a few minutes) and prints the tables. `make bench-peers` adds a plain
PyTorch loop, Darts and NeuralForecast (run from their own virtual environment, `.venv-peers`) and the
ten-network job, and writes docs/benchmarks.md. Each run is a fresh process, so "process s" includes imports
and "peak RSS" is that process's own maximum resident set.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
PEERS_PYTHON = HERE.parent / ".venv-peers" / "bin" / "python"
CANONICAL = ["--data", "sp500", "--test-size", "0.2", "--val-size", "0", "--lookback", "20", "--hidden", "32",
             "--layers", "2", "--dropout", "0.2", "--batch-size", "64", "--epochs", "20", "--lr", "0.001"]
NETWORKS, SEEDS = ("lstm", "gru"), 5

# Runs the CLI in this child process and reports its own peak RSS (kB on Linux) next to the CLI's JSON.
_CHILD = """
import contextlib, io, json, resource, sys, time
started = time.perf_counter()
from tickercast.cli import main
out = io.StringIO()
with contextlib.redirect_stdout(out):
    code = main(sys.argv[1:])
result = json.loads(out.getvalue())
result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(result))
"""

Run = dict[str, float]


def timed(command: list[str]) -> tuple[dict, float]:
    """Run one fresh process; its last stdout line is JSON. Returns that and the process's wall time."""
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1]), seconds


def tickercast_train(model: str, target: str) -> Run:
    result, seconds = timed([sys.executable, "-c", _CHILD, "train", "--model", model, "--target", target,
                             *CANONICAL, "--json"])
    test = result["metrics"]["test"]
    return {"train_s": result["training"]["seconds"], "process_s": seconds, "peak_rss_mb": result["peak_rss_mb"],
            "rmse": test["rmse"], "ratio": test["rmse_ratio_vs_naive"],
            "windows": result["split"]["train"]["days"] - 20 - (1 if target == "log_return" else 0)}


def peer(script: str, python: Path | str, model: str, *extra: str) -> Run:
    result, seconds = timed([str(python), str(HERE / "peers" / script), "--model", model, *extra])
    return {"train_s": result["train_s"], "process_s": seconds, "peak_rss_mb": result["peak_rss_mb"],
            "rmse": result["rmse"], "ratio": result["ratio"], "windows": result["windows"],
            "version": result["version"]}


def tickercast_ten() -> Run:
    """`tickercast compare --models lstm,gru --seeds 5`: ten networks, as users run it (workers automatic)."""
    _, seconds = timed([sys.executable, "-c", _CHILD, "compare", "--models", ",".join(NETWORKS),
                        "--seeds", str(SEEDS), *CANONICAL, "--json"])
    return {"process_s": seconds}


def darts_ten() -> Run:
    """Ten sequential Darts fits of the same networks: five seeds of each, one process per network kind."""
    runs = [timed([str(PEERS_PYTHON), str(HERE / "peers" / "darts_job.py"), "--model", model,
                   "--seeds", str(SEEDS)]) for model in NETWORKS]
    return {"train_s": sum(r["train_s"] for r, _ in runs), "process_s": sum(s for _, s in runs)}


def startup(args: list[str], repeats: int = 7) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "tickercast", *args], capture_output=True, check=True,
                       env={**os.environ, "TICKERCAST_HOME": "/tmp/tickercast-bench-home"})
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def inference_ms(model: str, days: int = 1000) -> float:
    import numpy as np

    import tickercast as tc

    prices = tc.load("sp500")
    fc = tc.Forecaster(model, epochs=1).fit(prices, val_size=0)  # inference cost does not depend on training
    series = prices["adj_close"]
    start = series.index[len(series) - days]
    fc.predict(series, start=start)  # warm-up
    times = []
    for _ in range(20):
        started = time.perf_counter()
        fc.predict(series, start=start)
        times.append(time.perf_counter() - started)
    return 1000 * float(np.median(times))


def demo_seconds() -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "tickercast", "demo", "--out", "/tmp/tickercast-bench-demo"],
                   capture_output=True, check=True)
    return time.perf_counter() - started


def measure(systems: dict[str, Callable[[], Run]], repeats: int) -> dict[str, Run]:
    """Medians per system; systems alternate within each repetition, so the machine's noise hits all alike."""
    runs: dict[str, list[Run]] = {name: [] for name in systems}
    for repetition in range(repeats):
        for name, run in systems.items():
            runs[name].append(run())
            print(f"[{repetition + 1}/{repeats}] {name}: {runs[name][-1]}", file=sys.stderr, flush=True)
    return {name: {key: (statistics.median(r[key] for r in results) if isinstance(results[0][key], float | int)
                         else results[0][key]) for key in results[0]} for name, results in runs.items()}


def single_systems(peers: bool) -> dict[str, Callable[[], Run]]:
    systems: dict[str, Callable[[], Run]] = {}
    for model in NETWORKS:
        for target in ("log_return", "price"):
            systems[f"tickercast {model} | {target}"] = lambda m=model, t=target: tickercast_train(m, t)
        if peers:
            systems[f"plain PyTorch loop {model} | price"] = lambda m=model: peer("plain_torch.py", sys.executable, m)
            systems[f"Darts {model} | price"] = lambda m=model: peer("darts_job.py", PEERS_PYTHON, m)
            systems[f"NeuralForecast {model} | price (per-window scaling)"] = (
                lambda m=model: peer("neuralforecast_job.py", PEERS_PYTHON, m))
    return systems


def single_table(medians: dict[str, Run]) -> str:
    rows = ["| system | network | target | train s | windows/s | process s | peak RSS | test RMSE | RMSE / naive |",
            "|---|---|---|---|---|---|---|---|---|"]
    for name, m in medians.items():
        label, target = name.split(" | ")
        system, model = label.rsplit(" ", 1)
        speed = m["windows"] * 20 / m["train_s"]  # windows seen per second over the 20 epochs
        rows.append(f"| {system} | {model} | {target} | {m['train_s']:.1f} | {speed:,.0f} | {m['process_s']:.1f} | "
                    f"{m['peak_rss_mb']:.0f} MB | {m['rmse']:.2f} | {m['ratio']:.4f} |")
    return "\n".join(rows)


def headline(medians: dict[str, Run], ten: dict[str, Run] | None) -> str:
    """Ratios to the peers: the peer's training time over tickercast's (price target, as the peers train)."""
    lines = []
    for model in NETWORKS:
        ours = medians[f"tickercast {model} | price"]["train_s"]
        for peer_name in ("plain PyTorch loop", "Darts", "NeuralForecast"):
            key = next(k for k in medians if k.startswith(f"{peer_name} {model} |"))
            lines.append(f"- {model.upper()}: {medians[key]['train_s'] / ours:.1f}x faster than {peer_name} "
                         f"({medians[key]['train_s']:.1f} s against {ours:.1f} s of training)")
    if ten:
        ours, darts = ten["tickercast compare"]["process_s"], ten["Darts, 10 sequential fits"]
        lines.append(f"- Ten networks (LSTM and GRU x {SEEDS} seeds): `tickercast compare`, whole process, "
                     f"{ours:.1f} s against {darts['train_s']:.1f} s of Darts training alone "
                     f"({darts['process_s']:.1f} s of Darts processes): {darts['train_s'] / ours:.1f}x faster "
                     f"({darts['process_s'] / ours:.1f}x process to process)")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--peers", action="store_true", help="also measure the plain loop, Darts, NeuralForecast")
    parser.add_argument("--out", default=None, help="write the Markdown here as well as printing it")
    args = parser.parse_args()
    if args.peers and not PEERS_PYTHON.exists():
        sys.exit(f"{PEERS_PYTHON} is missing: run `make bench-peers`, which builds it")
    started, load = time.perf_counter(), os.getloadavg()
    medians = measure(single_systems(args.peers), args.repeats)
    ten = (measure({"tickercast compare": tickercast_ten, "Darts, 10 sequential fits": darts_ten}, args.repeats)
           if args.peers else None)
    help_s, list_s = startup(["--help"]), startup(["data", "list"])
    infer = {model: inference_ms(model) for model in NETWORKS}
    demo = demo_seconds()
    import torch

    versions = "" if not args.peers else "; " + ", ".join(sorted(
        {f"{k.split(' | ')[0].rsplit(' ', 1)[0]} {v['version']}" for k, v in medians.items() if "version" in v}))
    text = f"""# Benchmarks

Produced by `make {"bench-peers" if args.peers else "bench"}` (`python benchmarks/bench.py{" --peers" if args.peers
else ""} --repeats {args.repeats}`) on {dt.date.today().isoformat()}: {platform.machine()}, {os.cpu_count()} cores,
Python {platform.python_version()}, torch {torch.__version__}{versions}. Load average (1 min) when it started
{load[0]:.2f}, when it ended {os.getloadavg()[0]:.2f}; it took {(time.perf_counter() - started) / 60:.0f} min.
Medians of {args.repeats} fresh processes per system, systems alternating within each repetition.
The canonical job of issue 6: `{" ".join(CANONICAL)}`.
How each peer is set up: `benchmarks/peers/`. What was tried to get here: [performance.md](performance.md).

{headline(medians, ten) + chr(10) if args.peers else ""}
## One network, the canonical job

{single_table(medians)}

"train s" is the training loop alone (tickercast's includes scoring the untrained network as epoch 0); "process s"
is the whole process, imports and evaluation included. The price target is how the peers (and most tutorials)
train; tickercast's default log-return target is the one whose test RMSE is comparable to the naive forecast.
"""
    if ten:
        ours, darts = ten["tickercast compare"], ten["Darts, 10 sequential fits"]
        text += f"""
## Ten networks: LSTM and GRU, {SEEDS} seeds each

| system | training s | process s |
|---|---|---|
| `tickercast compare --models lstm,gru --seeds {SEEDS}` (canonical settings) | - | {ours["process_s"]:.1f} |
| Darts, ten sequential fits (two processes of five) | {darts["train_s"]:.1f} | {darts["process_s"]:.1f} |
"""
    text += f"""
## Start-up, inference, demo

- `tickercast --help` {help_s * 1000:.0f} ms, `tickercast data list` {list_s * 1000:.0f} ms (medians of 7 fresh
  processes).
- One-step forecasts for the last 1,000 days of the S&P 500: {infer["lstm"]:.1f} ms (LSTM), {infer["gru"]:.1f} ms
  (GRU), medians of 20 calls after a warm-up, validation of the data included.
- `tickercast demo` end to end (fresh process, LSTM and GRU with early stopping, plots and report): {demo:.1f} s.
"""
    print(text)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text)


if __name__ == "__main__":
    main()
