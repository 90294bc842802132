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
import textwrap
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import torch

from tickercast._version import __version__
from tickercast.config import ModelConfig
from tickercast.parallel import cores
from tickercast.sweep.driver import load_datasets, run_sweep
from tickercast.sweep.engines import LocalEngine
from tickercast.sweep.plan import SweepSpec, parse_grid


def measure(spec: SweepSpec, datasets: dict[str, Any], workers: int) -> dict[str, Any]:
    """One sweep in a fresh folder: wall time, every unit's wall and CPU time, the results, the load around it."""
    with tempfile.TemporaryDirectory() as folder:
        load_before = os.getloadavg()
        started = time.perf_counter()
        result = run_sweep(spec, datasets, Path(folder) / "run", LocalEngine(workers))
        wall = time.perf_counter() - started
    failed = [record.error for record in result.records if record.error]
    if failed:
        raise SystemExit(f"a unit failed: {failed[0]}")
    return {"workers": workers, "wall": wall, "records": result.records, "load": (load_before, os.getloadavg()),
            "unit_wall": statistics.fmean(record.seconds for record in result.records),
            "unit_cpu": statistics.fmean(record.cpu_seconds for record in result.records)}


def largest_difference(a: list[Any], b: list[Any]) -> float:
    """The largest relative difference between any two corresponding test-part metrics of two runs."""
    worst = 0.0
    for x, y in zip(a, b, strict=True):
        for key, value in x.metrics["test"].items():
            other = y.metrics["test"][key]
            if isinstance(value, float) and isinstance(other, float) and value != other:
                worst = max(worst, abs(value - other) / max(abs(value), abs(other)))
    return worst


def reflow(markdown: str, width: int = 115) -> str:
    """Wrap each paragraph and list item of the report (whose lines were cut where the template was, not where
    the numbers left them); tables and headings stay as they are."""
    blocks = []
    for block in markdown.strip().split("\n\n"):
        if block.startswith(("|", "#")):
            blocks.append(block)
            continue
        items = block.replace("\n- ", "\n\0- ").split("\n\0") if block.startswith("- ") else [block]
        blocks.append("\n".join(textwrap.fill(" ".join(item.split()), width, break_on_hyphens=False,
                                               subsequent_indent="  " * item.startswith("- ")) for item in items))
    return "\n\n".join(blocks) + "\n"


def cluster(trainings: int, unit: float, nodes: int, vcpus: int, price: float) -> tuple[float, float]:
    """Wall hours and dollars of `trainings` units of `unit` vCPU-seconds each on `nodes` nodes of `vcpus`."""
    hours = trainings * unit / (nodes * vcpus) / 3600
    return hours, hours * nodes * price


def corner_factor(spec: SweepSpec, datasets: dict[str, Any], alone: list[Any], corner: str) -> float:
    """CPU time of the first dataset's first-seed units at a grid's large corner (e.g. `lookback=60 hidden=64`),
    over the same units at the default settings (from the 1-worker run)."""
    settings = {key: values[0] for key, values in parse_grid(corner.split(), spec.base)}
    first = next(iter(datasets))
    large = measure(replace(spec, seeds=1, base=replace(spec.base, **settings)), {first: datasets[first]}, 1)
    default = [record for record in alone if record.data == first and record.seed == spec.base.seed]
    return sum(record.cpu_seconds for record in large["records"]) / sum(record.cpu_seconds for record in default)


def report(args: argparse.Namespace, spec: SweepSpec, datasets: dict[str, Any], runs: list[dict[str, Any]],
           factor: float) -> str:
    one, two = runs
    speedup = one["wall"] / two["wall"]
    by_model: dict[str, list[float]] = {}
    for record in two["records"]:
        by_model.setdefault(record.model, []).append(record.cpu_seconds)
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), "?") if Path("/proc/cpuinfo").exists() else platform.processor()
    unit = two["unit_cpu"]  # a unit's CPU time while every CPU ran one: the cost of a unit on a busy node
    rows = []
    for nodes in sorted({1, args.nodes, 4 * args.nodes}):
        (hours, dollars), (corner_hours, corner_dollars) = (
            cluster(args.trainings, cost, nodes, args.vcpus, args.node_price) for cost in (unit, unit * factor))
        rows.append(f"| {nodes} × {args.vcpus} vCPU | {nodes * args.vcpus:,} | {hours:,.1f} h | ${dollars:,.0f} | "
                    f"{corner_hours:,.1f} h | ${corner_dollars:,.0f} |")
    hours, dollars = cluster(args.trainings, unit, args.nodes, args.vcpus, args.node_price)
    load = " and ".join(f"{run['load'][0][0]:.1f} → {run['load'][1][0]:.1f} ({run['workers']} worker"
                        f"{'s' if run['workers'] > 1 else ''})" for run in runs)
    busy = max(value for run in runs for moment in run["load"] for value in moment[:1]) > cores()
    reading = (f"A load above {cores()} means their processes took turns with ours: wall times are longer than on "
               "a quiet machine and the 1 → 2 worker speed-up is lower than the machine can give."
               if busy else f"It stayed at or below {cores()}, so the CPUs were mostly ours while it ran; still, "
               "other engineers share this machine.")
    difference = largest_difference(one["records"], two["records"])
    same = ("are identical: every unit runs on one thread, whatever the number of workers" if difference == 0
            else f"differ by at most {difference:.1e} (relative), although every unit runs on one thread")
    data = ", ".join(f"{name} ({len(frame):,} days)" for name, frame in datasets.items())
    seeds = ", ".join(str(spec.base.seed + k) for k in range(spec.seeds))
    units = len(one["records"])
    return reflow(f"""# Sweep scaling

Measured with `make scaling` (`.venv/bin/python benchmarks/sweep_scaling.py --out docs/scaling.md`) on
{dt.date.today()}: tickercast {__version__}, torch {torch.__version__}, Python {platform.python_version()},
{cores()} CPUs ({cpu}).

**Read the load first.** The 1-minute load average went {load} on this {cores()}-CPU machine, which other
engineers' builds and tests share. {reading} CPU times are much less affected by other processes than wall times
(they count only the time ours ran), so the estimate below is built on them. Re-run it in a quiet moment: the
script rewrites this file.

## What was measured

The same {units} units with the local engine, first with 1 worker (the driver's own process), then with 2 worker
processes (spawned, one thread each): {', '.join(spec.models)} with the default settings (lookback
{spec.base.lookback}, hidden {spec.base.hidden}, {spec.base.layers} layers, up to {spec.base.epochs} epochs,
early stopping after {spec.base.patience}), seeds {seeds}, on {data}: bundled real prices, split 70/10/20.

| workers | sweep wall time | speed-up | unit wall time (mean) | unit CPU time (mean) |
|---:|---:|---:|---:|---:|
| 1 | {one['wall']:.1f} s | 1.00 | {one['unit_wall']:.2f} s | {one['unit_cpu']:.2f} s |
| 2 | {two['wall']:.1f} s | {speedup:.2f} | {two['unit_wall']:.2f} s | {two['unit_cpu']:.2f} s |

- **1 → 2 workers: {speedup:.2f}× faster** (ideal: 2×). What is lost: starting two worker processes (each imports
  torch and pandas, about 2 s on an idle machine), units of unequal length at the end (the last one runs alone),
  two units sharing caches and memory bandwidth (measured: a unit beside another used
  {two['unit_cpu'] / one['unit_cpu']:.2f}× its CPU time alone), and {"above all at this load" if busy else "whatever"}
  the other engineers' processes took.
- **Cost per unit: {one['unit_cpu']:.1f} s of CPU alone, {two['unit_cpu']:.1f} s with both CPUs busy** (by model, busy:
  {', '.join(f'{m} {statistics.fmean(v):.1f} s' for m, v in by_model.items())}). Early stopping makes it vary by
  series: a network that cannot beat the untrained one on validation stops after {spec.base.patience} epochs.
- The two runs' metrics {same}. Every sweep unit runs on one thread, so one worker, two workers and Ray give
  identical numbers; the test suite checks that.

## On paper: the 150,000-training sweep on a Ray cluster

{args.trainings:,} trainings = 500 tickers × 3 models × 5 seeds × 20 settings. Assumptions, each a measurement
above or stated here:

- one training costs what a unit cost here with every CPU busy: **{unit:.1f} CPU-seconds at the default
  settings**. A real grid straddles the defaults, but cost grows faster than the settings: its large corner,
  `{args.corner}`, cost **{factor:.1f}×** the defaults here (lstm and gru on {next(iter(datasets))}, seed
  {spec.base.seed}; a longer window and a wider network per step, and often more epochs before early stopping).
  The table gives both ends; a grid from small settings up to that corner lands in between, nearer the
  defaults' end the more of its settings are small;
- a cluster vCPU is as fast as one of this machine's, and a node whose vCPUs all run units slows each of them
  as much as our two slowed each other (x86 cloud nodes give two vCPUs per core);
- Ray runs one unit per vCPU (`num_cpus=1`); its overhead, a few milliseconds per task and one copy of each
  ticker's prices per node, is negligible next to seconds of training, and there are far more units than vCPUs,
  so they stay busy until the last few minutes;
- a node is {args.vcpus} vCPUs at **${args.node_price:.2f} an hour** on demand ({args.node_name}; an assumption:
  check the current price, the cost scales with it, and spot capacity usually costs a fraction of it).

Total work: {args.trainings:,} × {unit:.1f} s = **{args.trainings * unit / 3600:,.0f} vCPU-hours** at the
defaults' cost, {factor:.1f}× that ({args.trainings * unit * factor / 3600:,.0f} vCPU-hours) at the large corner's.

| cluster | vCPUs | wall time, defaults | cost, defaults | wall time, large corner | cost, large corner |
|---|---:|---:|---:|---:|---:|
{chr(10).join(rows)}

**On {args.nodes} nodes ({args.nodes * args.vcpus:,} vCPUs): about {hours:.1f} hours and ${dollars:,.0f} for a
grid that costs what the defaults cost, up to {hours * factor:.1f} hours and ${dollars * factor:,.0f} if every
setting cost what the large corner did.** More nodes shorten the sweep at the same cost (the same
vCPU-hours), until starting the cluster and the last few units dominate. On this {cores()}-CPU machine, with both
CPUs to itself, it would take {args.trainings * unit / cores() / 86400:,.0f} to
{args.trainings * unit * factor / cores() / 86400:,.0f} days.
""")


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
    parser.add_argument("--corner", default="lookback=60 hidden=64",
                        help="the large corner of the 150,000-training sweep's grid, whose cost is measured too")
    parser.add_argument("--out", type=Path, default=None, help="write the markdown here (default: print it)")
    args = parser.parse_args()
    spec = SweepSpec(models=tuple(args.models.split(",")), seeds=args.seeds, base=ModelConfig())
    datasets = load_datasets(args.data.split(","))
    runs = []
    for workers in (1, 2):
        runs.append(measure(spec, datasets, workers))
        print(f"{workers} worker(s): {runs[-1]['wall']:.1f} s, load {runs[-1]['load']}", flush=True)
    factor = corner_factor(spec, datasets, runs[0]["records"], args.corner)
    print(f"{args.corner}: {factor:.2f}x the CPU time of the defaults", flush=True)
    text = report(args, spec, datasets, runs, factor)
    if args.out:
        args.out.write_text(text)
    print(text)


if __name__ == "__main__":  # workers are spawned: they import this file, which must not run again
    main()
