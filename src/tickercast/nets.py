"""The network: a stack of LSTM, GRU or plain tanh-RNN layers and a linear head on the last hidden state."""

from __future__ import annotations

import torch
from torch import nn

from tickercast.config import CELLS
from tickercast.errors import ConfigError
from tickercast.fused import gru_sequence

_RECURRENT = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}


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
        if self.cell == "gru" and torch.is_grad_enabled() and x.device.type == "cpu":
            states = gru_sequence(self.recurrent, x)  # the same function, trained in fewer operations a step
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
        raise ConfigError(f"device {name!r} is not available on this machine; use --device cpu or auto")
    return torch.device(name)
