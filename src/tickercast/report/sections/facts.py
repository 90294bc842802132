"""The report's first section, "The run": data, quality flags, split, inputs, settings, seeds, engine, versions
and run time, in plain words from run.json, the bundles' configs or sweep.json."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from tickercast._version import __version__
from tickercast.evaluate.vocabulary import number, number_text
from tickercast.report.folder import ModelRun, RankRun, RunFolder, SweepRun, beyond_returns
from tickercast.report.literal import for_html as _e
from tickercast.report.sections.sweep import CHOSEN_ON_VALIDATION
from tickercast.sweep.plan import parse_search, search_kind


def run_facts(run: RunFolder) -> str:
    """Data, split, settings, seeds, versions and run time, from run.json and the bundles' configs (or sweep.json)."""
    record = run.record or {}
    facts: list[tuple[str, str]] = _sweep_facts(run.sweep, record) if run.sweep is not None else []
    if run.rank is not None:
        facts += _rank_facts(run.rank, record)
    for comparison in run.comparisons:
        name = f" ({comparison.name})" if len(run.comparisons) > 1 else ""
        facts.append((f"data{name}", _data(comparison.data)))
        facts += [(f"data quality{name}", text) for text in _quality(comparison.data)]
        facts.append((f"split{name}", _split(comparison.split)))
        facts += [(f"inputs{name}", text) for text in _inputs(comparison.models)]
    models = [m for c in run.comparisons for m in c.models]
    if models:
        facts.append(("models", ", ".join(dict.fromkeys(m.label for m in models))))
    if run.backtest is not None:
        settings = run.backtest.settings
        facts.append(("data", _data(settings.get("data", {}))))
        facts += [("data quality", text) for text in _quality(settings.get("data", {}))]
        if settings.get("split"):
            facts.append(("split", _split(settings["split"])))
        facts.append(("backtest", ", ".join(f"{key.replace('_', ' ')} {value}" for key, value in settings.items()
                                            if key not in ("data", "split", "inputs"))))
        if beyond_returns(settings.get("inputs")):
            facts += [("inputs", text) for text in (_input_set(settings["inputs"]), _span(settings["inputs"])) if text]
    sweep = run.sweep
    settings = record.get("settings") or (sweep.definition["settings"] if sweep else None) or next(
        (m.config["settings"] for m in models if m.is_network), models[0].config["settings"] if models else None)
    searched = sweep.definition["grid"] if sweep else {}
    # a model's inputs have their own lines: the one `features` of the settings is not what each model read
    left_out = set(searched) | ({"features"} if any(m.beyond_returns for m in models) else set())
    if settings:
        facts.append(("other settings" if searched else "settings",
                      " · ".join(f"{key.replace('_', ' ')} {value}" for key, value in settings.items()
                                 if key != "seed" and key not in left_out)))
    facts.append(("seeds", _seeds(record, models, sweep)))
    facts.append(("run", _when(record, models)))
    made_with = (record.get("tickercast_version") or (sweep.version if sweep else None)
                 or next((m.config.get("tickercast_version") for m in models), None))
    facts.append(("version", f"made with tickercast {made_with or 'unknown'}; report by tickercast {__version__}"))
    rows = "".join(f"<dt>{_e(key)}</dt><dd>{_e(value)}</dd>" for key, value in facts)
    return f'<dl class="facts">{rows}</dl>'


def _sweep_facts(sweep: SweepRun, record: Mapping[str, Any]) -> list[tuple[str, str]]:
    """What a sweep ran: its datasets, models, grid and search, engine, split and how it chose."""
    definition = sweep.definition
    data = "; ".join(f"{name} ({_fingerprint(print_)})" for name, print_ in definition["data"].items())
    grid = definition["grid"]
    searched = " · ".join(f"{key} {_values_text(values)}" for key, values in grid.items())
    failed = sum(1 for r in sweep.records if r.error)
    pruned = sum(1 for r in sweep.records if r.pruned is not None)
    stored = f"{len(sweep.records)} stored, {failed} failed" + (f", {pruned} pruned" if pruned else "")
    facts = [("data", f"{len(definition['data'])} dataset(s): {data}"), ("models", ", ".join(sweep.models)),
             ("grid", f"{searched or 'nothing searched'}; {_search_text(sweep)}"),
             ("engine", _engine(record.get("options") or {})), ("split", _sweep_split(definition["split"])),
             ("selection", CHOSEN_ON_VALIDATION), ("results", stored)]
    luck = (sweep.selection or {}).get("luck")
    if luck:
        facts.append(("luck check", "the same sweep on the data with its returns shuffled in time, in the folder "
                                    f"{luck['folder']} inside this one (tickercast report shows it on its own)"))
    return facts


def _values_text(values: Any) -> str:
    """A grid key's values as --grid gave them: `5, 10` (a list) or `0.0001..0.01, log scale` (a range)."""
    if isinstance(values, Mapping):
        return f"{values['low']:g}..{values['high']:g}" + (", log scale" if values["log"] else "")
    return ", ".join(map(str, values))


def _search_text(sweep: SweepRun) -> str:
    """How the settings were searched: every combination, a random draw, or a model-based search (tpe)."""
    definition = sweep.definition
    count = parse_search(definition["search"])
    if search_kind(definition["search"]) == "tpe":
        search = sweep.search or {}
        batch = f", asked {search['batch']} at a time" if search else ""
        prune = f", pruning {search['prune']}" if search else ""
        return (f"model-based search (Optuna's TPE sampler, seed {definition['settings']['seed']}): {count} trials "
                f"per dataset and model{batch}{prune}")
    total = math.prod(len(values) for values in definition["grid"].values())
    return (f"every combination ({total})" if count is None else
            f"{min(count, total)} of the {total} combinations, drawn at random with seed "
            f"{definition['settings']['seed']}")


def _rank_facts(rank: RankRun, record: Mapping[str, Any]) -> list[tuple[str, str]]:
    """What a rank study ran on: the panel, the tickers its gate dropped, the study's numbers and the engine."""
    data, settings = rank.summary["data"], rank.summary["settings"]
    dropped = data.get("dropped") if isinstance(data.get("dropped"), dict) else {}
    tickers = number_text(number(data.get("tickers")), "{:.0f}")
    facts = [("data", f"{data.get('name') or 'a panel'}: {tickers} tickers, {data.get('first')} .. {data.get('last')}, "
                      f"{number_text(number(data.get('days')), '{:,.0f}')} days")]
    if dropped:
        facts.append(("dropped", "; ".join(f"{ticker}: {why}" for ticker, why in dropped.items())))
    facts.append(("study", " · ".join(f"{key.replace('_', ' ')} {value}" for key, value in settings.items()
                                      if isinstance(value, str | int | float) and not isinstance(value, bool))))
    facts.append(("models", ", ".join(rank.summary["models"])))
    facts.append(("engine", _engine(record.get("options") or {})))
    return facts


def _fingerprint(data: Mapping[str, Any]) -> str:
    if "error" in data:
        return f"could not be read: {data['error']}"
    return (f"{data.get('price_column')}, {data.get('first')} .. {data.get('last')}, "
            f"{number_text(data.get('rows'), '{:,.0f}')} days")


def _engine(options: Mapping[str, Any]) -> str:
    if options.get("engine") == "ray":
        return f"Ray at {options.get('ray_address') or '$RAY_ADDRESS, else a Ray started on this machine'}"
    if options.get("engine") == "local":
        workers = options.get("workers") or 0
        processes = {0: "one worker process per core", 1: "in one process"}
        return f"local, {processes.get(workers, f'{workers} worker processes')}"
    return "not recorded (no run.json)"


def _sweep_split(split: Mapping[str, Any]) -> str:
    def size(value: float) -> str:
        return f"{value:.0%} of the days" if value < 1 else f"{value:g} days"

    test = f"from {split['test_start']}" if split.get("test_start") else f"the last {size(split['test_size'])}"
    val = f"from {split['val_start']}" if split.get("val_start") else f"{size(split['val_size'])} before the test part"
    return f"each dataset on its own: validation {val}, test {test}, training before both"


def _data(data: Mapping[str, Any]) -> str:
    rows = f", {number_text(data['rows'], '{:,.0f}')} days" if data.get("rows") else ""
    exchange = f" on {data['exchange']}" if data.get("exchange") else ""
    return (f"{data.get('ticker') or data.get('origin')} {data.get('price_column', '')} from "
            f"{data.get('source', '?')} {data.get('origin', '')}{exchange}: {data.get('first')} .. "
            f"{data.get('last')}{rows}")


def _quality(data: Mapping[str, Any]) -> list[str]:
    """The data's quality flags (`data.quality`), one line each: what, and the first dates; none is a line too."""
    flags = data.get("quality")
    if not isinstance(flags, list):
        return []  # a run from before the flags, or an edited file: say nothing rather than guess
    lines = []
    for flag in flags:
        if isinstance(flag, Mapping) and isinstance(flag.get("dates"), list):
            dates = ", ".join(map(str, flag["dates"][:5])) + (", ..." if len(flag["dates"]) > 5 else "")
            lines.append(f"{flag.get('detail', flag.get('kind', '?'))} on {dates} (the data was used as it is)")
    return lines or ["no split-like moves, impossible bars, bad prints or missing trading days found"]


def _split(split: Mapping[str, Mapping[str, Any]]) -> str:
    names = {"train": "train", "val": "validation", "test": "test"}
    return " · ".join(f"{names.get(part, part)} {dates.get('start')} .. {dates.get('end')} "
                      f"({number_text(dates.get('days'), '{:,.0f}')} days)" for part, dates in split.items())


def _inputs(models: Sequence[ModelRun]) -> list[str]:
    """What each model read, a line per set of inputs with the models that read it, then from which day; nothing
    when every model read its own past returns only (as before inputs existed)."""
    if not any(m.beyond_returns for m in models):
        return []
    sets: dict[str, list[str]] = {}
    spans: dict[str, list[str]] = {}
    for model in models:
        inputs = model.inputs or {"features": ["returns"], "with": []}
        read = _input_set(inputs) if model.reads_inputs or not model.beyond_returns else \
            f"{_input_set(inputs)}, given but not read (it forecasts from the price alone)"
        sets.setdefault(read, []).append(model.label)
        span = _span(inputs)
        if span:
            spans.setdefault(span, []).append(model.label)
    lines = [f"{', '.join(labels)}: {text}" for text, labels in sets.items()]
    if len(spans) == 1:
        return [*lines, next(iter(spans))]
    return [*lines, *(f"{', '.join(labels)}: {text}" for text, labels in spans.items())]


def _span(inputs: Mapping[str, Any]) -> str | None:
    """From which day the inputs were used, when days before it were left out (warm-ups, a later covariate)."""
    if (number(inputs.get("dropped_days")) or 0) <= 0:
        return None
    return (f"from {inputs.get('first_used')}, the first day with a value for every input "
            f"({number_text(inputs.get('dropped_days'), '{:,.0f}')} days before it left out)")


def _input_set(inputs: Mapping[str, Any]) -> str:
    """'returns, volume; with nasdaq (0 days filled with its last price); columns volume.change, ...'."""
    if inputs["features"] == ["returns"] and not inputs["with"]:
        return "returns only"
    text = ", ".join(inputs["features"])
    filled = inputs.get("filled_days") or {}
    if inputs["with"]:
        text += "; with " + ", ".join(f"{name} ({number_text(filled.get(name, 0), '{:,.0f}')} days filled with "
                                      "its last price)" for name in inputs["with"])
    columns = inputs.get("columns")
    return text + (f"; columns {', '.join(columns)}" if columns else "")


def _seeds(record: Mapping[str, Any], models: Sequence[Any], sweep: SweepRun | None) -> str:
    found = {m.config["settings"]["seed"] for m in models if m.is_network}
    found |= {r.seed for r in sweep.records if r.seed is not None} if sweep else set()
    seeds = record.get("seeds") or sorted(found)
    return ", ".join(map(str, seeds)) if seeds else "none (baselines do not depend on a seed)"


def _when(record: Mapping[str, Any], models: Sequence[Any]) -> str:
    if record:
        return (f"tickercast {record.get('command', '')}, started {record.get('started', '?')}, took "
                f"{number_text(record.get('seconds', 0), '{:.1f}')} s")
    if not models:
        return "the folder does not say when it was made"
    fitting = sum(number(m.config.get("fit_seconds")) or 0 for m in models)
    return f"fitting took {fitting:.1f} s in all (the folder does not say when it was made)"
