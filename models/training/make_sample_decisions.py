"""Build the training decisions for the shipped calibration from the sample gold file.

Each sample credential's gold course(s) count as `full` recognition; its 8 best-covered
other courses (by uncalibrated essential coverage, each credential with the model `auto`
picks for it) count as `not_equivalent`: the hard negatives an officer would actually
have looked at. Deterministic: the same inputs give the same file.

    python models/training/make_sample_decisions.py > models/training/sample_decisions.csv
    python models/training/make_sample_decisions.py --english-only > models/training/sample_decisions_en.csv

The English-only file trains the all-MiniLM-L6-v2 calibration: that model is never used
for other languages, so their scores would only teach it noise.
"""

from __future__ import annotations

import csv
import sys
from dataclasses import replace

from recognition_engine import Engine, load_catalogue, load_credentials
from recognition_engine.engine import load_profiles
from recognition_engine.evaluation import read_gold
from recognition_engine.paths import examples_dir

NEGATIVES_PER_CREDENTIAL = 8


def main() -> None:
    english_only = "--english-only" in sys.argv[1:]
    profiles = {mid: replace(p, calibration=None) for mid, p in load_profiles().items()}
    engine = Engine(load_catalogue(examples_dir() / "catalogue.yaml"), profiles=profiles)
    gold = read_gold(examples_dir() / "gold.csv")
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["credential", "course_id", "decision"])
    for credential in load_credentials(examples_dir() / "credentials"):
        if english_only and credential.language not in (None, "en"):
            continue
        for course_id in sorted(gold[credential.id]):
            writer.writerow([credential.id, course_id, "full"])
        others = [c.course_id for c in engine.rank(credential, k=NEGATIVES_PER_CREDENTIAL + len(gold[credential.id]))
                  if c.course_id not in gold[credential.id]]
        for course_id in others[:NEGATIVES_PER_CREDENTIAL]:
            writer.writerow([credential.id, course_id, "not_equivalent"])


if __name__ == "__main__":
    main()
