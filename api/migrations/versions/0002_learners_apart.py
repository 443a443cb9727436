"""Learner data apart from the recommendation: `assessment_learners` holds who the learner
is (purged after the retention period); `assessments` become append-only like decisions.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import importlib

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_initial = importlib.import_module("api.migrations.versions.0001_initial")


def upgrade() -> None:
    op.create_table(
        "assessment_learners",
        sa.Column("assessment_id", sa.String(length=36), nullable=False),
        sa.Column("identifier", sa.String(length=300), nullable=True),
        sa.Column("name", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(["assessment_id"], ["assessments.id"],
                                name=op.f("fk_assessment_learners_assessment_id_assessments")),
        sa.PrimaryKeyConstraint("assessment_id", name=op.f("pk_assessment_learners")),
    )
    bind = op.get_bind()
    assessments = sa.table("assessments", sa.column("id", sa.String), sa.column("data", sa.JSON))
    learners = sa.table("assessment_learners", sa.column("assessment_id", sa.String),
                        sa.column("identifier", sa.String), sa.column("name", sa.String))
    for row in bind.execute(sa.select(assessments.c.id, assessments.c.data)).all():
        learner = (row.data.get("credential") or {}).pop("learner", None)
        if learner is None:
            continue
        bind.execute(learners.insert().values(assessment_id=row.id, identifier=learner.get("identifier"),
                                              name=learner.get("name")))
        bind.execute(assessments.update().where(assessments.c.id == row.id).values(data=row.data))
    _initial._append_only(("assessments",))


def downgrade() -> None:
    _initial._drop_append_only(("assessments",))
    op.drop_table("assessment_learners")
