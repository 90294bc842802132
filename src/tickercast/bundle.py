"""A saved model is a folder anyone can read: JSON for settings and results, safetensors for weights.

    config.json          model name, settings, data description, split, format and package versions
    weights.safetensors  network weights (absent for baselines)
    scaler.json          the scaler fit on the training part (absent for baselines)
    metrics.json         metrics per split, in price units
    history.json         loss per epoch and the epoch whose weights were kept
    predictions.csv      date, actual, predicted, naive, split

Loading never unpickles anything, so a bundle from a stranger cannot run code. Every file is written to a
temporary name and renamed into place, so an interrupted save never leaves a half-written file.
"""

from __future__ import annotations

import functools
import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tickercast._version import __version__
from tickercast.errors import DataError

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
        _write_atomic(folder / "weights.safetensors", save_safetensors(weights, metadata={"format": "pt"}))
    if state["scaler"] is not None:
        write_json(folder / "scaler.json", state["scaler"])
    if state["history"] is not None:
        write_json(folder / "history.json", state["history"])
    write_json(folder / "metrics.json", metrics)
    _write_atomic(folder / "predictions.csv", predictions.to_csv(index=False, float_format="%.6f").encode())
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
    state = {
        "weights": load_file(weights_path) if weights_path.exists() else {},
        "scaler": read_json(folder / "scaler.json") if (folder / "scaler.json").exists() else None,
        "history": read_json(folder / "history.json") if (folder / "history.json").exists() else None,
    }
    metrics = read_json(folder / "metrics.json") if (folder / "metrics.json").exists() else {}
    return {"config": config, "state": state, "metrics": metrics}


def write_json(path: Path, data: Any) -> None:
    """Strict JSON (NaN and infinity become null), written atomically."""
    _write_atomic(path, (json.dumps(json_safe(data), indent=2) + "\n").encode())


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise DataError(f"{path}: damaged JSON ({error})") from None


def json_safe(data: Any) -> Any:
    """Replace NaN/inf by None and NumPy scalars by Python ones, recursively, so the output is strict JSON."""
    if isinstance(data, dict):
        return {str(key): json_safe(value) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return [json_safe(value) for value in data]
    if isinstance(data, np.generic):
        data = data.item()
    if isinstance(data, float) and not math.isfinite(data):
        return None
    return data


@functools.cache
def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _write_atomic(path: Path, content: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(content)
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes 0600; give what open() would have given
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
