"""LSTM, GRU and RNN models: the network plus its data preparation, behind the common model protocol.

fit: target series -> scaler fit on training days -> windows (strided views) -> `fit_network`.
predict: the same chain with the fitted scaler, one batched forward pass, back to prices.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any, Self

import numpy as np
import torch

from tickercast.config import ModelConfig, shown
from tickercast.errors import ConfigError, NotFittedError
from tickercast.models import EXECUTION_SETTINGS
from tickercast.nets import RecurrentForecaster, check_memory, resolve_device, weight_shapes
from tickercast.prepare.scaling import Scaler, fit_scaler
from tickercast.prepare.targets import get_target
from tickercast.prepare.windows import windows_before
from tickercast.progress import Reporter
from tickercast.train import History, fit_network, predict_network, seed_everything


class RecurrentModel:
    """A recurrent network forecaster (`cell` in lstm, gru, rnn) configured by a ModelConfig."""

    is_network = True
    reads = tuple(field.name for field in fields(ModelConfig) if field.name not in EXECUTION_SETTINGS)

    def __init__(self, cell: str, config: ModelConfig) -> None:
        self.name = cell
        self.config = config
        self.target = get_target(config.target)

    @property
    def min_history(self) -> int:
        return self.config.lookback + self.target.offset

    def fit(self, prices: np.ndarray, train_end: int, reporter: Reporter) -> Self:
        check_memory(self.name, self.config, training=True)
        self.fit_scaler(prices, train_end)
        seed_everything(self.config.seed)
        self.net_ = self.new_net()
        self.history_ = fit_network(self.net_, *self.training_windows(prices, train_end), self.config,
                                    reporter=reporter, description=f"{self.name} seed {self.config.seed}")
        return self

    def fit_scaler(self, prices: np.ndarray, train_end: int) -> Self:
        """Fit only the scaler, on the training days: the first step of `fit`, and all that a model sharing a
        network trained across tickers learns from its own ticker (`tickercast.sweep.global_model`)."""
        series = self.target.series(prices)
        # Training targets end at train_end; the scaler never sees a validation or test value.
        self.scaler_ = fit_scaler(series[self.target.offset:train_end], self.config.scaler,
                                  center=self.target.name == "price")
        return self

    def training_windows(self, prices: np.ndarray,
                         train_end: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """`x_train, y_train, x_val, y_val` through the fitted scaler: what `fit_network` trains and stops on."""
        ahead = self.config.horizons - 1  # a training target must lie wholly inside its part
        x_train, y_train = self.windows(prices, range(self.min_history, train_end - ahead))
        x_val, y_val = self.windows(prices, range(max(train_end, self.min_history), len(prices) - ahead))
        return x_train, y_train, x_val, y_val

    def predict(self, prices: np.ndarray, start: int) -> np.ndarray:
        if not hasattr(self, "net_"):
            raise NotFittedError(f"the {self.name} model is not fitted yet; call fit first")
        if start < self.min_history:
            raise ValueError(f"{self.name} needs {self.min_history} days of history; cannot predict day {start}")
        days = range(start, len(prices))
        scaled = predict_network(self.net_, self.inputs(prices, days))
        scaled = scaled[:, 0] if scaled.ndim == 2 else scaled  # direct networks: the one-day output
        return self.target.to_price(self.scaler_.inverse(scaled), prices[days.start - 1:days.stop - 1])

    def forecast_direct(self, prices: np.ndarray, origins: range) -> np.ndarray:
        """Direct multi-step forecasts `[len(origins), horizons]`: from each origin (its first unknown day t),
        the prices of days t .. t + horizons − 1, all from one forward pass over prices[:t]."""
        if origins.start < self.min_history:
            raise ValueError(f"{self.name} needs {self.min_history} days of history")
        scaled = predict_network(self.net_, self.inputs(prices[:origins.stop], origins)).reshape(len(origins), -1)
        previous = prices[origins.start - 1:origins.stop - 1, None]  # [origins, 1]
        return self.target.to_price(self.scaler_.inverse(scaled), previous)

    def dropout_paths(self, prices: np.ndarray, horizon: int, samples: int, seed: int = 0) -> np.ndarray:
        """Monte-Carlo dropout: `samples` recursive price paths `[samples, horizon]` after the last price, each
        with dropout left on, so their spread shows how unsure the network's weights are (not the market)."""
        if self.config.dropout == 0 or self.config.layers < 2:
            raise ConfigError("Monte-Carlo dropout needs dropout between layers: a model with layers >= 2 and "
                              "dropout > 0")
        torch.manual_seed(seed)
        window = self.inputs(prices, range(len(prices), len(prices) + 1)).repeat(samples, 1)  # [samples, lookback]
        last = np.full(samples, prices[-1])
        paths = np.empty((samples, horizon))
        self.net_.train()  # dropout on: each pass drops different units
        try:
            with torch.no_grad():
                for step in range(horizon):
                    out = self.net_(window.unsqueeze(-1).to(next(self.net_.parameters()).device)).cpu()
                    out = out[:, 0] if out.ndim == 2 else out  # [samples]
                    last = self.target.to_price(self.scaler_.inverse(out.double().numpy()), last)
                    paths[:, step] = last
                    window = torch.cat([window[:, 1:], out[:, None].float()], dim=1)  # feed the forecast back
        finally:
            self.net_.eval()
        return paths

    def state(self) -> dict[str, Any]:
        weights = {name: tensor.detach().cpu().numpy() for name, tensor in self.net_.state_dict().items()}
        return {"scaler": self.scaler_.to_dict(), "weights": weights, "history": self.history_.to_dict()}

    def restore(self, state: dict[str, Any]) -> Self:
        """Rebuild the fitted network; ValueError (before any tensor is made) if the state does not fit the
        settings: a weight missing, unexpected or of another shape, no scaler, more memory than there is."""
        if state.get("scaler") is None:
            raise ValueError("no scaler.json, which a network needs to read its inputs")
        config = self.config
        expected = weight_shapes(self.name, hidden=config.hidden, layers=config.layers, outputs=config.horizons)
        weights = state["weights"]
        mismatched = sorted(set(expected) ^ set(weights))
        if mismatched:
            name = mismatched[0]
            raise ValueError(f"{'lacks' if name in expected else 'has an unexpected'} weight {shown(name)} for a "
                             f"{self.name} of {config.layers} layer(s)")
        for name, shape in expected.items():
            if tuple(weights[name].shape) != shape:
                raise ValueError(f"{name} has shape {tuple(weights[name].shape)}, but hidden {config.hidden} and "
                                 f"horizons {config.horizons} need {shape}")
        check_memory(self.name, config, training=False)
        self.scaler_ = Scaler.from_dict(state["scaler"])
        self.net_ = self.new_net()
        self.net_.load_state_dict({name: torch.from_numpy(np.array(array))
                                   for name, array in state["weights"].items()})
        self.net_.eval()
        history = state.get("history") or {}
        self.history_ = History(epochs=history.get("epochs", []), best_epoch=history.get("best_epoch", 0),
                                stopped_early=history.get("stopped_early", False))
        return self

    def new_net(self) -> RecurrentForecaster:
        """An untrained network of this model's settings, on its device (seed first to make it reproducible)."""
        config = self.config
        net = RecurrentForecaster(self.name, hidden=config.hidden, layers=config.layers, dropout=config.dropout,
                                  outputs=config.horizons)
        return net.to(resolve_device(config.device))

    def inputs(self, prices: np.ndarray, days: range) -> torch.Tensor:
        """Scaled input windows `[len(days), lookback]`: the values strictly before each day."""
        return windows_before(self.scaled_series(prices), self.config.lookback, days)

    def windows(self, prices: np.ndarray, days: range) -> tuple[torch.Tensor, torch.Tensor]:
        """Inputs and scaled targets of those days: `[len(days)]`, or `[len(days), horizons]` for a direct network
        (the value h − 1 days later; for log-returns the sum over the h days, i.e. the return to that day)."""
        scaled = self.scaled_series(prices)
        horizons = self.config.horizons
        if horizons == 1:
            targets = scaled[days.start:days.stop] if len(days) else scaled[:0]
        else:
            ahead = torch.arange(days.start, days.stop)[:, None] + torch.arange(horizons)[None, :]
            targets = scaled[ahead] if len(days) else scaled[:0].reshape(0, horizons)  # [days, horizons]
            targets = targets.cumsum(dim=1) if self.target.additive else targets
        return windows_before(scaled, self.config.lookback, days), targets

    def scaled_series(self, prices: np.ndarray) -> torch.Tensor:
        """The target series of `prices` through the fitted scaler: what the network reads, `[len(prices)]`."""
        return torch.from_numpy(self.scaler_.transform(self.target.series(prices)).astype(np.float32))
