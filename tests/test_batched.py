"""Many networks as one: member k of a `NetworkStack` computes what network k computes alone.

The reference for each member is PyTorch's own layer (`nn.LSTM`, `nn.GRU`, `nn.RNN`), called one layer at a time on
the member's own weights (through `torch.func.functional_call`, so the gradients land on the member's parameters),
with the member's dropout mask applied between layers as the stack applies it.
"""

import math

import pytest
import torch
from torch import nn

from tickercast.config import ModelConfig
from tickercast.networks.modules import RecurrentForecaster
from tickercast.networks.stacked import NetworkStack
from tickercast.networks.training import fit_network, fit_networks, seed_everything

TOLERANCE = {torch.float32: 1e-5, torch.float64: 1e-10}
MEMBERS, BATCH, STEPS, INPUTS, HIDDEN = 3, 5, 7, 2, 4


def members(cell, layers, dropout, dtype, outputs=1):
    nets = []
    for seed in range(MEMBERS):
        torch.manual_seed(seed)
        net = RecurrentForecaster(cell, input_size=INPUTS, hidden=HIDDEN, layers=layers, dropout=dropout,
                                  outputs=outputs).to(dtype)
        nn.init.normal_(net.head.weight)  # a zero head would give every recurrent weight a zero gradient
        nn.init.normal_(net.head.bias)
        nets.append(net)
    return nets


def alone(net, x, masks, k):
    """Network `net` on its windows `x [B, T, I]`, layer by layer through PyTorch's layer, with mask k."""
    recurrent = net.recurrent
    sequence = x
    for layer in range(recurrent.num_layers):
        if layer > 0 and masks is not None:
            sequence = sequence * masks[layer - 1][k].transpose(0, 1)  # the stack's masks are [N, T, B, H]
        single = type(recurrent)(sequence.shape[-1], recurrent.hidden_size, batch_first=True).to(x.dtype)
        weights = {f"{name}_l0": getattr(recurrent, f"{name}_l{layer}")
                   for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}
        sequence, _ = torch.func.functional_call(single, weights, (sequence,))
    out = net.head(sequence[:, -1])
    return out.squeeze(-1) if net.outputs == 1 else out


def close(actual, expected, dtype):
    scale = max(float(expected.abs().max()), 1.0)
    return float((actual - expected).abs().max()) <= TOLERANCE[dtype] * scale


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
@pytest.mark.parametrize(("layers", "dropout"), [(1, 0.0), (2, 0.0), (2, 0.4)])
def test_each_member_has_the_forward_pass_and_gradients_of_its_network_alone(cell, layers, dropout, dtype):
    nets = members(cell, layers, dropout, dtype)
    stack = NetworkStack(nets)
    x = torch.randn(MEMBERS, BATCH, STEPS, INPUTS, dtype=dtype, generator=torch.Generator().manual_seed(1))
    masks = stack.dropout_masks(BATCH, STEPS, [torch.Generator().manual_seed(10 + k) for k in range(MEMBERS)])
    if dropout:
        assert masks is not None
        assert len(masks) == layers - 1
        assert masks[0].unique().tolist() == pytest.approx([0.0, 1 / (1 - dropout)])
    y = torch.randn(MEMBERS, BATCH, dtype=dtype)
    out = stack(x, masks)
    ((out - y) ** 2).mean(1).sum().backward()
    for k, net in enumerate(nets):
        lone = alone(net, x[k], masks, k)
        assert close(out[k].detach(), lone.detach(), dtype)
        ((lone - y[k]) ** 2).mean().backward()
        for name, parameter in net.named_parameters():
            assert float(parameter.grad.abs().max()) > 0, name
            assert close(stack.weight(name).grad[k], parameter.grad, dtype), (name, k)


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_one_batch_for_all_members_equals_the_same_batch_given_to_each(cell):
    nets = members(cell, 2, 0.0, torch.float64, outputs=3)
    stack = NetworkStack(nets)
    x = torch.randn(BATCH, STEPS, INPUTS, dtype=torch.float64)
    shared = stack(x)
    assert shared.shape == (MEMBERS, BATCH, 3)
    assert torch.allclose(shared, stack(x.expand(MEMBERS, *x.shape)), atol=1e-12)
    for k, net in enumerate(nets):
        assert torch.allclose(shared[k], net.eval()(x), atol=1e-10)


def test_write_back_and_keep_move_each_members_weights():
    nets = members("gru", 2, 0.0, torch.float32)
    stack = NetworkStack(nets)
    with torch.no_grad():
        for parameter in stack.parameters():
            parameter.add_(torch.arange(MEMBERS, dtype=parameter.dtype).view(-1, *([1] * (parameter.ndim - 1))))
    stack.keep(torch.tensor([2, 0]))
    assert stack.members == 2
    copies = members("gru", 2, 0.0, torch.float32)[:2]
    stack.write_back(copies)
    original = members("gru", 2, 0.0, torch.float32)
    for name, parameter in copies[0].named_parameters():
        assert torch.equal(parameter, dict(original[2].named_parameters())[name] + 2)
    for name, parameter in copies[1].named_parameters():
        assert torch.equal(parameter, dict(original[0].named_parameters())[name])


def test_networks_of_different_shapes_cannot_be_stacked():
    with pytest.raises(ValueError, match="same cell and shape"):
        NetworkStack([RecurrentForecaster("lstm", hidden=4, layers=1), RecurrentForecaster("lstm", hidden=5, layers=1)])
    with pytest.raises(ValueError, match="same cell and shape"):
        NetworkStack([RecurrentForecaster("lstm", hidden=4, layers=1), RecurrentForecaster("gru", hidden=4, layers=1)])


def series(n, lookback, seed, dtype=torch.float64):
    """Windows of a noisy AR(1) series and their next values: something a network can learn a little of."""
    generator = torch.Generator().manual_seed(seed)
    values = torch.zeros(n + lookback, dtype=dtype)
    noise = torch.randn(n + lookback, generator=generator, dtype=dtype)
    for t in range(1, len(values)):
        values[t] = 0.6 * values[t - 1] + noise[t]
    windows = values.unfold(0, lookback, 1)[:-1]
    return windows, values[lookback:]


def trained(cell, configs, together, dtype=torch.float64):
    x, y = series(300, 6, seed=3, dtype=dtype)
    nets = []
    for config in configs:
        seed_everything(config.seed)
        nets.append(RecurrentForecaster(cell, hidden=config.hidden, layers=config.layers,
                                        dropout=config.dropout).to(dtype))
    split = 240
    arguments = (x[:split], y[:split], x[split:], y[split:])
    if together:
        histories = fit_networks(nets, *arguments, configs, stacked=True)
    else:
        histories = [fit_network(net, *arguments, config) for net, config in zip(nets, configs, strict=True)]
    return nets, histories


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_a_member_trained_together_follows_its_lone_training_step_for_step_without_dropout(cell):
    configs = [ModelConfig(seed=seed, hidden=5, layers=1, dropout=0.0, epochs=4, batch_size=32, lr=0.01, clip=0.5,
                           lookback=6) for seed in (0, 7, 11)]
    together, histories = trained(cell, configs, together=True)
    lone, lone_histories = trained(cell, configs, together=False)
    for net, reference, history, lone_history in zip(together, lone, histories, lone_histories, strict=True):
        assert history.best_epoch == lone_history.best_epoch
        assert [e["epoch"] for e in history.epochs] == [e["epoch"] for e in lone_history.epochs]
        for mine, theirs in zip(history.epochs, lone_history.epochs, strict=True):
            assert math.isclose(mine["val_loss"], theirs["val_loss"], rel_tol=1e-9)
            assert math.isclose(mine["train_loss"], theirs["train_loss"], rel_tol=1e-9)
        for name, parameter in net.named_parameters():
            assert torch.allclose(parameter, dict(reference.named_parameters())[name], atol=1e-9), name


def test_each_member_stops_early_on_its_own_and_keeps_its_best_weights():
    configs = [ModelConfig(seed=seed, hidden=6, layers=1, dropout=0.0, epochs=40, batch_size=16, lr=0.05, patience=2,
                           lookback=6) for seed in range(4)]
    nets, histories = trained("gru", configs, together=True)
    lengths = {len(history.epochs) for history in histories}
    assert len(lengths) > 1, "the members should stop after different numbers of epochs"
    x, y = series(300, 6, seed=3)
    for net, history in zip(nets, histories, strict=True):
        losses = [epoch["val_loss"] for epoch in history.epochs]
        assert history.best_epoch == min(range(len(losses)), key=losses.__getitem__)
        if history.stopped_early:
            assert len(losses) - 1 - history.best_epoch == 2  # stopped `patience` epochs after its best
        with torch.no_grad():
            kept = float(((net(x[240:].unsqueeze(-1)) - y[240:]) ** 2).mean())
        assert math.isclose(kept, losses[history.best_epoch], rel_tol=1e-9)


def test_networks_trained_together_may_differ_only_in_their_seed():
    configs = [ModelConfig(seed=0, hidden=4), ModelConfig(seed=1, hidden=4, lr=0.1)]
    nets = [RecurrentForecaster("lstm", hidden=4, layers=2) for _ in configs]
    x, y = series(50, 20, seed=0, dtype=torch.float32)
    with pytest.raises(ValueError, match="differ only in their seed"):
        fit_networks(nets, x, y, x, y, configs)
