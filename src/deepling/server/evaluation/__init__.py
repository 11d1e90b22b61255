"""The model's predictions over the whole dataset: accuracy, confusion, per-image results."""
