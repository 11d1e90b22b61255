"""Channel ablation: named sets of switched-off channels, and the dataset re-evaluated."""
