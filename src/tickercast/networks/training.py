"""The training loop, whole and in one place: batch, forward, loss, backward, clip, step, validate, stop."""

from __future__ import annotations

import copy
import math
import random
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

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


def fit_networks(nets: Sequence[nn.Module], x_train: torch.Tensor, y_train: torch.Tensor, x_val: torch.Tensor,
                 y_val: torch.Tensor, configs: Sequence[ModelConfig], *, reporter: Reporter = SILENT,
                 description: str = "training", loss: str = "mse", stacked: bool | None = None) -> list[History]:
    """Train N networks of one shape on the same windows as one batched computation; one History each.

    `configs[k]` is network k's settings; they may differ only in the seed. Member k draws its batch order from
    its own seed exactly as `fit_network` does, its dropout masks from a generator of its own seed, clips its own
    gradient norm, keeps its own Adam state and stops early on its own validation loss (a member that stops
    leaves the batch and keeps its best weights). Seed each network before creating it, as for `fit_network`.

    One network trains through `fit_network`; `stacked=False` trains each through it, one after another (the
    reference the stack is measured against). In a stack on a CPU, LSTM members run one at a time through
    PyTorch's fused LSTM operation (faster per member than any op-by-op layer), GRU and RNN members as one
    batched computation (`batched`).
    """
    if len(nets) != len(configs) or not nets:
        raise ValueError("fit_networks needs one config per network, and at least one network")
    settings = {replace(config, seed=0) for config in configs}
    if len(settings) > 1:
        raise ValueError("networks trained together may differ only in their seed")
    device = next(nets[0].parameters()).device
    if stacked is None:
        stacked = len(nets) > 1
    if not stacked:
        return [fit_network(net, x_train, y_train, x_val, y_val, config, reporter=reporter,
                            description=description, loss=loss) for net, config in zip(nets, configs, strict=True)]
    from tickercast.networks.stacked import NetworkStack

    with torch_threads(training_threads(configs[0], device)):
        stack = NetworkStack(nets).to(device)
        histories, states = _fit_stack(stack, x_train, y_train, x_val, y_val, configs, device, reporter,
                                       description, LOSSES[loss])
    stack.write_back(nets, states)
    for net in nets:
        net.eval()
    return histories


def _fit_stack(stack: nn.Module, x_train: torch.Tensor, y_train: torch.Tensor, x_val: torch.Tensor,
               y_val: torch.Tensor, configs: Sequence[ModelConfig], device: torch.device, reporter: Reporter,
               description: str, loss_fn: Callable[..., torch.Tensor]
               ) -> tuple[list[History], list[dict[str, torch.Tensor]]]:
    """`fit_networks` for N > 1: the loop of `_fit`, with every quantity carrying a leading member axis."""
    config = configs[0]
    members = len(configs)
    orders = [torch.Generator().manual_seed(c.seed) for c in configs]  # batch order, as in `_fit`
    dropouts = [torch.Generator().manual_seed(c.seed + 1) for c in configs]  # dropout masks
    optimizer = Adam(list(stack.parameters()), lr=config.lr)
    has_val = len(y_val) > 0
    histories = [History() for _ in configs]
    active = list(range(members))  # the original index of each member still in the stack
    train0 = _stack_losses(stack, x_train, y_train, loss_fn)
    val = _stack_losses(stack, x_val, y_val, loss_fn) if has_val else [None] * members
    for k, history in enumerate(histories):
        history.epochs.append({"epoch": 0, "train_loss": train0[k], "val_loss": val[k], "seconds": 0.0})
    best_loss = [v if has_val else math.inf for v in val]
    best_state = [stack.member_state(k) if has_val else None for k in range(members)]
    bar = reporter.bar(description, total=config.epochs)
    n = len(y_train)
    for epoch in range(1, config.epochs + 1):
        started = time.perf_counter()
        order = torch.stack([torch.randperm(n, generator=orders[k]) for k in active])  # [N, n]
        totals, batches = torch.zeros(len(active), dtype=torch.float64), 0
        for first in range(0, n, config.batch_size):
            batch = order[:, first:first + config.batch_size]  # [N, b]
            x = sequences(x_train[batch.reshape(-1)])
            x = x.reshape(len(active), batch.shape[1], *x.shape[1:]).to(device)
            y = y_train[batch.reshape(-1)].reshape(*batch.shape, *y_train.shape[1:]).to(device)
            masks = stack.dropout_masks(batch.shape[1], x.shape[2], [dropouts[k] for k in active])
            member_losses = loss_fn(stack(x, masks), y, reduction="none")
            member_losses = member_losses.reshape(len(active), -1).mean(1)
            optimizer.zero_grad()
            member_losses.sum().backward()
            if config.clip > 0:
                clip_members(list(stack.parameters()), config.clip)
            optimizer.step()
            totals += member_losses.detach().double().cpu()
            batches += 1
        train_losses = (totals / batches).tolist()
        bad = [k for k, value in zip(active, train_losses, strict=True) if not math.isfinite(value)]
        if bad:
            bar.close()
            raise TrainingError(f"the training loss became {train_losses[active.index(bad[0])]} in epoch {epoch} "
                                f"(seed {configs[bad[0]].seed}); lower the learning rate (now {config.lr:g}) or "
                                "keep gradient clipping on")
        val = _stack_losses(stack, x_val, y_val, loss_fn) if has_val else [None] * len(active)
        seconds = time.perf_counter() - started
        stopped = []
        for position, k in enumerate(active):
            history = histories[k]
            history.epochs.append({"epoch": epoch, "train_loss": train_losses[position],
                                   "val_loss": val[position], "seconds": seconds})
            if val[position] is None:
                history.best_epoch = epoch
            elif val[position] < best_loss[k]:
                best_loss[k], history.best_epoch = val[position], epoch
                best_state[k] = stack.member_state(position)
            elif epoch - history.best_epoch >= config.patience:
                history.stopped_early = True
                stopped.append(position)
        finite = [v for v in val if v is not None]
        bar.advance(train=sum(train_losses) / len(train_losses),
                    val=sum(finite) / len(finite) if finite else math.nan)
        if stopped:
            if len(stopped) == len(active):
                break
            kept = torch.tensor([p for p in range(len(active)) if p not in stopped])
            stack.keep(kept)
            optimizer.keep(kept, list(stack.parameters()))
            active = [active[p] for p in kept.tolist()]
    bar.close()
    for position, k in enumerate(active):
        if best_state[k] is None:
            best_state[k] = stack.member_state(position)
    return histories, best_state


def clip_members(parameters: Sequence[torch.Tensor], limits: float | torch.Tensor) -> torch.Tensor:
    """`clip_grad_norm_` for each member of a stack: the norm over all of one member's gradients (returned,
    `[members]`) and the gradients scaled down to at most the limit (one for all, or `[members]`; torch's
    formula, so an infinite limit never scales)."""
    grads = [p.grad for p in parameters if p.grad is not None]
    norms = torch.stack([g.reshape(g.shape[0], -1).pow(2).sum(1) for g in grads]).sum(0).sqrt()  # [N]
    scale = (limits / (norms + 1e-6)).clamp(max=1.0)
    for grad in grads:
        grad.mul_(scale.view(-1, *([1] * (grad.ndim - 1))))
    return norms


def _stack_losses(stack: nn.Module, windows: torch.Tensor, targets: torch.Tensor,
                  loss_fn: Callable[..., torch.Tensor]) -> list[float | None]:
    """Each member's loss on the same windows, in evaluation mode (`evaluate_loss` for a stack)."""
    if len(targets) == 0:
        return [math.nan] * stack.members
    outputs = []
    device = stack.stacked[0].device
    with torch.no_grad():
        for first in range(0, len(windows), _EVAL_CHUNK):
            outputs.append(stack(sequences(windows[first:first + _EVAL_CHUNK]).to(device)).double().cpu())
    out = torch.cat(outputs, dim=1)
    expanded = targets.double().unsqueeze(0).expand(out.shape)
    return loss_fn(out, expanded, reduction="none").reshape(stack.members, -1).mean(1).tolist()


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

    def keep(self, members: torch.Tensor, parameters: list[nn.Parameter]) -> None:
        """Go on with `parameters`, the stacked parameters of these members only (after `NetworkStack.keep`),
        and their running means."""
        self.parameters = parameters
        self.mean = [mean[members].contiguous() for mean in self.mean]
        self.square = [square[members].contiguous() for square in self.square]

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
