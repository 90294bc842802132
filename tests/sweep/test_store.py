import json
import sqlite3

import pytest

from tickercast.errors import ConfigError
from tickercast.evaluate.metrics import METRIC_KEYS
from tickercast.sweep.plan import SweepSpec, Unit
from tickercast.sweep.store import open_run
from tickercast.sweep.unit import Outcome

PRINT = {"ticker": None, "price_column": "close", "rows": 300, "first": "2015-01-02", "last": "2016-02-25"}
DEFINITION = {**SweepSpec(models=("lstm",), grid=(("hidden", (4, 8)),)).to_dict(),
              "data": {"a": {**PRINT, "sha256": "1"}, "b": {**PRINT, "sha256": "2"}}}
LSTM = Unit(("a",), "lstm", (("hidden", 4),), 0)
GLOBAL = Unit(("a", "b"), "lstm-global", (("hidden", 4),), 0)
PART = {**dict.fromkeys(METRIC_KEYS, 1.0), "n": 3}
METRICS = {"val": PART, "test": {**PART, "rmse": float("nan")}}


def test_a_saved_unit_reads_back_as_records_in_plan_order(tmp_path):
    with open_run(tmp_path, DEFINITION, resume=False) as run:
        run.save(GLOBAL, Outcome({"b": METRICS}, {"a": "too short"}, 2.0, 2.0, 1))
        run.save(LSTM, Outcome({"a": METRICS}, {}, 1.0, 1.0, 1))
        records = run.records([LSTM, GLOBAL])
    assert [(r.data, r.model, r.error) for r in records] == [("a", "lstm", None), ("a", "lstm-global", "too short"),
                                                             ("b", "lstm-global", None)]
    assert records[0].params == {"hidden": 4}
    assert records[0].metrics["test"]["rmse"] is None  # strict JSON: NaN is stored as null
    assert json.loads((tmp_path / "sweep.json").read_text())["definition"] == DEFINITION


def test_only_units_that_scored_something_are_finished(tmp_path):
    with open_run(tmp_path, DEFINITION, resume=False) as run:
        run.save(LSTM, Outcome({}, {"a": "diverged"}, 1.0, 1.0, 1))
        run.save(GLOBAL, Outcome({"b": METRICS}, {"a": "too short"}, 2.0, 2.0, 1))
        assert run.finished() == {GLOBAL.key}


def test_a_failed_unit_run_again_replaces_its_error(tmp_path):
    with open_run(tmp_path, DEFINITION, resume=False) as run:
        run.save(LSTM, Outcome({}, {"a": "diverged"}, 1.0, 1.0, 1))
        run.save(LSTM, Outcome({"a": METRICS}, {}, 1.0, 1.0, 1))
        (record,) = run.records([LSTM])
    assert record.error is None
    assert record.metrics["val"]["rmse"] == 1.0


def test_a_folder_holding_a_sweep_is_never_started_over(tmp_path):
    open_run(tmp_path, DEFINITION, resume=False).close()
    with pytest.raises(ConfigError, match="already holds a sweep; add --resume"):
        open_run(tmp_path, DEFINITION, resume=False)


def test_resume_needs_a_sweep_to_resume(tmp_path):
    with pytest.raises(ConfigError, match="nothing to resume"):
        open_run(tmp_path, DEFINITION, resume=True)


def test_resume_refuses_another_sweep_naming_what_differs(tmp_path):
    open_run(tmp_path, DEFINITION, resume=False).close()
    other = {**DEFINITION, "grid": {"hidden": [4]}, "data": {**DEFINITION["data"], "b": {**PRINT, "sha256": "changed"}}}
    with pytest.raises(ConfigError, match="but the grid and data b differ"):
        open_run(tmp_path, other, resume=True)


def test_every_save_is_committed_at_once(tmp_path):
    with open_run(tmp_path, DEFINITION, resume=False) as run:
        run.save(LSTM, Outcome({"a": METRICS}, {}, 1.0, 1.0, 1))
        with sqlite3.connect(tmp_path / "results.sqlite") as other:  # another process's view, mid-sweep
            assert other.execute("SELECT count(*) FROM results").fetchone() == (1,)
