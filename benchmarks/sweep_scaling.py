"""How the sweep scales here, and what the 150,000-training sweep of issue 8 would cost on a Ray cluster.

Runs the same units (real data, default settings) with 1 and then 2 local workers, measures the wall time
and each unit's time, and writes docs/scaling.md: the measured speed-up, the measured cost per unit, and the
paper estimate derived from them. The load average is recorded beside every number, because a busy machine
makes every unit slower; re-run it on a quiet machine before trusting the absolute times.

    .venv/bin/python benchmarks/sweep_scaling.py --out docs/scaling.md            # about 5 minutes on 2 cores
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import torch

from tickercast._version import __version__
from tickercast.config import ModelConfig
from tickercast.parallel import cores
from tickercast.sweep.engines import LocalEngine
from tickercast.sweep.plan import SweepSpec
from tickercast.sweep.run import load_datasets, run_sweep


def measure(spec: SweepSpec, datasets: dict[str, Any], workers: int) -> dict[str, Any]:
    """One sweep in a fresh folder: wall time, every unit's time, the results, the load before and after."""
    with tempfile.TemporaryDirectory() as folder:
        load_before = os.getloadavg()
        started = time.perf_counter()
        result = run_sweep(spec, datasets, Path(folder) / "run", LocalEngine(workers))
        wall = time.perf_counter() - started
    failed = [record.error for record in result.records if record.error]
    if failed:
        raise SystemExit(f"a unit failed: {failed[0]}")
    return {"workers": workers, "wall": wall, "seconds": [record.seconds for record in result.records],
            "models": [record.model for record in result.records], "records": result.records,
            "load": (load_before, os.getloadavg())}


def largest_difference(a: list[Any], b: list[Any]) -> float:
    """The largest relative difference between any two corresponding test-part metrics of two runs."""
    worst = 0.0
    for x, y in zip(a, b, strict=True):
        for key, value in x.metrics["test"].items():
            other = y.metrics["test"][key]
            if isinstance(value, float) and isinstance(other, float) and value != other:
                worst = max(worst, abs(value - other) / max(abs(value), abs(other)))
    return worst


def report(args: argparse.Namespace, spec: SweepSpec, datasets: dict[str, Any], runs: list[dict[str, Any]]) -> str:
    one, two = runs
    speedup = one["wall"] / two["wall"]
    unit_one, unit_two = statistics.fmean(one["seconds"]), statistics.fmean(two["seconds"])
    units = len(one["seconds"])
    by_model = {model: statistics.fmean(s for s, m in zip(one["seconds"], one["models"], strict=True) if m == model)
                for model in dict.fromkeys(one["models"])}
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else "?"
    vcpus = args.nodes * args.vcpus
    cpu_hours = args.trainings * unit_two / 3600  # a vCPU busy beside others, as measured with 2 workers
    rows = []
    for nodes in sorted({1, args.nodes, 4 * args.nodes}):
        hours = args.trainings * unit_two / (nodes * args.vcpus) / 3600
        rows.append(f"| {nodes} × {args.vcpus} vCPU | {nodes * args.vcpus:,} | {hours:,.1f} h | "
                    f"${nodes * hours * args.node_price:,.0f} |")
    load = " / ".join(f"{run['load'][0][0]:.2f} → {run['load'][1][0]:.2f}" for run in runs)
    difference = largest_difference(one["records"], two["records"])
    same = ("are identical, although the single worker ran with {threads} threads and each of the two with 1"
            if difference == 0 else f"differ by at most {difference:.1e} (relative): the single worker ran with "
            "{threads} threads, each of the two with 1, and a different split of a sum rounds differently")
    data = ", ".join(f"{name} ({len(frame):,} days)" for name, frame in datasets.items())
    seeds = ", ".join(str(spec.base.seed + k) for k in range(spec.seeds))
    return f"""# Sweep scaling

Measured with `.venv/bin/python benchmarks/sweep_scaling.py --out docs/scaling.md` on {dt.date.today()}
(tickercast {__version__}, torch {torch.__version__}, Python {platform.python_version()}, {cores()} CPUs:
{cpu}).

**Read the load first.** The 1-minute load average was {load} (before → after, 1 worker / 2 workers) on this
{cores()}-CPU machine, which other engineers' builds and tests were sharing at the time: every time below is
slower than on a quiet machine, and the speed-up is lower than the machine can give. Re-run the script in a
quiet moment; it rewrites this file.

## What was measured

The same {units} units with the local engine, first with 1 worker (in the driver's own process), then with 2
worker processes (spawned, one thread each): {', '.join(spec.models)} with default settings (lookback
{spec.base.lookback}, hidden {spec.base.hidden}, {spec.base.layers} layers, up to {spec.base.epochs} epochs with
early stopping after {spec.base.patience}), seeds {seeds}, on {data}: bundled real prices, split
70/10/20 as everywhere in tickercast.

| workers | wall time | units | mean unit time | median unit time | speed-up |
|---:|---:|---:|---:|---:|---:|
| 1 | {one['wall']:.1f} s | {units} | {unit_one:.2f} s | {statistics.median(one['seconds']):.2f} s | 1.00 |
| 2 | {two['wall']:.1f} s | {units} | {unit_two:.2f} s | {statistics.median(two['seconds']):.2f} s | {speedup:.2f} |

- **1 → 2 workers: speed-up {speedup:.2f}×** (ideal 2×). What is lost: starting two worker processes (each
  imports torch and pandas, about 2 s), units of unequal length at the end (the last unit runs alone), and two
  units sharing the machine's caches and memory bandwidth (a unit took {unit_two / unit_one:.2f}× as long beside
  another as alone), plus whatever the other engineers' processes took.
- **Cost per unit: {unit_one:.1f} s alone, {unit_two:.1f} s with every CPU busy** (mean over the units; by model,
  alone: {', '.join(f'{m} {s:.1f} s' for m, s in by_model.items())}). Early stopping makes it vary a lot by series:
  a network that cannot beat the untrained one on validation stops after {spec.base.patience} epochs.
- The two runs' metrics {same.format(threads=cores())}. Runs with the same threads per unit (the local engine
  at one worker per core, and Ray) give identical numbers; the test suite checks that.

## On paper: the 150,000-training sweep on a Ray cluster

{args.trainings:,} trainings = 500 tickers × 3 models × 5 seeds × 20 settings. Assumptions, each a
measurement above or stated here:

- one training costs what a unit cost here with every CPU busy, **{unit_two:.1f} s of one vCPU**; the 20
  settings of a real grid straddle the defaults (smaller and larger lookbacks and hidden sizes), so their mean
  cost is taken to be the defaults' cost;
- a cluster vCPU is as fast as one of this machine's (x86 cloud nodes give two vCPUs per core, like most VMs);
- Ray runs one unit per vCPU (`num_cpus=1`); its overhead, a few milliseconds per task and one copy of each
  ticker's prices per node, is negligible next to seconds of training, and the sweep has far more units than
  vCPUs, so they stay busy until the last few minutes;
- a node is {args.vcpus} vCPUs at **${args.node_price:.2f} per hour** on demand ({args.node_name}; check the current
  price: the cost scales with it, and spot capacity typically costs a fraction of it).

Total work: {args.trainings:,} × {unit_two:.1f} s = **{cpu_hours:,.0f} vCPU-hours**.

| cluster | vCPUs | wall time | cost |
|---|---:|---:|---:|
{chr(10).join(rows)}

On **{args.nodes} nodes ({vcpus:,} vCPUs) the sweep takes about
{args.trainings * unit_two / vcpus / 3600:.1f} hours and costs about
${args.trainings * unit_two / 3600 / args.vcpus * args.node_price:,.0f}**; more nodes shorten it without changing the
cost (the same vCPU-hours), until start-up and the last units dominate. On this {cores()}-CPU machine it would take
{args.trainings * unit_two / cores() / 86400:,.0f} days.
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default="sp500,nasdaq,msft")
    parser.add_argument("--models", default="lstm,gru")
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--trainings", type=int, default=150_000)
    parser.add_argument("--nodes", type=int, default=10, help="the cluster to estimate for")
    parser.add_argument("--vcpus", type=int, default=64, help="vCPUs per node")
    parser.add_argument("--node-price", type=float, default=2.86, help="dollars per node-hour, on demand")
    parser.add_argument("--node-name", default="e.g. an AWS c7i.16xlarge, x86, 128 GiB")
    parser.add_argument("--out", type=Path, default=None, help="write the markdown here (default: print it)")
    args = parser.parse_args()
    spec = SweepSpec(models=tuple(args.models.split(",")), seeds=args.seeds, base=ModelConfig())
    datasets = load_datasets(args.data.split(","))
    runs = []
    for workers in (1, 2):
        runs.append(measure(spec, datasets, workers))
        print(f"{workers} worker(s): {runs[-1]['wall']:.1f} s, load {runs[-1]['load']}", flush=True)
    text = report(args, spec, datasets, runs)
    if args.out:
        args.out.write_text(text)
    print(text)


if __name__ == "__main__":  # workers are spawned: they import this file, which must not run again
    main()
