"""From prices to training data: targets, chronological splits, scalers fit on train only, windows."""
