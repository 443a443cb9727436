"""The engine: a catalogue, the encoders, and ranked candidates for a credential."""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from . import ann, threads
from .calibration import Calibration
from .catalogue import Catalogue
from .credential import MicroCredential
from .encoders import CachedEncoder, EmbeddingCache, Encoder, make_encoder
from .encoders.base import E5, ENGLISH_DEFAULT
from .language import detect_languages, dominant_language
from .matching import (FEATURES, ONE_BLAS_THREAD, Candidate, CatalogueIndex, PairModel, ProgrammeCandidate,
                       candidates_frame, top_k)
from .paths import cache_dir, models_dir
from .statements import Screened, Statement, screen_outcomes

ENGLISH = {None, "en"}
# Above this many courses a ranking aligns a short list (`ann.candidate_courses`) instead of
# every course: aligning costs about 2.5 ms per 1,000 courses (README, speed; docs/scaling.md).
SHORTLIST_ABOVE = 20_000
SHORTLIST = 100  # courses aligned by each signal of `ann.candidate_courses`, besides every possible home of an outcome


@dataclass(frozen=True)
class ModelProfile:
    """Per-model matching parameters: cosine scales differ between models, so a pair model,
    a ranking calibration or a threshold is only valid for the model it was fitted for."""

    model_id: str
    pairs: PairModel
    optional_weight: float
    source: str
    calibration: Calibration | None = None  # without one, candidates are ranked by incoming coverage
    calibration_file: str | None = None  # relative to the models folder
    # Below this gate probability (`Calibration.gate`) a course is not clearly what the
    # credential is about; with no clear course the engine abstains and asks for the purpose.
    abstain_below: float = 0.0

    def scores(self, alignment: dict[str, np.ndarray]) -> np.ndarray:
        if self.calibration is None:
            return alignment["incoming_coverage"]
        return self.calibration.probability(alignment)

    @property
    def score_name(self) -> str:
        return "coverage" if self.calibration is None else "probability"

    def clear(self, features: dict[str, float]) -> bool:
        """Whether this course is clearly a counterpart: the calibration's gate (without a
        calibration, the incoming coverage that ranks) reaches `abstain_below`."""
        if self.calibration is None:
            return features["incoming_coverage"] >= self.abstain_below
        return bool(self.calibration.gate({f: np.array([v]) for f, v in features.items()})[0] >= self.abstain_below)


def load_profiles(path: Path | None = None) -> dict[str, ModelProfile]:
    path = path or models_dir() / "profiles.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    profiles = {}
    for model_id, p in data["models"].items():
        calibration = Calibration.load(path.parent / p["calibration"]) if p.get("calibration") else None
        if calibration is not None and calibration.model_id != model_id:
            raise ValueError(f"{path}: {p['calibration']} was fitted for {calibration.model_id!r}, not {model_id!r}")
        pairs = PairModel.load(path.parent / p["pairs"])
        if pairs.model_id != model_id:
            raise ValueError(f"{path}: {p['pairs']} was fitted for {pairs.model_id!r}, not {model_id!r}")
        profiles[model_id] = ModelProfile(
            model_id=model_id, pairs=pairs,
            optional_weight=float(p["optional_weight"]), source=str(p["source"]),
            calibration=calibration, calibration_file=p.get("calibration"),
            abstain_below=calibration.abstain_below if calibration else 0.0,
        )
    return profiles


class Engine:
    """Holds a catalogue and ranks its courses for incoming credentials.

    `encoder="auto"` uses all-MiniLM-L6-v2 (int8, `ENGLISH_DEFAULT`) when both the credential and the catalogue are
    in English and multilingual-e5-small otherwise; any other value is passed to
    `make_encoder` and used for everything. An encoder instance may also be given.
    """

    def __init__(
        self,
        catalogue: Catalogue,
        encoder: str | Encoder = "auto",
        cache_path: Path | str | None = None,
        profiles: dict[str, ModelProfile] | None = None,
        shortlist_above: int | None = SHORTLIST_ABOVE,
        shortlist: int = SHORTLIST,
    ):
        """`shortlist_above`: from this many courses on, rankings align a short list of courses
        (`ann.candidate_courses`: `shortlist` courses by each of four signals and every possible
        home of an incoming outcome; the same scores for the courses on it; None: always every
        course)."""
        self.catalogue = catalogue
        self.shortlist_above, self.shortlist = shortlist_above, shortlist
        self._encoder_spec = encoder
        self._cache_path = Path(cache_path) if cache_path else cache_dir() / "embeddings.sqlite"
        self._indices: dict[str, CatalogueIndex] = {}
        self._building: dict[str, threading.Lock] = {}  # one per model: building one index never blocks another
        self._own: dict[str, CachedEncoder] = {}  # encoders passed in as instances (tests, custom models)
        self._own_cache: EmbeddingCache | None = None  # their cache connection, this engine's alone
        self._lock = threading.RLock()  # lazy setup (encoders, indices) from several threads
        self._profiles = profiles if profiles is not None else load_profiles()
        self._catalogue_english = all(c.language in ENGLISH for c in catalogue.courses)

    def encoder_for(self, credential: MicroCredential | None = None) -> CachedEncoder:
        spec = self._encoder_spec
        if not isinstance(spec, str):
            key = spec.model_id
        elif spec == "auto":
            english = self._catalogue_english and (credential is None or text_language(credential) in ENGLISH)
            key = ENGLISH_DEFAULT if english else E5
        else:
            key = spec
        if not isinstance(spec, str):
            with self._lock:
                if key not in self._own:
                    self._own_cache = self._own_cache or EmbeddingCache(self._cache_path)
                    self._own[key] = CachedEncoder(spec, self._own_cache)
                return self._own[key]
        return shared_encoder(key, self._cache_path)

    def close(self) -> None:
        """Close the cache connection of encoders passed in as instances (shared ones stay open)."""
        if self._own_cache is not None:
            self._own_cache.close()

    def model_ids(self) -> list[str]:
        """The models whose catalogue index is built."""
        return sorted(self._indices)

    def profile(self, encoder: Encoder) -> ModelProfile:
        try:
            return self._profiles[encoder.model_id]
        except KeyError:
            raise LookupError(
                f"no matching profile for model {encoder.model_id!r}: add it to models/profiles.yaml "
                "(thresholds must be calibrated per model)"
            ) from None

    def encoders(self) -> list[CachedEncoder]:
        """Every encoder this engine may use, the one for English first: with "auto" and an
        English catalogue, a credential in another language brings in the multilingual model."""
        default = self.encoder_for(None)
        if self._encoder_spec == "auto" and self._catalogue_english:
            return [default, shared_encoder(E5, self._cache_path)]
        return [default]

    def index(self, encoder: CachedEncoder) -> CatalogueIndex:
        """The catalogue encoded with this encoder, built on first use. While one model's index
        is being built (minutes for a large catalogue), the others stay available."""
        built = self._indices.get(encoder.model_id)
        if built is not None:
            return built
        with self._lock:
            building = self._building.setdefault(encoder.model_id, threading.Lock())
        with building:
            if encoder.model_id not in self._indices:
                index = CatalogueIndex(self.catalogue, encoder, self.profile(encoder).pairs)
                if self._short_lists(index) and len(index.course_ids) >= ann.ANN_MIN_COURSES:
                    ann.open_graphs(index, self._ann_folder)
                self._indices[encoder.model_id] = index
            return self._indices[encoder.model_id]

    def _short_lists(self, index: CatalogueIndex) -> bool:
        return self.shortlist_above is not None and len(index.course_ids) >= self.shortlist_above

    @property
    def _ann_folder(self) -> Path:
        """The ANN graphs are kept beside the embedding cache."""
        return self._cache_path.parent / "ann"

    def align(self, credential: MicroCredential, include=()) -> tuple[ModelProfile, CatalogueIndex, dict[str, np.ndarray]]:
        """Features of the credential against every course, as arrays in the returned index's
        course order: the whole catalogue's, or above `shortlist_above` courses a subset of it
        (`CatalogueIndex.subset`: the short list and the courses whose ids are in `include`)."""
        credential = matching_view(credential)
        encoder = self.encoder_for(credential)
        profile = self.profile(encoder)
        index = self.index(encoder)
        texts = credential.outcome_texts
        vectors = encoder.encode([*texts, *([credential.title] if credential.title else [])])
        outcomes = vectors[: len(texts)]
        # A new whole text (about as many tokens as the outcomes together) is encoded on a second
        # core while the outcomes are aligned on one: only the last features read it. A known one
        # (a batch encodes its rows first, a page shows a credential again) leaves every core to
        # the alignment (two cores splitting it beside the model measured slower than one).
        summary = credential_summary(credential)
        known = encoder.cached([summary])
        encoding = None if known is not None else threads.pool("whole-text", 1).submit(encoder.encode, [summary])

        def whole() -> np.ndarray:
            return (known if encoding is None else encoding.result())[0]

        def title() -> np.ndarray:
            return vectors[len(texts)] if credential.title else whole()

        with ONE_BLAS_THREAD:
            if self._short_lists(index):
                short = ann.candidate_courses(index, outcomes, whole(), title(), summary, self.shortlist,
                                              folder=self._ann_folder)
                wanted = np.array([self.catalogue.position(c) for c in include], dtype=np.int64)
                index = index.subset(np.union1d(short, wanted))
            alignment = index.align(outcomes, outcome_languages(credential), text_language(credential) or "en",
                                    summary, profile.optional_weight, parts=threads.cores() if encoding is None else 1)
            alignment.update(index.text_similarities(whole(), title()))
            alignment["score"] = profile.scores(alignment)
        alignment["incoming"] = outcomes
        return profile, index, alignment

    def features(self, credential: MicroCredential) -> pd.DataFrame:
        """One row per catalogue course with every alignment feature and the score."""
        if not matching_view(credential).learning_outcomes:
            raise ValueError(f"credential {credential.id!r} has no learning outcomes to align")
        _, index, alignment = self.align(credential)
        return pd.DataFrame({"course_id": index.course_ids, **{f: alignment[f] for f in [*FEATURES, "score"]}})

    def rank(self, credential: MicroCredential, k: int = 5) -> list[Candidate]:
        """The k courses the credential's outcomes cover best, each with its outcome pairs."""
        if not matching_view(credential).learning_outcomes:
            return []
        return self._courses(credential, *self.align(credential), k)

    def rank_programmes(self, credential: MicroCredential, k: int = 3) -> list[ProgrammeCandidate]:
        """Programmes ranked by their best-scoring course for this credential."""
        if not matching_view(credential).learning_outcomes:
            return []
        return self._programmes(*self.align(credential), k)

    def ranking_frame(self, credential: MicroCredential, k: int = 5) -> pd.DataFrame:
        """The top-k courses, then the top programmes, one row each (`kind` says which)."""
        if not matching_view(credential).learning_outcomes:
            return candidates_frame([])
        aligned = self.align(credential)
        courses = candidates_frame(self._courses(credential, *aligned, k)).assign(kind="course")
        programmes = pd.DataFrame([
            {"kind": "programme", "rank": i + 1, "programme_id": p.programme_id, "title": p.title,
             "score": p.score, "course_id": p.best_course_id}
            for i, p in enumerate(self._programmes(*aligned, k))
        ])
        return pd.concat([courses, programmes], ignore_index=True) if len(programmes) else courses

    def _courses(self, credential, profile, index, alignment, k) -> list[Candidate]:
        return [self.candidate(credential, (profile, index, alignment), int(i))
                for i in top_k(alignment["score"], index.course_ids, k)]

    def candidate(self, credential: MicroCredential, aligned, course_index: int) -> Candidate:
        """The candidate for one course (by its position in the `align` result's index) from an `align` result."""
        profile, index, alignment = aligned
        credential = matching_view(credential)
        course = index.catalogue.courses[course_index]
        score = float(alignment["score"][course_index])
        features = {f: float(alignment[f][course_index]) for f in FEATURES}
        return Candidate(
            course_id=course.id, title=course.title, ects=course.ects,
            score=score, score_name=profile.score_name, features=features,
            matches=index.matches_for(course_index, alignment, credential.outcome_texts),
            contributions=profile.calibration.contributions(features) if profile.calibration else {},
            clear=profile.clear(features),
        )

    def _programmes(self, profile, index, alignment, k) -> list[ProgrammeCandidate]:
        position = {cid: i for i, cid in enumerate(index.course_ids)}
        out = []
        for programme in self.catalogue.programmes:
            members = np.array([position[c] for c in programme.courses if c in position], dtype=np.int64)
            if not len(members):
                continue
            best = members[top_k(alignment["score"][members], index.course_ids[members], 1)[0]]
            out.append(ProgrammeCandidate(
                programme_id=programme.id, title=programme.title, score=float(alignment["score"][best]),
                score_name=profile.score_name, best_course_id=str(index.course_ids[best]),
            ))
        ids = np.array([p.programme_id for p in out])
        return [out[i] for i in top_k(np.array([p.score for p in out]), ids, k)]


_POOL: dict[tuple[str, Path], CachedEncoder] = {}
_CACHES: dict[Path, EmbeddingCache] = {}
_POOL_LOCK = threading.Lock()


def _cache(path: Path) -> EmbeddingCache:
    with _POOL_LOCK:
        if path not in _CACHES:
            _CACHES[path] = EmbeddingCache(path)
        return _CACHES[path]


def shared_encoder(spec: str, cache_path: Path) -> CachedEncoder:
    """One cached encoder per (model, cache file) in a process: every Engine built on it (a new
    catalogue, a second app) shares the loaded model and the vectors already in memory."""
    key = (spec, cache_path)
    cache = _cache(cache_path)
    with _POOL_LOCK:
        if key not in _POOL:
            _POOL[key] = CachedEncoder(make_encoder(spec), cache)
        return _POOL[key]


@functools.lru_cache(maxsize=4096)
def _screen(texts: tuple[str, ...]) -> Screened:
    return screen_outcomes(texts)


def set_aside(credential: MicroCredential) -> tuple[Statement, ...]:
    """The lines of the credential's outcomes that are not outcome statements (headings, topic
    lists, placeholders, award criteria, ...), with why."""
    return _screen(tuple(credential.outcome_texts)).set_aside


def matching_view(credential: MicroCredential) -> MicroCredential:
    """The credential as matched: lines that are not outcome statements are left out, unless
    that leaves nothing (a title-only record can still be ranked; assessing it asks for its
    outcomes)."""
    screened = _screen(tuple(credential.outcome_texts))
    if not screened.set_aside or not screened.kept:
        return credential
    kept = set(screened.kept)
    return credential.model_copy(update={"learning_outcomes": [lo for lo in credential.learning_outcomes if lo.text in kept]})


def credential_summary(credential: MicroCredential) -> str:
    """The whole credential as one text: title then outcomes."""
    return ". ".join([credential.title or "", *credential.outcome_texts]).strip(". ")


def credential_texts(credential: MicroCredential) -> list[str]:
    """What the engine encodes for a credential: its outcomes, its whole text (compared with
    each course's whole text) and its title if it has one (a batch encodes them all at once
    first, so that its rankings find them in the cache)."""
    return [*credential.outcome_texts, credential_summary(credential), *([credential.title] if credential.title else [])]


def text_language(credential: MicroCredential) -> str | None:
    """The language the credential's outcomes are written in (read from the text); the
    declared language of instruction when the text cannot tell."""
    return dominant_language([*credential.outcome_texts, credential.title or ""]) or credential.language


def outcome_languages(credential: MicroCredential) -> np.ndarray:
    """Each outcome's language, read from its text; the credential's when a line is too short."""
    default = text_language(credential) or "en"
    return np.array([language or default for language in detect_languages(credential.outcome_texts)])
