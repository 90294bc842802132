"""The luck check's data: the same prices with their daily returns shuffled in time, so nothing can be predicted.

A sweep's winner looks better on validation than it is, because it is the best of many (`honesty.py`). How much
better, by luck alone? Run the very same sweep on data with the same returns in a random order: every apparent
gain there is luck, so its validation-to-test gap is the reference for the real one.

The returns are shuffled within the training part and within the validation part separately (the parts exactly as
`Forecaster.fit` cuts them), so each part keeps its own returns (its volatility, its drift) and only their order
is lost; the test part is left exactly as it was, so both sweeps are scored on the same days and prices.

    shuffled = shuffled_datasets(load_datasets(["sp500"]), spec.split, seed=0)
    run_sweep(spec, shuffled, folder / "luck", engine)
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping

import numpy as np
import pandas as pd

from tickercast.errors import ConfigError, TickercastError, shown
from tickercast.prepare.split import make_split
from tickercast.sweep.plan import SplitOptions

#: Columns that are prices of the same bar: carried as ratios to the row's price, so a bar stays a bar.
_BAR_PRICES = ("open", "high", "low", "close", "adj_close")


def shuffle_returns(frame: pd.DataFrame, split: SplitOptions, seed: int) -> pd.DataFrame:
    """A copy of the PriceFrame `frame` whose daily returns are permuted in time within each part, seeded.

    The prices are rebuilt from the first price by compounding the permuted returns; the last price of each
    shuffled stretch is set back to its original (equal but for rounding), so the price at the end of validation
    and the whole test part are exactly unchanged. Each day moves as a whole: its other prices as ratios to its
    price (open, high, low, ...: low <= open, close <= high still holds) and its volume as is. Days before
    `attrs["first_date"]` (inputs only, never trained on) are shuffled among themselves. The copy's attrs are
    the frame's, with `shuffled` set to True.

    >>> import tickercast as tc
    >>> prices = tc.load("sp500")
    >>> shuffled = shuffle_returns(prices, SplitOptions(), seed=0)
    >>> bool((shuffled.iloc[-1007:] == prices.iloc[-1007:]).all().all()), shuffled.attrs["shuffled"]
    (True, True)
    """
    column = frame.attrs["price_column"]
    prices = frame[column].to_numpy(dtype=np.float64)
    stretches = shuffled_stretches(frame, split)
    order = _permutation(len(frame), stretches, np.random.default_rng(_checked(seed)))
    rebuilt = _compounded(prices, order, stretches)
    moved = np.zeros(len(frame), dtype=bool)  # every day of a stretch, even one whose return stayed: a new price
    for start, stop in stretches:
        moved[start:stop] = True
    shuffled = frame.copy()
    for name in frame.columns:
        values = frame[name].to_numpy(dtype=np.float64)
        if name == column:
            new = rebuilt
        elif name in _BAR_PRICES:
            new = (values / prices)[order] * rebuilt  # the day's bar, scaled to its new price
        else:
            new = values[order]
        shuffled[name] = np.where(moved, new, values)  # days left in place keep their exact values
    shuffled.attrs = {**frame.attrs, "shuffled": True}
    return shuffled


def _permutation(days: int, stretches: list[tuple[int, int]], rng: np.random.Generator) -> np.ndarray:
    """Which day's return (and bar) each day of the copy takes: `order[d]`, permuted within each stretch only."""
    order = np.arange(days)
    for start, stop in stretches:
        order[start:stop] = rng.permutation(order[start:stop])
    return order


def _compounded(prices: np.ndarray, order: np.ndarray, stretches: list[tuple[int, int]]) -> np.ndarray:
    """The prices rebuilt by compounding each stretch's permuted returns from the price before it; the last price
    of a stretch is its original, which the product comes to anyway but for rounding."""
    growth = np.ones_like(prices)
    growth[1:] = prices[1:] / prices[:-1]  # 1 + each day's return (none on day 0)
    rebuilt = prices.copy()
    for start, stop in stretches:
        rebuilt[start:stop] = prices[start - 1] * np.cumprod(growth[order[start:stop]])
        rebuilt[stop - 1] = prices[stop - 1]
    return rebuilt


def shuffled_stretches(frame: pd.DataFrame, split: SplitOptions) -> list[tuple[int, int]]:
    """The [start, stop) rows whose returns are permuted among themselves: the days before `attrs["first_date"]`,
    the training part and the validation part, as `Forecaster.fit` cuts them (its split is made on the days from
    first_date on). Day 0 has no return, so no stretch holds it; empty stretches are left out.

    >>> import tickercast as tc
    >>> shuffled_stretches(tc.load("sp500"), SplitOptions())
    [(1, 3520), (3520, 4024)]
    """
    first = frame.attrs.get("first_date")
    offset = 0 if first is None else int(frame.index.searchsorted(pd.Timestamp(first)))
    cut = make_split(frame.index[offset:], test_size=split.test_size, val_size=split.val_size,
                     test_start=split.test_start, val_start=split.val_start)
    bounds = (0, offset, offset + cut.train_end, offset + cut.val_end)
    return [(max(start, 1), stop) for start, stop in itertools.pairwise(bounds) if stop > max(start, 1)]


def shuffled_datasets(datasets: Mapping[str, pd.DataFrame | str], split: SplitOptions,
                      seed: int) -> dict[str, pd.DataFrame | str]:
    """`shuffle_returns` of each dataset (`run.load_datasets`' mapping): its own permutation, drawn from `seed` and
    its name, so it is the same whatever the other datasets are. A dataset that could not be read stays its error
    message; one the split cannot cut becomes that message, so its units fail with it as they would unshuffled.
    """
    shuffled: dict[str, pd.DataFrame | str] = {}
    for name, frame in datasets.items():
        if isinstance(frame, str):
            shuffled[name] = frame
            continue
        own_seed = _dataset_seed(seed, name)
        try:
            shuffled[name] = shuffle_returns(frame, split, own_seed)
        except TickercastError as error:
            shuffled[name] = str(error)
    return shuffled


def _dataset_seed(seed: int, name: str) -> int:
    """A seed of its own for each dataset: two datasets of the same days would otherwise move in step."""
    return int(np.random.SeedSequence([_checked(seed), *name.encode("utf-8")]).generate_state(1)[0])


def _checked(seed: int) -> int:
    """The seed as NumPy takes it, or one line saying what a seed must be (as `--seed` says it)."""
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or not 0 <= seed < 2**32:
        raise ConfigError(f"the luck check's seed must be a whole number from 0 to 2**32 - 1, not {shown(seed)}")
    return int(seed)
