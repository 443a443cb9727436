"""Retrieval quality against a gold file: recall@1, recall@5 and MRR for the engine and
two baselines (TF-IDF and whole-text embedding cosine), ranked on the same data.

A ranker maps a credential to every catalogue course id, best first. Baseline scores are
rounded like the engine's and ties broken by course id, so every ranking is deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import pandas as pd

from .catalogue import Catalogue
from .credential import MicroCredential
from .engine import Engine, credential_summary
from .errors import InputError, Problem
from .loaders import read_csv_rows
from .matching import DECIMALS, course_text, top_k

Ranker = Callable[[MicroCredential], list[str]]
GOLD_COLUMNS = ("credential_id", "course_id")


@dataclass(frozen=True)
class RankerMetrics:
    ranker: str
    recall_at_1: float
    recall_at_5: float
    mrr: float
    n: int


@dataclass(frozen=True)
class EvaluationResult:
    """Metrics per ranker; `ranks` has one row per (credential_id, ranker) with
    rank_of_first_gold (1-based; <NA> when no gold course was ranked at all)."""

    metrics: list[RankerMetrics]
    n: int  # credentials evaluated
    skipped: int  # credentials without gold rows
    ranks: pd.DataFrame


def read_gold(path: str | Path) -> dict[str, set[str]]:
    """Read `credential_id,course_id` rows (a credential may have several) into id -> course ids."""
    name = Path(path).name
    gold: dict[str, set[str]] = {}
    problems: list[Problem] = []
    for rownum, ids in read_csv_rows(path, GOLD_COLUMNS):
        problems += [Problem(name, f"row {rownum}", c, "empty id") for c, v in ids.items() if not v]
        if all(ids.values()):
            gold.setdefault(ids["credential_id"], set()).add(ids["course_id"])
    if not gold and not problems:
        problems.append(Problem(name, "", "", "no gold rows"))
    if problems:
        raise InputError(problems)
    return gold


def _ranked_ids(scores: np.ndarray, ids: np.ndarray) -> list[str]:
    scores = np.round(np.asarray(scores, dtype=np.float64), DECIMALS)
    return ids[top_k(scores, ids, len(ids))].tolist()


def engine_ranker(catalogue: Catalogue, engine: Engine) -> Ranker:
    """The engine's own ranking over the whole catalogue."""
    return lambda credential: [c.course_id for c in engine.rank(credential, k=len(catalogue.courses))]


def tfidf_ranker(catalogue: Catalogue, engine: Engine) -> Ranker:
    """TF-IDF fitted on the course documents; cosine against the credential's title and outcomes."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    ids = np.array([c.id for c in catalogue.courses])
    vectorizer = TfidfVectorizer()
    courses = vectorizer.fit_transform([course_text(c) for c in catalogue.courses])  # rows are unit vectors
    return lambda credential: _ranked_ids(
        (courses @ vectorizer.transform([credential_summary(credential)]).T).toarray().ravel(), ids
    )


def embedding_ranker(catalogue: Catalogue, engine: Engine) -> Ranker:
    """Cosine between one embedding per course document and one per credential, with the
    encoder the engine would use for that credential."""
    ids = np.array([c.id for c in catalogue.courses])
    documents = [course_text(c) for c in catalogue.courses]

    def rank(credential: MicroCredential) -> list[str]:
        vectors = engine.encoder_for(credential).encode([*documents, credential_summary(credential)])
        return _ranked_ids(vectors[:-1] @ vectors[-1], ids)

    return rank


RANKERS: dict[str, Callable[[Catalogue, Engine], Ranker]] = {
    "engine": engine_ranker,
    "tfidf": tfidf_ranker,
    "embedding": embedding_ranker,
}


def first_gold_rank(ranking: Sequence[str], gold: set[str]) -> int | None:
    """1-based rank of the first gold course in the ranking, None when none is ranked."""
    return next((i for i, course_id in enumerate(ranking, start=1) if course_id in gold), None)


def metrics(ranker: str, ranks: Sequence[int | None]) -> RankerMetrics:
    """recall@1, recall@5 and MRR from first-gold ranks (None counts as a miss)."""
    found = np.array([r for r in ranks if not pd.isna(r)], dtype=np.float64)
    n = len(ranks)
    return RankerMetrics(
        ranker, float((found <= 1).sum() / n), float((found <= 5).sum() / n), float((1 / found).sum() / n), n
    )


def _gold_problems(catalogue: Catalogue, credentials: list[MicroCredential], gold: dict[str, set[str]], source: str) -> list[Problem]:
    if not gold:
        return [Problem(source, "", "", "no gold rows")]
    course_ids = {c.id for c in catalogue.courses}
    credential_ids = {c.id for c in credentials}
    problems = [
        Problem(source, f"credential {cid}", "course_id", f"course {course!r} is not in the catalogue")
        for cid, courses in sorted(gold.items()) for course in sorted(courses - course_ids)
    ]
    problems += [
        Problem(source, f"credential {cid}", "credential_id", "no such credential in the credentials given")
        for cid in sorted(set(gold) - credential_ids)
    ]
    return problems


def evaluate(
    catalogue: Catalogue, credentials: list[MicroCredential], gold: dict[str, set[str]], engine: Engine,
    gold_source: str = "gold",
) -> EvaluationResult:
    """Rank the whole catalogue for every credential with a gold row, with each ranker.

    A gold course missing from the catalogue, or a gold credential missing from the
    credentials, is an InputError naming it (`gold_source` labels the gold file).
    """
    problems = _gold_problems(catalogue, credentials, gold, gold_source)
    if problems:
        raise InputError(problems)
    labelled = [c for c in credentials if c.id in gold]
    rows = []
    for name, make in RANKERS.items():
        ranker = make(catalogue, engine)
        rows += [(c.id, name, first_gold_rank(ranker(c), gold[c.id])) for c in labelled]
    ranks = pd.DataFrame(rows, columns=["credential_id", "ranker", "rank_of_first_gold"])
    ranks["rank_of_first_gold"] = ranks["rank_of_first_gold"].astype("Int64")
    return EvaluationResult(
        metrics=[metrics(name, ranks.loc[ranks["ranker"] == name, "rank_of_first_gold"].tolist()) for name in RANKERS],
        n=len(labelled),
        skipped=len(credentials) - len(labelled),
        ranks=ranks,
    )
