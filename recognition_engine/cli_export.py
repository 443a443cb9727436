"""`recognise transcripts`: assess a batch of ELMO transcripts against their learning agreements,
and write the results as CSV, EMREX ELMO or CTDL. Also the export options of `recognise assess`."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any, Sequence

from .cli_common import iso_date, read_input, today
from .errors import InputError, Problem

FORMATS = ("csv", "elmo", "ctdl")
ASSESS_EXPORT_FORMATS = ("elmo", "ctdl")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)  # the edge may read the clock


def export_bytes(fmt: str, assessments: Sequence[Any], catalogue: Any = None, out: Path | None = None,
                 home_schac: str | None = None, home_url: str | None = None) -> bytes:
    """The assessments in `fmt` (csv, elmo, ctdl). ELMO for several learners needs an `out` ending in .zip."""
    from .formats.export import EXPORTERS, HomeInstitution, group_by_learner, to_elmo_archive

    institution = HomeInstitution.from_catalogue(catalogue, schac=home_schac, url=home_url) if catalogue else None
    if fmt == "elmo" and len(group_by_learner(assessments)) > 1:
        if out is None or out.suffix.lower() != ".zip":
            raise InputError([Problem("--out", "", "", "these assessments are for several learners and an ELMO document "
                                      "describes one: give an --out file ending in .zip (one ELMO document per learner)")])
        return to_elmo_archive(assessments, institution=institution, generated=_now())
    return EXPORTERS[fmt](assessments, institution=institution, generated=_now())


def write_or_print(data: bytes, out: Path | None) -> None:
    if out is None:
        sys.stdout.write(data.decode("utf-8"))
    else:
        out.write_bytes(data)


def emit_export(fmt: str, assessments: Sequence[Any], catalogue: Any, out: Path | None = None,
                home_schac: str | None = None, home_url: str | None = None) -> int:
    """For `recognise assess --format elmo|ctdl`: write the export to --out, or print it."""
    write_or_print(export_bytes(fmt, assessments, catalogue, out, home_schac, home_url), out)
    return 0


def add_export_options(parser: argparse.ArgumentParser) -> None:
    """--out, --home-schac, --home-url (used by `assess` for --format elmo|ctdl, and by `transcripts`)."""
    parser.add_argument("--out", type=Path, help="write the export to this file (default: print it)")
    parser.add_argument("--home-schac", help="SCHAC code of the home institution (ELMO needs an issuer identifier), "
                        "e.g. voorbeeld.nl")
    parser.add_argument("--home-url", help="web address of the home institution (ELMO issuer url)")


def load_outcomes(path: Path | None) -> Any:
    """--outcomes: the mapping from LOS identifier or URL to learning outcomes, or None."""
    from .transcripts import read_outcomes_mapping

    return None if path is None else read_outcomes_mapping(read_input(path), path.name)


def _problem_lines(problems: Sequence[Problem]) -> list[str]:
    return [f"  {p}" for p in problems]


def _cmd_transcripts(args: argparse.Namespace) -> int:
    from .assessment import Assessor
    from .batch import assess_batch, batch_frame, transcript_rows
    from .engine import Engine
    from .loaders import load_catalogue
    from .paths import examples_dir
    from .policy import load_policy
    from .transcripts import read_batch

    policy = load_policy(args.policy)
    catalogue = load_catalogue(args.catalogue or examples_dir() / "catalogue.yaml")
    batch = read_batch(args.source, catalogue, outcomes_catalogue=load_outcomes(args.outcomes))
    errors = list(batch.errors)
    assessments = []
    if batch.pairs:  # the batch kernel, as `recognise batch` and the service run it
        rows = transcript_rows(batch, with_errors=False)
        results = assess_batch(batch_frame(rows), Assessor(Engine(catalogue), policy), as_of=args.as_of or today(),
                               source=str(args.source))
        assessments = [a for r in results for a in r.assessments]
        errors += [p for r in results for p in r.problems]
    if args.format != "csv" and not assessments:
        errors.append(Problem(str(args.source), "", "", f"nothing to export as {args.format}: no pair could be assessed"))
    else:
        home = args.home_schac or batch.home_schac
        write_or_print(export_bytes(args.format, assessments, catalogue, args.out, home, args.home_url), args.out)
    print(f"recognise transcripts: {len(assessments)} assessment(s) from {len(batch.pairs)} pair(s)"
          + (f", written to {args.out}" if args.out else ""), file=sys.stderr)
    if errors:
        print(f"recognise transcripts: {len(errors)} row error(s):", file=sys.stderr)
        print("\n".join(_problem_lines(errors)), file=sys.stderr)
        return 1
    return 0


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register `transcripts` on the `recognise` subcommands."""
    parser = subparsers.add_parser(
        "transcripts", help="assess a folder or zip of ELMO transcripts against their EWP learning agreements",
        description="Reads EMREX ELMO transcripts (or EWP transcripts of records) and EWP learning agreements, "
                    "checks each transcript against its agreement, assesses every studied component for the home "
                    "course it is to be recognised as, and writes the results. Row errors are listed on stderr "
                    "(exit status 1); the export holds every pair that could be assessed.")
    parser.add_argument("source", type=Path, metavar="FOLDER_OR_ZIP")
    parser.add_argument("--catalogue", type=Path, help="catalogue file (default: the bundled sample)")
    parser.add_argument("--as-of", type=iso_date, help="the date the assessments speak for (default: today)")
    parser.add_argument("--policy", type=Path, help="an institution's policy overlaid on the default")
    parser.add_argument("--format", choices=FORMATS, default="csv")
    parser.add_argument("--outcomes", type=Path, help="YAML/JSON mapping from LOS identifier or URL to learning outcomes "
                        "(ELMO has no learning-outcomes element)")
    add_export_options(parser)
    parser.set_defaults(func=_cmd_transcripts)
    return parser
