"""Checkpoints and model comparison: the series, the selected and compared models, and what
changed between them."""
