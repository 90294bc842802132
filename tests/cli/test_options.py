"""The training options are ModelConfig's settings: every setting is an option, with its field's description."""

import argparse
from dataclasses import fields

import pytest

from tickercast.cli import main
from tickercast.cli.options import model_settings, parents, training_options
from tickercast.config import ModelConfig

#: The order --help has always listed them in (ModelConfig's, but --horizons after --features, which it names).
HELP_ORDER = ["--target", "--lookback", "--hidden", "--layers", "--dropout", "--epochs", "--batch-size", "--lr",
              "--patience", "--clip", "--scaler", "--seed", "--device", "--threads", "--features", "--horizons",
              "--ensemble"]


def other_value(setting):
    """A valid value of `setting` other than its default, as it is typed on the command line."""
    if "choices" in setting.metadata:
        return setting.metadata["choices"][-1]
    if setting.name == "features":
        return "returns,volume"
    return str(setting.default + 1) if isinstance(setting.default, int) else str(setting.default * 2 or 0.5)


def test_every_setting_given_on_the_command_line_reaches_the_config():
    parser = argparse.ArgumentParser(parents=parents())
    given = {setting.name: other_value(setting) for setting in fields(ModelConfig)}
    args = parser.parse_args(["--data", "sp500", *[part for name, value in given.items()
                                                   for part in ("--" + name.replace("_", "-"), value)]])
    config = ModelConfig.from_settings(**model_settings(args))
    for setting in fields(ModelConfig):
        assert str(getattr(config, setting.name)) == given[setting.name], setting.name
        assert getattr(config, setting.name) != setting.default, setting.name


def test_help_shows_each_setting_in_its_place_with_its_description_naming_flags(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())  # argparse wraps lines at the terminal's width
    section = text[text.index("model and training:"):text.index("chronological split:")]
    places = [section.index(f"{flag} ") for flag in HELP_ORDER]  # where each is first named: its own entry
    assert places == sorted(places)
    assert "a model with --features or --with forecasts up to H days directly (default: 1)" in section
    assert "(seeds --seed .. --seed + N - 1)" in section
    assert "--target {log_return,price,direction}" in section


def test_a_command_overrides_defaults_and_leaves_out_settings_it_has_no_use_for():
    parser = training_options({"lookback": 240, "hidden": 25}, without=("device", "split"))
    args = parser.parse_args([])
    assert (args.lookback, args.hidden, args.layers) == (240, 25, ModelConfig.layers)
    assert not hasattr(args, "device")
    assert not hasattr(args, "test_size")
    with pytest.raises(ValueError, match="no training option for the defaults"):
        training_options({"lookbak": 240})
