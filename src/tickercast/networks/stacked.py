"""Many networks as one: N recurrent networks of one shape, trained as one batched computation.

`compare --seeds`, ensembles, sweeps over seeds and the gradient lab train many small networks of the same shape.
At these sizes (32 units, 64 windows a batch) a step costs what its operations cost to dispatch, not what they
compute, so N networks run as one: every weight is stacked to `[N, ...]`, a step of the recurrence is one batched
matrix product for all members, and each member still has its own initial weights, data order, dropout masks,
gradient clipping, Adam state and early stopping (`networks.training.fit_networks`).

`NetworkStack(nets)` copies the weights of N `RecurrentForecaster`s of one shape; `stack(x)` maps windows
`[N, batch, lookback, inputs]` (each member its own batch) or `[batch, lookback, inputs]` (one batch for all) to
outputs `[N, batch]` (`[N, batch, outputs]` for direct networks); `write_back(nets)` copies the weights back.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import torch
from torch import nn
from torch.autograd.function import FunctionCtx

if TYPE_CHECKING:
    from tickercast.networks.modules import RecurrentForecaster

#: The per-layer weights of PyTorch's recurrent layers, in the order the layer functions take them.
LAYER_WEIGHTS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


class NetworkStack(nn.Module):
    """The weights of N same-shape `RecurrentForecaster`s, stacked on a new first axis.

    Parameter `recurrent.weight_ih_l0` of member k is `stack.weight(\"recurrent.weight_ih_l0\")[k]`; the names are
    the networks' own `state_dict` names.
    """

    def __init__(self, nets: Sequence[RecurrentForecaster]) -> None:
        super().__init__()
        if not nets:
            raise ValueError("a stack needs at least one network")
        first = nets[0]
        self.cell, self.layers, self.outputs = first.cell, first.recurrent.num_layers, first.outputs
        self.hidden, self.dropout = first.recurrent.hidden_size, first.recurrent.dropout
        self.names = list(first.state_dict())
        shapes = {name: tensor.shape for name, tensor in first.state_dict().items()}
        for net in nets[1:]:
            if net.cell != self.cell or {n: t.shape for n, t in net.state_dict().items()} != shapes:
                raise ValueError("every network of a stack must have the same cell and shape")
        self.stacked = nn.ParameterList(
            nn.Parameter(torch.stack([net.state_dict()[name].detach() for net in nets]).clone())
            for name in self.names)

    @property
    def members(self) -> int:
        return self.stacked[0].shape[0]

    def weight(self, name: str) -> nn.Parameter:
        return self.stacked[self.names.index(name)]

    def write_back(self, nets: Sequence[RecurrentForecaster], states: Sequence[dict[str, torch.Tensor]] | None = None
                   ) -> None:
        """Copy member k's weights (or `states[k]`, a state dict) into `nets[k]`."""
        with torch.no_grad():
            for k, net in enumerate(nets):
                state = states[k] if states is not None else self.member_state(k)
                net.load_state_dict(state)

    def member_state(self, k: int) -> dict[str, torch.Tensor]:
        """Member k's weights as a state dict of `RecurrentForecaster` (copies)."""
        return {name: tensor[k].detach().clone() for name, tensor in zip(self.names, self.stacked, strict=True)}

    def keep(self, members: torch.Tensor) -> None:
        """Keep only these members (indices into the current stack), dropping the others' weights."""
        with torch.no_grad():  # new parameters: autograd remembers the shape of the old ones
            self.stacked = nn.ParameterList(nn.Parameter(parameter[members].contiguous())
                                            for parameter in self.stacked)

    def forward(self, x: torch.Tensor, masks: Sequence[torch.Tensor] | None = None) -> torch.Tensor:
        """Outputs `[N, batch(, outputs)]` of windows `[N, batch, steps, inputs]` or `[batch, steps, inputs]`.

        `masks[l - 1]` (`[N, steps, batch, hidden]`, already scaled by 1 / (1 - p)) is the dropout applied to the
        outputs of layer l - 1 before layer l reads them; None runs without dropout (evaluation).

        Inside, sequences run member-major and time-major within a member (`[N, T, B, features]`): a step's
        slice holds each member's batch contiguously, and the products over all steps (input projections,
        weight gradients) are plain batched matrix products over the members, without copies.
        """
        if x.ndim == 3:
            x = x.unsqueeze(0).expand(self.members, *x.shape)
        sequence = x.transpose(1, 2)  # [N, T, B, I]
        for layer in range(self.layers):
            if layer > 0 and masks is not None:
                sequence = sequence * masks[layer - 1]
            weights = [self.weight(f"recurrent.{name}_l{layer}") for name in LAYER_WEIGHTS]
            layer_function = _lstm_by_member if self.cell == "lstm" and x.device.type == "cpu" else _LAYER[self.cell]
            sequence = layer_function(sequence, *weights)
        last = sequence[:, -1]  # [N, B, H]
        out = torch.baddbmm(self.weight("head.bias").unsqueeze(1), last, self.weight("head.weight").transpose(1, 2))
        return out.squeeze(-1) if self.outputs == 1 else out

    def dropout_masks(self, batch: int, steps: int, generators: Sequence[torch.Generator]) -> list[torch.Tensor] | None:
        """One dropout mask per gap between layers, each member's drawn from its own generator (None: no dropout)."""
        if self.layers < 2 or self.dropout == 0:
            return None
        keep = 1 - self.dropout
        dtype, device = self.stacked[0].dtype, self.stacked[0].device
        masks = []
        for _ in range(self.layers - 1):
            mask = torch.empty(len(generators), steps, batch, self.hidden, dtype=dtype)
            for k, generator in enumerate(generators):
                mask[k].bernoulli_(keep, generator=generator)
            masks.append(mask.div_(keep).to(device))
        return masks


class _LSTMLayer(torch.autograd.Function):
    """One LSTM layer of N members over a whole sequence from a zero state: `x [N, T, B, I]` to `[N, T, B, H]`.

    PyTorch's gate order (i, f, g, o) and equations. Every tanh is computed as 2 sigmoid(2a) - 1 (torch's tanh
    is about three times slower than its sigmoid on a CPU): the g rows of the weights are doubled once per call,
    so one sigmoid activates all four gates of a step. A step forward is one batched matrix product and eight
    cheap elementwise operations; backward, every factor that does not depend on the incoming gradient is
    computed for all steps at once, so a step is five elementwise operations and one batched matrix product.
    """

    @staticmethod
    def forward(ctx: FunctionCtx, x: torch.Tensor, w_ih: torch.Tensor, w_hh: torch.Tensor, b_ih: torch.Tensor,
                b_hh: torch.Tensor) -> torch.Tensor:
        members, steps, batch, _ = x.shape
        hidden = w_hh.shape[2]
        doubled = _doubled(w_hh, 4, 2)  # rows of g
        gi = _projection(x, w_ih * doubled[:, None], (b_ih + b_hh) * doubled)
        gates = torch.empty_like(gi)  # [N, T, B, 4H]: i, f, g, o after their activations
        cells, states = _sequence(x, steps, hidden), _sequence(x, steps, hidden)  # c_0 .. c_T, h_0 .. h_T
        tanh_c = x.new_empty(members, steps, batch, hidden)
        w_hh_t, minus_one = (w_hh * doubled[:, None]).transpose(1, 2), x.new_full((), -1.0)
        gi_t, gate_t, c_t, h_t, tc_t = (tensor.unbind(1) for tensor in (gi, gates, cells, states, tanh_c))
        i, f, g, o = (_blocks(gates, 4, block) for block in range(4))
        for t in range(steps):
            torch.baddbmm(gi_t[t], h_t[t], w_hh_t, out=gate_t[t]).sigmoid_()
            torch.add(minus_one, g[t], alpha=2, out=g[t])  # tanh of the g pre-activation
            torch.mul(f[t], c_t[t], out=c_t[t + 1]).addcmul_(i[t], g[t])
            torch.mul(c_t[t + 1], 2, out=tc_t[t]).sigmoid_()
            torch.mul(o[t], torch.add(minus_one, tc_t[t], alpha=2, out=tc_t[t]), out=h_t[t + 1])
        ctx.save_for_backward(x, w_ih, w_hh, gates, cells, states, tanh_c)
        return states[:, 1:]

    @staticmethod
    def backward(ctx: FunctionCtx, grad_states: torch.Tensor) -> tuple[torch.Tensor | None, ...]:
        x, w_ih, w_hh, gates, cells, states, tanh_c = ctx.saved_tensors
        members, steps, batch, hidden = tanh_c.shape
        i, f, g, o = gates.view(members, steps, batch, 4, hidden).unbind(3)
        to_c = torch.addcmul(o, o * tanh_c, tanh_c, value=-1)  # dc_t += dh_t * o (1 - tanh(c)^2)
        to_o = torch.addcmul(o, o, o, value=-1).mul_(tanh_c)  # do = dh tanh(c) o (1 - o)
        to_ifg = x.new_empty(members, steps, batch, 3, hidden)  # times dc: di, df, dg
        torch.mul(torch.addcmul(i, i, i, value=-1), g, out=to_ifg[:, :, :, 0])
        torch.mul(torch.addcmul(f, f, f, value=-1), cells[:, :-1], out=to_ifg[:, :, :, 1])
        torch.addcmul(i, i * g, g, value=-1, out=to_ifg[:, :, :, 2])
        dgates = x.new_empty(members, steps, batch, 4, hidden)
        d_ifg, d_o = dgates[:, :, :, :3].unbind(1), dgates[:, :, :, 3].unbind(1)
        dh, dc = x.new_empty(members, steps, batch, hidden), x.new_empty(members, steps, batch, hidden)
        dh_t, dc_t, dgates_t = dh.unbind(1), dc.unbind(1), dgates.view(members, steps, batch, 4 * hidden).unbind(1)
        grad_t, to_c_t, to_o_t, to_ifg_t, f_t = (tensor.unbind(1) for tensor in (grad_states, to_c, to_o, to_ifg, f))
        carried_h = torch.zeros_like(dh_t[0])
        carried_c = torch.zeros_like(dc_t[0])
        for t in range(steps - 1, -1, -1):
            torch.add(grad_t[t], carried_h, out=dh_t[t])
            torch.addcmul(carried_c, dh_t[t], to_c_t[t], out=dc_t[t])
            torch.mul(to_ifg_t[t], dc_t[t].unsqueeze(2), out=d_ifg[t])
            torch.mul(dh_t[t], to_o_t[t], out=d_o[t])
            carried_c = dc_t[t] * f_t[t]
            carried_h = torch.bmm(dgates_t[t], w_hh)
        flat = dgates.view(members, steps, batch, 4 * hidden)
        return _weight_grads(ctx, flat, flat, x, w_ih, states[:, :-1])


class _GRULayer(torch.autograd.Function):
    """One GRU layer of N members over a whole sequence from a zero state: `x [N, T, B, I]` to `[N, T, B, H]`.

    PyTorch's equations and reset convention (r multiplies W_hn h + b_hn). A step forward is one batched matrix
    product and three elementwise operations; a step backward two elementwise operations and one matrix product.
    """

    @staticmethod
    def forward(ctx: FunctionCtx, x: torch.Tensor, w_ih: torch.Tensor, w_hh: torch.Tensor, b_ih: torch.Tensor,
                b_hh: torch.Tensor) -> torch.Tensor:
        members, steps, batch, _ = x.shape
        hidden = w_hh.shape[2]
        gi = _projection(x, w_ih, b_ih)
        gh = x.new_empty(members, steps, batch, 3 * hidden)  # W_hh h + b_hh; its n part is needed backward
        rz = x.new_empty(members, steps, batch, 2 * hidden)
        n = x.new_empty(members, steps, batch, hidden)
        states = _sequence(x, steps, hidden)
        w_hh_t, b_hh_wide = w_hh.transpose(1, 2), b_hh.unsqueeze(1)
        gi_rz, gi_n = _blocks(gi, 3, 0, 2), _blocks(gi, 3, 2)
        gh_rz, gh_n = _blocks(gh, 3, 0, 2), _blocks(gh, 3, 2)
        r, z = _blocks(rz, 2, 0), _blocks(rz, 2, 1)
        h, gh_t, rz_t, n_t = states.unbind(1), gh.unbind(1), rz.unbind(1), n.unbind(1)
        for t in range(steps):
            torch.baddbmm(b_hh_wide, h[t], w_hh_t, out=gh_t[t])
            torch.add(gi_rz[t], gh_rz[t], out=rz_t[t]).sigmoid_()
            torch.addcmul(gi_n[t], r[t], gh_n[t], out=n_t[t]).tanh_()
            torch.lerp(n_t[t], h[t], z[t], out=h[t + 1])  # h = n + z (h_prev - n)
        ctx.save_for_backward(x, w_ih, w_hh, gh, rz, n, states)
        return states[:, 1:]

    @staticmethod
    def backward(ctx: FunctionCtx, grad_states: torch.Tensor) -> tuple[torch.Tensor | None, ...]:
        x, w_ih, w_hh, gh, rz, n, states = ctx.saved_tensors
        members, steps, batch, hidden = n.shape
        r, z, gh_n = rz[..., :hidden], rz[..., hidden:], gh[..., 2 * hidden:]
        # With a = the candidate's pre-activation: da = dh (1 - z)(1 - n²); every gate gradient is dh times a
        # factor known from the forward pass, stacked [r, z, n] as in the weights' layout.
        da_dh = (1 - z) * (1 - n * n)
        to_gi = torch.stack([da_dh * gh_n * r * (1 - r), (states[:, :-1] - n) * z * (1 - z), da_dh], dim=3)
        to_gh = to_gi.clone()
        to_gh[:, :, :, 2] *= r  # the hidden part of the candidate passes through the reset gate
        dh = x.new_empty(members, steps, batch, 1, hidden)
        dgh = torch.empty_like(to_gh)  # [N, T, B, 3, H]
        dgh_flat = dgh.view(members, steps, batch, 3 * hidden)
        dh_t, dh_wide, dgh_t, dgh_flat_t = dh[:, :, :, 0].unbind(1), dh.unbind(1), dgh.unbind(1), dgh_flat.unbind(1)
        grad_t, to_gh_t, z_t = grad_states.unbind(1), to_gh.unbind(1), z.unbind(1)
        carried = torch.zeros_like(n[:, 0])
        for t in range(steps - 1, -1, -1):
            torch.add(grad_t[t], carried, out=dh_t[t])
            torch.mul(to_gh_t[t], dh_wide[t], out=dgh_t[t])
            carried = torch.baddbmm(dh_t[t] * z_t[t], dgh_flat_t[t], w_hh)
        dgi = (to_gi * dh).view(members, steps, batch, 3 * hidden)
        return _weight_grads(ctx, dgi, dgh_flat, x, w_ih, states[:, :-1])


class _RNNLayer(torch.autograd.Function):
    """One tanh-RNN layer of N members from a zero state: `x [N, T, B, I]` to `[N, T, B, H]`."""

    @staticmethod
    def forward(ctx: FunctionCtx, x: torch.Tensor, w_ih: torch.Tensor, w_hh: torch.Tensor, b_ih: torch.Tensor,
                b_hh: torch.Tensor) -> torch.Tensor:
        steps = x.shape[1]
        gi = _projection(x, w_ih, b_ih + b_hh)
        states = _sequence(x, steps, w_hh.shape[2])
        w_hh_t, h, gi_t = w_hh.transpose(1, 2), states.unbind(1), gi.unbind(1)
        for t in range(steps):
            torch.baddbmm(gi_t[t], h[t], w_hh_t, out=h[t + 1]).tanh_()
        ctx.save_for_backward(x, w_ih, w_hh, states)
        return states[:, 1:]

    @staticmethod
    def backward(ctx: FunctionCtx, grad_states: torch.Tensor) -> tuple[torch.Tensor | None, ...]:
        x, w_ih, w_hh, states = ctx.saved_tensors
        to_a = 1 - states[:, 1:] * states[:, 1:]  # tanh'
        da = torch.empty_like(to_a)
        da_t, grad_t, to_a_t = da.unbind(1), grad_states.unbind(1), to_a.unbind(1)
        carried = torch.zeros_like(da_t[0])
        for t in range(len(da_t) - 1, -1, -1):
            torch.mul(grad_t[t] + carried, to_a_t[t], out=da_t[t])
            carried = torch.bmm(da_t[t], w_hh)
        return _weight_grads(ctx, da, da, x, w_ih, states[:, :-1])


def _weight_grads(ctx: FunctionCtx, d_input: torch.Tensor, d_hidden: torch.Tensor, x: torch.Tensor,
                  w_ih: torch.Tensor, previous: torch.Tensor) -> tuple[torch.Tensor | None, ...]:
    """The gradients of `(x, w_ih, w_hh, b_ih, b_hh)` from the gradients `[N, T, B, G*H]` of `W_ih x + b_ih`
    (`d_input`) and of `W_hh h + b_hh` (`d_hidden`; the same tensor where the two are simply added): one
    batched product over all steps for each weight."""
    members, steps, batch, width = d_input.shape
    d_in, d_hid = d_input.reshape(members, -1, width), d_hidden.reshape(members, -1, width)
    grad_x = torch.bmm(d_in, w_ih).view(*d_input.shape[:3], -1) if ctx.needs_input_grad[0] else None
    grad_b_ih = d_in.sum(1)
    # Never the same tensor twice: autograd may hand it to both parameters as their .grad, and an in-place
    # change of one (gradient clipping) would then change the other.
    grad_b_hh = grad_b_ih.clone() if d_hidden is d_input else d_hid.sum(1)
    return (grad_x, torch.bmm(d_in.transpose(1, 2), x.reshape(members, steps * batch, -1)),
            torch.bmm(d_hid.transpose(1, 2), previous.reshape(members, steps * batch, -1)), grad_b_ih, grad_b_hh)


def _lstm_by_member(x: torch.Tensor, w_ih: torch.Tensor, w_hh: torch.Tensor, b_ih: torch.Tensor,
                    b_hh: torch.Tensor) -> torch.Tensor:
    """An LSTM layer of N members on a CPU, one member at a time through PyTorch's fused LSTM operation (oneDNN):
    it runs one small LSTM near this machine's matrix-product rate, faster per member than the stacked layer
    (`_LSTMLayer`, kept for other devices), measured in docs/performance.md. The gradients reach the stacked
    weights through each member's slice."""
    members, batch = x.shape[0], x.shape[2]
    zero = x.new_zeros(1, batch, w_hh.shape[2])
    outputs = [torch.lstm(x[k], (zero, zero), [w_ih[k], w_hh[k], b_ih[k], b_hh[k]], True, 1, 0.0,
                          torch.is_grad_enabled(), False, False)[0] for k in range(members)]
    return torch.stack(outputs)  # each [T, B, H] (time-major: batch_first False)


def layer_outputs(module: nn.RNNBase, x: torch.Tensor) -> torch.Tensor:
    """The outputs `[batch, steps, hidden]` of one batch-first `nn.GRU` or `nn.RNN` from a zero state, trained
    through the hand-written layers as a stack of one (autograd records each of nn.GRU's small operations per
    step on a CPU). Same weights, same dropout between layers (none after the last)."""
    cell = "gru" if isinstance(module, nn.GRU) else "rnn"
    sequence = x.transpose(0, 1).unsqueeze(0)  # [1, T, B, I]
    for layer in range(module.num_layers):
        if layer > 0:
            sequence = nn.functional.dropout(sequence, module.dropout, module.training)
        sequence = _LAYER[cell](sequence, *(getattr(module, f"{name}_l{layer}").unsqueeze(0)
                                            for name in LAYER_WEIGHTS))
    return sequence[0].transpose(0, 1)


def _sequence(x: torch.Tensor, steps: int, hidden: int) -> torch.Tensor:
    """States `[N, steps + 1, B, hidden]` for a layer reading `x [N, T, B, I]`, the first (step 0) zero."""
    states = x.new_empty(x.shape[0], steps + 1, x.shape[2], hidden)
    states[:, 0] = 0
    return states


def _doubled(w_hh: torch.Tensor, count: int, block: int) -> torch.Tensor:
    """A row scale `[count * H]` of 1, and 2 on the rows of gate `block`: whose activation is a tanh, computed
    as 2 sigmoid(2a) - 1."""
    hidden = w_hh.shape[2]
    scale = w_hh.new_ones(count * hidden)
    scale[block * hidden:(block + 1) * hidden] = 2
    return scale


def _blocks(tensor: torch.Tensor, count: int, first: int, width: int = 1) -> tuple[torch.Tensor, ...]:
    """Per-step views (`[N, B, width * size]`) of gate blocks `first ..` of `count` equal blocks of the last axis."""
    size = tensor.shape[-1] // count
    return tensor[..., first * size:(first + width) * size].unbind(1)


def _projection(x: torch.Tensor, w_ih: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    """The input projections of every step and member `[N, T, B, G*H]`: one batched product before the loop."""
    members, steps, batch, inputs = x.shape
    flat = x.reshape(members, steps * batch, inputs)  # a copy only for the first layer's [N, B, T, I] windows
    return torch.baddbmm(bias.unsqueeze(1), flat, w_ih.transpose(1, 2)).view(members, steps, batch, -1)


#: The layer of each cell (every cell of `networks.modules.GATES`).
_LAYER = {"lstm": _LSTMLayer.apply, "gru": _GRULayer.apply, "rnn": _RNNLayer.apply}
