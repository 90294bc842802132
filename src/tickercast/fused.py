"""A GRU layer with a hand-written backward pass, for training small networks fast on a CPU.

At the sizes this tool trains (32 units, 64 windows a batch) a training step costs what its operations cost to
dispatch, not what they cost to compute. `nn.LSTM` runs each layer as one fused oneDNN operation on a CPU, but
`nn.GRU` runs every step as many small operations, and autograd records each of them again for the backward
pass. `gru_sequence` computes the same function as `nn.GRU` (same weights and layout, PyTorch's reset convention)
in few operations per step:

- the input projections of all time steps are one matrix product before the loop;
- a step forward is one matrix product and four in-place gate operations;
- every derivative that does not depend on the incoming gradient (sigmoid', tanh', products of gates) is computed
  for all steps at once, so a step backward is three operations and a matrix product;
- the weight gradients are one matrix product each, over all steps, after the backward loop.

Tensors inside run time-major (`[steps, batch, ...]`) so that each step's slice is contiguous. The same design
for the LSTM was measured slower than oneDNN's fused layer (5.1 against 1.6 ms a step, docs/benchmarks.md), so
LSTMs keep `nn.LSTM`. The equations are those of `tickercast.scratch`, written out there and checked against
PyTorch.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.autograd.function import FunctionCtx


class _GRULayer(torch.autograd.Function):
    """One GRU layer over a whole sequence from a zero state: `x [T, B, I]` to the hidden states `[T, B, H]`."""

    @staticmethod
    def forward(ctx: FunctionCtx, x: torch.Tensor, w_ih: torch.Tensor, w_hh: torch.Tensor, b_ih: torch.Tensor,
                b_hh: torch.Tensor) -> torch.Tensor:
        steps, batch, _ = x.shape
        hidden = w_hh.shape[1]
        gi = torch.addmm(b_ih, x.reshape(steps * batch, -1), w_ih.t()).view(steps, batch, 3 * hidden)
        gh = x.new_empty(steps, batch, 3 * hidden)  # W_hh h + b_hh; its n part is needed again backward
        rz = x.new_empty(steps, batch, 2 * hidden)  # reset and update gates
        n = x.new_empty(steps, batch, hidden)  # candidate state
        states = x.new_zeros(steps + 1, batch, hidden)  # h_0 .. h_T
        w_hh_t = w_hh.t()
        # Every per-step slice is made here, in one call per tensor, not once per step inside the loop.
        gi_rz, gi_n = _steps(gi, 2 * hidden)
        gh_rz, gh_n = _steps(gh, 2 * hidden)
        r, z = _steps(rz, hidden)
        h, gh_t, rz_t, n_t = states.unbind(0), gh.unbind(0), rz.unbind(0), n.unbind(0)
        for t in range(steps):
            torch.addmm(b_hh, h[t], w_hh_t, out=gh_t[t])
            torch.add(gi_rz[t], gh_rz[t], out=rz_t[t]).sigmoid_()
            torch.addcmul(gi_n[t], r[t], gh_n[t], out=n_t[t]).tanh_()
            torch.lerp(n_t[t], h[t], z[t], out=h[t + 1])  # h = n + z (h_prev - n)
        ctx.save_for_backward(x, w_ih, w_hh, gh, rz, n, states)
        return states[1:]

    @staticmethod
    def backward(ctx: FunctionCtx, grad_states: torch.Tensor) -> tuple[torch.Tensor | None, ...]:
        x, w_ih, w_hh, gh, rz, n, states = ctx.saved_tensors
        steps, batch, hidden = n.shape
        r, z, gh_n = rz[..., :hidden], rz[..., hidden:], gh[..., 2 * hidden:]
        # With a = the candidate's pre-activation: da = dh (1 - z)(1 - n²), and every gate gradient is dh times
        # a factor known from the forward pass. Stacked as [r, z, n] in the layout of the weights:
        da_dh = (1 - z) * (1 - n * n)
        to_gi = torch.stack([da_dh * gh_n * r * (1 - r), (states[:-1] - n) * z * (1 - z), da_dh], dim=2)
        to_gh = to_gi.clone()
        to_gh[:, :, 2] *= r  # the hidden part of the candidate passes through the reset gate
        dh_all = n.new_empty(steps, batch, 1, hidden)
        dgh = torch.empty_like(to_gh)  # [T, B, 3, H]
        dh_t, dh_wide, dgh_t, dgh_flat = (dh_all.view(steps, batch, hidden).unbind(0), dh_all.unbind(0),
                                          dgh.unbind(0), dgh.view(steps, batch, 3 * hidden).unbind(0))
        to_gh_t, z_t, grad_t = to_gh.unbind(0), z.unbind(0), grad_states.unbind(0)
        carried = torch.zeros_like(n[0])  # dL/dh_t through the recurrence
        for t in range(steps - 1, -1, -1):
            torch.add(grad_t[t], carried, out=dh_t[t])
            torch.mul(to_gh_t[t], dh_wide[t], out=dgh_t[t])
            carried = torch.addmm(dh_t[t] * z_t[t], dgh_flat[t], w_hh)
        dgh = dgh.view(steps * batch, 3 * hidden)
        dgi = (to_gi * dh_all).view(steps * batch, 3 * hidden)
        flat_x = x.reshape(steps * batch, -1)
        grad_x = (dgi @ w_ih).view_as(x) if ctx.needs_input_grad[0] else None
        return (grad_x, dgi.t() @ flat_x, dgh.t() @ states[:-1].reshape(steps * batch, hidden),
                dgi.sum(0), dgh.sum(0))


def gru_sequence(module: nn.GRU, x: torch.Tensor) -> torch.Tensor:
    """The outputs `[batch, steps, hidden]` of a batch-first `nn.GRU` from a zero state, by the fused layer.

    Same weights, same dropout between layers (none after the last).
    """
    sequence = x.transpose(0, 1).contiguous()  # [steps, batch, features]
    for index in range(module.num_layers):
        if index > 0:
            sequence = nn.functional.dropout(sequence, module.dropout, module.training)
        sequence = _GRULayer.apply(sequence, *(getattr(module, f"{name}_l{index}")
                                               for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")))
    return sequence.transpose(0, 1)


def _steps(tensor: torch.Tensor, split: int) -> tuple[tuple[torch.Tensor, ...], tuple[torch.Tensor, ...]]:
    """Per-step views of the two parts of `[T, B, F]` either side of feature `split`."""
    return tensor[..., :split].unbind(0), tensor[..., split:].unbind(0)
