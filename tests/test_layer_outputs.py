"""The fast training path of a single GRU or RNN computes the same function as PyTorch's own layers, forward and
backward (`batched.layer_outputs`: the hand-written layers as a stack of one)."""

import pytest
import torch
from torch import nn

from tickercast.networks.modules import RecurrentForecaster
from tickercast.networks.stacked import layer_outputs

SHAPES = [  # batch, steps, inputs, hidden, layers
    (1, 1, 1, 1, 1),
    (5, 7, 3, 8, 2),
    (64, 20, 1, 32, 2),
    (3, 30, 2, 16, 3),
]
TOLERANCE = {torch.float32: 1e-5, torch.float64: 1e-10}


def assert_close(got: torch.Tensor, want: torch.Tensor, tolerance: float) -> None:
    """Equal up to `tolerance` relative to the tensor's scale: a float32 gradient summed over 1,280 steps and
    windows carries rounding relative to its largest terms, not to each small entry."""
    assert got.shape == want.shape
    scale = max(1.0, float(want.abs().max()))
    assert float((got - want).abs().max()) <= tolerance * scale


def _outputs_and_gradients(function, parameters, x, weights):
    """Outputs of `function(x)` and the gradients of a weighted sum of them, for the parameters and x."""
    x = x.detach().clone().requires_grad_(True)
    out = function(x)
    gradients = torch.autograd.grad((out * weights).sum(), [*parameters, x])
    return out.detach(), gradients


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("layer", [nn.GRU, nn.RNN])
def test_layer_outputs_equal_pytorchs_layer_forward_and_backward(layer, shape, dtype):
    batch, steps, inputs, hidden, layers = shape
    torch.manual_seed(sum(shape))
    gru = layer(inputs, hidden, num_layers=layers, batch_first=True).to(dtype)
    # Non-zero biases everywhere, so every gradient term is exercised. A plain RNN with weights this large is
    # chaotic (float32 rounding in any two implementations grows over the steps), so it keeps PyTorch's range.
    bound = 0.8 if layer is nn.GRU else hidden**-0.5
    with torch.no_grad():
        for parameter in gru.parameters():
            parameter.uniform_(-bound, bound)
    x = torch.randn(batch, steps, inputs, dtype=dtype)
    weights = torch.randn(batch, steps, hidden, dtype=dtype)
    parameters = list(gru.parameters())

    expected, expected_grads = _outputs_and_gradients(lambda v: gru(v)[0], parameters, x, weights)
    actual, actual_grads = _outputs_and_gradients(lambda v: layer_outputs(gru, v), parameters, x, weights)

    tolerance = TOLERANCE[dtype]
    assert_close(actual, expected, tolerance)
    for got, want in zip(actual_grads, expected_grads, strict=True):
        assert_close(got, want, tolerance)


def test_gradient_flows_only_from_the_steps_that_are_used():
    """The forecaster reads the last step only: the gradient of every other step's output is zero."""
    torch.manual_seed(1)
    gru = nn.GRU(1, 4, batch_first=True)
    x = torch.randn(2, 6, 1)
    expected = torch.autograd.grad(gru(x)[0][:, -1].sum(), list(gru.parameters()))
    actual = torch.autograd.grad(layer_outputs(gru, x)[:, -1].sum(), list(gru.parameters()))
    for got, want in zip(actual, expected, strict=True):
        assert_close(got, want, 1e-5)


def test_dropout_acts_between_layers_in_training_mode_only():
    torch.manual_seed(2)
    gru = nn.GRU(1, 16, num_layers=2, dropout=0.5, batch_first=True)
    x = torch.randn(4, 10, 1)
    gru.eval()
    assert torch.allclose(layer_outputs(gru, x), gru(x)[0], atol=1e-6)
    gru.train()
    torch.manual_seed(3)
    first = layer_outputs(gru, x)
    torch.manual_seed(3)
    again = layer_outputs(gru, x)
    assert torch.equal(first, again)  # dropout draws from the seeded global generator
    assert not torch.allclose(first, gru.eval()(x)[0], atol=1e-3)


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_network_equals_pytorch_layers_with_transplanted_weights(cell):
    """What training differentiates is the function of `nn.LSTM`/`nn.GRU`/`nn.RNN` plus a linear head."""
    torch.manual_seed(4)
    net = RecurrentForecaster(cell, hidden=32, layers=2, dropout=0.2).eval()
    with torch.no_grad():
        net.head.weight.normal_()
        net.head.bias.normal_()
    reference = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}[cell](1, 32, num_layers=2, batch_first=True)
    reference.load_state_dict(net.recurrent.state_dict())
    head = nn.Linear(32, 1)
    head.load_state_dict(net.head.state_dict())
    reference_parameters = [*reference.parameters(), *head.parameters()]
    x = torch.randn(64, 20, 1)
    weights = torch.randn(64)

    expected, expected_grads = _outputs_and_gradients(lambda v: head(reference(v)[0][:, -1]).squeeze(-1),
                                                      reference_parameters, x, weights)
    actual, actual_grads = _outputs_and_gradients(net, [*net.recurrent.parameters(), *net.head.parameters()],
                                                  x, weights)

    assert_close(actual, expected, 1e-5)
    for got, want in zip(actual_grads, expected_grads, strict=True):
        assert_close(got, want, 1e-5)
