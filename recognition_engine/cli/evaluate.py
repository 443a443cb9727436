"""`recognise evaluate`: recall@1, recall@5 and MRR of the engine and three baselines (TF-IDF,
BM25, whole-text embedding cosine) against a gold file. `make quality` runs every set."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..engine import Engine
from ..evaluation import NO_COUNTERPART, EvaluationResult, evaluate, read_gold
from ..loaders import load_catalogue, load_credentials

COLUMNS = ["ranker", "recall@1", "recall@5", "MRR", "n"]


def evaluate_files(catalogue: Path, credentials: Path, gold: Path, encoder: str = "auto") -> EvaluationResult:
    """Load the three inputs and evaluate every ranker on them."""
    loaded = load_catalogue(catalogue)
    return evaluate(loaded, load_credentials(credentials), read_gold(gold), Engine(loaded, encoder=encoder), gold_source=gold.name)


def result_rows(result: EvaluationResult) -> list[dict[str, object]]:
    return [
        dict(zip(COLUMNS, [m.ranker, round(m.recall_at_1, 4), round(m.recall_at_5, 4), round(m.mrr, 4), m.n]))
        for m in result.metrics
    ]


def format_table(result: EvaluationResult) -> str:
    """The metrics as an aligned text table, with a note on skipped credentials."""
    cells = [COLUMNS] + [[f"{v:.4f}" if isinstance(v, float) else str(v) for v in row.values()] for row in result_rows(result)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(COLUMNS))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))) for row in cells]
    if result.skipped:
        lines.append(f"({result.skipped} credential(s) without gold rows skipped)")
    if result.no_counterpart:
        lines.append(f"({result.no_counterpart} credential(s) with gold {NO_COUNTERPART} (no counterpart) left out of recall and MRR)")
    return "\n".join(lines)


def _cmd_evaluate(args: argparse.Namespace) -> int:
    result = evaluate_files(args.catalogue, args.credentials, args.gold, args.encoder)
    if args.json:
        print(json.dumps({"n": result.n, "skipped": result.skipped, "rankers": result_rows(result)}, indent=2))
    else:
        print(format_table(result))
    return 0


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register `evaluate` on the `recognise` subcommands."""
    parser = subparsers.add_parser("evaluate", help="recall@1, recall@5 and MRR of the engine and baselines against a gold file")
    parser.add_argument("--catalogue", type=Path, required=True, help="catalogue file (.yaml, .json or .csv)")
    parser.add_argument("--credentials", type=Path, required=True, help="credentials file or folder")
    parser.add_argument("--gold", type=Path, required=True, help="CSV with columns credential_id,course_id (course_id NONE: no counterpart)")
    parser.add_argument("--json", action="store_true", help="print the metrics as JSON")
    parser.add_argument("--encoder", default="auto", help="auto (default), minilm-int8, minilm, e5, or a local sentence-transformers model path")
    parser.set_defaults(func=_cmd_evaluate)
    return parser
