"""Read the development sets under benchmarks/devsets/ (layout in benchmarks/DATA.md).

A set holds a catalogue (or, for a translation, names its base set's catalogue in
`set.yaml`), credentials split into `dev` (parameters may be fitted on them) and `heldout`
(never fitted on), `gold.csv` (`NONE`: no counterpart in the catalogue) and `pairs.csv`
(outcome-pair coverage labels).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from recognition_engine import load_catalogue, load_credentials
from recognition_engine.catalogue import Catalogue
from recognition_engine.credential import MicroCredential

ROOT = Path(__file__).resolve().parent / "devsets"
NONE = "NONE"
SPLITS = ("dev", "heldout")


@dataclass
class DevSet:
    name: str
    folder: Path
    catalogue: Catalogue
    credentials: dict[str, list[MicroCredential]]  # split -> credentials
    gold: dict[str, set[str]]  # credential id -> acceptable course ids; empty set: no counterpart
    pairs: list[dict[str, str]] = field(default_factory=list)

    def split_of(self, credential_id: str) -> str:
        return next(s for s, creds in self.credentials.items() if any(c.id == credential_id for c in creds))


def catalogue_path(folder: Path) -> Path:
    meta = folder / "set.yaml"
    if meta.exists():
        return (folder / yaml.safe_load(meta.read_text(encoding="utf-8"))["catalogue"]).resolve()
    if (folder / "catalogue.yaml").exists():
        return folder / "catalogue.yaml"
    return folder.parent / folder.name.rsplit("-", 1)[0] / "catalogue.yaml"  # a translation: its base set's


def load_devset(folder: Path) -> DevSet:
    gold: dict[str, set[str]] = {}
    with (folder / "gold.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            courses = gold.setdefault(row["credential_id"].strip(), set())
            if row["course_id"].strip() != NONE:
                courses.add(row["course_id"].strip())
    pairs = []
    if (folder / "pairs.csv").exists():
        with (folder / "pairs.csv").open(encoding="utf-8", newline="") as f:
            pairs = list(csv.DictReader(f))
    credentials = {s: load_credentials(folder / "credentials" / s) for s in SPLITS if (folder / "credentials" / s).exists()}
    return DevSet(folder.name, folder, load_catalogue(catalogue_path(folder)), credentials, gold, pairs)


def devsets(root: Path = ROOT, names: list[str] | None = None) -> list[DevSet]:
    folders = sorted(p for p in root.iterdir() if (p / "gold.csv").exists()) if root.exists() else []
    return [load_devset(f) for f in folders if names is None or f.name in names]
