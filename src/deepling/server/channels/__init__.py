"""Per-channel dataset passes of one node: channel statistics (mean, dead fraction) and the
top-activation table that ranks the dataset's images for every channel."""
