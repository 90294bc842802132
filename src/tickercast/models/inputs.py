"""What a model that reads input columns remembers of them: their names and the scalers fit on its training rows.

Shared by every model with `uses_inputs` (the networks and `ar`), so that each saves, restores and checks its
inputs the same way. The state's `inputs` entry is plain JSON (None for a returns-only model, as every model was
before inputs existed, so older bundles restore unchanged):

    {"columns": ["volume.change", "rsi"], "scalers": [{"kind": "standard", "shift": .., "scale": ..}, ..]}
"""

from __future__ import annotations

from typing import Any

from tickercast.errors import DataError, option, shown
from tickercast.prepare.inputs import Inputs
from tickercast.prepare.scaling import Scaler

#: Most input columns a model accepts (the whole catalogue and a few dozen covariates fit far below it).
MAX_COLUMNS = 256


def fit_input_scalers(inputs: Inputs, rows: slice, kind: str) -> list[Scaler]:
    """One scaler per input column, fit on `rows` (the training rows) only; a column that is constant there is
    one line naming it (it carries nothing to learn from, whatever the price column is)."""
    from tickercast.prepare.scaling import fit_scaler

    scalers = []
    for k, column in enumerate(inputs.columns):
        try:
            scalers.append(fit_scaler(inputs.extra[rows, k], kind))
        except DataError as error:
            drop = f"drop it from {option('features')} or {option('covariates')}"
            raise DataError(f"the input {shown(column)} cannot be scaled on the training part: "
                            f"{str(error).split(';')[0]}; {drop}") from None
    return scalers


def input_state(columns: tuple[str, ...], scalers: list[Scaler]) -> dict[str, Any] | None:
    """The `inputs` entry of a model's state: None without input columns."""
    if not columns:
        return None
    return {"columns": list(columns), "scalers": [scaler.to_dict() for scaler in scalers]}


def restore_inputs(entry: Any) -> tuple[tuple[str, ...], list[Scaler]]:
    """Names and scalers back from a state's `inputs` entry; ValueError if it is not what `input_state` writes."""
    if entry is None:
        return (), []
    columns, scalers = (entry.get("columns"), entry.get("scalers")) if isinstance(entry, dict) else (None, None)
    if not (isinstance(columns, list) and isinstance(scalers, list) and len(columns) == len(scalers)
            and 0 < len(columns) <= MAX_COLUMNS and all(isinstance(name, str) and name for name in columns)):
        raise ValueError(f"inputs must name 1 to {MAX_COLUMNS} columns, each with a scaler")
    try:
        return tuple(columns), [Scaler.from_dict(scaler) for scaler in scalers]
    except DataError as error:
        raise ValueError(f"an input scaler is unusable: {error}") from None


def check_columns(model: str, trained: tuple[str, ...], inputs: Inputs) -> Inputs:
    """`inputs` if they hold the columns the model was trained on, in order; else a DataError saying which."""
    if inputs.columns != tuple(trained):
        have = ", ".join(inputs.columns) or "returns only"
        want = ", ".join(trained) or "returns only"
        raise DataError(f"the {model} model was trained on the inputs {shown(want)}, but was given {shown(have)}; "
                        f"pass the same {option('features')} and {option('covariates')} as when it was trained")
    return inputs
