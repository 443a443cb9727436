"""Writing assessments as CSV, EMREX ELMO or CTDL: for `recognise assess --format elmo|ctdl`
and `recognise transcripts`."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any, Sequence

from ..errors import InputError, Problem

FORMATS = ("csv", "elmo", "elmo-2.0", "ctdl")
ASSESS_EXPORT_FORMATS = ("elmo", "elmo-2.0", "ctdl")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)  # the edge may read the clock


def export_bytes(fmt: str, assessments: Sequence[Any], catalogue: Any = None, out: Path | None = None,
                 home_schac: str | None = None, home_url: str | None = None) -> bytes:
    """The assessments in `fmt` (csv, elmo, ctdl). ELMO for several learners needs an `out` ending in .zip."""
    from ..formats.export import EXPORTERS, HomeInstitution, group_by_learner, to_elmo_archive

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
