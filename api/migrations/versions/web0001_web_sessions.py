"""Web pages: signed-in browser sessions, and the outcome pairs an officer confirmed or struck with a decision.

Revision ID: web0001
Revises: 0005
Create Date: 2026-11-28 06:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "web0001"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("key_id", sa.String(16), nullable=False),
        sa.Column("csrf", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["key_id"], ["api_keys.id"], name=op.f("fk_web_sessions_key_id_api_keys")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sessions")),
    )
    op.create_index(op.f("ix_web_sessions_key_id"), "web_sessions", ["key_id"])
    # decisions are append-only (triggers refuse UPDATE and DELETE); adding a column changes no row
    op.add_column("decisions", sa.Column("pair_reviews", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("decisions") as batch:
        batch.drop_column("pair_reviews")
    op.drop_index(op.f("ix_web_sessions_key_id"), table_name="web_sessions")
    op.drop_table("web_sessions")
