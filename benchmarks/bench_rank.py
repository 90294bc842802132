"""What `tickercast rank` costs (issue 15's targets): the djia30 study with defaults in under 15 minutes on
2 cores, and a panel of 500 tickers over 5 years within 4 GB of memory, with progress.

    python benchmarks/bench_rank.py [--case djia30|large|both] [--workers 0] [--json]

Each case runs the real command in a child process (`python -m tickercast rank ... --json`), as a user would:
- djia30: `rank --data djia30` with every default (lstm; logistic, reversal and random alongside); wall time,
  and the study's headline numbers for docs/results.md.
- large: a synthetic panel of 500 random-walk tickers x 1,260 business days (a few days missing here and there,
  as real panels have), written as a long CSV, then `rank --epochs 1`; wall time and peak memory.

Memory: the peak of the sum of the resident memory of the command and its worker processes, sampled from
/proc every 0.2 s (Linux), which is what has to fit in 4 GB; and the largest single process's peak from
`resource.getrusage(RUSAGE_CHILDREN)`, which needs no sampling. Exit code 1 if a case misses its target.
Not part of the test suite: run it on a quiet machine (`make bench-rank`).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

DJIA_TARGET_S = 15 * 60
LARGE_TARGET_MB = 4 * 1024
LARGE_TICKERS, LARGE_DAYS = 500, 1260
SAMPLE_S = 0.2


def synthetic_panel(path: Path, tickers: int = LARGE_TICKERS, days: int = LARGE_DAYS, seed: int = 0) -> Path:
    """Random-walk closes in the long layout (date, open, high, low, close, volume, Name); about 0.2% of the
    (ticker, day) rows left out, so that windows with gaps and a changing cross-section are exercised too."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2012-01-02", periods=days).strftime("%Y-%m-%d")
    frames = []
    for number in range(tickers):
        close = 40 * np.exp(np.cumsum(rng.normal(0.0002, 0.018, days)))
        kept = rng.random(days) > 0.002
        kept[0] = kept[-1] = True
        frames.append(pd.DataFrame({"date": dates[kept], "open": close[kept], "high": close[kept] * 1.01,
                                    "low": close[kept] * 0.99, "close": close[kept], "volume": 1e6,
                                    "Name": f"S{number:03d}"}))
    pd.concat(frames).to_csv(path, index=False, float_format="%.4f")
    return path


def tree_rss_mb(root: int) -> float:
    """Resident memory of `root` and every descendant, in MB, from /proc (0 where /proc is not there)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            rss[int(entry.name)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
            children.setdefault(int(fields[1]), []).append(int(entry.name))
        except (OSError, ValueError, IndexError):
            continue  # a process that ended while we looked
    total, pending = 0, [root]
    while pending:
        pid = pending.pop()
        total += rss.get(pid, 0)
        pending.extend(children.get(pid, []))
    return total / 2**20


def run_rank(arguments: list[str]) -> dict:
    """Run `tickercast rank ARGUMENTS --json` as a child; its summary, wall time and memory peaks."""
    command = [sys.executable, "-m", "tickercast", "rank", *arguments, "--json"]
    started = time.perf_counter()
    with tempfile.TemporaryFile() as output:
        child = subprocess.Popen(command, stdout=output, stderr=sys.stderr)  # progress shows on our stderr
        peak = 0.0
        while child.poll() is None:
            peak = max(peak, tree_rss_mb(child.pid))
            time.sleep(SAMPLE_S)
        seconds = time.perf_counter() - started
        output.seek(0)
        text = output.read().decode()
    if child.returncode != 0:
        raise SystemExit(f"rank failed with exit code {child.returncode}: {' '.join(command)}")
    largest = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"seconds": seconds, "peak_tree_mb": peak, "largest_process_mb": largest, "summary": json.loads(text)}


def headline(summary: dict) -> dict:
    """Per model: the numbers docs/results.md quotes."""
    keys = ("mean_return", "mean_return_after_costs", "t_stat_after_costs", "sharpe_after_costs", "accuracy", "auc",
            "turnover", "verdict")
    return {name: {key: model.get(key) for key in keys} for name, model in summary["models"].items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", choices=("djia30", "large", "both"), default="both")
    parser.add_argument("--workers", type=int, default=0, help="rank --workers (0 = one per core)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of lines")
    args = parser.parse_args()
    results, ok = {}, True
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        if args.case in ("djia30", "both"):
            run = run_rank(["--data", "djia30", "--workers", str(args.workers), "--out", str(folder / "djia30")])
            results["djia30"] = {"seconds": run["seconds"], "target_s": DJIA_TARGET_S,
                                 "peak_tree_mb": run["peak_tree_mb"], "periods": len(run["summary"]["periods"]),
                                 "models": headline(run["summary"])}
            ok &= run["seconds"] < DJIA_TARGET_S
        if args.case in ("large", "both"):
            data = synthetic_panel(folder / "large.csv")
            run = run_rank(["--data", str(data), "--epochs", "1", "--workers", str(args.workers),
                            "--out", str(folder / "large")])
            results["large"] = {"tickers": LARGE_TICKERS, "days": LARGE_DAYS, "seconds": run["seconds"],
                                "peak_tree_mb": run["peak_tree_mb"], "largest_process_mb": run["largest_process_mb"],
                                "target_mb": LARGE_TARGET_MB, "periods": len(run["summary"]["periods"])}
            ok &= max(run["peak_tree_mb"], run["largest_process_mb"]) < LARGE_TARGET_MB
    if args.json:
        print(json.dumps({"cores": os.cpu_count(), "workers": args.workers, **results}, indent=2))
        return 0 if ok else 1
    if "djia30" in results:
        case = results["djia30"]
        print(f"rank --data djia30 (defaults, {case['periods']} periods): {case['seconds']:.0f} s "
              f"(target < {DJIA_TARGET_S} s), peak memory {case['peak_tree_mb']:.0f} MB")
        for model in case["models"].values():
            print(f"  {model['verdict']}")
    if "large" in results:
        case = results["large"]
        print(f"rank on {case['tickers']} tickers x {case['days']} days, --epochs 1 ({case['periods']} periods): "
              f"{case['seconds']:.0f} s, peak memory {case['peak_tree_mb']:.0f} MB in all, largest process "
              f"{case['largest_process_mb']:.0f} MB (target < {LARGE_TARGET_MB} MB)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
