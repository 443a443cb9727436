"""Service commands for `recognise`: keys, worker, decisions, purge, audit, serve.

`add_parser(subparsers)` registers them; the engine's command line finds it through the entry
point `recognition_engine.commands` (pyproject.toml), so the engine never imports `api`. This
module imports fastapi and SQLAlchemy only inside the commands, so `recognise demo` never
loads them. Also runnable as `python -m api.cli ...`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from recognition_engine.cli.common import iso_date, run_command, today

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
    import signal

    from .logs import configure_logging
    from .resources import Resources
    from .worker import BatchWorker

    settings = _settings(args)
    configure_logging(settings.log_level, settings.log_format)
    worker = BatchWorker(Resources.open(settings), exit_when_idle=args.exit_when_idle)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: worker.stop_event.set())
    worker.run()
    return 0


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
          "--catalogue YOUR_CATALOGUE")
    return 0


def _cmd_purge(args: argparse.Namespace) -> int:
    import datetime as dt

    from .privacy import purge

    settings = _settings(args)
    if args.before is None and settings.retention_days is None:
        print("recognise: give --before DATE, or set RECOGNITION_RETENTION_DAYS", file=sys.stderr)
        return 2
    before = args.before or today() - dt.timedelta(days=settings.retention_days)
    with _sessions(args)() as session:
        done = purge(session, dt.datetime.combine(before, dt.time(), dt.timezone.utc), actor="cli")
        session.commit()
    print(f"learner data stored before {before.isoformat()} removed: {done['assessments']} assessment(s), "
          f"{done['batch_rows']} batch row(s); decisions and the audit trail are kept")
    return 0


def _cmd_audit_verify(args: argparse.Namespace) -> int:
    from .audit import verify

    with _sessions(args)() as session:
        result = verify(session)
    if result.intact:
        print(f"audit trail intact: {result.events} event(s), each linked to the one before")
        return 0
    where = f"event {result.broken_at}" if result.broken_at is not None else "the head of the chain"
    print(f"audit trail BROKEN at {where} (after {result.events - (result.broken_at is not None)} intact event(s)): "
          f"{result.reason}", file=sys.stderr)
    return 1


def _cmd_serve(args: argparse.Namespace) -> int:
    from .__main__ import main

    main()
    return 0


def add_parser(subparsers) -> None:
    """Register the service's commands on the `recognise` subcommands."""
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

    decisions = subparsers.add_parser("decisions", help="export officers' decisions as training data for `recognise calibrate`")
    decisions.add_argument("--out", type=Path, required=True, help="folder for decisions.csv and credentials/")
    decisions.add_argument("--database-url", help="default: RECOGNITION_DATABASE_URL or the SQLite file")
    decisions.set_defaults(func=_cmd_decisions)

    audit = subparsers.add_parser("audit", help="check the audit trail")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    verify = audit_sub.add_parser("verify", help="walk the hash chain of audit events; report the first broken link")
    verify.add_argument("--database-url", help="default: RECOGNITION_DATABASE_URL or the SQLite file")
    verify.set_defaults(func=_cmd_audit_verify)

    purge = subparsers.add_parser("purge", help="remove learner data stored before a date (keeps decisions and audit)")
    purge.add_argument("--before", type=iso_date, help="default: today minus RECOGNITION_RETENTION_DAYS")
    purge.add_argument("--database-url", help="default: RECOGNITION_DATABASE_URL or the SQLite file")
    purge.set_defaults(func=_cmd_purge)

    serve = subparsers.add_parser("serve", help="serve the API (uvicorn; settings from RECOGNITION_* or .env)")
    serve.set_defaults(func=_cmd_serve)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="recognise", description=__doc__)
    add_parser(parser.add_subparsers(dest="command", required=True))
    return run_command(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
