"""ModelConfig's settings are each described once, in their field; these checks keep the descriptions true."""

import re
from dataclasses import fields

from tickercast.config import ModelConfig
from tickercast.prepare.features import CATALOGUE, GROUPS


def description(name):
    return next(f for f in fields(ModelConfig) if f.name == name).metadata["description"]


def test_the_features_description_names_the_whole_catalogue_and_its_groups():
    """Written out so that --help imports no NumPy, so it must be checked against the catalogue itself."""
    listed = re.search(r": (.*?); returns is always included", description("features")).group(1)
    names = [re.sub(r" \(.*\)$", "", name) for name in listed.split(", ")]
    assert names == [*CATALOGUE, *GROUPS]
    assert "(the five indicators)" in listed
    assert len(GROUPS["indicators"]) == 5


def test_every_setting_is_listed_in_the_docstring_with_its_default_and_python_names():
    doc = ModelConfig.__doc__
    listing = doc[doc.index("\nSettings:\n"):]
    for setting in fields(ModelConfig):
        assert f"\n{setting.name} = {setting.default!r}" in listing, setting.name
    assert "(one of log_return, price, direction)" in listing
    assert "(seeds `seed` .. `seed` + N - 1)" in listing
    assert "--" not in listing  # Python's names, not flags
    assert "{" not in listing  # every name filled in
