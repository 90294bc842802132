"""A saved model is a folder anyone can read: JSON for settings and results, safetensors for weights.

    config.json          model name, target, settings, data description, split, format and package versions
    weights.safetensors  learned numbers: network weights, AR/ARIMA coefficients, drift (absent for naive, ma)
    scaler.json          the scaler fit on the training part (networks and arima)
    inputs.json          the input columns beyond returns and their scalers (models that read any; see
                         `models.inputs`); absent for returns only, so bundles from before inputs load unchanged
    metrics.json         metrics per split, in price units (direction target: classification scores and the
                         reliability table)
    history.json         loss per epoch and the epoch whose weights were kept

An ensemble (`settings.ensemble` N > 1) is the same folder: weights.safetensors holds every member's weights
under `member0.` .. `member{N-1}.`, history.json is the first member's with every member's under `members`, and
metrics.json adds `members` (each member's seed and metrics per split). A single network's files are unchanged.
    predictions.csv      date, actual, predicted, naive, split (direction target: date, actual, up, p_up, split)

Loading never unpickles anything, so a bundle from a stranger cannot run code. Every file is written to a
temporary name and renamed into place, so an interrupted save never leaves a half-written file.

A bundle is data from elsewhere, so reading one checks the whole folder against its schema before anything is
built from it: each file is read only if it is a regular file of bounded size (a FIFO, a device or a directory in
its place is refused, never read), every JSON file has the shape this module writes, every setting is within
`config.LIMITS`, every number is finite and the scaler's scale is a usable one. What fails is one line,
"damaged model bundle: <folder>: <file>: <what>", never a traceback, a hang or a NaN forecast later.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tickercast._version import __version__
from tickercast.config import LIMITS as SETTING_LIMITS
from tickercast.config import ModelConfig
from tickercast.errors import ConfigError, DataError, shown
from tickercast.jsonio import parse_json, read_limited, write_atomic, write_json

FORMAT_VERSION = 1
#: Largest size of each bundle file; weights.safetensors is bounded by its settings instead (see `_weights`).
LIMITS = {"config.json": 2**20, "scaler.json": 2**16, "inputs.json": 2**20, "metrics.json": 2**20,
          "history.json": 32 * 2**20,
          "predictions.csv": 64 * 2**20}
PARTS = ("train", "val", "test")
PREDICTION_COLUMNS = ("date", "actual", "predicted", "naive", "split")
#: predictions.csv of a direction model: the day's price, whether it rose (0/1) and the forecast P(up).
DIRECTION_COLUMNS = ("date", "actual", "up", "p_up", "split")
PRICE_COLUMNS = ("open", "high", "low", "close", "adj_close")
LIMIT_ENSEMBLE = SETTING_LIMITS["ensemble"]
_HEADER_BYTES = 2**20  # room for the safetensors header beside the numbers


class DamagedBundleError(DataError):
    """A model folder whose files are not what tickercast writes (edited, truncated, or made to attack)."""


def damaged(folder: str | Path, detail: str) -> DamagedBundleError:
    """The one-line error for a bundle that fails its schema: the folder, then what is wrong where."""
    where = str(folder)
    where = where if len(where) <= 80 else "..." + where[-77:]
    detail = " ".join(detail.split())  # one line, whatever a file or an error message held
    detail = detail if len(detail) <= 180 else detail[:177] + "..."
    return DamagedBundleError(f"damaged model bundle: {where}: {detail}")


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
    if state.get("inputs") is not None:
        write_json(folder / "inputs.json", state["inputs"])
    elif os.path.lexists(folder / "inputs.json"):  # a returns-only model saved over one that read inputs
        (folder / "inputs.json").unlink()
    write_json(folder / "metrics.json", metrics)
    write_atomic(folder / "predictions.csv", predictions.to_csv(index=False, float_format="%.6f").encode())
    return folder


def read_bundle(folder: str | Path) -> dict[str, Any]:
    """Read and check a bundle: config, metrics, predictions, and the model state that `restore_model` takes.

    Raises DamagedBundleError (one line) for anything but what `write_bundle` writes, before building anything.
    """
    folder = Path(folder)
    if not os.path.lexists(folder / "config.json"):
        raise DataError(f"{folder}: not a tickercast model folder (no config.json); save one with --out DIR")
    config = check_config(folder, _json(folder, "config.json"))
    try:
        settings = ModelConfig.from_settings(**config["settings"])
    except ConfigError as error:
        raise damaged(folder, f"config.json: settings: {error}") from None
    inputs = _optional(folder, "inputs.json", _check_inputs)
    columns = len(inputs["columns"]) if inputs else 0
    state = {"weights": _weights(folder, config["model"], settings, columns),
             "scaler": _optional(folder, "scaler.json", _check_scaler),
             "history": _optional(folder, "history.json", _check_history), "inputs": inputs}
    metrics = _optional(folder, "metrics.json", _check_metrics) or {}
    columns = DIRECTION_COLUMNS if settings.target == "direction" else PREDICTION_COLUMNS
    return {"config": config, "state": state, "metrics": metrics, "predictions": _read_predictions(folder, columns)}


def saved_data(folder: str | Path, data: dict[str, Any]) -> str:
    """The `--data` name that reads a bundle's training data again: a bundled sample or a stored ticker.

    Never a path or a download: a bundle is data from elsewhere, and what it names is not what the user named
    (a tampered one could name /etc/shadow, a FIFO or a web source). Anything else asks for --data.

    >>> saved_data("runs/gru", {"origin": "sp500", "source": "sample", "ticker": "^GSPC"})
    'sample:sp500'
    """
    from tickercast.data.samples import SAMPLES

    origin, ticker = data["origin"], data["ticker"]
    if data["source"] == "sample" and origin in SAMPLES:
        return f"sample:{origin}"
    if origin == f"store {ticker}" and 0 < len(ticker) <= 40:  # the store checks the symbol itself
        return f"store:{ticker}"
    raise DataError(f"{folder} was trained on {shown(origin)}, not a bundled sample or a stored ticker, which is "
                    "all a model folder may name to be read; pass the prices with --data")


def check_config(folder: Path, config: Any) -> dict[str, Any]:
    """config.json's schema: an object with a known format and model, settings, data and split (the settings'
    values are ModelConfig's to check)."""
    from tickercast.models import MODELS

    def need(ok: bool, what: str) -> None:
        if not ok:
            raise damaged(folder, f"config.json: {what}")

    need(isinstance(config, dict), f"holds {_kind(config)}, not an object")
    version = config.get("format_version")
    need(_whole(version) and version >= 1, f"format_version must be a whole number from 1, not {shown(version)}")
    if version > FORMAT_VERSION:
        raise DataError(f"{folder}: saved by a newer tickercast ({shown(config.get('tickercast_version'))}); "
                        "upgrade tickercast to load it")
    for key, kind in (("model", str), ("settings", dict), ("data", dict), ("split", dict)):
        need(isinstance(config.get(key), kind), f"{key} is missing or not {_kind(kind())}")
    need(config["model"] in MODELS, f"unknown model {shown(config['model'])}")
    target = config.get("target")
    need(target is None or target == config["settings"].get("target"), "target differs from settings.target")
    data = config["data"]
    for key in ("origin", "ticker", "source", "price_column"):
        need(isinstance(data.get(key), str) and len(data[key]) <= 4096, f"data.{key} is missing or not text")
    need(data["price_column"] in PRICE_COLUMNS, f"data.price_column {shown(data['price_column'])} is not one "
                                                f"of {', '.join(PRICE_COLUMNS)}")
    exchange = data.get("exchange")
    need(exchange is None or (isinstance(exchange, str) and 0 < len(exchange) <= 16),
         f"data.exchange {shown(exchange)} is not an exchange code")
    inputs = config.get("inputs")
    need(inputs is None or (isinstance(inputs, dict) and all(_names(inputs.get(key)) for key in ("features", "with"))),
         "inputs must list the features and the datasets given with --with, as names")
    importance = config.get("importance")
    need(importance is None or (isinstance(importance, list) and len(importance) <= 256 and all(
        isinstance(row, dict) and _names([row.get("input")]) and _names(row.get("columns"))
        and _number(row.get("importance")) for row in importance)),
         "importance must be a list of inputs, their columns and a number each")
    need(set(config["split"]) <= set(PARTS) and "test" in config["split"], "split must name test and only "
                                                                           "train, val, test")
    for part, dates in config["split"].items():
        need(isinstance(dates, dict) and _iso_date(dates.get("start")) and _iso_date(dates.get("end"))
             and _whole(dates.get("days")) and dates["days"] >= 1,
             f"split.{part} needs start and end dates (YYYY-MM-DD) and a number of days")
    seconds = config.get("fit_seconds")
    need(seconds is None or (_number(seconds) and seconds >= 0), "fit_seconds must be a number of seconds")
    return config


def _weights(folder: Path, model: str, settings: ModelConfig, columns: int) -> dict[str, np.ndarray]:
    """weights.safetensors, read only if no larger than the settings (and `columns` inputs) allow, all finite."""
    from safetensors.numpy import load

    path = folder / "weights.safetensors"
    if not os.path.lexists(path):
        return {}
    if model in ("lstm", "gru", "rnn"):
        from tickercast.networks.modules import check_memory, memory_estimate

        members = settings.ensemble  # an ensemble's N networks are all in this one file
        try:
            check_memory(model, settings, training=False, inputs=1 + columns, members=members)
        except ConfigError as error:
            raise damaged(folder, f"config.json: settings: {error}") from None
        limit = 4 * members * memory_estimate(model, settings, training=False, inputs=1 + columns)[0] + _HEADER_BYTES
    else:
        limit = 8 * ((settings.lookback * (1 + columns) + 1) * settings.horizons + 16) + _HEADER_BYTES
    try:
        weights = load(read_limited(path, limit, path.name))
    except DataError as error:
        raise damaged(folder, str(error)) from None
    except Exception as error:  # safetensors raises its own error types for damaged files
        raise damaged(folder, f"weights.safetensors: damaged weights file ({str(error)[:80]})") from None
    for name, array in weights.items():
        if array.dtype.kind not in "fiu":
            raise damaged(folder, f"weights.safetensors: {shown(name)} holds {array.dtype}, not numbers")
        if not np.isfinite(array).all():
            raise damaged(folder, f"weights.safetensors: {shown(name)} holds NaN or infinite values")
    return weights


def _optional(folder: Path, name: str, check: Any) -> Any:
    """A JSON file of the bundle, checked by `check(content) -> problem or None`; None when absent."""
    if not os.path.lexists(folder / name):
        return None
    content = _json(folder, name)
    problem = check(content)
    if problem:
        raise damaged(folder, f"{name}: {problem}")
    return content


def _json(folder: Path, name: str) -> Any:
    try:
        return parse_json(read_limited(folder / name, LIMITS[name], name), name)
    except DataError as error:
        raise damaged(folder, str(error)) from None


def _names(value: Any) -> bool:
    return isinstance(value, list) and len(value) <= 256 and all(
        isinstance(name, str) and 0 < len(name) <= 200 for name in value)


def _check_inputs(content: Any) -> str | None:
    from tickercast.models.inputs import restore_inputs

    try:
        restore_inputs(content)
    except ValueError as error:
        return str(error)
    return None


def _check_scaler(content: Any) -> str | None:
    from tickercast.prepare.scaling import Scaler

    try:
        Scaler.from_dict(content)
    except DataError as error:
        return str(error)
    return None


def _check_history(content: Any, member: bool = False) -> str | None:
    """One network's history; an ensemble's also lists each member's under `members` (checked the same way)."""
    if not isinstance(content, dict) or not isinstance(content.get("epochs"), list):
        return "must be an object with a list of epochs"
    members = content.get("members")
    if members is not None:
        if member or not (isinstance(members, list) and len(members) <= LIMIT_ENSEMBLE):
            return f"members must be a list of up to {LIMIT_ENSEMBLE:,} member histories"
        for history in members:
            problem = _check_history(history, member=True)
            if problem:
                return f"members: {problem}"
    for epoch in content["epochs"]:
        losses = ("train_loss", "val_loss", "seconds")
        if not (isinstance(epoch, dict) and _whole(epoch.get("epoch"))
                and all(epoch.get(key) is None or _number(epoch[key]) for key in losses)):
            return "every epoch needs its number and losses (numbers or null)"
    if not (_whole(content.get("best_epoch", 0)) and isinstance(content.get("stopped_early", False), bool)):
        return "best_epoch must be a whole number and stopped_early true or false"
    return None


def _check_metrics(content: Any) -> str | None:
    """Metrics per part; an ensemble's also list each member's, `{"seed": s, "metrics": {part: metrics}}`."""
    members = content.get("members") if isinstance(content, dict) else None
    if members is not None:
        if not valid_members(members):
            return (f"members must be a list of up to {LIMIT_ENSEMBLE:,} members, each a seed and its metrics per "
                    "part (numbers, text or null)")
        content = {key: value for key, value in content.items() if key != "members"}
    if not _cards(content):
        return ("must map train, val and test to their metrics (numbers, text or null; a direction model's "
                "reliability: a list of bins of numbers)")
    return None


def valid_members(members: Any) -> bool:
    """Whether metrics.json's `members` is what `Forecaster.save` writes: up to LIMIT_ENSEMBLE members, each
    `{"seed": whole number, "metrics": {part: metrics}}` (the report reads it with this check too)."""
    return isinstance(members, list) and 0 < len(members) <= LIMIT_ENSEMBLE and all(
        isinstance(member, dict) and set(member) == {"seed", "metrics"} and _whole(member["seed"])
        and _cards(member["metrics"]) for member in members)


def _cards(content: Any) -> bool:
    return isinstance(content, dict) and set(content) <= set(PARTS) and all(
        isinstance(card, dict) and all(_scalar(value) or (key == "reliability" and _reliability(value))
                                       for key, value in card.items()) for card in content.values())


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, bool, int, float))


def _reliability(value: Any) -> bool:
    """A direction model's reliability table (`evaluate.classification.reliability_table`): up to 100 bins."""
    return isinstance(value, list) and len(value) <= 100 and all(
        isinstance(row, dict) and set(row) == {"lo", "hi", "n", "mean_p", "freq"}
        and all(_scalar(number) and not isinstance(number, str) for number in row.values()) for row in value)


def _read_predictions(folder: Path, columns: tuple[str, ...] = PREDICTION_COLUMNS) -> pd.DataFrame | None:
    """predictions.csv: the exact header (`columns`), ISO dates, finite numbers, known parts; None when absent."""
    path = folder / "predictions.csv"
    if not os.path.lexists(path):
        return None
    try:
        content = read_limited(path, LIMITS["predictions.csv"], path.name)
    except DataError as error:
        raise damaged(folder, str(error)) from None
    header = ",".join(columns).encode()
    if content.split(b"\n", 1)[0].rstrip(b"\r") != header:
        raise damaged(folder, f"predictions.csv: the first line must be {header.decode()}")
    try:
        table = pd.read_csv(io.BytesIO(content), dtype=str, keep_default_na=False, encoding_errors="strict")
        dates = pd.to_datetime(table["date"], format="ISO8601")
        numbers = table[list(columns[1:-1])].apply(pd.to_numeric)
    except (ValueError, UnicodeDecodeError, OverflowError, pd.errors.ParserError) as error:
        raise damaged(folder, f"predictions.csv: unreadable rows ({str(error)[:80]})") from None
    if not (np.isfinite(numbers.to_numpy(dtype=np.float64)).all() and table["split"].isin(PARTS).all()
            and dates.notna().all()):
        raise damaged(folder, "predictions.csv: every row needs a date, finite numbers and a part (train, val or "
                              "test)")
    return pd.DataFrame({"date": dates, **numbers, "split": pd.Categorical(table["split"], categories=PARTS)})


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**53


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _iso_date(value: Any) -> bool:
    try:
        return isinstance(value, str) and len(value) == 10 and bool(dt.date.fromisoformat(value))
    except ValueError:
        return False


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "text", type(None): "null"}.get(type(value), type(value).__name__)
