import matplotlib.image
import pytest

import tickercast as tc
from tests.conftest import TINY
from tickercast.report.plots import plot_losses, plot_predictions


@pytest.fixture(scope="module")
def fitted():
    from tests.conftest import price_frame

    prices = price_frame(300)
    return {name: tc.Forecaster(name, **TINY).fit(prices) for name in ("lstm", "naive")}


def test_prediction_plot_is_a_real_png(fitted, tmp_path):
    path = plot_predictions({name: fc.predictions_ for name, fc in fitted.items()}, tmp_path / "p.png", "title")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    height, width, _ = matplotlib.image.imread(path).shape
    assert (width, height) == (1210, 880)


def test_loss_plot_is_a_real_png(fitted, tmp_path):
    path = plot_losses({"lstm": fitted["lstm"].history}, tmp_path / "sub" / "loss.png", "title")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert matplotlib.image.imread(path).shape[:2] == (495, 1210)
