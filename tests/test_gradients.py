import math

import numpy as np
import pytest
import torch

from tickercast.errors import ConfigError
from tickercast.lab.gradients import (
    decay_per_10,
    exploding_rnn,
    gradient_by_lag,
    lab_network,
    lag_below,
    memory_task,
    run_lab,
    train_on_memory_task,
    variants,
)
from tickercast.lab.settings import LabSettings
from tickercast.numpy_cells import lstm
from tickercast.numpy_cells.transfer import from_torch

TINY = LabSettings(hidden=4, steps=12, gap=4, iterations=20, explode_iterations=5, batch_size=16)


def test_gradient_by_lag_agrees_with_the_numpy_backward_pass():
    net = lab_network("lstm", hidden=5, seed=3)
    curve = gradient_by_lag(net, steps=8, seed=1, batch=6)
    x = torch.randn(6, 9, 1, generator=torch.Generator().manual_seed(1), dtype=torch.float64).numpy()
    params = from_torch(net.recurrent)
    trace = lstm.forward(params, x)
    grad_h = np.zeros_like(trace.h)
    grad_h[:, -1] = net.head.weight.detach().double().numpy()[0]  # y_T = w · h_T + b
    by_hand = np.linalg.norm(lstm.backward(params, trace, grad_h).x, axis=2).mean(axis=0)[::-1]
    np.testing.assert_allclose(curve, by_hand, rtol=1e-9)


def test_geometric_curve_summaries():
    curve = 0.5 ** np.arange(40.0)
    assert decay_per_10(curve) == pytest.approx(0.5**10)
    assert lag_below(curve) == 20  # 0.5^19 = 1.9e-6, 0.5^20 = 9.5e-7
    assert lag_below(np.ones(5)) is None


def test_memory_task_targets_the_first_value():
    x, y = memory_task(32, gap=7, noise=1.0, generator=torch.Generator().manual_seed(0))
    assert x.shape == (32, 8, 1)
    assert torch.equal(x[:, 0, 0], y)
    assert set(y.tolist()) == {-1.0, 1.0}


def test_open_gate_variants_only_for_gated_cells():
    assert variants(["rnn", "lstm", "gru"], 3.0) == [("rnn", "rnn", 0.0), ("lstm", "lstm", 0.0),
                                                     ("lstm-open", "lstm", 3.0), ("gru", "gru", 0.0),
                                                     ("gru-open", "gru", 3.0)]
    assert variants(["lstm"], 0.0) == [("lstm", "lstm", 0.0)]


def test_opening_the_forget_gate_sets_its_bias():
    default, opened = lab_network("lstm", 4, seed=0), lab_network("lstm", 4, seed=0, gate_bias=3.0)
    difference = (opened.recurrent.bias_ih_l0 - default.recurrent.bias_ih_l0).detach().numpy()
    np.testing.assert_allclose(difference, [0] * 4 + [3] * 4 + [0] * 8)  # (i, f, g, o): only f moved


def test_an_open_forget_gate_carries_gradients_further_back_than_a_plain_rnn():
    rnn = gradient_by_lag(lab_network("rnn", 16, 0), 60, seed=0)
    open_lstm = gradient_by_lag(lab_network("lstm", 16, 0, gate_bias=3.0), 60, seed=0)
    assert decay_per_10(open_lstm) > 10 * decay_per_10(rnn)
    assert lag_below(rnn) is not None
    assert lag_below(open_lstm) is None or lag_below(open_lstm) > 2 * lag_below(rnn)


def test_exploding_rnn_gradients_grow_with_lag_and_clipping_bounds_the_update():
    result = exploding_rnn(TINY)
    relative = np.asarray(result["init"]["curve"]) / result["init"]["curve"][0]
    assert relative[5] > 1  # with spectral radius 3 the gradient grows going back in time
    assert result["unclipped"]["max_grad_norm"] > TINY.clip
    assert result["clipped"]["largest_step_norm"] <= TINY.clip


def test_lab_reports_every_variant():
    result = run_lab(["rnn", "gru"], TINY)
    assert list(result["cells"]) == ["rnn", "gru", "gru-open"]
    for cell in result["cells"].values():
        assert 0 <= cell["accuracy"] <= 1
        assert len(cell["init"]["curve"]) == TINY.steps + 1
        assert len(cell["trained"]["relative_every_10"]) == 2
    assert result["settings"]["gap"] == TINY.gap


def test_unknown_cell():
    with pytest.raises(ConfigError, match="unknown cell\\(s\\) transformer"):
        run_lab(["transformer"], TINY)


def _trained_alone(net, settings, seed, clip, iterations, optimizer="adam"):
    """The lab's loop before batching: one network, torch's own optimizer and clipping, the same batch stream."""
    generator = torch.Generator().manual_seed(seed + 1)
    updater = (torch.optim.Adam if optimizer == "adam" else torch.optim.SGD)(net.parameters(), lr=settings.lr)
    losses = []
    for _ in range(iterations):
        x, y = memory_task(settings.batch_size, settings.gap, settings.noise, generator)
        loss = torch.mean((net(x.double()) - y.double()) ** 2)
        updater.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), clip if clip > 0 else math.inf)
        losses.append(float(loss.detach()))
        if not math.isfinite(losses[-1]):
            break
        updater.step()
    return losses


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_each_member_of_the_batched_lab_trains_to_the_weights_it_reaches_alone(cell):
    settings = LabSettings(hidden=4, gap=6, batch_size=8, lr=0.05, clip=0.5)
    members = [(gate_bias, seed) for gate_bias in (0.0, 3.0) for seed in (0, 1)]  # two data streams
    nets = [lab_network(cell, 4, seed, gate_bias).double() for gate_bias, seed in members]
    records = train_on_memory_task(nets, settings, seeds=[seed for _, seed in members],
                                   clips=[settings.clip] * len(nets), iterations=12)
    for (gate_bias, seed), net, record in zip(members, nets, records, strict=True):
        alone = lab_network(cell, 4, seed, gate_bias).double()
        losses = _trained_alone(alone, settings, seed, settings.clip, iterations=12)
        np.testing.assert_allclose(record["losses"], losses, rtol=1e-10)
        assert max(record["grad_norms"]) > settings.clip  # clipping was active, per member
        for name, weight in alone.state_dict().items():
            np.testing.assert_allclose(net.state_dict()[name], weight, rtol=1e-9, atol=1e-12, err_msg=name)


def test_an_exploding_member_stops_without_poisoning_the_clipped_one():
    settings = LabSettings(hidden=4, gap=4, batch_size=16, lr=1e10, clip=1.0)  # SGD steps that overflow
    nets = [lab_network("rnn", 4, 0).double() for _ in range(2)]
    unclipped, clipped = train_on_memory_task(nets, settings, seeds=[0, 0], clips=[0.0, settings.clip],
                                              iterations=20, optimizer="sgd")
    assert not math.isfinite(unclipped["losses"][-1])
    assert len(unclipped["losses"]) < 20
    assert len(clipped["losses"]) == 20
    assert all(map(math.isfinite, clipped["losses"]))
    alone = [lab_network("rnn", 4, 0).double() for _ in range(2)]
    np.testing.assert_allclose(unclipped["losses"], _trained_alone(alone[0], settings, 0, 0.0, 20, "sgd"),
                               rtol=1e-10)
    np.testing.assert_allclose(clipped["losses"], _trained_alone(alone[1], settings, 0, settings.clip, 20, "sgd"),
                               rtol=1e-10)
    for net, reference in zip(nets, alone, strict=True):  # the unclipped keeps the weights of its last loss
        for name, weight in reference.state_dict().items():
            np.testing.assert_allclose(net.state_dict()[name], weight, rtol=1e-9, err_msg=name)


def test_the_lab_gives_the_same_numbers_in_worker_processes():
    assert run_lab(["rnn", "gru"], TINY, workers=2) == run_lab(["rnn", "gru"], TINY, workers=1)
