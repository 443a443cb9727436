"""Retrieval quality against a gold file: recall@1, recall@5 and MRR for the engine and
three baselines (TF-IDF, BM25 and the whole-text embedding cosine), ranked on the same
data, with bootstrap intervals; how often the engine abstains; and, given labelled outcome
pairs, how often its outcome coverage is wrong.

A ranker maps a credential to a `Ranking` of every catalogue course id, best first.
Baseline scores are rounded like the engine's and ties broken by course id, so every
ranking is deterministic. A gold row with course `NONE` says the credential has no
counterpart in the catalogue: it is left out of recall and MRR and counted for abstention.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd

from .catalogue import Catalogue
from .credential import MicroCredential
from .engine import Engine, credential_summary
from .errors import InputError, Problem
from .loaders import read_csv_rows
from .matching import DECIMALS, course_text, top_k

GOLD_COLUMNS = ("credential_id", "course_id")
PAIR_COLUMNS = ("credential_id", "course_id", "local_outcome", "incoming_outcome", "label")
NO_COUNTERPART = "NONE"
METRICS = ("recall@1", "recall@5", "MRR")


@dataclass(frozen=True)
class Ranking:
    """Course ids best first; the engine's also says whether it abstained and keeps its
    candidates (course id -> Candidate) for the outcome-coverage check."""

    course_ids: list[str]
    abstained: bool = False
    candidate: Callable[[str], Any] | None = field(default=None, repr=False)  # course id -> the engine's Candidate


Ranker = Callable[[MicroCredential], Ranking]


@dataclass(frozen=True)
class RankerMetrics:
    ranker: str
    recall_at_1: float
    recall_at_5: float
    mrr: float
    n: int
    # metric name -> (low, high): percentile bootstrap 95% interval, resampling credentials
    intervals: dict[str, tuple[float, float]] = field(default_factory=dict)


@dataclass(frozen=True)
class EvaluationResult:
    """Metrics per ranker. `ranks` has one row per (credential_id, ranker) with
    rank_of_first_gold (1-based; <NA> when no gold course was ranked, or the credential has
    no counterpart), `counterpart` (False for a NONE credential), `abstained` and `first`
    (the first course id, None when nothing was ranked).
    `coverage` has one row per labelled local outcome of a gold course (see `coverage_rows`)."""

    metrics: list[RankerMetrics]
    n: int  # credentials evaluated for recall and MRR (with a counterpart)
    skipped: int  # credentials without gold rows
    ranks: pd.DataFrame
    coverage: pd.DataFrame
    no_counterpart: int = 0  # credentials whose gold row is NONE


def read_gold(path: str | Path) -> dict[str, set[str]]:
    """Read `credential_id,course_id` rows (a credential may have several) into id -> course ids.
    A credential without counterpart has the one course id `NONE`."""
    name = Path(path).name
    gold: dict[str, set[str]] = {}
    problems: list[Problem] = []
    for rownum, ids in read_csv_rows(path, GOLD_COLUMNS):
        problems += [Problem(name, f"row {rownum}", c, "empty id") for c, v in ids.items() if not v]
        if all(ids.values()):
            gold.setdefault(ids["credential_id"], set()).add(ids["course_id"])
    if not gold and not problems:
        problems.append(Problem(name, "", "", "no gold rows"))
    problems += [
        Problem(name, f"credential {cid}", "course_id", f"{NO_COUNTERPART} (no counterpart) together with a course")
        for cid, courses in sorted(gold.items()) if NO_COUNTERPART in courses and len(courses) > 1
    ]
    if problems:
        raise InputError(problems)
    return gold


def read_pairs(path: str | Path) -> pd.DataFrame:
    """Outcome-pair coverage labels (`PAIR_COLUMNS`; label 1 = the incoming outcome covers
    the local one); a label other than 0 or 1 is an error naming the row."""
    name = Path(path).name
    rows, problems = [], []
    for rownum, row in read_csv_rows(path, PAIR_COLUMNS):
        if row["label"] not in ("0", "1"):
            problems.append(Problem(name, f"row {rownum}", "label", f"must be 0 or 1, got {row['label']!r}"))
        else:
            rows.append({**row, "label": int(row["label"])})
    if problems:
        raise InputError(problems)
    return pd.DataFrame(rows, columns=list(PAIR_COLUMNS))


def _ranked_ids(scores: np.ndarray, ids: np.ndarray) -> Ranking:
    scores = np.round(np.asarray(scores, dtype=np.float64), DECIMALS)
    return Ranking(ids[top_k(scores, ids, len(ids))].tolist())


def engine_ranker(catalogue: Catalogue, engine: Engine) -> Ranker:
    """The engine's own ranking over the whole catalogue: one alignment, the order of its
    scores; the engine abstains when its best candidate is not clear. Candidates (with their
    outcome pairs) are built only when asked for."""

    def rank(credential: MicroCredential) -> Ranking:
        if not credential.learning_outcomes:
            return Ranking([])
        aligned = engine.align(credential)
        _, index, alignment = aligned
        order = top_k(alignment["score"], index.course_ids, len(index.course_ids))
        candidate = lambda course_id: engine.candidate(credential, aligned, index.catalogue.position(course_id))  # noqa: E731
        best = candidate(str(index.course_ids[order[0]]))
        return Ranking(index.course_ids[order].tolist(), not best.clear, candidate)

    return rank


def tfidf_ranker(catalogue: Catalogue, engine: Engine) -> Ranker:
    """TF-IDF fitted on the course documents; cosine against the credential's title and outcomes."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    ids = np.array([c.id for c in catalogue.courses])
    vectorizer = TfidfVectorizer()
    courses = vectorizer.fit_transform([course_text(c) for c in catalogue.courses])  # rows are unit vectors
    return lambda credential: _ranked_ids(
        (courses @ vectorizer.transform([credential_summary(credential)]).T).toarray().ravel(), ids
    )


def bm25_ranker(catalogue: Catalogue, engine: Engine) -> Ranker:
    """Okapi BM25 (bm25s, Lucene variant, k1 1.5, b 0.75) over the course documents, the
    credential's title and outcomes as the query; words as TF-IDF splits them."""
    import bm25s
    from sklearn.feature_extraction.text import TfidfVectorizer

    ids = np.array([c.id for c in catalogue.courses])
    words = TfidfVectorizer().build_analyzer()
    index = bm25s.BM25()
    index.index([words(course_text(c)) for c in catalogue.courses], show_progress=False)

    def rank(credential: MicroCredential) -> Ranking:
        query = words(credential_summary(credential))
        return _ranked_ids(index.get_scores(query) if query else np.zeros(len(ids)), ids)

    return rank


def embedding_ranker(catalogue: Catalogue, engine: Engine) -> Ranker:
    """Cosine between one embedding per course document and one per credential, with the
    encoder the engine would use for that credential."""
    ids = np.array([c.id for c in catalogue.courses])
    documents = [course_text(c) for c in catalogue.courses]

    def rank(credential: MicroCredential) -> Ranking:
        vectors = engine.encoder_for(credential).encode([*documents, credential_summary(credential)])
        return _ranked_ids(vectors[:-1] @ vectors[-1], ids)

    return rank


RANKERS: dict[str, Callable[[Catalogue, Engine], Ranker]] = {
    "engine": engine_ranker,
    "tfidf": tfidf_ranker,
    "bm25": bm25_ranker,
    "embedding": embedding_ranker,
}


def first_gold_rank(ranking: Sequence[str], gold: set[str]) -> int | None:
    """1-based rank of the first gold course in the ranking, None when none is ranked."""
    return next((i for i, course_id in enumerate(ranking, start=1) if course_id in gold), None)


def per_credential(ranks: Sequence[int | None]) -> np.ndarray:
    """Rows of (hit@1, hit@5, reciprocal rank) per credential; an unranked gold course is 0."""
    r = np.array([np.inf if pd.isna(x) else x for x in ranks], dtype=np.float64)
    return np.column_stack([r <= 1, r <= 5, 1 / r]).astype(np.float64)


def bootstrap_interval(values: np.ndarray, resamples: int, seed: int) -> tuple[float, float]:
    """Percentile 95% interval of the mean, resampling the rows. The same seed and row count
    give the same resamples, so rankers evaluated on the same credentials are paired."""
    from scipy.stats import bootstrap

    if len(values) < 2 or np.all(values == values[0]):  # nothing to resample
        mean = float(np.mean(values)) if len(values) else float("nan")
        return mean, mean
    res = bootstrap((values,), np.mean, n_resamples=resamples, confidence_level=0.95, method="percentile",
                    vectorized=True, rng=np.random.default_rng(seed))
    return float(res.confidence_interval.low), float(res.confidence_interval.high)


def metrics(ranker: str, ranks: Sequence[int | None], resamples: int = 0, seed: int = 0) -> RankerMetrics:
    """recall@1, recall@5 and MRR from first-gold ranks (None counts as a miss), with
    bootstrap intervals when `resamples` > 0."""
    values = per_credential(ranks).reshape(-1, 3)
    means = values.mean(axis=0) if len(values) else np.full(3, np.nan)
    intervals = {name: bootstrap_interval(values[:, i], resamples, seed) for i, name in enumerate(METRICS)} if resamples else {}
    return RankerMetrics(ranker, float(means[0]), float(means[1]), float(means[2]), len(values), intervals)


def summarise(ranks: pd.DataFrame, resamples: int = 0, seed: int = 0) -> list[RankerMetrics]:
    """Metrics per ranker (in `ranks` order of appearance) over the credentials with a counterpart."""
    with_counterpart = ranks[ranks["counterpart"]]
    return [
        metrics(name, with_counterpart.loc[with_counterpart["ranker"] == name, "rank_of_first_gold"].tolist(), resamples, seed)
        for name in ranks["ranker"].unique()
    ]


def _gold_problems(catalogue: Catalogue, credentials: list[MicroCredential], gold: dict[str, set[str]], source: str) -> list[Problem]:
    if not gold:
        return [Problem(source, "", "", "no gold rows")]
    course_ids = {c.id for c in catalogue.courses} | {NO_COUNTERPART}
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


def coverage_rows(pairs: pd.DataFrame, credential_id: str, ranking: Ranking) -> list[dict[str, object]]:
    """One row per labelled local outcome of each gold course in `pairs` for this credential:
    `covered_label` 1 when some incoming outcome covers it, and the engine's zone for it
    (None when the engine returned no candidate for that course, e.g. after abstaining)."""
    rows = []
    mine = pairs[pairs["credential_id"] == credential_id]
    for (course_id, local), labels in mine.groupby(["course_id", "local_outcome"], sort=True)["label"]:
        candidate = ranking.candidate(course_id) if ranking.candidate else None
        zones = [m.zone for m in candidate.matches if m.local_outcome == local] if candidate else []
        rows.append({"credential_id": credential_id, "course_id": course_id, "local_outcome": local,
                     "covered_label": int(labels.max()), "zone": zones[0] if zones else None})
    return rows


def evaluate(
    catalogue: Catalogue, credentials: list[MicroCredential], gold: dict[str, set[str]], engine: Engine,
    gold_source: str = "gold", pairs: pd.DataFrame | None = None, resamples: int = 0, seed: int = 0,
) -> EvaluationResult:
    """Rank the whole catalogue for every credential with a gold row, with each ranker.

    A gold course missing from the catalogue, or a gold credential missing from the
    credentials, is an InputError naming it (`gold_source` labels the gold file).
    """
    problems = _gold_problems(catalogue, credentials, gold, gold_source)
    if problems:
        raise InputError(problems)
    labelled = [c for c in credentials if c.id in gold]
    rows, coverage = [], []
    for name, make in RANKERS.items():
        ranker = make(catalogue, engine)
        for credential in labelled:
            ranking, courses = ranker(credential), gold[credential.id] - {NO_COUNTERPART}
            rows.append((credential.id, name, first_gold_rank(ranking.course_ids, courses) if courses else None,
                         bool(courses), ranking.abstained, next(iter(ranking.course_ids), None)))
            if name == "engine" and pairs is not None:
                coverage += coverage_rows(pairs, credential.id, ranking)
    ranks = pd.DataFrame(rows, columns=["credential_id", "ranker", "rank_of_first_gold", "counterpart", "abstained", "first"])
    ranks["rank_of_first_gold"] = ranks["rank_of_first_gold"].astype("Int64")
    with_counterpart = sum(bool(gold[c.id] - {NO_COUNTERPART}) for c in labelled)
    return EvaluationResult(
        metrics=summarise(ranks, resamples, seed),
        n=with_counterpart,
        skipped=len(credentials) - len(labelled),
        ranks=ranks,
        coverage=pd.DataFrame(coverage, columns=["credential_id", "course_id", "local_outcome", "covered_label", "zone"]),
        no_counterpart=len(labelled) - with_counterpart,
    )


def abstention(ranks: pd.DataFrame) -> dict[str, float | int]:
    """From the engine's rows: how often it abstains on credentials with and without a
    counterpart, and how often it still names a first course for one without (wrong subject)."""
    engine = ranks[ranks["ranker"] == "engine"]
    none = engine[~engine["counterpart"]]
    share = lambda s: float(s.mean()) if len(s) else float("nan")  # noqa: E731
    return {
        "n_counterpart": int(engine["counterpart"].sum()),
        "abstain_counterpart": share(engine.loc[engine["counterpart"], "abstained"]),
        "n_none": len(none),
        "abstain_none": share(none["abstained"]),
        "none_top1_reported": share(~none["abstained"] & none["first"].notna()),
    }


def coverage_errors(coverage: pd.DataFrame) -> dict[str, float | int]:
    """Outcome-coverage error rates: 'not covered' on a local outcome labelled covered (a miss),
    its 'to confirm' share, 'covered' on one labelled not covered, and how often a 'not covered'
    verdict is wrong (its outcome is labelled covered)."""
    known = coverage[coverage["zone"].notna()]
    pos, neg = known[known["covered_label"] == 1], known[known["covered_label"] == 0]
    share = lambda s: float(s.mean()) if len(s) else float("nan")  # noqa: E731
    return {
        "n_labelled_covered": len(pos),
        "not_covered_error": share(pos["zone"] == "not_covered"),
        "to_confirm": share(pos["zone"] == "to_confirm"),
        "n_labelled_not_covered": len(neg),
        "covered_error": share(neg["zone"] == "covered"),
        "not_covered_wrong": share(known.loc[known["zone"] == "not_covered", "covered_label"] == 1),
        "no_candidate": int(coverage["zone"].isna().sum()),
    }
