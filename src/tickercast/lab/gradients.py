"""The vanishing/exploding gradient lab: how far back can a plain RNN, an LSTM and a GRU carry a gradient?

Three measurements, all on small networks built here (one layer, the same hidden size for every cell):

1. **Decay.** ‖∂y_T/∂x_{T−k}‖ for k = 0 … steps, averaged over random input sequences, at initialisation and
   after training: how strongly the output still depends on an input k steps back.
2. **A task that needs memory.** Each sequence starts with +1 or −1, followed by `gap` steps of Gaussian noise;
   the network must output the first value. Accuracy is the share of held-out sequences whose output has the
   right sign (chance = 50%), for each of `seeds` independently initialised and trained networks.
3. **Exploding gradients.** A plain RNN whose recurrent weights are scaled to a spectral radius above 1 is
   trained on the same task with and without gradient-norm clipping; the gradient norm per update shows the
   explosion and what clipping does to it.

Each gated cell runs twice: at PyTorch's default initialisation, and with its memory gate opened by a bias of
`gate_bias` (the LSTM's forget gate, the GRU's update gate; f, z ≈ 0.99 for the default bias of 5). At the default
initialisation those gates sit near 0.5, so the memory halves at every step just like a small RNN's, and the
gradient through it decays as fast. The LSTM's and GRU's advantage is that the gate can stay open, which is
what the second run shows.

Lab networks use PyTorch's default initialisation everywhere else, including the output layer (tickercast's
forecasting networks start their head at zero, which would make ∂y/∂x vanish trivially at initialisation).

The runs of one cell (its variants, each seed) train together as one `networks.stacked.NetworkStack`, as do the
exploding RNN's two copies: one batched computation instead of one loop per network, with each network's own data,
clipping and optimizer state, so each ends where it would have trained alone (up to float summation order). The
curves and accuracies are then measured on each network on its own.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict
from itertools import groupby
from typing import Any

import numpy as np
import torch

from tickercast.config import CELLS
from tickercast.errors import ConfigError
from tickercast.lab.settings import LabSettings
from tickercast.networks.modules import GATES, RecurrentForecaster
from tickercast.networks.stacked import NetworkStack
from tickercast.networks.training import Adam, clip_members, torch_threads
from tickercast.parallel import cores, run_all
from tickercast.progress import SILENT, Reporter

#: The memory gate's block in PyTorch's stacked biases: LSTM (i, f, g, o) -> f; GRU (r, z, n) -> z.
MEMORY_GATE = {"lstm": 1, "gru": 1}


def lab_network(cell: str, hidden: int, seed: int, gate_bias: float = 0.0) -> RecurrentForecaster:
    """A one-layer network with PyTorch's default initialisation (output layer included), plus `gate_bias`
    on the memory gate of an LSTM (forget) or GRU (update)."""
    torch.manual_seed(seed)
    net = RecurrentForecaster(cell, hidden=hidden, layers=1, dropout=0.0)
    net.head.reset_parameters()
    if gate_bias and cell in MEMORY_GATE:
        block = MEMORY_GATE[cell]
        with torch.no_grad():
            net.recurrent.bias_ih_l0[block * hidden:(block + 1) * hidden] += gate_bias
    return net


def variants(cells: list[str], gate_bias: float) -> list[tuple[str, str, float]]:
    """(label, cell, gate bias) for each run: every cell as initialised, gated cells also with the gate open."""
    runs = []
    for cell in cells:
        runs.append((cell, cell, 0.0))
        if cell in MEMORY_GATE and gate_bias:
            runs.append((f"{cell}-open", cell, gate_bias))
    return runs


def gradient_by_lag(net: RecurrentForecaster, steps: int, seed: int, batch: int = 64) -> np.ndarray:
    """‖∂y_T/∂x_{T−k}‖ for k = 0 … steps (index k), averaged over `batch` standard-normal sequences."""
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(batch, steps + 1, 1, generator=generator, dtype=torch.float64).requires_grad_(True)
    net = net.double()
    (grad,) = torch.autograd.grad(net(x).sum(), x)  # each output depends only on its own sequence
    net.float()
    return grad.norm(dim=2).mean(dim=0).flip(0).numpy()  # [steps + 1], index = lag


def lag_below(curve: np.ndarray, fraction: float = 1e-6) -> int | None:
    """First lag whose gradient is below `fraction` of the lag-0 gradient (None: never, within the curve)."""
    below = np.flatnonzero(curve < fraction * curve[0])
    return int(below[0]) if below.size else None


def decay_per_10(curve: np.ndarray) -> float:
    """Average factor by which the gradient shrinks every 10 steps (geometric mean over the curve)."""
    positive = curve[curve > 0]
    if len(positive) < 2:
        return 0.0
    slope = np.polyfit(np.arange(len(positive)), np.log(positive), 1)[0]
    return float(np.exp(10 * slope))


def memory_task(n: int, gap: int, noise: float, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Sequences `[n, gap + 1, 1]`: ±1 first, then noise; the target is the first value `[n]`."""
    first = torch.randint(0, 2, (n,), generator=generator).float() * 2 - 1
    x = torch.randn(n, gap + 1, 1, generator=generator) * noise
    x[:, 0, 0] = first
    return x, first


def train_on_memory_task(nets: Sequence[RecurrentForecaster], settings: LabSettings, *, seeds: Sequence[int],
                         clips: Sequence[float], iterations: int, reporter: Reporter = SILENT, description: str = "",
                         optimizer: str = "adam") -> list[dict[str, list[float]]]:
    """Train N networks of one shape together on fresh random batches; per network, its gradient norm before
    clipping and its loss at each update.

    Network k reads the batches of data seed `seeds[k]` (the stream `seed + 1`, whatever else trains beside it),
    clips its own gradient norm at `clips[k]` (0: never) and has its own Adam state: Adam and SGD are elementwise,
    so one optimizer over the stacked weights is N independent ones. A network whose loss turns non-finite leaves
    the stack with the weights that produced that loss (as a lone run stops there); the others go on. The trained
    weights are written back into `nets`, on which every measurement is then taken.
    """
    stack = NetworkStack(nets)
    dtype = stack.stacked[0].dtype
    data_seeds = sorted(set(seeds))
    streams = [torch.Generator().manual_seed(seed + 1) for seed in data_seeds]
    source = torch.tensor([data_seeds.index(seed) for seed in seeds])  # the data stream each member reads
    limits = torch.tensor([clip if clip > 0 else math.inf for clip in clips], dtype=dtype)
    parameters = list(stack.parameters())
    adam = Adam(parameters, lr=settings.lr) if optimizer == "adam" else None
    records: list[dict[str, list[float]]] = [{"grad_norms": [], "losses": []} for _ in nets]
    finished: dict[int, dict[str, torch.Tensor]] = {}  # member -> its weights when its loss became non-finite
    active = list(range(len(nets)))  # the original index of each member still in the stack
    bar = reporter.bar(description, total=iterations)
    for _ in range(iterations):
        batches = [memory_task(settings.batch_size, settings.gap, settings.noise, stream) for stream in streams]
        if len(streams) == 1:  # one batch for every member: the stack reads it once
            x, y = batches[0][0].to(dtype), batches[0][1].to(dtype)
        else:
            rows = source[active]
            x = torch.stack([x for x, _ in batches])[rows].to(dtype)
            y = torch.stack([y for _, y in batches])[rows].to(dtype)
        losses = ((stack(x) - y) ** 2).mean(dim=1)  # [members]
        for parameter in parameters:
            parameter.grad = None
        losses.sum().backward()  # each member's weights get only its own loss's gradient
        losses = losses.detach()
        norms = clip_members(parameters, limits[active])
        for position, member in enumerate(active):
            records[member]["grad_norms"].append(float(norms[position]))
            records[member]["losses"].append(float(losses[position]))
        finite = torch.isfinite(losses)
        if not bool(finite.all()):  # exploded: nothing more to learn from those members
            for position in torch.nonzero(~finite).flatten().tolist():
                finished[active[position]] = stack.member_state(position)
            if not bool(finite.any()):
                break
            kept = torch.nonzero(finite).flatten()
            stack.keep(kept)  # new parameters, of the kept members only
            for old, parameter in zip(parameters, stack.parameters(), strict=True):
                parameter.grad = old.grad[kept]
            parameters = list(stack.parameters())
            if adam is not None:
                adam.keep(kept, parameters)
            active = [active[position] for position in kept.tolist()]
        if adam is not None:
            adam.step()
        else:
            with torch.no_grad():
                for parameter in parameters:
                    parameter.add_(parameter.grad, alpha=-settings.lr)
        bar.advance(loss=float(losses[finite].mean()))
    bar.close()
    positions = {member: position for position, member in enumerate(active)}
    stack.write_back(nets, [finished[k] if k in finished else stack.member_state(positions[k])
                            for k in range(len(nets))])
    return records


def memory_accuracy(net: RecurrentForecaster, settings: LabSettings, n: int = 1000) -> float:
    x, y = memory_task(n, settings.gap, settings.noise, torch.Generator().manual_seed(settings.seed + 2))
    with torch.no_grad():
        return float((torch.sign(net(x)) == y).float().mean())


#: Sequence steps per run (updates x steps of a sequence) below which worker processes, about 2 s each to start,
#: cost more than they save: the tests' tiny labs run in-process, the default (1,000 x 101) in workers.
_WORKER_STEPS = 20_000


def run_lab(cells: list[str], settings: LabSettings | None = None, reporter: Reporter = SILENT,
            workers: int | None = None) -> dict[str, Any]:
    """Every measurement for every cell, plus the exploding-RNN comparison; plain data, ready for JSON.

    All runs of one cell (each variant, each seed) train together as one stack; the curves and accuracies are
    measured on each network afterwards. The cells and the exploding RNN are independent jobs, run in `workers`
    processes (None: one per core for a lab of the default size, else in this process); the numbers do not depend
    on how many.
    """
    settings = settings or LabSettings()
    unknown = [cell for cell in cells if cell not in CELLS]
    if unknown or not cells:
        raise ConfigError(f"unknown cell(s) {', '.join(unknown) or '(none given)'}; use: {', '.join(CELLS)}")
    groups = [(cell, [(label, gate_bias) for label, _, gate_bias in runs])
              for cell, runs in groupby(variants(cells, settings.gate_bias), key=lambda run: run[1])]
    jobs: list[tuple[Any, ...]] = [("cell", settings, cell, runs) for cell, runs in largest_first(groups)]
    jobs.append(("exploding", settings))
    if workers is None:
        workers = cores() if settings.iterations * (settings.gap + 1) >= _WORKER_STEPS else 1
    bar = reporter.bar(f"gradient lab: {len(jobs) - 1} cell(s) and the exploding RNN", total=len(jobs))
    done = run_all(_lab_job, jobs, workers, done=lambda index: bar.advance())
    bar.close()
    results: dict[str, Any] = {"settings": asdict(settings), "cells": {}}
    for cell_results in done[:-1]:
        results["cells"].update(cell_results)
    results["cells"] = {label: results["cells"][label] for label, _, _ in variants(cells, settings.gate_bias)}
    results["exploding"] = done[-1]
    return results


def largest_first(groups: list[tuple[str, list[tuple[str, float]]]]) -> list[tuple[str, list[tuple[str, float]]]]:
    """The cells' jobs, largest first (most gates x runs), so that workers finish close together."""
    return sorted(groups, key=lambda group: -GATES[group[0]] * len(group[1]))


def _lab_job(kind: str, settings: LabSettings, *cell: Any) -> dict[str, Any]:
    """One job of `run_lab` (a worker's entry point): one cell's runs, or the exploding RNN; one thread."""
    with torch_threads(1):  # 16 units: a second thread only waits (see ModelConfig.threads)
        return cell_runs(*cell, settings) if kind == "cell" else exploding_rnn(settings)


def cell_runs(cell: str, runs: list[tuple[str, float]], settings: LabSettings) -> dict[str, Any]:
    """Every run (label, gate bias) of one cell, each seed, trained together; each label's accuracies and curves
    (the curves are those of the first seed's network)."""
    seeds = list(range(settings.seed, settings.seed + settings.seeds))
    members = [(label, gate_bias, seed) for label, gate_bias in runs for seed in seeds]
    nets = [lab_network(cell, settings.hidden, seed, gate_bias) for _, gate_bias, seed in members]
    first = {label: nets[members.index((label, gate_bias, seeds[0]))] for label, gate_bias in runs}
    init = {label: gradient_by_lag(net, settings.steps, settings.seed) for label, net in first.items()}
    train_on_memory_task(nets, settings, seeds=[seed for _, _, seed in members], clips=[settings.clip] * len(nets),
                         iterations=settings.iterations)
    results = {}
    for label, gate_bias in runs:
        accuracies = [memory_accuracy(net, settings) for net, member in zip(nets, members, strict=True)
                      if member[0] == label]
        results[label] = {"cell": cell, "gate_bias": gate_bias, "accuracy": float(np.mean(accuracies)),
                          "accuracies": accuracies, "solved": sum(accuracy >= 0.95 for accuracy in accuracies),
                          "init": _curve_summary(init[label]),
                          "trained": _curve_summary(gradient_by_lag(first[label], settings.steps, settings.seed))}
    return results


def exploding_rnn(settings: LabSettings, reporter: Reporter = SILENT) -> dict[str, Any]:
    """The same RNN with recurrent weights at spectral radius `radius`, trained with and without clipping.

    Plain SGD here, where an exploding gradient becomes an exploding step; Adam divides each step by the
    gradient's own running size, which hides the explosion from the weights (not from the gradient norm).
    The two copies train as one stack of two, on the same batches.
    """
    labels = {"unclipped": 0.0, "clipped": settings.clip}
    nets = [lab_network("rnn", settings.hidden, settings.seed) for _ in labels]
    with torch.no_grad():
        for net in nets:
            weights = net.recurrent.weight_hh_l0
            weights *= settings.radius / float(torch.linalg.eigvals(weights).abs().max())
    curve = gradient_by_lag(nets[0], settings.steps, settings.seed)
    trainings = train_on_memory_task(nets, settings, seeds=[settings.seed] * len(nets), clips=list(labels.values()),
                                     iterations=settings.explode_iterations, reporter=reporter,
                                     description=f"rnn radius {settings.radius:g}, unclipped and clipped",
                                     optimizer="sgd")
    runs = {}
    for (label, clip), net, training in zip(labels.items(), nets, trainings, strict=True):
        norms = np.asarray(training["grad_norms"])
        weights = torch.cat([p.detach().flatten() for p in net.parameters()])
        runs[label] = {"clip": clip, "grad_norms": norms.tolist(), "losses": training["losses"],
                       "max_grad_norm": float(norms.max()), "median_grad_norm": float(np.median(norms)),
                       "largest_step_norm": float(min(norms.max(), clip) if clip else norms.max()),
                       "final_weight_norm": float(torch.linalg.vector_norm(weights)),
                       "final_loss": training["losses"][-1]}
    runs["init"] = _curve_summary(curve)
    return runs


def _curve_summary(curve: np.ndarray) -> dict[str, Any]:
    relative = curve / curve[0]
    return {"curve": curve.tolist(), "relative_every_10": relative[::10].tolist(),
            "decay_per_10_steps": decay_per_10(curve), "lag_below_1e-6": lag_below(curve)}
