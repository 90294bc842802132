"""Weights across the NumPy/PyTorch border: copy layers both ways and replay a trained network in NumPy."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from tickercast.errors import ConfigError
from tickercast.numpy_cells import gru, lstm
from tickercast.numpy_cells.params import CellParams

CELL_MODULES = {"lstm": lstm, "gru": gru}


def from_torch(module: nn.LSTM | nn.GRU, layer: int = 0) -> CellParams:
    """A float64 copy of one layer's weights of `nn.LSTM`/`nn.GRU`."""
    def get(name: str) -> np.ndarray:
        return getattr(module, f"{name}_l{layer}").detach().cpu().double().numpy().copy()

    return CellParams(get("weight_ih"), get("weight_hh"), get("bias_ih"), get("bias_hh"))


def to_torch(params: CellParams, module: nn.LSTM | nn.GRU, layer: int = 0) -> None:
    """Overwrite one layer of `module` with `params` (cast to the module's dtype)."""
    with torch.no_grad():
        for name, value in (("weight_ih", params.w_ih), ("weight_hh", params.w_hh), ("bias_ih", params.b_ih),
                            ("bias_hh", params.b_hh)):
            target = getattr(module, f"{name}_l{layer}")
            target.copy_(torch.as_tensor(value, dtype=target.dtype))


def replay(net: Any, windows: np.ndarray) -> tuple[np.ndarray, list[Any]]:
    """Run a trained `RecurrentForecaster` through the NumPy cells, layer by layer, then its linear head.

    `windows` `[batch, steps]` or `[batch, steps, features]` of scaled inputs. Returns the network's outputs
    `[batch]` and one trace per layer (every gate at every step). Dropout is off, as in evaluation.
    """
    if net.cell not in CELL_MODULES:
        raise ConfigError(f"the NumPy cells cover lstm and gru, not {net.cell}")
    cell = CELL_MODULES[net.cell]
    x = np.asarray(windows, dtype=np.float64)
    x = x[..., None] if x.ndim == 2 else x  # [batch, steps] -> [batch, steps, 1]
    traces = []
    for layer in range(net.recurrent.num_layers):
        trace = cell.forward(from_torch(net.recurrent, layer), x)
        traces.append(trace)
        x = trace.h  # [batch, steps, hidden]: the next layer's input
    weight = net.head.weight.detach().double().numpy()  # [1, hidden]
    bias = net.head.bias.detach().double().numpy()
    return (x[:, -1] @ weight.T + bias)[:, 0], traces
