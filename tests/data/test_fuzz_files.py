"""Real price files, mutated by hypothesis, read through the real reader: right or refused in one line, never worse.

Every generated file must end one of two ways, within a time limit:
- a valid PriceFrame (a tz-naive, sorted, unique DatetimeIndex named `date`; the price column finite, positive and
  below `MAX_PRICE`; no infinite value anywhere) holding only what the file holds: every date is in the input and
  every value is what its cell says (`mutations.Truth` knows what each cell may be read as);
- or a `TickercastError` whose message is one line under 300 characters.
Any other exception, a hang, or a warning that is not a `TickercastWarning` fails. A file changed only in harmless
ways (another separator, encoding, date format, column order, ...) must be read, and read whole.

The default profile is small and derandomized (`make test`); `TICKERCAST_FUZZ=long` (`make fuzz`) runs thousands
of random cases. Each family below gets its own examples so every class of bad input is covered every run.
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
import time
import warnings
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, event, example, given, settings
from hypothesis import strategies as st

from tests.conftest import time_limit
from tests.data import mutations as mu
from tickercast.data.files import read_file
from tickercast.data.validate import MAX_PRICE
from tickercast.errors import TickercastError, TickercastWarning

MODE = os.environ.get("TICKERCAST_FUZZ", "")  # "long", or a number of examples per family
LONG = MODE == "long" or MODE.isdigit()
LIMIT_S = 30  # per case, as issue 13 promises: a slower case counts as a hang
settings.register_profile("fuzz-fast", max_examples=8, derandomize=True, database=None,
                          deadline=timedelta(seconds=10), print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("fuzz-long", max_examples=int(MODE) if MODE.isdigit() else 300, derandomize=False,
                          deadline=timedelta(seconds=10), print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
PROFILE = settings.get_profile("fuzz-long" if LONG else "fuzz-fast")

SEED_NAMES = [name for name, seed in mu.SEEDS.items() if seed.path.exists()]
index = st.integers(0, 100_000)
mask = st.integers(0, 254)


def ops(*choices: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(*choices).map(lambda op: [op])


def op(name: str, *args: st.SearchStrategy) -> st.SearchStrategy:
    return st.tuples(st.just(name), *args)


def piece(*chars: str) -> st.SearchStrategy:
    return st.sampled_from([mu.PIECES.index(char) for char in chars])


def cells(*keys: str) -> st.SearchStrategy:
    return st.sampled_from(keys or tuple(mu.NUMBER_CELLS))


#: The classes of bad input; each draws one or two of its operations (plus up to two from any family).
FAMILIES: dict[str, st.SearchStrategy] = {
    "lines": ops(op("drop", index), op("dup", index, index), op("swap", index, index), op("blank", index),
                 op("footer", index), op("drop_line", index)),
    "bytes": ops(op("xor", index, mask), op("cut", index), op("delete", index, index, index),
                 op("put", index, index, piece("\x00", "\x1a", "\x0b", "9", ".", "e", "-"))),
    "quotes and separators": ops(op("put", index, index, piece('"', ",", ";", "\t", "|", "'", "#")),
                                 op("sep", index), op("quote_all"), op("decimal_comma"),
                                 op("cell", index, index, cells("quote inside", "sep inside", "thousands", "10\\n1"))),
    "line endings and BOMs": ops(op("endings", st.text(alphabet="nwrx", min_size=1, max_size=5), st.booleans()),
                                 op("bom", index), op("put", index, index, piece("\r", "\n", "\ufeff", "\u2028",
                                                                                   "\u0085"))),
    "unicode": ops(op("put", index, index, piece("\u200f", "\u0301", "é", "\ud800")), op("note", index),
                   op("cell", index, index, cells("rtl", "lrm", "combining", "arabic digits", "fullwidth",
                                                  "nbsp thousands", "zero width", "emoji")),
                   st.tuples(st.just("insert_bytes"), index, st.integers(0, 5))),
    "long cells": ops(op("long_cell", index, index, index, index),
                      op("cell", index, index, cells("1e400 digits", "long zeros", "tiny")),
                      op("garbage_name", index, st.just(mu.GARBAGE_NAMES.index("x" * 300)))),
    "numbers": ops(op("cell", index, index, cells())),
    "dates": ops(op("dates", index), op("date_cell", index, st.sampled_from(tuple(mu.DATE_CELLS)))),
    "columns": ops(op("shuffle", index), op("rename", index, index), op("garbage_name", index, index),
                   op("swap_names", index, index)),
    "gzip": st.tuples(op("gzip", index), st.lists(st.one_of(op("gz_xor", index, mask), op("gz_cut", index)),
                                                   max_size=1)).map(lambda pair: [pair[0], *pair[1]]),
    "encodings": st.tuples(op("encoding", index), st.lists(op("note", index), max_size=1),
                           st.lists(op("insert_bytes", index, st.integers(0, 5)), max_size=1)
                           ).map(lambda t: [t[0], *t[1], *t[2]]),
}
ANY_OP = st.one_of(*FAMILIES.values(), ops(op("suffix", index)))


def recipes(family: str | None = None) -> st.SearchStrategy:
    """(seed, ops): one or two operations of `family` (any family when None), then up to two of any kind."""
    head = st.lists(FAMILIES[family] if family else ANY_OP, min_size=1, max_size=2)
    tail = st.lists(ANY_OP, max_size=2 if family else 3)
    return st.tuples(st.sampled_from(SEED_NAMES), head, tail).map(
        lambda t: (t[0], tuple(o for group in (*t[1], *t[2]) for o in group)))


# ------------------------------------------------------------------------------------------------ the oracle


def written(built: mu.Built, folder: Path) -> Path:
    path = folder / f"prices{built.truth.suffix}"
    path.write_bytes(built.data)
    return path


def read(recipe: tuple, folder: Path) -> tuple[pd.DataFrame | None, TickercastError | None, mu.Truth]:
    """Build the file, read it, check the time, the warnings and the error; return the frame or the error."""
    if recipe[0] not in SEED_NAMES:
        pytest.skip(f"{mu.SEEDS[recipe[0]].path} not found (tests expect ../shared/data beside the checkout)")
    built = mu.build(recipe)
    path = written(built, folder)
    frame = error = None
    start = time.monotonic()
    with warnings.catch_warnings(record=True) as caught, time_limit(LIMIT_S):
        warnings.simplefilter("always")
        try:
            frame = read_file(path, ticker=built.truth.ticker)
        except TickercastError as failure:
            error = failure
    assert time.monotonic() - start < LIMIT_S
    strangers = [f"{w.category.__name__}: {w.message}" for w in caught if not issubclass(w.category, TickercastWarning)]
    assert not strangers, strangers
    if error is not None:
        message = str(error)
        assert message, type(error).__name__
        assert "\n" not in message, repr(message)
        assert "\r" not in message, repr(message)
        assert len(message) < 300, repr(message)
    return frame, error, built.truth


def matches(value: float, acceptable: set) -> bool:
    if math.isnan(value):
        return mu.MISSING in acceptable
    return any(not isinstance(a, str) and math.isclose(value, a, rel_tol=1e-12, abs_tol=1e-300) for a in acceptable)


def check_frame(frame: pd.DataFrame, truth: mu.Truth) -> None:
    """The frame is a valid PriceFrame and holds nothing the file does not say."""
    index = frame.index
    assert isinstance(index, pd.DatetimeIndex), type(index)
    assert index.name == "date", index.name
    assert index.tz is None, index.tz
    assert index.is_monotonic_increasing
    assert index.is_unique
    assert (index == index.normalize()).all()
    column = frame.attrs["price_column"]
    prices = frame[column].to_numpy(dtype=float)
    assert len(prices), "an empty frame"
    assert np.isfinite(prices).all(), f"{column} is not finite"
    assert (prices > 0).all(), f"{column} is not positive"
    assert (prices <= MAX_PRICE).all(), f"{column} is above {MAX_PRICE:g}"
    for name in frame.columns:
        assert not np.isinf(frame[name].to_numpy(dtype=float)).any(), name

    rows_by_date = defaultdict(list)
    for row in truth.rows:
        if row.date is not None:
            rows_by_date[row.date].append(row)
    spelled = "\n".join(truth.damaged_text)

    def claimed(date: pd.Timestamp) -> bool:  # a damaged line spells this date: it may come back with any value
        return bool(spelled) and any(spelling in spelled for spelling in mu.spellings(date))

    for date, values in frame.iterrows():
        rows = rows_by_date.get(date)
        if not rows:
            assert claimed(date), f"{date:%Y-%m-%d} is not in the file"
            continue
        for name, value in values.items():
            positions = [j for j, kind in enumerate(truth.kinds) if kind == name]
            if truth.header_damaged:  # a damaged header may rename columns: the value must be one of the row's
                positions = [j for j, kind in enumerate(truth.kinds) if kind in mu.NUMERIC]
            assert positions, f"column {name!r} comes from no column of the file"
            acceptable = {a for row in rows for j in positions for a in row.accept[j]}
            assert matches(float(value), acceptable) or claimed(date), (
                f"{date:%Y-%m-%d} {name} read as {value!r}; the file says {sorted(map(str, acceptable))}")
    if truth.complete:  # nothing lost: every row with a clean positive price is there
        missing = [row.date for row in truth.rows if row.date is not None and _clean(row, truth.kinds, column)
                   and row.date not in index]
        assert not missing, f"{len(missing)} rows lost, first {missing[0]:%Y-%m-%d}"


def _clean(row: mu.Row, kinds: list, column: str) -> bool:
    accept = [row.accept[j] for j, kind in enumerate(kinds) if kind == column]
    return bool(accept) and all(len(a) == 1 and all(v != mu.MISSING and v > 0 for v in a) for a in accept)


def read_and_check(recipe: tuple, folder: Path) -> None:
    """Read the recipe's file and check it."""
    _read_and_check(recipe, folder)


def _read_and_check(recipe: tuple, folder: Path) -> None:
    frame, error, truth = read(recipe, folder)
    for name, *_ in recipe[1]:
        event(f"op {name}")
    event("refused" if error is not None else "read")
    if error is not None:
        assert not truth.must_accept, f"a harmlessly changed file was refused: {error}"
        return
    check_frame(frame, truth)


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


# ------------------------------------------------------------------------------------------------- the tests


@pytest.mark.parametrize("seed", SEED_NAMES)
def test_every_seed_reads_as_the_oracle_expects(folder, seed):
    """The oracle's truth and the reader agree on the untouched files (else every other test means nothing)."""
    frame, error, truth = read((seed, ()), folder)
    if mu.SEEDS[seed].readable:
        assert error is None, error
        assert truth.must_accept
        assert truth.complete
        check_frame(frame, truth)
    else:
        assert error is not None


@pytest.mark.parametrize("family", FAMILIES)
def test_a_mutated_file_is_read_right_or_refused_in_one_line(folder, family):
    @settings(PROFILE)
    @given(recipe=recipes(family))
    def case(recipe):
        read_and_check(recipe, folder)

    case()


# Bugs the suite found in the reader, minimised and fixed; each stays here as a regression: a blank line after the
# header, \r\r\n endings, a blank line inside yfinance's stacked header, a gzip file that unpacks to nothing, long
# header names and a long or multi-line Name cell in messages.
@example(recipe=("ibm", (("blank", 0),)))
@example(recipe=("ibm", (("endings", "x", True),)))
@example(recipe=("yf_ibm", (("endings", "nx", True),)))
@example(recipe=("ibm", (("gzip", 0), ("cut", 0))))
@example(recipe=("ibm", (("garbage_name", 0, 5),)))
@example(recipe=("ibm", (("cell", 0, 6, "1e400 digits"),)))
@example(recipe=("ibm", (("cell", 0, 6, "10\\n1"),)))
@example(recipe=("aapl", (("garbage_name", 4, 5),)))
@settings(PROFILE, phases=[Phase.explicit])
@given(recipe=recipes())
def test_the_bugs_the_fuzzer_found_stay_fixed(folder, recipe):
    read_and_check(recipe, folder)


@settings(PROFILE, max_examples=PROFILE.max_examples * 3)
@given(recipe=recipes())
def test_any_mix_of_mutations_is_read_right_or_refused_in_one_line(folder, recipe):
    read_and_check(recipe, folder)


@settings(PROFILE, max_examples=20 if LONG else 3, deadline=timedelta(seconds=LIMIT_S))
@given(recipe=recipes())
def test_the_cli_answers_a_mutated_file_with_a_result_or_one_line(folder, recipe):
    built = mu.build(recipe)
    path = written(built, folder)
    args = [sys.executable, "-m", "tickercast", "train", "--data", str(path), "--model", "naive"]
    result = subprocess.run(args, capture_output=True, text=True, timeout=LIMIT_S,
                            env={**os.environ, "TICKERCAST_HOME": str(folder / "home")})
    err = result.stderr
    assert result.returncode in (0, 2), err
    assert "Traceback" not in err, err
    assert not re.search(r"^\w*Warning:", err, re.MULTILINE), err
    if result.returncode == 2:
        last = err.rstrip("\n").rsplit("\n", 1)[-1]
        assert last.startswith("error: "), err
        assert len(last) < 300, err
