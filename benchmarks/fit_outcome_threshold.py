"""Fit each model's `outcome_match_threshold` (models/profiles.yaml) on labelled outcome pairs.

The pairs are the lo-equivalence development data (CAHLR/skill-equivalency, MIT): every
(source skill, destination skill) pair, positive where a person labelled them equivalent.
The threshold is the cosine that maximises F1 on those pairs, reported with precision and
recall. Run it after changing a model, and copy the figure into models/profiles.yaml.

    python benchmarks/fit_outcome_threshold.py [--encoders minilm,e5]
"""

from __future__ import annotations

import argparse
import csv
import json

import numpy as np

from convert_lo_equivalence import source_dir
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


def best_threshold(sims: np.ndarray, positive: np.ndarray) -> dict[str, float]:
    pos, neg = sims[positive], sims[~positive]
    best = {}
    for t in np.round(np.arange(0.05, 1.0, 0.01), 2):
        tp, fp, fn = (pos >= t).sum(), (neg >= t).sum(), (pos < t).sum()
        f1 = 2 * tp / (2 * tp + fp + fn)
        if not best or f1 > best["f1"]:
            best = {"threshold": float(t), "f1": float(f1), "precision": float(tp / max(tp + fp, 1)), "recall": float(tp / (tp + fn))}
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--encoders", default="minilm,e5")
    args = parser.parse_args()
    sources, destinations, positive = labelled_pairs()
    print(f"{positive.sum()} positive and {(~positive).sum()} negative pairs")
    print(f"{'model':<50} {'threshold':>9} {'F1':>6} {'precision':>9} {'recall':>6}")
    for name in args.encoders.split(","):
        encoder = make_encoder(name)
        sims = encoder.encode(sources) @ encoder.encode(destinations).T
        b = best_threshold(sims, positive)
        print(f"{encoder.model_id:<50} {b['threshold']:>9.2f} {b['f1']:>6.3f} {b['precision']:>9.3f} {b['recall']:>6.3f}")


if __name__ == "__main__":
    main()
