"""A lexical score: Okapi BM25 of a credential's text against each course's text (bm25s).

Shared words (a standard's name, "SQL", "Kalman filter") are evidence the embedding may
blur; across languages the score is mostly zero and the learnt ranking leans on the rest.
"""

from __future__ import annotations

import numpy as np


def _tokenize(texts: list[str]) -> list[list[str]]:
    import bm25s

    return bm25s.tokenize(texts, stopwords="en", return_ids=False, show_progress=False)


class LexicalIndex:
    def __init__(self, documents: list[str]):
        import bm25s

        self._n = len(documents)
        self._bm25 = bm25s.BM25()
        if documents:
            self._bm25.index(bm25s.tokenize(documents, stopwords="en", show_progress=False), show_progress=False)

    def scores(self, text: str) -> np.ndarray:
        """BM25 score of `text` against every document, in document order."""
        tokens = _tokenize([text])[0] if self._n else []
        known = [t for t in tokens if t in self._bm25.vocab_dict]
        if not known:
            return np.zeros(self._n)
        return np.asarray(self._bm25.get_scores(known), dtype=np.float64)
