"""The reference: a plain PyTorch loop (nn.LSTM / nn.GRU, windows by unfold, no DataLoader), price target.

    python benchmarks/peers/plain_torch.py --model lstm|gru [--seed 0]
"""

from __future__ import annotations

import argparse
import time

import torch
from canonical import BATCH, DROPOUT, EPOCHS, HIDDEN, LAYERS, LOOKBACK, LR, emit, load_job
from torch import nn


class Net(nn.Module):
    def __init__(self, cell: str) -> None:
        super().__init__()
        self.rnn = {"lstm": nn.LSTM, "gru": nn.GRU}[cell](1, HIDDEN, LAYERS, batch_first=True, dropout=DROPOUT)
        self.head = nn.Linear(HIDDEN, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.rnn(x)[0][:, -1]).squeeze(-1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", choices=("lstm", "gru"), required=True)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    job = load_job()
    torch.manual_seed(args.seed)
    mean, sd = job.train.mean(), job.train.std()  # scaler fit on the training part only
    scaled = torch.tensor((job.prices - mean) / sd, dtype=torch.float32)
    windows = scaled.unfold(0, LOOKBACK, 1)  # windows[i] = days i .. i + 19, predicting day i + 20
    x_train, y_train = windows[:job.windows], scaled[LOOKBACK:job.test_start]
    net = Net(args.model)
    optimizer = torch.optim.Adam(net.parameters(), lr=LR)
    generator = torch.Generator().manual_seed(args.seed)
    started = time.perf_counter()
    for _ in range(EPOCHS):
        order = torch.randperm(len(y_train), generator=generator)
        for first in range(0, len(order), BATCH):
            batch = order[first:first + BATCH]
            loss = nn.functional.mse_loss(net(x_train[batch].unsqueeze(-1)), y_train[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    train_s = time.perf_counter() - started
    net.eval()
    with torch.inference_mode():
        scaled_forecasts = net(windows[job.test_start - LOOKBACK:len(job.prices) - LOOKBACK].unsqueeze(-1))
    emit("plain PyTorch loop", torch.__version__, args.model, job, scaled_forecasts.double().numpy() * sd + mean,
         train_s)


if __name__ == "__main__":
    main()
