"""Accuracy of the Bloom-level reader (`recognition_engine.bloom`) on labelled outcomes.

Two kinds of data, each printed under its own heading:

1. **monash-dev** (external; path as the first argument, default
   `../shared/data/bloom-monash-dev/monash_dev.csv` next to the repository): 10,672
   university outcomes, each labelled by its annotators with one or more of the six levels.
   Nothing is fitted on it (no training, no threshold search), but the verb list and the
   constructions of the reader were revised after reading its error analysis, so its figures
   are a development estimate; the held-out half is kept outside the repository. Printed:
   per-level precision/recall/F1 and macro-F1 for every level the reader reads (the
   multi-label task) and for the highest level only (what the rules use), accuracy of the
   highest level against the highest labelled level, and a plain baseline (the first word
   looked up in the verb list). The file has no licence: it is read here, never copied.
2. **our labelled set** (`benchmarks/data/bloom_labelled.csv`, `--data`): outcome, level,
   source, written by the project developers who also wrote the rules (an empty level means
   no cognitive verb: the reader should return None). Printed: exact and ±1 accuracy,
   coverage, abstention, by language and source, a confusion matrix and throughput. Read it
   as a regression check; the rows "written after the classifier rules were fixed" and the
   rows whose source starts "held out" (written for issue 11 item 8 before the reader was
   run on them, no rule revised on them since) are the nearest to unseen, though written by
   the developer who wrote the rules.

    .venv/bin/python benchmarks/bloom_accuracy.py [MONASH_CSV] [--data FILE] [--errors]
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
# ../shared/data/... from the repository (from a worktree one level deeper, the first one found going up)
_MONASH_REL = Path("shared", "data", "bloom-monash-dev", "monash_dev.csv")
MONASH = next((p / _MONASH_REL for p in Path(__file__).resolve().parents[2:] if (p / _MONASH_REL).is_file()),
              Path(__file__).resolve().parents[2] / _MONASH_REL)
MONASH_COLUMNS = ("Remember", "Understand", "Apply", "Analyze", "Evaluate", "Create")  # levels 1..6
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


def load_monash(path: Path) -> list[tuple[str, set[int]]]:
    """(outcome, labelled levels) per row of the monash-dev file."""
    with path.open(newline="", encoding="utf-8") as fh:
        return [(r["Learning_outcome"].strip(), {lv for lv, col in enumerate(MONASH_COLUMNS, 1) if r[col].strip()})
                for r in csv.DictReader(fh)]


def per_level(gold: list[set[int]], pred: list[set[int]]) -> list[tuple[float, float, float]]:
    """(precision, recall, F1) of each level 1..6, each level a binary label."""
    out = []
    for lv in BLOOM_LEVELS:
        tp = sum(lv in g and lv in p for g, p in zip(gold, pred))
        fp = sum(lv in p and lv not in g for g, p in zip(gold, pred))
        fn = sum(lv in g and lv not in p for g, p in zip(gold, pred))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        out.append((precision, recall, 2 * precision * recall / (precision + recall) if precision + recall else 0.0))
    return out


def macro_f1_interval(gold: list[set[int]], pred: list[set[int]], resamples: int = 1000,
                      seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap 95% interval of macro-F1 over resampled outcomes."""
    import numpy as np

    as_matrix = lambda sets: np.array([[lv in s for lv in BLOOM_LEVELS] for s in sets])  # noqa: E731
    g, p = as_matrix(gold), as_matrix(pred)
    idx = np.random.default_rng(seed).integers(0, len(g), size=(resamples, len(g)))
    tp, fp, fn = ((a[idx].sum(axis=1)) for a in (g & p, ~g & p, g & ~p))
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = np.nan_to_num(2 * tp / (2 * tp + fp + fn))
    low, high = np.percentile(f1.mean(axis=1), [2.5, 97.5])
    return float(low), float(high)


def print_levels(gold: list[set[int]], systems: dict[str, list[set[int]]]) -> None:
    """Per-level precision, recall, F1 and macro-F1 of each system against the same labels."""
    names = [BLOOM_LEVELS[lv][:8] for lv in BLOOM_LEVELS]
    print(f"\n{'system':<36}{'macro-F1':>9}  " + "  ".join(f"{n:>14}" for n in names))
    print(f"{'':<36}{'':>9}  " + "  ".join(f"{'P    R    F1':>14}" for _ in names))
    for name, pred in systems.items():
        scores_ = per_level(gold, pred)
        macro = sum(f for _, _, f in scores_) / len(scores_)
        print(f"{name:<36}{macro:>9.3f}  " + "  ".join(f"{p:4.2f} {r:4.2f} {f:4.2f}" for p, r, f in scores_))


def first_word_baseline(clf: BloomClassifier, text: str) -> set[int]:
    """Plain baseline: the outcome's first word looked up in the verb list, at its lowest level."""
    words = text.lower().split()
    levels = clf.levels.get(words[0].strip(",.;:")) if words else None
    return {levels[0]} if levels else set()


def macro_f1(path: Path = MONASH) -> dict:
    """The reader's macro-F1 on monash-dev (every level read), for `make quality`."""
    rows = load_monash(path)
    results = [BloomClassifier(default_reference()).classify(text) for text, _ in rows]
    scores_ = per_level([g for _, g in rows], [set(r.levels) if r else set() for r in results])
    return {"macro_f1": round(sum(f for _, _, f in scores_) / len(scores_), 3), "n": len(rows),
            "data": "bloom-monash-dev (external labels; the verb list was revised after reading its errors)"}


def report_monash(path: Path, clf: BloomClassifier, errors: bool) -> None:
    rows = load_monash(path)
    gold = [g for _, g in rows]
    results = [clf.classify(text) for text, _ in rows]
    systems = {
        "reader, every level read": [set(r.levels) if r else set() for r in results],
        "reader, highest level only": [{r.level} if r else set() for r in results],
        "baseline: first word in verb list": [first_word_baseline(clf, text) for text, _ in rows],
    }
    print(f"monash-dev ({path}): {len(rows)} outcomes, external labels, multi-label; nothing fitted on it,")
    print("but the verb list and constructions were revised after reading its errors: a development figure")
    print_levels(gold, systems)
    print("\nthe project's held-out check: one level per outcome against the highest labelled level")
    highest = {name: systems[name] for name in ("reader, highest level only", "baseline: first word in verb list")}
    print_levels([{max(g)} for g in gold], highest)
    for name, labels, pred in (("every level read", gold, systems["reader, every level read"]),
                               ("highest level vs highest label", [{max(g)} for g in gold],
                                systems["reader, highest level only"])):
        low, high = macro_f1_interval(labels, pred)
        print(f"macro-F1 95% bootstrap interval, {name}: [{low:.3f}, {high:.3f}] (1,000 resamples of outcomes, seed 0)")
    top = [max(g) for g in gold]
    read = [r.level if r else None for r in results]
    single = [i for i, g in enumerate(gold) if len(g) == 1]
    share = lambda idx: sum(read[i] == top[i] for i in idx) / len(idx)  # noqa: E731
    print(f"\nhighest level = highest labelled level: {share(range(len(rows))):.1%} "
          f"(single-label rows: {share(single):.1%} of {len(single)}); no level read: "
          f"{sum(r is None for r in read) / len(read):.1%}")
    if errors:
        print("\nErrors (labelled, read, outcome, evidence):")
        for (text, g), r, p in zip(rows, results, systems["reader, every level read"]):
            if g != p:
                print(f"  {sorted(g)} {sorted(p)}  {text}  [{r.evidence if r else ''}]")


def report_labelled(path: Path, clf: BloomClassifier, errors: bool) -> None:
    rows = load(path)
    start = time.perf_counter()
    results = [clf.classify(r["outcome"]) for r in rows]
    elapsed = time.perf_counter() - start
    for r, res in zip(rows, results):
        r["pred"], r["evidence"] = (res.level, res.evidence) if res else (None, "")

    print(f"our labelled set ({path.name}): {len(rows)} outcomes, labelled by the developers who wrote the rules;")
    print("nothing fitted on it by a program, the rules were written with its first part in view;")
    print("rows whose source starts 'held out' were written before the reader was run on them")
    print_scores("all", {"all": rows})
    print_scores("by language", {lang: [r for r in rows if r["language"] == lang] for lang in ("en", "vi")})
    sources = sorted({r["source"] for r in rows})
    if len(sources) > 1:
        print_scores("by source", {s: [r for r in rows if r["source"] == s] for s in sources})
    for source in (s for s in sources if s.startswith("held out")):
        held = [(r, res) for r, res in zip(rows, results) if r["source"] == source]
        print(f"\n{source.split(':')[0]}: {len(held)} rows "
              "(label = the highest level, so the highest level read is scored)")
        print_levels([{r["gold"]} - {None} for r, _ in held],
                      {"reader, highest level": [{res.level} if res else set() for _, res in held],
                       "baseline: first word in verb list": [first_word_baseline(clf, r["outcome"]) for r, _ in held]})
    print_confusion(rows)
    print(f"\nthroughput: {len(rows) / elapsed:,.0f} outcomes/s (uncached, one process)")
    if errors:
        print("\nErrors (label, classifier, outcome, evidence):")
        for r in rows:
            if r["gold"] != r["pred"]:
                print(f"  {r['gold'] or NONE!s:>4} {r['pred'] or NONE!s:>4}  {r['outcome']}  [{r['evidence']}]")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("monash", type=Path, nargs="?", default=MONASH, help="the monash-dev CSV")
    parser.add_argument("--data", type=Path, default=DATA, help="our labelled set")
    parser.add_argument("--errors", action="store_true", help="list every row the reader gets wrong")
    args = parser.parse_args(argv)

    if args.monash.is_file():
        report_monash(args.monash, BloomClassifier(default_reference()), args.errors)
    else:
        print(f"monash-dev not found at {args.monash}: skipped (pass its path as the first argument)")
    print("\n" + "-" * 100 + "\n")
    report_labelled(args.data, BloomClassifier(default_reference()), args.errors)  # fresh cache: timing is uncached


if __name__ == "__main__":
    main()
