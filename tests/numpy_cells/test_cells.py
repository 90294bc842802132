"""The NumPy cells against PyTorch and against finite differences, on random weights and several shapes."""

import numpy as np
import pytest
import torch

from tickercast.numpy_cells import CellParams, gru, lstm
from tickercast.numpy_cells.transfer import from_torch, to_torch

SHAPES = [(1, 1, 1, 1), (2, 3, 5, 4), (5, 2, 1, 8), (3, 4, 7, 2)]  # batch, input, hidden, steps
CELLS = {"lstm": (lstm, torch.nn.LSTM), "gru": (gru, torch.nn.GRU)}


def setup(cell, batch, input_size, hidden, steps, seed=0):
    module, torch_class = CELLS[cell]
    torch.manual_seed(seed)
    net = torch_class(input_size, hidden, batch_first=True).double()
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(batch, steps, input_size))
    h0 = rng.normal(size=(batch, hidden))
    c0 = rng.normal(size=(batch, hidden))
    return module, net, x, h0, c0


def torch_run(cell, net, x, h0, c0):
    tensors = [torch.tensor(a, requires_grad=True) for a in (x, h0, c0)]
    state = (tensors[1][None], tensors[2][None]) if cell == "lstm" else tensors[1][None]
    out, final = net(tensors[0], state)
    return out, final, tensors


def numpy_run(cell, module, params, x, h0, c0):
    return module.forward(params, x, h0, c0) if cell == "lstm" else module.forward(params, x, h0)


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("shape", SHAPES)
def test_forward_equals_pytorch(cell, shape):
    module, net, x, h0, c0 = setup(cell, *shape)
    out, final, _ = torch_run(cell, net, x, h0, c0)
    trace = numpy_run(cell, module, from_torch(net), x, h0, c0)
    np.testing.assert_allclose(trace.h, out.detach().numpy(), rtol=0, atol=1e-10)
    if cell == "lstm":
        np.testing.assert_allclose(trace.c[:, -1], final[1][0].detach().numpy(), rtol=0, atol=1e-10)


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("shape", SHAPES)
def test_gradients_equal_autograd(cell, shape):
    module, net, x, h0, c0 = setup(cell, *shape, seed=1)
    out, final, (tx, th0, tc0) = torch_run(cell, net, x, h0, c0)
    rng = np.random.default_rng(2)
    grad_h = rng.normal(size=out.shape)
    loss = (out * torch.from_numpy(grad_h)).sum()
    grad_c = None
    if cell == "lstm":
        grad_c = rng.normal(size=h0.shape)
        loss = loss + (final[1][0] * torch.from_numpy(grad_c)).sum()
    loss.backward()
    params = from_torch(net)
    trace = numpy_run(cell, module, params, x, h0, c0)
    grads = module.backward(params, trace, grad_h, grad_c) if cell == "lstm" else module.backward(params, trace,
                                                                                                   grad_h)
    pairs = [(grads.params.w_ih, net.weight_ih_l0.grad), (grads.params.w_hh, net.weight_hh_l0.grad),
             (grads.params.b_ih, net.bias_ih_l0.grad), (grads.params.b_hh, net.bias_hh_l0.grad),
             (grads.x, tx.grad), (grads.h0, th0.grad)]
    if cell == "lstm":
        pairs.append((grads.c0, tc0.grad))
    for ours, theirs in pairs:
        np.testing.assert_allclose(ours, theirs.numpy(), rtol=0, atol=1e-8)


@pytest.mark.parametrize("cell", CELLS)
def test_gradients_equal_central_finite_differences(cell):
    module = CELLS[cell][0]
    gates = 4 if cell == "lstm" else 3
    params = CellParams.random(2, 3, gates, seed=3)
    rng = np.random.default_rng(4)
    x, h0, c0 = rng.normal(size=(2, 5, 2)), rng.normal(size=(2, 3)), rng.normal(size=(2, 3))
    weights = rng.normal(size=(2, 5, 3))  # loss = sum(weights * h): every step, every unit matters

    def loss(p=params, x=x, h0=h0, c0=c0):
        return float(np.sum(weights * numpy_run(cell, module, p, x, h0, c0).h))

    grads = module.backward(params, numpy_run(cell, module, params, x, h0, c0), weights)
    eps = 1e-6
    for field in ("w_ih", "w_hh", "b_ih", "b_hh"):
        array = getattr(params, field)
        for index in [tuple(rng.integers(0, n) for n in array.shape) for _ in range(6)]:
            plus, minus = array.copy(), array.copy()
            plus[index] += eps
            minus[index] -= eps
            numeric = (loss(CellParams(**{**vars(params), field: plus}))
                       - loss(CellParams(**{**vars(params), field: minus}))) / (2 * eps)
            assert getattr(grads.params, field)[index] == pytest.approx(numeric, abs=1e-6)
    for name, array, analytic in (("x", x, grads.x), ("h0", h0, grads.h0)):
        index = tuple(rng.integers(0, n) for n in array.shape)
        plus, minus = array.copy(), array.copy()
        plus[index] += eps
        minus[index] -= eps
        numeric = (loss(**{name: plus}) - loss(**{name: minus})) / (2 * eps)
        assert analytic[index] == pytest.approx(numeric, abs=1e-6), name


@pytest.mark.parametrize("cell", CELLS)
def test_weights_copy_both_ways(cell):
    module, net, x, h0, c0 = setup(cell, 2, 3, 4, 5)
    params = CellParams.random(3, 4, 4 if cell == "lstm" else 3, seed=9)
    to_torch(params, net)
    assert all(np.array_equal(a, b) for a, b in zip(vars(from_torch(net)).values(), vars(params).values(),
                                                   strict=True))
    out, _, _ = torch_run(cell, net, x, h0, c0)
    np.testing.assert_allclose(numpy_run(cell, module, params, x, h0, c0).h, out.detach().numpy(), atol=1e-10)
