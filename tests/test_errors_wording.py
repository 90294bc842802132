"""A setting named in an error reads as the parameter from Python and as the flag on the command line."""

from __future__ import annotations

import argparse
import pickle

import pytest

from tests.conftest import run_cli
from tickercast.cli import FLAGS, build_parser
from tickercast.errors import ConfigError, DataError, TickercastWarning, option, worded_as_flags
from tickercast.models import check_target


def test_a_library_error_names_the_parameter_as_python_writes_it():
    with pytest.raises(ConfigError) as refused:
        check_target("naive", "direction")
    message = str(refused.value)
    assert "with target='direction' use" in message
    assert "--" not in message
    assert refused.value.options == ("target",)


def test_the_same_error_from_the_cli_names_the_flag(capsys):
    code, out, err = run_cli(capsys, "train", "--data", "msft", "--model", "naive", "--target", "direction")
    assert (code, out) == (2, "")
    last = err.splitlines()[-1]  # after the data's warnings
    assert last.startswith("error: naive forecasts prices, not the direction; with --target direction use ")
    assert "target=" not in last


@pytest.mark.parametrize(("made", "python", "cli"), [
    (lambda: option("device", "cpu"), "device='cpu'", "--device cpu"),
    (lambda: option("horizons", 1), "horizons=1", "--horizons 1"),
    (lambda: option("batch_size"), "batch_size", "--batch-size"),
    (lambda: option("common_span", True), "common_span=True", "--common-span"),
    (lambda: option("covariates"), "covariates", "--with"),
    (lambda: option("global_models"), "global_models", "--global"),
    (lambda: option("sequence", [0, 0.5], cli="0,0.5"), "sequence=[0, 0.5]", "--sequence 0,0.5"),
])
def test_each_kind_of_option_reads_one_way_for_each_reader(made, python, cli):
    error = ConfigError(f"use {made()} here")
    assert str(error) == f"use {python} here"
    with worded_as_flags(FLAGS):
        assert str(error) == f"use {cli} here"
    assert str(error) == f"use {python} here"  # the wording ends with the block


def test_a_message_quoting_another_is_worded_as_it_is_read():
    inner = DataError(f"drop it from {option('features')}")
    with worded_as_flags(FLAGS):
        assert str(ConfigError(f"the unit failed: {inner}")) == "the unit failed: drop it from --features"
    assert str(ConfigError(f"the unit failed: {inner}")) == "the unit failed: drop it from features"


def test_an_error_crosses_processes_with_its_options():
    error = pickle.loads(pickle.dumps(ConfigError(f"{option('workers', 2)} is too many")))
    assert (str(error), error.options) == ("workers=2 is too many", ("workers",))


def test_a_warning_names_its_settings_the_same_way():
    warning = TickercastWarning(f"pass {option('price_column', 'adj_close')}")
    assert str(warning) == "pass price_column='adj_close'"
    with worded_as_flags(FLAGS):
        assert str(warning) == "pass --price-column adj_close"


def test_every_flag_the_table_names_is_a_flag_of_the_cli():
    flags = set()
    parsers = [build_parser()]
    while parsers:
        parser = parsers.pop()
        for action in parser._actions:  # argparse keeps its actions here; no public accessor exists
            flags.update(action.option_strings)
            if isinstance(action, argparse._SubParsersAction):
                parsers.extend(action.choices.values())
    assert set(FLAGS.values()) <= flags
    assert all(name.isidentifier() and name.islower() for name in FLAGS)


def test_a_value_holding_the_separators_cannot_break_its_marker():
    hostile = "a\x1fb\x1ec"
    error = DataError(f"cannot use {option('out', hostile)}: no room")
    with worded_as_flags(FLAGS):
        assert str(error) == "cannot use --out a\\x1fb\\x1ec: no room"
    assert error.options == ("out",)
