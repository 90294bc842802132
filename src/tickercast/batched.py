"""Many networks as one: N recurrent networks of one shape, trained as one batched computation.

`compare --seeds`, ensembles, sweeps over seeds and the gradient lab train many small networks of the same shape.
At these sizes (32 units, 64 windows a batch) a step costs what its operations cost to dispatch, not what they
compute, so N networks run as one: every weight is stacked to `[N, ...]`, a step of the recurrence is one batched
matrix product for all members, and each member still has its own initial weights, data order, dropout masks,
gradient clipping, Adam state and early stopping (`train.fit_networks`).

`NetworkStack(nets)` copies the weights of N `RecurrentForecaster`s of one shape; `stack(x)` maps windows
`[N, batch, lookback, inputs]` (each member its own batch) or `[batch, lookback, inputs]` (one batch for all) to
outputs `[N, batch]` (`[N, batch, outputs]` for direct networks); `write_back(nets)` copies the weights back.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from tickercast.nets import RecurrentForecaster

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
        with torch.no_grad():
            for parameter in self.stacked:
                parameter.data = parameter.data[members].contiguous()

    def forward(self, x: torch.Tensor, masks: Sequence[torch.Tensor] | None = None) -> torch.Tensor:
        """Outputs `[N, batch(, outputs)]` of windows `[N, batch, steps, inputs]` or `[batch, steps, inputs]`.

        `masks[l - 1]` (`[N, batch, steps, hidden]`, already scaled by 1 / (1 - p)) is the dropout applied to the
        outputs of layer l - 1 before layer l reads them; None runs without dropout (evaluation).
        """
        members = self.members
        if x.ndim == 3:
            x = x.unsqueeze(0).expand(members, *x.shape)
        sequence = x.permute(2, 0, 1, 3)  # [T, N, B, I]: each step's slice is contiguous after the first layer
        for layer in range(self.layers):
            if layer > 0 and masks is not None:
                sequence = sequence * masks[layer - 1].permute(2, 0, 1, 3)
            weights = [self.weight(f"recurrent.{name}_l{layer}") for name in LAYER_WEIGHTS]
            sequence = _LAYER[self.cell](sequence, *weights)
        last = sequence[-1]  # [N, B, H]
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
            mask = torch.empty(len(generators), batch, steps, self.hidden, dtype=dtype)
            for k, generator in enumerate(generators):
                mask[k].bernoulli_(keep, generator=generator)
            masks.append(mask.div_(keep).to(device))
        return masks


def _lstm_layer(x: torch.Tensor, w_ih: torch.Tensor, w_hh: torch.Tensor, b_ih: torch.Tensor,
                b_hh: torch.Tensor) -> torch.Tensor:
    steps, members, batch, _ = x.shape
    hidden = w_hh.shape[2]
    gi = _projection(x, w_ih, b_ih + b_hh)
    h = x.new_zeros(members, batch, hidden)
    c = torch.zeros_like(h)
    outputs = []
    for t in range(steps):
        gates = torch.baddbmm(gi[t], h, w_hh.transpose(1, 2))
        i, f, g, o = gates.chunk(4, dim=-1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        outputs.append(h)
    return torch.stack(outputs)


def _gru_layer(x: torch.Tensor, w_ih: torch.Tensor, w_hh: torch.Tensor, b_ih: torch.Tensor,
               b_hh: torch.Tensor) -> torch.Tensor:
    steps, members, batch, _ = x.shape
    hidden = w_hh.shape[2]
    gi = _projection(x, w_ih, b_ih)
    h = x.new_zeros(members, batch, hidden)
    outputs = []
    for t in range(steps):
        gh = torch.baddbmm(b_hh.unsqueeze(1), h, w_hh.transpose(1, 2))
        r, z = torch.sigmoid(gi[t, ..., :2 * hidden] + gh[..., :2 * hidden]).chunk(2, dim=-1)
        n = torch.tanh(gi[t, ..., 2 * hidden:] + r * gh[..., 2 * hidden:])
        h = n + z * (h - n)
        outputs.append(h)
    return torch.stack(outputs)


def _rnn_layer(x: torch.Tensor, w_ih: torch.Tensor, w_hh: torch.Tensor, b_ih: torch.Tensor,
               b_hh: torch.Tensor) -> torch.Tensor:
    steps, members, batch, _ = x.shape
    gi = _projection(x, w_ih, b_ih + b_hh)
    h = x.new_zeros(members, batch, w_hh.shape[2])
    outputs = []
    for t in range(steps):
        h = torch.tanh(torch.baddbmm(gi[t], h, w_hh.transpose(1, 2)))
        outputs.append(h)
    return torch.stack(outputs)


def _projection(x: torch.Tensor, w_ih: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    """The input projections of every step and member `[T, N, B, G*H]`, one batched product before the loop."""
    return torch.einsum("tnbi,ngi->tnbg", x, w_ih) + bias[None, :, None, :]


#: The layer function of each cell (every cell of `nets.GATES`).
_LAYER = {"lstm": _lstm_layer, "gru": _gru_layer, "rnn": _rnn_layer}
