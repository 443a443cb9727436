"""The engine: a catalogue, the encoders, and ranked candidates for a credential."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from .catalogue import Catalogue
from .credential import MicroCredential
from .encoders import CachedEncoder, EmbeddingCache, Encoder, make_encoder
from .encoders.base import E5, MINILM
from .matching import FEATURES, Candidate, CatalogueIndex, top_k
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


def load_profiles(path: Path | None = None) -> dict[str, ModelProfile]:
    path = path or models_dir() / "profiles.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {
        model_id: ModelProfile(model_id, float(p["outcome_match_threshold"]), float(p["optional_weight"]), str(p["source"]))
        for model_id, p in data["models"].items()
    }


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
        self._cache = EmbeddingCache(Path(cache_path) if cache_path else cache_dir() / "embeddings.sqlite")
        self._encoders: dict[str, CachedEncoder] = {}
        self._indices: dict[str, CatalogueIndex] = {}
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
        if key not in self._encoders:
            raw = spec if not isinstance(spec, str) else make_encoder(key)
            self._encoders[key] = CachedEncoder(raw, self._cache)
        return self._encoders[key]

    def profile(self, encoder: Encoder) -> ModelProfile:
        try:
            return self._profiles[encoder.model_id]
        except KeyError:
            raise LookupError(
                f"no matching profile for model {encoder.model_id!r}: add it to models/profiles.yaml "
                "(thresholds must be calibrated per model)"
            ) from None

    def index(self, encoder: CachedEncoder) -> CatalogueIndex:
        if encoder.model_id not in self._indices:
            self._indices[encoder.model_id] = CatalogueIndex(self.catalogue, encoder)
        return self._indices[encoder.model_id]

    def rank(self, credential: MicroCredential, k: int = 5) -> list[Candidate]:
        """The k courses the credential's outcomes cover best, each with its outcome pairs."""
        if not credential.learning_outcomes:
            return []
        encoder = self.encoder_for(credential)
        profile = self.profile(encoder)
        index = self.index(encoder)
        texts = credential.outcome_texts
        vectors = encoder.encode([*texts, credential_summary(credential)])
        alignment = index.align(vectors[:-1], vectors[-1], profile.outcome_match_threshold, profile.optional_weight)
        scores = alignment["essential_coverage"]
        out = []
        for i in top_k(scores, index.course_ids, k):
            course = self.catalogue.courses[i]
            out.append(Candidate(
                course_id=course.id, title=course.title, ects=course.ects, score=float(scores[i]),
                features={f: float(alignment[f][i]) for f in FEATURES},
                matches=index.matches_for(int(i), alignment, texts),
            ))
        return out


def credential_summary(credential: MicroCredential) -> str:
    """The whole credential as one text: title then outcomes."""
    return ". ".join([credential.title or "", *credential.outcome_texts]).strip(". ")
