"""What computing the whole feature catalogue costs on 5,000 days (issue 14's target: under 50 ms).

    python benchmarks/bench_features.py [--runs 20] [--json]

The last 5,000 days of the bundled S&P 500 (all six columns), every feature of the catalogue through
`compute_features` (the call a training run makes), timed `--runs` times after one warm-up call; prints the
median and, to show where the time goes, each feature's own median. Exit code 1 if the median misses the target.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

import tickercast as tc
from tickercast.prepare.features import CATALOGUE, compute_features

DAYS, TARGET_MS = 5000, 50.0


def median_ms(call, runs: int) -> float:
    call()  # first call pays for imports and caches
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    args = parser.parse_args()

    frame = tc.load("sp500").iloc[-DAYS:]
    names = list(CATALOGUE)
    total = median_ms(lambda: compute_features(frame, names), args.runs)
    each = {name: median_ms(lambda name=name: compute_features(frame, [name]), args.runs) for name in names}
    if args.json:
        print(json.dumps({"days": len(frame), "runs": args.runs, "median_ms": total, "per_feature_ms": each,
                          "target_ms": TARGET_MS}))
    else:
        print(f"whole catalogue, {len(frame):,} days: median {total:.1f} ms of {args.runs} runs "
              f"(target < {TARGET_MS:.0f} ms)")
        for name, ms in each.items():
            print(f"  {name:<11} {ms:6.2f} ms")
    return 0 if total < TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
