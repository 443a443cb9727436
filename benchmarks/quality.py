"""`make quality`: every development set, the engine beside TF-IDF, BM25 and the whole-text
cosine of the engine's own embedding model, on the same credentials and catalogues.

For each set and split: recall@1, recall@5 and MRR with percentile bootstrap 95% intervals
(credentials resampled, seeded; the same resamples for every ranker), the engine's recall@1
minus the best baseline's with its paired interval; then, for the engine, how often it
abstains, how often it still names a course for a credential with no counterpart, and
(sets with pairs.csv) how often its outcome coverage is wrong; then the Bloom macro-F1.
The `use` column says what a set may stand for (benchmarks/DATA.md): only `held-out` rows
are an estimate on data nothing was fitted on.

Nothing is cached but the engine's own embedding cache (.recognition-cache/, `make clean`).

    HF_HUB_OFFLINE=1 python benchmarks/quality.py [--sets sample,heldout,lo-equivalence,assist,wisconsin,devsets]
        [--devsets DIR ...] [--assist N] [--wisconsin N] [--resamples B] [--seed S] [--encoder auto] [--json]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

import quality_sets as qs
from recognition_engine import Engine
from recognition_engine.errors import InputError
from recognition_engine.evaluation import (
    METRICS, abstention, bootstrap_interval, coverage_errors, evaluate, per_credential, summarise,
)

SET_NAMES = ("sample", "heldout", "lo-equivalence", "assist", "wisconsin", "devsets")
BASELINES = ("tfidf", "bm25", "embedding")


def loaders(args: argparse.Namespace) -> dict[str, Callable[[], list[qs.EvalSet]]]:
    return {
        "sample": qs.sample_set,
        "heldout": qs.heldout_set,
        "lo-equivalence": lambda: qs.halves(*qs.lo_equivalence_set()),
        "assist": lambda: qs.assist_set(args.assist, args.seed),
        "wisconsin": lambda: qs.wisconsin_matc_set(args.wisconsin, args.seed),
        "devsets": lambda: [s for folder in qs.devset_folders(args.devsets) for s in qs.devset(folder)],
    }


def engine_vs_best_baseline(ranks: pd.DataFrame, resamples: int, seed: int) -> dict[str, object]:
    """The engine's recall@1 minus the best baseline's (by recall@1), per credential, with its
    paired bootstrap interval."""
    hits = {name: per_credential(group.sort_values("credential_id")["rank_of_first_gold"].tolist())[:, 0]
            for name, group in ranks[ranks["counterpart"]].groupby("ranker")}
    best = max(BASELINES, key=lambda name: (hits[name].mean(), name))
    diff = hits["engine"] - hits[best]
    low, high = bootstrap_interval(diff, resamples, seed)
    return {"baseline": best, "delta": float(diff.mean()), "low": low, "high": high}


def run_set(evalset: qs.EvalSet, args: argparse.Namespace) -> dict[str, object]:
    start = time.perf_counter()
    ranks, coverage = [], []
    for group in evalset.groups:
        ids = {c.id for c in group.credentials}
        engine = Engine(group.catalogue, encoder=args.encoder)
        result = evaluate(group.catalogue, group.credentials, {k: v for k, v in evalset.gold.items() if k in ids},
                          engine, gold_source=evalset.source, pairs=evalset.pairs)
        ranks.append(result.ranks)
        coverage.append(result.coverage)
    ranks = pd.concat(ranks, ignore_index=True)
    coverage = pd.concat(coverage, ignore_index=True)
    n = int(ranks.loc[ranks["ranker"] == "engine", "counterpart"].sum())
    return {
        "set": evalset.name, "split": evalset.split, "use": evalset.use, "note": evalset.note,
        "n": n, "credentials": int((ranks["ranker"] == "engine").sum()),
        "rankers": [
            {"ranker": m.ranker, "recall@1": m.recall_at_1, "recall@5": m.recall_at_5, "MRR": m.mrr,
             "intervals": {k: list(v) for k, v in m.intervals.items()}}
            for m in summarise(ranks, args.resamples, args.seed)
        ],
        "engine_vs_best_baseline": engine_vs_best_baseline(ranks, args.resamples, args.seed) if n else None,
        "abstention": abstention(ranks),
        "coverage": coverage_errors(coverage) if evalset.pairs is not None else None,
        "seconds": round(time.perf_counter() - start, 1),
    }


def bloom_line() -> dict[str, object]:
    """benchmarks/bloom_accuracy.py's `macro_f1()` (a float, or a mapping with `macro_f1`
    and optionally `n` and `data`), guarded: that script is being rewritten elsewhere."""
    try:
        import bloom_accuracy

        value = bloom_accuracy.macro_f1()
    except Exception as exc:  # noqa: BLE001 - any failure there must not stop the table
        return {"macro_f1": None, "why": f"benchmarks/bloom_accuracy.py gives no macro_f1() ({type(exc).__name__}: {exc})"}
    return dict(value) if isinstance(value, dict) else {"macro_f1": float(value)}


# ------------------------------------------------------------------ text output

def _num(x: float, digits: int = 3) -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


def _share(x: float) -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.0%}"


def _cell(row: dict, metric: str) -> str:
    low, high = row["intervals"].get(metric, (None, None))
    return _num(row[metric]) + (f" [{_num(low, 2)}-{_num(high, 2)}]" if low is not None else "")


def align(rows: list[list[str]], right: set[int]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))).rstrip() for r in rows]


def ranking_table(results: list[dict]) -> list[str]:
    rows = [["set", "split", "use", "n", "ranker", *(f"{m} [95% CI]" for m in METRICS), "engine R@1 - best baseline [95% CI]"]]
    for r in results:
        for i, m in enumerate(r["rankers"]):
            delta = r["engine_vs_best_baseline"] if m["ranker"] == "engine" else None
            rows.append([
                r["set"] if i == 0 else "", r["split"] if i == 0 else "", r["use"] if i == 0 else "",
                str(r["n"]) if i == 0 else "", m["ranker"], *(_cell(m, metric) for metric in METRICS),
                f"{delta['delta']:+.3f} [{delta['low']:+.2f},{delta['high']:+.2f}] vs {delta['baseline']}" if delta else "",
            ])
    return align(rows, {3})


def engine_table(results: list[dict]) -> list[str]:
    rows = [["set", "split", "with counterpart", "abstains", "no counterpart", "abstains", "names a course",
             "LOs labelled covered", "missed ('not covered')", "'to confirm'", "LOs labelled not covered", "'covered' error",
             "'not covered' wrong"]]
    for r in results:
        a, c = r["abstention"], r["coverage"] or {}
        rows.append([
            r["set"], r["split"], str(a["n_counterpart"]), _share(a["abstain_counterpart"]), str(a["n_none"]),
            _share(a["abstain_none"]), _share(a["none_top1_reported"]),
            str(c.get("n_labelled_covered", "-")), _share(c.get("not_covered_error")), _share(c.get("to_confirm")),
            str(c.get("n_labelled_not_covered", "-")), _share(c.get("covered_error")), _share(c.get("not_covered_wrong")),
        ])
    return align(rows, set(range(2, 13)))


def report(results: list[dict], bloom: dict, args: argparse.Namespace) -> str:
    lines = [f"Ranking quality: recall@1, recall@5, MRR (bootstrap {args.resamples} resamples of credentials, seed {args.seed}; "
             f"encoder {args.encoder}: the engine's model per credential, also for the embedding baseline)", ""]
    lines += ranking_table(results)
    lines += ["", "use: held-out = nothing was fitted on it; dev = may be fitted on; fitted-on = a shipped parameter was "
              "fitted on it; contaminated = meant as held-out but something was fitted on it (benchmarks/DATA.md)."]
    lines += ["", "Engine: abstention (no counterpart = gold NONE) and outcome coverage against pairs.csv", ""]
    lines += engine_table(results)
    lines += ["", "'names a course': share of no-counterpart credentials for which the engine did not abstain and put a course "
              "first (wrong-subject risk; goal 0). missed: local outcomes labelled covered that the engine marks not covered; "
              "'covered' error: labelled not covered, marked covered; 'not covered' wrong: of the outcomes the engine marks "
              "not covered, the share labelled covered (goal under 10%)."]
    lines += ["", "Notes:"] + [f"- {r['set']} {r['split']}: {r['note'] + '; ' if r['note'] else ''}{r['seconds']} s" for r in results]
    bloom_text = (f"{bloom['macro_f1']:.3f}" + "".join(f", {k} {v}" for k, v in bloom.items() if k != "macro_f1")
                  if bloom.get("macro_f1") is not None else f"not available: {bloom['why']}")
    lines += ["", f"Bloom macro-F1 (bloom-monash-dev): {bloom_text}"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", default=",".join(SET_NAMES), help=f"comma-separated, from {', '.join(SET_NAMES)}")
    parser.add_argument("--devsets", type=Path, action="append", help=f"a development set, or a folder of them (repeatable; default {qs.DEVSETS})")
    parser.add_argument("--assist", type=int, default=300, help="ASSIST queries sampled (default 300 of 55,913)")
    parser.add_argument("--wisconsin", type=int, default=200, help="Wisconsin+MATC queries sampled (default 200 of 425)")
    parser.add_argument("--resamples", type=int, default=1000, help="bootstrap resamples (default 1000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--encoder", default="auto", help="auto (default), minilm, e5, or a local model path")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    args.devsets = args.devsets or [qs.DEVSETS]
    chosen = [s.strip() for s in args.sets.split(",") if s.strip()]
    unknown = sorted(set(chosen) - set(SET_NAMES))
    if unknown:
        parser.error(f"--sets: unknown {', '.join(unknown)} (choose from {', '.join(SET_NAMES)})")
    results = []
    for name, load in loaders(args).items():
        if name not in chosen:
            continue
        print(f"loading {name} ...", file=sys.stderr, flush=True)
        try:
            evalsets = load()
        except (InputError, OSError) as exc:
            print(f"{name}: cannot load: {exc}", file=sys.stderr)
            return 2
        if name == "devsets" and not evalsets:
            print(f"devsets: no set folder with a gold.csv under {', '.join(map(str, args.devsets))}", file=sys.stderr)
        for evalset in evalsets:
            print(f"  ranking {evalset.name} {evalset.split} ...", file=sys.stderr, flush=True)
            results.append(run_set(evalset, args))
    bloom = bloom_line()
    if args.json:
        print(json.dumps({"resamples": args.resamples, "seed": args.seed, "encoder": args.encoder,
                          "sets": results, "bloom": bloom}, indent=2, default=float))
    else:
        print(report(results, bloom, args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
