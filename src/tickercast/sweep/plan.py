"""What a sweep runs: units of work from datasets × models × searched settings × seeds. Pure: no I/O.

A unit is one (dataset, model, settings, seed). Its numbers are a function of the unit alone (with the sweep's
base settings and split), so any engine may run it anywhere, and a unit already stored is never run again.

A model runs once per distinct value of the searched settings it *reads* (`Model.reads`): `ar` with a grid over
`hidden` runs once per `lookback`, `naive` once in all, and only networks run once per seed. A global model
(`lstm-global`) is one unit per settings and seed whose data are all the datasets at once.

Units that differ only in their seed are still stored one by one, but run as one piece of work (`seed_groups`):
their networks train together as one batched computation.

>>> spec = SweepSpec(models=("lstm", "naive"), seeds=2, grid=(("hidden", (16, 32)),))
>>> [(u.model, dict(u.params), u.seed) for u in plan(spec, ["sp500"])]             # doctest: +NORMALIZE_WHITESPACE
[('lstm', {'hidden': 16}, 0), ('lstm', {'hidden': 16}, 1), ('lstm', {'hidden': 32}, 0),
 ('lstm', {'hidden': 32}, 1), ('naive', {}, None)]
"""

from __future__ import annotations

import itertools
import json
import math
import random
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from tickercast.config import CELLS, TEST_SIZE, VAL_SIZE, ModelConfig
from tickercast.errors import ConfigError, option
from tickercast.models import EXECUTION_SETTINGS, make_model, model_names
from tickercast.sweep.space import Range, is_range, parse_range

#: `lstm` trained on every dataset at once is the model `lstm-global`.
GLOBAL_SUFFIX = "-global"
#: A covariate's frame is shipped to workers under this prefix and its name (a dataset could be called nasdaq too).
COVARIATE_PREFIX = "with:"
#: Settings a grid may search: what a model learns with, not the seed (`--seeds`) or where it runs.
SEARCHABLE = tuple(f.name for f in fields(ModelConfig) if f.name != "seed" and f.name not in EXECUTION_SETTINGS)
#: Trials or draws one search may ask for: far beyond any sweep that finishes, short of a typo's billions.
MAX_TRIALS = 100_000
#: Grid values are read by the type of the setting's default.
_PARSERS = {int: int, float: float, str: str}

#: Searches by name: every combination, N drawn at random, or N trials of Optuna's TPE sampler.
SEARCHES = ("grid", "random", "tpe")
#: How a TPE search stops hopeless trials early: on the validation loss after each epoch (`sweep.pruning`).
PRUNERS = ("median", "halving", "none")

#: Each searched setting with its listed values, or (for the TPE search) a Range.
Grid = tuple[tuple[str, tuple[Any, ...] | Range], ...]


@dataclass(frozen=True)
class SplitOptions:
    """The chronological split every unit uses (as `Forecaster.fit` takes it)."""

    test_size: float = TEST_SIZE
    val_size: float = VAL_SIZE
    test_start: str | None = None
    val_start: str | None = None
    common_span: bool = False  # start each dataset where its latest covariate starts (`Forecaster.fit`)

    def __post_init__(self) -> None:
        if self.val_size == 0 and self.val_start is None:
            raise ConfigError("a sweep chooses settings on the validation part, so it needs one: "
                              f"{option('val_size')} must be above 0")

    def to_dict(self) -> dict[str, Any]:
        """As `Forecaster.fit` takes them (common_span only when on, so sweeps from before it resume unchanged)."""
        options = asdict(self)
        if not self.common_span:
            del options["common_span"]
        return options


@dataclass(frozen=True)
class Unit:
    """One unit of work. `data` holds one dataset name, or every name for a global model."""

    data: tuple[str, ...]
    model: str
    params: tuple[tuple[str, Any], ...]  # the searched settings this model reads, by name
    seed: int | None  # None: the model does not depend on a seed
    covariates: tuple[str, ...] = ()  # datasets given with --with, whose returns are inputs

    @property
    def frames(self) -> tuple[str, ...]:
        """The names of the frames a worker receives, in order: the unit's datasets, then its covariates."""
        return (*self.data, *(COVARIATE_PREFIX + name for name in self.covariates))

    @property
    def key(self) -> str:
        """The unit's identity in the results store: its canonical JSON."""
        return json.dumps(self.to_dict(), sort_keys=True)

    @property
    def cell(self) -> str:
        """The model to build: `lstm` for both `lstm` and `lstm-global`."""
        return self.model.removesuffix(GLOBAL_SUFFIX)

    @property
    def is_global(self) -> bool:
        return self.model.endswith(GLOBAL_SUFFIX)

    def config(self, base: ModelConfig) -> ModelConfig:
        """The sweep's base settings with this unit's searched settings and seed."""
        return replace(base, **dict(self.params), seed=base.seed if self.seed is None else self.seed)

    def to_dict(self) -> dict[str, Any]:
        unit = {"data": list(self.data), "model": self.model, "params": dict(self.params), "seed": self.seed}
        return {**unit, "with": list(self.covariates)} if self.covariates else unit  # keys from before --with hold

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Unit:
        return cls(tuple(data["data"]), data["model"], tuple(sorted(data["params"].items())), data["seed"],
                   tuple(data.get("with", ())))


@dataclass(frozen=True)
class SweepSpec:
    """Everything that defines a sweep except its data: stored in `sweep.json` and checked again on `--resume`.

    `search` is `grid` (every combination), `random:N` (N combinations drawn without replacement with the
    base seed, so the same command draws the same ones) or `tpe:N` (N trials per dataset and model, chosen by
    Optuna's TPE sampler from what the earlier trials scored: `sweep.search`; its grid may hold ranges, and
    `prune` names how it stops hopeless trials). `global_models` adds `<cell>-global` for each network.
    """

    models: tuple[str, ...]
    seeds: int = 1
    grid: Grid = ()
    search: str = "grid"
    global_models: bool = False
    base: ModelConfig = field(default_factory=ModelConfig)
    split: SplitOptions = field(default_factory=SplitOptions)
    covariates: tuple[str, ...] = ()  # names of the --with datasets every unit reads
    prune: str = "none"  # tpe only: median, halving or none

    def __post_init__(self) -> None:
        model_names(self.models)
        if self.seeds < 1:
            raise ConfigError("seeds must be at least 1")
        parse_search(self.search)
        self._check_search()
        if "direction" in (self.base.target, *dict(self.grid).get("target", ())):
            raise ConfigError("a sweep chooses settings on the validation RMSE of prices; the direction target has "
                              "none: use compare --target direction")
        from tickercast.comparison import check_ensemble_seeds

        check_ensemble_seeds(max((self.base.ensemble, *dict(self.grid).get("ensemble", ()))), self.seeds)
        if self.global_models and not set(self.models) & set(CELLS):
            raise ConfigError(f"--global trains one network on every dataset: add one of {', '.join(CELLS)} "
                              "to --models")  # its flags stay: tests/sweep/test_plan.py asserts them from Python

    def _check_search(self) -> None:
        """What only a TPE search may use: ranges and pruning; and what it cannot (global models)."""
        tpe = search_kind(self.search) == "tpe"
        ranged = [(key, values) for key, values in self.grid if isinstance(values, Range)]
        if ranged and not tpe:
            key, values = ranged[0]
            raise ConfigError(f"--grid {key} is a range, which only --search tpe:N searches; list its values for "
                              f"{search_kind(self.search)} search (e.g. {key}={values.low:g},{values.high:g})")
        if self.prune not in PRUNERS:
            raise ConfigError(f"unknown pruner {self.prune!r}; use one of: {', '.join(PRUNERS)}")
        if self.prune != "none" and not tpe:
            tpe_n = option("search", "tpe:N")
            raise ConfigError(f"{option('prune')} stops hopeless trials of {tpe_n}; grid and random sweeps run every "
                              f"unit to the end: drop {option('prune')} or use {tpe_n}")
        if self.prune != "none" and not set(model_names(self.models)) & set(CELLS):
            raise ConfigError(f"{option('prune', self.prune)} stops networks' training early, and "
                              f"{', '.join(self.models)} train no network: drop {option('prune')} or add one of "
                              f"{', '.join(CELLS)}")
        if tpe and self.global_models:
            raise ConfigError(f"{option('global_models')} is not searched by {option('search', 'tpe:N')} (its "
                              f"trials would span every dataset): use {option('search', 'grid')} or random:N with "
                              f"{option('global_models')}")

    def to_dict(self) -> dict[str, Any]:
        grid = {key: values.to_dict() if isinstance(values, Range) else list(values) for key, values in self.grid}
        spec = {"models": list(self.models), "seeds": self.seeds, "grid": grid, "search": self.search,
                "global": self.global_models, "settings": self.base.to_dict(), "split": self.split.to_dict()}
        if search_kind(self.search) == "tpe":
            spec["prune"] = self.prune  # only here, so the definitions of grid and random sweeps stay as they were
        return {**spec, "with": list(self.covariates)} if self.covariates else spec


def parse_grid(items: Sequence[str], base: ModelConfig) -> Grid:
    """`["lookback=10,20", "lr=1e-3"]` -> `(("lookback", (10, 20)), ("lr", (0.001,)))`, every value checked;
    `lr=1e-4..1e-2:log` is a Range (for the TPE search).

    >>> parse_grid(["hidden=16,32", "dropout=0,0.2"], ModelConfig())
    (('hidden', (16, 32)), ('dropout', (0.0, 0.2)))
    >>> parse_grid(["hidden=8..128"], ModelConfig())
    (('hidden', Range(low=8, high=128, log=False, integer=True)),)
    >>> parse_grid(["features=returns|volume,returns"], ModelConfig())
    (('features', ('returns', 'returns,volume')),)
    """
    grid: dict[str, tuple[Any, ...]] = {}
    for item in items:
        key, equals, text = item.partition("=")
        key = key.strip().replace("-", "_")
        if not equals or not text.strip():
            raise ConfigError(f"{option('grid')} {item!r}: write a setting and its values as key=v1,v2 (e.g. "
                              "lookback=10,20)")
        if key not in SEARCHABLE:
            hint = " (use --seeds for seeds)" if key == "seed" else ""
            raise ConfigError(f"--grid cannot search {key!r}{hint}; searchable settings: {', '.join(SEARCHABLE)}")
        if key in grid:
            raise ConfigError(f"{option('grid')} names {key} twice; give all its values at once: {key}=v1,v2")
        parse = _PARSERS[type(getattr(base, key))]
        if is_range(text):
            grid[key] = parse_range(key, text.strip(), parse, lambda value, key=key: replace(base, **{key: value}))
            continue
        try:
            # a features value is itself a list (returns,volume), so its values are separated by |
            values = [parse(value.strip()) for value in text.split("|" if key == "features" else ",")]
        except ValueError:
            raise ConfigError(f"{option('grid')} {item!r}: {key} takes {parse.__name__} values") from None
        # ModelConfig says what is out of range, and writes each value its one way (features in catalogue order)
        grid[key] = tuple(dict.fromkeys(getattr(replace(base, **{key: value}), key) for value in values))
    return tuple(grid.items())


def params_text(params: Mapping[str, Any]) -> str:
    """Searched settings as `--grid` takes them, for tables a person reads; `—` when a model reads none.

    >>> params_text({"hidden": 16, "lr": 0.001})
    'hidden=16 lr=0.001'
    """
    return " ".join(f"{key}={value:g}" if isinstance(value, float) else f"{key}={value}"
                    for key, value in params.items()) or "—"


def parse_search(search: str) -> int | None:
    """`grid` -> None (every combination); `random:N` or `tpe:N` -> N (`search_kind` tells them apart)."""
    if search == "grid":
        return None
    kind, _, count = search.partition(":")
    if kind in ("random", "tpe") and count.isdigit() and 1 <= int(count) <= MAX_TRIALS:
        return int(count)
    raise ConfigError(f"--search {search!r}: use grid, random:N or tpe:N with N from 1 to {MAX_TRIALS:,} "
                      "(e.g. tpe:30)")


def search_kind(search: str) -> str:
    """`grid`, `random` or `tpe` (of a search `parse_search` accepts)."""
    return search.partition(":")[0]


def candidates(grid: Grid, search: str = "grid", seed: int = 0) -> list[dict[str, Any]]:
    """The settings to try: every combination of the grid, or N of them drawn with `seed`, in grid order.

    >>> candidates((("lookback", (10, 20)), ("hidden", (16, 32))), "random:2", seed=0)
    [{'lookback': 10, 'hidden': 32}, {'lookback': 20, 'hidden': 32}]
    """
    sizes = [len(values) for _, values in grid]
    total = math.prod(sizes)
    count = parse_search(search)
    chosen = range(total) if count is None or count >= total else sorted(random.Random(seed).sample(range(total),
                                                                                                     count))
    settings = []
    for index in chosen:  # index -> one value per key, the last key varying fastest (as itertools.product)
        combination = {}
        for (key, values), size in zip(reversed(grid), reversed(sizes), strict=True):
            index, position = divmod(index, size)
            combination[key] = values[position]
        settings.append(dict(reversed(combination.items())))
    return settings


def labels(spec: SweepSpec) -> list[str]:
    """The sweep's model names in the order tables show them: each network followed by its global model."""
    return [label for name in model_names(spec.models)
            for label in (name, *([name + GLOBAL_SUFFIX] if spec.global_models and name in CELLS else []))]


def plan(spec: SweepSpec, data: Sequence[str], global_data: Sequence[str] | None = None) -> list[Unit]:
    """Every unit of the sweep, global units first (each is the longest), then dataset by dataset.

    Global models train on `global_data` (default: all of `data`; the datasets that could be read). In a TPE
    search, the models that read a searched setting get their units from the search (`sweep.search`), one
    trial at a time: the plan holds the others' (naive's, say).
    """
    tpe = search_kind(spec.search) == "tpe"
    tried = [{}] if tpe else candidates(spec.grid, spec.search, spec.base.seed)
    per_model: list[tuple[str, list[tuple[tuple[str, Any], ...]], list[int | None]]] = []
    for name in model_names(spec.models):
        if tpe and name in searched(spec):
            continue
        reads = make_model(name, spec.base).reads
        distinct = list(dict.fromkeys(tuple(sorted((k, v) for k, v in s.items() if k in reads)) for s in tried))
        seeds: list[int | None] = [spec.base.seed + k for k in range(spec.seeds)] if "seed" in reads else [None]
        per_model.append((name, distinct, seeds))
    units = [Unit(tuple(data if global_data is None else global_data), name + GLOBAL_SUFFIX, params, seed,
                  spec.covariates)
             for name, distinct, seeds in per_model if spec.global_models and name in CELLS
             for params in distinct for seed in seeds]
    units += [Unit((dataset,), name, params, seed, spec.covariates)
              for dataset in data for name, distinct, seeds in per_model for params in distinct for seed in seeds]
    return units


def searched(spec: SweepSpec) -> dict[str, tuple[str, ...]]:
    """Each model that reads a setting of the grid, with the settings it reads (in grid order): the models a
    TPE search runs a study for.

    >>> searched(SweepSpec(models=("lstm", "ar", "naive"), grid=(("hidden", (8, 16)), ("lookback", (5, 10)))))
    {'lstm': ('hidden', 'lookback'), 'ar': ('lookback',)}
    """
    studies = {}
    for name in model_names(spec.models):
        reads = make_model(name, spec.base).reads
        keys = tuple(key for key, _ in spec.grid if key in reads)
        if keys:
            studies[name] = keys
    return studies


def seed_groups(units: Iterable[Unit]) -> Iterator[tuple[Unit, ...]]:
    """Consecutive units that differ only in their seed, as one group each (the plan puts a network's seeds side by
    side, and a resumed sweep's missing seeds stay so); any other unit, a global one too, is a group of its own.

    A group is one piece of work: its networks train together (`forecaster.fit_seeds`), each seed is still its
    own unit in the store. Lazy, so that a long sweep's units are not all read at once.

    >>> units = plan(SweepSpec(models=("lstm", "naive"), seeds=3), ["sp500"])
    >>> [[unit.seed for unit in group] for group in seed_groups(units)]
    [[0, 1, 2], [None]]
    """
    def together(unit: Unit) -> Unit | tuple[Unit]:
        return replace(unit, seed=None) if unit.seed is not None and not unit.is_global else (unit,)

    for _, group in itertools.groupby(units, key=together):
        yield tuple(group)
