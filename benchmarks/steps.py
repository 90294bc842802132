"""What one training step costs at the canonical size, and what the leads of issue 6 change about it.

    python benchmarks/steps.py        (about a minute; prints a Markdown table)

One step = forward and backward of a 2-layer, 32-unit network on a batch of 64 windows of 20 days; medians over
repetitions of 100 steps, each configuration in a fresh process so that thread pools start clean.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time

_CHILD = """
import json, sys, time, torch
from torch import nn
from tickercast.fused import gru_sequence
cell, path, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
torch.set_num_threads(threads)
torch.manual_seed(0)
layer = {"lstm": nn.LSTM, "gru": nn.GRU}[cell](1, 32, num_layers=2, batch_first=True, dropout=0.2)
x = torch.randn(64, 20, 1)
forward = (lambda: gru_sequence(layer, x)) if path == "tickercast" else (lambda: layer(x)[0])
def step():
    forward()[:, -1].sum().backward()
for _ in range(20):
    step()
times = []
for _ in range(5):
    started = time.perf_counter()
    for _ in range(100):
        step()
    times.append((time.perf_counter() - started) * 10)  # ms per step
print(json.dumps(sorted(times)[2]))
"""

CASES = [("lstm", "nn.LSTM (oneDNN, one fused op per layer)"), ("gru", "nn.GRU"),
         ("gru", "tickercast (hand-written backward)")]


def step_ms(cell: str, path: str, threads: int) -> float:
    done = subprocess.run([sys.executable, "-c", _CHILD, cell, path.split(" ")[0], str(threads)],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def adam_construction() -> tuple[float, float]:
    """Seconds and MB that constructing torch.optim.Adam adds to a fresh process that has imported torch."""
    child = ("import resource, time, torch\n"
             "p = torch.nn.Parameter(torch.zeros(3)); before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
             "t = time.perf_counter(); torch.optim.Adam([p]); t = time.perf_counter() - t\n"
             "print(t, (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024)")
    out = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, check=True).stdout.split()
    return float(out[0]), float(out[1])


def matmul_gflops() -> dict[str, float]:
    """What one core does on the matrix shapes of a training step: the arithmetic floor of a run."""
    child = ("import json, time, torch\ntorch.set_num_threads(1)\nrates = {}\n"
             "for m, k, n in ((64, 32, 128), (1280, 32, 128)):\n"
             "    a, b = torch.randn(m, k), torch.randn(k, n)\n    reps = int(2e9 / (2 * m * k * n))\n"
             "    for _ in range(10):\n        a @ b\n    t = time.perf_counter()\n"
             "    for _ in range(reps):\n        a @ b\n"
             "    rates[f'{m}x{k} @ {k}x{n}'] = 2 * m * k * n * reps / (time.perf_counter() - t) / 1e9\n"
             "print(json.dumps(rates))")
    return json.loads(subprocess.run([sys.executable, "-c", child], capture_output=True, text=True,
                                     check=True).stdout)


def main() -> None:
    rows = ["| layer | threads | ms per step (forward + backward) |", "|---|---|---|"]
    for cell, path in CASES:
        for threads in (1, 2):
            medians = statistics.median(step_ms(cell, path, threads) for _ in range(3))
            rows.append(f"| {cell.upper()}: {path} | {threads} | {medians:.2f} |")
    seconds, megabytes = adam_construction()
    print("\n".join(rows))
    print(f"\nConstructing torch.optim.Adam: {seconds:.2f} s and {megabytes:.0f} MB of peak RSS "
          f"({time.strftime('%Y-%m-%d')}).")
    rates = ", ".join(f"{shape}: {rate:.0f}" for shape, rate in matmul_gflops().items())
    print(f"Matrix products on one core, GFLOP/s: {rates}.")


if __name__ == "__main__":
    main()
