import pytest
import torch

from tickercast.errors import ConfigError
from tickercast.nets import RecurrentForecaster, resolve_device


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_shapes_and_cell_types(cell):
    net = RecurrentForecaster(cell, hidden=6, layers=2, dropout=0.1)
    assert type(net.recurrent).__name__ == cell.upper()
    assert net.recurrent.num_layers == 2
    assert net(torch.randn(5, 12, 1)).shape == (5,)


def test_untrained_network_outputs_exactly_zero():
    net = RecurrentForecaster("lstm", hidden=8)
    assert torch.equal(net(torch.randn(3, 10, 1)), torch.zeros(3))


def test_dropout_only_between_layers():
    assert RecurrentForecaster("gru", layers=1, dropout=0.5).recurrent.dropout == 0.0
    assert RecurrentForecaster("gru", layers=2, dropout=0.5).recurrent.dropout == 0.5


def test_unknown_cell():
    with pytest.raises(ValueError, match="cell must be one of"):
        RecurrentForecaster("transformer")


def test_devices():
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device("auto").type in ("cpu", "cuda", "mps")
    if not torch.cuda.is_available():
        with pytest.raises(ConfigError, match="device 'cuda' is not available"):
            resolve_device("cuda")
