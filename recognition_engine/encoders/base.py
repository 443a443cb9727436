"""The encoder protocol and the factory that turns a config string into an encoder."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, Sequence, runtime_checkable

import numpy as np

MINILM = "minilm"
MINILM_INT8 = "minilm-int8"
E5 = "e5"
BUNDLED = (MINILM, MINILM_INT8, E5)  # the specs of the models this package ships fitted files for
# The English model an engine on "auto" uses (benchmarks/quality.py compares it with MINILM).
ENGLISH_DEFAULT = MINILM_INT8


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


def make_encoder(spec: str = ENGLISH_DEFAULT) -> Encoder:
    """`minilm` (bundled all-MiniLM-L6-v2, English), `minilm-int8` (the same, int8 weights on ONNX
    Runtime), `e5` (bundled multilingual-e5-small, for Vietnamese, Lao and other languages), or
    the path or name of any local sentence-transformers model."""
    if spec in (MINILM, MINILM_INT8):
        from .sentence_transformer import SentenceTransformerEncoder

        return SentenceTransformerEncoder(runtime="int8" if spec == MINILM_INT8 else "auto")
    if spec == E5:
        from .e5 import E5Encoder

        return E5Encoder()
    from .sentence_transformer import SentenceTransformerEncoder

    return SentenceTransformerEncoder(Path(spec) if Path(spec).exists() else spec)
