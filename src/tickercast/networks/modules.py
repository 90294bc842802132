"""The network: a stack of LSTM, GRU or plain tanh-RNN layers and a linear head on the last hidden state."""

from __future__ import annotations

import math

import torch
from torch import nn

from tickercast.config import CELLS, ModelConfig
from tickercast.errors import ConfigError, option
from tickercast.networks.stacked import layer_outputs

_RECURRENT = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}
#: Gate blocks per layer: the rows of each weight matrix are `GATES[cell] * hidden`.
GATES = {"lstm": 4, "gru": 3, "rnn": 1}
_FLOAT_BYTES = 4  # networks train and run in float32
#: Cells trained on a CPU through the hand-written layers of `batched` (`nn.LSTM` is one fused oneDNN operation
#: per layer, faster than any op-by-op cell; `nn.GRU` and `nn.RNN` run each step as many small operations).
LAYERED = ("gru", "rnn")


class RecurrentForecaster(nn.Module):
    """Maps a window of past (scaled) target values to the next value.

    Input `[batch, lookback, features]`, output `[batch]` (or `[batch, outputs]` for the direct multi-step
    strategy, one output per day ahead). The head starts at zero, so the untrained network predicts a scaled
    target of 0: for the log-return target that is exactly the naive forecast, at every horizon.

    >>> net = RecurrentForecaster("gru", hidden=8, layers=1)
    >>> net(torch.zeros(4, 20, 1)).shape
    torch.Size([4])
    """

    def __init__(self, cell: str, *, input_size: int = 1, hidden: int = 32, layers: int = 2,
                 dropout: float = 0.2, outputs: int = 1) -> None:
        super().__init__()
        if cell not in CELLS:
            raise ValueError(f"cell must be one of {CELLS}, not {cell!r}")
        self.cell = cell
        self.recurrent = _RECURRENT[cell](input_size, hidden, num_layers=layers, batch_first=True,
                                          dropout=dropout if layers > 1 else 0.0)
        self.outputs = outputs
        self.head = nn.Linear(hidden, outputs)
        nn.init.zeros_(self.head.weight)
        nn.init.zeros_(self.head.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.cell in LAYERED and torch.is_grad_enabled() and x.device.type == "cpu":
            states = layer_outputs(self.recurrent, x)  # the same function, trained in fewer operations a step
        else:
            states, _ = self.recurrent(x)  # [batch, lookback, features] -> [batch, lookback, hidden]
        out = self.head(states[:, -1])  # [batch, hidden] -> [batch, outputs]
        return out.squeeze(-1) if self.outputs == 1 else out


def resolve_device(name: str) -> torch.device:
    """`auto` picks CUDA, then Apple's MPS, then the CPU."""
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    available = {"cpu": True, "cuda": torch.cuda.is_available(), "mps": torch.backends.mps.is_available()}
    if not available.get(name, False):
        raise ConfigError(f"device {name!r} is not available on this machine; use {option('device', 'cpu')} or auto")
    return torch.device(name)


def weight_shapes(cell: str, *, hidden: int, layers: int, outputs: int = 1,
                  input_size: int = 1) -> dict[str, tuple[int, ...]]:
    """The name and shape of every weight of `RecurrentForecaster(cell, ...)`, computed without building it.

    Loading checks a bundle's weights against these before any tensor is made, and `check_memory` counts them.

    >>> weight_shapes("gru", hidden=8, layers=1)["recurrent.weight_hh_l0"]
    (24, 8)
    """
    rows = GATES[cell] * hidden
    shapes: dict[str, tuple[int, ...]] = {}
    for layer in range(layers):
        shapes[f"recurrent.weight_ih_l{layer}"] = (rows, input_size if layer == 0 else hidden)
        shapes[f"recurrent.weight_hh_l{layer}"] = (rows, hidden)
        shapes[f"recurrent.bias_ih_l{layer}"] = (rows,)
        shapes[f"recurrent.bias_hh_l{layer}"] = (rows,)
    shapes["head.weight"], shapes["head.bias"] = (outputs, hidden), (outputs,)
    return shapes


def memory_estimate(cell: str, config: ModelConfig, *, training: bool, inputs: int = 1,
                    members: int = 1) -> tuple[int, int]:
    """`(weights, bytes)`: the network's weight count and about how many bytes it needs, to train or to load
    (`members` networks of this shape trained or held together: N times both).

    Loading holds the weights about three times (the file's arrays, the tensors made from them, the network).
    Training holds them five times (network, gradients, Adam's two running means, the best epoch's copy) plus
    what autograd keeps of one batch: per window, step and layer the gate outputs and a few hidden-size states.
    An estimate, not a promise: it is there to refuse sizes that cannot fit, before anything is allocated.
    """
    shapes = weight_shapes(cell, hidden=config.hidden, layers=config.layers, outputs=config.horizons,
                           input_size=inputs)
    weights = sum(math.prod(shape) for shape in shapes.values())
    if not training:
        return weights, 3 * weights * _FLOAT_BYTES * members
    activations = config.batch_size * config.lookback * config.layers * config.hidden * (GATES[cell] + 3)
    return weights, (5 * weights + activations) * _FLOAT_BYTES * members


def check_memory(cell: str, config: ModelConfig, *, training: bool, inputs: int = 1, members: int = 1) -> None:
    """Refuse, with the estimate, a network (or `members` trained together) that cannot fit in this machine's
    available memory (ConfigError)."""
    from tickercast.parallel import available_memory

    weights, needed = memory_estimate(cell, config, training=training, inputs=inputs, members=members)
    available = available_memory()
    if available is not None and needed > available:
        what = (f"the {cell} network of {config.layers} layer(s) x {config.hidden} units has {weights:,} weights and "
                "needs" if members == 1 else f"{members} {cell} networks of {config.layers} layer(s) x "
                f"{config.hidden} units trained together have {weights:,} weights each and need")
        smaller = f"{option('hidden')} or {option('layers')}" if not training else \
            f"{option('hidden')} or {option('layers')}, {option('batch_size')} or {option('lookback')}"
        raise ConfigError(f"{what} about {needed / 2**30:.1f} GiB to {'train' if training else 'load'}, but "
                          f"{available / 2**30:.1f} GiB is available; use a smaller {smaller}")
