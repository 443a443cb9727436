"""Service commands for `recognise`: keys, worker, batch, decisions, serve.

`add_parser(subparsers)` registers them; the engine's CLI imports this module lazily, and
this module imports fastapi and SQLAlchemy only inside the commands, so `recognise demo`
and `import recognition_engine` never load them. Also runnable as `python -m api.cli ...`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from recognition_engine.cli_common import iso_date, read_input, run_command, today

ROLES = ("officer", "registrar", "analyst", "admin")


def _settings(args: argparse.Namespace):
    from .settings import Settings

    overrides = {}
    if getattr(args, "database_url", None):
        overrides["database_url"] = args.database_url
    return Settings(**overrides)


def _sessions(args: argparse.Namespace):
    from .db import make_engine, migrate, session_factory

    engine = make_engine(_settings(args).database_url)
    migrate(engine)
    return session_factory(engine)


def _cmd_keys_create(args: argparse.Namespace) -> int:
    from .keys import audit_key_event, create_key

    with _sessions(args)() as session:
        row, key = create_key(session, args.role, args.name)
        audit_key_event(session, "key.created", row)
        session.commit()
    print(f"created key {row.id} for {row.name!r} with role {row.role}")
    print("the key (shown once, store it now; only a salted hash is kept):")
    print(key)
    return 0


def _cmd_keys_revoke(args: argparse.Namespace) -> int:
    from .keys import audit_key_event, revoke_key

    with _sessions(args)() as session:
        row = revoke_key(session, args.key_id)
        if row is None:
            print(f"recognise: no key {args.key_id!r}", file=sys.stderr)
            return 2
        audit_key_event(session, "key.revoked", row)
        session.commit()
    print(f"revoked key {args.key_id}")
    return 0


def _cmd_keys_list(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from .models import ApiKey
    from .keys import key_summary

    with _sessions(args)() as session:
        rows = [key_summary(r) for r in session.execute(select(ApiKey).order_by(ApiKey.created_at)).scalars()]
    if not rows:
        print("no keys yet: recognise keys create --role officer --name 'A. Officer'")
    for r in rows:
        print(f"{r['id']}  {r['role']:<9}  {'revoked' if r['revoked'] else 'active ':<7}  {r['created_at']}  {r['name']}")
    return 0


def _cmd_worker(args: argparse.Namespace) -> int:
    import logging
    import signal

    from .resources import Resources
    from .worker import BatchWorker

    settings = _settings(args)
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    worker = BatchWorker(Resources.open(settings), exit_when_idle=args.exit_when_idle)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: worker.stop_event.set())
    worker.run()
    return 0


def _cmd_batch(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from recognition_engine.assessment import Assessor
    from recognition_engine.engine import Engine
    from recognition_engine.loaders import load_catalogue
    from recognition_engine.paths import examples_dir
    from recognition_engine.policy import load_policy

    from recognition_engine.batch import assess_batch, batch_frame, read_batch, write_results_csv
    from recognition_engine.cli_export import load_outcomes

    if args.engine == "ray":  # --out is then a folder of partitions; see docs/scaling.md
        from recognition_engine.ray_batch import run

        done = run(args.input, args.out, address=args.address, workers=args.workers, catalogue=args.catalogue,
                   policy=args.policy, encoder=args.encoder, as_of=args.as_of, purpose=args.purpose,
                   programme=args.programme, outcomes=load_outcomes(args.outcomes), chunk_size=args.chunk_size,
                   output_format=args.out_format, num_gpus=args.num_gpus)
        print(f"{done.rows} row(s): {done.assessed_now} assessed now, {done.already_done} done before, "
              f"{done.failed} failed; {done.partitions} partition(s) in {done.out}", file=sys.stderr)
        for source, row, error in done.errors:
            print(f"  {source} row {row}: {error}", file=sys.stderr)
        return 1 if done.failed else 0
    policy = load_policy(args.policy)
    catalogue = load_catalogue(args.catalogue or examples_dir() / "catalogue.yaml")
    fmt, rows = read_batch(read_input(args.input), args.input.name, args.format, catalogue=catalogue,
                           outcomes=load_outcomes(args.outcomes))
    assessor = Assessor(Engine(catalogue, encoder=args.encoder), policy)
    for name, value, known in (("--purpose", args.purpose, {c.id for c in catalogue.courses}),
                               ("--programme", args.programme, {p.id for p in catalogue.programmes})):
        if value is not None and value not in known:
            print(f"recognise: {name} {value!r} is not in the catalogue", file=sys.stderr)
            return 2
    as_of = args.as_of or today()
    failed = 0
    with tqdm(total=len(rows), unit="row", desc=args.input.name, file=sys.stderr, disable=args.quiet) as bar:
        def done(result) -> None:
            nonlocal failed
            failed += not result.ok
            bar.update(1)
            bar.set_postfix(errors=failed, refresh=False)

        results = assess_batch(batch_frame(rows), assessor, as_of=as_of, purpose=args.purpose, programme=args.programme,
                               source=args.input.name, on_result=done, chunk_size=args.chunk_size)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", newline="", encoding="utf-8") as fh:
        write_results_csv((item for r in results for item in r.items()), fh)
    assessed = sum(len(r.assessments) for r in results)
    print(f"{len(rows)} row(s) ({fmt}): {assessed} assessment(s), {failed} row(s) failed; results in {args.out}",
          file=sys.stderr)
    for r in results:
        if not r.ok:
            print(f"  row {r.row}: {r.error}", file=sys.stderr)
    return 1 if failed else 0


def _cmd_decisions(args: argparse.Namespace) -> int:
    from .training import export_training_data

    if args.out.exists() and not args.out.is_dir():
        print(f"recognise: --out {args.out} is a file; give a folder for decisions.csv and credentials/", file=sys.stderr)
        return 2
    with _sessions(args)() as session:
        done = export_training_data(session, args.out)
    if not done.assessments:
        print("no decision recorded yet: officers record them with POST /assessments/{id}/decisions", file=sys.stderr)
        return 1
    print(f"{done.rows} labelled (credential, course) pair(s), {done.positive} equivalent, from the latest decision on "
          f"{done.assessments} assessment(s); {done.credential_count} credential(s) in {done.credentials}")
    print(f"retrain: recognise calibrate --decisions {done.decisions} --credentials {done.credentials} "
          "--catalogue YOUR_CATALOGUE --encoder minilm")
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    from .__main__ import main

    main()
    return 0


def add_parser(subparsers) -> None:
    """Register `keys`, `worker`, `batch` and `serve` on the `recognise` subcommands."""
    keys = subparsers.add_parser("keys", help="create, revoke or list API keys (stored hashed)")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    create = keys_sub.add_parser("create", help="create a key; it is printed once")
    create.add_argument("--role", required=True, choices=ROLES)
    create.add_argument("--name", required=True, help="who or what holds the key")
    create.set_defaults(func=_cmd_keys_create)
    revoke = keys_sub.add_parser("revoke", help="revoke a key by its id")
    revoke.add_argument("key_id")
    revoke.set_defaults(func=_cmd_keys_revoke)
    listing = keys_sub.add_parser("list", help="list keys (ids, roles, names; never the keys)")
    listing.set_defaults(func=_cmd_keys_list)
    for p in (create, revoke, listing):
        p.add_argument("--database-url", help="default: RECOGNITION_DATABASE_URL or the SQLite file under .recognition-data/")

    worker = subparsers.add_parser("worker", help="run the batch worker in the foreground (the server also runs one)")
    worker.add_argument("--database-url", help="default: RECOGNITION_DATABASE_URL or the SQLite file")
    worker.add_argument("--exit-when-idle", action="store_true", help="stop when no row is pending or running")
    worker.set_defaults(func=_cmd_worker)

    batch = subparsers.add_parser("batch", help="assess a CSV or JSON Lines file of mobility returns, or a zip of "
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
    batch.add_argument("--encoder", default="auto", help="auto (default), minilm, e5, or a local model path")
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

    decisions = subparsers.add_parser("decisions", help="export officers' decisions as training data for `recognise calibrate`")
    decisions.add_argument("--out", type=Path, required=True, help="folder for decisions.csv and credentials/")
    decisions.add_argument("--database-url", help="default: RECOGNITION_DATABASE_URL or the SQLite file")
    decisions.set_defaults(func=_cmd_decisions)

    serve = subparsers.add_parser("serve", help="serve the API (uvicorn; settings from RECOGNITION_* or .env)")
    serve.set_defaults(func=_cmd_serve)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="recognise", description=__doc__)
    add_parser(parser.add_subparsers(dest="command", required=True))
    return run_command(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
