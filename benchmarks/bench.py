"""tickercast alone on the canonical job of issue 6, measured the way the issue asks: alternating, repeated, medians.

    canonical job: S&P 500 adjusted close 1999-2018, last 20% test (no validation part), window 20,
    2 layers x 32 units, dropout 0.2, batch 64, 20 epochs, Adam 1e-3 -> 4,004 training windows (price target)

Each training run is a fresh `tickercast train ... --json` process, so "process s" includes imports and
"peak RSS" is that process's own maximum resident set. Run with `make bench`; it rewrites docs/benchmarks.md.
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
from pathlib import Path

CANONICAL = ["--data", "sp500", "--test-size", "0.2", "--val-size", "0", "--lookback", "20", "--hidden", "32",
             "--layers", "2", "--dropout", "0.2", "--batch-size", "64", "--epochs", "20", "--lr", "0.001"]

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
result["child_seconds"] = time.perf_counter() - started
print(json.dumps(result))
"""


def train_once(model: str, target: str) -> dict:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _CHILD, "train", "--model", model, "--target", target, *CANONICAL,
                           "--json"], capture_output=True, text=True, check=True)
    result = json.loads(done.stdout)
    test = result["metrics"]["test"]
    return {"train_s": result["training"]["seconds"], "process_s": time.perf_counter() - started,
            "peak_rss_mb": result["peak_rss_mb"], "rmse": test["rmse"], "ratio": test["rmse_ratio_vs_naive"],
            "windows": result["split"]["train"]["days"] - 20 - (1 if target == "log_return" else 0)}


def startup(args: list[str], repeats: int = 7) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "tickercast", *args], capture_output=True, check=True,
                       env={**os.environ, "TICKERCAST_HOME": "/tmp/tickercast-bench-home"})
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def inference_ms(model: str = "lstm", days: int = 1000) -> float:
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", default="docs/benchmarks.md")
    args = parser.parse_args()
    runs: dict[tuple[str, str], list[dict]] = {}
    for _ in range(args.repeats):  # alternate systems within each repetition: the machine's noise hits all alike
        for target in ("price", "log_return"):
            for model in ("lstm", "gru"):
                runs.setdefault((model, target), []).append(train_once(model, target))
                print(model, target, runs[(model, target)][-1], file=sys.stderr)
    rows = []
    for (model, target), results in runs.items():
        med = {key: statistics.median(r[key] for r in results) for key in results[0]}
        speed = med["windows"] * 20 / med["train_s"]  # windows seen per second over the 20 epochs
        rows.append(f"| tickercast {model} | {target} | {med['train_s']:.1f} | {speed:,.0f} | {med['process_s']:.1f} | "
                    f"{med['peak_rss_mb']:.0f} MB | {med['rmse']:.2f} | {med['ratio']:.4f} |")
    help_s, list_s = startup(["--help"]), startup(["data", "list"])
    infer = {model: inference_ms(model) for model in ("lstm", "gru")}
    now = dt.date.today().isoformat()
    text = f"""# Benchmarks (tickercast alone)

Produced by `make bench` (`python benchmarks/bench.py`) on {now}: {platform.machine()}, {os.cpu_count()} cores,
Python {platform.python_version()}, torch {__import__("torch").__version__}. Medians of {args.repeats} runs, systems
alternating within each repetition. The canonical job of issue 6: {" ".join(CANONICAL)}.
Peer comparisons (Darts, NeuralForecast, a plain PyTorch loop) are not measured here yet (`make bench-peers`
does not exist yet; see issue 6).

| system | target | train s | windows/s | process s | peak RSS | test RMSE | RMSE / naive |
|---|---|---|---|---|---|---|---|
{chr(10).join(rows)}

- Start-up: `tickercast --help` {help_s * 1000:.0f} ms, `tickercast data list` {list_s * 1000:.0f} ms (medians of 7
  fresh processes).
- Inference: one-step forecasts for the last 1,000 days of the S&P 500 in {infer["lstm"]:.1f} ms (LSTM) and
  {infer["gru"]:.1f} ms (GRU), medians of 20 calls after a warm-up, including validation of the data.
"""
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
