"""Outcomes on the 18 sample credentials, assessed for their gold course (examples/gold.csv).

Prints one row per (credential, gold course): the outcome and the substantial differences
found, and a count per outcome. Nothing here is fitted: the samples are the project's
hand-written examples, and the table is for reading beside examples/README.md, which gives
the outcome an officer would expect.

    PYTHONPATH=$PWD HF_HUB_OFFLINE=1 python benchmarks/sample_outcomes.py [--as-of 2026-11-01] [--policy FILE]
"""

from __future__ import annotations

import argparse
import collections
import csv
import datetime as dt
from pathlib import Path

from recognition_engine import Engine, load_catalogue
from recognition_engine.assessment import Assessor
from recognition_engine.loaders import load_credentials
from recognition_engine.paths import examples_dir
from recognition_engine.policy import load_policy
from recognition_engine.rules import Verdict


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2026, 11, 1))
    parser.add_argument("--policy", type=Path, help="an institution's overlay (default: the default policy alone)")
    args = parser.parse_args()
    root = examples_dir()
    assessor = Assessor(Engine(load_catalogue(root / "catalogue.yaml")), load_policy(args.policy))
    with open(root / "gold.csv", encoding="utf-8") as fh:
        gold = [(r["credential_id"], r["course_id"]) for r in csv.DictReader(fh)]
    counts: collections.Counter[str] = collections.Counter()
    print(f"{'credential':28} {'course':7} {'outcome':25} substantial differences")
    for cid, course in gold:
        credential = load_credentials(root / "credentials" / f"{cid}.yaml")[0]
        a = assessor.assess(credential, course, args.as_of)
        counts[a.outcome.value] += 1
        subst = ", ".join(f.check for f in a.findings if f.verdict is Verdict.substantial_difference)
        print(f"{cid:28} {course:7} {a.outcome.value:25} {subst}")
    print()
    print("  ".join(f"{k}: {v}" for k, v in sorted(counts.items())))


if __name__ == "__main__":
    main()
