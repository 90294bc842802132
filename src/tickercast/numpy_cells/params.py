"""Weights of one recurrent layer in PyTorch's layout, shared by the NumPy LSTM and GRU cells."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np


@dataclass(frozen=True)
class CellParams:
    """One layer's weights, gates stacked along the first axis exactly as `nn.LSTM`/`nn.GRU` store them.

    w_ih  [gates * hidden, input]    w_hh  [gates * hidden, hidden]    b_ih, b_hh  [gates * hidden]

    LSTM gates are ordered (i, f, g, o), GRU gates (r, z, n). Gradients come back in the same shape.
    """

    w_ih: np.ndarray
    w_hh: np.ndarray
    b_ih: np.ndarray
    b_hh: np.ndarray

    @property
    def hidden(self) -> int:
        return self.w_hh.shape[1]

    def astype(self, dtype: type) -> CellParams:
        return CellParams(*(np.asarray(getattr(self, f.name), dtype=dtype) for f in fields(self)))

    @classmethod
    def random(cls, input_size: int, hidden: int, gates: int, seed: int = 0) -> CellParams:
        """Uniform in ±1/sqrt(hidden), PyTorch's default initialisation."""
        rng = np.random.default_rng(seed)
        bound = 1 / np.sqrt(hidden)

        def draw(*shape: int) -> np.ndarray:
            return rng.uniform(-bound, bound, shape)

        return cls(draw(gates * hidden, input_size), draw(gates * hidden, hidden), draw(gates * hidden),
                   draw(gates * hidden))


@dataclass(frozen=True)
class Gradients:
    """What backpropagation through time returns: weights' gradients plus inputs' and initial states'."""

    params: CellParams
    x: np.ndarray  # [batch, steps, input]
    h0: np.ndarray  # [batch, hidden]
    c0: np.ndarray | None = None  # [batch, hidden], LSTM only


def sigmoid(a: np.ndarray) -> np.ndarray:
    """Logistic function, written to never overflow for large |a|."""
    out = np.empty_like(a)
    positive = a >= 0
    out[positive] = 1 / (1 + np.exp(-a[positive]))
    exp_a = np.exp(a[~positive])
    out[~positive] = exp_a / (1 + exp_a)
    return out
