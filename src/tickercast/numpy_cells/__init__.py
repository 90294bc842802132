"""LSTM and GRU cells in plain NumPy: every gate visible, gradients by hand, equal to PyTorch's.

    from tickercast.numpy_cells import lstm, statquest_lstm
    trace = lstm.forward(statquest_lstm(), np.array([[[0.0], [0.5], [0.25], [1.0]]]))
    trace.h[0, -1, 0]     # ≈ 0: Company A's day 5
"""

from tickercast.numpy_cells import gru, lstm
from tickercast.numpy_cells.examples import COMPANY_A, COMPANY_B, STATQUEST_GATES, statquest_lstm
from tickercast.numpy_cells.params import CellParams, Gradients

__all__ = ["COMPANY_A", "COMPANY_B", "STATQUEST_GATES", "CellParams", "Gradients", "gru", "lstm", "statquest_lstm"]
