"""Learning-outcome alignment between one credential and a whole catalogue.

The catalogue's outcomes are encoded once into one matrix; a credential is aligned
against every course with a single matrix product and segment reductions (no Python
loop over courses). Scores are rounded to 4 decimals and ties broken by course id, so
thread counts and batch sizes never change a ranking.

Two questions are kept apart (DESIGN.md, "Ranking is not coverage"):
- which course the credential is *about*: ranking features (whole text, title, the
  incoming outcomes' best homes weighted by how specific they are, a lexical score),
  combined by a learnt model (`calibration.py`);
- whether a chosen course's outcomes are *met*: for every local outcome, the probability
  that its best incoming outcome covers it (`PairModel`), read in three zones: covered,
  to confirm (never on its own the ground of a substantial difference), not covered.
"""

from __future__ import annotations

import functools
import json
import math
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import threads
from .background import background_scores, background_vectors
from .catalogue import Catalogue, Course
from .encoders import Encoder
from .lexical import LexicalIndex
from .messages import N_
from .products import pair_cosines

DECIMALS = 4
# Per (credential, course), every value in [0, 1]:
#   text_similarity    cosine of the credential's whole text with the course's whole text
#   title_similarity   cosine of the two titles (the whole text when the credential has no title)
#   incoming_coverage  mean over incoming outcomes, weighted by specificity, of the probability
#                      that the course holds an outcome it covers (its best home there)
#   specific_coverage  mean over the course's outcomes, weighted by specificity, of the
#                      probability that some incoming outcome covers it
#   essential_coverage the same, unweighted, over the essential outcomes
#   covered_share      share of essential outcomes in the "covered" zone
#   incoming_share     share of incoming outcomes that found a home (covered) in the course
#   lexical            BM25 score of the credential against the course, over the best course's
#                      (0 when the credential is written in another language than the course)
#   best_pair          the best single pair probability
#   cross_lingual      1 when the credential is written in another language than the course
FEATURES = ["text_similarity", "title_similarity", "incoming_coverage", "specific_coverage", "essential_coverage",
            "covered_share", "incoming_share", "lexical", "best_pair", "cross_lingual"]
# Each feature in plain words, for explanations ("why this course ranked first").
FEATURE_LABELS = {
    "baseline": N_("starting point of the model"),
    "text_similarity": N_("the two descriptions as a whole"),
    "title_similarity": N_("the titles"),
    "incoming_coverage": N_("the credential's specific outcomes found in the course"),
    "specific_coverage": N_("the course's specific outcomes found in the credential"),
    "essential_coverage": N_("the course's essential outcomes found in the credential"),
    "covered_share": N_("share of essential outcomes clearly covered"),
    "incoming_share": N_("share of the credential's outcomes with a clear match"),
    "lexical": N_("words in common"),
    "best_pair": N_("the closest single pair of outcomes"),
    "cross_lingual": N_("written in another language"),
}
ZONES = ("covered", "to_confirm", "not_covered")
PAIR_FEATURES = ("cosine", "hubness", "cross_lingual", "margin")


class _OneBlasThread:
    """Runs the alignment on one BLAS thread. On 2 cores, OpenBLAS's idle threads spin for a
    while after a product and take the cores from the encoder's next call: a ranking at
    10,000 courses measured p50 115 ms with two BLAS threads and 72 ms with one (the
    product alone takes 14 ms on two threads, 22 ms on one). The limit is process-wide, so
    concurrent alignments share it and the last to leave restores the original."""

    def __init__(self):
        self._lock = threading.Lock()
        self._inside = 0
        self._limiter = None

    def __enter__(self) -> None:
        with self._lock:
            if not self._inside:
                self._limiter = _blas_controller().limit(limits=1, user_api="blas")
            self._inside += 1

    def __exit__(self, *exc) -> None:
        with self._lock:
            self._inside -= 1
            if not self._inside:
                self._limiter.restore_original_limits()


@functools.cache
def _blas_controller():
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


ONE_BLAS_THREAD = _OneBlasThread()


def _round(x: np.ndarray) -> np.ndarray:
    return np.round(np.asarray(x, dtype=np.float64), DECIMALS)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def course_text(course: Course) -> str:
    """The whole course as one text: title, description and learning outcomes."""
    return ". ".join(t for t in [course.title, course.description, *(lo.text for lo in course.learning_outcomes)] if t)


@dataclass(frozen=True)
class PairModel:
    """P(an incoming outcome covers a local outcome), a logistic function of the pair's cosine,
    the two texts' background scores (hubness: CSLS), whether they are in different
    languages, and the pair's margin: how much better the incoming outcome says another
    outcome of the same course (0 when it says this one best; negative when it says another
    one better, as "implement
    binary search trees" says little about "represent graphs" when the course also has
    "implement search trees"). Fitted per embedding model on labelled pairs
    (`benchmarks/fit_pairs.py`).

    Zones: covered at or above `covered`; to confirm at or above `to_confirm`; not covered
    below. `specific` is the probability above which two local outcomes of different courses
    say the same thing (for specificity weights)."""

    model_id: str
    cosine: float
    hubness: float
    cross_lingual: float
    margin: float
    intercept: float
    covered: float
    to_confirm: float
    source: str

    @classmethod
    def load(cls, path: Path) -> "PairModel":
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls(model_id=data["model_id"], **{k: float(data["coef"].get(k, 0.0)) for k in PAIR_FEATURES},
                   intercept=float(data["intercept"]), covered=float(data["covered"]),
                   to_confirm=float(data["to_confirm"]), source=str(data.get("source", path.name)))

    def logits(self, cosines: np.ndarray, hub: np.ndarray, cross: np.ndarray | float,
               margin: np.ndarray | float = 0.0) -> np.ndarray:
        return (self.cosine * cosines + self.hubness * hub + self.cross_lingual * cross + self.margin * margin
                + self.intercept)

    def zone(self, probability: float) -> str:
        if probability >= self.covered:
            return "covered"
        return "to_confirm" if probability >= self.to_confirm else "not_covered"


@dataclass(frozen=True)
class OutcomeMatch:
    """The incoming outcome that best covers one local outcome, and how well.

    `covered` is True in the "covered" zone only; an outcome "to confirm" is neither shown
    covered nor shown missing (under the LRC the burden of proof is the institution's, so it
    is never on its own the ground of a substantial difference)."""

    local_outcome: str
    essential: bool
    incoming_outcome: str
    incoming_index: int
    similarity: float  # cosine
    covered: bool
    probability: float = 1.0  # P(covers), from the model's PairModel
    zone: str = "covered"
    specificity: float = 1.0  # 1 = said by no other course; near 0 = said by most (generic)


@dataclass(frozen=True)
class Candidate:
    course_id: str
    title: str
    ects: float
    score: float
    score_name: str  # "probability" (calibrated) or "coverage" (no calibration for this model)
    features: dict[str, float]
    matches: tuple[OutcomeMatch, ...] = field(repr=False)
    # Each feature's share of the score's log-odds (and "baseline": the intercept), as in a
    # match-weight waterfall: why this course ranked where it did.
    contributions: dict[str, float] = field(default_factory=dict, repr=False)
    clear: bool = True  # the score reaches the model's abstention threshold

    @property
    def uncovered_essential(self) -> list[str]:
        return [m.local_outcome for m in self.matches if m.essential and m.zone == "not_covered"]


def pair_margins(sims: np.ndarray, offsets: np.ndarray, outcome_course: np.ndarray) -> np.ndarray:
    """For local outcomes x incoming outcomes: how much better the incoming outcome says another
    outcome of the same course, as a negative number (0 when it says this one best; a course
    with one outcome has no other). Only the shortfall counts: saying this outcome best is no
    evidence of saying it at all (that is the cosine's part). The best of the other outcomes
    is better exactly when this one is not the course's best, so the shortfall is the
    distance to the course's best, floored at -1."""
    top = np.maximum.reduceat(sims, offsets, axis=0)
    return np.maximum(sims - top[outcome_course], -1.0)


def cross_lingual(local: np.ndarray, incoming: np.ndarray) -> np.ndarray:
    """1 where a local outcome and an incoming outcome are in different languages (local x
    incoming, float32), comparing the catalogue's languages once per incoming language."""
    languages, column = np.unique(incoming, return_inverse=True)
    if not len(languages):
        return np.zeros((len(local), 0), dtype=np.float32)
    return np.stack([local != language for language in languages], axis=1).astype(np.float32)[:, column.ravel()]


def idf_weights(document_frequency: np.ndarray, n_documents: int) -> np.ndarray:
    """Specificity in [0, 1] from how many courses say the same thing: 1 for a statement only
    one course makes, near 0 for one most courses make (inverse document frequency,
    normalised by its maximum)."""
    n = max(n_documents, 1)
    df = np.clip(document_frequency, 1, n)
    return _round(np.log((n + 1) / df) / math.log(n + 1))


SPECIFICITY_SAMPLE = 5000  # outcomes compared with each outcome to estimate its document frequency
GENERIC = 0.35  # specificity below which an uncovered local outcome is generic: to confirm, not missing
# Local outcomes from which a ranking's pair scores may be split across the cores (the alignment
# of a known credential at 10,000 courses, 59,944 outcomes, took p50 63 -> 44 ms on two)
SPLIT_FROM = 20_000


class CatalogueIndex:
    """All local outcomes of a catalogue as one unit-vector matrix, grouped by course, with
    what every ranking needs precomputed: course and title vectors, background scores,
    outcome specificity and a lexical index."""

    def __init__(self, catalogue: Catalogue, encoder: Encoder, pairs: PairModel):
        self.catalogue = catalogue
        self.model_id = encoder.model_id
        self.pairs = pairs
        courses = catalogue.courses
        self.course_ids = np.array([c.id for c in courses])
        counts = np.array([len(c.learning_outcomes) for c in courses])
        self.offsets = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
        self.outcome_course = np.repeat(np.arange(len(courses)), counts)
        self.outcome_texts = [lo.text for c in courses for lo in c.learning_outcomes]
        self.essential = np.array([lo.essential for c in courses for lo in c.learning_outcomes], dtype=bool)
        self.course_languages = np.array([c.language for c in courses])
        self.outcome_languages = self.course_languages[self.outcome_course]
        self.n_essential = np.add.reduceat(self.essential.astype(np.int64), self.offsets)
        # Outcomes, course texts and titles go to the encoder in one call, so the cache
        # dedupes across them and the model sees full batches.
        n_out, n_courses = len(self.outcome_texts), len(courses)
        vectors = encoder.encode(self.outcome_texts + [course_text(c) for c in courses] + [c.title for c in courses])
        self.outcome_vectors = vectors[:n_out]
        self.course_vectors = vectors[n_out:n_out + n_courses]
        self.title_vectors = vectors[n_out + n_courses:]
        self.background = background_vectors(encoder)
        with ONE_BLAS_THREAD:
            self.outcome_hub = background_scores(self.outcome_vectors, self.background).astype(np.float32)
            self.specificity = self._specificity()
        self.lexical = LexicalIndex([course_text(c) for c in courses])
        self.rows: np.ndarray | None = None  # catalogue positions of a subset's courses (None: every course)
        self.whole = self  # the index over the whole catalogue (a subset's parent)

    def subset(self, positions) -> "CatalogueIndex":
        """The same index restricted to some courses (catalogue positions, kept in catalogue
        order): `align` on it gives, for those courses, exactly what it gives on the whole
        index, as long as every course in which an incoming outcome may have a home is
        included (`ann.candidate_courses` sees to it). What depends on the whole catalogue
        is read from it: specificity (precomputed), the number of courses, the lexical
        score's normaliser."""
        rows = np.unique(np.asarray(positions, dtype=np.int64))
        counts = np.array([len(self.catalogue.courses[i].learning_outcomes) for i in rows], dtype=np.int64)
        outcomes = (np.concatenate([np.arange(self.offsets[i], self.offsets[i] + n) for i, n in zip(rows, counts)])
                    if len(rows) else np.zeros(0, dtype=np.int64))
        view = object.__new__(CatalogueIndex)
        view.__dict__.update(self.__dict__)
        view.catalogue = Catalogue.model_construct(institution=self.catalogue.institution, programmes=self.catalogue.programmes,
                                                   courses=[self.catalogue.courses[i] for i in rows])
        view.course_ids, view.course_languages, view.n_essential = (
            self.course_ids[rows], self.course_languages[rows], self.n_essential[rows])
        view.course_vectors, view.title_vectors = self.course_vectors[rows], self.title_vectors[rows]
        view.offsets = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
        view.outcome_course = np.repeat(np.arange(len(rows)), counts)
        view.outcome_texts = [self.outcome_texts[j] for j in outcomes]
        for name in ("essential", "outcome_languages", "outcome_vectors", "outcome_hub", "specificity"):
            setattr(view, name, getattr(self, name)[outcomes])
        view.rows, view.whole = rows, self
        return view

    def _specificity(self) -> np.ndarray:
        """Each outcome's specificity from how many other courses have an outcome saying the same
        (pair probability >= `covered`, same language), estimated on an evenly spaced sample
        of at most SPECIFICITY_SAMPLE outcomes for a large catalogue."""
        n = len(self.outcome_texts)
        if n == 0:
            return np.zeros(0)
        sample = np.arange(n) if n <= SPECIFICITY_SAMPLE else np.linspace(0, n - 1, SPECIFICITY_SAMPLE).astype(np.int64)
        scale = n / len(sample)
        threshold = math.log(self.pairs.covered / (1 - self.pairs.covered))  # the covered probability as a logit
        df = np.empty(n)
        for start in range(0, n, 4096):
            rows = slice(start, min(start + 4096, n))
            z = self.pairs.logits(self.outcome_vectors[rows] @ self.outcome_vectors[sample].T,
                                  (self.outcome_hub[rows, None] + self.outcome_hub[None, sample]) / 2, 0.0)
            same = (z >= threshold) & (self.outcome_course[rows, None] != self.outcome_course[None, sample])
            df[rows] = 1 + same.sum(axis=1) * scale
        return idf_weights(df, len(self.catalogue.courses))

    def align(self, incoming: np.ndarray, incoming_languages: np.ndarray, language: str, query_text: str,
              optional_weight: float, parts: int = 1) -> dict[str, np.ndarray]:
        """Per-course features for one credential, but for `text_similarities`. incoming: m x d
        outcome vectors with their languages; language: the one the credential is written in;
        query_text: the credential as text (for the lexical score); parts: threads that share
        the pair scores from SPLIT_FROM outcomes on (the same results)."""
        pairs = self.pairs
        n_courses = len(self.course_ids)
        incoming_hub = background_scores(incoming, self.background).astype(np.float32)
        cross = cross_lingual(self.outcome_languages, incoming_languages)
        # Each part scores the pairs of a run of courses (the pool's threads and this one).
        bounds = self._course_runs(parts if len(self.outcome_texts) >= SPLIT_FROM else 1)
        score = functools.partial(self._best_pairs, incoming=incoming, incoming_hub=incoming_hub, cross=cross)
        later = [threads.pool("pairs", len(bounds) - 2).submit(score, start, stop) for start, stop in zip(bounds[1:-1], bounds[2:])]
        scored = [score(bounds[0], bounds[1]), *(f.result() for f in later)]
        best, best_in, best_logit, home_logit = (np.concatenate(column) for column in zip(*scored))
        probability = _round(_sigmoid(best_logit))
        zone = np.where(probability >= pairs.covered, 0, np.where(probability >= pairs.to_confirm, 1, 2))
        zone = np.where((zone == 2) & (self.specificity < GENERIC), 1, zone)  # generic: to confirm
        # per course and incoming outcome: the probability of its best home there (n_courses x m)
        home = _round(_sigmoid(home_logit))
        homes = (home >= pairs.covered).sum(axis=0)  # courses in which each incoming outcome has a home
        incoming_weight = np.maximum(idf_weights(homes, len(self.whole.course_ids)), 0.05)
        local_weight = np.maximum(self.specificity, 0.05) * np.where(self.essential, 1.0, optional_weight)
        ess = self.essential.astype(np.float64)
        n_ess = np.maximum(self.n_essential, 1)
        other_language = (self.course_languages != language).astype(np.float64)
        lexical = self.lexical.scores(query_text) * (self.whole.course_languages == language)  # every course's
        top = lexical.max() if len(lexical) else 0.0  # the best course's, over the whole catalogue
        lexical = lexical if self.rows is None else lexical[self.rows]
        return {
            "best": _round(best),
            "best_in": best_in,
            "probability": probability,
            "zone": zone,
            "incoming_coverage": _round(home @ incoming_weight / incoming_weight.sum()),
            "specific_coverage": _round(np.add.reduceat(probability * local_weight, self.offsets)
                                        / np.add.reduceat(local_weight, self.offsets)),
            "essential_coverage": _round(np.add.reduceat(probability * ess, self.offsets) / n_ess),
            "covered_share": _round(np.add.reduceat((zone == 0) * ess, self.offsets) / n_ess),
            "incoming_share": _round((home >= pairs.covered).mean(axis=1)),
            "lexical": _round(lexical / top) if top > 0 else np.zeros(n_courses),
            "best_pair": _round(home.max(axis=1)),
            "cross_lingual": other_language,
            "incoming_hub": incoming_hub,
            "cross": cross,
        }

    def _course_runs(self, parts: int) -> np.ndarray:
        """Course positions that cut the catalogue into `parts` runs of about as many outcomes."""
        n_courses, n_outcomes = len(self.course_ids), len(self.outcome_texts)
        cuts = np.searchsorted(self.offsets, np.linspace(0, n_outcomes, parts + 1)[1:-1])
        return np.unique(np.concatenate([[0], cuts, [n_courses]]))

    def _pair_logits(self, start: int, stop: int, incoming: np.ndarray, incoming_hub: np.ndarray,
                     cross: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For the outcomes of courses start..stop-1 against the incoming ones (local x incoming):
        where each course starts among them, the pair cosines (float32) and the pair logits."""
        first = int(self.offsets[start])
        end = int(self.offsets[stop]) if stop < len(self.offsets) else len(self.outcome_texts)
        offsets = self.offsets[start:stop] - first
        sims = pair_cosines(self.outcome_vectors[first:end], incoming)
        margin = pair_margins(sims, offsets, self.outcome_course[first:end] - start)
        logits = self.pairs.logits(sims, (self.outcome_hub[first:end, None] + incoming_hub[None, :]) / 2,
                                   cross[first:end], margin)
        return offsets, sims, logits

    def _best_pairs(self, start: int, stop: int, incoming: np.ndarray, incoming_hub: np.ndarray,
                    cross: np.ndarray) -> tuple[np.ndarray, ...]:
        """For the outcomes of courses start..stop-1: each one's best incoming outcome (its cosine,
        index and pair logit), and per course the best logit of each incoming outcome there."""
        offsets, sims, logits = self._pair_logits(start, stop, incoming, incoming_hub, cross)
        rows, best_in = np.arange(len(sims)), logits.argmax(axis=1)
        return sims[rows, best_in], best_in, logits[rows, best_in], np.maximum.reduceat(logits, offsets, axis=0)

    def text_similarities(self, whole: np.ndarray, title: np.ndarray) -> dict[str, np.ndarray]:
        """The credential's whole text and title (one unit vector each) against every course's."""
        return {"text_similarity": _round(self.course_vectors @ whole), "title_similarity": _round(self.title_vectors @ title)}

    def _span(self, course_index: int) -> slice:
        start = int(self.offsets[course_index])
        return slice(start, start + len(self.catalogue.courses[course_index].learning_outcomes))

    def course_similarities(self, course_index: int, incoming: np.ndarray) -> np.ndarray:
        """Cosine of every incoming outcome with every outcome of one course (m x n_course)."""
        return _round(pair_cosines(self.outcome_vectors[self._span(course_index)], incoming).T)

    def course_probabilities(self, course_index: int, incoming: np.ndarray, alignment: dict[str, np.ndarray]) -> np.ndarray:
        """P(covers) of every incoming outcome for every outcome of one course (m x n_course)."""
        _, _, logits = self._pair_logits(course_index, course_index + 1, incoming, alignment["incoming_hub"],
                                         alignment["cross"])
        return _round(_sigmoid(logits)).T

    def matches_for(self, course_index: int, alignment: dict[str, np.ndarray], incoming_texts: list[str]) -> tuple[OutcomeMatch, ...]:
        return tuple(
            OutcomeMatch(
                local_outcome=self.outcome_texts[j], essential=bool(self.essential[j]),
                incoming_outcome=incoming_texts[alignment["best_in"][j]], incoming_index=int(alignment["best_in"][j]),
                similarity=float(alignment["best"][j]), covered=bool(alignment["zone"][j] == 0),
                probability=float(alignment["probability"][j]), zone=ZONES[int(alignment["zone"][j])],
                specificity=float(self.specificity[j]),
            )
            for j in range(*self._span(course_index).indices(len(self.outcome_texts)))
        )


@dataclass(frozen=True)
class ProgrammeCandidate:
    programme_id: str
    title: str
    score: float  # the score of its best course
    score_name: str
    best_course_id: str


def top_k(scores: np.ndarray, ids: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k best scores, ties broken by id (ascending): a stable, total order."""
    order = np.lexsort((ids, -scores))
    return order[:k]


def candidates_frame(candidates: list[Candidate]) -> pd.DataFrame:
    """One row per candidate, features as columns, in rank order."""
    rows = [
        {"rank": i + 1, "course_id": c.course_id, "title": c.title, "ects": c.ects, "score": c.score, **c.features}
        for i, c in enumerate(candidates)
    ]
    return pd.DataFrame(rows, columns=["rank", "course_id", "title", "ects", "score", *FEATURES])
