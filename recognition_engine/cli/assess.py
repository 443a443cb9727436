"""`recognise assess` (recommendations with their explanation, or an ELMO/CTDL export) and
`recognise validate` (check catalogue or credential files and list every problem)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..intake import read_credential_paths
from .common import iso_date, load_engine_inputs, today
from .export import ASSESS_EXPORT_FORMATS, add_export_options, emit_export


def _cmd_assess(args: argparse.Namespace) -> int:
    from ..explain import RENDERERS

    catalogue, assessor = load_engine_inputs(args.catalogue, args.policy)
    credentials, notes = read_credential_paths(args.credentials, args.input_format)
    as_of = args.as_of or today()
    if args.stack:
        assessments = [assessor.assess_stack(credentials, args.purpose, as_of)]
    else:
        assessments = [assessor.assess(c, args.purpose, as_of).model_copy(update={"notes": list(notes.get(c.id, ()))})
                       for c in credentials]
    if args.format in ASSESS_EXPORT_FORMATS:
        return emit_export(args.format, assessments, catalogue, args.out, args.home_schac, args.home_url)
    if args.format == "json":
        payload = [a.model_dump(mode="json") for a in assessments]
        print(json.dumps(payload[0] if len(payload) == 1 else payload, indent=2, ensure_ascii=False))
    else:
        print("\n".join(RENDERERS[args.format](a) for a in assessments))
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from ..loaders import load_catalogue

    for path in args.files:
        if args.kind == "catalogue":
            catalogue = load_catalogue(path)
            print(f"{path}: OK, {len(catalogue.courses)} courses, {len(catalogue.programmes)} programmes")
        else:
            credentials, _ = read_credential_paths([path], args.input_format)
            for c in credentials:
                missing = c.missing_elements()
                print(f"{path}: {c.id}: OK" + (f"; missing Annex I elements: {', '.join(missing)}" if missing else ""))
    return 0


def add_parser(sub) -> None:
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
    validate.add_argument("--input-format", help="credentials: force the format (native, elm, openbadges, elmo, csv)")
    validate.set_defaults(func=_cmd_validate)
