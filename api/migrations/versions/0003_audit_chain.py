"""Audit events hash-chained: each carries the hash of the one before (api/audit.py);
existing events are chained in order, and the head is kept in app_meta.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import importlib

import sqlalchemy as sa
from alembic import op

from api.audit import GENESIS, HEAD, event_hash

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_initial = importlib.import_module("api.migrations.versions.0001_initial")


def upgrade() -> None:
    with op.batch_alter_table("audit_events") as batch_op:
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
    _initial._drop_append_only(("audit_events",))  # chaining the existing events updates them, once
    bind = op.get_bind()
    events = sa.table("audit_events", *(sa.column(c) for c in ("id", "actor", "action", "subject_type", "subject_id",
                                                               "prev_hash", "hash")),
                      sa.column("at", sa.DateTime(timezone=True)), sa.column("details", sa.JSON))
    prev = GENESIS
    for e in bind.execute(sa.select(events).order_by(events.c.id)).all():
        digest = event_hash(prev, e.at, e.actor, e.action, e.subject_type, e.subject_id, e.details)
        bind.execute(events.update().where(events.c.id == e.id).values(prev_hash=prev, hash=digest))
        prev = digest
    meta = sa.table("app_meta", sa.column("key", sa.String), sa.column("value", sa.Text))
    bind.execute(meta.insert().values(key=HEAD, value=prev))
    _initial._append_only(("audit_events",))


def downgrade() -> None:
    _initial._drop_append_only(("audit_events",))
    op.execute(f"DELETE FROM app_meta WHERE key = '{HEAD}'")
    with op.batch_alter_table("audit_events") as batch_op:
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
    _initial._append_only(("audit_events",))
