"""Convert the lo-equivalence development data (CAHLR/skill-equivalency, MIT) into the
engine's formats: each destination (ASSISTments) skill becomes a one-outcome course, each
labelled source (Cognitive Tutor) skill a one-outcome credential, and the labels gold.csv.

Usage: convert_lo_equivalence.py [OUT_DIR]   (default benchmarks/data/lo-equivalence/)
The shared data folder is <repo>/../shared/data unless RECOGNITION_SHARED_DATA is set.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "benchmarks" / "data" / "lo-equivalence"


def source_dir() -> Path:
    return Path(os.environ.get("RECOGNITION_SHARED_DATA", REPO.parent / "shared" / "data")) / "lo-equivalence-dev"


def _skill(id_: str, name: str, **fields) -> dict:
    """A course or credential whose title and single learning outcome are the skill name."""
    name = name.strip()
    return {"id": id_, "title": name, **fields, "learning_outcomes": [name], "language": "en"}


def _write_yaml(path: Path, data: dict) -> None:
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def lo_equivalence(src: Path) -> tuple[dict, dict, list[tuple[str, str]]]:
    """The catalogue and credentials (as loader data) and the sorted gold rows."""
    destinations = json.loads((src / "skill2id_assist.json").read_text(encoding="utf-8"))
    sources = json.loads((src / "skill2id_cog.json").read_text(encoding="utf-8"))
    with (src / "labels_cog2assist_training.csv").open(newline="", encoding="utf-8") as fh:
        labels = [(f"C{sources[r['source']]}", f"A{destinations[r['destination']]}") for r in csv.DictReader(fh)]
    labelled = {cid for cid, _ in labels}
    courses = [_skill(f"A{i}", name, ects=5) for name, i in sorted(destinations.items(), key=lambda kv: int(kv[1]))]
    credentials = [
        _skill(f"C{i}", name) for name, i in sorted(sources.items(), key=lambda kv: int(kv[1])) if f"C{i}" in labelled
    ]
    return {"courses": courses}, {"credentials": credentials}, sorted(set(labels))


def convert(src: Path, out: Path) -> Path:
    """Write catalogue.yaml, credentials.yaml and gold.csv into `out`; return `out`."""
    catalogue, credentials, gold = lo_equivalence(src)
    out.mkdir(parents=True, exist_ok=True)
    _write_yaml(out / "catalogue.yaml", catalogue)
    _write_yaml(out / "credentials.yaml", credentials)
    with (out / "gold.csv").open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([("credential_id", "course_id"), *gold])
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path, nargs="?", default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    print(f"wrote {convert(source_dir(), args.out)}")


if __name__ == "__main__":
    main()
