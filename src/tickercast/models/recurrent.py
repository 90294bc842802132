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
from dataclasses import fields, replace
from typing import Any, Self

import numpy as np
import torch

from tickercast.config import ModelConfig
from tickercast.errors import ConfigError, NotFittedError, option, shown
from tickercast.models import EXECUTION_SETTINGS
from tickercast.models.inputs import check_columns, restore_inputs
from tickercast.models.logistic import sigmoid
from tickercast.models.protocol import no_price
from tickercast.models.windowed import ScaledRows
from tickercast.networks.modules import RecurrentForecaster, check_memory, resolve_device, weight_shapes
from tickercast.networks.training import History, fit_networks, predict_network, seed_everything
from tickercast.prepare.inputs import Inputs
from tickercast.prepare.scaling import Scaler
from tickercast.prepare.targets import get_target
from tickercast.prepare.windows import windows_before
from tickercast.progress import Reporter


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
            raise ConfigError(f"the direction target forecasts one day ahead; use {option('horizons', 1)} with it")

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
                              f"direction; train it with {option('target', 'direction')} for P(up)")
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
        columns, scalers = self.checked_inputs(state)
        self.check_weights(state["weights"], len(columns))
        check_memory(self.name, self.config, training=False, inputs=1 + len(columns))
        self.scaler_ = Scaler.from_dict(state["scaler"])
        self.columns_, self.input_scalers_ = columns, scalers
        self.net_ = self.new_net()
        self.net_.load_state_dict({name: torch.from_numpy(np.array(array))
                                   for name, array in state["weights"].items()})
        self.net_.eval()
        self.history_ = restore_history(state.get("history"))
        return self

    def checked_inputs(self, state: dict[str, Any]) -> tuple[tuple[str, ...], list[Scaler]]:
        """The input columns and their scalers of a saved state (ValueError without the target's scaler)."""
        if state.get("scaler") is None:
            raise ValueError("no scaler.json, which a network needs to read its inputs")
        return restore_inputs(state.get("inputs"))

    def check_weights(self, weights: dict[str, Any], columns: int, prefix: str = "") -> None:
        """ValueError unless `weights` are exactly this network's (names after `prefix`), each of its shape."""
        config = self.config
        expected = weight_shapes(self.name, hidden=config.hidden, layers=config.layers, outputs=config.horizons,
                                 input_size=1 + columns)
        mismatched = sorted(set(expected) ^ set(weights))
        if mismatched:
            name = mismatched[0]
            raise ValueError(f"{'lacks' if name in expected else 'has an unexpected'} weight "
                             f"{shown(prefix + name)} for a {self.name} of {config.layers} layer(s)")
        for name, shape in expected.items():
            if tuple(weights[name].shape) != shape:
                raise ValueError(f"{prefix}{name} has shape {tuple(weights[name].shape)}, but hidden "
                                 f"{config.hidden} and horizons {config.horizons} need {shape}")

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


def restore_history(saved: dict[str, Any] | None) -> History:
    """A History from its saved dict (an empty one when the bundle has no history.json)."""
    saved = saved or {}
    return History(epochs=saved.get("epochs", []), best_epoch=saved.get("best_epoch", 0),
                   stopped_early=saved.get("stopped_early", False))


class RecurrentEnsemble(RecurrentModel):
    """`config.ensemble` = N > 1 networks of one shape, seeds seed .. seed + N − 1, trained together
    (`fit_together`); every forecast is the members' mean.

    Prices are averaged, not the scaled outputs: the mean of N price forecasts is the forecast whose squared
    error the evaluation measures (in price units), and each member's own forecast stays exactly what it would
    be alone, so "ensemble vs its members" compares like with like. (For the log-return target the two differ
    by far less than a basis point: exp of a mean vs the mean of exps of returns of about 1%.) Direction models
    average P(up), not logits: the mean of probabilities is the mixture of the members' beliefs.

    The members are RecurrentModels (`members_`, config `ensemble=1` each), sharing the scalers fit on the
    training days. `history_` is the first member's; `histories_` lists every member's.
    """

    @property
    def size(self) -> int:
        return self.config.ensemble

    def new_members(self) -> list[RecurrentModel]:
        """Unfitted members: this model's settings with seeds seed .. seed + N − 1, one network each."""
        return [RecurrentModel(self.name, replace(self.config, seed=self.config.seed + k, ensemble=1))
                for k in range(self.size)]

    def take_members(self, members: list[RecurrentModel]) -> None:
        """Keep fitted members: their scalers (the same for all) become the ensemble's, and their histories."""
        self.members_ = members
        first = members[0]
        self.scaler_, self.columns_, self.input_scalers_ = first.scaler_, first.columns_, first.input_scalers_
        self.history_ = first.history_
        self.histories_ = [member.history_ for member in members]

    @property
    def net_(self) -> RecurrentForecaster:
        raise ConfigError(f"an ensemble of {self.size} {self.name} networks has no single network to read; use a "
                          f"model trained without {option('ensemble')}")

    def predict(self, inputs: Inputs | np.ndarray, start: int) -> np.ndarray:
        if self.direction:
            raise no_price(self.name)
        inputs = self._readable(inputs)
        return self._mean([member.predict(inputs, start) for member in self.members_])

    def predict_proba(self, inputs: Inputs | np.ndarray, start: int) -> np.ndarray:
        """The members' mean P(up) of days start .. len(inputs) - 1."""
        inputs = self._readable(inputs)
        return self._mean([member.predict_proba(inputs, start) for member in self.members_])

    def forecast_direct(self, inputs: Inputs | np.ndarray, origins: range) -> np.ndarray:
        """The members' mean direct forecasts `[len(origins), horizons]` (prices)."""
        inputs = self._readable(inputs)
        return self._mean([member.forecast_direct(inputs, origins) for member in self.members_])

    def dropout_paths(self, inputs: Inputs | np.ndarray, horizon: int, samples: int, seed: int = 0) -> np.ndarray:
        """`samples` Monte-Carlo dropout paths drawn from the members in turn (member k draws its share with seed
        `seed + k`): their spread holds each network's dropout uncertainty and the members' disagreement."""
        inputs = self._readable(inputs)
        shares = [len(part) for part in np.array_split(np.arange(samples), self.size)]
        return np.concatenate([member.dropout_paths(inputs, horizon, share, seed=seed + k)
                               for k, (member, share) in enumerate(zip(self.members_, shares, strict=True))
                               if share])

    def state(self) -> dict[str, Any]:
        """One weights dict for all members (`member0.head.bias`, ...), the shared scalers, and the first
        member's history with every member's under `members`."""
        weights = {f"member{k}.{name}": array for k, member in enumerate(self.members_)
                   for name, array in member.state()["weights"].items()}
        history = {**self.history_.to_dict(), "members": [history.to_dict() for history in self.histories_]}
        return {**self.scalers_state(), "weights": weights, "history": history}

    def restore(self, state: dict[str, Any]) -> Self:
        """Rebuild every member; ValueError before any tensor is made if a member's weights are missing, extra or
        of another shape, the histories do not match the members, or N networks need more memory than there is."""
        columns = len(self.checked_inputs(state)[0])
        members = self.new_members()
        weights: list[dict[str, Any]] = [{} for _ in members]
        for name, array in sorted(state["weights"].items()):  # sorted: the same weight named every time
            member, dot, rest = name.partition(".")
            index = member.removeprefix("member")
            if not (dot and member.startswith("member") and index.isdigit() and int(index) < self.size
                    and str(int(index)) == index):
                raise ValueError(f"has an unexpected weight {shown(name)} for an ensemble of {self.size} "
                                 "(names are member0. .. memberN-1.)")
            weights[int(index)][rest] = array
        for k, member in enumerate(members):
            member.check_weights(weights[k], columns, prefix=f"member{k}.")
        saved = state.get("history") or {}
        histories = saved.get("members") or [{}] * self.size
        if len(histories) != self.size:
            raise ValueError(f"history.json holds {len(histories)} member histories for {self.size} members")
        check_memory(self.name, self.config, training=False, inputs=1 + columns, members=self.size)
        for member, own, history in zip(members, weights, histories, strict=True):
            member.restore({**state, "weights": own, "history": history})
        self.take_members(members)
        return self

    def _readable(self, inputs: Inputs | np.ndarray) -> Inputs:
        if not hasattr(self, "members_"):
            raise NotFittedError(f"the {self.name} model is not fitted yet; call fit first")
        return check_columns(self.name, self.columns_, Inputs.of(inputs))

    @staticmethod
    def _mean(forecasts: list[np.ndarray]) -> np.ndarray:
        return np.mean(forecasts, axis=0)


def fit_together(models: Sequence[RecurrentModel], inputs: Inputs | np.ndarray, train_end: int,
                 reporter: Reporter) -> None:
    """Fit networks whose settings differ only in the seed, on the same data, as one batched computation.

    Each ends as if fitted alone: its own initial weights (seeded before it is built), batch order, dropout,
    clipping, Adam state and early stopping (`networks.training.fit_networks`). The scalers depend on the training days
    only, so every member fits the same ones. An ensemble among `models` contributes its N members to the
    same batch.
    """
    inputs = Inputs.of(inputs)
    groups = [model.new_members() if isinstance(model, RecurrentEnsemble) else [model] for model in models]
    networks = [network for group in groups for network in group]
    first = networks[0]
    check_memory(first.name, first.config, training=True, inputs=1 + inputs.width, members=len(networks))
    for model in networks:
        model.fit_scaler(inputs, train_end)
    windows = first.training_windows(inputs, train_end)
    if first.direction:  # epoch 0 forecasts the training base rate (clipped: a logit must be finite)
        rate = min(max(float(windows[1].double().mean()), 1e-3), 1 - 1e-3) if len(windows[1]) else 0.5
    for model in networks:
        seed_everything(model.config.seed)
        model.net_ = model.new_net()
        if model.direction:
            with torch.no_grad():
                model.net_.head.bias.fill_(np.log(rate / (1 - rate)))
    seeds = [model.config.seed for model in networks]
    label = f"seed {seeds[0]}" if len(seeds) == 1 else f"seeds {seeds[0]}-{seeds[-1]}"
    histories = fit_networks([model.net_ for model in networks], *windows, [model.config for model in networks],
                             reporter=reporter, description=f"{first.name} {label}",
                             loss="bce" if first.direction else "mse")
    for model, history in zip(networks, histories, strict=True):
        model.history_ = history
    for model, group in zip(models, groups, strict=True):
        if isinstance(model, RecurrentEnsemble):
            model.take_members(group)
