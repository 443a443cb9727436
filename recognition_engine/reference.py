"""Loads and validates `reference_data/`: level frameworks, credit systems, ISCED-F, Bloom verbs.

Every file must be listed in `manifest.yaml` with its source; a file that does not match
its schema fails the load with an error naming the file, row and field.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable, TypeVar

import yaml

from .errors import Problem, ReferenceDataError
from .messages import N_
from .paths import reference_data_dir

T = TypeVar("T")
BLOOM_LEVELS = {1: N_("remember"), 2: N_("understand"), 3: N_("apply"), 4: N_("analyse"), 5: N_("evaluate"), 6: N_("create")}


@dataclass(frozen=True)
class FrameworkLevel:
    framework: str
    framework_name: str
    country: str
    level: str
    level_label: str
    eqf_level: int | None  # None: the referencing places this level below EQF 1
    provenance: str  # "official" | "assumed"
    source: str


@dataclass(frozen=True)
class CreditSystem:
    id: str
    label: str
    aliases: tuple[str, ...]
    source: str
    hours_per_credit: tuple[float, float] | None = None
    ects_per_credit: tuple[float, float] | None = None
    notes: str = ""


@dataclass(frozen=True)
class ReferenceData:
    path: Path
    version: str
    digest: str  # sha256 over the files, so an assessment records exactly what it used
    sources: dict[str, str]
    eqf_descriptors: dict[int, dict[str, str]]
    frameworks: dict[tuple[str, str], FrameworkLevel]
    ects_hours_per_credit: tuple[float, float]
    ects_hours_source: str
    credit_systems: dict[str, CreditSystem]
    isced_f: dict[str, str]
    bloom_verbs: dict[str, tuple[int, ...]] = field(repr=False)

    @property
    def framework_ids(self) -> list[str]:
        return sorted({fw for fw, _ in self.frameworks})

    def framework_levels(self, framework: str) -> list[str]:
        return [lvl for fw, lvl in self.frameworks if fw == framework]

    def credit_system(self, name: str) -> CreditSystem | None:
        """Find a credit system by id or alias (case-insensitive)."""
        key = normalise_alias(name)
        return self._alias_index().get(key)

    def _alias_index(self) -> dict[str, CreditSystem]:
        index = {}
        for system in self.credit_systems.values():
            for alias in (system.id, *system.aliases):
                index[normalise_alias(alias)] = system
        return index


def normalise_alias(text: str) -> str:
    return " ".join(text.lower().replace("_", " ").split())


def _read_csv(path: Path, required: list[str], problems: list[Problem]) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in required if c not in (reader.fieldnames or [])]
        if missing:
            problems.append(Problem(path.name, "header", ",".join(missing), "missing column(s)"))
            return []
        return list(reader)


def _range(value: object, where: str, field_name: str, problems: list[Problem]) -> tuple[float, float] | None:
    try:
        low, high = float(value["min"]), float(value["max"])  # type: ignore[index]
    except (TypeError, KeyError, ValueError):
        problems.append(Problem("credit_systems.yaml", where, field_name, "expected {min: number, max: number}"))
        return None
    if not 0 < low <= high:
        problems.append(Problem("credit_systems.yaml", where, field_name, f"need 0 < min <= max, got {low}..{high}"))
        return None
    return low, high


def _load_frameworks(path: Path, problems: list[Problem]) -> dict[tuple[str, str], FrameworkLevel]:
    cols = ["framework", "framework_name", "country", "level", "level_label", "eqf_level", "provenance", "source"]
    out: dict[tuple[str, str], FrameworkLevel] = {}
    for i, row in enumerate(_read_csv(path, cols, problems), start=2):
        where = f"row {i}"
        key = (row["framework"].strip().upper(), normalise_level(row["level"]))
        if key in out:
            problems.append(Problem(path.name, where, "level", f"duplicate level {key[1]!r} for {key[0]}"))
            continue
        try:
            eqf = int(row["eqf_level"]) if row["eqf_level"].strip() else None
        except ValueError:
            problems.append(Problem(path.name, where, "eqf_level", f"not an integer: {row['eqf_level']!r}"))
            continue
        if eqf is not None and not 1 <= eqf <= 8:
            problems.append(Problem(path.name, where, "eqf_level", f"must be 1..8, got {eqf}"))
            continue
        if row["provenance"] not in ("official", "assumed"):
            problems.append(Problem(path.name, where, "provenance", "must be 'official' or 'assumed'"))
            continue
        out[key] = FrameworkLevel(
            framework=key[0], framework_name=row["framework_name"], country=row["country"], level=key[1],
            level_label=row["level_label"], eqf_level=eqf, provenance=row["provenance"], source=row["source"],
        )
    return out


def _load_credit_systems(path: Path, problems: list[Problem]):
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    ects_hours = _range(data.get("ects_hours_per_credit"), "", "ects_hours_per_credit", problems)
    systems: dict[str, CreditSystem] = {}
    for i, raw in enumerate(data.get("systems") or []):
        where = f"systems[{i}]"
        sid = str(raw.get("id", "")).strip()
        if not sid:
            problems.append(Problem(path.name, where, "id", "missing"))
            continue
        has_hours, has_ects = "hours_per_credit" in raw, "ects_per_credit" in raw
        if has_hours == has_ects:
            problems.append(Problem(path.name, where, "hours_per_credit", "give exactly one of hours_per_credit or ects_per_credit"))
            continue
        if not raw.get("source"):
            problems.append(Problem(path.name, where, "source", "every credit system needs a source"))
        key = "hours_per_credit" if has_hours else "ects_per_credit"
        rng = _range(raw[key], where, key, problems)
        systems[sid] = CreditSystem(
            id=sid, label=str(raw.get("label", sid)), aliases=tuple(str(a) for a in raw.get("aliases") or ()),
            source=str(raw.get("source", "")), notes=str(raw.get("notes", "")),
            hours_per_credit=rng if has_hours else None, ects_per_credit=rng if has_ects else None,
        )
    return ects_hours, str(data.get("ects_hours_source", "")), systems


def normalise_level(value: object) -> str:
    """Level values are compared as lower-case strings with underscores ('First cycle' -> 'first_cycle')."""
    return "_".join(str(value).strip().lower().replace("-", " ").split())


def load_reference_data(path: Path | None = None) -> ReferenceData:
    path = Path(path or reference_data_dir())
    problems: list[Problem] = []
    manifest_path = path / "manifest.yaml"
    if not manifest_path.exists():
        raise ReferenceDataError([Problem(str(path), "", "", "no manifest.yaml in the reference data folder")])
    manifest = yaml.safe_load(manifest_path.read_text(encoding="utf-8")) or {}
    sources: dict[str, str] = {}
    for i, entry in enumerate(manifest.get("files") or []):
        name = entry.get("file", "")
        if not entry.get("source"):
            problems.append(Problem("manifest.yaml", f"files[{i}]", "source", f"no source for {name!r}"))
        if not (path / name).exists():
            problems.append(Problem("manifest.yaml", f"files[{i}]", "file", f"{name!r} does not exist"))
        sources[name] = entry.get("source", "")
    for f in sorted(path.iterdir()):
        if f.is_file() and f.name not in sources and f.name not in ("manifest.yaml", "README.md"):
            problems.append(Problem(f.name, "", "", "not listed in manifest.yaml (every file needs a source)"))
    if problems:
        raise ReferenceDataError(problems)

    digest = hashlib.sha256()
    for name in sorted(sources):
        digest.update(name.encode() + b"\0" + (path / name).read_bytes())

    eqf = {
        int(r["eqf_level"]): {k: v for k, v in r.items() if k != "eqf_level"}
        for r in _read_csv(path / "eqf_levels.csv", ["eqf_level", "knowledge", "skills", "responsibility_and_autonomy"], problems)
    }
    frameworks = _load_frameworks(path / "level_frameworks.csv", problems)
    ects_hours, ects_hours_source, systems = _load_credit_systems(path / "credit_systems.yaml", problems)
    isced = {r["code"].strip(): r["label"] for r in _read_csv(path / "isced_f_2013.csv", ["code", "level", "label"], problems)}
    bloom: dict[str, set[int]] = {}
    for i, r in enumerate(_read_csv(path / "bloom_verbs.csv", ["verb", "level", "level_name"], problems), start=2):
        try:
            level = int(r["level"])
        except ValueError:
            level = 0
        if level not in BLOOM_LEVELS:
            problems.append(Problem("bloom_verbs.csv", f"row {i}", "level", f"must be 1..6, got {r['level']!r}"))
            continue
        bloom.setdefault(r["verb"].strip().lower(), set()).add(level)
    if problems:
        raise ReferenceDataError(problems)
    return ReferenceData(
        path=path, version=str(manifest.get("version", "unversioned")), digest=digest.hexdigest()[:16],
        sources=sources, eqf_descriptors=eqf, frameworks=frameworks,
        ects_hours_per_credit=ects_hours, ects_hours_source=ects_hours_source,  # type: ignore[arg-type]
        credit_systems=systems, isced_f=isced,
        bloom_verbs={verb: tuple(sorted(levels)) for verb, levels in bloom.items()},
    )


def built_once(cache: dict[str, T], reference: ReferenceData | None, build: Callable[[ReferenceData], T]) -> T:
    """`build(reference)` once per reference-data directory and digest (default: the shipped data)."""
    reference = reference or default_reference()
    key = f"{reference.path}:{reference.digest}"
    if key not in cache:
        cache[key] = build(reference)
    return cache[key]


@lru_cache(maxsize=1)
def default_reference() -> ReferenceData:
    """The shipped reference data, loaded once per process."""
    return load_reference_data()
