"""The training loop, whole and in one place: batch, forward, loss, backward, clip, step, validate, stop."""

from __future__ import annotations

import copy
import math
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from tickercast.config import ModelConfig
from tickercast.errors import TrainingError
from tickercast.progress import SILENT, Reporter

_EVAL_CHUNK = 1024  # windows per forward pass when evaluating: bounds memory, costs no time
#: Training losses by name: mean squared error for values, binary cross-entropy on logits for up/down targets.
LOSSES = {"mse": nn.functional.mse_loss, "bce": nn.functional.binary_cross_entropy_with_logits}


@dataclass
class History:
    """Loss per epoch and which epoch's weights were kept.

    Epoch 0 is the untrained network, measured in evaluation mode; later training losses are the mean over
    the epoch's batches with dropout on, so the first step of the training curve mixes the two.
    """

    epochs: list[dict[str, float | int | None]] = field(default_factory=list)
    best_epoch: int = 0
    stopped_early: bool = False

    def to_dict(self) -> dict[str, object]:
        return {"epochs": self.epochs, "best_epoch": self.best_epoch, "stopped_early": self.stopped_early}


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch (weight initialisation and dropout draw from torch's global generator)."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def fit_network(net: nn.Module, x_train: torch.Tensor, y_train: torch.Tensor, x_val: torch.Tensor,
                y_val: torch.Tensor, config: ModelConfig, *, reporter: Reporter = SILENT,
                description: str = "training", loss: str = "mse") -> History:
    """Train `net` with mini-batch Adam; early-stop on the validation loss and keep the best weights.

    `loss` is `mse` (a value target) or `bce` (an up/down target: the network outputs a logit, targets are 0/1,
    and the loss is binary cross-entropy on the logit, which is stabler than a sigmoid followed by a log).

    Call `seed_everything(config.seed)` before creating `net`, so that its initial weights are reproducible.

    Windows are `[n, lookback]` or `[n, lookback, inputs]` (a strided view is fine: batches are gathered from
    it), targets `[n]`.
    The untrained network counts as epoch 0, so the kept weights are never worse on validation than where
    training started (for the log-return target, the naive forecast). Without validation windows every
    epoch runs and the last weights are kept.
    """
    device = next(net.parameters()).device
    with torch_threads(training_threads(config, device)):
        return _fit(net, x_train, y_train, x_val, y_val, config, device, reporter, description, LOSSES[loss])


def training_threads(config: ModelConfig, device: torch.device) -> int:
    """`config.threads`, or when 0, one thread for networks of up to 128 units on a CPU (see ModelConfig)."""
    if config.threads:
        return config.threads
    return 1 if device.type == "cpu" and config.hidden <= 128 else torch.get_num_threads()


@contextmanager
def torch_threads(count: int) -> Iterator[None]:
    """Run a block with `count` intra-op threads, then give the process its previous setting back."""
    previous = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def _fit(net: nn.Module, x_train: torch.Tensor, y_train: torch.Tensor, x_val: torch.Tensor, y_val: torch.Tensor,
         config: ModelConfig, device: torch.device, reporter: Reporter, description: str,
         loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> History:
    generator = torch.Generator().manual_seed(config.seed)  # batch order, independent of everything else
    optimizer = Adam(list(net.parameters()), lr=config.lr)
    has_val = len(y_val) > 0
    history = History()
    val_loss = evaluate_loss(net, x_val, y_val, loss_fn) if has_val else None
    history.epochs.append({"epoch": 0, "train_loss": evaluate_loss(net, x_train, y_train, loss_fn),
                           "val_loss": val_loss, "seconds": 0.0})
    best_loss, best_state = (val_loss, copy.deepcopy(net.state_dict())) if has_val else (math.inf, None)
    bar = reporter.bar(description, total=config.epochs)
    for epoch in range(1, config.epochs + 1):
        started = time.perf_counter()
        net.train()
        order = torch.randperm(len(y_train), generator=generator)
        total, batches = 0.0, 0
        for first in range(0, len(order), config.batch_size):
            batch = order[first:first + config.batch_size]
            x = sequences(x_train[batch]).to(device)
            y = y_train[batch].to(device)
            loss = loss_fn(net(x), y)
            optimizer.zero_grad()
            loss.backward()
            if config.clip > 0:
                nn.utils.clip_grad_norm_(net.parameters(), config.clip)
            optimizer.step()
            total, batches = total + loss.item(), batches + 1
        train_loss = total / batches
        if not math.isfinite(train_loss):
            bar.close()
            raise TrainingError(f"the training loss became {train_loss} in epoch {epoch}; lower the learning "
                                f"rate (now {config.lr:g}) or keep gradient clipping on")
        val_loss = evaluate_loss(net, x_val, y_val, loss_fn) if has_val else None
        history.epochs.append({"epoch": epoch, "train_loss": train_loss, "val_loss": val_loss,
                               "seconds": time.perf_counter() - started})
        bar.advance(train=train_loss, val=val_loss if val_loss is not None else math.nan)
        if val_loss is None:
            history.best_epoch = epoch  # nothing to select on: the last weights are kept
        elif val_loss < best_loss:
            best_loss, history.best_epoch = val_loss, epoch
            best_state = copy.deepcopy(net.state_dict())
        elif epoch - history.best_epoch >= config.patience:
            history.stopped_early = True
            break
    bar.close()
    if best_state is not None:
        net.load_state_dict(best_state)
    net.eval()
    return history


class Adam:
    """Adam with PyTorch's defaults, written out: the same update as `torch.optim.Adam`, step for step.

    Ours because constructing `torch.optim.Adam` imports torch's compiler stack (sympy, dynamo, inductor):
    1.1 s and 70 MB of memory here, for a network of a few thousand weights that never uses it.
    """

    def __init__(self, parameters: list[nn.Parameter], lr: float, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8) -> None:
        self.parameters, self.lr, self.betas, self.eps = parameters, lr, betas, eps
        self.mean = [torch.zeros_like(p) for p in parameters]  # running mean of the gradient
        self.square = [torch.zeros_like(p) for p in parameters]  # running mean of its square
        self.steps = 0

    def zero_grad(self) -> None:
        for parameter in self.parameters:
            parameter.grad = None

    @torch.no_grad()
    def step(self) -> None:
        self.steps += 1
        beta1, beta2 = self.betas
        step_size = self.lr / (1 - beta1**self.steps)  # bias corrections for the zero start of both means
        root_correction = math.sqrt(1 - beta2**self.steps)
        for parameter, mean, square in zip(self.parameters, self.mean, self.square, strict=True):
            if parameter.grad is None:
                continue
            mean.lerp_(parameter.grad, 1 - beta1)
            square.mul_(beta2).addcmul_(parameter.grad, parameter.grad, value=1 - beta2)
            parameter.addcdiv_(mean, (square.sqrt() / root_correction).add_(self.eps), value=-step_size)


def sequences(windows: torch.Tensor) -> torch.Tensor:
    """Windows as the network reads them: `[n, lookback]` (returns only) -> `[n, lookback, 1]`; `[n, lookback, k]`
    as they are."""
    return windows.unsqueeze(-1) if windows.ndim == 2 else windows


def predict_network(net: nn.Module, windows: torch.Tensor) -> np.ndarray:
    """One forward pass per chunk of windows `[n, lookback(, inputs)]`, without autograd; returns `[n]` float64.

    The result is allocated once and filled chunk by chunk: keeping each chunk's small output alive between the
    large, freed buffers of the next forward passes fragments the C heap, which then cannot shrink (measured: about
    10 MB of resident memory per 1,024 windows of 240 days, 3 GB for a 500-stock study period).
    """
    net.eval()
    device = next(net.parameters()).device
    result: np.ndarray | None = None
    with torch.inference_mode():
        for first in range(0, len(windows), _EVAL_CHUNK):
            output = net(sequences(windows[first:first + _EVAL_CHUNK]).to(device)).cpu().numpy()
            if result is None:
                result = np.empty((len(windows), *output.shape[1:]))
            result[first:first + len(output)] = output
    return result if result is not None else np.empty(0)


def evaluate_loss(net: nn.Module, windows: torch.Tensor, targets: torch.Tensor,
                  loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] = LOSSES["mse"]) -> float:
    """The training loss of the network on windows (mean squared error by default), in evaluation mode."""
    if len(targets) == 0:
        return math.nan
    return float(loss_fn(torch.from_numpy(predict_network(net, windows)), targets.double()))
