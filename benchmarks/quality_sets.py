"""Every development set `quality.py` reports, loaded into one shape: `EvalSet`.

An EvalSet is one row group of the quality table: a name, a split, what it may be used for
(`use`: dev, held-out, fitted-on, contaminated; benchmarks/DATA.md says why for each), and
groups of (catalogue, credentials) that share one gold mapping. Sets whose queries each
rank their own pool (transfer-dev: one pool per university) have one group per pool.

Development-set folders (benchmarks/devsets/<set>/, layout in DEVSET_SPEC) take their
catalogue from `catalogue.yaml`, or from the path a `set.yaml` names (relative to the set
folder), e.g. `catalogue: ../cs-bachelor/catalogue.yaml` for a translation.
"""

from __future__ import annotations

import os
import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from recognition_engine import Catalogue, MicroCredential, load_catalogue, load_credentials
from recognition_engine.errors import InputError, Problem
from recognition_engine.evaluation import read_gold, read_pairs
from recognition_engine.loaders import catalogue_from_data, credentials_from_data

REPO = Path(__file__).resolve().parent.parent
DEVSETS = REPO / "benchmarks" / "devsets"
SPLITS = ("dev", "heldout")
SET_KEYS = {"catalogue"}


def shared_data() -> Path:
    """The shared data folder: RECOGNITION_SHARED_DATA, else <repo>/../shared/data."""
    return Path(os.environ.get("RECOGNITION_SHARED_DATA", REPO.parent / "shared" / "data"))


@dataclass(frozen=True)
class Group:
    """One catalogue and the credentials ranked against it."""

    catalogue: Catalogue
    credentials: list[MicroCredential]


@dataclass(frozen=True)
class EvalSet:
    name: str
    split: str
    use: str
    groups: list[Group]
    gold: dict[str, set[str]]
    pairs: pd.DataFrame | None = None
    note: str = ""
    source: str = "gold"  # names the gold file in errors
    extra: dict = field(default_factory=dict)


# ------------------------------------------------------------------ development-set folders

def devset_catalogue(folder: Path) -> Path:
    """The set's catalogue: the one `set.yaml` names, else `catalogue.yaml`."""
    spec = folder / "set.yaml"
    if not spec.exists():
        return folder / "catalogue.yaml"
    data = yaml.safe_load(spec.read_text(encoding="utf-8")) or {}
    unknown = sorted(set(data) - SET_KEYS) if isinstance(data, dict) else ["(not a mapping)"]
    if unknown or not isinstance(data.get("catalogue"), str):
        raise InputError([Problem(str(spec), "", "catalogue", f"expected only `catalogue: PATH`, got keys {unknown or sorted(data)}")])
    return (folder / data["catalogue"]).resolve()


def devset(folder: Path) -> list[EvalSet]:
    """One EvalSet per split present under credentials/ (dev, then heldout)."""
    catalogue = load_catalogue(devset_catalogue(folder))
    gold = read_gold(folder / "gold.csv")
    pairs = read_pairs(folder / "pairs.csv") if (folder / "pairs.csv").exists() else None
    out = []
    for split in SPLITS:
        if not (folder / "credentials" / split).is_dir():
            continue
        credentials = load_credentials(folder / "credentials" / split)
        ids = {c.id for c in credentials}
        out.append(EvalSet(
            folder.name, split, "dev" if split == "dev" else "held-out", [Group(catalogue, credentials)],
            {cid: courses for cid, courses in gold.items() if cid in ids},
            None if pairs is None else pairs[pairs["credential_id"].isin(ids)].reset_index(drop=True),
            source=f"{folder.name}/gold.csv",
        ))
    return out


def devset_folders(roots: list[Path]) -> list[Path]:
    """Set folders (those with a gold.csv): each root that is one, else those under it, sorted
    by name within a root."""
    return [f for root in roots if root.is_dir()
            for f in ([root] if (root / "gold.csv").exists() else sorted(root.iterdir())) if (f / "gold.csv").exists()]


def dev_splits(names: list[str] | None = None) -> list[EvalSet]:
    """The `dev` split of every development set (or of those named): what may be fitted on."""
    return [s for f in devset_folders([DEVSETS]) if names is None or f.name in names
            for s in devset(f) if s.split == "dev"]


def halves(evalset: EvalSet) -> list[EvalSet]:
    """An external development set cut in two by a hash of each credential id: the `fit`
    half may be fitted on (`benchmarks/fit_ranker.py` does), the `held-out` half never is.
    The cut depends on the id alone, so it is the same whatever sample is drawn."""
    out = []
    for half, (split, use) in enumerate((("fit half", "fitted-on"), ("held-out half", "held-out"))):
        keep = lambda c: zlib.crc32(c.id.encode("utf-8")) % 2 == half  # noqa: E731
        groups = [Group(g.catalogue, [c for c in g.credentials if keep(c)]) for g in evalset.groups]
        groups = [g for g in groups if g.credentials]
        ids = {c.id for g in groups for c in g.credentials}
        out.append(EvalSet(evalset.name, split, use, groups, {k: v for k, v in evalset.gold.items() if k in ids},
                           note=evalset.note, source=evalset.source, extra=evalset.extra))
    return out


def external_fit_halves() -> list[EvalSet]:
    """What the English ranking is fitted on besides the devsets' dev splits: the `fit`
    half of the skill-equivalence set."""
    return [halves(s)[0] for s in lo_equivalence_set()]


# ------------------------------------------------------------------ sets in the repository

def sample_set() -> list[EvalSet]:
    examples = REPO / "examples"
    return [EvalSet(
        "sample (examples/)", "all", "dev", [Group(load_catalogue(examples / "catalogue.yaml"), load_credentials(examples / "credentials"))],
        read_gold(examples / "gold.csv"), note="nothing shipped is fitted on it since 2026-11-28; the golden cases use it and its results have long been seen",
    )]


def heldout_set() -> list[EvalSet]:
    heldout = REPO / "benchmarks" / "heldout"
    return [EvalSet(
        "benchmarks/heldout", "all", "held-out",
        [Group(load_catalogue(REPO / "examples" / "catalogue.yaml"), load_credentials(heldout / "credentials"))],
        read_gold(heldout / "gold.csv"),
        note="nothing shipped is fitted on it (the old cross-lingual threshold fitted on it is gone); its results were seen before",
    )]


def lo_equivalence_set() -> list[EvalSet]:
    from convert_lo_equivalence import lo_equivalence

    catalogue, credentials, gold = lo_equivalence(shared_data() / "lo-equivalence-dev")
    mapping: dict[str, set[str]] = {}
    for cid, course in gold:
        mapping.setdefault(cid, set()).add(course)
    return [EvalSet(
        "lo-equivalence-dev", "all", "dev",
        [Group(catalogue_from_data(catalogue, "lo-equivalence catalogue"), credentials_from_data(credentials, "lo-equivalence credentials"))],
        mapping, note="external skill names; `quality_sets.halves` cuts it: the fit half trains the MiniLM ranking, the held-out half nothing",
    )]


# ------------------------------------------------------------------ transfer-dev (titles; MATC descriptions)

def spread_sample(keys: pd.Series, n: int, seed: int) -> np.ndarray:
    """Positions of n rows drawn without replacement, seeded, spread evenly over the values of
    `keys` (e.g. universities): a random order, then round-robin over the keys."""
    order = np.random.default_rng(seed).permutation(len(keys))
    frame = pd.DataFrame({"key": keys.to_numpy()[order], "pos": order})
    frame["turn"] = frame.groupby("key").cumcount()
    return frame.sort_values(["turn"], kind="stable")["pos"].to_numpy()[:n]


def _credits(value: str) -> float:
    found = re.findall(r"\d+(?:\.\d+)?", value or "")
    return max(float(found[0]), 0.5) if found else 1.0


def _pool(rows: pd.DataFrame, code: str, title: str, credits: str) -> Catalogue:
    """A catalogue of title-only courses (the title is also the one outcome)."""
    courses = [{"id": r[code], "title": r[title], "ects": _credits(r[credits]), "learning_outcomes": [r[title]]}
               for _, r in rows.iterrows()]
    return catalogue_from_data({"courses": courses}, "pool")


def _titles(courses: str, codes: str) -> list[str]:
    """`CODE (Title) + CODE (Title)` -> the titles (the code where a title is missing)."""
    out = []
    for part, code in zip(courses.split(" + "), codes.split(" + ")):
        rest = part[len(code):].strip() if part.startswith(code) else part
        out.append(rest[1:-1].strip() if rest.startswith("(") and rest.endswith(")") else part)
    return [t for t in out if t]


def assist_set(n: int, seed: int) -> list[EvalSet]:
    """ASSIST: each (university, college, sending courses) query ranks its university's pool."""
    folder = shared_data() / "transfer-dev"
    rows = pd.read_csv(folder / "assist_cs_math.csv", dtype=str, keep_default_na=False)
    pool = pd.read_csv(folder / "assist_receiving_catalogue.csv", dtype=str, keep_default_na=False)
    queries = (rows.groupby(["receiving_university", "sending_college", "sending_courses", "sending_codes"], sort=True)
               ["receiving_code"].agg(frozenset).reset_index())
    total = len(queries)
    in_pool = pool.groupby("receiving_university")["receiving_code"].agg(set)
    queries = queries[queries["receiving_university"].map(lambda u: len(in_pool.get(u, ())) >= 2)].reset_index(drop=True)
    picked = queries.iloc[spread_sample(queries["receiving_university"], n, seed)]
    groups, gold, dropped = [], {}, 0
    for university, chosen in picked.groupby("receiving_university", sort=True):
        credentials = []
        for i, q in chosen.iterrows():
            courses = set(q["receiving_code"]) & in_pool[university]
            if not courses:
                dropped += 1
                continue
            titles = _titles(q["sending_courses"], q["sending_codes"])
            credentials.append({"id": f"assist-{i}", "title": " + ".join(titles), "learning_outcomes": titles, "language": "en"})
            gold[f"assist-{i}"] = courses
        catalogue = _pool(pool[pool["receiving_university"] == university], "receiving_code", "receiving_title", "receiving_units")
        groups.append(Group(catalogue, credentials_from_data({"credentials": credentials}, "assist")))
    return [EvalSet(
        "transfer-dev ASSIST (titles)", "sample", "dev", groups, gold,
        note=f"{len(gold)} of {total:,} queries (seed {seed}, spread over {len(groups)} universities; pools of 1 left out"
             + (f", {dropped} whose gold is not in the pool" if dropped else "") + "); titles only, no outcomes",
    )]


def wisconsin_matc_set(n: int, seed: int) -> list[EvalSet]:
    """Wisconsin TIS, MATC as sender with a course description (its sentences as outcomes):
    each (MATC course, receiving institution) with a `direct` rule ranks that institution's
    direct-rule courses."""
    folder = shared_data() / "transfer-dev"
    rules = pd.read_csv(folder / "wisconsin_transfer.csv", dtype=str, keep_default_na=False)
    matc = pd.read_csv(folder / "matc_courses.csv", dtype=str, keep_default_na=False)
    matc = matc[~matc["join_key"].duplicated(keep=False) & (matc["join_key"] != "")]
    matc = matc[matc["description"].str.strip() != ""].set_index("join_key")
    direct = rules[rules["label"] == "direct"]
    sent = direct[direct["sending_institution"] == "Madison Area Tech. College"].copy()
    sent["key"] = sent["sending_code"].str.extract(r"\((\d{3})\)\s*(\d{3})").fillna("").agg("-".join, axis=1)
    sent = sent[sent["key"].isin(matc.index)]
    queries = sent.groupby(["key", "receiving_institution"], sort=True)["receiving_code"].agg(frozenset).reset_index()
    picked = queries.iloc[spread_sample(queries["receiving_institution"], n, seed)]
    pools = direct.drop_duplicates(["receiving_institution", "receiving_code"]).sort_values(["receiving_institution", "receiving_code"])
    groups, gold = [], {}
    for receiver, chosen in picked.groupby("receiving_institution", sort=True):
        credentials = []
        for i, q in chosen.iterrows():
            course = matc.loc[q["key"]]
            credentials.append({"id": f"matc-{i}", "title": course["title"], "learning_outcomes": course["description"], "language": "en"})
            gold[f"matc-{i}"] = set(q["receiving_code"])
        catalogue = _pool(pools[pools["receiving_institution"] == receiver], "receiving_code", "receiving_title", "receiving_credits")
        groups.append(Group(catalogue, credentials_from_data({"credentials": credentials}, "matc")))
    return [EvalSet(
        "transfer-dev Wisconsin+MATC", "sample", "dev", groups, gold,
        note=f"{len(gold)} of {len(queries)} MATC (course, receiver) queries with a description and a direct rule "
             f"(seed {seed}, {len(groups)} receivers); receiving side titles only",
    )]
