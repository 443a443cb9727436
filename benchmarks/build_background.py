"""Build the background set used to correct similarity scores for hubness (CSLS).

A text that is close to many unrelated texts ("communicate effectively", or any text in a
language whose cosines run high under a multilingual model) gets a high background score
r(x): the mean cosine of its k nearest neighbours in this set. Pair scores subtract it
(cross-domain similarity local scaling, Conneau et al. 2018, as bitext mining does).

The set is unrelated to any catalogue or credential: a seeded sample of ESCO v1.0 skill
labels and the first sentences of skill descriptions (shared/data/esco; ESCO, (c) European
Union, attribution required). Writes reference_data/background_esco.csv and, for each
bundled model, models/background/<model slug>.npy (float16 unit vectors, same order).

    python benchmarks/build_background.py ../shared/data/esco/esco_skills_laiser.csv
"""

from __future__ import annotations

import argparse
import csv
import random
import re
from pathlib import Path

import numpy as np

from recognition_engine.background import background_path, vectors_path
from recognition_engine.encoders import make_encoder
from recognition_engine.encoders.base import BUNDLED

N_LABELS = 1000
N_DESCRIPTIONS = 1000
SEED = 20261128


def sample_texts(esco_csv: Path) -> list[str]:
    rows = list(csv.DictReader(esco_csv.open(encoding="utf-8")))
    labels = sorted({r["preferredLabel"].strip() for r in rows if r["preferredLabel"].strip()})
    descriptions = sorted({re.split(r"(?<=[.!?])\s", r["description"].strip())[0]
                           for r in rows if len(r["description"].strip()) > 30})
    rng = random.Random(SEED)
    return rng.sample(labels, N_LABELS) + rng.sample(descriptions, N_DESCRIPTIONS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("esco_csv", type=Path)
    parser.add_argument("--models", default=",".join(BUNDLED), help=f"comma-separated encoder specs (default {','.join(BUNDLED)})")
    args = parser.parse_args()
    texts = sample_texts(args.esco_csv)
    with background_path().open("w", encoding="utf-8", newline="") as f:
        f.write("# ESCO v1.0 skill labels and description sentences, seeded sample (benchmarks/build_background.py).\n")
        f.write("# This service uses the ESCO classification of the European Commission. (c) European Union.\n")
        writer = csv.writer(f)
        writer.writerow(["text"])
        writer.writerows([t] for t in texts)
    for spec in args.models.split(","):
        encoder = make_encoder(spec)
        vectors = encoder.encode(texts).astype(np.float16)
        out = vectors_path(encoder.model_id)
        out.parent.mkdir(parents=True, exist_ok=True)
        np.save(out, vectors)
        print(f"{encoder.model_id}: {len(texts)} vectors -> {out}")


if __name__ == "__main__":
    main()
