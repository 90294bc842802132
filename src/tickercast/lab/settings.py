"""The lab's sizes: how long the memory task is, how wide the networks, how many updates.

Apart from `ModelConfig` because nothing in it forecasts prices: the lab (`lab.gradients`) trains networks on a
synthetic memory task to show how gradients decay or explode, and these are its knobs (`tickercast gradients`).
"""

from __future__ import annotations

from dataclasses import dataclass

from tickercast.errors import ConfigError


@dataclass(frozen=True)
class LabSettings:
    """Sizes of the lab; the defaults run in about a minute on a 2-core CPU."""

    hidden: int = 16
    steps: int = 100  # lags measured in the decay curves
    gap: int = 100  # noisy steps between the value to remember and the answer
    noise: float = 1.0
    iterations: int = 1000  # Adam updates on fresh random batches (no overfitting possible)
    batch_size: int = 64
    lr: float = 1e-2
    clip: float = 1.0  # as tickercast's trainer
    gate_bias: float = 5.0  # added to the LSTM forget gate's / GRU update gate's bias in the "open" runs
    radius: float = 3.0  # spectral radius of the exploding RNN's recurrent weights
    explode_iterations: int = 100
    seed: int = 0
    seeds: int = 1  # memory-task runs per cell (seed, seed + 1, ...): learning a long gap is a matter of luck too

    def __post_init__(self) -> None:
        sizes = (self.hidden, self.steps, self.gap, self.iterations, self.batch_size, self.explode_iterations,
                 self.seeds)
        if min(sizes) < 1:
            raise ConfigError("hidden, steps, gap, iterations, batch size and seeds must all be at least 1")

