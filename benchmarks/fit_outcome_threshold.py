"""Fit each model's `outcome_match_threshold` (models/profiles.yaml) on labelled outcome pairs.

Within one language: the lo-equivalence development data (CAHLR/skill-equivalency, MIT),
every (source skill, destination skill) pair, positive where a person labelled them
equivalent. Across languages (`cross_lingual_threshold`, for multilingual models):
development data only, i.e. the sample set (examples/) and the `dev` split of every set
under benchmarks/devsets/ (never benchmarks/heldout/ nor a devset's `heldout` split): each
credential against its set's catalogue, every course whose language differs from the
credential's, each essential outcome of a gold course a positive and every other course's a
negative (a proxy: a gold course's outcomes are taken as all covered). The threshold is the
cosine that maximises F2 (recall weighted twice as much as precision), reported with F1,
precision and recall: under the Lisbon Recognition Convention the burden of proof is on
the assessor, so an outcome wrongly found "not covered" (a substantial difference claimed
without cause) costs more than one wrongly found covered, which the officer sees in the
evidence anyway. Run it after changing a model, and copy the figures into
models/profiles.yaml.

    python benchmarks/fit_outcome_threshold.py [--encoders minilm,e5]
"""

from __future__ import annotations

import argparse
import csv
import json

import numpy as np

from convert_lo_equivalence import source_dir
from quality_sets import DEVSETS, devset, devset_folders, sample_set
from recognition_engine.encoders import make_encoder


def labelled_pairs():
    src = source_dir()
    destinations = list(json.loads((src / "skill2id_assist.json").read_text(encoding="utf-8")))
    with (src / "labels_cog2assist_training.csv").open(newline="", encoding="utf-8") as fh:
        labels = [(r["source"].strip(), r["destination"].strip()) for r in csv.DictReader(fh)]
    destinations = [d.strip() for d in destinations]
    sources = sorted({s for s, _ in labels})
    positive = np.zeros((len(sources), len(destinations)), dtype=bool)
    for s, d in labels:
        if d in destinations:
            positive[sources.index(s), destinations.index(d)] = True
    return sources, destinations, positive


def development_sets():
    """(catalogue, credentials, gold) of the sample set and of every devset's dev split."""
    sets = sample_set() + [s for folder in devset_folders([DEVSETS]) for s in devset(folder) if s.split == "dev"]
    return [(s.groups[0].catalogue, s.groups[0].credentials, s.gold) for s in sets]


def cross_lingual_pairs(encoder) -> tuple[np.ndarray, np.ndarray]:
    """Best-cover cosines of gold-course (positive) and other-course (negative) essential
    outcomes, for every credential and course in different languages."""
    pos, neg = [], []
    for catalogue, credentials, gold in development_sets():
        essential = [[lo.text for lo in c.learning_outcomes if lo.essential] for c in catalogue.courses]
        course_vectors = [encoder.encode(texts) if texts else None for texts in essential]
        for credential in credentials:
            if credential.id not in gold or not credential.learning_outcomes:
                continue
            incoming = encoder.encode(credential.outcome_texts)
            for course, vectors in zip(catalogue.courses, course_vectors):
                if vectors is None or course.language == (credential.language or "en"):
                    continue
                best = (vectors @ incoming.T).max(axis=1)
                (pos if course.id in gold[credential.id] else neg).extend(best.tolist())
    return np.array(pos), np.array(neg)


BETA = 2.0


def best_threshold(pos: np.ndarray, neg: np.ndarray, step: float = 0.01) -> dict[str, float]:
    best = {}
    for t in np.round(np.arange(0.05, 1.0, step), 3):
        tp, fp, fn = (pos >= t).sum(), (neg >= t).sum(), (pos < t).sum()
        f2 = (1 + BETA**2) * tp / ((1 + BETA**2) * tp + BETA**2 * fn + fp)
        if not best or f2 > best["f2"]:
            best = {"threshold": float(t), "f2": float(f2), "f1": float(2 * tp / (2 * tp + fp + fn)),
                    "precision": float(tp / max(tp + fp, 1)), "recall": float(tp / (tp + fn))}
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--encoders", default="minilm,e5")
    args = parser.parse_args()
    sources, destinations, positive = labelled_pairs()
    print(f"{'model':<50} {'pairs':<14} {'positive':>8} {'negative':>8} {'threshold':>9} {'F2':>6} {'F1':>6} {'precision':>9} {'recall':>6}")
    for name in args.encoders.split(","):
        encoder = make_encoder(name)
        sims = encoder.encode(sources) @ encoder.encode(destinations).T
        rows = [("same language", sims[positive], sims[~positive], 0.01)]
        if name != "minilm":  # all-MiniLM-L6-v2 is English-only and never used across languages
            rows.append(("cross-lingual", *cross_lingual_pairs(encoder), 0.005))
        for label, pos, neg, step in rows:
            b = best_threshold(pos, neg, step)
            print(f"{encoder.model_id:<50} {label:<14} {len(pos):>8} {len(neg):>8} {b['threshold']:>9.3f} "
                  f"{b['f2']:>6.3f} {b['f1']:>6.3f} {b['precision']:>9.3f} {b['recall']:>6.3f}")


if __name__ == "__main__":
    main()
