import copy
import math

import pytest
import torch
from torch import nn

from tickercast.config import ModelConfig
from tickercast.errors import TrainingError
from tickercast.networks.modules import RecurrentForecaster
from tickercast.networks.training import Adam, fit_network, predict_network, seed_everything


def toy_data(n=256, lookback=6, seed=0):
    """Windows whose next value is the mean of the window: learnable, so training makes progress."""
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(n, lookback, generator=generator)
    return x, x.mean(dim=1)


def train(config, n_val=64):
    x, y = toy_data()
    seed_everything(config.seed)
    net = RecurrentForecaster("gru", hidden=8, layers=1, dropout=0.0)
    history = fit_network(net, x[n_val:], y[n_val:], x[:n_val], y[:n_val], config)
    return net, history


def test_training_reduces_the_validation_loss():
    _, history = train(ModelConfig(epochs=15, lr=1e-2, batch_size=32))
    assert history.epochs[0]["epoch"] == 0
    assert history.epochs[history.best_epoch]["val_loss"] < 0.5 * history.epochs[0]["val_loss"]


def test_same_seed_same_weights_and_losses():
    (net_a, history_a), (net_b, history_b) = (train(ModelConfig(epochs=4, seed=3)) for _ in range(2))
    assert history_a.epochs[-1]["train_loss"] == history_b.epochs[-1]["train_loss"]
    for a, b in zip(net_a.parameters(), net_b.parameters(), strict=True):
        assert torch.equal(a, b)


def test_different_seeds_differ():
    (_, history_a), (_, history_b) = train(ModelConfig(epochs=2, seed=0)), train(ModelConfig(epochs=2, seed=1))
    assert history_a.epochs[-1]["train_loss"] != history_b.epochs[-1]["train_loss"]


def test_early_stopping_keeps_the_best_epochs_weights():
    config = ModelConfig(epochs=60, lr=0.05, patience=3, batch_size=16)
    net, history = train(config)
    x, y = toy_data()
    best_val = min(epoch["val_loss"] for epoch in history.epochs)
    kept = float(torch.mean((torch.from_numpy(predict_network(net, x[:64])).float() - y[:64]) ** 2))
    assert kept == pytest.approx(best_val, rel=1e-5)
    assert history.epochs[history.best_epoch]["val_loss"] == best_val
    if history.stopped_early:
        assert len(history.epochs) - 1 - history.best_epoch == config.patience


def test_without_validation_every_epoch_runs_and_the_last_is_kept():
    _, history = train(ModelConfig(epochs=5, patience=1), n_val=0)
    assert len(history.epochs) == 6
    assert history.best_epoch == 5
    assert history.epochs[-1]["val_loss"] is None


def test_a_diverging_loss_is_a_clear_error():
    x, y = toy_data()
    net = RecurrentForecaster("rnn", hidden=8, layers=1)
    with pytest.raises(TrainingError, match=r"loss became (nan|inf) in epoch 1; lower the learning rate"):
        fit_network(net, x, y * math.inf, x[:0], y[:0], ModelConfig(epochs=2))


@pytest.mark.parametrize("clip", [0.0, 0.5])
def test_gradient_norm_clipping(clip):
    x, y = toy_data()
    seed_everything(0)
    net = RecurrentForecaster("rnn", hidden=8, layers=1)
    # one batch with a huge target: the raw gradient norm is far above 0.5
    fit_network(net, x[:8], y[:8] * 1e3, x[:0], y[:0], ModelConfig(epochs=1, batch_size=8, clip=clip))
    norm = float(torch.linalg.vector_norm(torch.stack([p.grad.norm() for p in net.parameters()])))
    if clip:
        assert norm <= clip * (1 + 1e-5)  # the last step's gradients, as the optimizer saw them
    else:
        assert norm > 10


def test_adam_takes_the_same_steps_as_torch_adam():
    torch.manual_seed(5)
    ours_net = nn.GRU(2, 6, num_layers=2, batch_first=True)
    torch_net, start = copy.deepcopy(ours_net), copy.deepcopy(ours_net)
    ours = Adam(list(ours_net.parameters()), lr=0.01)
    reference = torch.optim.Adam(torch_net.parameters(), lr=0.01)
    for step in range(25):
        x = torch.randn(8, 5, 2, generator=torch.Generator().manual_seed(step))
        for net, optimizer in ((ours_net, ours), (torch_net, reference)):
            optimizer.zero_grad()
            (net(x)[0] ** 2).mean().backward()
            optimizer.step()
    for a, b in zip(ours_net.parameters(), torch_net.parameters(), strict=True):
        assert torch.allclose(a, b, atol=1e-7, rtol=0)
    pairs = zip(ours_net.parameters(), start.parameters(), strict=True)
    moved = [float((a - b).abs().max().detach()) for a, b in pairs]
    assert min(moved) > 1e-3  # every tensor was updated
