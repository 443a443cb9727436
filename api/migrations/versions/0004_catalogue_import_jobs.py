"""Catalogue imports run as jobs: a catalogue version is `indexing` until its index is built,
then `active` (the one before it `superseded`), or `failed` with the reason.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("catalogues") as batch_op:
        batch_op.add_column(sa.Column("state", sa.String(length=16), nullable=False, server_default="active"))
        batch_op.add_column(sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("error", sa.Text(), nullable=True))
    op.execute("UPDATE catalogues SET state = 'superseded' WHERE active = false")


def downgrade() -> None:
    with op.batch_alter_table("catalogues") as batch_op:
        batch_op.drop_column("error")
        batch_op.drop_column("finished_at")
        batch_op.drop_column("state")
