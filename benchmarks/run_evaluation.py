"""Convert the lo-equivalence dev data, then evaluate the engine and the baselines on it,
on the bundled sample data (which the shipped calibration was fitted on) and on the
held-out set (benchmarks/heldout, never used for fitting); print one table each.

Usage: HF_HUB_OFFLINE=1 python benchmarks/run_evaluation.py [--encoder auto|minilm|e5|PATH]
"""

from __future__ import annotations

import argparse

from convert_lo_equivalence import DEFAULT_OUT, REPO, convert, source_dir

from recognition_engine.cli.evaluate import evaluate_files, format_table


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--encoder", default="auto")
    args = parser.parse_args(argv)
    lo = convert(source_dir(), DEFAULT_OUT)
    examples = REPO / "examples"
    runs = {
        "lo-equivalence-dev (CAHLR/skill-equivalency, training labels)": (lo / "catalogue.yaml", lo / "credentials.yaml", lo / "gold.csv"),
        "bundled sample data (examples/; the calibration was fitted on it)": (examples / "catalogue.yaml", examples / "credentials", examples / "gold.csv"),
        "held-out set (benchmarks/heldout/)": (examples / "catalogue.yaml", REPO / "benchmarks" / "heldout" / "credentials", REPO / "benchmarks" / "heldout" / "gold.csv"),
    }
    for title, paths in runs.items():
        print(f"\n{title}\n{format_table(evaluate_files(*paths, encoder=args.encoder))}")


if __name__ == "__main__":
    main()
