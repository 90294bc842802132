"""Darts on the canonical job: `BlockRNNModel` (LSTM or GRU), price target, MinMax scaler fit on train, float32.

    python benchmarks/peers/darts_job.py --model lstm|gru [--seeds 1] [--epochs 20]

With `--seeds N` it fits N networks one after another in this process (seeds 0..N-1), as a user comparing
seeds would; `train_s` is then the sum of the fits. Accuracy is reported for the first seed.
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
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--epochs", type=int, default=EPOCHS, help="fewer only for a smoke run")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    logging.getLogger("pytorch_lightning").setLevel(logging.ERROR)
    logging.getLogger("lightning").setLevel(logging.ERROR)
    import darts
    from darts import TimeSeries
    from darts.dataprocessing.transformers import Scaler
    from darts.models import BlockRNNModel

    job = load_job()
    series = TimeSeries.from_values(job.prices.astype(np.float32))  # float64 would double Darts' time
    scaler = Scaler().fit(series[:job.test_start])
    scaled = scaler.transform(series)
    train_s, first = 0.0, None
    for seed in range(args.seeds):
        model = BlockRNNModel(
            model=args.model.upper(), input_chunk_length=LOOKBACK, output_chunk_length=1, hidden_dim=HIDDEN,
            n_rnn_layers=LAYERS, dropout=DROPOUT, batch_size=BATCH, n_epochs=args.epochs, optimizer_kwargs={"lr": LR},
            random_state=seed,
            pl_trainer_kwargs={"accelerator": "cpu", "enable_progress_bar": False, "enable_model_summary": False,
                               "logger": False, "enable_checkpointing": False})
        started = time.perf_counter()
        model.fit(scaled[:job.test_start], verbose=False)
        train_s += time.perf_counter() - started
        first = first or model
    forecasts = first.historical_forecasts(scaled, start=job.test_start, start_format="position",
                                           forecast_horizon=1, stride=1, retrain=False, last_points_only=True,
                                           verbose=False)
    predicted = scaler.inverse_transform(forecasts).values().ravel().astype(np.float64)
    emit("Darts BlockRNNModel", darts.__version__, args.model, job, predicted, train_s, fits=args.seeds)


if __name__ == "__main__":
    main()
