"""Loading user models, the demo zoo, and training the demo models."""

from deepling.models.loading import load_model
from deepling.models.model import Model

__all__ = ["Model", "load_model"]
