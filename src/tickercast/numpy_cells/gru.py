r"""The GRU cell in plain NumPy, gate by gate, with backpropagation through time; equal to `nn.GRU`.

For each step t, with input x_t and hidden state h_{t-1}:

    r_t = σ(W_ir x_t + b_ir + W_hr h_{t-1} + b_hr)               reset gate
    z_t = σ(W_iz x_t + b_iz + W_hz h_{t-1} + b_hz)               update gate: how much of h_{t-1} to keep
    n_t = tanh(W_in x_t + b_in + r_t ⊙ (W_hn h_{t-1} + b_hn))    candidate
    h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t-1}

Note PyTorch's convention in n_t: the reset gate multiplies the hidden projection *including its bias* b_hn
(the original paper resets h_{t-1} before the projection). Weights are stacked (r, z, n) as in PyTorch.
Shapes: x `[batch, steps, input]`, h0 `[batch, hidden]`; every trace array is `[batch, steps, hidden]`.

>>> params = CellParams.random(input_size=2, hidden=3, gates=3)
>>> forward(params, np.ones((4, 6, 2))).z.shape
(4, 6, 3)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tickercast.numpy_cells.params import CellParams, Gradients, sigmoid

GATES = 3


@dataclass(frozen=True)
class GRUTrace:
    """Every intermediate of a forward pass, per step: gates r, z, candidate n, hidden h (and W_hn h + b_hn)."""

    r: np.ndarray
    z: np.ndarray
    n: np.ndarray
    h: np.ndarray
    hn: np.ndarray
    x: np.ndarray
    h0: np.ndarray


def forward(params: CellParams, x: np.ndarray, h0: np.ndarray | None = None) -> GRUTrace:
    """Run the cell over every step of `x`, keeping every gate value."""
    batch, steps, _ = x.shape
    hidden = params.hidden
    h = np.zeros((batch, hidden)) if h0 is None else h0
    start_h = h
    out = {name: np.empty((batch, steps, hidden)) for name in ("r", "z", "n", "h", "hn")}
    x_r, x_z, x_n = np.split(x @ params.w_ih.T + params.b_ih, GATES, axis=2)  # each [batch, steps, hidden]
    for t in range(steps):
        h_r, h_z, h_n = np.split(h @ params.w_hh.T + params.b_hh, GATES, axis=1)  # each [batch, hidden]
        r = sigmoid(x_r[:, t] + h_r)
        z = sigmoid(x_z[:, t] + h_z)
        n = np.tanh(x_n[:, t] + r * h_n)
        h = (1 - z) * n + z * h
        for name, value in (("r", r), ("z", z), ("n", n), ("h", h), ("hn", h_n)):
            out[name][:, t] = value
    return GRUTrace(**out, x=x, h0=start_h)


def backward(params: CellParams, trace: GRUTrace, grad_h: np.ndarray) -> Gradients:
    """Backpropagation through time; `grad_h` `[batch, steps, hidden]` is dLoss/dh_t for every step."""
    batch, steps, hidden = trace.h.shape
    d_w_ih, d_w_hh = np.zeros_like(params.w_ih), np.zeros_like(params.w_hh)
    d_b_ih, d_b_hh = np.zeros_like(params.b_ih), np.zeros_like(params.b_hh)
    d_x = np.zeros_like(trace.x)
    d_h_next = np.zeros((batch, hidden))
    for t in reversed(range(steps)):
        r, z, n, hn = trace.r[:, t], trace.z[:, t], trace.n[:, t], trace.hn[:, t]
        h_prev = trace.h[:, t - 1] if t else trace.h0
        d_h = grad_h[:, t] + d_h_next
        d_a_n = d_h * (1 - z) * (1 - n**2)  # through tanh of the candidate
        d_a_r = d_a_n * hn * r * (1 - r)
        d_a_z = d_h * (h_prev - n) * z * (1 - z)
        d_input = np.concatenate([d_a_r, d_a_z, d_a_n], axis=1)  # [batch, 3 * hidden]
        d_hidden = np.concatenate([d_a_r, d_a_z, d_a_n * r], axis=1)  # the reset gate scales W_hn h + b_hn
        d_w_ih += d_input.T @ trace.x[:, t]
        d_w_hh += d_hidden.T @ h_prev
        d_b_ih += d_input.sum(axis=0)
        d_b_hh += d_hidden.sum(axis=0)
        d_x[:, t] = d_input @ params.w_ih
        d_h_next = d_h * z + d_hidden @ params.w_hh
    return Gradients(CellParams(d_w_ih, d_w_hh, d_b_ih, d_b_hh), d_x, d_h_next)
