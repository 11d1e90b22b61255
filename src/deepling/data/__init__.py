"""Datasets: image folders, CIFAR-10 batches, .npz arrays and the bundled MNIST demo digits."""

from deepling.data.base import ArrayDataset, Dataset
from deepling.data.images import fit_batch
from deepling.data.loading import load_dataset

__all__ = ["ArrayDataset", "Dataset", "fit_batch", "load_dataset"]
