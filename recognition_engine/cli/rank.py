"""`recognise demo` and `recognise rank`: ranked candidates with their outcome pairs, then the recommendation."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..intake import read_credential_paths
from .common import default_catalogue, load_engine_inputs, today


def _cmd_demo(args: argparse.Namespace) -> int:
    from ..paths import examples_dir

    return _rank(args.catalogue, examples_dir() / "credentials", args.top)


def _cmd_rank(args: argparse.Namespace) -> int:
    return _rank(args.catalogue, args.credentials, args.top)


def _rank(catalogue_path: Path | None, credentials_path: Path, k: int) -> int:
    from ..explain import ranking_text

    catalogue, assessor = load_engine_inputs(catalogue_path, None)
    credentials, _ = read_credential_paths([credentials_path])
    as_of = today()
    print(f"Catalogue {catalogue_path or default_catalogue()}: {len(catalogue.courses)} courses in "
          f"{len(catalogue.programmes)} programmes")
    for credential in credentials:
        print(ranking_text(credential, assessor.engine.rank(credential, k)))
        result = assessor.assess(credential, as_of=as_of)
        print(f"  => {result.outcome.value}: {result.recommendation.summary}")
    return 0


def add_parser(sub) -> None:
    demo = sub.add_parser("demo", help="rank the bundled sample credentials against the bundled catalogue")
    demo.add_argument("--catalogue", type=Path, help="catalogue file (default: the bundled sample)")
    demo.add_argument("--top", type=int, default=3, help="candidates per credential (default 3)")
    demo.set_defaults(func=_cmd_demo)

    rank = sub.add_parser("rank", help="rank catalogue courses for credentials (a file or a folder)")
    rank.add_argument("credentials", type=Path)
    rank.add_argument("--catalogue", type=Path, help="catalogue file (default: the bundled sample)")
    rank.add_argument("--top", type=int, default=5)
    rank.set_defaults(func=_cmd_rank)
