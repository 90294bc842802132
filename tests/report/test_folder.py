"""Reading run folders back: every kind of run, and a clear error for anything that is not one."""

import json
import re

import pytest

from tickercast.errors import DataError
from tickercast.report.folder import read_run


def test_a_compare_folder_gives_one_comparison_with_every_bundle(small_run):
    run = read_run(small_run)
    [comparison] = run.comparisons
    assert sorted(m.label for m in comparison.models) == ["gru-seed0", "lstm-seed0", "naive"]
    lstm = next(m for m in comparison.models if m.label == "lstm-seed0")
    assert lstm.metrics == json.loads((small_run / "lstm-seed0" / "metrics.json").read_text())
    assert lstm.is_network
    assert lstm.history is not None
    assert list(lstm.predictions.columns) == ["date", "actual", "predicted", "naive", "split"]
    assert run.record["command"] == "compare"
    assert run.record["seeds"] == [0]
    assert run.backtest is None
    assert not run.forecasts


def test_a_single_bundle_is_a_comparison_of_one(small_run):
    run = read_run(small_run / "naive")
    assert [m.label for m in run.comparisons[0].models] == ["naive"]


def test_a_backtest_folder_has_forecasts_equity_and_split(backtest_run):
    run = read_run(backtest_run)
    assert run.backtest.settings["model"] == "ar"
    assert set(run.backtest.metrics) == {"1", "2", "3"}
    assert list(run.backtest.equity.columns) == ["date", "buy_and_hold", "long_flat", "long_short"]
    assert set(run.backtest.settings["split"]) == {"train", "val", "test"}
    assert not run.comparisons


@pytest.mark.parametrize("make", ["missing", "file", "empty", "unrelated"])
def test_anything_but_a_run_folder_is_a_data_error(make, tmp_path):
    target = tmp_path / "target"
    if make == "file":
        target.write_text("x")
    elif make in ("empty", "unrelated"):
        target.mkdir()
        if make == "unrelated":
            (target / "notes.txt").write_text("hello")
            (target / "sub").mkdir()
    with pytest.raises(DataError, match="--out folder"):
        read_run(target)


def test_a_damaged_predictions_file_is_a_data_error(small_run, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(small_run / "naive", copy)
    (copy / "predictions.csv").write_text("nothing,useful\n1,2\n")
    with pytest.raises(DataError, match=r"predictions\.csv: damaged file"):
        read_run(copy)


def test_a_sweep_folder_gives_its_definition_every_result_and_the_selection(sweep_run):
    run = read_run(sweep_run)
    sweep = run.sweep
    selection = json.loads((sweep_run / "selection.json").read_text())
    assert sweep.selection == selection
    assert run.leaderboard == selection["leaderboard"]
    assert not run.comparisons
    assert run.record["command"] == "sweep"
    data = list(sweep.definition["data"])
    assert len(sweep.records) == 2 * (8 + 8 + 2 + 1) + (8 + 2 + 1)  # lstm, lstm-global, ar, naive; no global on broken
    assert {r.data for r in sweep.records if r.error} == {data[2]}  # broken.csv: every unit failed, none else
    first = [(r.model, r.params, r.seed) for r in sweep.records if r.data == data[0]]
    assert list(dict.fromkeys(model for model, _, _ in first)) == ["lstm", "lstm-global", "ar", "naive"]
    assert first[:3] == [("lstm", {"hidden": 3, "lookback": 5}, 0), ("lstm", {"hidden": 3, "lookback": 5}, 1),
                         ("lstm", {"hidden": 4, "lookback": 5}, 0)]  # in grid order: lookback=5,8 hidden=3,4
    lstm = next(s for s in selection["selected"] if (s["data"], s["model"]) == (data[0], "lstm"))
    assert [(r.params, r.seed) for r in sweep.runs(lstm)] == [(lstm["params"], 0), (lstm["params"], 1)]
    assert not list(sweep_run.glob("results.sqlite-*"))  # reading leaves no -wal or -shm file behind


def test_an_interrupted_sweep_is_read_without_its_selection(sweep_run, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(sweep_run, copy)
    (copy / "selection.json").unlink()
    run = read_run(copy)
    assert run.sweep.selection is None
    assert run.leaderboard is None
    assert len(run.sweep.records) == len(read_run(sweep_run).sweep.records)


def test_a_compare_of_input_sets_gives_each_model_its_inputs_and_importance_and_the_ablation(inputs_run):
    [comparison] = read_run(inputs_run).comparisons
    assert comparison.ablation == json.loads((inputs_run / "ablation.json").read_text())
    assert [(row["model"], row["inputs"]) for row in comparison.ablation] == [
        ("gru", "+volume"), ("gru", "+index"), ("ar", "+volume"), ("ar", "+index")]
    models = {m.label: m for m in comparison.models}
    assert sorted(models) == ["ar", "ar+index", "ar+volume", "gru+index-seed0", "gru+volume-seed0", "gru-seed0",
                              "naive"]
    for label, model in models.items():
        config = json.loads((inputs_run / label / "config.json").read_text())
        assert (model.inputs, model.importance) == (config["inputs"], config["importance"])
    assert models["gru+volume-seed0"].inputs["columns"] == ["volume.change", "volume.relative"]
    assert models["ar+index"].inputs["with"] == ["index"]
    assert {label for label, m in models.items() if m.reads_inputs} == {"ar+index", "ar+volume", "gru+index-seed0",
                                                                        "gru+volume-seed0"}
    assert not any(m.beyond_returns for label, m in models.items() if label in ("ar", "gru-seed0", "naive"))


def test_a_single_bundle_with_inputs_has_its_importance_and_no_ablation(inputs_run):
    [comparison] = read_run(inputs_run / "gru+volume-seed0").comparisons
    assert comparison.ablation is None
    assert [row["input"] for row in comparison.models[0].importance] != []
    assert {row["input"] for row in comparison.models[0].importance} == {"returns", "volume"}


def test_a_folder_from_before_inputs_reads_as_returns_only(small_run, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(small_run, copy)
    for config in copy.glob("*/config.json"):
        data = json.loads(config.read_text())
        del data["inputs"], data["importance"]
        config.write_text(json.dumps(data))
    models = read_run(copy).comparisons[0].models
    assert [(m.inputs, m.importance, m.beyond_returns) for m in models] == [(None, None, False)] * 3


def _edit(change):
    """An edit that changes the file's data in place (the data itself is written back)."""
    return lambda data: (change(data), data)[1]


def _importance(**values):
    return _edit(lambda config: config["importance"][0].update(values))


def _inputs(**values):
    return _edit(lambda config: config["inputs"].update(values))


#: Edits of a copy of inputs_run that break the shape the report reads: file, edit (data -> data written),
#: and what the one-line error says.
DAMAGED = {
    "importance not a list": ("gru+volume-seed0/config.json", _edit(lambda c: c.update(importance="volume")),
                              '"importance" is not'),
    "importance a string": ("gru+volume-seed0/config.json", _importance(importance="0.1"), '"importance" is not'),
    "importance columns not names": ("ar+volume/config.json", _importance(columns=[1, 2]), '"importance" is not'),
    "importance row without its input": ("ar+volume/config.json", _edit(lambda c: c["importance"][0].pop("input")),
                                         '"importance" is not'),
    "importance list huge": ("ar+volume/config.json",
                             _edit(lambda c: c.update(importance=c["importance"][:1] * 10_001)),
                             "more than 10,000 entries"),
    "inputs not an object": ("gru+index-seed0/config.json", _edit(lambda c: c.update(inputs=5)), '"inputs" is not'),
    "inputs features a string": ("gru+index-seed0/config.json", _inputs(features="returns"), '"inputs" is not'),
    "inputs filled days not counts": ("gru+index-seed0/config.json", _inputs(filled_days={"index": "none"}),
                                      '"inputs" is not'),
    "inputs dropped days a float": ("naive/config.json", _inputs(dropped_days=1.5), '"inputs" is not'),
    "inputs with a huge unknown list": ("naive/config.json", _inputs(notes=[0] * 20_000), "more than 10,000 entries"),
    "ablation an object": ("ablation.json", lambda rows: {"rows": rows}, "not a list of"),
    "ablation row without a verdict": ("ablation.json", _edit(lambda rows: rows[0].pop("verdict")), "not a list of"),
    "ablation p-value a string": ("ablation.json", _edit(lambda rows: rows[1].update(dm_p_value_better="0.01")),
                                  "not a list of"),
    "ablation days a float": ("ablation.json", _edit(lambda rows: rows[1].update(n=57.5)), "not a list of"),
    "ablation row a list": ("ablation.json", _edit(lambda rows: rows.append(["gru", "+volume"])), "not a list of"),
    "ablation huge": ("ablation.json", lambda rows: rows * 2_000, "more than 10,000 entries"),
}


@pytest.mark.parametrize("case", DAMAGED)
def test_a_damaged_inputs_importance_or_ablation_is_one_line_naming_the_file(case, inputs_run, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(inputs_run, copy)
    name, change, what = DAMAGED[case]
    path = copy / name
    path.write_text(json.dumps(change(json.loads(path.read_text()))))
    with pytest.raises(DataError) as error:
        read_run(copy)
    message = str(error.value)
    assert message.startswith(f"{path} is damaged (")
    assert what in message
    assert "\n" not in message
    assert len(message.replace(str(path), "")) < 300


def test_a_backtest_with_damaged_inputs_is_one_line_naming_its_metrics(backtest_run, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(backtest_run, copy)
    metrics = json.loads((copy / "metrics.json").read_text())
    metrics["settings"]["inputs"]["with"] = "nasdaq"
    (copy / "metrics.json").write_text(json.dumps(metrics))
    with pytest.raises(DataError, match=rf'^{re.escape(str(copy / "metrics.json"))} is damaged \("inputs" is not '):
        read_run(copy)


def test_nan_in_an_ablation_file_is_refused_as_damaged_json(inputs_run, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(inputs_run, copy)
    text = (copy / "ablation.json").read_text()
    (copy / "ablation.json").write_text(text.replace('"n": 57', '"n": NaN', 1))
    with pytest.raises(DataError, match=r"ablation\.json: damaged JSON \(NaN is not a JSON number\)"):
        read_run(copy)
