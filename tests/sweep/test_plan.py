import itertools
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tickercast.config import ModelConfig
from tickercast.errors import ConfigError
from tickercast.sweep.plan import SplitOptions, SweepSpec, Unit, candidates, labels, params_text, parse_grid, plan

BASE = ModelConfig()


def test_grid_values_take_the_type_of_the_setting():
    assert parse_grid(["lookback=10,20", "lr=1e-3,3e-3", "scaler=minmax", "batch-size=32"], BASE) == (
        ("lookback", (10, 20)), ("lr", (0.001, 0.003)), ("scaler", ("minmax",)), ("batch_size", (32,)))


@pytest.mark.parametrize(("item", "message"), [
    ("lookback", "write a setting and its values as key=v1,v2"),
    ("lookback=", "write a setting"),
    ("seed=1,2", "cannot search 'seed' \\(use --seeds"),
    ("device=cpu", "cannot search 'device'"),
    ("colour=red", "cannot search 'colour'; searchable settings: target, lookback"),
    ("lookback=ten", "lookback takes int values"),
    ("lookback=0", "lookback must be at least 1"),
    ("dropout=1.5", "dropout must be in"),
])
def test_bad_grid_items_say_what_to_write(item, message):
    with pytest.raises(ConfigError, match=message):
        parse_grid([item], BASE)


def test_a_setting_named_twice_is_refused():
    with pytest.raises(ConfigError, match="names lookback twice"):
        parse_grid(["lookback=10", "lookback=20"], BASE)


def test_grid_search_tries_every_combination_in_order():
    grid = (("lookback", (10, 20)), ("hidden", (16, 32, 64)))
    assert candidates(grid) == [{"lookback": lb, "hidden": h} for lb, h in itertools.product((10, 20), (16, 32, 64))]


@given(sizes=st.lists(st.integers(1, 4), min_size=1, max_size=4), count=st.integers(1, 300), seed=st.integers(0, 99))
def test_random_search_draws_distinct_combinations_of_the_grid_reproducibly(sizes, count, seed):
    grid = tuple((f"k{i}", tuple(range(size))) for i, size in enumerate(sizes))
    everything = candidates(grid)
    drawn = candidates(grid, f"random:{count}", seed)
    assert len(drawn) == min(count, len(everything))
    assert [c for c in everything if c in drawn] == drawn  # distinct, from the grid, in grid order
    assert drawn == candidates(grid, f"random:{count}", seed)


def test_random_search_depends_on_the_seed():
    grid = (("lookback", tuple(range(1, 40))), ("hidden", tuple(range(1, 40))))
    assert candidates(grid, "random:5", 0) != candidates(grid, "random:5", 1)


@pytest.mark.parametrize("search", ["random", "random:0", "random:x", "bayes", "grid:3"])
def test_bad_search_is_refused(search):
    with pytest.raises(ConfigError, match="--search"):
        SweepSpec(models=("lstm",), search=search)


def test_baselines_run_once_per_setting_they_read_and_without_seeds():
    spec = SweepSpec(models=("lstm", "naive", "ar"), seeds=3,
                     grid=parse_grid(["lookback=5,10", "hidden=4,8"], BASE))
    units = plan(spec, ["a"])
    by_model = {name: [(dict(u.params), u.seed) for u in units if u.model == name] for name in spec.models}
    assert len(by_model["lstm"]) == 2 * 2 * 3
    assert by_model["naive"] == [({}, None)]
    assert by_model["ar"] == [({"lookback": 5}, None), ({"lookback": 10}, None)]


def test_every_unit_is_distinct_and_its_key_round_trips():
    spec = SweepSpec(models=("gru", "ma"), seeds=2, grid=parse_grid(["lookback=5,10"], BASE), global_models=True)
    units = plan(spec, ["a", "b"])
    assert len({u.key for u in units}) == len(units)
    assert all(Unit.from_dict(json.loads(u.key)) == u for u in units)


def test_global_models_train_on_every_dataset_and_come_first():
    spec = SweepSpec(models=("lstm", "naive"), seeds=2, global_models=True)
    units = plan(spec, ["a", "b", "c"], global_data=["a", "c"])
    assert [(u.data, u.model, u.seed) for u in units[:2]] == [(("a", "c"), "lstm-global", 0),
                                                              (("a", "c"), "lstm-global", 1)]
    assert {u.model for u in units[2:]} == {"lstm", "naive"}
    assert labels(spec) == ["lstm", "lstm-global", "naive"]


def test_a_unit_builds_its_settings_from_the_base():
    unit = Unit(("a",), "lstm", (("hidden", 8),), 3)
    assert unit.config(ModelConfig(epochs=7, seed=0)) == ModelConfig(epochs=7, hidden=8, seed=3)
    assert Unit(("a",), "naive", (), None).config(ModelConfig(seed=5)).seed == 5


@pytest.mark.parametrize(("spec", "message"), [
    ({"models": ("naive",), "global_models": True}, "--global trains one network"),
    ({"models": ("lstm", "prophet")}, "unknown model\\(s\\) prophet"),
    ({"models": ("lstm",), "seeds": 0}, "seeds must be at least 1"),
])
def test_bad_sweeps_are_refused(spec, message):
    with pytest.raises(ConfigError, match=message):
        SweepSpec(**spec)


def test_a_sweep_needs_a_validation_part_to_choose_on():
    with pytest.raises(ConfigError, match="chooses settings on the validation part"):
        SplitOptions(val_size=0)


def test_settings_read_as_grid_takes_them():
    assert params_text({"hidden": 16, "lr": 0.001, "scaler": "minmax"}) == "hidden=16 lr=0.001 scaler=minmax"
    assert params_text({}) == "—"


@pytest.mark.parametrize("spec", [{"base": ModelConfig(target="direction")},
                                  {"grid": (("target", ("price", "direction")),)}])
def test_a_sweep_refuses_the_direction_target_in_one_line(spec):
    with pytest.raises(ConfigError, match="compare --target direction"):
        SweepSpec(models=("lstm",), **spec)
