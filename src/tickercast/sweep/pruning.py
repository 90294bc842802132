"""Stopping a hopeless trial of a TPE search early, inside the worker that trains it.

Why in the worker: the decision is needed after every epoch, where the training runs (a pool process or a Ray
node), and asking the driver each time would make the result depend on timing. Instead every trial of a batch
is handed the learning curves of the study's trials that finished before its batch began (`Watch`): the pruner
decides on those alone, so the same sweep prunes the same trials on any engine, with any number of workers,
and again after `--resume`.

The pruner is Optuna's (median, or successive halving), run on a study in memory that holds those earlier trials;
the value after each epoch is the training's validation loss (the mean over the seeds trained together).
Training reports it through its progress bar (`networks.training.fit_networks` advances its bar once per epoch
with `val`), so `Watcher`, a Reporter, sees it without any training code knowing about searches.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from tickercast.progress import Bar, Reporter

#: Epochs every trial trains before the median pruner may stop it: "clearly hopeless after a few epochs".
WARMUP_EPOCHS = 3
#: Complete trials the median pruner waits for before it stops anything.
STARTUP_TRIALS = 5


@dataclass(frozen=True)
class Earlier:
    """A trial that finished before the batch of the one being trained: what the pruner compares with."""

    state: str  # complete, pruned or failed
    value: float | None
    curve: tuple[float, ...]  # validation loss after epoch 1, 2, ...
    system_attrs: tuple[tuple[str, Any], ...] = ()  # the pruner's own notes (successive halving's rungs)


@dataclass(frozen=True)
class Watch:
    """What a worker needs to prune one trial: the pruner's name and the study's earlier trials."""

    pruner: str  # median or halving
    earlier: tuple[Earlier, ...] = ()


class Pruned(Exception):  # noqa: N818  (not an error: the trial's planned end, as Optuna's TrialPruned)
    """Raised out of the training loop when the pruner stops a trial; carries what it had reported."""

    def __init__(self, curve: list[float], system_attrs: dict[str, Any]) -> None:
        super().__init__(f"pruned after epoch {len(curve)}")
        self.curve, self.system_attrs = curve, system_attrs


@dataclass
class Watcher(Reporter):
    """A silent Reporter that records the validation loss of every training epoch (`curve`) and, given a Watch,
    raises Pruned when the pruner finds the trial hopeless."""

    watch: Watch | None = None
    curve: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(None)
        self._trial: Any = None
        if self.watch is not None:
            self._trial = _trial_among(self.watch)

    def bar(self, description: str, total: int) -> Bar:
        return _Epochs(self)

    def epoch(self, value: float) -> None:
        """One epoch's validation loss: recorded, then judged."""
        self.curve.append(value)
        if self._trial is None or not math.isfinite(value):
            return
        self._trial.report(value, len(self.curve))
        if self._trial.should_prune():
            raise Pruned(list(self.curve), dict(self._trial.study._storage.get_trial_system_attrs(
                self._trial._trial_id)))

    def system_attrs(self) -> dict[str, Any]:
        """The pruner's notes on this trial (successive halving's rungs), for the study's storage."""
        if self._trial is None:
            return {}
        return dict(self._trial.study._storage.get_trial_system_attrs(self._trial._trial_id))


class _Epochs(Bar):
    """A training bar: each `advance(val=...)` is one epoch."""

    def __init__(self, watcher: Watcher) -> None:
        super().__init__()
        self._watcher = watcher

    def advance(self, **fields: Any) -> None:
        if "val" in fields:
            self._watcher.epoch(float(fields["val"]))


def make_pruner(name: str) -> Any:
    """Optuna's pruner by the name `--prune` takes."""
    import optuna

    if name == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=STARTUP_TRIALS, n_warmup_steps=WARMUP_EPOCHS)
    if name == "halving":
        return optuna.pruners.SuccessiveHalvingPruner()
    raise ValueError(f"not a pruner: {name!r}")  # SweepSpec checks --prune before anything runs


def _trial_among(watch: Watch) -> Any:
    """A new trial in a study in memory that holds the earlier trials, judged by the named pruner."""
    import optuna
    from optuna.trial import TrialState, create_trial

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="minimize", pruner=make_pruner(watch.pruner))
    states = {"complete": TrialState.COMPLETE, "pruned": TrialState.PRUNED, "failed": TrialState.FAIL}
    for trial in watch.earlier:
        state = states[trial.state]
        study.add_trial(create_trial(
            state=state, value=trial.value if state == TrialState.COMPLETE else None,
            intermediate_values={step: value for step, value in enumerate(trial.curve, 1) if math.isfinite(value)},
            system_attrs=dict(trial.system_attrs)))
    return study.ask()
