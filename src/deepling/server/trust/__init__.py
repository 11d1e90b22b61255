"""How far to trust an explanation: the randomisation check, faithfulness curves for one
image, the per-method table over a dataset sample, and the feature-visualisation path check."""
