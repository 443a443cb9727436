"""`recognise`: the command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .cli_calibrate import add_parser as add_calibrate_parser
from .cli_evaluate import add_parser as add_evaluate_parser
from .errors import InputError
from .paths import examples_dir


def _default_catalogue() -> Path:
    return examples_dir() / "catalogue.yaml"


def _cmd_demo(args: argparse.Namespace) -> int:
    return _rank(args.catalogue or _default_catalogue(), examples_dir() / "credentials", args.top)


def _cmd_rank(args: argparse.Namespace) -> int:
    return _rank(args.catalogue or _default_catalogue(), args.credentials, args.top)


def _rank(catalogue_path: Path, credentials_path: Path, k: int) -> int:
    from .engine import Engine
    from .loaders import load_catalogue, load_credentials
    from .report import print_ranking

    catalogue = load_catalogue(catalogue_path)
    credentials = load_credentials(credentials_path)
    engine = Engine(catalogue)
    print(f"Catalogue {catalogue_path}: {len(catalogue.courses)} courses in {len(catalogue.programmes)} programmes")
    for credential in credentials:
        print_ranking(credential, engine.rank(credential, k))
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from .loaders import load_catalogue, load_credentials

    for path in args.files:
        if args.kind == "catalogue":
            catalogue = load_catalogue(path)
            print(f"{path}: OK, {len(catalogue.courses)} courses, {len(catalogue.programmes)} programmes")
        else:
            credentials = load_credentials(path)
            for c in credentials:
                missing = c.missing_elements()
                print(f"{path}: {c.id}: OK" + (f"; missing Annex I elements: {', '.join(missing)}" if missing else ""))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="recognise", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="rank the bundled sample credentials against the bundled catalogue")
    demo.add_argument("--catalogue", type=Path, help="catalogue file (default: the bundled sample)")
    demo.add_argument("--top", type=int, default=3, help="candidates per credential (default 3)")
    demo.set_defaults(func=_cmd_demo)

    rank = sub.add_parser("rank", help="rank catalogue courses for credentials (a file or a folder)")
    rank.add_argument("credentials", type=Path)
    rank.add_argument("--catalogue", type=Path, help="catalogue file (default: the bundled sample)")
    rank.add_argument("--top", type=int, default=5)
    rank.set_defaults(func=_cmd_rank)

    validate = sub.add_parser("validate", help="check catalogue or credential files and list every problem")
    validate.add_argument("kind", choices=["catalogue", "credentials"])
    validate.add_argument("files", type=Path, nargs="+")
    validate.set_defaults(func=_cmd_validate)

    add_evaluate_parser(sub)
    add_calibrate_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except InputError as exc:
        print(f"recognise: {len(exc.problems)} problem(s) in the input:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
