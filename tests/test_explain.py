import json

import numpy as np
import pytest

import tickercast as tc
from tests.conftest import price_frame
from tickercast.cli import main
from tickercast.errors import ConfigError
from tickercast.lab.explain import explain_model, explain_sequence
from tickercast.networks.training import predict_network
from tickercast.numpy_cells import COMPANY_A, COMPANY_B, STATQUEST_GATES


def by_hand(sequence):
    """The worked example computed straight from the equations, one unit, no arrays, no tickercast cells."""
    def sigma(a):
        return 1 / (1 + np.exp(-a))

    def gate(name, x, h):
        w_h, w_x, b = STATQUEST_GATES[name]
        return w_h * h + w_x * x + b

    c = h = 0.0
    memories = []
    for x in sequence:
        f, i = sigma(gate("forget", x, h)), sigma(gate("input", x, h))
        g, o = np.tanh(gate("candidate", x, h)), sigma(gate("output", x, h))
        c = f * c + i * g
        h = o * np.tanh(c)
        memories.append((c, h))
    return memories


@pytest.mark.parametrize("sequence", [COMPANY_A, COMPANY_B])
def test_per_day_memories_match_the_equations(sequence):
    steps = explain_sequence("lstm", "statquest", list(sequence))["steps"]
    for step, (c, h) in zip(steps, by_hand(sequence), strict=True):
        assert step["c"] == pytest.approx(c, abs=1e-4)
        assert step["h"] == pytest.approx(h, abs=1e-4)
    assert "keeps" in steps[0]["reading"]
    assert f"{steps[0]['f']:.1%}" in steps[0]["reading"]


def test_cli_json_gives_both_companies_by_default(capsys):
    assert main(["explain", "--cell", "lstm", "--weights", "statquest", "--json"]) == 0
    runs = json.loads(capsys.readouterr().out)["runs"]
    assert [run["sequence"] for run in runs] == [list(COMPANY_A), list(COMPANY_B)]
    for run, sequence in zip(runs, (COMPANY_A, COMPANY_B), strict=True):
        for step, (c, h) in zip(run["steps"], by_hand(sequence), strict=True):
            assert (step["c"], step["h"]) == (pytest.approx(c, abs=1e-4), pytest.approx(h, abs=1e-4))
    assert abs(runs[0]["steps"][-1]["h"]) < 0.01
    assert runs[1]["steps"][-1]["h"] == pytest.approx(1, abs=0.05)


def test_cli_table_for_a_custom_sequence(capsys):
    assert main(["explain", "--weights", "statquest", "--sequence", "0,0.5,0.25,1"]) == 0
    out = capsys.readouterr().out
    assert "0.0064" in out  # Company A's final short-term memory
    assert "step 1: keeps 83.5% of the long-term memory" in out


@pytest.mark.parametrize(("args", "message"), [
    (["--cell", "gru", "--weights", "statquest"], "weights are for an LSTM unit"),
    (["--weights", "statquest", "--sequence", "0,zero"], "cannot read the sequence '0,zero'"),
    (["--weights", "statquest", "--sequence", "0,nan,1"], "write finite numbers"),
    (["--weights", "statquest", "--sequence", ","], "the sequence is empty"),
    (["--model-dir", "/nonexistent/model"], "not a tickercast model folder"),
])
def test_cli_errors_exit_2(args, message, capsys):
    assert main(["explain", *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert message in err


def test_explain_needs_hand_set_weights_it_knows():
    with pytest.raises(ConfigError, match="unknown weights 'random'"):
        explain_sequence("lstm", "random", [1.0])


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    prices = price_frame(200)
    folder = tmp_path_factory.mktemp("model")
    fc = tc.Forecaster("lstm", lookback=6, hidden=3, layers=2, epochs=2).fit(prices)
    fc.save(folder)
    prices.to_csv(folder / "prices.csv")
    return fc, prices, folder


def test_model_gates_have_every_step_and_unit(trained):
    fc, prices, _ = trained
    result = explain_model(fc, prices, days=10)
    assert len(result["dates"]) == 10
    assert result["dates"][-1] == f"{prices.index[-1]:%Y-%m-%d}"
    assert len(result["layers"]) == 2
    forget = np.asarray(result["layers"][1]["values"]["f"])
    assert forget.shape == (10, 3)
    assert ((forget > 0) & (forget < 1)).all()
    assert set(result["layers"][0]["summary"]) == {"f", "i", "g", "o"}


def test_model_explanation_forecasts_the_next_day_like_the_network(trained):
    fc, prices, _ = trained
    model = fc.model_
    close = prices["close"].to_numpy()
    windows, _ = model.windows(close, range(len(close), len(close) + 1))  # the day after the data
    expected = model.target.to_price(model.scaler_.inverse(predict_network(model.net_, windows)), close[-1:])
    result = explain_model(fc, prices, days=fc.config.lookback)
    assert result["next_day_forecast"] == pytest.approx(expected[0], rel=1e-5)


def test_cli_model_dir_writes_the_heatmap(trained, tmp_path, capsys):
    _, _, folder = trained
    code = main(["explain", "--model-dir", str(folder), "--data", str(folder / "prices.csv"), "--days", "12",
                 "--out", str(tmp_path)])
    assert code == 0
    assert "forget gate" in capsys.readouterr().out
    assert (tmp_path / "gates.png").read_bytes()[:4] == b"\x89PNG"


def test_zero_days_is_refused(trained):
    fc, prices, _ = trained
    with pytest.raises(ConfigError, match="--days must be between 1 and"):
        explain_model(fc, prices, days=0)


def test_cli_model_dir_cell_must_match(trained, capsys):
    _, _, folder = trained
    assert main(["explain", "--model-dir", str(folder), "--cell", "gru"]) == 2
    assert "holds a lstm model, not gru" in capsys.readouterr().err


def test_a_model_with_several_inputs_replays_every_input_and_forecasts_like_the_network():
    prices = price_frame(260)
    other = price_frame(260, seed=11)
    fc = tc.Forecaster("gru", lookback=5, hidden=3, layers=1, epochs=2, features="returns,rsi").fit(
        prices, covariates={"other": other})
    result = explain_model(fc, prices, days=8, covariates={"other": other})
    assert result["input_names"] == ["returns", "rsi", "other.returns"]
    assert np.asarray(result["inputs"]).shape == (8, 3)
    assert np.asarray(result["layers"][0]["values"]["z"]).shape == (8, 3)
    _, inputs = fc.prepare(prices, {"other": other})
    day = len(inputs)  # the day after the data, from the last lookback rows of every input
    expected = fc.model_.forecast_direct(inputs, range(day, day + 1))[0, 0]
    result = explain_model(fc, prices, days=fc.config.lookback, covariates={"other": other})
    assert result["next_day_forecast"] == pytest.approx(expected, rel=1e-5)
