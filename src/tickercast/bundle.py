"""A saved model is a folder anyone can read: JSON for settings and results, safetensors for weights.

    config.json          model name, settings, data description, split, format and package versions
    weights.safetensors  learned numbers: network weights, AR/ARIMA coefficients, drift (absent for naive, ma)
    scaler.json          the scaler fit on the training part (networks and arima)
    metrics.json         metrics per split, in price units
    history.json         loss per epoch and the epoch whose weights were kept
    predictions.csv      date, actual, predicted, naive, split

Loading never unpickles anything, so a bundle from a stranger cannot run code. Every file is written to a
temporary name and renamed into place, so an interrupted save never leaves a half-written file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tickercast._version import __version__
from tickercast.errors import DataError
from tickercast.jsonio import read_json, write_atomic, write_json

FORMAT_VERSION = 1


def write_bundle(folder: str | Path, *, config: dict[str, Any], state: dict[str, Any],
                 metrics: dict[str, Any], predictions: pd.DataFrame) -> Path:
    """Write a model bundle into `folder` (created if needed; existing bundle files are replaced)."""
    from safetensors.numpy import save as save_safetensors

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    config = {"format_version": FORMAT_VERSION, "tickercast_version": __version__, **config}
    write_json(folder / "config.json", config)
    if state["weights"]:
        weights = {name: np.ascontiguousarray(array) for name, array in state["weights"].items()}
        write_atomic(folder / "weights.safetensors", save_safetensors(weights, metadata={"format": "pt"}))
    if state["scaler"] is not None:
        write_json(folder / "scaler.json", state["scaler"])
    if state["history"] is not None:
        write_json(folder / "history.json", state["history"])
    write_json(folder / "metrics.json", metrics)
    write_atomic(folder / "predictions.csv", predictions.to_csv(index=False, float_format="%.6f").encode())
    return folder


def read_bundle(folder: str | Path) -> dict[str, Any]:
    """Read a bundle back: config, metrics, and the model state that `restore_model` takes."""
    from safetensors.numpy import load_file

    folder = Path(folder)
    config_path = folder / "config.json"
    if not config_path.exists():
        raise DataError(f"{folder}: not a tickercast model folder (no config.json); save one with --out DIR")
    config = read_json(config_path)
    if config.get("format_version", 0) > FORMAT_VERSION:
        raise DataError(f"{folder}: saved by a newer tickercast ({config.get('tickercast_version')}); "
                        "upgrade tickercast to load it")
    weights_path = folder / "weights.safetensors"
    try:
        weights = load_file(weights_path) if weights_path.exists() else {}
    except Exception as error:  # safetensors raises its own error types for damaged files
        raise DataError(f"{weights_path}: damaged weights file ({error})") from None
    state = {
        "weights": weights,
        "scaler": read_json(folder / "scaler.json") if (folder / "scaler.json").exists() else None,
        "history": read_json(folder / "history.json") if (folder / "history.json").exists() else None,
    }
    metrics = read_json(folder / "metrics.json") if (folder / "metrics.json").exists() else {}
    return {"config": config, "state": state, "metrics": metrics, "predictions": _read_predictions(folder)}


def _read_predictions(folder: Path) -> pd.DataFrame | None:
    path = folder / "predictions.csv"
    if not path.exists():
        return None
    table = pd.read_csv(path, parse_dates=["date"])
    table["split"] = pd.Categorical(table["split"], categories=("train", "val", "test"))
    return table
