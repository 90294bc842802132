"""LSTM, GRU and RNN models: the network plus its data preparation, behind the common model protocol.

fit: target series and input columns -> scalers fit on training days -> windows (strided views) -> `fit_network`.
predict: the same chain with the fitted scalers, one batched forward pass, back to prices.

The network reads `[batch, lookback, 1 + k]`: channel 0 is the target's own past (log-returns, through the target's
scaler), channels 1..k the input columns of `Inputs.extra`, each through its own standard scaler fit on the training
rows only. With no input columns (k = 0) this is exactly the single-channel network tickercast always had.

With the `direction` target the network reads the same windows (channel 0 = log-returns), learns the 0/1
outcomes with binary cross-entropy on its output logit (`fit_network(loss="bce")`), and `predict_proba` gives
sigmoid(logit) = P(up). Its head starts at the logit of the training base rate, so epoch 0 is the base-rate
forecast and early stopping never keeps weights worse than it on validation. `predict` (prices) is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from typing import Any, Self

import numpy as np
import torch

from tickercast.config import ModelConfig
from tickercast.errors import ConfigError, NotFittedError, shown
from tickercast.models import EXECUTION_SETTINGS
from tickercast.models.inputs import check_columns, restore_inputs
from tickercast.models.logistic import sigmoid
from tickercast.models.protocol import no_price
from tickercast.models.windowed import ScaledRows
from tickercast.nets import RecurrentForecaster, check_memory, resolve_device, weight_shapes
from tickercast.prepare.inputs import Inputs
from tickercast.prepare.scaling import Scaler
from tickercast.prepare.targets import get_target
from tickercast.prepare.windows import windows_before
from tickercast.progress import Reporter
from tickercast.train import History, fit_networks, predict_network, seed_everything


class RecurrentModel(ScaledRows):
    """A recurrent network forecaster (`cell` in lstm, gru, rnn) configured by a ModelConfig."""

    uses_inputs = True
    seeded = True
    direct = True
    dropout_sampling = True
    classifies = True
    reads = tuple(field.name for field in fields(ModelConfig) if field.name not in EXECUTION_SETTINGS)

    def __init__(self, cell: str, config: ModelConfig) -> None:
        self.name = cell
        self.config = config
        self.target = get_target(config.target)
        self.direction = config.target == "direction"
        if self.direction and config.horizons != 1:
            raise ConfigError("the direction target forecasts one day ahead; use --horizons 1 with it")

    @property
    def min_history(self) -> int:
        return self.config.lookback + self.target.offset

    def fit(self, inputs: Inputs | np.ndarray, train_end: int, reporter: Reporter) -> Self:
        fit_together([self], inputs, train_end, reporter)
        return self

    def training_windows(self, inputs: Inputs | np.ndarray,
                         train_end: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """`x_train, y_train, x_val, y_val` through the fitted scalers: what `fit_network` trains and stops on."""
        inputs = Inputs.of(inputs)
        ahead = self.config.horizons - 1  # a training target must lie wholly inside its part
        x_train, y_train = self.windows(inputs, range(self.min_history, train_end - ahead))
        x_val, y_val = self.windows(inputs, range(max(train_end, self.min_history), len(inputs) - ahead))
        return x_train, y_train, x_val, y_val

    def predict(self, inputs: Inputs | np.ndarray, start: int) -> np.ndarray:
        if self.direction:
            raise no_price(self.name)
        inputs = self._readable(inputs)
        if start < self.min_history:
            raise ValueError(f"{self.name} needs {self.min_history} days of history; cannot predict day {start}")
        days = range(start, len(inputs))
        scaled = predict_network(self.net_, self.inputs(inputs, days))
        scaled = scaled[:, 0] if scaled.ndim == 2 else scaled  # direct networks: the one-day output
        return self.target.to_price(self.scaler_.inverse(scaled), inputs.prices[days.start - 1:days.stop - 1])

    def predict_proba(self, inputs: Inputs | np.ndarray, start: int) -> np.ndarray:
        """P(up) of days start .. len(inputs) - 1 (the `direction` target): sigmoid of the network's logit."""
        if not self.direction:
            raise ConfigError(f"this {self.name} model forecasts {self.target.name.replace('_', ' ')}s, not the "
                              "direction; train it with --target direction for P(up)")
        inputs = self._readable(inputs)
        if start < self.min_history:
            raise ValueError(f"{self.name} needs {self.min_history} days of history; cannot predict day {start}")
        return sigmoid(predict_network(self.net_, self.inputs(inputs, range(start, len(inputs)))))

    def forecast_direct(self, inputs: Inputs | np.ndarray, origins: range) -> np.ndarray:
        """Direct multi-step forecasts `[len(origins), horizons]`: from each origin (its first unknown day t),
        the prices of days t .. t + horizons − 1, all from one forward pass over the rows before t."""
        if self.direction:
            raise no_price(self.name)
        inputs = self._readable(inputs)
        if origins.start < self.min_history:
            raise ValueError(f"{self.name} needs {self.min_history} days of history")
        scaled = predict_network(self.net_, self.inputs(inputs[:origins.stop], origins)).reshape(len(origins), -1)
        previous = inputs.prices[origins.start - 1:origins.stop - 1, None]  # [origins, 1]
        return self.target.to_price(self.scaler_.inverse(scaled), previous)

    def dropout_paths(self, inputs: Inputs | np.ndarray, horizon: int, samples: int, seed: int = 0) -> np.ndarray:
        """Monte-Carlo dropout: `samples` recursive price paths `[samples, horizon]` after the last price, each
        with dropout left on, so their spread shows how unsure the network's weights are (not the market)."""
        if self.direction:
            raise no_price(self.name)
        inputs = self._readable(inputs)
        prices = inputs.prices
        if self.config.dropout == 0 or self.config.layers < 2:
            raise ConfigError("Monte-Carlo dropout needs dropout between layers: a model with layers >= 2 and "
                              "dropout > 0")
        if inputs.width:
            raise ConfigError("Monte-Carlo dropout paths feed the forecasts back, which needs the future of every "
                              "input; a model with inputs beyond returns cannot sample them")
        torch.manual_seed(seed)
        window = self.inputs(inputs, range(len(prices), len(prices) + 1)).repeat(samples, 1)  # [samples, lookback]
        last = np.full(samples, prices[-1])
        paths = np.empty((samples, horizon))
        self.net_.train()  # dropout on: each pass drops different units
        try:
            with torch.no_grad():
                for step in range(horizon):
                    out = self.net_(window.unsqueeze(-1).to(next(self.net_.parameters()).device)).cpu()  # returns only
                    out = out[:, 0] if out.ndim == 2 else out  # [samples]
                    last = self.target.to_price(self.scaler_.inverse(out.double().numpy()), last)
                    paths[:, step] = last
                    window = torch.cat([window[:, 1:], out[:, None].float()], dim=1)  # feed the forecast back
        finally:
            self.net_.eval()
        return paths

    def state(self) -> dict[str, Any]:
        weights = {name: tensor.detach().cpu().numpy() for name, tensor in self.net_.state_dict().items()}
        return {**self.scalers_state(), "weights": weights, "history": self.history_.to_dict()}

    def restore(self, state: dict[str, Any]) -> Self:
        """Rebuild the fitted network; ValueError (before any tensor is made) if the state does not fit the
        settings: a weight missing, unexpected or of another shape, no scaler, more memory than there is."""
        if state.get("scaler") is None:
            raise ValueError("no scaler.json, which a network needs to read its inputs")
        config = self.config
        columns, scalers = restore_inputs(state.get("inputs"))
        expected = weight_shapes(self.name, hidden=config.hidden, layers=config.layers, outputs=config.horizons,
                                 input_size=1 + len(columns))
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
        check_memory(self.name, config, training=False, inputs=1 + len(columns))
        self.scaler_ = Scaler.from_dict(state["scaler"])
        self.columns_, self.input_scalers_ = columns, scalers
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
        net = RecurrentForecaster(self.name, input_size=1 + len(self.columns_), hidden=config.hidden,
                                  layers=config.layers, dropout=config.dropout, outputs=config.horizons)
        return net.to(resolve_device(config.device))

    def inputs(self, inputs: Inputs | np.ndarray, days: range) -> torch.Tensor:
        """Scaled input windows `[len(days), lookback]` (`[.., lookback, 1 + k]` with k input columns): the rows
        strictly before each day."""
        return windows_before(self.scaled_inputs(Inputs.of(inputs)), self.config.lookback, days)

    def windows(self, inputs: Inputs | np.ndarray, days: range) -> tuple[torch.Tensor, torch.Tensor]:
        """Inputs and scaled targets of those days: `[len(days)]`, or `[len(days), horizons]` for a direct network
        (the value h − 1 days later; for log-returns the sum over the h days, i.e. the return to that day).
        For the direction target the targets are the 0/1 outcomes, unscaled."""
        inputs = Inputs.of(inputs)
        if self.direction:
            return self.inputs(inputs, days), torch.from_numpy(self.labels(inputs.prices, days).astype(np.float32))
        scaled = self.scaled_series(inputs.prices)
        horizons = self.config.horizons
        if horizons == 1:
            targets = scaled[days.start:days.stop] if len(days) else scaled[:0]
        else:
            ahead = torch.arange(days.start, days.stop)[:, None] + torch.arange(horizons)[None, :]
            targets = scaled[ahead] if len(days) else scaled[:0].reshape(0, horizons)  # [days, horizons]
            targets = targets.cumsum(dim=1) if self.target.additive else targets
        return self.inputs(inputs, days), targets

    def scaled_series(self, prices: np.ndarray) -> torch.Tensor:
        """The target series of `prices` through the fitted scaler: what the network learns to output, `[n]`."""
        return torch.from_numpy(self.scaler_.transform(self.target.series(prices)).astype(np.float32))

    def scaled_inputs(self, inputs: Inputs) -> torch.Tensor:
        """What the network reads: its own past `[n]`, or `[n, 1 + k]` with the k scaled input columns beside it."""
        return torch.from_numpy(self.scaled_rows(inputs).astype(np.float32))

    def _readable(self, inputs: Inputs | np.ndarray) -> Inputs:
        """The inputs, if they are the columns this model was trained on (else one clear error)."""
        if not hasattr(self, "net_"):
            raise NotFittedError(f"the {self.name} model is not fitted yet; call fit first")
        return check_columns(self.name, self.columns_, Inputs.of(inputs))


def fit_together(models: Sequence[RecurrentModel], inputs: Inputs | np.ndarray, train_end: int,
                 reporter: Reporter) -> None:
    """Fit networks whose settings differ only in the seed, on the same data, as one batched computation.

    Each ends as if fitted alone: its own initial weights (seeded before it is built), batch order, dropout,
    clipping, Adam state and early stopping (`train.fit_networks`). The scalers depend on the training days
    only, so every member fits the same ones.
    """
    inputs = Inputs.of(inputs)
    first = models[0]
    check_memory(first.name, first.config, training=True, inputs=1 + inputs.width, members=len(models))
    for model in models:
        model.fit_scaler(inputs, train_end)
    windows = first.training_windows(inputs, train_end)
    for model in models:
        seed_everything(model.config.seed)
        model.net_ = model.new_net()
        if model.direction:  # epoch 0 forecasts the training base rate (clipped: a logit must be finite)
            rate = min(max(float(windows[1].double().mean()), 1e-3), 1 - 1e-3) if len(windows[1]) else 0.5
            with torch.no_grad():
                model.net_.head.bias.fill_(np.log(rate / (1 - rate)))
    seeds = [model.config.seed for model in models]
    label = f"seed {seeds[0]}" if len(seeds) == 1 else f"seeds {seeds[0]}-{seeds[-1]}"
    histories = fit_networks([model.net_ for model in models], *windows, [model.config for model in models],
                             reporter=reporter, description=f"{first.name} {label}",
                             loss="bce" if first.direction else "mse")
    for model, history in zip(models, histories, strict=True):
        model.history_ = history
