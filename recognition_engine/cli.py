"""`recognise`: the command line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .cli_calibrate import add_parser as add_calibrate_parser
from .cli_common import iso_date, run_command, today
from .cli_evaluate import add_parser as add_evaluate_parser
from .cli_export import ASSESS_EXPORT_FORMATS, add_export_options, emit_export
from .cli_export import add_parser as add_export_parser
from .paths import examples_dir


def _default_catalogue() -> Path:
    return examples_dir() / "catalogue.yaml"


def _cmd_demo(args: argparse.Namespace) -> int:
    return _rank(args.catalogue or _default_catalogue(), examples_dir() / "credentials", args.top)


def _cmd_rank(args: argparse.Namespace) -> int:
    return _rank(args.catalogue or _default_catalogue(), args.credentials, args.top)


def _rank(catalogue_path: Path, credentials_path: Path, k: int) -> int:
    """Ranked candidates with their outcome pairs, then the recommendation for the best one."""
    from .assessment import Assessor
    from .engine import Engine
    from .loaders import load_catalogue
    from .intake import read_credential_path
    from .report import print_ranking

    catalogue = load_catalogue(catalogue_path)
    credentials, _ = read_credential_path(credentials_path)
    engine = Engine(catalogue)
    assessor = Assessor(engine)
    as_of = today()
    print(f"Catalogue {catalogue_path}: {len(catalogue.courses)} courses in {len(catalogue.programmes)} programmes")
    for credential in credentials:
        print_ranking(credential, engine.rank(credential, k))
        result = assessor.assess(credential, as_of=as_of)
        print(f"  => {result.outcome.value}: {result.recommendation.summary}")
    return 0


def _cmd_assess(args: argparse.Namespace) -> int:
    from .assessment import Assessor
    from .engine import Engine
    from .explain import RENDERERS
    from .intake import read_credential_path
    from .loaders import load_catalogue
    from .policy import load_policy

    policy = load_policy(args.policy)  # an invalid policy fails before any model loads
    credentials, notes = [], {}
    for path in args.credentials:
        found, found_notes = read_credential_path(path, args.input_format)
        credentials += found
        notes.update(found_notes)
    assessor = Assessor(Engine(load_catalogue(args.catalogue or _default_catalogue())), policy)
    as_of = args.as_of or today()
    if args.stack:
        assessments = [assessor.assess_stack(credentials, args.purpose, as_of)]
    else:
        assessments = [assessor.assess(c, args.purpose, as_of).model_copy(update={"notes": list(notes.get(c.id, ()))})
                       for c in credentials]
    if args.format in ASSESS_EXPORT_FORMATS:
        return emit_export(args.format, assessments, assessor.engine.catalogue, args.out, args.home_schac, args.home_url)
    if args.format == "json":
        payload = [a.model_dump(mode="json") for a in assessments]
        print(json.dumps(payload[0] if len(payload) == 1 else payload, indent=2, ensure_ascii=False))
    else:
        print("\n".join(RENDERERS[args.format](a) for a in assessments))
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

    assess = sub.add_parser("assess", help="recommend recognition for a credential, with an explanation")
    assess.add_argument("credentials", type=Path, nargs="+", metavar="CREDENTIAL",
                        help="credential files (YAML, JSON, ELM/EDC, Open Badges 3.0, ELMO, CSV) or folders")
    assess.add_argument("--catalogue", type=Path, help="catalogue file (default: the bundled sample)")
    assess.add_argument("--purpose", help="the course id recognition is asked for (default: the best candidates)")
    assess.add_argument("--policy", type=Path, help="an institution's policy overlaid on the default")
    assess.add_argument("--as-of", type=iso_date, help="the date the assessment speaks for (default: today)")
    assess.add_argument("--format", choices=["text", "markdown", "html", "json", *ASSESS_EXPORT_FORMATS], default="text")
    add_export_options(assess)
    assess.add_argument("--input-format", help="force the input format: native, elm, openbadges, elmo, csv")
    assess.add_argument("--stack", action="store_true", help="assess all the credentials together toward --purpose")
    assess.set_defaults(func=_cmd_assess)

    validate = sub.add_parser("validate", help="check catalogue or credential files and list every problem")
    validate.add_argument("kind", choices=["catalogue", "credentials"])
    validate.add_argument("files", type=Path, nargs="+")
    validate.set_defaults(func=_cmd_validate)

    add_evaluate_parser(sub)
    add_calibrate_parser(sub)
    add_export_parser(sub)
    try:  # service commands (keys, worker, batch, serve) live in the `api` package, imported only here
        from api.cli import add_parser as add_service_parser
    except ImportError:
        add_service_parser = None
    if add_service_parser is not None:
        add_service_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    return run_command(build_parser().parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
