"""One network trained on the log-returns of many tickers at once, scored on each ticker like any other model.

Why: one ticker's 20 years are a few thousand noisy windows; pooling the windows of hundreds of tickers gives a
network far more examples of how returns move, at the cost of treating the tickers as alike. Whether that helps
is exactly what the sweep's leaderboard can answer, because `lstm-global` is scored on each ticker's own split,
next to the per-ticker `lstm`, `naive` and the rest.

How, for each ticker, with the same steps as a per-ticker network (`RecurrentModel`):

    split by that ticker's dates  ->  scaler fit on that ticker's training part only  ->  its windows
    training windows of every ticker, concatenated  ->  one `fit_network` (early stopping on the validation
    windows of every ticker)  ->  the weights handed to each ticker's model  ->  scored on each ticker

So no ticker's validation or test days reach training, and a ticker whose returns are ten times as volatile
as another's does not dominate the loss. With a single ticker the result is the per-ticker model, exactly.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import torch

from tickercast.config import ModelConfig
from tickercast.errors import TickercastError
from tickercast.evaluate.score import score
from tickercast.models.inputs import input_state
from tickercast.models.recurrent import RecurrentModel
from tickercast.networks.training import fit_network, seed_everything
from tickercast.prepare.inputs import build_inputs
from tickercast.prepare.split import checked_split
from tickercast.sweep.plan import SplitOptions


def fit_global(cell: str, config: ModelConfig, frames: dict[str, pd.DataFrame], split: SplitOptions,
               covariates: dict[str, pd.DataFrame] | None = None
               ) -> tuple[dict[str, dict[str, dict[str, Any]]], dict[str, str]]:
    """Train one `cell` network on every frame's training windows; return (metrics, errors) by data name.

    `covariates` (the sweep's --with datasets) are inputs of every ticker, each aligned on that ticker's days.

    A ticker that cannot take part (too short for the lookback, say) is left out with its reason; the
    network trains on the others. Raises TickercastError when no ticker can take part.
    """
    members: dict[str, tuple[RecurrentModel, pd.DataFrame, Any, Any]] = {}
    errors: dict[str, str] = {}
    for name, frame in frames.items():
        member = RecurrentModel(cell, config)
        try:
            frame, series, _ = build_inputs(frame, config.features, covariates, common_span=split.common_span,
                                            start=frame.attrs.get("first_date"))
            part = checked_split(frame.index, member.min_history, origin=frame.attrs["origin"],
                                 test_size=split.test_size, val_size=split.val_size, test_start=split.test_start,
                                 val_start=split.val_start, settings=f"lookback {config.lookback} and this split")
            members[name] = (member.fit_scaler(series[:part.val_end], part.train_end), frame, series, part)
        except TickercastError as error:
            errors[name] = str(error)
    if not members:
        raise TickercastError(f"no dataset can train the global {cell}: {next(iter(errors.values()))}")
    windows = [member.training_windows(series[:part.val_end], part.train_end)
               for member, _, series, part in members.values()]
    x_train, y_train, x_val, y_val = (torch.cat(tensors) for tensors in zip(*windows, strict=True))
    seed_everything(config.seed)
    first = next(iter(members.values()))[0]
    net = first.new_net()
    history = fit_network(net, x_train, y_train, x_val, y_val, config, description=f"{cell}-global")
    state = {"weights": {name: tensor.detach().cpu().numpy() for name, tensor in net.state_dict().items()},
             "history": history.to_dict()}
    metrics = {}
    for name, (member, frame, series, part) in members.items():
        member.restore({**state, "scaler": member.scaler_.to_dict(),  # its own scalers, the shared weights
                        "inputs": input_state(member.columns_, member.input_scalers_)})
        _, metrics[name] = score(member, series, frame.index, part, origin=frame.attrs["origin"])
    return metrics, errors
