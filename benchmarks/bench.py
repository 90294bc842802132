"""The canonical job of issue 6, measured the way the issue asks: fresh processes, alternating, repeated, medians.

    canonical job: S&P 500 adjusted close 1999-2018, last 20% test (no validation part), window 20,
    2 layers x 32 units, dropout 0.2, batch 64, 20 epochs, Adam 1e-3 -> 4,004 training windows

`make bench` measures tickercast alone (a few minutes) and prints the tables. `make bench-peers` adds a plain
PyTorch loop, Darts and NeuralForecast (run from their own virtual environment, `.venv-peers`) and the
ten-network job, and writes docs/benchmarks.md. Each run is a fresh process, so "process s" includes imports
and "peak RSS" is that process's own maximum resident set.

Issue 16's goals (many networks as one) are measured side by side in one block: the ten networks three ways
(`compare`, batched; the same ten `Forecaster` fits one by one in one process; ten Darts fits), a 5-member
ensemble against one network, `tickercast gradients` with its defaults, and the peak memory of ten LSTMs trained
together against one; `benchmarks/floor.py` then sets each case against its arithmetic floor. The script ends
with a goals table. `--quick` runs every system once at 1 epoch (and the lab at 20 updates): a smoke run that
checks the script, not a measurement.
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

# Fits `Forecaster`s on the canonical job in this child process: `one by one` (each its own `fit`, as before
# issue 16) or `together` (`fit_seeds`: networks differing only in the seed train as one batched computation; a
# 5-member ensemble is this same training). Prints the fitting time, scoring included, and the peak RSS.
_FIT_CHILD = """
import json, resource, sys, time
spec = json.loads(sys.argv[1])
import tickercast as tc
from tickercast.forecaster import Forecaster, fit_seeds
prices = tc.load("sp500")
settings = dict(lookback=20, hidden=32, layers=2, dropout=0.2, batch_size=64, epochs=spec["epochs"], lr=1e-3)
started = time.perf_counter()
for model in spec["models"]:
    forecasters = [Forecaster(model, seed=seed, **settings) for seed in range(spec["seeds"])]
    if spec["how"] == "together":
        fit_seeds(forecasters, prices, test_size=0.2, val_size=0)
    else:
        for forecaster in forecasters:
            forecaster.fit(prices, test_size=0.2, val_size=0)
print(json.dumps({"fit_s": time.perf_counter() - started,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

Run = dict[str, float]


def timed(command: list[str], whole: bool = False) -> tuple[dict, float]:
    """Run one fresh process; its last stdout line (`whole`: all of its stdout) is JSON. Returns that and the
    process's wall time."""
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{done.stderr[-3000:]}")
    return json.loads(done.stdout if whole else done.stdout.strip().splitlines()[-1]), seconds


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
                   "--seeds", str(SEEDS), "--epochs", str(epochs())]) for model in NETWORKS]
    return {"train_s": sum(r["train_s"] for r, _ in runs), "process_s": sum(s for _, s in runs)}


def epochs() -> int:
    return int(CANONICAL[CANONICAL.index("--epochs") + 1])


def fits(models: tuple[str, ...], seeds: int, how: str) -> Run:
    """`seeds` networks of each model fitted in one fresh process, `together` or `one by one`."""
    spec = {"models": list(models), "seeds": seeds, "how": how, "epochs": epochs()}
    result, seconds = timed([sys.executable, "-c", _FIT_CHILD, json.dumps(spec)])
    return {"fit_s": result["fit_s"], "process_s": seconds, "peak_rss_mb": result["peak_rss_mb"]}


def gradient_lab(quick: bool) -> Run:
    """`tickercast gradients` with its defaults (in a smoke run: 20 updates), whole process."""
    command = [sys.executable, "-m", "tickercast", "gradients", "--json", "--out", "/tmp/tickercast-bench-lab",
               *(["--iterations", "20"] if quick else [])]
    result, seconds = timed(command, whole=True)  # the lab prints indented JSON
    return {"process_s": seconds, "solved": sum(cell["solved"] for cell in result["cells"].values())}


def many_systems(peers: bool, quick: bool) -> dict[str, Callable[[], Run]]:
    """Issue 16's cases, measured in one alternating block so that their ratios share the machine's state."""
    systems: dict[str, Callable[[], Run]] = {
        "ten: tickercast compare (batched)": tickercast_ten,
        "ten: one by one (Forecaster.fit each)": lambda: fits(NETWORKS, SEEDS, "one by one"),
    }
    if peers:
        systems["ten: Darts, 10 sequential fits"] = darts_ten
    for model in NETWORKS:
        systems[f"one {model}"] = lambda m=model: fits((m,), 1, "together")
        systems[f"ensemble of 5 {model}"] = lambda m=model: fits((m,), SEEDS, "together")
    systems["ten lstm together (memory)"] = lambda: fits(("lstm",), 10, "together")
    systems["gradient lab"] = lambda: gradient_lab(quick)
    return systems


def goals_table(single: dict[str, Run], many: dict[str, Run], peers: bool) -> str:
    """Issue 16's goals: target, measured, met? (the peers' rows need `--peers`)."""
    ten = many["ten: tickercast compare (batched)"]["process_s"]
    rows = ["| goal | target | measured | met? |", "|---|---|---|---|"]

    def row(goal: str, target: str, measured: str, met: bool | None) -> None:
        rows.append(f"| {goal} | {target} | {measured} | {'-' if met is None else 'yes' if met else '**no**'} |")

    if peers:
        darts = many["ten: Darts, 10 sequential fits"]["train_s"]
        row("ten networks against Darts", "at least 5x", f"{darts / ten:.1f}x ({ten:.1f} s against {darts:.1f} s "
            "of Darts training)", darts / ten >= 5)
    else:
        row("ten networks against Darts", "at least 5x", "needs `make bench-peers`", None)
    alone = many["ten: one by one (Forecaster.fit each)"]["process_s"]
    row("ten networks against one by one", "at least 3x", f"{alone / ten:.1f}x ({ten:.1f} s against {alone:.1f} s,"
        " whole processes)", alone / ten >= 3)
    for model in NETWORKS:
        one, five = many[f"one {model}"]["fit_s"], many[f"ensemble of 5 {model}"]["fit_s"]
        row(f"5-member ensemble, {model.upper()}", "at most 2x one network",
            f"{five / one:.2f}x ({five:.1f} s against {one:.1f} s)", five / one <= 2)
        if peers:
            ours = single[f"tickercast {model} | price"]["train_s"]
            for peer_name in ("Darts", "NeuralForecast"):
                theirs = next(v for k, v in single.items() if k.startswith(f"{peer_name} {model} |"))["train_s"]
                row(f"one {model.upper()} against {peer_name}", "at least 2x", f"{theirs / ours:.1f}x",
                    theirs / ours >= 2)
    lstm, gru = single["tickercast lstm | price"]["train_s"], single["tickercast gru | price"]["train_s"]
    row("GRU training time / LSTM's (one network)", "at most 1.3x",
        f"{gru / lstm:.2f}x ({gru:.1f} s against {lstm:.1f} s)", gru / lstm <= 1.3)
    lab = many["gradient lab"]["process_s"]
    row("`tickercast gradients`, defaults", "at most 60 s", f"{lab:.1f} s", lab <= 60)
    heavy, light = many["ten lstm together (memory)"]["peak_rss_mb"], many["one lstm"]["peak_rss_mb"]
    row("peak memory, 10 LSTMs together against one", "under 2x", f"{heavy / light:.2f}x ({heavy:.0f} MB against "
        f"{light:.0f} MB)", heavy / light < 2)
    return "\n".join(rows)


def floor_measured(single: dict[str, Run], many: dict[str, Run]) -> dict[str, float]:
    """What `floor.py` compares with its floors, by its case names."""
    return {"one LSTM": single["tickercast lstm | price"]["train_s"],
            "one GRU": single["tickercast gru | price"]["train_s"],
            "ten networks (LSTM and GRU x 5 seeds)": many["ten: tickercast compare (batched)"]["process_s"],
            "LSTM ensemble of 5": many["ensemble of 5 lstm"]["fit_s"],
            "GRU ensemble of 5": many["ensemble of 5 gru"]["fit_s"],
            "gradient lab (defaults)": many["gradient lab"]["process_s"]}


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


def many_table(many: dict[str, Run]) -> str:
    rows = ["| system | fit s | process s | peak RSS |", "|---|---|---|---|"]
    for name, m in many.items():
        fit = f"{m['fit_s']:.1f}" if "fit_s" in m else f"{m['train_s']:.1f} (training)" if "train_s" in m else "-"
        rss = f"{m['peak_rss_mb']:.0f} MB" if "peak_rss_mb" in m else "-"
        rows.append(f"| {name} | {fit} | {m['process_s']:.1f} | {rss} |")
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
        ours, darts = ten["ten: tickercast compare (batched)"]["process_s"], ten["ten: Darts, 10 sequential fits"]
        lines.append(f"- Ten networks (LSTM and GRU x {SEEDS} seeds): `tickercast compare`, whole process, "
                     f"{ours:.1f} s against {darts['train_s']:.1f} s of Darts training alone "
                     f"({darts['process_s']:.1f} s of Darts processes): {darts['train_s'] / ours:.1f}x faster "
                     f"({darts['process_s'] / ours:.1f}x process to process)")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--peers", action="store_true", help="also measure the plain loop, Darts, NeuralForecast")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 1 epoch, 1 repeat; checks the script")
    parser.add_argument("--out", default=None, help="write the Markdown here as well as printing it")
    args = parser.parse_args()
    if args.peers and not PEERS_PYTHON.exists():
        sys.exit(f"{PEERS_PYTHON} is missing: run `make bench-peers`, which builds it")
    if args.quick:
        CANONICAL[CANONICAL.index("--epochs") + 1] = "1"  # every system reads the job from here
        args.repeats = 1
    started, load = time.perf_counter(), os.getloadavg()
    medians = measure(single_systems(args.peers), args.repeats)
    many = measure(many_systems(args.peers, args.quick), args.repeats)
    help_s, list_s = startup(["--help"]), startup(["data", "list"])
    infer = {model: inference_ms(model) for model in NETWORKS}
    demo = demo_seconds()
    from floor import floor_table

    floors = floor_table(floor_measured(medians, many), seconds_per_shape=0.01 if args.quick else 0.3)
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

{"**A smoke run (`--quick`: 1 epoch, 1 repeat): these numbers measure nothing.**" + chr(10) if args.quick
else ""}
## Goals of issue 16 (many networks as one)

{goals_table(medians, many, args.peers)}

{headline(medians, many) + chr(10) if args.peers else ""}
## One network, the canonical job

{single_table(medians)}

"train s" is the training loop alone (tickercast's includes scoring the untrained network as epoch 0); "process s"
is the whole process, imports and evaluation included. The price target is how the peers (and most tutorials)
train; tickercast's default log-return target is the one whose test RMSE is comparable to the naive forecast.
"""
    text += f"""
## Many networks as one: ten networks, ensembles, the gradient lab, memory

{many_table(many)}

"fit s" is the fitting inside the process, scoring of every part included; "process s" the whole process. "ten:
one by one" is how tickercast trained the ten networks before issue 16 (each `Forecaster.fit` in turn, one process);
"ensemble of 5" is `fit_seeds` with 5 seeds, the training of a 5-member `--ensemble`.

## How far from the arithmetic floor (`benchmarks/floor.py`)

{floors}

FLOPs are the matrix products alone (forward, and twice that backward); the floor is those FLOPs over one thread's
measured rate for each case's own product shapes. "measured" is the train s of one network, the fit s of an
ensemble, and the whole process for the ten networks (two workers) and the lab.
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
        write_keeping(Path(args.out), text)


#: Sections of docs/benchmarks.md below this line are measured by other scripts (by hand) and survive a rewrite.
KEPT = "<!-- Sections below are measured by other scripts; `bench.py --out` keeps them. -->"


def write_keeping(path: Path, text: str) -> None:
    """Write `text` to `path`, followed by whatever the old file had from the `KEPT` line on."""
    old = path.read_text() if path.exists() else ""
    kept = old[old.index(KEPT):] if KEPT in old else KEPT + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{text.rstrip()}\n\n{kept}")


if __name__ == "__main__":
    main()
