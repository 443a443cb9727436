"""The encoder protocol and the factory that turns a config string into an encoder."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, Sequence, runtime_checkable

import numpy as np

MINILM = "minilm"
E5 = "e5"


@runtime_checkable
class Encoder(Protocol):
    """Turns texts into L2-normalised float32 row vectors.

    `model_id` names the model and its exact weights: it keys the embedding cache and is
    recorded in every assessment, so thresholds calibrated for one model are never used
    with another.
    """

    model_id: str
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


def make_encoder(spec: str = MINILM) -> Encoder:
    """`minilm` (bundled all-MiniLM-L6-v2, English), `e5` (bundled multilingual-e5-small,
    for Vietnamese, Lao and other languages), or the path or name of any local
    sentence-transformers model."""
    if spec == MINILM:
        from .sentence_transformer import SentenceTransformerEncoder

        return SentenceTransformerEncoder()
    if spec == E5:
        from .e5 import E5Encoder

        return E5Encoder()
    from .sentence_transformer import SentenceTransformerEncoder

    return SentenceTransformerEncoder(Path(spec) if Path(spec).exists() else spec)
