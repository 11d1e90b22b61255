"""Layer-by-layer projections of chosen images (PivotMDS, Procrustes-aligned) with each
layer's class separability."""
