"""Hand-set weights to learn from: the one-unit LSTM of StatQuest's illustrated LSTM walk-through.

One input and one hidden unit; for each gate the weight on the short-term memory (h), the weight on the
input (x) and the bias. From zero memories, Company A's values 0, 0.5, 0.25, 1 end with short-term memory
≈ 0 and Company B's 1, 0.5, 0.25, 1 with ≈ 1: the cell remembers how each sequence started.
"""

from __future__ import annotations

import numpy as np

from tickercast.numpy_cells.params import CellParams

#: gate -> (weight on short-term memory, weight on input, bias), as the illustration gives them.
STATQUEST_GATES = {
    "forget": (2.70, 1.63, 1.62),
    "input": (2.00, 1.65, 0.62),
    "candidate": (1.41, 0.94, -0.32),
    "output": (4.38, -0.19, 0.59),
}
COMPANY_A = (0.0, 0.5, 0.25, 1.0)
COMPANY_B = (1.0, 0.5, 0.25, 1.0)


def statquest_lstm() -> CellParams:
    """The illustration's weights in PyTorch's layout: gates stacked (i, f, g, o), hidden biases zero."""
    order = ("input", "forget", "candidate", "output")
    w_hh = np.array([[STATQUEST_GATES[gate][0]] for gate in order])
    w_ih = np.array([[STATQUEST_GATES[gate][1]] for gate in order])
    b_ih = np.array([STATQUEST_GATES[gate][2] for gate in order])
    return CellParams(w_ih=w_ih, w_hh=w_hh, b_ih=b_ih, b_hh=np.zeros(4))


WEIGHTS = {"statquest": statquest_lstm}
