"""`recognise batch` (a CSV or JSON Lines file of mobility returns, or a zip of transcripts,
written row by row as each finishes) and `recognise transcripts` (ELMO transcripts checked
against their learning agreements, exported as CSV, ELMO or CTDL). Both run the batch kernel,
as the service's worker does."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..errors import Problem
from .common import iso_date, load_engine_inputs, read_input, today
from .export import FORMATS, add_export_options, export_bytes, write_or_print


def load_outcomes(path: Path | None) -> Any:
    """--outcomes: the mapping from LOS identifier or URL to learning outcomes, or None."""
    from ..transcripts import read_outcomes_mapping

    return None if path is None else read_outcomes_mapping(read_input(path), path.name)


def _progress(total: int, name: str, quiet: bool):
    from tqdm import tqdm

    return tqdm(total=total, unit="row", desc=name, file=sys.stderr, disable=quiet)


def _cmd_ray(args: argparse.Namespace) -> int:
    """--engine ray: the same kernel in a Ray actor pool; --out is a folder of partitions (docs/scaling.md)."""
    from ..ray_batch import run  # an optional extra: imported only when asked for

    done = run(args.input, args.out, address=args.address, workers=args.workers, catalogue=args.catalogue,
               policy=args.policy, encoder=args.encoder, as_of=args.as_of, purpose=args.purpose,
               programme=args.programme, outcomes=load_outcomes(args.outcomes), chunk_size=args.chunk_size,
               output_format=args.out_format, num_gpus=args.num_gpus, default_as_of=today())
    print(f"{done.rows} row(s): {done.assessed_now} assessed now, {done.already_done} done before, "
          f"{done.failed} failed; {done.partitions} partition(s) in {done.out}", file=sys.stderr)
    for source, row, error in done.errors:
        print(f"  {source} row {row}: {error}", file=sys.stderr)
    return 1 if done.failed else 0


def _cmd_batch(args: argparse.Namespace) -> int:
    from ..batch import ResultsWriter, assess_batch, batch_frame, read_batch

    if args.engine == "ray":
        return _cmd_ray(args)

    catalogue, assessor = load_engine_inputs(args.catalogue, args.policy, args.encoder)
    fmt, rows = read_batch(read_input(args.input), args.input.name, args.format, catalogue=catalogue,
                           outcomes=load_outcomes(args.outcomes))
    for name, value, known in (("--purpose", args.purpose, {c.id for c in catalogue.courses}),
                               ("--programme", args.programme, {p.id for p in catalogue.programmes})):
        if value is not None and value not in known:
            print(f"recognise: {name} {value!r} is not in the catalogue", file=sys.stderr)
            return 2
    as_of = args.as_of or today()
    failed, assessed, errors = 0, 0, []
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", newline="", encoding="utf-8") as fh, _progress(len(rows), args.input.name, args.quiet) as bar:
        writer = ResultsWriter(fh)

        def done(result) -> None:  # each row is written as it finishes; no assessment is kept
            nonlocal failed, assessed
            writer.write(result.items())
            failed += not result.ok
            assessed += len(result.assessments)
            if not result.ok:
                errors.append(f"  row {result.row}: {result.error}")
            bar.update(1)
            bar.set_postfix(errors=failed, refresh=False)

        for start in range(0, len(rows), args.chunk_size):
            assess_batch(batch_frame(rows[start:start + args.chunk_size]), assessor, as_of=as_of, purpose=args.purpose,
                         programme=args.programme, source=args.input.name, on_result=done, chunk_size=args.chunk_size)
    print(f"{len(rows)} row(s) ({fmt}): {assessed} assessment(s), {failed} row(s) failed; results in {args.out}",
          file=sys.stderr)
    for line in errors:
        print(line, file=sys.stderr)
    return 1 if failed else 0


def _cmd_transcripts(args: argparse.Namespace) -> int:
    from ..batch import assess_batch, batch_frame, transcript_rows
    from ..transcripts import read_transcripts

    catalogue, assessor = load_engine_inputs(args.catalogue, args.policy)
    batch = read_transcripts(args.source, catalogue, outcomes_catalogue=load_outcomes(args.outcomes))
    errors = list(batch.errors)
    assessments = []
    if batch.pairs:  # the batch kernel, as `recognise batch` and the service run it
        rows = transcript_rows(batch, with_errors=False)
        results = assess_batch(batch_frame(rows), assessor, as_of=args.as_of or today(), source=str(args.source))
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
        print("\n".join(f"  {p}" for p in errors), file=sys.stderr)
        return 1
    return 0


def add_parser(sub: Any) -> None:
    batch = sub.add_parser("batch", help="assess a CSV or JSON Lines file of mobility returns, or a zip of "
                           "transcripts, with a progress bar")
    batch.add_argument("input", type=Path, help="CSV (credential template columns + learner, purpose, programme, as_of), "
                                                "JSON Lines (one object per row), or a zip of ELMO transcripts and EWP "
                                                "learning agreements")
    batch.add_argument("--out", type=Path, required=True, help="results CSV: one line per assessment or failed row")
    batch.add_argument("--format", choices=["csv", "jsonl", "transcripts"], help="default: from the file name or content")
    batch.add_argument("--outcomes", type=Path, help="with a zip of transcripts: YAML/JSON mapping from LOS identifier "
                       "or URL to learning outcomes (ELMO has no learning-outcomes element)")
    batch.add_argument("--catalogue", type=Path, help="catalogue file (default: the bundled sample)")
    batch.add_argument("--policy", type=Path, help="an institution's policy overlaid on the default")
    batch.add_argument("--encoder", default="auto", help="auto (default), minilm-int8, minilm, e5, or a local model path")
    batch.add_argument("--purpose", help="course id for rows without one")
    batch.add_argument("--programme", help="programme for rows without a purpose (its best-ranked course)")
    batch.add_argument("--as-of", type=iso_date, help="default date for rows without one (default: today)")
    batch.add_argument("--chunk-size", type=int, default=64, help="rows encoded together (default 64)")
    batch.add_argument("--quiet", action="store_true", help="no progress bar")
    batch.add_argument("--engine", choices=["local", "ray"], default="local",
                       help="ray: INPUT may be a folder or glob (and Parquet); --out is a folder of partitions, "
                            "resumable (pip install -e '.[ray]')")
    batch.add_argument("--address", help="with --engine ray: the cluster (auto, ray://HOST:10001); default: a local Ray")
    batch.add_argument("--workers", type=int, default=2, help="with --engine ray: actors (default 2)")
    batch.add_argument("--num-gpus", type=float, default=0.0, help="with --engine ray: GPUs per actor (default 0)")
    batch.add_argument("--out-format", choices=["parquet", "csv"], default="parquet",
                       help="with --engine ray: partition format (default parquet)")
    batch.set_defaults(func=_cmd_batch)

    transcripts = sub.add_parser(
        "transcripts", help="assess a folder or zip of ELMO transcripts against their EWP learning agreements",
        description="Reads EMREX ELMO transcripts (or EWP transcripts of records) and EWP learning agreements, "
                    "checks each transcript against its agreement, assesses every studied component for the home "
                    "course it is to be recognised as, and writes the results. Row errors are listed on stderr "
                    "(exit status 1); the export holds every pair that could be assessed.")
    transcripts.add_argument("source", type=Path, metavar="FOLDER_OR_ZIP")
    transcripts.add_argument("--catalogue", type=Path, help="catalogue file (default: the bundled sample)")
    transcripts.add_argument("--as-of", type=iso_date, help="the date the assessments speak for (default: today)")
    transcripts.add_argument("--policy", type=Path, help="an institution's policy overlaid on the default")
    transcripts.add_argument("--format", choices=FORMATS, default="csv")
    transcripts.add_argument("--outcomes", type=Path, help="YAML/JSON mapping from LOS identifier or URL to learning "
                             "outcomes (ELMO has no learning-outcomes element)")
    add_export_options(transcripts)
    transcripts.set_defaults(func=_cmd_transcripts)
