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
"""

from __future__ import annotations

import math
from dataclasses import asdict
from typing import Any

import numpy as np
import torch

from tickercast.config import CELLS, LabSettings
from tickercast.errors import ConfigError
from tickercast.nets import RecurrentForecaster
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


def train_on_memory_task(net: RecurrentForecaster, settings: LabSettings, clip: float, iterations: int,
                         reporter: Reporter = SILENT, description: str = "", seed: int | None = None,
                         optimizer: str = "adam") -> dict[str, Any]:
    """Fresh random batches every update; returns the gradient norm before clipping and the loss of each."""
    generator = torch.Generator().manual_seed((settings.seed if seed is None else seed) + 1)
    updater = (torch.optim.Adam if optimizer == "adam" else torch.optim.SGD)(net.parameters(), lr=settings.lr)
    norms, losses = [], []
    bar = reporter.bar(description, total=iterations)
    for _ in range(iterations):
        x, y = memory_task(settings.batch_size, settings.gap, settings.noise, generator)
        loss = torch.mean((net(x) - y) ** 2)
        updater.zero_grad(set_to_none=True)
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(net.parameters(), clip if clip > 0 else math.inf)
        norms.append(float(norm))
        losses.append(float(loss.detach()))
        if not math.isfinite(losses[-1]):
            break  # exploded: nothing more to learn from this run
        updater.step()
        bar.advance(loss=losses[-1])
    bar.close()
    return {"grad_norms": norms, "losses": losses}


def memory_accuracy(net: RecurrentForecaster, settings: LabSettings, n: int = 1000) -> float:
    x, y = memory_task(n, settings.gap, settings.noise, torch.Generator().manual_seed(settings.seed + 2))
    with torch.no_grad():
        return float((torch.sign(net(x)) == y).float().mean())


def run_lab(cells: list[str], settings: LabSettings | None = None, reporter: Reporter = SILENT) -> dict[str, Any]:
    """Every measurement for every cell, plus the exploding-RNN comparison; plain data, ready for JSON."""
    settings = settings or LabSettings()
    unknown = [cell for cell in cells if cell not in CELLS]
    if unknown or not cells:
        raise ConfigError(f"unknown cell(s) {', '.join(unknown) or '(none given)'}; use: {', '.join(CELLS)}")
    results: dict[str, Any] = {"settings": asdict(settings), "cells": {}}
    for label, cell, gate_bias in variants(cells, settings.gate_bias):
        accuracies, curves = [], {}
        for seed in range(settings.seed, settings.seed + settings.seeds):
            net = lab_network(cell, settings.hidden, seed, gate_bias)
            curves.setdefault("init", gradient_by_lag(net, settings.steps, settings.seed))
            train_on_memory_task(net, settings, settings.clip, settings.iterations, reporter,
                                 f"{label} seed {seed}: remember over {settings.gap} steps", seed=seed)
            curves.setdefault("trained", gradient_by_lag(net, settings.steps, settings.seed))
            accuracies.append(memory_accuracy(net, settings))
        results["cells"][label] = {
            "cell": cell,
            "gate_bias": gate_bias,
            "accuracy": float(np.mean(accuracies)),
            "accuracies": accuracies,
            "solved": sum(accuracy >= 0.95 for accuracy in accuracies),
            "init": _curve_summary(curves["init"]),
            "trained": _curve_summary(curves["trained"]),  # of the first seed's network
        }
    results["exploding"] = exploding_rnn(settings, reporter)
    return results


def exploding_rnn(settings: LabSettings, reporter: Reporter = SILENT) -> dict[str, Any]:
    """The same RNN with recurrent weights at spectral radius `radius`, trained with and without clipping.

    Plain SGD here, where an exploding gradient becomes an exploding step; Adam divides each step by the
    gradient's own running size, which hides the explosion from the weights (not from the gradient norm).
    """
    runs = {}
    for label, clip in (("unclipped", 0.0), ("clipped", settings.clip)):
        net = lab_network("rnn", settings.hidden, settings.seed)
        with torch.no_grad():
            weights = net.recurrent.weight_hh_l0
            weights *= settings.radius / float(torch.linalg.eigvals(weights).abs().max())
        curve = gradient_by_lag(net, settings.steps, settings.seed)
        training = train_on_memory_task(net, settings, clip, settings.explode_iterations, reporter,
                                        f"rnn radius {settings.radius:g}, {label}", optimizer="sgd")
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
