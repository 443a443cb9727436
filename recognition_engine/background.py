"""Background scores for hubness correction (CSLS).

Some texts sit close to everything: generic outcomes ("communicate effectively"), or, under
a multilingual model, every text in a language whose cosines run high. Cross-domain
similarity local scaling (Conneau et al. 2018, "Word translation without parallel data";
used in bitext mining) corrects a pair's cosine by each side's background score r(x): the
mean cosine of x with its k nearest neighbours in a set of unrelated texts. The set here is
a seeded sample of ESCO skill labels and descriptions (`reference_data/background_esco.csv`,
built by `benchmarks/build_background.py`), never the other queries or the catalogue.

The bundled models' vectors of the set ship in `models/background/`; any other model
encodes the set once through its embedding cache.
"""

from __future__ import annotations

import csv
import functools
import re

import numpy as np

from .encoders import Encoder
from .paths import models_dir, reference_data_dir

K = 10  # neighbours averaged for r(x), as in CSLS
_CHUNK = 4096  # rows per product, so a large catalogue never holds n x background at once


def background_path():
    return reference_data_dir() / "background_esco.csv"


def vectors_path(model_id: str):
    slug = re.sub(r"[^A-Za-z0-9.]+", "-", model_id).strip("-").lower()
    return models_dir() / "background" / f"{slug}.npy"


@functools.cache
def background_texts() -> tuple[str, ...]:
    with background_path().open(encoding="utf-8", newline="") as f:
        rows = csv.reader(line for line in f if not line.startswith("#"))
        next(rows)  # header
        return tuple(row[0] for row in rows)


_VECTORS: dict[str, np.ndarray] = {}


def background_vectors(encoder: Encoder) -> np.ndarray:
    """The background set's unit vectors under this encoder's model (float32)."""
    if encoder.model_id not in _VECTORS:
        path = vectors_path(encoder.model_id)
        if path.exists():
            vectors = np.load(path).astype(np.float32)
            if len(vectors) != len(background_texts()):
                raise ValueError(f"{path}: {len(vectors)} vectors for {len(background_texts())} background texts; rebuild it")
        else:
            vectors = np.asarray(encoder.encode(list(background_texts())), dtype=np.float32)
        _VECTORS[encoder.model_id] = vectors
    return _VECTORS[encoder.model_id]


def background_scores(vectors: np.ndarray, background: np.ndarray, k: int = K) -> np.ndarray:
    """r(x) for each row of `vectors`: mean cosine with its k nearest background texts."""
    out = np.empty(len(vectors), dtype=np.float64)
    for start in range(0, len(vectors), _CHUNK):
        sims = vectors[start:start + _CHUNK] @ background.T
        top = np.partition(sims, sims.shape[1] - k, axis=1)[:, -k:]
        out[start:start + _CHUNK] = top.mean(axis=1)
    return np.round(out, 4)
