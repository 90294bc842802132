"""The shapes of a sweep folder's files, checked as they are read back.

Why: `--resume` and `tickercast report` read files that a disk, a crash or a person may have damaged. Checking
each value against the shape the sweep wrote refuses a damaged file in one line that names it, instead of a
traceback somewhere deep in the selection or the report. A shape is written like the data it describes:

    str, int, bool, NUMBER      a value of that type (a bool is neither an int nor a NUMBER here)
    None                        null
    (a, b)                      any of the shapes a, b
    [a]                         a list whose items all have the shape a
    Each(a)                     an object whose values all have the shape a
    Keys({"k": a}, others=b)    an object with at least the key k (shape a), any other key with the shape b

>>> conforms({"val": 1.5, "n": 3}, Keys({"n": int}, others=NUMBER))
True
>>> conforms([1, "x"], [int])
False
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tickercast.errors import DataError
from tickercast.evaluate.metrics import METRIC_KEYS
from tickercast.jsonio import parse_json, read_limited

NUMBER = "number"  # an int or a float, not a bool
ANY = "any"


@dataclass(frozen=True)
class Each:
    values: Any


@dataclass(frozen=True)
class Keys:
    required: dict[str, Any]
    others: Any = ANY


def conforms(value: Any, shape: Any) -> bool:
    """Whether `value` (as `json.loads` returns it) has `shape` (see the module docstring)."""
    if shape is ANY:
        return True
    if shape is None:
        return value is None
    if shape is NUMBER:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if shape is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(shape, type):
        return isinstance(value, shape)
    if isinstance(shape, tuple):
        return any(conforms(value, option) for option in shape)
    if isinstance(shape, list):
        return isinstance(value, list) and all(conforms(item, shape[0]) for item in value)
    if isinstance(shape, Each):
        return isinstance(value, dict) and all(conforms(item, shape.values) for item in value.values())
    if isinstance(shape, Keys):
        return (isinstance(value, dict) and all(key in value and conforms(value[key], part)
                                                for key, part in shape.required.items())
                and all(conforms(item, shape.others) for key, item in value.items() if key not in shape.required))
    raise TypeError(f"not a shape: {shape!r}")  # a bug in the shapes below


#: A metric: a number, a yes/no (`looks_lagged`) or null (NaN is stored as null).
METRIC = (NUMBER, bool, None)
PART = Keys(dict.fromkeys(METRIC_KEYS, METRIC), others=METRIC)
#: A results cell: split part -> metric -> value; the sweep chooses on `val` and ranks on `test`.
METRICS = Keys({"val": PART, "test": PART}, others=PART)
#: A params cell: the searched settings a unit ran with.
PARAMS = Each((NUMBER, str))
_FINGERPRINT = (Keys({"error": str}), Keys({"price_column": str, "rows": int, "first": str, "last": str}))
#: sweep.json, once its format is known to be this version's.
#: A range of a TPE search's grid (`space.Range.to_dict`).
RANGE = Keys({"low": NUMBER, "high": NUMBER, "log": bool})
DEFINITION = Keys({"models": [str], "seeds": int, "grid": Each(([(NUMBER, str)], RANGE)), "search": str, "global": bool,
                   "settings": Keys({"seed": int}),
                   "split": Keys({"test_size": NUMBER, "val_size": NUMBER, "test_start": (str, None),
                                  "val_start": (str, None)}),
                   "data": Each(_FINGERPRINT)})
#: selection.json: the settings chosen, and the tables of their test part.
SELECTION = Keys({"selected": [Keys({"data": str, "model": str, "params": PARAMS, "validation_rmse": (NUMBER, None),
                                     "seeds": [(int, None)]})],
                  "summary": Each([Keys({"model": str}, others=METRIC)]),
                  "leaderboard": ([Keys({"model": str, "mean_rank": NUMBER, "datasets": int, "runs": int,
                                         "beats_naive_significantly": int})], None)})


#: What to do about a damaged file, unless the file can be written again from the others.
RESTORE = "restore it from a backup, or run the sweep again with a new --out"


def damaged(path: Path, what: str, fix: str = RESTORE) -> DataError:
    """The one-line error for a damaged sweep file: which file, what is wrong, what to do."""
    return DataError(f"{path} is damaged ({what}); {fix}")


def check(value: Any, shape: Any, path: Path, what: str, fix: str = RESTORE) -> Any:
    """`value` if it has `shape`; otherwise the `damaged` error, `what` saying what was expected."""
    if not conforms(value, shape):
        raise damaged(path, what, fix)
    return value


#: sweep.json and selection.json of 10,000 datasets are a few MB; anything far larger is not one of them.
MAX_JSON_BYTES = 256 * 2**20


def load_json(path: Path, fix: str = RESTORE) -> Any:
    """A sweep folder's JSON file (`jsonio`: a regular file of bounded size, strict JSON), `damaged` if it is
    not JSON; DataError naming it if it cannot be read at all."""
    content = read_limited(path, MAX_JSON_BYTES)
    try:
        return parse_json(content, str(path))
    except DataError:
        raise damaged(path, "not JSON", fix) from None


#: One key's values in sweep.json's grid or search.json's space: the values to try (categorical), or a range.
GRID_VALUES = ([(NUMBER, str)], RANGE)
#: selection.json's "honesty": per selection (the order of "selected"), the chosen settings' mean over seeds of
#: the validation and test RMSE / naive, gap = test - val, and how many eligible settings it was chosen among.
HONESTY = [Keys({"data": str, "model": str, "params": PARAMS, "candidates": int, "val_ratio": (NUMBER, None),
                 "test_ratio": (NUMBER, None), "gap": (NUMBER, None)})]
#: selection.json's "luck": null without --luck-check; else the same rows for the same sweep on the data with its
#: returns shuffled in time, and the sweep folder (inside this one) it ran in.
LUCK = (Keys({"honesty": HONESTY, "folder": str}), None)
#: What became of one trial of a model-based search; only a complete trial has a value. Running: a trial that was
#: never told (`sweep.search` maps Optuna's RUNNING to it).
TRIAL_STATES = ("complete", "pruned", "failed", "running")
TRIAL = Keys({"number": int, "params": PARAMS, "state": str, "value": (NUMBER, None), "val_ratio": (NUMBER, None),
              "pruned_at": (int, None)})
#: search.json (tpe sweeps): the sampler's settings and, per (dataset, model), its space, trials and Optuna's
#: parameter importances ({} when they cannot be computed).
SEARCH = Keys({"sampler": str, "trials": int, "batch": int, "prune": str,
               "studies": [Keys({"data": str, "model": str, "space": Each(GRID_VALUES), "trials": [TRIAL],
                                 "importances": Each(NUMBER)})]})
