"""Fit and compare cross-lingual adapters for multilingual-e5-small: a linear map that moves
the e5 vector of a Vietnamese or Italian text toward the e5 vector of its English translation,
fitted on the parallel syllabus statements of `benchmarks/data/parallel/` only (never on a
devset).

Maps compared, per language (rows: vectors; both sides L2-normalised):
- `none`: the raw e5 vectors;
- `procrustes`: the orthogonal W minimising ||XW - Y|| (scipy.linalg.orthogonal_procrustes);
- `ridge`: W = argmin ||XW - Y||^2 + lam ||W - I||^2 (least squares shrunk toward the identity),
  lam chosen on the `check` split of the parallel data;
- `minilm`: ridge from e5 (other language) to all-MiniLM-L6-v2 (English), to compare a
  credential with the MiniLM catalogue vectors.

The fit pairs are the `fit` rows plus whole texts built from them (`documents`). Figures:
bitext retrieval accuracy on the `check` split (each non-English text's nearest English text,
under the map, among the check split's English texts; among those and the fit rows' (all rows);
and for whole texts built from the check rows), then recall@1 and MRR of the whole-text
cosine on the `dev` splits of the translated devsets (credential summary against each
course's whole text, as the `embedding` baseline of `quality.py`). The held-out splits are
read only with `--split heldout`.

    python benchmarks/fit_adapter.py [--split dev]

Result on 2026-11-28 (benchmarks/data/parallel/README.md): no map helps on dev, so none is
shipped and the engine is unchanged.
"""

from __future__ import annotations

import argparse
import sys
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.linalg import orthogonal_procrustes

sys.path.insert(0, str(Path(__file__).resolve().parent))
from quality_sets import DEVSETS, REPO, devset  # noqa: E402

from recognition_engine.encoders.base import E5, MINILM  # noqa: E402
from recognition_engine.engine import credential_summary, shared_encoder  # noqa: E402
from recognition_engine.evaluation import NO_COUNTERPART  # noqa: E402
from recognition_engine.language import detect_language  # noqa: E402
from recognition_engine.matching import course_text  # noqa: E402
from recognition_engine.paths import cache_dir  # noqa: E402

PARALLEL = REPO / "benchmarks" / "data" / "parallel" / "parallel.tsv"
LANGUAGES = ("vi", "it")
TRANSLATED_SETS = ["cs-bachelor-vi", "cs-bachelor-it", "uni-hard-vi"]
LAMBDAS = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0)


def read_parallel(path: Path = PARALLEL) -> pd.DataFrame:
    """The parallel rows with their split: `check` when crc32 of the English text is 0 mod 5
    (about 20%), else `fit`."""
    rows = pd.read_csv(path, sep="\t", quoting=3, keep_default_na=False, dtype=str)
    rows["split"] = ["check" if zlib.crc32(t.encode("utf-8")) % 5 == 0 else "fit" for t in rows["en"]]
    return rows


def documents(rows: pd.DataFrame, per_subject: int = 4, seed: int = 0) -> pd.DataFrame:
    """Whole texts as the engine compares them (a credential's title and outcomes joined by
    ". "): random sets of 2-8 rows of one subject, the same rows in every language, so the
    map also sees the long texts of the whole-text comparison."""
    rng = np.random.default_rng(seed)
    out = []
    for _, group in rows.groupby("subject", sort=True):
        for _ in range(per_subject if len(group) > 2 else 0):
            take = group.iloc[np.sort(rng.choice(len(group), size=min(len(group), int(rng.integers(2, 9))), replace=False))]
            out.append({lang: ". ".join(t.rstrip(".") for t in take[lang]) for lang in ("en", *LANGUAGES)})
    return pd.DataFrame(out)


def unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def procrustes(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return orthogonal_procrustes(x, y)[0]


def ridge_to_identity(x: np.ndarray, y: np.ndarray, lam: float) -> np.ndarray:
    """argmin_W ||xW - y||^2 + lam ||W - I||^2 = (x'x + lam I)^-1 (x'y + lam I)."""
    eye = np.eye(x.shape[1])
    return np.linalg.solve(x.T @ x + lam * eye, x.T @ y + lam * eye)


def ridge(x: np.ndarray, y: np.ndarray, lam: float) -> np.ndarray:
    """argmin_W ||xW - y||^2 + lam ||W||^2 (for a map into another model's space)."""
    return np.linalg.solve(x.T @ x + lam * np.eye(x.shape[1]), x.T @ y)


def retrieval(mapped: np.ndarray, targets: np.ndarray) -> float:
    """Share of rows whose nearest target (cosine) is their own translation (row i of
    `targets`; rows beyond len(mapped) are distractors)."""
    return float(np.mean(np.argmax(unit(mapped) @ unit(targets).T, axis=1) == np.arange(len(mapped))))


class Vectors:
    """e5 and MiniLM vectors of the parallel texts and the devsets, through the engine's cache."""

    def __init__(self):
        path = cache_dir() / "embeddings.sqlite"
        self.e5, self.minilm = shared_encoder(E5, path), shared_encoder(MINILM, path)


def whole_text_recall(vectors: Vectors, maps: dict[str, np.ndarray], target: str = "e5", split: str = "dev") -> dict[str, float]:
    """Recall@1 and MRR of the whole-text cosine on one split of each translated set: the
    credential summary's e5 vector, mapped by the map of its detected language, against each
    course's whole-text vector (`target`: e5 or minilm)."""
    out = {}
    for evalset in [s for name in TRANSLATED_SETS for s in devset(DEVSETS / name) if s.split == split]:
        catalogue = evalset.groups[0].catalogue
        course_texts = [course_text(c) for c in catalogue.courses]
        courses = (vectors.e5 if target == "e5" else vectors.minilm).encode(course_texts)
        ids = np.array([c.id for c in catalogue.courses])
        hits = []
        for credential in evalset.groups[0].credentials:
            gold = evalset.gold.get(credential.id, set()) - {NO_COUNTERPART}
            if not gold:
                continue
            summary = credential_summary(credential)
            v = vectors.e5.encode([summary])[0]
            language = detect_language(summary)
            if language in maps:
                v = unit(v @ maps[language])
            order = ids[np.argsort(-(courses @ v), kind="stable")]
            hits.append(1.0 / (1 + min(int(np.flatnonzero(order == g)[0]) for g in gold)))
        hits = np.array(hits)
        out[f"{evalset.name} r@1"], out[f"{evalset.name} MRR"] = float(np.mean(hits == 1.0)), float(np.mean(hits))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", default="dev", choices=["dev", "heldout"],
                        help="the devsets' split for the whole-text figures (heldout: look once, at the end; never choose on it)")
    args = parser.parse_args(argv)
    rows = read_parallel()
    fit, check = rows[rows["split"] == "fit"], rows[rows["split"] == "check"]
    print(f"parallel rows: {len(rows)} ({len(fit)} fit, {len(check)} check)")
    vectors = Vectors()
    parts = {"fit": pd.concat([fit, documents(fit)]), "check": check, "check docs": documents(check)}
    print(f"fit on {len(parts['fit'])} pairs per language ({len(fit)} rows, {len(parts['fit']) - len(fit)} documents)")
    en = {s: vectors.e5.encode(list(part["en"])) for s, part in parts.items()}
    en_minilm = {s: vectors.minilm.encode(list(part["en"])) for s, part in parts.items()}
    candidates: dict[str, dict[str, np.ndarray]] = {"none": {}, "procrustes": {}}
    table = []
    for language in LANGUAGES:
        x = {s: vectors.e5.encode(list(part[language])) for s, part in parts.items()}
        dim = x["fit"].shape[1]
        maps = {"none": np.eye(dim), "procrustes": procrustes(x["fit"], en["fit"])}
        maps |= {f"ridge lam={lam:g}": ridge_to_identity(x["fit"], en["fit"], lam) for lam in LAMBDAS}
        maps |= {f"minilm lam={lam:g}": ridge(x["fit"], en_minilm["fit"], lam) for lam in LAMBDAS}
        for name, w in maps.items():
            candidates.setdefault(name, {})[language] = w
            target = en_minilm if name.startswith("minilm") else en
            # sentences: among every English text of the check split and of the fit rows (a harder pool)
            pool = np.vstack([target["check"], target["fit"][: len(fit)]])
            table.append({"map": name, "language": language,
                          "check sentences": retrieval(x["check"] @ w, pool[: len(x["check"])]),
                          "check sentences, all rows": retrieval(x["check"] @ w, pool),
                          "check documents": retrieval(x["check docs"] @ w, target["check docs"])})
    report = pd.DataFrame(table).pivot(index="map", columns="language").sort_index(axis=1)
    report.columns = [f"{a} {b}" for a, b in report.columns]
    report = report.reindex(list(dict.fromkeys(row["map"] for row in table)))
    recalls = {}
    for name, maps in candidates.items():
        recalls[name] = whole_text_recall(vectors, maps, "minilm" if name.startswith("minilm") else "e5", args.split)
    report = report.join(pd.DataFrame(recalls).T.add_prefix(f"{args.split} "))
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(report.round(3).to_string())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
