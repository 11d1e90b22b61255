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
from deepling.analysis.ablation import AblationEffect, ablate, ablation_effect
from deepling.analysis.attribution import attribute
from deepling.analysis.checkpoint_projection import checkpoint_grid, checkpoint_projection
from deepling.analysis.cka import cka
from deepling.analysis.edits import apply_edits
from deepling.analysis.evaluation import Evaluation, evaluate
from deepling.analysis.featurevis import FeatureVisSettings, feature_visualization, layer_atlas
from deepling.analysis.featurevis_check import FeatureVisCheck, featurevis_check
from deepling.analysis.occlusion import OcclusionMap, occlusion_sensitivity
from deepling.analysis.pivot_mds import pivot_mds, procrustes_align
from deepling.analysis.projection import Projection, layer_projection
from deepling.analysis.strips import (
    Strip,
    StripSettings,
    StripTarget,
    adversarial_strip,
    adversarial_strips,
)
from deepling.analysis.top_activations import top_activations
from deepling.analysis.trust_faithfulness import (
    FaithfulnessReport,
    faithfulness,
    faithfulness_report,
)
from deepling.analysis.trust_quantus import quantus_scores
from deepling.analysis.trust_randomization import RandomizationCheck, randomization_check
from deepling.analysis.weight_change import LayerChange, weight_change
from deepling.data import ArrayDataset, Dataset, fit_batch, load_dataset
from deepling.engine import RaySettings
from deepling.errors import DeeplingError
from deepling.graph import Graph, Node
from deepling.models import Model, load_model
from deepling.models.ablated import Ablation
from deepling.models.checkpoints import Checkpoints, load_checkpoints
from deepling.server import create_app, serve, show

__all__ = [
    "Ablation",
    "AblationEffect",
    "ArrayDataset",
    "Checkpoints",
    "Dataset",
    "DeeplingError",
    "Evaluation",
    "FaithfulnessReport",
    "FeatureVisCheck",
    "FeatureVisSettings",
    "Graph",
    "LayerChange",
    "Model",
    "Node",
    "OcclusionMap",
    "Projection",
    "RandomizationCheck",
    "RaySettings",
    "Strip",
    "StripSettings",
    "StripTarget",
    "__version__",
    "adversarial_strip",
    "adversarial_strips",
    "ablate",
    "ablation_effect",
    "apply_edits",
    "attribute",
    "checkpoint_grid",
    "checkpoint_projection",
    "cka",
    "create_app",
    "evaluate",
    "faithfulness",
    "faithfulness_report",
    "feature_visualization",
    "featurevis_check",
    "fit_batch",
    "layer_atlas",
    "layer_projection",
    "load_checkpoints",
    "load_dataset",
    "load_model",
    "occlusion_sensitivity",
    "pivot_mds",
    "procrustes_align",
    "quantus_scores",
    "randomization_check",
    "serve",
    "show",
    "top_activations",
    "weight_change",
]
