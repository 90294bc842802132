"""The arithmetic floor of each benchmarked job: its matrix-product FLOPs over this machine's rate for those shapes.

    python benchmarks/floor.py [--quick] [--measured results.json]

A recurrent layer with G gates and H units reading I inputs costs, per window and step, 2*G*H*(I + H) FLOPs
forward (the input and the recurrent product) and about twice that backward (the gradients with respect to the
inputs and to the weights); the head adds 2*H*outputs per window. Everything else (gate nonlinearities, Adam,
data handling, Python) is left out, so "measured / floor" says how much of a run is not matrix arithmetic. The
rate is measured here, on one thread, for each job's own shapes at batch 64 (`torch.addmm` for one network,
`torch.bmm` for N stacked ones), so the floor is what one core could do if a run were nothing but its products.
`--measured` reads `{case: seconds}` (what `bench.py` measured) and adds the ratio column.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

GATES = {"lstm": 4, "gru": 3, "rnn": 1}
#: The canonical job (docs/benchmarks.md): 4,004 training windows of 20 days, 20 epochs, 2 layers x 32 units.
CANONICAL_ROWS, CANONICAL_STEPS = 4_004 * 20, 20
#: The gradient lab's defaults (LabSettings): 1,000 updates of 64 sequences of 101 steps, 16 units, 1 layer.
LAB_ROWS, LAB_STEPS, LAB_HIDDEN, EXPLODE_ROWS = 1_000 * 64, 101, 16, 100 * 64
BATCH = 64


@dataclass(frozen=True)
class Product:
    """`count` products of `[members, rows, inner] @ [members, inner, outputs]` in one job's forward passes."""

    members: int
    rows: int
    inner: int
    outputs: int
    count: float

    @property
    def flops(self) -> float:
        return 3 * 2 * self.members * self.rows * self.inner * self.outputs * self.count  # forward + 2x backward


def network(cell: str, members: int, rows: int, steps: int, hidden: int, layers: int, inputs: int = 1,
            outputs: int = 1) -> list[Product]:
    """The products of `members` networks trained together on `rows` windows in all (batches of 64)."""
    batches = rows / BATCH
    width = GATES[cell] * hidden
    products = []
    for layer in range(layers):
        reads = inputs if layer == 0 else hidden
        products.append(Product(members, BATCH * steps, reads, width, batches))  # every step's input at once
        products.append(Product(members, BATCH, hidden, width, batches * steps))  # one recurrent step
    products.append(Product(members, BATCH, hidden, outputs, batches))  # the head
    return products


def canonical(cell: str, members: int = 1) -> list[Product]:
    return network(cell, members, CANONICAL_ROWS, CANONICAL_STEPS, hidden=32, layers=2)


def lab() -> list[Product]:
    """`tickercast gradients` with its defaults: rnn alone, lstm and gru with their open-gate twins, the
    exploding pair (the decay curves, one forward and backward each, are left out)."""
    return [*network("rnn", 1, LAB_ROWS, LAB_STEPS, LAB_HIDDEN, 1), *network("lstm", 2, LAB_ROWS, LAB_STEPS,
            LAB_HIDDEN, 1), *network("gru", 2, LAB_ROWS, LAB_STEPS, LAB_HIDDEN, 1),
            *network("rnn", 2, EXPLODE_ROWS, LAB_STEPS, LAB_HIDDEN, 1)]


#: Every case `bench.py` times, by the name it reports it under.
CASES = {
    "one LSTM": canonical("lstm"),
    "one GRU": canonical("gru"),
    "ten networks (LSTM and GRU x 5 seeds)": [*canonical("lstm", 5), *canonical("gru", 5)],
    "LSTM ensemble of 5": canonical("lstm", 5),
    "GRU ensemble of 5": canonical("gru", 5),
    "gradient lab (defaults)": lab(),
}


def rate(members: int, rows: int, inner: int, outputs: int, seconds: float) -> float:
    """FLOP/s of one thread on this product shape: the median of 3 timings of about `seconds` each."""
    import torch

    torch.set_num_threads(1)
    a, b = torch.randn(members, rows, inner), torch.randn(members, inner, outputs)
    bias = torch.randn(outputs)
    product = (lambda: torch.addmm(bias, a[0], b[0])) if members == 1 else (lambda: torch.bmm(a, b))
    flops = 2 * members * rows * inner * outputs
    for _ in range(20):
        product()
    started = time.perf_counter()
    repeats = 0
    while time.perf_counter() - started < seconds / 10:  # calibrate the repeats to the time asked for
        product()
        repeats += 1
    repeats = max(10 * repeats, 10)
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        for _ in range(repeats):
            product()
        timings.append(time.perf_counter() - started)
    return flops * repeats / statistics.median(timings)


def floors(seconds_per_shape: float) -> dict[str, tuple[float, float]]:
    """Each case's (GFLOP, floor seconds): every product's FLOPs over the rate measured for its shape."""
    rates: dict[tuple[int, int, int, int], float] = {}
    result = {}
    for case, products in CASES.items():
        floor = 0.0
        for p in products:
            shape = (p.members, p.rows, p.inner, p.outputs)
            if shape not in rates:
                rates[shape] = rate(*shape, seconds=seconds_per_shape)
            floor += p.flops / rates[shape]
        result[case] = (sum(p.flops for p in products) / 1e9, floor)
    return result


def floor_table(measured: dict[str, float], seconds_per_shape: float = 0.3) -> str:
    """Markdown: each case's GFLOP, floor seconds on one core, and (where measured) measured seconds / floor."""
    rows = ["| case | GFLOP (forward + backward products) | floor s (one core) | measured s | measured / floor |",
            "|---|---|---|---|---|"]
    for case, (gflop, floor) in floors(seconds_per_shape).items():
        seconds = measured.get(case)
        rows.append(f"| {case} | {gflop:.1f} | {floor:.2f} | {'' if seconds is None else f'{seconds:.1f}'} | "
                    f"{'' if seconds is None else f'{seconds / floor:.1f}x'} |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="time each shape briefly (a smoke run)")
    parser.add_argument("--measured", type=Path, help="JSON {case: seconds} to compare with the floor")
    args = parser.parse_args()
    measured = json.loads(args.measured.read_text()) if args.measured else {}
    print(floor_table(measured, seconds_per_shape=0.01 if args.quick else 0.3))


if __name__ == "__main__":
    main()
