"""The recurrent networks: the PyTorch module, N same-shape networks as one stack, and the training loop.

    modules.py   RecurrentForecaster (LSTM, GRU or RNN and a linear head), sizes, memory estimates
    stacked.py   NetworkStack: N networks as stacked weights, layers with a hand-written backward
    training.py  fit_network / fit_networks (one network, or N as one stack), Adam, early stopping

Models (`tickercast.models.recurrent`) build and train these; nothing here knows about prices or splits.
"""
