"""Text encoders behind one protocol, with a persistent embedding cache.

Heavy libraries (torch, sentence-transformers) are imported only when a model is loaded.
"""

from .base import Encoder, make_encoder
from .cache import CachedEncoder, EmbeddingCache

__all__ = ["Encoder", "make_encoder", "CachedEncoder", "EmbeddingCache"]
