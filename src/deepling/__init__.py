"""Deepling: see inside convolutional neural networks.

Load a trained PyTorch CNN and an image dataset, then analyse them from Python or serve them
as an interactive lab in the browser::

    import deepling
    model = deepling.load_model("models.py:resnet18", "weights.pt", input_shape=(3, 32, 32))
    data = deepling.load_dataset("data/cifar-10-batches-py")
    model.activations(images, ["layer1_0_conv1", "add"])   # node names: model.graph()
    deepling.evaluate(model, data).accuracy
    deepling.serve(model, data)      # from a script; in Jupyter: deepling.show(model, data)
"""

from deepling._version import __version__
from deepling.analysis.evaluation import Evaluation, evaluate
from deepling.analysis.pivot_mds import pivot_mds, procrustes_align
from deepling.analysis.projection import Projection, layer_projection
from deepling.data import ArrayDataset, Dataset, fit_batch, load_dataset
from deepling.errors import DeeplingError
from deepling.graph import Graph, Node
from deepling.models import Model, load_model
from deepling.server import create_app, serve, show

__all__ = [
    "ArrayDataset",
    "Dataset",
    "DeeplingError",
    "Evaluation",
    "Graph",
    "Model",
    "Node",
    "Projection",
    "__version__",
    "create_app",
    "evaluate",
    "fit_batch",
    "layer_projection",
    "load_dataset",
    "load_model",
    "pivot_mds",
    "procrustes_align",
    "serve",
    "show",
]
