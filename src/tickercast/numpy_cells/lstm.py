r"""The LSTM cell in plain NumPy, gate by gate, with backpropagation through time; equal to `nn.LSTM`.

For each step t, with input x_t, short-term memory (hidden state) h_{t-1} and long-term memory (cell) c_{t-1}:

    i_t = σ(W_ii x_t + b_ii + W_hi h_{t-1} + b_hi)        input gate: how much of the candidate to add
    f_t = σ(W_if x_t + b_if + W_hf h_{t-1} + b_hf)        forget gate: how much long-term memory to keep
    g_t = tanh(W_ig x_t + b_ig + W_hg h_{t-1} + b_hg)     candidate memory
    o_t = σ(W_io x_t + b_io + W_ho h_{t-1} + b_ho)        output gate: how much of tanh(c_t) to show
    c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t
    h_t = o_t ⊙ tanh(c_t)

Weights are stacked (i, f, g, o) as in PyTorch (`CellParams`). Shapes: x `[batch, steps, input]`,
h0 and c0 `[batch, hidden]`; every trace array is `[batch, steps, hidden]`.

>>> params = CellParams.random(input_size=1, hidden=3, gates=4)
>>> trace = forward(params, np.zeros((2, 5, 1)))
>>> trace.h.shape, trace.f.shape
((2, 5, 3), (2, 5, 3))
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tickercast.numpy_cells.params import CellParams, Gradients, sigmoid

GATES = 4


@dataclass(frozen=True)
class LSTMTrace:
    """Every intermediate of a forward pass, per step: gates f, i, g, o and memories c (long), h (short)."""

    f: np.ndarray
    i: np.ndarray
    g: np.ndarray
    o: np.ndarray
    c: np.ndarray
    h: np.ndarray
    x: np.ndarray
    h0: np.ndarray
    c0: np.ndarray


def forward(params: CellParams, x: np.ndarray, h0: np.ndarray | None = None,
            c0: np.ndarray | None = None) -> LSTMTrace:
    """Run the cell over every step of `x`, keeping every gate value."""
    batch, steps, _ = x.shape
    hidden = params.hidden
    h = np.zeros((batch, hidden)) if h0 is None else h0
    c = np.zeros((batch, hidden)) if c0 is None else c0
    start_h, start_c = h, c
    out = {name: np.empty((batch, steps, hidden)) for name in ("f", "i", "g", "o", "c", "h")}
    x_part = x @ params.w_ih.T + params.b_ih  # [batch, steps, 4 * hidden], all steps at once
    for t in range(steps):
        a = x_part[:, t] + h @ params.w_hh.T + params.b_hh  # [batch, 4 * hidden]
        a_i, a_f, a_g, a_o = np.split(a, GATES, axis=1)
        i, f, g, o = sigmoid(a_i), sigmoid(a_f), np.tanh(a_g), sigmoid(a_o)
        c = f * c + i * g
        h = o * np.tanh(c)
        for name, value in (("f", f), ("i", i), ("g", g), ("o", o), ("c", c), ("h", h)):
            out[name][:, t] = value
    return LSTMTrace(**out, x=x, h0=start_h, c0=start_c)


def backward(params: CellParams, trace: LSTMTrace, grad_h: np.ndarray,
             grad_c_last: np.ndarray | None = None) -> Gradients:
    """Backpropagation through time.

    `grad_h` `[batch, steps, hidden]` is dLoss/dh_t for every step (zeros where the loss ignores a step);
    `grad_c_last` adds dLoss/dc_T when the final long-term memory feeds the loss directly.
    """
    batch, steps, hidden = trace.h.shape
    d_w_ih, d_w_hh = np.zeros_like(params.w_ih), np.zeros_like(params.w_hh)
    d_b = np.zeros_like(params.b_ih)
    d_x = np.zeros_like(trace.x)
    d_h_next = np.zeros((batch, hidden))
    d_c_next = np.zeros((batch, hidden)) if grad_c_last is None else grad_c_last.copy()
    for t in reversed(range(steps)):
        i, f, g, o, c = trace.i[:, t], trace.f[:, t], trace.g[:, t], trace.o[:, t], trace.c[:, t]
        c_prev = trace.c[:, t - 1] if t else trace.c0
        h_prev = trace.h[:, t - 1] if t else trace.h0
        d_h = grad_h[:, t] + d_h_next
        tanh_c = np.tanh(c)
        d_c = d_h * o * (1 - tanh_c**2) + d_c_next
        d_a = np.concatenate([
            d_c * g * i * (1 - i),  # input gate, through its sigmoid
            d_c * c_prev * f * (1 - f),  # forget gate
            d_c * i * (1 - g**2),  # candidate, through tanh
            d_h * tanh_c * o * (1 - o),  # output gate
        ], axis=1)  # [batch, 4 * hidden]
        d_w_ih += d_a.T @ trace.x[:, t]
        d_w_hh += d_a.T @ h_prev
        d_b += d_a.sum(axis=0)
        d_x[:, t] = d_a @ params.w_ih
        d_h_next = d_a @ params.w_hh
        d_c_next = d_c * f
    return Gradients(CellParams(d_w_ih, d_w_hh, d_b, d_b.copy()), d_x, d_h_next, d_c_next)
