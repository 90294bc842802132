"""The textbook worked example: StatQuest's hand-set one-unit LSTM, by hand and in nn.LSTM."""

import numpy as np
import pytest
import torch

from tickercast.numpy_cells import COMPANY_A, COMPANY_B, STATQUEST_GATES, lstm, statquest_lstm
from tickercast.numpy_cells.params import sigmoid
from tickercast.numpy_cells.transfer import to_torch


def test_one_step_from_long_term_two_short_term_one_input_one():
    w_h, w_x, b = STATQUEST_GATES["forget"]
    forget_sum = w_h * 1 + w_x * 1 + b
    assert forget_sum == pytest.approx(5.95)
    assert sigmoid(np.array([forget_sum]))[0] == pytest.approx(0.997, abs=5e-4)
    trace = lstm.forward(statquest_lstm(), np.ones((1, 1, 1)), h0=np.ones((1, 1)), c0=np.full((1, 1), 2.0))
    assert trace.f[0, 0, 0] == pytest.approx(0.997, abs=5e-4)
    assert trace.c[0, 0, 0] == pytest.approx(2.95, abs=5e-3)
    assert trace.h[0, 0, 0] == pytest.approx(0.99, abs=5e-3)


def run(sequence):
    return lstm.forward(statquest_lstm(), np.array(sequence, dtype=float)[None, :, None])


def test_company_a_ends_near_zero_and_company_b_near_one():
    assert abs(run(COMPANY_A).h[0, -1, 0]) < 0.01
    assert run(COMPANY_B).h[0, -1, 0] == pytest.approx(1, abs=0.05)


@pytest.mark.parametrize("sequence", [COMPANY_A, COMPANY_B])
def test_nn_lstm_with_the_same_weights_gives_the_same_values(sequence):
    net = torch.nn.LSTM(1, 1, batch_first=True).double()
    to_torch(statquest_lstm(), net)
    out, (_, c) = net(torch.tensor(sequence, dtype=torch.float64)[None, :, None])
    trace = run(sequence)
    np.testing.assert_allclose(out.detach().numpy()[0, :, 0], trace.h[0, :, 0], atol=1e-12)
    assert c.item() == pytest.approx(trace.c[0, -1, 0], abs=1e-12)
