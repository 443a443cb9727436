"""Accuracy of the Bloom-level classifier (`recognition_engine.bloom`) on a labelled set.

Reads `benchmarks/data/bloom_labelled.csv` (outcome, level, source; an empty level means
the outcome names no cognitive verb and the classifier should return None) and prints:

- exact accuracy, and accuracy within ±1 level, over all rows (an empty label is right
  only when the classifier returns None);
- coverage: share of rows with a label for which the classifier gives a level;
- abstention: share of rows without a label for which it returns None;
- a confusion matrix (rows: label, columns: classifier);
- the same figures for English and Vietnamese, and per `source`;
- throughput, uncached, in outcomes per second.

The labels were written by the project developers, who also wrote the rules; read the
figures as a regression check, not as an independent estimate of accuracy.

    .venv/bin/python benchmarks/bloom_accuracy.py [--data FILE] [--errors]
"""

from __future__ import annotations

import argparse
import csv
import re
import time
from pathlib import Path

from recognition_engine.bloom import BloomClassifier
from recognition_engine.reference import BLOOM_LEVELS, default_reference

DATA = Path(__file__).resolve().parent / "data" / "bloom_labelled.csv"
_VIETNAMESE = re.compile(r"[ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]", re.IGNORECASE)
NONE = "none"


def load(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:
        r["gold"] = int(r["level"]) if r["level"].strip() else None
        r["language"] = "vi" if _VIETNAMESE.search(r["outcome"]) else "en"
    return rows


def scores(rows: list[dict]) -> dict[str, float | int]:
    def right(r, tolerance=0):
        if r["gold"] is None or r["pred"] is None:
            return r["gold"] is None and r["pred"] is None
        return abs(r["gold"] - r["pred"]) <= tolerance

    labelled = [r for r in rows if r["gold"] is not None]
    unlabelled = [r for r in rows if r["gold"] is None]
    share = lambda hits, of: sum(hits) / len(of) if of else float("nan")  # noqa: E731
    return {
        "n": len(rows),
        "exact": share([right(r) for r in rows], rows),
        "within_1": share([right(r, 1) for r in rows], rows),
        "coverage": share([r["pred"] is not None for r in labelled], labelled),
        "abstention": share([r["pred"] is None for r in unlabelled], unlabelled),
    }


def print_scores(title: str, groups: dict[str, list[dict]]) -> None:
    width = max(len(title), *map(len, groups))
    print(f"\n{title:<{width}} {'n':>4} {'exact':>7} {'±1':>7} {'coverage':>9} {'abstain':>8}")
    for name, rows in groups.items():
        s = scores(rows)
        print(f"{name:<{width}} {s['n']:>4} {s['exact']:>7.1%} {s['within_1']:>7.1%} "
              f"{s['coverage']:>9.1%} {s['abstention']:>8.1%}")


def print_confusion(rows: list[dict]) -> None:
    keys = [*BLOOM_LEVELS, None]
    label = lambda k: NONE if k is None else f"{k} {BLOOM_LEVELS[k][:4]}"  # noqa: E731
    print("\nConfusion matrix (rows: label, columns: classifier)")
    print(f"{'':<12}" + "".join(f"{label(k):>10}" for k in keys) + f"{'recall':>9}")
    for g in keys:
        counts = [sum(1 for r in rows if r["gold"] == g and r["pred"] == p) for p in keys]
        total = sum(counts)
        recall = counts[keys.index(g)] / total if total else float("nan")
        print(f"{label(g):<12}" + "".join(f"{c:>10}" for c in counts) + f"{recall:>9.0%}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--errors", action="store_true", help="list every row the classifier gets wrong")
    args = parser.parse_args(argv)

    rows = load(args.data)
    clf = BloomClassifier(default_reference())  # a fresh cache, so the timing below is uncached
    start = time.perf_counter()
    results = [clf.classify(r["outcome"]) for r in rows]
    elapsed = time.perf_counter() - start
    for r, res in zip(rows, results):
        r["pred"], r["evidence"] = (res.level, res.evidence) if res else (None, "")

    print(f"Bloom level accuracy on {args.data.name}: {len(rows)} outcomes")
    print_scores("all", {"all": rows})
    print_scores("by language", {lang: [r for r in rows if r["language"] == lang] for lang in ("en", "vi")})
    sources = sorted({r["source"] for r in rows})
    if len(sources) > 1:
        print_scores("by source", {s: [r for r in rows if r["source"] == s] for s in sources})
    print_confusion(rows)
    print(f"\nthroughput: {len(rows) / elapsed:,.0f} outcomes/s (uncached, one process)")
    if args.errors:
        print("\nErrors (label, classifier, outcome, evidence):")
        for r in rows:
            if r["gold"] != r["pred"]:
                print(f"  {r['gold'] or NONE!s:>4} {r['pred'] or NONE!s:>4}  {r['outcome']}  [{r['evidence']}]")


if __name__ == "__main__":
    main()
