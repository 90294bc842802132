import pytest
import torch

from tickercast.errors import ConfigError
from tickercast.networks.modules import RecurrentForecaster, resolve_device


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


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
@pytest.mark.parametrize(("hidden", "layers", "outputs"), [(1, 1, 1), (5, 3, 4)])
def test_weight_shapes_are_those_of_the_real_network(cell, hidden, layers, outputs):
    from tickercast.networks.modules import weight_shapes

    net = RecurrentForecaster(cell, hidden=hidden, layers=layers, outputs=outputs)
    assert weight_shapes(cell, hidden=hidden, layers=layers, outputs=outputs) == \
        {name: tuple(tensor.shape) for name, tensor in net.state_dict().items()}


def test_memory_estimate_counts_the_weights_and_grows_with_the_batch():
    from tickercast.config import ModelConfig
    from tickercast.networks.modules import memory_estimate

    config = ModelConfig(hidden=8, layers=2)
    net = RecurrentForecaster("gru", hidden=8, layers=2)
    weights, load_bytes = memory_estimate("gru", config, training=False)
    assert weights == sum(p.numel() for p in net.parameters())
    assert load_bytes == 3 * 4 * weights
    small = memory_estimate("gru", config, training=True)[1]
    assert memory_estimate("gru", ModelConfig(hidden=8, layers=2, batch_size=128), training=True)[1] > small


def test_a_network_too_large_for_the_machine_is_refused_with_the_estimate_before_it_is_built():
    import re

    from tickercast.config import LIMITS, ModelConfig
    from tickercast.networks.modules import check_memory

    largest = ModelConfig(**{name: LIMITS[name] for name in ("hidden", "layers", "lookback", "batch_size")})
    with pytest.raises(ConfigError) as refused:  # about 10**18 bytes: more than any machine has
        check_memory("lstm", largest, training=True)
    message = str(refused.value)
    assert re.fullmatch(r"the lstm network of 32 layer\(s\) x 4096 units has 4,228,927,489 weights and needs about "
                        r"[\d.]+ GiB to train, but [\d.]+ GiB is available; use a smaller .*", message)
    assert len(message) < 300
