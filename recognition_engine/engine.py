"""The engine: a catalogue, the encoders, and ranked candidates for a credential."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from .calibration import Calibration
from .catalogue import Catalogue
from .credential import MicroCredential
from .encoders import CachedEncoder, EmbeddingCache, Encoder, make_encoder
from .encoders.base import E5, MINILM
from .matching import FEATURES, ONE_BLAS_THREAD, Candidate, CatalogueIndex, ProgrammeCandidate, candidates_frame, top_k
from .paths import cache_dir, models_dir

ENGLISH = {None, "en"}


@dataclass(frozen=True)
class ModelProfile:
    """Per-model matching parameters: cosine scales differ between models, so a
    threshold is only valid for the model it was set for."""

    model_id: str
    outcome_match_threshold: float
    optional_weight: float
    source: str
    # Cosines between languages run lower than within one (multilingual models):
    # the covering threshold when the credential's language differs from the course's.
    cross_lingual_threshold: float | None = None
    calibration: Calibration | None = None  # without one, candidates are ranked by essential coverage
    calibration_file: str | None = None  # relative to the models folder

    def thresholds(self, credential_language: str | None, course_languages: np.ndarray) -> np.ndarray:
        """The covering threshold for each course, by whether its language is the credential's."""
        cross = self.cross_lingual_threshold if self.cross_lingual_threshold is not None else self.outcome_match_threshold
        return np.where(course_languages == (credential_language or "en"), self.outcome_match_threshold, cross)

    def scores(self, alignment: dict[str, np.ndarray]) -> np.ndarray:
        if self.calibration is None:
            return alignment["essential_coverage"]
        return self.calibration.probability(alignment)

    @property
    def score_name(self) -> str:
        return "coverage" if self.calibration is None else "probability"


def load_profiles(path: Path | None = None) -> dict[str, ModelProfile]:
    path = path or models_dir() / "profiles.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    profiles = {}
    for model_id, p in data["models"].items():
        calibration = Calibration.load(path.parent / p["calibration"]) if p.get("calibration") else None
        if calibration is not None and calibration.model_id != model_id:
            raise ValueError(f"{path}: {p['calibration']} was fitted for {calibration.model_id!r}, not {model_id!r}")
        cross = p.get("cross_lingual_threshold")
        profiles[model_id] = ModelProfile(
            model_id, float(p["outcome_match_threshold"]), float(p["optional_weight"]), str(p["source"]),
            None if cross is None else float(cross), calibration, p.get("calibration"),
        )
    return profiles


class Engine:
    """Holds a catalogue and ranks its courses for incoming credentials.

    `encoder="auto"` uses all-MiniLM-L6-v2 when both the credential and the catalogue are
    in English and multilingual-e5-small otherwise; any other value is passed to
    `make_encoder` and used for everything. An encoder instance may also be given.
    """

    def __init__(
        self,
        catalogue: Catalogue,
        encoder: str | Encoder = "auto",
        cache_path: Path | str | None = None,
        profiles: dict[str, ModelProfile] | None = None,
    ):
        self.catalogue = catalogue
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
            english = self._catalogue_english and (credential is None or credential.language in ENGLISH)
            key = MINILM if english else E5
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
                self._indices[encoder.model_id] = CatalogueIndex(self.catalogue, encoder)
            return self._indices[encoder.model_id]

    def align(self, credential: MicroCredential) -> tuple[ModelProfile, CatalogueIndex, dict[str, np.ndarray]]:
        """Features of the credential against every course, as arrays in catalogue order."""
        encoder = self.encoder_for(credential)
        profile = self.profile(encoder)
        index = self.index(encoder)
        vectors = encoder.encode(credential_texts(credential))
        outcomes = vectors[: len(credential.outcome_texts)]
        thresholds = profile.thresholds(credential.language, index.course_languages)
        with ONE_BLAS_THREAD:
            alignment = index.align(outcomes, centroid(vectors), thresholds, profile.optional_weight)
            alignment["score"] = profile.scores(alignment)
        alignment["incoming"] = outcomes
        return profile, index, alignment

    def features(self, credential: MicroCredential) -> pd.DataFrame:
        """One row per catalogue course with every alignment feature and the score."""
        if not credential.learning_outcomes:
            raise ValueError(f"credential {credential.id!r} has no learning outcomes to align")
        _, index, alignment = self.align(credential)
        return pd.DataFrame({"course_id": index.course_ids, **{f: alignment[f] for f in [*FEATURES, "score"]}})

    def rank(self, credential: MicroCredential, k: int = 5) -> list[Candidate]:
        """The k courses the credential's outcomes cover best, each with its outcome pairs."""
        if not credential.learning_outcomes:
            return []
        return self._courses(credential, *self.align(credential), k)

    def rank_programmes(self, credential: MicroCredential, k: int = 3) -> list[ProgrammeCandidate]:
        """Programmes ranked by their best-scoring course for this credential."""
        if not credential.learning_outcomes:
            return []
        return self._programmes(*self.align(credential), k)

    def ranking_frame(self, credential: MicroCredential, k: int = 5) -> pd.DataFrame:
        """The top-k courses, then the top programmes, one row each (`kind` says which)."""
        if not credential.learning_outcomes:
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
        """The candidate for one course (by catalogue position) from an `align` result."""
        profile, index, alignment = aligned
        course = self.catalogue.courses[course_index]
        return Candidate(
            course_id=course.id, title=course.title, ects=course.ects,
            score=float(alignment["score"][course_index]), score_name=profile.score_name,
            features={f: float(alignment[f][course_index]) for f in FEATURES},
            matches=index.matches_for(course_index, alignment, credential.outcome_texts),
        )

    def _programmes(self, profile, index, alignment, k) -> list[ProgrammeCandidate]:
        position = {cid: i for i, cid in enumerate(index.course_ids)}
        out = []
        for programme in self.catalogue.programmes:
            members = np.array([position[c] for c in programme.courses], dtype=np.int64)
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


def credential_summary(credential: MicroCredential) -> str:
    """The whole credential as one text: title then outcomes (for the baselines)."""
    return ". ".join([credential.title or "", *credential.outcome_texts]).strip(". ")


def credential_texts(credential: MicroCredential) -> list[str]:
    """What the engine encodes for a credential: its outcomes, then its title if it has one.

    Every text is short, so one batch pads little. The credential as a whole is the centroid
    of these vectors rather than the embedding of one long text: encoding that text as well
    took 65 ms against 38 ms for this one call (p50 over 200 credentials, 2 threads)."""
    return [*credential.outcome_texts, *([credential.title] if credential.title else [])]


def centroid(vectors: np.ndarray) -> np.ndarray:
    """The unit-length mean of unit vectors: the direction they share."""
    mean = vectors.mean(axis=0)
    return mean / max(float(np.linalg.norm(mean)), 1e-12)
