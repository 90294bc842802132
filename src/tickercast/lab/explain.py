"""What the gates did: step-by-step readings of a cell on a short sequence, or gate statistics of a trained model.

Pure functions over the NumPy cells' traces; `tickercast explain` prints them and `report.plots.plot_gates`
draws the heatmap.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from tickercast.errors import ConfigError, option
from tickercast.numpy_cells import lstm
from tickercast.numpy_cells.examples import WEIGHTS
from tickercast.numpy_cells.transfer import replay

#: Gates per cell, in reading order, with what each one decides.
GATES = {
    "lstm": {"f": "forget gate", "i": "input gate", "g": "candidate", "o": "output gate"},
    "gru": {"r": "reset gate", "z": "update gate", "n": "candidate"},
}
MEMORIES = {"lstm": {"c": "long-term memory", "h": "short-term memory"}, "gru": {"h": "hidden state"}}


def explain_sequence(cell: str, weights: str, sequence: list[float]) -> dict[str, Any]:
    """Run hand-set weights over a sequence from zero memories; one row per step with a plain reading.

    >>> round(explain_sequence("lstm", "statquest", [0, 0.5, 0.25, 1])["steps"][-1]["h"], 4)
    0.0064
    """
    if weights not in WEIGHTS:
        raise ConfigError(f"unknown weights {weights!r}; available: {', '.join(WEIGHTS)}")
    if cell != "lstm":
        raise ConfigError(f"the {weights} weights are for an LSTM unit; use {option('cell', 'lstm')}, or "
                          f"{option('model_dir')} for a GRU")
    if not sequence:
        example = option("sequence", [0, 0.5, 0.25, 1], cli="0,0.5,0.25,1")
        raise ConfigError(f"the sequence is empty; give values like {example}")
    trace = lstm.forward(WEIGHTS[weights](), np.asarray(sequence, dtype=float)[None, :, None])
    steps = []
    for t, value in enumerate(sequence):
        row = {"step": t + 1, "input": float(value)}
        row |= {name: float(getattr(trace, name)[0, t, 0]) for name in (*GATES["lstm"], *MEMORIES["lstm"])}
        row["reading"] = lstm_reading(row)
        steps.append(row)
    return {"cell": cell, "weights": weights, "sequence": [float(v) for v in sequence], "steps": steps}


def lstm_reading(step: dict[str, float]) -> str:
    """One line of plain English for one LSTM unit's step."""
    return (f"keeps {step['f']:.1%} of the long-term memory, adds {step['i']:.1%} of the candidate "
            f"{step['g']:+.3f}, and shows {step['o']:.1%} of tanh(long-term) as short-term memory")


def explain_model(forecaster: Any, prices: pd.DataFrame, days: int | None = None,
                  covariates: dict[str, pd.DataFrame] | None = None) -> dict[str, Any]:
    """Replay a trained LSTM/GRU over its last `days` inputs (default: one lookback window) in NumPy.

    Returns, per layer, every gate's value per step and unit (`[steps][units]`) and summary statistics; `inputs`
    are the scaled values the network read per step (`[steps]`, or `[steps][1 + k]` beside k input columns,
    named in `input_names`).
    """
    model = forecaster.model_
    if forecaster.model not in GATES:
        raise ConfigError(f"explain needs a trained lstm or gru model, not {forecaster.model}")
    column = forecaster.data_["price_column"]
    if column not in prices:
        raise ConfigError(f"the data has no {column} column, which this model was trained on")
    prices, inputs = forecaster.prepare(prices, covariates)
    series = inputs.prices
    days = forecaster.config.lookback if days is None else days
    first = len(series) - days
    if days < 1 or first < model.target.offset:
        raise ConfigError(f"--days must be between 1 and {len(series) - model.target.offset} for this data")
    scaled = model.scaled_inputs(inputs)[first:].double().numpy()  # [days] or [days, 1 + k]
    output, traces = replay(model.net_, scaled[None])
    layers = []
    for number, trace in enumerate(traces):
        gates = {name: getattr(trace, name)[0] for name in (*GATES[model.name], *MEMORIES[model.name])}
        layers.append({"layer": number, "values": {k: v.tolist() for k, v in gates.items()},
                       "summary": {k: gate_summary(v) for k, v in gates.items() if k in GATES[model.name]}})
    next_price = model.target.to_price(model.scaler_.inverse(output), series[-1:])[0]
    return {"model": forecaster.model, "cell": model.name, "dates": [f"{d:%Y-%m-%d}" for d in prices.index[first:]],
            "inputs": scaled.tolist(), "input_names": ["returns", *inputs.columns], "layers": layers,
            "next_day_forecast": float(next_price)}


def gate_summary(values: np.ndarray) -> dict[str, float]:
    """Mean, range and how often a gate is nearly shut (< 0.1) or nearly open (> 0.9), over steps and units."""
    return {"mean": float(values.mean()), "min": float(values.min()), "max": float(values.max()),
            "open": float((values > 0.9).mean()), "shut": float((values < 0.1).mean())}


def summary_reading(gate: str, summary: dict[str, float]) -> str:
    """What a gate's average means, in words."""
    mean = summary["mean"]
    readings = {
        "f": f"keeps {mean:.0%} of the long-term memory per step on average",
        "i": f"lets in {mean:.0%} of each new candidate on average",
        "g": f"candidates average {mean:+.2f} (tanh, -1 .. 1)",
        "o": f"shows {mean:.0%} of the long-term memory as short-term memory",
        "r": f"uses {mean:.0%} of the previous hidden state in the candidate",
        "z": f"keeps {mean:.0%} of the previous hidden state, takes {1 - mean:.0%} of the candidate",
        "n": f"candidates average {mean:+.2f} (tanh, -1 .. 1)",
    }
    return readings[gate]

