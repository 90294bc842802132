"""NeuralForecast on the canonical job: its `LSTM` / `GRU` (recurrent encoder, 1-layer MLP decoder of 32 units),
price target with NeuralForecast's own per-window standard scaling, MSE loss.

    python benchmarks/peers/neuralforecast_job.py --model lstm|gru

NeuralForecast counts Adam steps, not epochs: 1,260 steps of 64 windows see as many windows as 20 epochs of
4,004. Training time is measured by a Lightning callback around the training loop; `cross_validation` with
`refit=False` then trains once on the days before the test part and forecasts each test day from its history.
"""

from __future__ import annotations

import argparse
import logging
import time
import warnings

import numpy as np
from canonical import BATCH, DROPOUT, EPOCHS, HIDDEN, LAYERS, LOOKBACK, LR, emit, load_job


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", choices=("lstm", "gru"), required=True)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    for name in ("pytorch_lightning", "lightning", "lightning.pytorch", "neuralforecast"):
        logging.getLogger(name).setLevel(logging.ERROR)
    import neuralforecast
    import pandas as pd
    from neuralforecast import NeuralForecast
    from neuralforecast.losses.pytorch import MSE
    from neuralforecast.models import GRU, LSTM
    from pytorch_lightning.callbacks import Callback

    class Timer(Callback):
        seconds = 0.0

        def on_train_start(self, trainer, module) -> None:
            self.started = time.perf_counter()

        def on_train_end(self, trainer, module) -> None:
            Timer.seconds += time.perf_counter() - self.started

    job = load_job()
    steps = EPOCHS * -(-job.windows // BATCH)
    cls = {"lstm": LSTM, "gru": GRU}[args.model]
    model = cls(h=1, input_size=LOOKBACK, encoder_n_layers=LAYERS, encoder_hidden_size=HIDDEN,
                encoder_dropout=DROPOUT, decoder_hidden_size=HIDDEN, decoder_layers=1, loss=MSE(),
                max_steps=steps, learning_rate=LR, batch_size=1, windows_batch_size=BATCH, scaler_type="standard",
                random_seed=0, val_check_steps=steps + 1, accelerator="cpu", enable_progress_bar=False,
                enable_model_summary=False, logger=False, enable_checkpointing=False, callbacks=[Timer()])
    frame = pd.DataFrame({"unique_id": "sp500", "ds": np.arange(len(job.prices)), "y": job.prices})
    test_days = len(job.prices) - job.test_start
    forecasts = NeuralForecast(models=[model], freq=1).cross_validation(
        df=frame, n_windows=None, test_size=test_days, step_size=1, refit=False, val_size=0)
    predicted = forecasts.sort_values("ds")[cls.__name__].to_numpy(dtype=np.float64)
    emit("NeuralForecast", neuralforecast.__version__, args.model, job, predicted, Timer.seconds, steps=steps)


if __name__ == "__main__":
    main()
